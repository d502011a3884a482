"""What the two families of record-form tables (interview records, :mod:`.interviews`;
improvement plans, :mod:`.pips`) share: a form per manager's workbook with its sheets, and the
returns collected back, one in force per employee. One writer and one reader serve both,
parametrised by the family; table and column names come only from the fixed families below,
never from input.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Generic, TypeVar

from perfsheets.core.model import Plan
from perfsheets.ledger.results import latest_run_plan


@dataclass(frozen=True)
class Family:
    """The tables of one kind of record form."""

    forms: str
    sheets: str
    sheet_columns: tuple[str, ...]  # of the sheets table, after form_id
    records: str


INTERVIEWS = Family(
    "interview_forms",
    "interview_sheets",
    ("sheet", "employee_id", "locked_json"),
    "interview_records",
)
PIPS = Family(
    "pip_forms",
    "pip_sheets",
    (
        "sheet",
        "employee_id",
        "grade",
        "start_date",
        "end_date",
        "checkpoints",
        "locked_json",
    ),
    "pip_records",
)
_FAMILIES = (INTERVIEWS, PIPS)  # the whitelist
FORM_COLUMNS = ("form_id", "run_id", "plan_version", "manager_id", "file", "digest", "created_at")

S = TypeVar("S")


@dataclass(frozen=True)
class RecordForm(Generic[S]):
    """A record workbook as written for one manager, with its sheets."""

    form_id: str
    run_id: int
    plan_version: int
    manager_id: str
    file: str
    digest: str
    created_at: str
    sheets: tuple[S, ...] = ()


def run_to_record(conn: sqlite3.Connection, none_yet: Exception) -> tuple[int, Plan]:
    """The latest consolidation run and the plan frozen with it, whose results record forms
    show; raises ``none_yet`` before the first run."""
    found = latest_run_plan(conn)
    if found is None:
        raise none_yet
    run_id, frozen_json = found
    return run_id, Plan.model_validate_json(frozen_json)


def _known(family: Family) -> Family:
    if family not in _FAMILIES:  # SQL names from the whitelist only
        raise ValueError(f"not a record-form family: {family}")
    return family


def _insert(table: str, columns: Sequence[str]) -> str:
    marks = ", ".join("?" * len(columns))
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"


def store_form(
    conn: sqlite3.Connection, family: Family, form: RecordForm, sheet_rows: Iterable[tuple]
) -> None:
    """A form and its sheets (``sheet_rows``: the family's sheet columns after form_id)."""
    t = _known(family)
    conn.execute(
        _insert(t.forms, FORM_COLUMNS),
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
        _insert(t.sheets, ("form_id", *t.sheet_columns)),
        [(form.form_id, *row) for row in sheet_rows],
    )


def form_files(conn: sqlite3.Connection, family: Family) -> set[str]:
    """Every workbook file name of the family the ledger knows (of any generation)."""
    t = _known(family)
    return {row[0] for row in conn.execute(f"SELECT DISTINCT file FROM {t.forms}")}


def sheet_rows(conn: sqlite3.Connection, family: Family) -> Iterable[tuple]:
    """Every sheet row (form_id, then the family's sheet columns), in the order written."""
    t = _known(family)
    columns = ", ".join(("form_id", *t.sheet_columns))
    return conn.execute(f"SELECT {columns} FROM {t.sheets} ORDER BY rowid")


def form_rows(
    conn: sqlite3.Connection, family: Family
) -> list[tuple[str, int, int, str, str, str, str]]:
    """Every form's columns (:data:`FORM_COLUMNS`), in the order written (later generations
    last)."""
    t = _known(family)
    rows = conn.execute(f"SELECT {', '.join(FORM_COLUMNS)} FROM {t.forms} ORDER BY rowid")
    return [
        (form, int(run), int(version), manager, file, digest, at)
        for form, run, version, manager, file, digest, at in rows
    ]


# --- records collected -----------------------------------------------------------------------


@dataclass(frozen=True)
class NewRecordRow:
    """What every record collected back starts with (a family adds its own values)."""

    form_id: str
    employee_id: str
    file: str
    sheet: str
    sha256: str
    archived: str
    saved_at: str
    received_at: str
    content_hash: str


@dataclass(frozen=True)
class StoredRecordRow:
    """What every accepted record has (a family adds its own values)."""

    record_id: int
    form_id: str
    employee_id: str
    file: str
    sheet: str
    saved_at: str
    received_at: str
    content_hash: str

    @property
    def order(self) -> tuple[str, str]:
        """Which of two versions was saved last (the workbook's saved time, then arrival)."""
        return self.saved_at, self.received_at


def insert_record(
    conn: sqlite3.Connection, family: Family, new: NewRecordRow, **stored: object
) -> int:
    """A new record, a column per field of ``new`` (``stored``: a field's value as stored,
    where it differs); its id."""
    values = {**vars(new), **stored}
    columns = [f.name for f in fields(new)]
    cur = conn.execute(_insert(_known(family).records, columns), [values[c] for c in columns])
    return int(cur.lastrowid or 0)


def supersede(conn: sqlite3.Connection, family: Family, old_id: int, new_id: int) -> None:
    """The record ``old_id`` is superseded by ``new_id``."""
    t = _known(family)
    conn.execute(f"UPDATE {t.records} SET superseded_by=? WHERE record_id=?", (new_id, old_id))


def in_force_row(
    conn: sqlite3.Connection, family: Family, columns: str, employee: str
) -> tuple | None:
    """The ``columns`` of an employee's record in force (None: none)."""
    t = _known(family)
    return conn.execute(
        f"SELECT {columns} FROM {t.records}"
        " WHERE employee_id=? AND superseded_by IS NULL ORDER BY record_id DESC LIMIT 1",
        (employee,),
    ).fetchone()
