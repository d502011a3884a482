"""Generated forms in the ledger: one record per workbook (rater) and per sheet (ratee)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable


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
    sheets: Iterable[tuple[str, str, str, str]],
) -> None:
    """One generated workbook and its sheets: (sheet, ratee id, rater type, locked JSON)."""
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


def current_forms(conn: sqlite3.Connection) -> list[tuple[str, str, str, int, str, str]]:
    """The current form of every rater: (form_id, rater_id, file, version, created_at, plan
    digest), by rater id."""
    return conn.execute(
        "SELECT f.form_id, f.rater_id, f.file, f.plan_version, f.created_at, p.digest"
        " FROM forms f JOIN plan_versions p ON p.version = f.plan_version"
        " WHERE f.rowid IN (SELECT MAX(rowid) FROM forms GROUP BY rater_id)"
        " ORDER BY f.rater_id"
    ).fetchall()


def form_sheets(conn: sqlite3.Connection, form_id: str) -> list[tuple[str, str, str, str]]:
    """(sheet, ratee id, rater type, locked JSON) of one form, in generation order."""
    return conn.execute(
        "SELECT sheet, ratee_id, rater_type, locked_json FROM form_sheets WHERE form_id=?"
        " ORDER BY rowid",
        (form_id,),
    ).fetchall()
