"""The figures of a group of results (a department, a manager's team, the company), defined once.

results.xlsx, the HR summary, manager packs and reports all show these figures, so they are
computed here and nowhere else. The population is stated with the figures: score statistics
(mean, median, spread, lowest, highest) are over **complete results only** (an incomplete result
has no grade and its total lacks a rater type the plan requires); head counts include everyone.
Means and medians are exact decimals rounded half up, like every other figure.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from perfsheets.core.i18n import tr
from perfsheets.core.model import Lang, Plan
from perfsheets.core.results import EmployeeResult
from perfsheets.core.scoring import exact, round_half_up


@dataclass(frozen=True)
class GroupFigures:
    """One group's figures; ``department`` is empty for the company or a team."""

    department: str
    employees: int  # everyone in the group
    complete: int  # the population of the score statistics
    mean: float | None
    median: float | None
    std: float | None  # population standard deviation, with at least two complete results
    min: float | None
    max: float | None
    grades: dict[str, int] = field(default_factory=dict)  # final grades, best first
    grades_before_quota: dict[str, int] = field(default_factory=dict)

    @property
    def incomplete(self) -> int:
        return self.employees - self.complete

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def grade_codes(plan: Plan) -> list[str]:
    """The plan's grade codes, best first."""
    return [g.code for g in sorted(plan.grading.levels, key=lambda g: -g.min_score)]


def group_figures(
    results: Iterable[EmployeeResult], codes: Sequence[str], department: str = ""
) -> GroupFigures:
    members = list(results)
    totals = [exact(r.total_score) for r in members if r.complete and r.total_score is not None]
    grades = dict.fromkeys(codes, 0)
    before = dict.fromkeys(codes, 0)
    for r in members:
        if r.grade in grades:
            grades[r.grade] += 1
            prior = r.grade_before_quota or r.quota_grade  # before the quota, not the committee
            if prior in before:
                before[prior] += 1
    return GroupFigures(
        department=department,
        employees=len(members),
        complete=len(totals),
        mean=_rounded(sum(totals, Decimal(0)) / len(totals)) if totals else None,
        median=_rounded(statistics.median(totals)) if totals else None,
        std=_rounded(statistics.pstdev(totals)) if len(totals) > 1 else None,
        min=float(min(totals)) if totals else None,
        max=float(max(totals)) if totals else None,
        grades=grades,
        grades_before_quota=before,
    )


def department_figures(results: Iterable[EmployeeResult], plan: Plan) -> list[GroupFigures]:
    """Per department, in the plan's order (departments the roster no longer names last)."""
    codes = grade_codes(plan)
    by_dept: dict[str, list[EmployeeResult]] = {d: [] for d in plan.departments()}
    for r in results:
        by_dept.setdefault(r.department, []).append(r)
    return [group_figures(members, codes, dept) for dept, members in by_dept.items() if members]


def _rounded(value: Decimal) -> float:
    return round_half_up(value, 2)


def population_note(lang: Lang) -> str:
    """Which population the figures are of, in the same words in every output."""
    return tr(
        lang,
        "平均分、中位数、标准差、最低分和最高分只按完整结果计算；等级人数为最终等级（结果不完整者无等级）。",
        "Mean, median, std dev, min and max are over complete results only; grade counts are"
        " final grades (an incomplete result has no grade).",
    )
