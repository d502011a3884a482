"""The Excel plan workbook: lossless both ways, helpful to edit, problems located at cells."""

from __future__ import annotations

import datetime as dt
import subprocess
from typing import Any

import openpyxl
import pytest
from openpyxl.utils.cell import range_boundaries
from pydantic import BaseModel

from perfsheets.core.model import Plan
from perfsheets.plan.example import example_plan
from perfsheets.plan.excel.sheets import KPIS
from perfsheets.plan.io import dump_plan, load_plan
from perfsheets.plan.problems import PlanError
from perfsheets.plan.validate import check_plan_file
from perfsheets.plan.yaml import plan_to_data, plan_to_yaml


def maximal_plan(plan: Plan) -> Plan:
    """The plan with every optional field set away from its default (a lossless-ness probe)."""
    d = plan_to_data(plan)
    d["schema_version"] = 2
    d["company"] = {"name": "甲公司", "name_en": "Jia Ltd", "logo": "logo.png"}
    d["cycle"].update(name_en="Q4", language="en", form_password="pw", target_change_band=0.2)
    d["cycle"]["confirmation_deadline"] = "2027-02-15"
    d["scales"][0]["levels"][0]["anchor_en"] = "Far below"
    d["scales"].append(
        {
            "id": "three",
            "name": "三级",
            "levels": [
                {"value": v, "name": str(v), "points": p} for v, p in ((1, 0), (2, 50), (3, 100))
            ],
        }
    )
    d["rater_types"][0].update(name_en="Self", anonymous=True, min_count=2)
    d["rater_types"][0]["required"] = True
    d["competencies"][0].update(
        description="合作",
        description_en="Works with others",
        anchors=list("一二三"),
        scale="three",
    )
    d["competencies"][0]["anchors_en"] = ["a", "b", "c"]
    role = d["roles"][0]
    role["development_goals"] = ["学习谈判", "带新人"]
    role["development_goals_en"] = ["Negotiation", "Coaching newcomers"]
    d["eligibility"] = {
        "probation": "include",
        "on_leave": "include",
        "min_months": 3,
        "partial_period": "full",
    }
    d["roster"]["employees"][1].update(
        hire_date="2026-02-01",
        leave_date="2026-12-15",
        probation_end="2026-05-01",
        on_leave=True,
    )
    role["rater_weights"] = {"self": 20, "manager": 50, "peer": 20, "subordinate": 10}
    role["kpis"][0].update(
        name_en="Sales",
        definition="定义",
        definition_en="Definition",
        formula="实际÷目标",
        formula_en="actual ÷ target",
        baseline=80,
        source="import",
        min_value=0,
        max_value=1000,
        goal="G1",
        unit_en="10k CNY",
        pace="point",
        veto={"grade": "C", "at": 3},
    )
    role["kpis"][2]["rule"] = {"type": "pass_fail", "pass_score": 90, "fail_score": 20}
    d["roles"][1]["kpis"].append(
        {
            "code": "A09",
            "name": "费用",
            "target": 50,
            "weight": 10,
            "direction": "lower",
            "rule": {
                "type": "threshold",
                "threshold": 1.1,
                "stretch": 0.9,
                "threshold_score": 50,
                "target_score": 95,
                "stretch_score": 110,
                "below": 10,
            },
        }
    )
    role["kpis"][1]["rule"] = {
        "type": "bands",
        "on": "value",
        "bands": [{"min": 95, "score": 100}, {"min": 90.5, "score": 70.25}],
        "otherwise": 10,
    }
    d["roles"][1]["kpis"][0].update(
        direction="lower",
        baseline=200,
        rule={"type": "change_bands", "bands": [{"min": 0.05, "score": 100}], "otherwise": 5},
    )
    role["adjustments"] = [
        {
            "code": "J1",
            "name": "发明专利",
            "name_en": "Patent",
            "definition": "授权发明专利",
            "definition_en": "Granted invention patents",
            "unit": "件",
            "unit_en": "patents",
            "points_per_unit": 2.5,
            "cap": 7.5,
            "source": "import",
        },
        {"code": "K1", "name": "投诉升级", "points_per_unit": -5},
    ]
    role["bonus_cap"] = 10
    role["penalty_cap"] = 20.5
    role["tasks"][0].update(
        name_en="East", standard_en="3 deals", deadline="2026-11-30", goal="G1", scale="three"
    )
    d["grading"]["levels"][0].update(name_en="Top", consequence="晋升", consequence_en="Promote")
    for level, quota in zip(d["grading"]["levels"], (0.1, 0.2, 0.4, 0.2, 0.1), strict=True):
        level["quota"] = quota
    d["grading"]["levels"][0]["quota_kind"] = "max"
    d["grading"]["forced_distribution"] = {
        "enabled": True,
        "group_by": "role",
        "min_group_size": 4,
        "tie_rule": "employee_id",
        "minimum_shares": [{"grades": ["C", "D"], "share": 0.05}],
    }
    d["grading"]["promotion_after"] = 3
    d["grading"]["calibration"] = {"allow_quota_breach": True, "group_books": True}
    d["report"] = {"show_quota_move": False, "contact": "销售部 王芳", "contact_en": "Wang Fang"}
    d["mail"] = {"reports_to_employees": True, "encrypt_reports": True}
    d["pay"] = {
        "bonus_months": 2.5,
        "pro_rata": "days",
        "period_months": 6,
        "pools": [{"department": "销售部", "amount": 120000.5}, {"department": "*", "amount": 9e5}],
        "columns": [
            {"field": "employee_id", "header": "工号"},
            {"field": "bonus", "header": "绩效奖金：元"},
        ],
    }
    d["consequences"] = {
        "pip_grades": ["C", "D"],
        "honour_grades": ["S"],
        "promotion_grades": ["S", "A"],
        "training_threshold": 70.5,
        "training_top": 4,
    }
    d["pip"] = {"checkpoints": 4, "length_days": 120}
    d["aggregation"] = {
        "trim_min_count": 6,
        "kpi_actual_priority": ["self", "manager"],
        "calibration": "zscore",
        "calibration_min_ratees": 4,
        "decimals": 1,
        "leniency_flag": 0.5,
        "disagreement_flag": 1.5,
        "blind_spot_gap": 0.8,
        "blind_spot_min_items": 4,
        "allow_na": True,
        "na_warn_share": 0.4,
    }
    d["rollup"] = [
        {
            "roles": ["sales"],
            "parts": [{"period": "month", "weight": 40}, {"period": "year", "weight": 60}],
        },
        {"parts": [{"period": "year", "weight": 100}]},
    ]
    d["goals"] = [
        {"id": "G0", "name": "增长", "name_en": "Growth"},
        {
            "id": "G1",
            "name": "华东增长",
            "level": "department",
            "parent": "G0",
            "department": "销售部",
            "owner": "E001",
        },
    ]
    roster = d["roster"]
    roster["employees"][6].update(email="sun@example.com", is_active=False)
    roster["external_raters"] = [
        {"id": "X1", "name": "客户甲", "email": "x@c.com", "organisation": "客户公司"}
    ]
    roster["relations"] = [{"rater": "X1", "ratee": "E002", "type": "peer"}]
    roster["peers"] = {"count": 2, "scope": "role", "seed": 7}
    roster["targets"] = [{"employee": "E002", "kpi": "S01", "target": 150, "baseline": 90}]
    return Plan.model_validate(d)


