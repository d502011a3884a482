"""A ledger that shows tampering: digests of every return's entries and a hash-chained audit log.

Deleting an entry row, changing a rating or deleting audit rows by hand (a database browser is
enough) must not go unnoticed, since it changes scores. So:

* every return carries ``entries_digest``, the SHA-256 of its entries in a canonical order
  (computed by the SQL aggregate ``entries_digest`` this module registers, so stored and
  recomputed digests come from one definition); consolidation compares them for the returns it
  reads, and ``perfsheets verify`` for all;
* every audit row carries ``chain``, the SHA-256 of the previous row's chain and its own content,
  so a changed or deleted row breaks the chain from there on;
* ``verify`` also checks that each archived return file, and each archived interview-record and
  PIP workbook, and each applied calibration decision file, is there with the SHA-256 recorded
  when it was taken in, and that archive/ holds no file perfsheets did not put there;
* and that each calibration (or appeal) decision still says what its audit entry recorded.

This is evidence, not a lock: someone who can rewrite the whole database can recompute it all.
Rows recorded before the ledger had digests (schema 4 and older) are sealed on upgrade.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path


def _entry_text(value: float | int | None) -> str:
    return "" if value is None else repr(float(value))


class EntriesDigest:
    """SQL aggregate: the SHA-256 of a return's entries, independent of row order."""

    def __init__(self) -> None:
        self.rows: list[str] = []

    def step(self, *row: object) -> None:
        self.rows.append(_row_text(*row))

    def finalize(self) -> str:
        return _digest(self.rows)


def _row_text(*fields: object) -> str:
    """One entry as text: its fields separated by a unit separator (which no id or value holds:
    the cells a return is read from are neutralised of control characters)."""
    ratee, rater, rtype, item, field, num, text = fields
    value = _entry_text(num if isinstance(num, int | float) else None)
    shown = "" if text is None else text
    return f"{ratee}\x1f{rater}\x1f{rtype}\x1f{item}\x1f{field}\x1f{value}\x1f{shown}"


def _digest(rows: list[str]) -> str:
    return hashlib.sha256("\x1e".join(sorted(rows)).encode()).hexdigest()


def changed_in_force(conn: sqlite3.Connection, entries: list[tuple]) -> list[Finding]:
    """The returns among ``entries`` (rows of :func:`perfsheets.ledger.results.accepted_entries`:
    ratee, rater, type, item, field, number, text, return id) whose rows no longer give the
    digest stored when they were accepted: checked by consolidation on what it reads."""
    by_return: dict[int, list[str]] = {}
    for *row, rid in entries:
        by_return.setdefault(rid, []).append(_row_text(*row))
    stored = conn.execute(
        "SELECT return_id, file, entries_digest FROM returns WHERE superseded_by IS NULL"
    ).fetchall()
    return [
        Finding("entries", f"return {rid} ({file})", "entries-changed")
        for rid, file, digest in stored
        if digest and digest != _digest(by_return.get(rid, []))
    ]


ENTRY_COLUMNS = "ratee_id, rater_id, rater_type, item_key, field, value_num, value_text"


def register(conn: sqlite3.Connection) -> None:
    """Make ``entries_digest(...)`` available to this connection's SQL."""
    conn.create_aggregate("entries_digest", 7, EntriesDigest)  # type: ignore[arg-type]


def seal_return(conn: sqlite3.Connection, return_id: int) -> None:
    """Store the digest of a just inserted return's entries."""
    conn.execute(
        f"UPDATE returns SET entries_digest = (SELECT entries_digest({ENTRY_COLUMNS})"
        " FROM entries WHERE return_id = ?) WHERE return_id = ?",
        (return_id, return_id),
    )


