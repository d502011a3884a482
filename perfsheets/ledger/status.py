"""What the ledger says about the state of the returns: forms still without an accepted return."""

from __future__ import annotations

import sqlite3


def forms_without_return(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """(form_id, rater_id) of the forms of the latest generation with no accepted return.

    A form counts as returned when one of its returns is in force (not superseded); forms of an
    earlier generation that a later one replaced for the same rater are not outstanding.
    """
    return [
        (form_id, rater_id)
        for form_id, rater_id in conn.execute(
            "SELECT f.form_id, f.rater_id FROM forms f"
            " WHERE f.created_at = (SELECT MAX(g.created_at) FROM forms g"
            "                       WHERE g.rater_id = f.rater_id)"
            " AND NOT EXISTS (SELECT 1 FROM returns r WHERE r.form_id = f.form_id"
            "                 AND r.superseded_by IS NULL)"
            " ORDER BY f.rater_id"
        )
    ]


def accepted_returns(conn: sqlite3.Connection) -> int:
    """How many returns are in force (accepted and not superseded)."""
    row = conn.execute("SELECT COUNT(*) FROM returns WHERE superseded_by IS NULL").fetchone()
    return int(row[0])