def _defaults_left(model: BaseModel, seen: set[tuple[str, str]]) -> None:
    """Record every (class, field) holding a value other than its default, recursively."""
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        if info.is_required() or value != info.get_default(call_default_factory=True):
            seen.add((type(model).__name__, name))
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, BaseModel):
                _defaults_left(item, seen)


def _all_fields(cls: type[BaseModel], out: set[tuple[str, str]]) -> None:
    import typing

    for name, info in cls.model_fields.items():
        out.add((cls.__name__, name))
        stack = [info.annotation]
        while stack:
            tp = stack.pop()
            is_model = isinstance(tp, type) and issubclass(tp, BaseModel)
            if is_model and (tp.__name__, next(iter(tp.model_fields))) not in out:
                _all_fields(tp, out)
            stack.extend(typing.get_args(tp))


def test_maximal_plan_sets_every_field(small_plan):
    """If the model gains a field, this fails until maximal_plan (and the workbook) covers it."""
    seen: set[tuple[str, str]] = set()
    _defaults_left(maximal_plan(small_plan), seen)
    every: set[tuple[str, str]] = set()
    _all_fields(Plan, every)
    # fields whose only meaningful value is the default / fixed by the rule type
    rules = (
        "LinearRule",
        "BandsRule",
        "DeductionRule",
        "PassFailRule",
        "ChangeBandsRule",
        "ThresholdRule",
    )
    fixed = {(r, "type") for r in rules}
    fixed |= {("DeductionRule", f) for f in ("base", "per_unit", "floor")}
    fixed |= {("LinearRule", f) for f in ("floor", "cap")}
    assert every - seen - fixed == set()


