"""Appeals (绩效申诉): an employee contests a result, HR decides.

An appeal holds the employee's reason and, once decided, HR's outcome (``upheld`` or
``rejected``), note, name and date. It holds no score and no grade, on purpose: when an appeal
is upheld, the rater corrects their form, the corrected return is collected again
(``perfsheets collect``, which supersedes the earlier return) and the cycle is consolidated
again (``perfsheets consolidate``). The new score and grade come from those inputs like every
other score — nobody types a number over a result. Reports list the appeal and its decision
(consolidation copies it into ``EmployeeResult.appeals``).

Every opening and decision is written to the audit log with who, when and why.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from perfsheets.core.model import Plan
from perfsheets.core.problems import PerfsheetsError
from perfsheets.core.results import Appeal
from perfsheets.ledger.results import latest_run_time
from perfsheets.ledger.workspace import Workspace, audit, now
from perfsheets.plan.io import workspace_plan

Outcome = Literal["upheld", "rejected"]
OUTCOMES: tuple[Outcome, ...] = ("upheld", "rejected")
_COLUMNS = (
    "appeal_id, employee_id, reason, opened_at, status, outcome, note, decided_by, decided_at"
)


@dataclass(frozen=True)
class AppealRecord:
    appeal_id: int
    employee_id: str
    reason: str
    opened_at: str
    status: str  # open | upheld | rejected
    outcome: str | None = None
    note: str | None = None
    decided_by: str | None = None
    decided_at: str | None = None
    # For an upheld appeal: has the cycle been consolidated since the decision? (None otherwise)
    reconsolidated: bool | None = None

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def as_result(self) -> Appeal:
        """The appeal as :class:`perfsheets.core.results.EmployeeResult` carries it."""
        return Appeal(
            appeal_id=self.appeal_id,
            status=self.status,
            reason=self.reason,
            outcome=self.outcome,
            note=self.note,
            decided_at=self.decided_at,
        )


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
        pending = conn.execute(
            "SELECT appeal_id FROM appeals WHERE employee_id=? AND status='open'", (employee,)
        ).fetchone()
        if pending:
            raise PerfsheetsError(
                f"employee {employee!r} already has an open appeal (#{pending[0]}); "
                "decide it before opening another"
            )
        cur = conn.execute(
            "INSERT INTO appeals (employee_id, reason, opened_at) VALUES (?, ?, ?)",
            (employee, reason, now()),
        )
        appeal_id = int(cur.lastrowid)
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
        conn.execute(
            "UPDATE appeals SET status=?, outcome=?, note=?, decided_by=?, decided_at=?"
            " WHERE appeal_id=?",
            (outcome, outcome, note, decided_by, now(), appeal_id),
        )
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


def load_appeals(
    conn: sqlite3.Connection, *, employee: str | None = None, status: str | None = None
) -> list[AppealRecord]:
    """Like :func:`list_appeals`, inside an open ledger connection (for consolidation)."""
    sql, args = f"SELECT {_COLUMNS} FROM appeals WHERE 1=1", []
    if employee is not None:
        sql, args = sql + " AND employee_id=?", [*args, employee]
    if status is not None:
        sql, args = sql + " AND status=?", [*args, status]
    last_run = latest_run_time(conn)
    return [_record(row, last_run) for row in conn.execute(sql + " ORDER BY appeal_id", args)]


def _get(conn: sqlite3.Connection, appeal_id: int) -> AppealRecord:
    row = conn.execute(f"SELECT {_COLUMNS} FROM appeals WHERE appeal_id=?", (appeal_id,)).fetchone()
    if row is None:
        raise PerfsheetsError(f"there is no appeal #{appeal_id} in this workspace")
    return _record(row, latest_run_time(conn))


def _record(row: tuple, last_run: str | None) -> AppealRecord:
    record = AppealRecord(*row)
    if record.status != "upheld":
        return record
    done = last_run is not None and record.decided_at is not None and last_run > record.decided_at
    return AppealRecord(*row, reconsolidated=done)


def _required(text: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise PerfsheetsError(f"an appeal needs {what}")
    return text