def chain_next(previous: str, at: str, actor: str, action: str, subject: str, detail: str) -> str:
    payload = json.dumps([previous, at, actor, action, subject, detail], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def last_chain(conn: sqlite3.Connection) -> str:
    row = conn.execute("SELECT chain FROM audit ORDER BY rowid DESC LIMIT 1").fetchone()
    return str(row[0]) if row else ""


def seal_all(conn: sqlite3.Connection) -> None:
    """Digests and chain for rows recorded before the ledger kept them (upgrade from schema 4)."""
    conn.execute(
        f"UPDATE returns SET entries_digest = COALESCE((SELECT entries_digest({ENTRY_COLUMNS})"
        " FROM entries e WHERE e.return_id = returns.return_id), '') WHERE entries_digest = ''"
    )
    previous = ""
    rows = conn.execute(
        "SELECT rowid, at, actor, action, subject, detail, chain FROM audit ORDER BY rowid"
    ).fetchall()
    for rowid, at, who, action, subject, detail, chain in rows:
        if not chain:
            chain = chain_next(previous, at, who, action, subject, detail or "")
            conn.execute("UPDATE audit SET chain=? WHERE rowid=?", (chain, rowid))
        previous = chain


@dataclass(frozen=True)
class Finding:
    """One thing that does not match: what (a return, the audit log, an archived file), which,
    and how."""

    kind: str  # "entries" | "audit" | "archive" | "decision"
    subject: str
    # entries-changed | audit-chain-broken | archive-missing | archive-changed | archive-unknown
    # | decision-changed | decision-unaudited
    detail: str


def changed_returns(conn: sqlite3.Connection, only_in_force: bool = False) -> list[Finding]:
    """Returns whose entries no longer match the digest stored when they were accepted."""
    where = "WHERE r.superseded_by IS NULL" if only_in_force else ""
    rows = conn.execute(
        f"SELECT r.return_id, r.file, r.entries_digest, d.digest FROM returns r LEFT JOIN"
        f" (SELECT return_id, entries_digest({ENTRY_COLUMNS}) AS digest FROM entries"
        f" GROUP BY return_id) d ON d.return_id = r.return_id {where} ORDER BY r.return_id"
    ).fetchall()
    empty = EntriesDigest().finalize()
    return [
        Finding("entries", f"return {rid} ({file})", "entries-changed")
        for rid, file, stored, now in rows
        if stored and stored != (now or empty)
    ]


def broken_chain(conn: sqlite3.Connection) -> list[Finding]:
    """The first audit row whose chain does not follow from the rows before it."""
    previous = ""
    for rowid, at, who, action, subject, detail, chain in conn.execute(
        "SELECT rowid, at, actor, action, subject, detail, chain FROM audit ORDER BY rowid"
    ):
        if chain != chain_next(previous, at, who, action, subject, detail or ""):
            return [
                Finding(
                    "audit",
                    f"audit row {rowid} ({action})",
                    "audit-chain-broken",
                )
            ]
        previous = chain
    return []


def missing_archives(conn: sqlite3.Connection, root: Path) -> list[Finding]:
    """Accepted returns whose archived file is gone or is not the file that was accepted."""
    out = []
    for rid, file, sha, archived in conn.execute(
        "SELECT return_id, file, sha256, archived FROM returns WHERE archived != ''"
        " ORDER BY return_id"
    ):
        # stored relative to the workspace: archive/<sha256>.xlsx
        detail = _archive_state(root / archived, sha)
        if detail:
            out.append(Finding("archive", f"return {rid} ({file}): {archived}", detail))
    return out


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
        for table in ("returns", "interview_records", "pip_records", "calibration_files")
        for row in conn.execute(f"SELECT DISTINCT archived FROM {table} WHERE archived != ''")
    }


def missing_decision_archives(conn: sqlite3.Connection, root: Path) -> list[Finding]:
    """Applied calibration decision files whose archived copy is gone or is not the file that
    was applied."""
    out = []
    for sha, file, archived in conn.execute(
        "SELECT sha256, file, archived FROM calibration_files WHERE archived != ''"
        " ORDER BY applied_at, sha256"
    ):
        detail = _archive_state(root / archived, sha)
        if detail:
            out.append(Finding("archive", f"calibration file {file}: {archived}", detail))
    return out


