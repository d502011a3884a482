"""Changes during a cycle in the ledger: imported actuals, target changes and appeals.

Each is read in one place: the imported actuals by :func:`imported_actuals` (values only:
:func:`imported_values`), the target changes by :func:`load_target_changes` (the latest target
of each KPI: :func:`current_targets`), the appeals by :func:`load_appeals`. Generate, progress,
the midcycle commands and consolidation all read them through these functions.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from perfsheets.core.results import Appeal, TargetChange
from perfsheets.ledger.results import latest_run_time
from perfsheets.ledger.workspace import now

# --- imported actuals -----------------------------------------------------------------------------


def imported_actuals(conn: sqlite3.Connection) -> dict[tuple[str, str], tuple[float, str]]:
    """Imported actual values and their source, by (employee id, KPI code)."""
    rows = conn.execute("SELECT employee_id, kpi_code, value, source FROM imported_actuals")
    return {(emp, code): (float(value), source) for emp, code, value, source in rows}


def imported_values(conn: sqlite3.Connection) -> dict[tuple[str, str], float]:
    """Imported actual values by (employee id, KPI code)."""
    return {key: value for key, (value, _source) in imported_actuals(conn).items()}


def store_imported_actuals(
    conn: sqlite3.Connection, rows: Iterable[tuple[str, str, float]], source: str, stamp: str
) -> None:
    """Record (employee id, KPI code, value) rows; a later import of the same pair replaces."""
    conn.executemany(
        "INSERT OR REPLACE INTO imported_actuals VALUES (?, ?, ?, ?, ?)",
        [(emp, code, value, source, stamp) for emp, code, value in rows],
    )


# --- target changes -------------------------------------------------------------------------------


def load_target_changes(
    conn: sqlite3.Connection, employee: str | None = None
) -> dict[str, list[TargetChange]]:
    """Every recorded change, oldest first, by employee id (as EmployeeResult carries them)."""
    sql = (
        "SELECT employee_id, kpi_code, old_target, new_target, reason, approved_by, changed_at"
        " FROM target_changes"
    )
    args: tuple[str, ...] = ()
    if employee is not None:
        sql, args = sql + " WHERE employee_id=?", (employee,)
    changes: dict[str, list[TargetChange]] = {}
    for emp, code, old, new, why, who, at in conn.execute(sql + " ORDER BY change_id", args):
        changes.setdefault(emp, []).append(
            TargetChange(
                kpi_code=code,
                old_target=old,
                new_target=new,
                reason=why,
                approved_by=who,
                changed_at=at,
            )
        )
    return changes


def current_targets(
    conn: sqlite3.Connection, employee: str | None = None
) -> dict[tuple[str, str], float]:
    """The latest changed target by (employee id, KPI code), of everyone or of one employee;
    absent keys keep the plan's."""
    return {
        (emp, change.kpi_code): float(change.new_target)
        for emp, changes in load_target_changes(conn, employee).items()
        for change in changes  # oldest first: the latest change of a KPI wins
    }


def target_in_force(conn: sqlite3.Connection, employee: str, kpi: str) -> float | None:
    """The latest changed target of one employee's KPI, None when it was never changed."""
    return current_targets(conn, employee).get((employee, kpi))


def record_target_change(
    conn: sqlite3.Connection,
    employee: str,
    kpi: str,
    old: float | None,
    new: float,
    reason: str,
    approved_by: str,
) -> int:
    """Record an approved change of a KPI target (now); returns its change id."""
    cur = conn.execute(
        "INSERT INTO target_changes (employee_id, kpi_code, old_target, new_target, reason,"
        " approved_by, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (employee, kpi, old, new, reason, approved_by, now()),
    )
    return int(cur.lastrowid or 0)


# --- appeals --------------------------------------------------------------------------------------

_COLUMNS = (
    "appeal_id, employee_id, reason, opened_at, status, outcome, note, decided_by, decided_at"
)


@dataclass(frozen=True)
class AppealRecord:
    """An appeal against a result (a row of appeals), open or decided."""

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


def open_appeal_of(conn: sqlite3.Connection, employee: str) -> int | None:
    """The id of the employee's open appeal, if any."""
    row = conn.execute(
        "SELECT appeal_id FROM appeals WHERE employee_id=? AND status='open'", (employee,)
    ).fetchone()
    return None if row is None else int(row[0])


def insert_appeal(conn: sqlite3.Connection, employee: str, reason: str) -> int:
    """Open an appeal (now); returns its id."""
    cur = conn.execute(
        "INSERT INTO appeals (employee_id, reason, opened_at) VALUES (?, ?, ?)",
        (employee, reason, now()),
    )
    return int(cur.lastrowid or 0)


def decide_appeal(
    conn: sqlite3.Connection, appeal_id: int, outcome: str, note: str | None, decided_by: str
) -> None:
    """Record the decision on an appeal (now): ``outcome`` is its new status."""
    conn.execute(
        "UPDATE appeals SET status=?, outcome=?, note=?, decided_by=?, decided_at=?"
        " WHERE appeal_id=?",
        (outcome, outcome, note, decided_by, now(), appeal_id),
    )


def load_appeals(
    conn: sqlite3.Connection, *, employee: str | None = None, status: str | None = None
) -> list[AppealRecord]:
    """Appeals in the order they were opened, optionally for one employee or status."""
    return _select_appeals(conn, employee_id=employee, status=status)


def get_appeal(conn: sqlite3.Connection, appeal_id: int) -> AppealRecord | None:
    """One appeal by its id, None when there is no such appeal."""
    found = _select_appeals(conn, appeal_id=appeal_id)
    return found[0] if found else None


def _select_appeals(conn: sqlite3.Connection, **where: str | int | None) -> list[AppealRecord]:
    """Appeals whose columns (the keywords) have the given values; None matches any."""
    filters = {column: value for column, value in where.items() if value is not None}
    sql = f"SELECT {_COLUMNS} FROM appeals WHERE 1=1"
    sql += "".join(f" AND {column}=?" for column in filters)
    last_run = latest_run_time(conn)
    rows = conn.execute(sql + " ORDER BY appeal_id", tuple(filters.values()))
    return [_record(row, last_run) for row in rows]


def _record(row: tuple[Any, ...], last_run: str | None) -> AppealRecord:
    record = AppealRecord(*row)
    if record.status != "upheld":
        return record
    done = last_run is not None and record.decided_at is not None and last_run > record.decided_at
    return dataclasses.replace(record, reconsolidated=done)
