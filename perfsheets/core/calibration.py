"""The calibration committee's words and what its decisions do to a result (pure, no I/O).

Final grade = the committee's grade where it set one, else the consolidated grade; the
coefficient follows the final grade (its consequence is put in by the namer from the grade).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from perfsheets.core.model import Lang, Plan
from perfsheets.core.results import CalibrationStep, EmployeeResult

# Potential (潜力), best first: code -> (zh, en).
POTENTIALS: dict[str, tuple[str, str]] = {
    "high": ("高", "High"),
    "medium": ("中", "Medium"),
    "low": ("低", "Low"),
}


def potential_text(code: str | None, lang: Lang) -> str:
    if code is None or code not in POTENTIALS:
        return ""
    zh, en = POTENTIALS[code]
    return en if lang == "en" else zh


def potential_code(text: str) -> str | None:
    """The potential a cell means, in either language (None: not a potential)."""
    wanted = text.strip().casefold()
    for code, words in POTENTIALS.items():
        if wanted == code or wanted in (w.casefold() for w in words):
            return code
    return None


def decision_reason(step: CalibrationStep, lang: Lang) -> str:
    """A decision's reason as the HR outputs show it: an upheld appeal's says which appeal."""
    if step.appeal_id is None:
        return step.reason
    if lang == "en":
        return f"Appeal #{step.appeal_id} upheld: {step.reason}"
    return f"申诉 #{step.appeal_id} 成立：{step.reason}"


def apply_decisions(
    results: Iterable[EmployeeResult],
    trails: Mapping[str, Sequence[CalibrationStep]],
    plan: Plan | None,
) -> None:
    """Put each person's decisions (oldest first; the last in force counts) into their result."""
    coefficients = {g.code: g.coefficient for g in plan.grading.levels} if plan else {}
    for res in results:
        trail = trails.get(res.employee_id)
        if not trail:
            continue
        res.calibration_trail = list(trail)
        current = next((s for s in reversed(trail) if s.in_force), None)
        if current is None:
            continue
        res.potential = current.potential
        grade = current.to_grade
        if grade is None or grade == res.grade:
            continue
        res.consolidated_grade = res.grade
        res.committee_grade = grade
        res.grade = grade
        res.coefficient = coefficients.get(grade, res.coefficient)
        res.flags.append("calibrated")
        if current.quota_breach:
            res.flags.append("quota_exceeded")