@pytest.mark.parametrize("which", ["small", "maximal", "example-en"])
def test_excel_round_trip_is_exact(tmp_path, small_plan, which):
    plan = {
        "small": lambda: small_plan,
        "maximal": lambda: maximal_plan(small_plan),
        "example-en": lambda: example_plan(40, seed=2, lang="en"),
    }[which]()
    path = dump_plan(plan, tmp_path / "plan.xlsx")
    assert load_plan(path) == plan


def test_yaml_to_excel_to_yaml_gives_the_same_text(tmp_path, small_plan):
    plan = maximal_plan(small_plan)
    yaml_text = plan_to_yaml(plan)
    again = load_plan(
        dump_plan(load_plan(dump_plan(plan, tmp_path / "a.yaml")), tmp_path / "b.xlsx")
    )
    assert plan_to_yaml(again) == yaml_text


def test_workbook_has_guide_dropdowns_and_notes(tmp_path, small_plan):
    path = dump_plan(small_plan, tmp_path / "plan.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[:4] == ["说明", "周期与设置", "评分量表", "评价人类型"]
    assert {"岗位", "KPI指标", "员工名册", "评价关系", "个人目标"} <= set(book.sheetnames)
    kpis = book["KPI指标"]
    header = [c.value for c in kpis[1]]
    assert header[:3] == ["岗位编号*", "指标编号*", "指标名称*"]
    lists = {
        range_boundaries(str(dv.sqref).split()[0])[0]: dv.formula1
        for dv in kpis.data_validations.dataValidation
    }
    rules = '"按完成率线性计分,分档计分,扣分制,达标/未达标,按变化率分档,门槛值/目标值/挑战值"'
    assert lists[header.index("计分规则") + 1] == rules
    assert lists[header.index("方向") + 1] == '"越高越好,越低越好"'
    assert lists[1].startswith("'岗位'!$A$2")  # role ids picked from the roles sheet
    assert kpis.cell(1, header.index("上限") + 1).comment is not None
    roster = book["员工名册"]
    assert [c.value for c in roster[2]][:5] == ["E001", "王经理", "销售部", "sales", None]


def _cell(book: Any, sheet: str, header: str, row: int) -> Any:
    ws = book[sheet]
    col = [c.value for c in ws[1]].index(header) + 1
    return ws.cell(row, col)


def test_problems_point_at_sheet_and_cell(tmp_path, small_plan):
    path = dump_plan(small_plan, tmp_path / "plan.xlsx")
    book = openpyxl.load_workbook(path)
    _cell(book, "KPI指标", "权重(%)*", 2).value = 45  # S01 50 -> 45: the KPIs sum to 95
    _cell(book, "员工名册", "岗位编号*", 5).value = "salse"  # E004
    _cell(book, "员工名册", "直接上级工号", 6).value = "E999"  # E005
    _cell(book, "绩效等级", "最低分*", 3).value = 99  # A above S
    book.save(path)
    plan, report = check_plan_file(path)
    assert plan is not None
    found = {(p.code, p.sheet, p.cell) for p in report.errors}
    kpi_weight = [c.value for c in book["KPI指标"][1]].index("权重(%)*")
    letter = openpyxl.utils.get_column_letter(kpi_weight + 1)
    assert ("weights-not-100", "KPI指标", f"{letter}2:{letter}4") in found
    assert ("unknown-role", "员工名册", "D5") in found
    assert ("unknown-manager", "员工名册", "E6") in found
    assert ("thresholds-not-monotonic", "绩效等级", "D3") in found
    assert all(p.file == "plan.xlsx" for p in report)


def test_schema_errors_in_cells_all_reported(tmp_path, small_plan):
    path = dump_plan(small_plan, tmp_path / "plan.xlsx")
    book = openpyxl.load_workbook(path)
    _cell(book, "KPI指标", "目标值", 3).value = "九十五"
    _cell(book, "KPI指标", "方向", 4).value = "down"
    _cell(book, "员工名册", "姓名*", 3).value = None
    settings = book["周期与设置"]
    row = next(r for r in range(2, 40) if settings.cell(r, 3).value == "cycle.start")
    settings.cell(row, 2).value = "下个月"
    book.save(path)
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    located = {(p.sheet, p.cell) for p in caught.value.report}
    target_col = openpyxl.utils.get_column_letter(
        [c.value for c in book["KPI指标"][1]].index("目标值") + 1
    )
    direction_col = openpyxl.utils.get_column_letter(
        [c.value for c in book["KPI指标"][1]].index("方向") + 1
    )
    assert located == {
        ("KPI指标", f"{target_col}3"),
        ("KPI指标", f"{direction_col}4"),
        ("员工名册", "B3"),  # the empty name cell itself
        ("周期与设置", f"B{row}"),
    }


def test_hr_edits_read_naturally(tmp_path, small_plan):
    """Ids typed as numbers, 是/否 booleans, Chinese commas, English headers are all fine."""
    path = dump_plan(small_plan, tmp_path / "plan.xlsx")
    book = openpyxl.load_workbook(path)
    _cell(book, "员工名册", "工号*", 8).value = 1007  # E007 renumbered as a number
    _cell(book, "员工名册", "在职", 8).value = "否"
    _cell(book, "评价人类型", "评价部分", 2).value = "kpi，task、competency"
    book["员工名册"].cell(1, 2).value = "Name"  # an English header in a Chinese workbook
    book["员工名册"].cell(1, 9).value = "备注"  # HR's own column is ignored
    book["员工名册"].cell(2, 9).value = "新任"
    book.save(path)
    plan = load_plan(path)
    e7 = plan.roster.employees[6]
    assert (e7.id, e7.is_active) == ("1007", False)
    assert plan.rater_types[0].sections == ["kpi", "task", "competency"]


def test_bad_bands_and_unknown_role_rows_are_cell_problems(tmp_path, small_plan):
    path = dump_plan(small_plan, tmp_path / "plan.xlsx")
    book = openpyxl.load_workbook(path)
    bands = _cell(book, "KPI指标", "分档（下限:得分; …）", 3)
    bands.value = "1:100; 0.9=80"
    _cell(book, "重点工作", "岗位编号*", 2).value = "nobody"
    book.save(path)
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    by_code = {p.code: p for p in caught.value.report}
    assert by_code["bad-cell"].cell == bands.coordinate
    assert "0.9=80" in by_code["bad-cell"].message("zh-CN")
    assert (by_code["unknown-role"].sheet, by_code["unknown-role"].cell) == ("重点工作", "A2")


def test_missing_required_sheet(tmp_path, small_plan):
    path = dump_plan(small_plan, tmp_path / "plan.xlsx")
    book = openpyxl.load_workbook(path)
    del book["岗位"]
    book.save(path)
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    assert [(p.code, p.params["name"]) for p in caught.value.report] == [("missing-sheet", "岗位")]


def test_not_a_workbook(tmp_path):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(b"not a zip")
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    assert caught.value.report.codes() == ["unreadable-file"]


def test_formula_like_text_stays_text(tmp_path, small_plan):
    d = plan_to_data(small_plan)
    d["roster"]["employees"][1]["name"] = '=HYPERLINK("http://x")'
    plan = Plan.model_validate(d)
    path = dump_plan(plan, tmp_path / "plan.xlsx")
    ws = openpyxl.load_workbook(path)["员工名册"]
    assert ws["B3"].data_type == "s"
    assert load_plan(path) == plan


@pytest.mark.slow
@pytest.mark.requires_soffice
def test_workbook_saved_by_libreoffice_reads_back(tmp_path, small_plan):
    plan = maximal_plan(small_plan)
    src = dump_plan(plan, tmp_path / "src" / "plan.xlsx")
    out = tmp_path / "out"
    subprocess.run(
        ["soffice", "--headless", "--convert-to", "xlsx", "--outdir", str(out), str(src)],
        check=True,
        capture_output=True,
        timeout=180,
        env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert load_plan(out / "plan.xlsx") == plan


def test_dates_are_real_dates(tmp_path, small_plan):
    path = dump_plan(small_plan, tmp_path / "plan.xlsx")
    ws = openpyxl.load_workbook(path)["周期与设置"]
    values = {ws.cell(r, 3).value: ws.cell(r, 2).value for r in range(2, ws.max_row + 1)}
    assert values["cycle.start"] == dt.datetime(2026, 10, 1)


def test_a_deleted_column_is_one_problem_not_one_per_row(tmp_path):
    plan = example_plan(60)
    path = dump_plan(plan, tmp_path / "plan.xlsx")
    book = openpyxl.load_workbook(path)
    book["员工名册"].delete_cols(2)  # 姓名
    book["KPI指标"].delete_cols(1)  # 岗位编号
    book.save(path)
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    problems = [(p.code, p.sheet, p.params.get("key")) for p in caught.value.report]
    assert problems == [
        ("missing-column", "KPI指标", "role"),
        ("missing-column", "员工名册", "name"),
    ]


def test_dropdowns_show_words_in_the_plans_language_and_codes_are_kept(tmp_path, small_plan):
    """HR picks 越高越好 / 越低越好 (or Higher / Lower is better in English); the plan keeps the
    codes, and a code or the other language's word typed by hand reads the same."""
    lower = next(k.code for r in small_plan.roles for k in r.kpis if k.direction == "lower")
    for lang, words in (
        ("zh-CN", ("越高越好", "越低越好")),
        ("en", ("Higher is better", "Lower is better")),
    ):
        plan = small_plan.model_copy(
            update={"cycle": small_plan.cycle.model_copy(update={"language": lang})}
        )
        path = dump_plan(plan, tmp_path / f"{lang}.xlsx")
        book = openpyxl.load_workbook(path)
        ws = book[KPIS.title(lang)]
        keys = [c.key for c in KPIS.cols]
        col, code_col = keys.index("direction") + 1, keys.index("code") + 1
        shown = {
            ws.cell(r, code_col).value: ws.cell(r, col).value for r in range(2, ws.max_row + 1)
        }
        assert shown[lower] == words[1] and set(shown.values()) - {None} <= set(words)
        formulas = [dv.formula1 for dv in ws.data_validations.dataValidation]
        assert f'"{words[0]},{words[1]}"' in formulas
        assert load_plan(path) == plan  # the codes come back
        # a code typed by hand, or the other language's word, reads the same
        for r in range(2, ws.max_row + 1):
            if ws.cell(r, code_col).value == lower:
                ws.cell(r, col).value = "lower" if lang == "en" else "Lower is better"
        book.save(path)
        assert load_plan(path) == plan


def test_schema_problems_name_the_column_header_hr_sees(tmp_path, small_plan):
    path = dump_plan(small_plan, tmp_path / "plan.xlsx")
    book = openpyxl.load_workbook(path)
    _cell(book, "员工名册", "在职", 3).value = "maybe"
    settings = book["周期与设置"]
    due_row = next(
        r for r in range(2, settings.max_row + 1) if settings.cell(r, 3).value == "cycle.due"
    )
    settings.cell(due_row, 2).value = "2026-13-45"
    book.save(path)
    _, report = check_plan_file(path)
    by_sheet = {p.sheet: p for p in report if p.code == "schema"}
    active = by_sheet["员工名册"]
    assert active.message().startswith("“在职”：") and "maybe" in active.message()
    assert active.message("en").startswith("'Active': ")
    due = by_sheet["周期与设置"]
    assert due.message().startswith("“考核表提交截止日期”：应为日期") and due.cell == f"B{due_row}"
    assert "Traceback" not in due.message() and "month must be" not in due.message("en")
