"""An upheld appeal that changes a grade (申诉改判): recorded as a decision of the same kind as the
calibration committee's, with the appeal as its source, so the final grade, the coefficient,
the trail in the HR outputs and the audit log treat both alike.

The appeal is decided and the grade recorded in one transaction: neither without the other. The
quotas are checked as for a decision file. An appeal is the sanctioned way to change a released
result, so a released cycle does not have to be reopened for it; the release stays, and reports
written before show results that no longer match (``send --reports`` refuses them until the
report is written again).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from perfsheets.calibration import problems as P
from perfsheets.calibration.book import consolidated
from perfsheets.calibration.run import (
    breach_params,
    breach_text,
    new_breaches,
    overview,
    results_context,
)
from perfsheets.core.i18n import tr
from perfsheets.core.model import Lang
from perfsheets.core.problems import PerfsheetsError
from perfsheets.ledger import calibration as ledger
from perfsheets.ledger.changes import decide_appeal, get_appeal
from perfsheets.ledger.workspace import Workspace, audit


@dataclass(frozen=True)
class AppealGrade:
    """What an upheld appeal changed."""

    appeal_id: int
    employee_id: str
    grade_before: str | None
    grade: str
    quota_breach: str = ""  # the quota exceeded, as the plan allows


def uphold_with_grade(
    workspace: str | Path,
    appeal_id: int,
    *,
    grade: str,
    note: str,
    decided_by: str,
    lang: Lang | None = None,
) -> AppealGrade:
    """Uphold an open appeal and set the employee's final grade to ``grade``, the note as the
    reason. Nothing is written when the appeal is not open, the grade is not one of the plan's,
    the note or the name of who decided is empty, or the quotas would be breached beyond what
    the plan allows. The run's files are rewritten by the caller
    (:func:`perfsheets.consolidation.final.write_final_books`)."""
    ws = Workspace(Path(workspace))
    plan, lang, run = results_context(ws, lang)
    note, decided_by, grade = note.strip(), decided_by.strip(), grade.strip()
    grades = [g.code for g in plan.grading.levels]
    if grade not in grades:
        raise _error(
            lang,
            f"--grade {grade!r} 不是计划中的等级（可选：{'、'.join(grades)}）",
            f"--grade {grade!r} is not a grade of the plan (one of: {', '.join(grades)})",
        )
    if not note or not decided_by:
        raise _error(
            lang,
            "申诉改判需要填写 --note（理由）和 --decided-by（决定人）",
            "changing a grade on appeal needs --note (the reason) and --decided-by",
        )
    with ws.ledger() as conn:
        record = get_appeal(conn, appeal_id)
        if record is None:
            raise _error(
                lang, f"此工作区没有编号为 #{appeal_id} 的申诉", f"there is no appeal #{appeal_id}"
            )
        if not record.is_open:
            raise _error(
                lang,
                f"申诉 #{appeal_id} 已于 {record.decided_at} 决定（{record.status}）：请新开申诉",
                f"appeal #{appeal_id} was already decided on {record.decided_at}"
                f" ({record.status}): open a new appeal instead",
            )
        results = overview(conn, plan, lang)
        current = next((r for r in results if r.employee_id == record.employee_id), None)
        if current is None:
            raise _error(
                lang,
                f"员工 {record.employee_id} 没有本周期的汇总结果，无法改判",
                f"employee {record.employee_id} has no consolidated result in this cycle",
            )
        breach = _quota_check(plan, results, record.employee_id, grade, lang)
        ledger_decision = ledger.Decision(
            employee_id=record.employee_id,
            consolidated_grade=consolidated(current),
            committee_grade=grade,
            potential=current.potential,
            reason=note,
            decided_by=decided_by,
            quota_breach=breach,
        )
        decide_appeal(conn, appeal_id, "upheld", note, decided_by)
        audit(
            conn,
            "appeal.resolve",
            record.employee_id,
            appeal_id=appeal_id,
            outcome="upheld",
            note=note,
            decided_by=decided_by,
            grade_before=current.grade,
            grade=grade,
        )
        ledger.record_appeal_decision(conn, run, appeal_id, ledger_decision)
    return AppealGrade(appeal_id, record.employee_id, current.grade, grade, breach)


def _quota_check(plan, results, employee: str, grade: str, lang: Lang) -> str:
    """The quota the new grade exceeds as the plan allows ('' for none); raises when the plan
    does not allow it."""
    found = new_breaches(plan, results, {employee: grade})
    if not found:
        return ""
    breach = found[0][0]
    if not plan.grading.calibration.allow_quota_breach:
        # the decision file's own problem, rendered: one wording for a breach however it comes
        problem = P.QUOTA_BREACH("", "", "", **breach_params(breach))
        raise _error(
            lang,
            f"{problem.message(lang)}：请在校准表中同时调整其他人的等级",
            f"{problem.message(lang)}: change another grade in the calibration workbook as well",
        )
    return breach_text(breach)


def _error(lang: Lang, zh: str, en: str) -> PerfsheetsError:
    return PerfsheetsError(tr(lang, zh, en), exit_code=1)
