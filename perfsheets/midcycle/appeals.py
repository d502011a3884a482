"""Appeals (绩效申诉): an employee contests a result, HR decides.

An appeal holds the employee's reason and, once decided, HR's outcome (``upheld`` or
``rejected``), note, name and date. It holds no score, on purpose: when an upheld appeal
corrects a score, the rater corrects their form, the corrected return is collected again
(``perfsheets collect``, which supersedes the earlier return) and the cycle is consolidated
again (``perfsheets consolidate``) — nobody types a number over a result. An upheld appeal that
changes only the grade does so through the committee's decision record
(:mod:`perfsheets.calibration.appeal`). Reports list the appeal and its decision
(consolidation copies it into ``EmployeeResult.appeals``).

Every opening and decision is written to the audit log with who, when and why.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Literal

from perfsheets.core.model import Plan
from perfsheets.core.problems import PerfsheetsError
from perfsheets.ledger.changes import (
    AppealRecord,
    decide_appeal,
    get_appeal,
    insert_appeal,
    load_appeals,
    open_appeal_of,
)
from perfsheets.ledger.workspace import Workspace, audit
from perfsheets.plan.io import workspace_plan

Outcome = Literal["upheld", "rejected"]
OUTCOMES: tuple[Outcome, ...] = ("upheld", "rejected")


def open_appeal(
    workspace: str | Path, *, employee: str, reason: str, plan: Plan | None = None
) -> int:
    """Open an appeal for an employee of the plan and return its id.

    Raises :class:`PerfsheetsError` for an employee not in the roster, an empty reason, or when
    the employee already has an open appeal (add to that one instead of opening a second).
    """
    ws = Workspace(Path(workspace))
    plan = workspace_plan(ws.root, plan)
    if employee not in plan.employee_map():
        raise PerfsheetsError(f"employee {employee!r} is not in the plan's roster")
    reason = _required(reason, "a reason")
    with ws.ledger() as conn:
        pending = open_appeal_of(conn, employee)
        if pending is not None:
            raise PerfsheetsError(
                f"employee {employee!r} already has an open appeal (#{pending}); "
                "decide it before opening another"
            )
        appeal_id = insert_appeal(conn, employee, reason)
        audit(conn, "appeal.open", employee, appeal_id=appeal_id, reason=reason)
    return appeal_id


def resolve_appeal(
    workspace: str | Path, appeal_id: int, *, outcome: Outcome, note: str, decided_by: str
) -> AppealRecord:
    """Record HR's decision on an open appeal and return the decided appeal.

    ``upheld`` means the complaint is accepted: the score is then corrected only by collecting
    the rater's corrected return and consolidating again — this function changes no score and
    stores nothing score-like. ``rejected`` leaves the result as it is. A decision is final;
    a new complaint is a new appeal.
    """
    if outcome not in OUTCOMES:
        raise PerfsheetsError(f"appeal outcome must be 'upheld' or 'rejected', not {outcome!r}")
    note = _required(note, "a note explaining the decision")
    decided_by = _required(decided_by, "the name of who decided")
    ws = Workspace(Path(workspace))
    with ws.ledger() as conn:
        record = _get(conn, appeal_id)
        if not record.is_open:
            raise PerfsheetsError(
                f"appeal #{appeal_id} was already decided ({record.status}, "
                f"{record.decided_at} by {record.decided_by}); open a new appeal instead"
            )
        decide_appeal(conn, appeal_id, outcome, note, decided_by)
        audit(
            conn,
            "appeal.resolve",
            record.employee_id,
            appeal_id=appeal_id,
            outcome=outcome,
            note=note,
            decided_by=decided_by,
        )
        return _get(conn, appeal_id)


def list_appeals(
    workspace: str | Path, *, employee: str | None = None, status: str | None = None
) -> list[AppealRecord]:
    """Appeals in the order they were opened, optionally for one employee or status."""
    with Workspace(Path(workspace)).ledger() as conn:
        return load_appeals(conn, employee=employee, status=status)


def _get(conn: sqlite3.Connection, appeal_id: int) -> AppealRecord:
    record = get_appeal(conn, appeal_id)
    if record is None:
        raise PerfsheetsError(f"there is no appeal #{appeal_id} in this workspace")
    return record


def _required(text: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise PerfsheetsError(f"an appeal needs {what}")
    return text
