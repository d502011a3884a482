"""Performance improvement plans in the ledger (绩效改进计划): the PIP workbooks written per
manager, their sheets (one PIP each: dates, checkpoint dates, locked values), and every return
collected back, one in force per employee.

:mod:`perfsheets.pip` stores the forms it writes (:func:`store_pip_form`); collect reads them
(:func:`pip_form_records`) to recognise returns and stores what it accepted
(:func:`insert_pip_record`, :func:`supersede_pip_record`); the status of the step, and the next
cycle's consolidation (:func:`earlier_pips`, read-only), read the PIPs with their records in
force (:func:`pips_in_force`).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from perfsheets.ledger import record_forms as rf


@dataclass(frozen=True)
class PipSheet:
    sheet: str
    employee_id: str
    grade: str
    start: str  # ISO dates
    end: str
    checkpoints: tuple[str, ...]
    locked_json: str  # {field: value} the sheet was written with


@dataclass(frozen=True)
class PipForm(rf.RecordForm[PipSheet]):
    """A PIP workbook as written for one manager, with its sheets."""


def store_pip_form(conn: sqlite3.Connection, form: PipForm) -> None:
    rows = [
        (
            s.sheet,
            s.employee_id,
            s.grade,
            s.start,
            s.end,
            json.dumps(list(s.checkpoints)),
            s.locked_json,
        )
        for s in form.sheets
    ]
    rf.store_form(conn, rf.PIPS, form, rows)


def pip_form_files(conn: sqlite3.Connection) -> set[str]:
    """Every PIP workbook file name the ledger knows (of any generation)."""
    return rf.form_files(conn, rf.PIPS)


def _sheets(conn: sqlite3.Connection) -> dict[str, list[PipSheet]]:
    out: dict[str, list[PipSheet]] = {}
    for form_id, sheet, emp, grade, start, end, points, locked in rf.sheet_rows(conn, rf.PIPS):
        out.setdefault(form_id, []).append(
            PipSheet(sheet, emp, grade, start, end, tuple(json.loads(points)), locked)
        )
    return out


def pip_form_records(conn: sqlite3.Connection) -> list[PipForm]:
    """Every PIP form with its sheets, in the order written (later generations last)."""
    sheets = _sheets(conn)
    return [
        PipForm(*row, sheets=tuple(sheets.get(row[0], ()))) for row in rf.form_rows(conn, rf.PIPS)
    ]


# --- records collected -----------------------------------------------------------------------


@dataclass(frozen=True)
class NewPipRecord(rf.NewRecordRow):
    results: tuple[str | None, ...]  # each checkpoint's result (met / partly / not_met / None)
    values_json: str


@dataclass(frozen=True)
class StoredPipRecord(rf.StoredRecordRow):
    results: tuple[str | None, ...]
    superseded_by: int | None


_COLUMNS = (
    "record_id, form_id, employee_id, file, sheet, saved_at, received_at, content_hash,"
    " results, superseded_by"
)


def _stored(row: tuple) -> StoredPipRecord:
    rid, form, emp, file, sheet, saved, received, content, results, sup = row
    return StoredPipRecord(
        rid, form, emp, file, sheet, saved, received, content, tuple(json.loads(results)), sup
    )


def pip_record_in_force(conn: sqlite3.Connection, employee: str) -> StoredPipRecord | None:
    row = rf.in_force_row(conn, rf.PIPS, _COLUMNS, employee)
    return None if row is None else _stored(row)


def pip_records_of(conn: sqlite3.Connection) -> list[StoredPipRecord]:
    """Every accepted PIP record (in force or not), oldest first."""
    return [_stored(r) for r in conn.execute(f"SELECT {_COLUMNS} FROM pip_records ORDER BY 1")]


def insert_pip_record(conn: sqlite3.Connection, new: NewPipRecord) -> int:
    return rf.insert_record(conn, rf.PIPS, new, results=json.dumps(list(new.results)))


def supersede_pip_record(conn: sqlite3.Connection, old_id: int, new_id: int) -> None:
    rf.supersede(conn, rf.PIPS, old_id, new_id)


# --- PIPs with their records in force --------------------------------------------------------


@dataclass(frozen=True)
class PipInForce:
    """An employee's PIP (the latest sheet written for them) and its record in force."""

    employee_id: str
    manager_id: str
    form_id: str
    grade: str
    start: str
    end: str
    checkpoints: tuple[str, ...]
    results: tuple[str | None, ...]  # one per checkpoint (None: not recorded)
    record_file: str = ""


def pips_in_force(conn: sqlite3.Connection) -> dict[str, PipInForce]:
    """Employee id -> their PIP and its checkpoints' results; {} on a ledger without PIPs."""
    has = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='pip_sheets'"
    ).fetchone()
    if not has:
        return {}
    managers = dict(conn.execute("SELECT form_id, manager_id FROM pip_forms"))
    records: dict[str, StoredPipRecord] = {}
    rec: StoredPipRecord | None
    for row in conn.execute(
        f"SELECT {_COLUMNS} FROM pip_records WHERE superseded_by IS NULL ORDER BY record_id"
    ):
        stored = _stored(row)
        records[stored.employee_id] = stored
    out: dict[str, PipInForce] = {}
    for form_id, sheets in _sheets(conn).items():
        for s in sheets:
            rec = records.get(s.employee_id)
            if rec is not None and rec.form_id != form_id:
                rec = None  # a record of an earlier PIP form (a new form is a new PIP)
            got = rec.results if rec is not None else ()
            results = (tuple(got) + (None,) * len(s.checkpoints))[: len(s.checkpoints)]
            out[s.employee_id] = PipInForce(
                s.employee_id,
                managers.get(form_id, ""),
                form_id,
                s.grade,
                s.start,
                s.end,
                s.checkpoints,
                results,
                rec.file if rec is not None else "",
            )
    return out


def earlier_pips(ledger_path: Path) -> dict[str, PipInForce]:
    """The PIPs of another cycle's ledger, opened read-only ({} when it has none or is none)."""
    if not ledger_path.is_file():
        return {}
    conn = sqlite3.connect(f"{ledger_path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return pips_in_force(conn)
    except sqlite3.DatabaseError:
        return {}
    finally:
        conn.close()
