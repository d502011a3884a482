"""Consolidation runs and their results in the ledger: the latest run, its results, its summary
and the plan version frozen with it; the accepted entries a run reads; earlier cycles' ledgers.

Results are stored by codes and numbers (:func:`perfsheets.core.results.stored_json`);
:func:`load_results` gives them named from the plan frozen with their run.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from perfsheets.core.calibration import apply_decisions
from perfsheets.core.model import Lang, Plan
from perfsheets.core.naming import Namer
from perfsheets.core.results import EmployeeResult, TrendPoint, stored_json
from perfsheets.ledger.calibration import trails


def latest_run(conn: sqlite3.Connection) -> int | None:
    """The id of the latest consolidation run, or None before the first."""
    row = conn.execute("SELECT MAX(run_id) FROM runs WHERE kind='consolidate'").fetchone()
    return None if row is None or row[0] is None else int(row[0])


def load_results(
    conn: sqlite3.Connection, employee_ids: list[str] | None = None, *, lang: Lang | None = None
) -> list[EmployeeResult]:
    """Employee results of the latest consolidation, in employee-id order, named from the plan
    version frozen with the run in ``lang`` (default: that plan's language)."""
    results = stored_results(conn, employee_ids)
    plan = frozen_plan(conn)
    if plan is None:  # a run stored without its plan: the names it carries, if any
        return results
    return Namer(plan, lang or plan.lang).name_all(results)


def stored_results(
    conn: sqlite3.Connection, employee_ids: list[str] | None = None
) -> list[EmployeeResult]:
    """Employee results of the latest consolidation as stored (codes and numbers; results of
    older versions also carry names), in employee-id order, with the calibration committee's
    decisions applied: ``grade`` is the final grade (see :mod:`perfsheets.core.calibration`)."""
    run = latest_run(conn)
    if run is None:
        return []
    rows = conn.execute(
        "SELECT employee_id, detail_json FROM results WHERE run_id=? ORDER BY employee_id", (run,)
    ).fetchall()
    wanted = set(employee_ids) if employee_ids else None
    results = [
        EmployeeResult.model_validate_json(detail)
        for emp, detail in rows
        if wanted is None or emp in wanted
    ]
    decided = trails(conn)
    if decided:
        apply_decisions(results, decided, frozen_plan(conn))
    return results


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


# The rater -> ratee relations of the forms as last generated: a relation removed from the plan
# (and the forms generated again) no longer counts, even though the old return stays on record.
_LIVE = (
    "WITH latest AS (SELECT rater_id, MAX(created_at) AS at FROM forms GROUP BY rater_id),"
    " live AS (SELECT DISTINCT f.rater_id, s.ratee_id, s.rater_type FROM forms f"
    " JOIN latest l ON l.rater_id = f.rater_id AND l.at = f.created_at"
    " JOIN form_sheets s ON s.form_id = f.form_id)"
)
_IN_FORCE = (
    " FROM entries e JOIN returns r ON r.return_id = e.return_id"
    " LEFT JOIN live v ON v.rater_id = e.rater_id AND v.ratee_id = e.ratee_id"
    " AND v.rater_type = e.rater_type WHERE r.superseded_by IS NULL"
)


def accepted_entries(conn: sqlite3.Connection) -> list[tuple]:
    """Entries of the accepted, not superseded returns on relations the current forms still
    hold: (ratee, rater, rater type, item key, field, value_num, value_text, return id)."""
    return conn.execute(
        f"{_LIVE} SELECT e.ratee_id, e.rater_id, e.rater_type, e.item_key, e.field, e.value_num,"
        f" e.value_text, e.return_id {_IN_FORCE} AND v.rater_id IS NOT NULL"
    ).fetchall()


def entries_in_force(conn: sqlite3.Connection) -> list[tuple]:
    """Every entry of the accepted, not superseded returns, with whether its relation is still
    on the current forms: the rows of :func:`accepted_entries` plus a ninth column, live (1/0)."""
    return conn.execute(
        f"{_LIVE} SELECT e.ratee_id, e.rater_id, e.rater_type, e.item_key, e.field, e.value_num,"
        f" e.value_text, e.return_id, v.rater_id IS NOT NULL {_IN_FORCE}"
    ).fetchall()


def dropped_relations(conn: sqlite3.Connection) -> list[tuple[str, str, str, int]]:
    """(rater, ratee, rater type, entries) of returns in force whose relation the current forms
    no longer hold (removed from the plan, forms generated again): left out of the scores."""
    return conn.execute(
        f"{_LIVE} SELECT e.rater_id, e.ratee_id, e.rater_type, COUNT(*) {_IN_FORCE}"
        " AND v.rater_id IS NULL GROUP BY e.rater_id, e.ratee_id, e.rater_type"
        " ORDER BY e.rater_id, e.ratee_id"
    ).fetchall()


def store_run(
    conn: sqlite3.Connection,
    plan_version: int,
    started_at: str,
    summary_json: str,
    results: Iterable[EmployeeResult],
) -> int:
    """A ``consolidate`` run and its results (as :func:`stored_json` keeps them)."""
    cur = conn.execute(
        "INSERT INTO runs (kind, plan_version, started_at, summary_json) VALUES (?, ?, ?, ?)",
        ("consolidate", plan_version, started_at, summary_json),
    )
    run_id = int(cur.lastrowid or 0)
    conn.executemany(
        "INSERT INTO results (run_id, employee_id, total_score, grade, complete, detail_json)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            (run_id, r.employee_id, r.total_score, r.grade, int(r.complete), stored_json(r))
            for r in results
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


def frozen_plan(conn: sqlite3.Connection) -> Plan | None:
    """The plan version frozen with the latest consolidation run, None before the first (or for
    a run stored without one)."""
    found = latest_run_plan(conn)
    return None if found is None else Plan.model_validate_json(found[1])


# --- earlier cycles ---------------------------------------------------------------------------

Totals = list[tuple[str, float | None, str | None, bool]]  # employee, total, grade, complete


class NotALedger(Exception):
    """A file where a ledger should be that is no (readable) SQLite ledger."""


def earlier_cycle(ledger_path: Path) -> tuple[str, Totals] | None:
    """(frozen plan JSON, totals) of the latest consolidation in another cycle's ledger, opened
    read-only (history is only ever read); None when it has none. A file that is no ledger
    raises :class:`NotALedger`."""
    conn = sqlite3.connect(f"{ledger_path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        found = latest_run_plan(conn)
        if found is None:
            return None
        rows = conn.execute(
            "SELECT employee_id, total_score, grade, complete FROM results WHERE run_id=?",
            (found[0],),
        ).fetchall()
    except sqlite3.DatabaseError as exc:
        raise NotALedger(str(ledger_path)) from exc
    finally:
        conn.close()
    return found[1], [(emp, total, grade, bool(done)) for emp, total, grade, done in rows]


# --- overviews --------------------------------------------------------------------------------

_OVERVIEW_FIELDS = (
    "department",
    "role",
    "manager_id",
    "section_scores",
    "grade_before_quota",
    "quota_group",
    "coefficient",
    "flags",
    "trend",
)
_JSON_FIELDS = frozenset({"section_scores", "flags", "trend"})


def _defaults() -> dict[str, object]:
    return {
        name: info.get_default(call_default_factory=True)
        for name, info in EmployeeResult.model_fields.items()
        if not info.is_required()
    }


def result_overview(conn: sqlite3.Connection) -> list[EmployeeResult]:
    """Results of the latest consolidation with only what an overview of everyone needs (ids,
    department, role, manager, section scores, total, grades, quota group, coefficient, flags,
    trend), the committee's decisions applied, not named: read with SQLite's JSON functions and
    built without validation (the full results of 10,000 people take seconds to validate)."""
    run = latest_run(conn)
    if run is None:
        return []
    extracts = ", ".join(f"json_extract(detail_json, '$.{f}')" for f in _OVERVIEW_FIELDS)
    rows = conn.execute(
        f"SELECT employee_id, total_score, grade, complete, {extracts} FROM results"
        " WHERE run_id=? ORDER BY employee_id",
        (run,),
    ).fetchall()
    results = []
    defaults = _defaults()
    for emp, total, grade, complete, *values in rows:
        fields = {
            f: (json.loads(v) if f in _JSON_FIELDS and v is not None else v)
            for f, v in zip(_OVERVIEW_FIELDS, values, strict=True)
        }
        fields["trend"] = [TrendPoint.model_construct(**t) for t in fields["trend"] or []]
        fields["flags"] = fields["flags"] or []
        fields["section_scores"] = fields["section_scores"] or {}
        # Every field given: pydantic then resolves no default (which costs ~1 ms per result).
        fresh = {k: type(v)() if isinstance(v, list | dict) else v for k, v in defaults.items()}
        fields.update(employee_id=emp, total_score=total, grade=grade, complete=bool(complete))
        results.append(EmployeeResult.model_construct(**(fresh | fields)))  # type: ignore[arg-type]
    decided = trails(conn)
    if decided:
        apply_decisions(results, decided, frozen_plan(conn))
    return results
