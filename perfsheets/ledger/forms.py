"""Generated forms in the ledger: one record per workbook (rater) and per sheet (ratee).

Generate stores every form it writes with its sheets and their locked values
(:func:`store_form`); simulate reads the current form of every rater back
(:func:`current_forms`, :func:`form_sheets`), and a target change counts the forms already
sent with the old target (:func:`forms_rating`).
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from perfsheets.core.model import RaterTypeId


class CurrentForm(NamedTuple):
    """A rater's latest generated form (a row of forms, with its plan version's digest)."""

    form_id: str
    rater_id: str
    file: str
    plan_version: int
    created_at: str
    plan_digest: str


class FormSheet(NamedTuple):
    """An assessment sheet of a generated form (a row of form_sheets)."""

    sheet: str
    ratee_id: str
    rater_type: RaterTypeId
    locked_json: str  # {item_key: {field: value}} the sheet was generated with


def forms_rating(conn: sqlite3.Connection, ratee: str) -> int:
    """How many generated forms hold a sheet rating this person."""
    row = conn.execute(
        "SELECT COUNT(DISTINCT form_id) FROM form_sheets WHERE ratee_id=?", (ratee,)
    ).fetchone()
    return int(row[0])


def form_files(conn: sqlite3.Connection) -> set[str]:
    """Every form file name the ledger knows (of any generation)."""
    return {row[0] for row in conn.execute("SELECT DISTINCT file FROM forms")}


def store_form(
    conn: sqlite3.Connection,
    form_id: str,
    plan_version: int,
    rater_id: str,
    file: str,
    digest: str,
    created_at: str,
    sheets: Iterable[FormSheet],
) -> None:
    """One generated workbook and its sheets."""
    conn.execute(
        "INSERT INTO forms (form_id, plan_version, rater_id, file, digest, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (form_id, plan_version, rater_id, file, digest, created_at),
    )
    conn.executemany(
        "INSERT INTO form_sheets (form_id, sheet, ratee_id, rater_type, locked_json)"
        " VALUES (?, ?, ?, ?, ?)",
        [(form_id, *sheet) for sheet in sheets],
    )


def current_forms(conn: sqlite3.Connection) -> list[CurrentForm]:
    """The current (latest) form of every rater, by rater id."""
    rows = conn.execute(
        "SELECT f.form_id, f.rater_id, f.file, f.plan_version, f.created_at, p.digest"
        " FROM forms f JOIN plan_versions p ON p.version = f.plan_version"
        " WHERE f.rowid IN (SELECT MAX(rowid) FROM forms GROUP BY rater_id)"
        " ORDER BY f.rater_id"
    )
    return [CurrentForm(*row) for row in rows]


def form_sheets(conn: sqlite3.Connection, form_id: str) -> list[FormSheet]:
    """The sheets of one form, in the order generated."""
    rows = conn.execute(
        "SELECT sheet, ratee_id, rater_type, locked_json FROM form_sheets WHERE form_id=?"
        " ORDER BY rowid",
        (form_id,),
    )
    return [FormSheet(*row) for row in rows]


def raters_of(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """Ratee -> the raters (not the ratee themself) of the current forms, by rater id."""
    rows = conn.execute(
        "SELECT s.ratee_id, f.rater_id FROM form_sheets s JOIN forms f ON f.form_id = s.form_id"
        " WHERE f.rowid IN (SELECT MAX(rowid) FROM forms GROUP BY rater_id)"
        " AND s.rater_type != 'self' ORDER BY s.ratee_id, f.rater_id"
    )
    out: dict[str, list[str]] = {}
    for ratee, rater in rows:
        out.setdefault(ratee, []).append(rater)
    return out


# --- generated forms, as collect and status need them -----------------------------------------


@dataclass(frozen=True)
class SheetRecord:
    """An assessment sheet as generated (a row of form_sheets)."""

    sheet: str
    ratee_id: str
    rater_type: str
    locked_json: str  # {item_key: {field: value}} the sheet was generated with


@dataclass(frozen=True)
class FormRecord:
    """A generated form (a row of forms) with its sheets and its plan version's digest."""

    form_id: str
    plan_version: int
    plan_digest: str | None
    rater_id: str
    file: str
    digest: str  # of the form's sheets and locked values
    sheets: tuple[SheetRecord, ...]


def form_records(conn: sqlite3.Connection) -> list[FormRecord]:
    """Every generated form with its sheets, in the order generated (later generations last)."""
    digests = dict(conn.execute("SELECT version, digest FROM plan_versions"))
    sheets: dict[str, list[SheetRecord]] = defaultdict(list)
    for form_id, sheet, ratee, rater_type, locked in conn.execute(
        "SELECT form_id, sheet, ratee_id, rater_type, locked_json FROM form_sheets ORDER BY rowid"
    ):
        sheets[form_id].append(SheetRecord(sheet, ratee, rater_type, locked))
    return [
        FormRecord(
            form_id, int(version), digests.get(version), rater, file, digest, tuple(sheets[form_id])
        )
        for form_id, version, rater, file, digest in conn.execute(
            "SELECT form_id, plan_version, rater_id, file, digest FROM forms ORDER BY rowid"
        )
    ]
