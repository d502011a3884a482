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
class PipForm:
    """A PIP workbook as written for one manager, with its sheets."""

    form_id: str
    run_id: int
    plan_version: int
    manager_id: str
    file: str
    digest: str
    created_at: str
    sheets: tuple[PipSheet, ...] = ()


def store_pip_form(conn: sqlite3.Connection, form: PipForm) -> None:
    conn.execute(
        "INSERT INTO pip_forms (form_id, run_id, plan_version, manager_id, file, digest,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            form.form_id,
            form.run_id,
            form.plan_version,
            form.manager_id,
            form.file,
            form.digest,
            form.created_at,
        ),
    )
    conn.executemany(
        "INSERT INTO pip_sheets (form_id, sheet, employee_id, grade, start_date, end_date,"
        " checkpoints, locked_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                form.form_id,
                s.sheet,
                s.employee_id,
                s.grade,
                s.start,
                s.end,
                json.dumps(list(s.checkpoints)),
                s.locked_json,
            )
            for s in form.sheets
        ],
    )


def pip_form_files(conn: sqlite3.Connection) -> set[str]:
    """Every PIP workbook file name the ledger knows (of any generation)."""
    return {row[0] for row in conn.execute("SELECT DISTINCT file FROM pip_forms")}


def _sheets(conn: sqlite3.Connection) -> dict[str, list[PipSheet]]:
    out: dict[str, list[PipSheet]] = {}
    for form_id, sheet, emp, grade, start, end, points, locked in conn.execute(
        "SELECT form_id, sheet, employee_id, grade, start_date, end_date, checkpoints,"
        " locked_json FROM pip_sheets ORDER BY rowid"
    ):
        out.setdefault(form_id, []).append(
            PipSheet(sheet, emp, grade, start, end, tuple(json.loads(points)), locked)
        )
    return out


def pip_form_records(conn: sqlite3.Connection) -> list[PipForm]:
    """Every PIP form with its sheets, in the order written (later generations last)."""
    sheets = _sheets(conn)
    rows = conn.execute(
        "SELECT form_id, run_id, plan_version, manager_id, file, digest, created_at"
        " FROM pip_forms ORDER BY rowid"
    )
    return [
        PipForm(form, int(run), int(ver), manager, file, digest, at, tuple(sheets.get(form, ())))
        for form, run, ver, manager, file, digest, at in rows
    ]


# --- records collected -----------------------------------------------------------------------


@dataclass(frozen=True)
class NewPipRecord:
    form_id: str
    employee_id: str
    file: str
    sheet: str
    sha256: str
    archived: str
    saved_at: str
    received_at: str
    content_hash: str
    results: tuple[str | None, ...]  # each checkpoint's result (met / partly / not_met / None)
    values_json: str


@dataclass(frozen=True)
class StoredPipRecord:
    record_id: int
    form_id: str
    employee_id: str
    file: str
    sheet: str
    saved_at: str
    received_at: str
    content_hash: str
    results: tuple[str | None, ...]
    superseded_by: int | None

    @property
    def order(self) -> tuple[str, str]:
        """Which of two versions was saved last (the workbook's saved time, then arrival)."""
        return self.saved_at, self.received_at


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
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM pip_records"
        " WHERE employee_id=? AND superseded_by IS NULL ORDER BY record_id DESC LIMIT 1",
        (employee,),
    ).fetchone()
    return None if row is None else _stored(row)


def pip_records_of(conn: sqlite3.Connection) -> list[StoredPipRecord]:
    """Every accepted PIP record (in force or not), oldest first."""
    return [_stored(r) for r in conn.execute(f"SELECT {_COLUMNS} FROM pip_records ORDER BY 1")]


def insert_pip_record(conn: sqlite3.Connection, new: NewPipRecord) -> int:
    cur = conn.execute(
        "INSERT INTO pip_records (form_id, employee_id, file, sheet, sha256, archived, saved_at,"
        " received_at, content_hash, results, values_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            new.form_id,
            new.employee_id,
            new.file,
            new.sheet,
            new.sha256,
            new.archived,
            new.saved_at,
            new.received_at,
            new.content_hash,
            json.dumps(list(new.results)),
            new.values_json,
        ),
    )
    return int(cur.lastrowid or 0)


def supersede_pip_record(conn: sqlite3.Connection, old_id: int, new_id: int) -> None:
    conn.execute("UPDATE pip_records SET superseded_by=? WHERE record_id=?", (new_id, old_id))


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
