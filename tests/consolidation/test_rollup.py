"""The year roll-up checks its periods: a missing month refuses (or, asked, renormalises and is
marked), cycles of another year or company and two cycles for one month are refused."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from ledger_builder import LedgerBuilder
from test_consolidate_history import cycle_plan

from perfsheets.consolidation.run import consolidate, rollup_year
from perfsheets.core.model import Company, Rollup, RollupPart
from perfsheets.core.problems import PerfsheetsError

MONTHLY = Rollup(
    roles=["admin"],
    parts=[RollupPart(period="month", weight=40), RollupPart(period="year", weight=60)],
)


def month_bounds(m: int) -> tuple[dt.date, dt.date]:
    start = dt.date(2026, m, 1)
    end = dt.date(2026, m + 1, 1) - dt.timedelta(days=1) if m < 12 else dt.date(2026, 12, 31)
    return start, end


def admin_cycle(root: Path, plan, cycle_id, period, start, end, actuals: dict[str, float]) -> Path:
    """A cycle where the admin people are rated by their manager only: KPI A01 (weight 50 of
    the total, actual ÷ 100 × 100) and competency C1 rated 4 (90 points, weight 50), so a
    total is actual / 2 + 45."""
    lb = LedgerBuilder(root / cycle_id, cycle_plan(plan, cycle_id, period, start, end))
    managers = {"E006": "E001", "E007": "E006"}
    for ratee, actual in actuals.items():
        lb.rate(managers[ratee], ratee, "manager", {"competency:C1": 4}, {"kpi:A01": actual})
    consolidate(lb.root, previous=[])
    return lb.root


@pytest.fixture(scope="module")
def monthly_year(tmp_path_factory, small_plan_module) -> list[Path]:
    """Twelve monthly cycles and the annual one; E007 has no March result."""
    tmp = tmp_path_factory.mktemp("year")
    plan = small_plan_module.model_copy(update={"rollup": [MONTHLY]})
    roots = []
    for m in range(1, 13):
        actuals = {"E006": 80 + m, "E007": 70 + m}
        if m == 3:
            del actuals["E007"]
        roots.append(admin_cycle(tmp, plan, f"2026-{m:02d}", "month", *month_bounds(m), actuals))
    year = (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    roots.append(admin_cycle(tmp, plan, "2026", "year", *year, {"E006": 100, "E007": 90}))
    return roots


@pytest.fixture(scope="module")
def small_plan_module():
    from plan_support import make_small_plan

    return make_small_plan()


def test_a_missing_month_refuses_with_who_misses_what(monthly_year):
    with pytest.raises(PerfsheetsError) as caught:
        rollup_year(monthly_year)
    assert "1 人缺少考核周期" in str(caught.value) and "--allow-partial" in str(caught.value)
    report = caught.value.report
    assert report is not None
    assert [(p.code, p.message("zh-CN")) for p in report] == [
        (
            "rollup-missing-periods",
            "E007（孙丽）缺少 2026年3月 的结果：年度汇总规则要求 12 个月、年度",
        )
    ]
    assert next(iter(report)).message("en") == (
        "E007 (孙丽) has no result for 2026-03: the roll-up rule asks for 12 months, the year"
    )


def test_allow_partial_renormalises_over_the_months_present_and_marks_it(monthly_year, tmp_path):
    year = rollup_year(monthly_year, allow_partial=True, out=tmp_path / "year.csv")
    by_id = {r.employee_id: r for r in year.results}
    e006 = by_id["E006"]
    # Month m: total = (80 + m) / 2 + 45 = 85 + m/2; the twelve average 85 + 6.5/2 = 88.25.
    # Year: 100 / 2 + 45 = 95. Year score (88.25 × 40 + 95 × 60) / 100 = 35.30 + 57.00 = 92.30.
    assert (e006.parts[0].mean, e006.parts[1].mean, e006.year_score) == (88.25, 95.0, 92.3)
    assert (e006.complete, e006.partial, e006.missing_periods) == (True, False, [])
    e007 = by_id["E007"]
    # Month m: (70 + m) / 2 + 45 = 80 + m/2 for the 11 months without March:
    # (11 × 80 + (78 − 3) / 2) / 11 = 917.5 / 11 = 83.4090… → 83.41. Year: 90 / 2 + 45 = 90.
    # (83.41 × 40 + 90 × 60) / 100 = 33.364 + 54 = 87.364 → 87.36.
    assert (e007.parts[0].mean, e007.parts[0].slots) == (83.41, [1, 2, *range(4, 13)])
    assert (e007.year_score, e007.grade) == (87.36, "A")
    assert (e007.complete, e007.partial, e007.missing_periods) == (False, True, ["2026年3月"])
    assert set(year.without_rule) == {"E001", "E002", "E003", "E004", "E005"}
    lines = (tmp_path / "year.csv").read_text("utf-8-sig").splitlines()
    assert lines[0].endswith("complete,partial,missing_parts,missing_periods,grade_by_score")
    assert lines[2].startswith("E007,") and lines[2].endswith(",no,yes,,2026年3月,")


def test_english_labels(monthly_year):
    year = rollup_year(monthly_year, allow_partial=True, lang="en")
    assert next(r for r in year.results if r.employee_id == "E007").missing_periods == ["2026-03"]


def test_a_cycle_of_another_year_or_company_is_refused(monthly_year, tmp_path, small_plan):
    plan = small_plan.model_copy(update={"rollup": [MONTHLY]})
    start, end = dt.date(2025, 12, 1), dt.date(2025, 12, 31)
    old = admin_cycle(tmp_path, plan, "2025-12", "month", start, end, {"E006": 90})
    other_plan = plan.model_copy(update={"company": Company(name="乙公司")})
    other = admin_cycle(tmp_path, other_plan, "B-2026-05", "month", *month_bounds(5), {"E006": 1})
    with pytest.raises(PerfsheetsError) as caught:
        rollup_year([old, other, *monthly_year], allow_partial=True)
    assert "不能汇总为一个年度" in str(caught.value)
    assert [p.message("zh-CN") for p in caught.value.report or []] == [
        "2025-12（—，2025 年）与其他周期（—，2026 年）不属于同一公司的同一年度",
        "B-2026-05（乙公司，2026 年）与其他周期（—，2026 年）不属于同一公司的同一年度",
    ]


def test_two_cycles_for_one_month_are_refused(monthly_year, tmp_path, small_plan):
    plan = small_plan.model_copy(update={"rollup": [MONTHLY]})
    again = admin_cycle(tmp_path, plan, "2026-05b", "month", *month_bounds(5), {"E006": 85})
    with pytest.raises(PerfsheetsError) as caught:
        rollup_year([*monthly_year, again], allow_partial=True)
    assert [p.message("zh-CN") for p in caught.value.report or []] == [
        "2026年5月 有两个周期：2026-05 和 2026-05b，只能保留一个"
    ]


def test_no_consolidated_cycle_is_a_clear_error(tmp_path):
    with pytest.raises(PerfsheetsError, match="没有已汇总的周期"):
        rollup_year([tmp_path])


def test_the_year_grades_follow_the_plans_forced_distribution(monthly_year, small_plan_module):
    """Year scores 92.30 (E006) and 87.36 (E007) both reach A (85); the plan allows at most half
    of a group in A: the better one keeps it, E007 moves to B with B's coefficient, and keeps
    the grade the score gave."""
    grading = small_plan_module.grading
    levels = [
        g.model_copy(update={"quota": 0.5, "quota_kind": "max"}) if g.code == "A" else g
        for g in grading.levels
    ]
    fd = grading.forced_distribution.model_copy(
        update={"enabled": True, "group_by": "all", "min_group_size": 2}
    )
    plan = small_plan_module.model_copy(
        update={
            "rollup": [MONTHLY],
            "grading": grading.model_copy(update={"levels": levels, "forced_distribution": fd}),
        }
    )
    year = rollup_year(monthly_year, plan=plan, allow_partial=True)
    by_id = {r.employee_id: r for r in year.results}
    b = next(g for g in plan.grading.levels if g.code == "B")
    assert (by_id["E006"].grade, by_id["E006"].grade_by_score) == ("A", None)
    assert (by_id["E007"].grade, by_id["E007"].grade_by_score) == ("B", "A")
    assert by_id["E007"].coefficient == b.coefficient and year.moved_by_quota == 1
    # without the plan's forced distribution the thresholds alone decide
    plain = rollup_year(monthly_year, allow_partial=True)
    assert [r.grade for r in plain.results] == ["A", "A"] and plain.moved_by_quota == 0


def test_the_year_workbook_has_each_periods_score(monthly_year, tmp_path):
    import openpyxl

    year = rollup_year(monthly_year, allow_partial=True, out=tmp_path / "year.xlsx")
    assert year.csv == tmp_path / "year.xlsx"
    rows = list(openpyxl.load_workbook(year.csv)["年度结果"].iter_rows(values_only=True))
    head = rows[0]
    assert head[:4] == ("工号", "员工", "部门", "岗位")
    assert head[4:17] == (*(f"2026年{m}月" for m in range(1, 13)), "2026年度")
    assert head[17:] == (
        "月度平均分", "年度平均分", "月度权重", "年度权重",
        "年度得分", "按得分的等级", "年度等级", "绩效系数", "部分周期", "缺少的周期",
    )  # fmt: skip
    e006, e007 = rows[1], rows[2]
    # E006 month m: 85 + m/2; the annual cycle 95 (see the partial test above)
    assert e006[4:17] == (*(85 + m / 2 for m in range(1, 13)), 95)
    assert e006[17:] == (88.25, 95, 40, 60, 92.3, "A", "A", e006[24], None, None)
    assert e007[6] is None and e007[4] == 80.5  # no March
    assert e007[21:] == (87.36, "A", "A", e007[24], "是", "2026年3月")
