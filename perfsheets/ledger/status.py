"""What the ledger says about the state of the returns: forms still without an accepted return."""

from __future__ import annotations

import sqlite3


def forms_without_return(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(form_id, rater_id) of the forms of the latest generation whose values are not all in:
    no return in force, or a sheet the return in force does not hold (a rejected sheet never
    received valid). Returns of an equivalent earlier generation (same rater, plan version
    and digest) count; forms of an earlier generation that a later one replaced for the same
    rater are not outstanding.
    """
    return [
        (form_id, rater_id)
        for form_id, rater_id in conn.execute(
            "SELECT f.form_id, f.rater_id FROM forms f"
            " WHERE f.created_at = (SELECT MAX(g.created_at) FROM forms g"
            "                       WHERE g.rater_id = f.rater_id)"
            " AND (NOT EXISTS (" + _IN_FORCE + ")"
            "      OR EXISTS (SELECT 1 FROM form_sheets s WHERE s.form_id = f.form_id"
            "                 AND NOT EXISTS (" + _IN_FORCE + " AND h.sheet = s.sheet)))"
            " ORDER BY f.rater_id"
        )
    ]


# The sheets held by the return in force for form f (alias h), over its equivalent generations.
_IN_FORCE = (
    "SELECT 1 FROM forms e JOIN returns r ON r.form_id = e.form_id"
    " JOIN return_sheets h ON h.return_id = r.return_id"
    " WHERE e.rater_id = f.rater_id AND e.plan_version = f.plan_version"
    " AND e.digest = f.digest AND r.superseded_by IS NULL"
)


def accepted_returns(conn: sqlite3.Connection) -> int:
    """How many returns are in force (accepted and not superseded)."""
    row = conn.execute("SELECT COUNT(*) FROM returns WHERE superseded_by IS NULL").fetchone()
    return int(row[0])
