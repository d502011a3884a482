"""Consolidation runs and their results in the ledger: the latest run, its results and summary."""

from __future__ import annotations

import json
import sqlite3

from perfsheets.core.results import EmployeeResult


def latest_run(conn: sqlite3.Connection) -> int | None:
    """The id of the latest consolidation run, or None before the first."""
    row = conn.execute("SELECT MAX(run_id) FROM runs WHERE kind='consolidate'").fetchone()
    return None if row is None or row[0] is None else int(row[0])


def load_results(
    conn: sqlite3.Connection, employee_ids: list[str] | None = None
) -> list[EmployeeResult]:
    """Employee results of the latest consolidation, in employee-id order."""
    run = latest_run(conn)
    if run is None:
        return []
    rows = conn.execute(
        "SELECT employee_id, detail_json FROM results WHERE run_id=? ORDER BY employee_id", (run,)
    ).fetchall()
    wanted = set(employee_ids) if employee_ids else None
    return [
        EmployeeResult.model_validate_json(detail)
        for emp, detail in rows
        if wanted is None or emp in wanted
    ]


def run_summary(conn: sqlite3.Connection) -> dict:
    """The summary JSON stored with the latest consolidation (distribution, statistics ...)."""
    run = latest_run(conn)
    if run is None:
        return {}
    row = conn.execute("SELECT summary_json FROM runs WHERE run_id=?", (run,)).fetchone()
    return json.loads(row[0]) if row and row[0] else {}


def latest_run_time(conn: sqlite3.Connection) -> str | None:
    """When the latest consolidation run started (ISO 8601 text, sortable on one machine)."""
    row = conn.execute("SELECT MAX(started_at) FROM runs WHERE kind='consolidate'").fetchone()
    return row[0] if row else None
