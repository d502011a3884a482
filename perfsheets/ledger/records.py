"""What the ledger keeps of rejected record workbooks (interview records, PIPs): per file, the
sheets (or the whole file) its latest check rejected, with the record form and the manager who
wrote it, until a later version is accepted. The records themselves are in
:mod:`perfsheets.ledger.interviews` and :mod:`perfsheets.ledger.pips`; their archived files are
checked by :mod:`perfsheets.ledger.integrity`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from perfsheets.ledger.returns import Rejection, replace_file_rejections


@dataclass(frozen=True)
class RecordRejection(Rejection):
    """A rejected record workbook (sheet '') or sheet of it, of the file's latest check; its
    rater is the manager who wrote it ('' for the workbook HR fills), its sheet in the file the
    sheet as written."""

    kind: str = "interview"  # or pip


def replace_record_rejections(
    conn: sqlite3.Connection,
    rejected: RecordRejection,
    sheets: Sequence[str],
    *,
    checked_at: str,
) -> None:
    """The rejected sheets ('' = the whole file) of a record file's latest check replace those
    of its earlier checks; ``rejected`` gives the file, kind, form, manager and save time. A
    file rejected again keeps the time it was first rejected."""
    r = rejected
    rows = [(sheet, r.kind, r.form_id, r.rater_id or "", r.saved_at) for sheet in sheets]
    columns = ("sheet", "kind", "form_id", "manager_id", "saved_at")
    replace_file_rejections(conn, "record_rejections", r.file, columns, rows, checked_at)


def record_rejections(conn: sqlite3.Connection) -> list[RecordRejection]:
    """Every rejection of the record files' latest checks, oldest first."""
    rows = conn.execute(
        "SELECT file, sheet, sheet, form_id, manager_id, saved_at, since, kind"
        " FROM record_rejections ORDER BY since, file, sheet"
    )
    return [RecordRejection(*row) for row in rows]
