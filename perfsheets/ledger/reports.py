"""The PDFs the report stage wrote, in the ledger: the only SQL about them (table report_files,
schema version 11).

The report stage records each employee report and manager pack it writes (:func:`record_files`),
the latest per person and kind; the mail stage reads them (:func:`report_files`) rather than
working out the report stage's file names, and tells a PDF that no longer shows the released
results by comparing :func:`results_digests` of the results then and now.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Literal, NamedTuple

from perfsheets.core.results import EmployeeResult

FileKind = Literal["report", "pack"]


class ReportFile(NamedTuple):
    """A row of report_files."""

    kind: FileKind
    person_id: str  # the employee (report) or the manager (pack)
    run_id: int
    file: str  # relative to reports/, with "/" separators
    sha256: str
    results_digest: str
    lang: str
    written_at: str


def results_digests(results: Sequence[EmployeeResult]) -> dict[str, str]:
    """employee id -> a digest of their result as stored (codes and numbers, with calibration
    decisions applied): equal digests, equal report contents (names aside)."""
    return {
        r.employee_id: hashlib.sha256(r.model_dump_json().encode()).hexdigest() for r in results
    }


def team_digest(manager_id: str, members: dict[str, str]) -> str:
    """The digest of a manager's pack: their team's result digests (``members``: id -> digest)."""
    text = "\n".join([manager_id, *(f"{k}={v}" for k, v in sorted(members.items()))])
    return hashlib.sha256(text.encode()).hexdigest()


def record_files(conn: sqlite3.Connection, files: Iterable[ReportFile]) -> None:
    """Store what a report run wrote; a person's earlier row of the same kind is replaced."""
    conn.executemany(
        "INSERT OR REPLACE INTO report_files (kind, person_id, run_id, file, sha256,"
        " results_digest, lang, written_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        list(files),
    )


def report_files(conn: sqlite3.Connection, kind: FileKind | None = None) -> list[ReportFile]:
    """The latest PDF of each person (of ``kind``, or both kinds), by kind and person id."""
    sql = "SELECT * FROM report_files"
    args: tuple[str, ...] = ()
    if kind is not None:
        sql, args = sql + " WHERE kind=?", (kind,)
    rows = conn.execute(sql + " ORDER BY kind, person_id", args)
    return [ReportFile(*row) for row in rows]
