"""The rules behind what a report shows, checked without rendering a PDF."""

from __future__ import annotations

from test_report import HOSTILE, SECRET_PEER, employee_result

from perfsheets.core.results import Comment, CommentGroup, RatedItemResult, TypeScore
from perfsheets.report import charts
from perfsheets.report.context import Context, fmt_pct, fmt_plain
from perfsheets.report.overviews import hr_view, team_view
from perfsheets.report.views import (
    comment_groups,
    consequence,
    employee_view,
    group_visibility,
)


def test_groups_below_the_minimum_are_hidden_even_if_marked_shown(small_plan):
    ctx = Context.build(small_plan, "zh-CN")
    result = employee_result(small_plan, "E002")
    # consolidation forgot to hide a two-person subordinate group: the report hides it anyway
    for item in result.competencies:
        item.by_type["subordinate"] = TypeScore(count=2, mean_rating=4.9, shown=True)
    vis = group_visibility(result, ctx)
    assert vis["subordinate"] == (False, 2)
    assert vis["peer"] == (True, 4) and vis["self"] == (True, 1)
    view = employee_view(result, ctx)
    cells = [c["text"] for row in view["competencies"] for c in row["cells"]]
    assert "4.9" not in cells and "—" in cells
    groups = {g["type"]: g for g in comment_groups(result, ctx, vis)}
    assert groups["subordinate"]["hidden"] and groups["subordinate"]["entries"] == []
    assert SECRET_PEER not in str(view)


def test_anonymous_comments_never_carry_a_name(small_plan):
    ctx = Context.build(small_plan, "zh-CN")
    result = employee_result(small_plan, "E002")
    groups = {g["type"]: g for g in comment_groups(result, ctx, group_visibility(result, ctx))}
    assert [c["author"] for c in groups["peer"]["entries"]] == [None, None]
    assert groups["manager"]["entries"][0]["author"] == "王经理"
    assert groups["self"]["entries"][0]["author"] == "李娜"
    assert groups["manager"]["entries"][1]["text"] == HOSTILE  # escaped by the template, not here


def test_consequence_comes_from_the_plan_grade(small_plan):
    ctx = Context.build(small_plan, "zh-CN")
    low = employee_result(small_plan, "E002", grade="D", total_score=40.0)
    assert consequence(low, ctx) == "需制定绩效改进计划"
    assert consequence(employee_result(small_plan, "E002"), ctx) == ""
    own = employee_result(small_plan, "E002", consequence="暂缓晋升")
    assert consequence(own, ctx) == "暂缓晋升"
    assert employee_view(low, ctx)["alert"] and not employee_view(own, ctx)["alert"]


def test_competency_chart_is_a_radar_from_three_items(small_plan):
    ctx = Context.build(small_plan, "zh-CN")
    result = employee_result(small_plan, "E002")
    assert "<rect" in employee_view(result, ctx)["chart"]  # two items: bars
    extra = RatedItemResult(
        code="C3",
        name="<b>创新</b>",
        weight=0,
        by_type={
            "self": TypeScore(count=1, mean_rating=3),
            "peer": TypeScore(count=3, mean_rating=4),
        },
    )
    result.competencies.append(extra)
    svg = str(employee_view(result, ctx)["chart"])
    assert "<polygon" in svg and "&lt;b&gt;创新" in svg and "<b>" not in svg


def test_numbers_are_formatted_for_people():
    assert fmt_plain(1200.0) == "1,200" and fmt_plain(0.955) == "0.955" and fmt_plain(None) == "—"
    assert fmt_pct(1.0542) == "105.4%" and fmt_pct(0.05, signed=True) == "+5.0%"
    assert fmt_pct(float("inf")) == "—"


def test_team_and_hr_views_count_grades(small_plan):
    ctx = Context.build(small_plan, "en")
    results = [
        employee_result(small_plan, "E002"),
        employee_result(small_plan, "E003", grade="C", total_score=62.0),
        employee_result(small_plan, "E007", complete=False, missing_types=["manager"]),
    ]
    team = team_view("E001", "王经理", results[:2], ctx)
    assert [r["id"] for r in team["rows"]] == ["E002", "E003"]  # best first
    assert [r["name"] for r in team["follow_up"]] == ["张伟"]
    hr = hr_view(results, ctx)
    assert {d["code"]: d["count"] for d in hr["distribution"]} == {
        "S": 0,
        "A": 2,
        "B": 0,
        "C": 1,
        "D": 0,
    }
    assert hr["incomplete"][0]["missing"] == "上级"  # plan's own name for the rater type
    assert small_plan.departments()[:2] == ["销售部", "行政部"]
    assert [d["department"] for d in hr["departments"]] == ["销售部", "行政部"]  # plan order
    # figures over complete results only, as results.xlsx has them (E007 is incomplete)
    complete = [r.total_score for r in results[:2]]
    assert hr["average"] == f"{sum(complete) / 2:.2f}" and hr["complete"] == 2
    assert hr["departments"][1]["average"] == "—" and hr["departments"][1]["incomplete"] == 1


