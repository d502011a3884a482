"""What a report says is true for the person it is about: read on the rendered PDFs' text.

One workspace renders a handful of hand-made results, each built to catch one false sentence
(hidden groups said to count, the role's goals printed as the employee's, an incomplete result
said to agree, "improve" for a complaint count, a change rate shown as completion).
"""

from __future__ import annotations

import pytest
from plan_support import make_small_plan, with_change_kpi
from test_report import employee_result, page_texts, pdf_text, write_results

from perfsheets.core.model import Plan
from perfsheets.core.results import Comment, KpiResult
from perfsheets.report.render import render_reports

pytestmark = pytest.mark.slow  # every test here renders PDFs

OWN_GOAL = "明年考取PMP证书"
ROLE_GOAL = "掌握大客户谈判方法"


def _plan(plan: Plan, **report) -> Plan:
    """The small plan with a change-vs-baseline KPI (S04), a role goal and report options."""
    data = with_change_kpi(plan)
    next(r for r in data["roles"] if r["id"] == "sales")["development_goals"] = [ROLE_GOAL]
    data["report"] = report
    return Plan.model_validate(data)


def _results(plan: Plan):
    with_goal = employee_result(plan, "E002")
    with_goal.comments[0].comments.append(Comment(field="development", text=OWN_GOAL))
    with_goal.kpis.append(
        KpiResult(
            code="S04", weight=10, baseline=12, actual=12.6, completion=0.05, score=100, weighted=10
        )
    )
    # The complaint count is the lowest-scored item: a development area.
    with_goal.kpis[2].score = 20.0
    with_goal.development_areas = ["客户投诉", "沟通能力"]
    no_self = employee_result(
        plan,
        "E003",
        complete=False,
        missing_types=["self"],
        grade=None,
        coefficient=None,
        total_score=71.0,
        gaps=[],
        comments=[g for g in with_goal.comments if g.rater_type != "self"],
    )
    for item in [*no_self.tasks, *no_self.competencies]:
        item.by_type.pop("self", None)
    moved = employee_result(plan, "E004", grade="B", grade_before_quota="A")
    return [with_goal, no_self, moved]


@pytest.fixture(scope="module")
def reports(tmp_path_factory, small_plan_module):
    """Rendered twice: the defaults, and --count-hidden with the quota move not shown."""
    out = {}
    for name, report, summary in (
        ("default", {}, {"anonymity": {"hidden_groups": "excluded"}}),
        ("counted", {"show_quota_move": False}, {"anonymity": {"hidden_groups": "counted"}}),
    ):
        plan = _plan(small_plan_module, **report)
        ws = write_results(tmp_path_factory.mktemp(name), plan, _results(plan), summary)
        result = render_reports(ws.root, plan=plan, workers=1, manager_packs=False)
        out[name] = {p.name.split("_")[0]: pdf_text(p) for p in result.reports}
    return out


@pytest.fixture(scope="module")
def small_plan_module():

    return make_small_plan()


def test_hidden_group_note_says_what_consolidation_did(reports):
    assert "其评分也未计入综合得分" in reports["default"]["E002"]
    assert "已计入综合得分" not in reports["default"]["E002"]
    assert "其评分已计入综合得分" in reports["counted"]["E002"]


def test_own_goals_are_the_employees_words_and_role_goals_have_their_label(reports):
    text = reports["default"]["E002"]
    assert f"员工填写的个人发展目标：{OWN_GOAL}" in text
    assert f"本岗位的发展重点（考核方案）：{ROLE_GOAL}" in text
    # no self-review returned: nothing is printed as the employee's own goal
    assert "员工填写的个人发展目标" not in reports["default"]["E003"]


def test_incomplete_result_says_what_is_missing_and_that_the_grade_is_pending(reports):
    text = reports["default"]["E003"]
    assert "未发现明显盲点" not in text and "无特别要求" not in text
    assert "没有收到自评，无法对比自我认知" in text
    assert "结果不完整：缺少自评" in text
    assert "等级待定：结果不完整（缺少自评）" in text


def test_lower_is_better_items_are_reduced_and_ranked_by_score(reports):
    text = reports["default"]["E002"]
    assert "降低：客户投诉" in text and "提升：客户投诉" not in text
    assert "提升：沟通能力" in text
    # the ranking shows the item score that placed it there
    assert "1.客户投诉（越低越好）20.0分" in text


def test_change_kpis_show_baseline_actual_and_change_rate(reports):
    text = reports["default"]["E002"]
    assert "与基期对比的指标" in text
    assert "基期值实际值变化率" in text
    assert "S04市场占有率%1212.6+5.0%100.00" in text


def test_quota_move_is_shown_to_the_employee_only_if_the_plan_says_so(reports):
    assert "等级由A优秀调整为B良好" in reports["default"]["E004"]
    moved = reports["counted"]["E004"]
    assert "强制分布" not in moved and "B良好" in moved


@pytest.mark.slow
def test_a_few_overflowing_comment_lines_share_the_interview_page(tmp_path, small_plan_module):
    """Comments a few lines too long for their page used to print those lines on a page of
    their own before the interview; now the interview follows them when it fits there."""
    plan = small_plan_module
    results = []
    for extra in (25, 27, 29):  # overflow by one to four lines
        r = employee_result(plan, "E002", name=f"测试{extra}", trend=[])
        r.employee_id = f"E9{extra}"
        tip = "需要加强复盘习惯，把经验沉淀成文档。" * 2
        r.comments[1].comments.extend(Comment(field="improvements", text=tip) for _ in range(extra))
        results.append(r)
    ws = write_results(tmp_path, plan, results)
    out = render_reports(ws.root, plan=plan, workers=1, manager_packs=False, hr_summary=False)
    for path in out.reports:
        pages = page_texts(path)
        assert len(pages) == 3, path.name
        before, interview, _ = pages[2].partition("绩效面谈")
        # the end of the comments (a comment or the hidden group's note), then the interview
        assert interview and ("需要加强复盘习惯" in before or "评价人少于" in before), path.name
