"""加分项 / 减分项: counts on the manager's sheets, collected with located problems, imported
counts locked, points capped per item and in all, added to the weighted score."""

from __future__ import annotations

from pathlib import Path

import pytest
from collect_support import (
    bounded_plan,
    fill_form,
    find_cell,
    form_path,
    ledger_rows,
    load_workbook,
    prepared_workspace,
    put,
)

from perfsheets.collect.run import collect_returns
from perfsheets.consolidation.run import consolidate
from perfsheets.core.model import Adjustment, Plan
from perfsheets.forms.generate import generate_forms
from perfsheets.ledger.workspace import Workspace
from perfsheets.midcycle.actuals import import_actuals

MANAGED = "李娜 E002"  # E002's sheet in the form of E001, the manager
SELF = "自评 李娜"

ADJUSTMENTS = [
    Adjustment(code="J1", name="发明专利", unit="项", points_per_unit=2, cap=6),
    Adjustment(code="J2", name="核心期刊论文", unit="篇", points_per_unit=1.5),
    Adjustment(code="K1", name="客户投诉升级", unit="次", points_per_unit=-5, cap=15),
    Adjustment(code="K2", name="安全违规", unit="次", points_per_unit=-3, source="import"),
]


def with_adjustments(plan: Plan) -> Plan:
    sales = plan.roles[0].model_copy(
        update={"adjustments": ADJUSTMENTS, "bonus_cap": 8, "penalty_cap": 12}
    )
    return plan.model_copy(update={"roles": [sales, *plan.roles[1:]]})


@pytest.fixture
def plan(small_plan) -> Plan:
    return with_adjustments(bounded_plan(small_plan))


@pytest.fixture
def ws(tmp_path: Path, tmp_path_factory, plan) -> Workspace:
    return prepared_workspace(tmp_path_factory, "cycle-adjust", plan, tmp_path / "cycle")


def edited(ws: Workspace, rater: str, *edits) -> Path:
    wb = load_workbook(ws.root / "filled" / f"{rater}.xlsx")
    for edit in edits:
        edit(wb)
    dst = ws.returns / form_path(ws, rater).name
    wb.save(dst)
    return dst


def counts(**values: object):
    return [put(MANAGED, f"adjustment:{code}", v) for code, v in values.items()]


def test_the_managers_sheet_has_the_section_and_the_self_sheet_not(ws):
    manager = load_workbook(form_path(ws, "E001"))[MANAGED]
    cell = find_cell(manager, "adjustment:J1", "count")
    (dv,) = [d for d in manager.data_validations.dataValidation if cell in d.sqref]
    assert (dv.type, dv.operator, dv.formula1) == ("whole", "greaterThanOrEqual", "0")
    texts = [str(c.value) for row in manager.iter_rows() for c in row if c.value is not None]
    assert "四、加减分项（权重之外另行加减）" in texts
    assert "每项 +2 分，本项最多 +6 分" in texts
    assert "每次 −3 分\n（HR 将按记录导入次数，以导入值为准）" in texts
    assert "加减分合计（加分合计最多 +8 分，减分合计最多 −12 分）" in texts
    own = load_workbook(form_path(ws, "E002"))[SELF]
    assert not any(str(c.value).startswith("adjustment:") for row in own.iter_rows() for c in row)


def test_bad_counts_are_located(ws, plan):
    path = edited(ws, "E001", *counts(J1=2.5, J2=-1, K1="两次", K2="３"))
    result = collect_returns(ws.root, [path], plan=plan, workers=0)
    problems = [p for p in result.report if p.code != "partly-accepted"]
    manager = load_workbook(path)[MANAGED]
    where = {c: find_cell(manager, f"adjustment:{c}", "count") for c in ("J1", "J2", "K1", "K2")}
    assert [(p.code, p.sheet, p.cell) for p in problems] == [
        ("not-a-count", MANAGED, where["J1"]),
        ("not-a-count", MANAGED, where["J2"]),
        ("not-a-count", MANAGED, where["K1"]),
        ("value-normalised", MANAGED, where["K2"]),
    ]
    assert problems[0].message("zh-CN") == (
        "J1 发明专利 的次数应为 0 或正整数（没有则留空），填写的是“2.5”"
    )
    assert problems[2].message("en") == (
        "The Count of K1 客户投诉升级 must be a whole number, 0 or more (blank if none), not '两次'"
    )
    assert result.files[0].rejected_sheets == 1  # the sheet goes back alone


