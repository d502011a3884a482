"""The calibration committee's decisions in force put into a run's computation (pure, no I/O):
final grades in the results, the grade counts of the summary made from them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from perfsheets.consolidation.inputs import Computation
from perfsheets.core.calibration import apply_decisions
from perfsheets.core.model import Plan
from perfsheets.core.results import CalibrationStep, EmployeeResult
from perfsheets.core.statistics import department_figures, grade_codes, group_figures


def decide(comp: Computation, trails: Mapping[str, Sequence[CalibrationStep]], plan: Plan) -> None:
    """Put the decisions in force into a computation's results and summary (in place)."""
    if not trails:
        return
    apply_decisions(comp.results, trails, plan)
    comp.summary = with_decisions(comp.summary, comp.results, plan)


def with_decisions(
    summary: dict[str, Any], results: Sequence[EmployeeResult], plan: Plan
) -> dict[str, Any]:
    """The run's summary with the grade counts of the final grades (the consolidated counts
    kept as ``distribution_consolidated``); the summary itself when nobody's grade changed."""
    changed = sum(1 for r in results if r.committee_grade)
    on_appeal = sum(1 for r in results if r.committee_grade and _by_appeal(r))
    if not changed and not any(r.calibration_trail for r in results):
        return summary
    company = group_figures(results, grade_codes(plan))
    return {
        **summary,
        "distribution_consolidated": summary.get(
            "distribution_consolidated", summary["distribution"]
        ),
        "distribution": company.grades,
        "distribution_before_quota": company.grades_before_quota,
        "company": company.as_dict(),
        "departments": [d.as_dict() for d in department_figures(results, plan)],
        "calibrated": changed,
        "changed_on_appeal": on_appeal,
    }


def _by_appeal(r: EmployeeResult) -> bool:
    step = r.decision
    return step is not None and step.appeal_id is not None
