"""Progress during the cycle from imported actuals and adjusted targets; the Excel workbook."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from perfsheets.ledger.workspace import Workspace
from perfsheets.midcycle.actuals import import_actuals
from perfsheets.midcycle.progress import period_elapsed, progress, write_progress_xlsx
from perfsheets.midcycle.targets import adjust_target
from perfsheets.plan.io import dump_plan

DEC_21 = dt.date(2026, 12, 21)  # the small plan's quarter: 92 days, 10 left after the 21st


@pytest.fixture
def ws(tmp_path: Path, small_plan) -> Workspace:
    ws = Workspace(tmp_path / "cycle").create()
    export = tmp_path / "erp.csv"
    export.write_text(
        "工号,指标编码,实际值\n"
        "E002,S01,60\n"  # 60 of a target changed to 110
        "E002,S02,90\n"  # 90 of 95
        "E002,S03,2\n"  # two incidents of a deduction KPI: 20 of its 100 points lost
        "E003,S01,130\n"  # beyond the target: counts as 100%
        "E006,A01,95\n",
        encoding="utf-8",
    )
    assert import_actuals(ws.root, export, plan=small_plan).applied
    adjust_target(
        ws.root,
        employee="E002",
        item="S01",
        target=110,
        reason="新增华东区域",
        approved_by="王经理",
        plan=small_plan,
    )
    return ws


def test_period_elapsed():
    start, end = dt.date(2026, 10, 1), dt.date(2026, 12, 31)
    assert period_elapsed(start, end, DEC_21) == (pytest.approx(82 / 92), 10)
    assert period_elapsed(start, end, dt.date(2026, 9, 1)) == (0.0, 92)
    assert period_elapsed(start, end, dt.date(2027, 2, 1)) == (1.0, 0)
    assert period_elapsed(start, end, end) == (1.0, 0)


def test_person_completion_uses_adjusted_targets_and_caps_each_kpi(ws, small_plan):
    result = progress(ws.root, plan=small_plan, today=DEC_21)
    people = {p.employee_id: p for p in result.people}
    kpis = {(k.employee_id, k.code): k for k in result.kpis}
    s01 = kpis[("E002", "S01")]
    assert (s01.original_target, s01.target, s01.adjusted) == (100, 110, True)
    assert s01.completion == pytest.approx(60 / 110)
    assert s01.remaining == pytest.approx(50) and s01.status == "behind"
    assert (s01.pace, s01.expected) == ("cumulative", pytest.approx(110 * 82 / 92))
    # S02 (%) is a rate: 90 against 95 is behind whatever share of the quarter is gone.
    s02 = kpis[("E002", "S02")]
    assert (s02.pace, s02.status, s02.expected, s02.projected) == ("average", "behind", 95, 90)
    s03 = kpis[("E002", "S03")]  # deduction: 2 incidents in 82 of 92 days
    assert (s03.pace, s03.status) == ("deduction", "behind")
    assert s03.projected == pytest.approx(2 / (82 / 92))
    lina = people["E002"]
    gone = 82 / 92
    # Hand-worked: S01 weight 50 at 60/110 done; S02 weight 30 on pace × 90/95; S03 weight 20
    # on pace × 80/100 points kept: (27.27 + 25.33 + 14.26) / 100 = 66.86%.
    expected = (50 * 60 / 110 + 30 * gone * 90 / 95 + 20 * gone * 0.8) / 100
    assert lina.completion == pytest.approx(expected) and round(expected, 4) == 0.6687
    assert lina.to_go == pytest.approx(1 - lina.completion)
    assert (lina.days_left, lina.status, lina.with_data, lina.kpi_count) == (10, "behind", 3, 3)
    assert lina.summary == "本季度已过 89%，剩 10 天；已完成 67%，还差 33%（落后）"
    assert people["E003"].completion == 1.0 and people["E003"].status == "ahead"
    assert people["E004"].completion is None and people["E004"].status == "no_data"


def test_department_rows(ws, small_plan):
    result = progress(ws.root, plan=small_plan, today=DEC_21)
    sales, admin = result.departments
    assert (sales.department, sales.headcount, sales.with_data, sales.behind) == ("销售部", 5, 2, 1)
    people = {p.employee_id: p for p in result.people}
    assert sales.completion == pytest.approx((people["E002"].completion + 1.0) / 2)
    assert (admin.department, admin.headcount, admin.with_data) == ("行政部", 2, 1)
    assert admin.completion == pytest.approx(0.95 * 82 / 92)  # A01 (%): 95 of 100, a rate


def test_english_mid_cycle(ws, small_plan):
    result = progress(ws.root, plan=small_plan, today=dt.date(2026, 11, 15), lang="en")
    lina = next(p for p in result.people if p.employee_id == "E002")
    # Half-way: S01 at 60/110 is ahead of the pro-rated total, but S02's rate (90 of 95) and
    # S03's lost points pull her below the pace: (27.27 + 14.21 + 8.00) / 100 = 49.48%.
    assert lina.completion == pytest.approx(
        (50 * 60 / 110 + 30 * 0.5 * 90 / 95 + 20 * 0.5 * 0.8) / 100
    )
    assert lina.summary == "Quarter 50% gone, 46 days left; 49% done, 51% to go (Behind)"


def test_workbook_reads_back(ws, small_plan):
    result = progress(ws.root, plan=small_plan, today=DEC_21)
    path = write_progress_xlsx(ws.root, result)
    assert path == ws.results / "progress.xlsx"
    wb = CalamineWorkbook.from_path(str(path))
    assert wb.sheet_names == ["部门汇总", "个人进度", "指标明细"]
    depts = wb.get_sheet_by_name("部门汇总").to_python()
    assert "剩 10 天" in depts[1][0]
    assert depts[4][:3] == ["销售部", 5.0, 2.0]
    people = wb.get_sheet_by_name("个人进度").to_python()
    lina = next(r for r in people if r[1] == "E002")
    assert lina[4] == pytest.approx(result.people[1].completion) and lina[8] == "落后"
    detail = wb.get_sheet_by_name("指标明细").to_python()
    s01 = next(r for r in detail if r[1] == "E002" and r[3] == "S01")
    assert s01[6:10] == [100.0, 110.0, 60.0, pytest.approx(60 / 110)]
    assert s01[12:] == [
        "累计值（按时间进度）",
        pytest.approx(110 * 82 / 92),
        pytest.approx(60 * 92 / 82),
    ]
    wb.close()


def test_untrusted_names_are_written_as_text(tmp_path, small_plan):
    people = list(small_plan.roster.employees)
    people[1] = people[1].model_copy(update={"name": '=HYPERLINK("http://x","y")'})
    plan = small_plan.model_copy(
        update={"roster": small_plan.roster.model_copy(update={"employees": people})}
    )
    ws = Workspace(tmp_path / "c").create()
    path = write_progress_xlsx(ws.root, progress(ws.root, plan=plan, today=DEC_21))
    sheet = openpyxl.load_workbook(path)["个人进度"]
    cell = next(row[2] for row in sheet.iter_rows(min_row=5) if row[1].value == "E002")
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


def test_example_plan_from_workspace(tmp_path):
    from perfsheets.plan.example import example_plan

    plan = example_plan(40)
    ws = Workspace(tmp_path / "ex").create()
    dump_plan(plan, ws.root / "plan.yaml")
    roles = plan.role_map()
    lines = ["工号,指标编码,实际值"]
    for e in plan.roster.employees[::2]:
        kpi = roles[e.role].kpis[0]
        lines.append(f"{e.id},{kpi.code},{(kpi.target or 10) * 0.6}")
    (tmp_path / "ex.csv").write_text("\n".join(lines), encoding="utf-8")
    assert import_actuals(ws.root, tmp_path / "ex.csv").applied
    result = progress(ws.root, today=dt.date(2026, 7, 1))
    assert len(result.people) == len(plan.roster.employees)
    assert {d.department for d in result.departments} == {
        e.department for e in plan.roster.employees
    }
    assert sum(d.headcount for d in result.departments) == len(plan.roster.employees)
    assert "年度已过 50%" in result.people[0].summary
    path = write_progress_xlsx(ws.root, result)
    assert path.stat().st_size > 0


def test_display_rows_for_the_terminal(ws, small_plan):
    result = progress(ws.root, plan=small_plan, today=DEC_21)
    lina = next(r for r in result.person_rows() if r["工号"] == "E002")
    assert (lina["已完成"], lina["应达进度"], lina["还差"], lina["状态"]) == (
        "67%",
        "89%",
        "33%",
        "落后",
    )
    sales = result.department_rows("en")[0]
    assert sales == {
        "Department": "销售部",
        "Headcount": "5",
        "With data": "2",
        "Mean done": "83%",
        "Expected": "89%",
        "To go": "17%",
        "Behind": "1",
        "Days left": "10",
    }