# What a decision row must still say, as its audit entry recorded it when it was made.
_DECISION_FIELDS = (
    ("consolidated_grade", "before"),
    ("committee_grade", "after"),
    ("potential", "potential"),
    ("reason", "reason"),
    ("decided_by", "decided_by"),
    ("quota_breach", "quota_breach"),
)


def changed_decisions(conn: sqlite3.Connection) -> list[Finding]:
    """Calibration (and appeal) decisions that differ from their audit entry, or have none: a
    grade changed in the database by hand. The audit log itself is checked by its chain."""
    audited: dict[int, tuple[str, dict]] = {}
    for subject, detail in conn.execute(
        "SELECT subject, detail FROM audit WHERE action='calibration.decide'"
    ):
        entry = json.loads(detail)
        if isinstance(entry.get("decision_id"), int):
            audited[entry["decision_id"]] = (subject, entry)
    columns = ", ".join(column for column, _ in _DECISION_FIELDS)
    out = []
    for decision_id, employee, *values in conn.execute(
        f"SELECT decision_id, employee_id, {columns} FROM calibration_decisions"
        " ORDER BY decision_id"
    ):
        subject = f"calibration decision {decision_id} ({employee})"
        found = audited.get(decision_id)
        if found is None:
            out.append(Finding("decision", subject, "decision-unaudited"))
            continue
        who, entry = found
        blank = {"quota_breach": ""}  # entries from before the column have no key
        expected = [entry.get(key, blank.get(key)) for _, key in _DECISION_FIELDS]
        if who != employee or list(values) != expected:
            out.append(Finding("decision", subject, "decision-changed"))
    return out


def missing_record_archives(conn: sqlite3.Connection, root: Path) -> list[Finding]:
    """Accepted interview-record and PIP workbooks whose archived file is gone or is not the
    file that was accepted (one finding per file, naming the records it holds)."""
    out = []
    for f in archived_record_files(conn):
        ids = ", ".join(map(str, f.records))
        subject = f"{f.kind} record {ids} ({f.file}): {f.archived}"
        detail = _archive_state(root / f.archived, f.sha256)
        if detail:
            out.append(Finding("archive", subject, detail))
    return out


def _archive_state(path: Path, sha256: str) -> str:
    """'' when the file is there with this SHA-256, else how it is not."""
    if not path.is_file():
        return "archive-missing"
    return "" if _sha256(path) == sha256 else "archive-changed"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def unknown_archives(conn: sqlite3.Connection, root: Path) -> list[Finding]:
    """Files under archive/ that no return or record points at and that collect did not put
    there (it names every file by its SHA-256: a valid file whose values were already in force
    is archived before that is known, and is harmless)."""
    folder = root / "archive"
    if not folder.is_dir():
        return []
    known = referenced_archives(conn)
    out = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(root).as_posix()
        if relative in known or path.name.endswith(".tmp"):  # .tmp: a write a kill cut short
            continue
        if path.name != f"{_sha256(path)}.xlsx":
            out.append(Finding("archive", relative, "archive-unknown"))
    return out


def verify(conn: sqlite3.Connection, root: Path) -> list[Finding]:
    """Everything this module can check of the ledger of the workspace at ``root``."""
    return [
        *changed_returns(conn),
        *broken_chain(conn),
        *missing_archives(conn, root),
        *missing_record_archives(conn, root),
        *missing_decision_archives(conn, root),
        *unknown_archives(conn, root),
        *changed_decisions(conn),
    ]


def counts(conn: sqlite3.Connection) -> tuple[int, int, int, int]:
    """(returns, audit rows, archived record workbooks, calibration decisions) in the ledger:
    what verify looked at."""
    (returns,) = conn.execute("SELECT COUNT(*) FROM returns").fetchone()
    (rows,) = conn.execute("SELECT COUNT(*) FROM audit").fetchone()
    (decisions,) = conn.execute("SELECT COUNT(*) FROM calibration_decisions").fetchone()
    return int(returns), int(rows), len(archived_record_files(conn)), int(decisions)