def test_charts_escape_labels_and_skip_missing_values():
    svg = str(charts.bars(["<A>", "B"], [3, 0]))
    assert "&lt;A&gt;" in svg
    line = str(charts.line(["Q1", "Q2", "Q3"], [80.0, None, 90.0], 60, 100))
    assert line.count("<circle") == 2


def test_comment_fields_use_shared_terms(small_plan):
    ctx = Context.build(small_plan, "en")
    result = employee_result(
        small_plan,
        "E002",
        comments=[
            CommentGroup(rater_type="manager", comments=[Comment(field="strengths", text="x")])
        ],
    )
    (group,) = comment_groups(result, ctx, group_visibility(result, ctx))
    assert group["entries"][0]["field"] == "Strengths"


def test_trend_shows_earlier_cycles_and_this_one_once(small_plan):
    from perfsheets.core.results import TrendPoint

    ctx = Context.build(small_plan, "zh-CN")
    result = employee_result(small_plan, "E002")
    result.trend.append(
        TrendPoint(cycle_id="2026Q4", cycle_name="2026年第四季度", total_score=86.81, grade="A")
    )
    rows = employee_view(result, ctx)["trend"]["rows"]
    assert [r["cycle"] for r in rows] == [
        "2026年第二季度",
        "2026年第三季度",
        "2026年第四季度（本期）",
    ]
    only_now = employee_result(small_plan, "E002", trend=result.trend[-1:])
    assert employee_view(only_now, ctx)["trend"] is None


def test_comment_fields_are_named_and_ordered(small_plan):
    ctx = Context.build(small_plan, "zh-CN")
    fields = ["development", "improvements", "strengths", "summary"]
    result = employee_result(
        small_plan,
        "E002",
        comments=[
            CommentGroup(rater_type="self", comments=[Comment(field=f, text=f) for f in fields])
        ],
    )
    (group,) = comment_groups(result, ctx, group_visibility(result, ctx))
    assert [e["field"] for e in group["entries"]] == [
        "个人工作总结",
        "主要优点",
        "待改进之处",
        "个人发展目标",
    ]


def test_rater_types_mid_sentence_are_lower_case_in_english(small_plan):
    from perfsheets.plan.example import example_plan

    ctx = Context.build(example_plan(20), "en")
    assert ctx.type_list(["self", "manager"]) == "Self, Manager"  # a table cell
    assert ctx.type_list(["self", "manager"], in_sentence=True) == "self, manager"
    assert Context.build(small_plan, "zh-CN").type_list(["self"], in_sentence=True) == "自评"


def test_adjustments_in_the_score_composition_and_only_for_those_with_any(small_plan):
    from perfsheets.core.model import Adjustment
    from perfsheets.core.naming import Namer
    from perfsheets.core.results import AdjustmentResult

    sales = small_plan.roles[0].model_copy(
        update={
            "adjustments": [
                Adjustment(code="J1", name="发明专利", points_per_unit=2, cap=6),
                Adjustment(code="K1", name="投诉升级", unit="次", points_per_unit=-5),
            ],
            "bonus_cap": 5,
        }
    )
    plan = small_plan.model_copy(update={"roles": [sales, *small_plan.roles[1:]]})
    ctx = Context.build(plan, "zh-CN")
    items = [
        AdjustmentResult(code="J1", points_per_unit=2, cap=6, count=4, points=8, counted=6),
        AdjustmentResult(code="K1", points_per_unit=-5, count=1, points=-5, counted=-5),
    ]
    adjusted = employee_result(
        plan,
        "E002",
        adjustments=items,
        weighted_score=86.37,
        bonus_points=5,
        penalty_points=5,
        bonus_capped=True,
        total_score=86.37,
    )
    Namer(plan, "zh-CN").name(adjusted)
    view = employee_view(adjusted, ctx)
    assert "发明专利：+8 分超过单项上限，按 +6 分计。" in view["notes"]
    assert "加分合计 6 分，超过岗位上限 5 分，按 5 分计入总分。" in view["notes"]
    rows = view["adjusted"]["rows"]
    assert [(r["name"], r["count"], r["points"], r["counted"], r["capped"]) for r in rows] == [
        ("发明专利", "4", "+8", "+6", True),
        ("投诉升级", "1", "−5", "−5", False),
    ]
    assert (view["adjusted"]["bonus"], view["adjusted"]["penalty"]) == ("5", "5")
    assert view["adjusted"]["net"] == "0"

    plain = employee_view(employee_result(small_plan, "E002"), Context.build(small_plan, "zh-CN"))
    assert plain["adjusted"] is None
    assert not any("上限" in n or "加分" in n for n in plain["notes"])


def test_an_english_report_of_a_chinese_plan_gives_the_roles_english_development_goals():
    from perfsheets.core.naming import Namer
    from perfsheets.plan.example import example_plan

    plan = example_plan(20)  # a Chinese plan, with the roles' goals in English beside
    assert Namer(plan, "en").roles["rnd"].development_goals == [
        "System architecture design",
        "Presenting and reviewing technical designs",
    ]
    assert Namer(plan, "zh-CN").roles["rnd"].development_goals == [
        "深入掌握系统架构设计",
        "提升技术方案评审与表达能力",
    ]
