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
