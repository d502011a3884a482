"""Plan versions in the ledger, as the stages ask for them: which version the forms follow."""

from __future__ import annotations

import sqlite3


def forms_plan(conn: sqlite3.Connection) -> tuple[int, str] | None:
    """(version, frozen plan JSON) of the plan the latest forms were generated from; None
    before any form was generated."""
    row = conn.execute(
        "SELECT v.version, v.plan_json FROM forms f JOIN plan_versions v "
        "ON v.version = f.plan_version ORDER BY f.plan_version DESC LIMIT 1"
    ).fetchone()
    return None if row is None else (int(row[0]), str(row[1]))


def plan_digests(conn: sqlite3.Connection) -> dict[int, str]:
    """Every plan version's digest (what a form's _meta names its plan by)."""
    return {int(v): str(d) for v, d in conn.execute("SELECT version, digest FROM plan_versions")}


def plan_json_of(conn: sqlite3.Connection, version: int) -> str:
    """The frozen plan JSON of a plan version."""
    row = conn.execute("SELECT plan_json FROM plan_versions WHERE version=?", (version,)).fetchone()
    if row is None:
        raise KeyError(f"no plan version {version} in the ledger")
    return str(row[0])
