"""Consolidation runs and their results in the ledger: the latest run, its results and summary."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path

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


def accepted_entries(conn: sqlite3.Connection) -> list[tuple]:
    """Entries of the accepted, not superseded returns: (ratee, rater, rater type, item key,
    field, value_num, value_text, return id)."""
    return conn.execute(
        "SELECT e.ratee_id, e.rater_id, e.rater_type, e.item_key, e.field, e.value_num,"
        " e.value_text, e.return_id FROM entries e JOIN returns r ON r.return_id = e.return_id"
        " WHERE r.superseded_by IS NULL"
    ).fetchall()


def store_run(
    conn: sqlite3.Connection,
    plan_version: int,
    started_at: str,
    summary_json: str,
    rows: Iterable[tuple[str, float | None, str | None, bool, str]],
) -> int:
    """A ``consolidate`` run and its results: (employee id, total, grade, complete, detail JSON)."""
    cur = conn.execute(
        "INSERT INTO runs (kind, plan_version, started_at, summary_json) VALUES (?, ?, ?, ?)",
        ("consolidate", plan_version, started_at, summary_json),
    )
    run_id = int(cur.lastrowid or 0)
    conn.executemany(
        "INSERT INTO results (run_id, employee_id, total_score, grade, complete, detail_json)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            (run_id, emp, total, grade, int(done), detail)
            for emp, total, grade, done, detail in rows
        ),
    )
    return run_id


def latest_run_plan(conn: sqlite3.Connection) -> tuple[int, str] | None:
    """(run id, frozen plan JSON) of the latest consolidation run, None before the first."""
    row = conn.execute(
        "SELECT r.run_id, p.plan_json FROM runs r JOIN plan_versions p"
        " ON p.version = r.plan_version WHERE r.kind='consolidate'"
        " ORDER BY r.run_id DESC LIMIT 1"
    ).fetchone()
    return None if row is None else (int(row[0]), str(row[1]))


def run_totals(
    conn: sqlite3.Connection, run_id: int
) -> list[tuple[str, float | None, str | None, int]]:
    """(employee id, total, grade, complete) of every result of a run."""
    return conn.execute(
        "SELECT employee_id, total_score, grade, complete FROM results WHERE run_id=?", (run_id,)
    ).fetchall()


def read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection to another workspace's ledger (history is only ever read)."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