def test_points_capped_and_added_to_the_weighted_score(ws, plan, tmp_path):
    """E002: 4 patents → 8, capped at 6; 3 papers → 4.5: bonus 10.5, capped at 8. One
    complaint → −5; 3 safety breaches imported → −9: penalty 14, capped at 12. Net −4."""
    export = tmp_path / "counts.csv"
    export.write_text("工号,指标编码,实际值\nE002,K2,3\nE003,K2,1\n", encoding="utf-8")
    imported = import_actuals(ws.root, export, plan=plan)
    assert imported.applied, [p.message("en") for p in imported.report]
    generate_forms(ws.root, plan=plan, workers=1)  # the imported counts locked on the form
    manager = load_workbook(form_path(ws, "E001"))[MANAGED]
    assert manager[find_cell(manager, "adjustment:K2", "count")].value == 3

    filled = fill_form(form_path(ws, "E001"), tmp_path / "E001.xlsx")
    wb = load_workbook(filled)
    for edit in counts(J1=4, J2=3, K1=1):
        edit(wb)
    wb.save(ws.returns / form_path(ws, "E001").name)
    result = collect_returns(ws.root, plan=plan, workers=0)
    assert result.report.codes() == [], [p.message("en") for p in result.report]
    rows = ledger_rows(
        ws,
        "SELECT item_key, value_num FROM entries WHERE ratee_id='E002' AND field='count'"
        " ORDER BY item_key",
    )
    assert rows == [("adjustment:J1", 4), ("adjustment:J2", 3), ("adjustment:K1", 1)]

    out = consolidate(ws.root, plan=plan, previous=[])
    e002 = next(r for r in out.results if r.employee_id == "E002")
    got = [(a.code, a.count, a.count_source, a.points, a.counted) for a in e002.adjustments]
    assert got == [
        ("J1", 4, "manager", 8, 6),
        ("J2", 3, "manager", 4.5, 4.5),
        ("K1", 1, "manager", -5, -5),
        ("K2", 3, "import", -9, -9),
    ]
    assert (e002.bonus_points, e002.bonus_capped) == (8, True)
    assert (e002.penalty_points, e002.penalty_capped) == (12, True)
    assert e002.weighted_score is not None
    assert e002.total_score == round(e002.weighted_score - 4, 2)
    # E003: the filled form's 1 of each (2 + 1.5 − 5) and 1 imported (−3): net −4.5, no cap
    e003 = next(r for r in out.results if r.employee_id == "E003")
    assert (e003.bonus_points, e003.penalty_points) == (3.5, 8)
    assert not e003.bonus_capped and not e003.penalty_capped
    assert e003.total_score == round(e003.weighted_score - 4.5, 2)
    # the admin role has none: nothing about them
    e006 = next(r for r in out.results if r.employee_id == "E006")
    assert e006.adjustments == [] and e006.weighted_score is None

    plain = consolidate(ws.root, plan=bounded_plan(plan_without(plan)), previous=[])
    before = next(r for r in plain.results if r.employee_id == "E002")
    assert before.total_score == e002.weighted_score


def plan_without(plan: Plan) -> Plan:
    sales = plan.roles[0].model_copy(
        update={"adjustments": [], "bonus_cap": None, "penalty_cap": None}
    )
    return plan.model_copy(update={"roles": [sales, *plan.roles[1:]]})


def test_import_refuses_a_bad_count(ws, plan, tmp_path):
    export = tmp_path / "counts.csv"
    export.write_text("工号,指标编码,实际值\nE002,K2,1.5\nE002,J1,-2\n", encoding="utf-8")
    result = import_actuals(ws.root, export, plan=plan)
    assert not result.applied
    assert [(p.code, p.cell) for p in result.report] == [
        ("actuals-not-a-count", "C2"),
        ("actuals-not-a-count", "C3"),
    ]
    first = next(iter(result.report))
    assert first.message("zh-CN") == "第 2 行：E002 的加减分项 K2 次数“1.5”应为 0 或正整数"
