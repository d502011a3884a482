"""Interview records in the ledger (结果确认 / 面谈记录): the record forms written per manager,
and every record collected back, one in force per employee.

:mod:`perfsheets.interview` stores the forms it writes (:func:`store_interview_form`); collect
reads them (:func:`interview_form_records`) to recognise returns, then stores what it accepted
(:func:`insert_record`, :func:`supersede_record`, :func:`link_appeal`); the status of the step
reads the records in force (:func:`records_in_force`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from perfsheets.ledger import record_forms as rf
from perfsheets.ledger.results import NotALedger


@dataclass(frozen=True)
class InterviewSheet:
    sheet: str
    employee_id: str
    locked_json: str  # {field: value} the sheet was written with


@dataclass(frozen=True)
class InterviewForm(rf.RecordForm[InterviewSheet]):
    """A record workbook as written for one manager, with its sheets."""


def store_interview_form(conn: sqlite3.Connection, form: InterviewForm) -> None:
    rows = [(s.sheet, s.employee_id, s.locked_json) for s in form.sheets]
    rf.store_form(conn, rf.INTERVIEWS, form, rows)


def interview_form_files(conn: sqlite3.Connection) -> set[str]:
    """Every record-form file name the ledger knows (of any generation)."""
    return rf.form_files(conn, rf.INTERVIEWS)


def interview_form_records(conn: sqlite3.Connection) -> list[InterviewForm]:
    """Every record form with its sheets, in the order written (later generations last)."""
    sheets: dict[str, list[InterviewSheet]] = {}
    for form_id, sheet, emp, locked in rf.sheet_rows(conn, rf.INTERVIEWS):
        sheets.setdefault(form_id, []).append(InterviewSheet(sheet, emp, locked))
    return [
        InterviewForm(*row, sheets=tuple(sheets.get(row[0], ())))
        for row in rf.form_rows(conn, rf.INTERVIEWS)
    ]


def interviewed_employees(conn: sqlite3.Connection) -> dict[str, tuple[str, str]]:
    """Employee id -> (manager id, form id) of the latest record form holding a sheet for them."""
    rows = conn.execute(
        "SELECT s.employee_id, f.manager_id, f.form_id FROM interview_sheets s"
        " JOIN interview_forms f ON f.form_id = s.form_id ORDER BY f.rowid"
    )
    return {emp: (manager, form) for emp, manager, form in rows}


# --- records collected -----------------------------------------------------------------------


@dataclass(frozen=True)
class NewRecord(rf.NewRecordRow):
    interview_date: str | None
    view: str | None
    confirmed: bool
    values_json: str


@dataclass(frozen=True)
class StoredRecord(rf.StoredRecordRow):
    """An accepted record (a row of interview_records)."""

    interview_date: str | None
    view: str | None
    confirmed: bool
    appeal_id: int | None
    superseded_by: int | None


_RECORD_COLUMNS = (
    "record_id, form_id, employee_id, file, sheet, saved_at, received_at, content_hash,"
    " interview_date, view, confirmed, appeal_id, superseded_by"
)


def _stored(row: tuple) -> StoredRecord:
    rid, form, emp, file, sheet, saved, received, content, date, view, confirmed, appeal, sup = row
    return StoredRecord(
        rid,
        form,
        emp,
        file,
        sheet,
        saved,
        received,
        content,
        date,
        view,
        bool(confirmed),
        appeal,
        sup,
    )


def record_in_force(conn: sqlite3.Connection, employee: str) -> StoredRecord | None:
    row = rf.in_force_row(conn, rf.INTERVIEWS, _RECORD_COLUMNS, employee)
    return None if row is None else _stored(row)


def records_in_force(conn: sqlite3.Connection) -> dict[str, StoredRecord]:
    """Employee id -> the record in force."""
    rows = conn.execute(
        f"SELECT {_RECORD_COLUMNS} FROM interview_records WHERE superseded_by IS NULL"
        " ORDER BY record_id"
    )
    return {r.employee_id: r for r in map(_stored, rows)}


def record_values(conn: sqlite3.Connection, record_id: int) -> dict:
    """The values a record holds (actions, goals, comments, confirmations) as stored."""
    row = conn.execute(
        "SELECT values_json FROM interview_records WHERE record_id=?", (record_id,)
    ).fetchone()
    return {} if row is None else json.loads(row[0])


def earlier_records(ledger_path: Path) -> dict[str, tuple[StoredRecord, dict]]:
    """Employee id -> (the record in force, its values) in another cycle's ledger, opened
    read-only (the next cycle's plan takes its agreed goals); {} when it has none. A file that
    is no ledger raises :class:`~perfsheets.ledger.results.NotALedger`."""
    conn = sqlite3.connect(f"{ledger_path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "interview_records" not in tables:
            return {}
        return {
            emp: (record, record_values(conn, record.record_id))
            for emp, record in records_in_force(conn).items()
        }
    except (sqlite3.DatabaseError, ValueError) as exc:  # ValueError: values that are no JSON
        raise NotALedger(str(ledger_path)) from exc
    finally:
        conn.close()


def insert_record(conn: sqlite3.Connection, new: NewRecord) -> int:
    return rf.insert_record(conn, rf.INTERVIEWS, new, confirmed=int(new.confirmed))


def supersede_record(conn: sqlite3.Connection, old_id: int, new_id: int) -> None:
    rf.supersede(conn, rf.INTERVIEWS, old_id, new_id)


def link_appeal(conn: sqlite3.Connection, record_id: int, appeal_id: int) -> None:
    """The appeal a disagreeing record opened (or the employee's open appeal it joins)."""
    conn.execute(
        "UPDATE interview_records SET appeal_id=? WHERE record_id=?", (appeal_id, record_id)
    )


def appeal_records(conn: sqlite3.Connection) -> dict[int, list[int]]:
    """Appeal id -> the interview records linked to it."""
    out: dict[int, list[int]] = {}
    for appeal, record in conn.execute(
        "SELECT appeal_id, record_id FROM interview_records WHERE appeal_id IS NOT NULL"
        " ORDER BY record_id"
    ):
        out.setdefault(int(appeal), []).append(int(record))
    return out


def records_of(
    conn: sqlite3.Connection, employees: Iterable[str] | None = None
) -> list[StoredRecord]:
    """Every accepted record (in force or not), oldest first; of some employees only."""
    rows = [
        _stored(r)
        for r in conn.execute(f"SELECT {_RECORD_COLUMNS} FROM interview_records ORDER BY record_id")
    ]
    if employees is None:
        return rows
    wanted = set(employees)
    return [r for r in rows if r.employee_id in wanted]
