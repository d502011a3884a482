"""What the final grades lead to (结果应用), pure: promotion candidates, the PIP list, honours,
everyone by grade with the grade's consequence, and training needs (培训需求).

Training needs, per department (the plan's order) and for the company: each competency's mean
score over the people rated on it, how many score below the plan's threshold, and the
``training_top`` lowest means. Means are exact and rounded half away from zero to 0.01.
Incomplete results (no grade) are on no list; their competency scores still count.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from perfsheets.core.model import Grade, Lang, Plan
from perfsheets.core.results import EmployeeResult

COMPANY = "*"


@dataclass(frozen=True)
class TrainingNeed:
    scope: str  # a department, or COMPANY
    code: str
    name: str
    mean: Decimal
    below: int  # people scoring below the threshold
    rated: int  # people with a score on it
    rank: int  # 1 = the lowest mean of the scope


@dataclass
class Consequences:
    grades: list[Grade]
    threshold: float
    promotion: list[tuple[EmployeeResult, str]] = field(default_factory=list)  # (who, why)
    pip: list[EmployeeResult] = field(default_factory=list)
    honours: list[EmployeeResult] = field(default_factory=list)
    by_grade: dict[str, list[EmployeeResult]] = field(default_factory=dict)
    training: list[TrainingNeed] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)


def _mean(values: Sequence[float]) -> Decimal:
    total = sum((Fraction(Decimal(repr(float(v)))) for v in values), Fraction(0))
    scaled = abs(total / len(values)) * 100
    n = math.floor(scaled + Fraction(1, 2))
    return Decimal(-n if total < 0 else n).scaleb(-2)


def training_needs(
    results: Sequence[EmployeeResult], plan: Plan, lang: Lang, threshold: float, top: int
) -> list[TrainingNeed]:
    """The ``top`` lowest-scoring competencies per department and for the company."""
    names = {c.code: c.label(lang) for c in plan.competencies}
    scores: dict[str, dict[str, list[float]]] = {}
    for res in results:
        for item in res.competencies:
            if item.score is None:
                continue
            for scope in (res.department, COMPANY):
                scores.setdefault(scope, {}).setdefault(item.code, []).append(item.score)
    order = [d for d in plan.departments() if d in scores]
    order += sorted(d for d in scores if d not in order and d != COMPANY)
    if COMPANY in scores:
        order.append(COMPANY)
    needs = []
    for scope in order:
        means = sorted(
            ((_mean(v), code, v) for code, v in scores[scope].items()), key=lambda t: t[:2]
        )
        for rank, (mean, code, values) in enumerate(means[:top], start=1):
            below = sum(1 for v in values if v < threshold)
            needs.append(
                TrainingNeed(scope, code, names.get(code, code), mean, below, len(values), rank)
            )
    return needs


def pip_grades(options_plan: Plan, frozen: Plan) -> set[str]:
    """The grades that lead to a performance improvement plan: ``consequences.pip_grades`` of
    the workspace's plan, or (unset) the lowest grade of the plan frozen with the results."""
    chosen = options_plan.consequences.pip_grades
    return set(chosen if chosen is not None else [g.code for g in frozen.grading.levels][-1:])


def build_consequences(
    options_plan: Plan, frozen: Plan, results: Sequence[EmployeeResult], lang: Lang
) -> Consequences:
    """The lists of ``results`` (final grades), by the consequence options of ``options_plan``
    (the workspace's plan) and the grades and words of ``frozen`` (the plan of the run)."""
    options = options_plan.consequences
    grades = list(frozen.grading.levels)
    codes = [g.code for g in grades]
    pip = pip_grades(options_plan, frozen)
    honours = set(options.honour_grades if options.honour_grades is not None else codes[:1])
    promote = set(options.promotion_grades)
    out = Consequences(grades, options.training_threshold, departments=frozen.departments())
    out.by_grade = {code: [] for code in codes}
    running = frozen.grading.promotion_after
    for res in results:
        if res.grade is None:
            continue
        out.by_grade.setdefault(res.grade, []).append(res)
        if res.grade in pip:
            out.pip.append(res)
        if res.grade in honours:
            out.honours.append(res)
        if "promotion_candidate" in res.flags:
            why = (
                f"连续 {running} 个周期最高等级"
                if lang != "en"
                else f"top grade {running} cycles running"
            )
            out.promotion.append((res, why))
        elif res.grade in promote:
            why = f"本周期等级 {res.grade}" if lang != "en" else f"grade {res.grade} this cycle"
            out.promotion.append((res, why))
    out.training = training_needs(
        results, frozen, lang, options.training_threshold, options.training_top
    )
    return out
