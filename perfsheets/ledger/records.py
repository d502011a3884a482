"""What the ledger keeps of rejected record workbooks (interview records, PIPs): per file, the
sheets (or the whole file) its latest check rejected, with the record form and the manager who
wrote it, until a later version is accepted. The records themselves are in
:mod:`perfsheets.ledger.interviews` and :mod:`perfsheets.ledger.pips`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class RecordRejection:
    """A rejected record workbook (sheet '') or sheet of it, of the file's latest check."""

    file: str
    sheet: str  # as written; '' = the whole file
    kind: str  # interview | pip
    form_id: str
    manager_id: str
    saved_at: str
    since: str  # the first check that rejected this file

    @property
    def order(self) -> tuple[str, str]:
        """Compared with a record's (saved, received): which version was saved last."""
        return self.saved_at, self.since


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
    (since,) = conn.execute(
        "SELECT MIN(since) FROM record_rejections WHERE file=?", (rejected.file,)
    ).fetchone()
    conn.execute("DELETE FROM record_rejections WHERE file=?", (rejected.file,))
    conn.executemany(
        "INSERT INTO record_rejections (file, sheet, kind, form_id, manager_id, saved_at, since,"
        " checked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                rejected.file,
                sheet,
                rejected.kind,
                rejected.form_id,
                rejected.manager_id,
                rejected.saved_at,
                since or checked_at,
                checked_at,
            )
            for sheet in sheets
        ],
    )


def record_rejections(conn: sqlite3.Connection) -> list[RecordRejection]:
    """Every rejection of the record files' latest checks, oldest first."""
    rows = conn.execute(
        "SELECT file, sheet, kind, form_id, manager_id, saved_at, since FROM record_rejections"
        " ORDER BY since, file, sheet"
    )
    return [RecordRejection(*row) for row in rows]


@dataclass(frozen=True)
class ArchivedRecordFile:
    """An accepted record workbook as archived (several records share one file)."""

    kind: str  # interview | pip
    file: str
    sha256: str
    archived: str  # relative to the workspace
    records: tuple[int, ...]


def archived_record_files(conn: sqlite3.Connection) -> list[ArchivedRecordFile]:
    """Every archived interview-record and PIP workbook with the SHA-256 recorded at collect."""
    found: dict[tuple[str, str, str], list[tuple[str, int]]] = {}
    for kind, table in (("interview", "interview_records"), ("pip", "pip_records")):
        for rid, file, sha, archived in conn.execute(
            f"SELECT record_id, file, sha256, archived FROM {table} WHERE archived != ''"
            " ORDER BY record_id"
        ):
            found.setdefault((kind, archived, sha), []).append((file, int(rid)))
    return [
        ArchivedRecordFile(kind, rows[0][0], sha, archived, tuple(r for _f, r in rows))
        for (kind, archived, sha), rows in found.items()
    ]


def referenced_archives(conn: sqlite3.Connection) -> set[str]:
    """Every archived path (relative to the workspace) a return or a record points at."""
    return {
        row[0]
        for table in ("returns", "interview_records", "pip_records")
        for row in conn.execute(f"SELECT DISTINCT archived FROM {table} WHERE archived != ''")
    }
