"""Returned forms in the ledger: the returns, the entries read from them, the problems of each
returned file, and what the return status is computed from.

Collect stores many returns in one run, so writing happens in :func:`batched` transactions
(committed every few hundred files by the caller, a savepoint per file) with a larger page cache;
reads are typed records. Problems are stored as data (code + parameters, :mod:`perfsheets.core.
problems`) with their message rendered in the run's language as a fallback.

The generated forms' records collect checks returns against are read by
:func:`perfsheets.ledger.forms.form_records`.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from perfsheets.core.model import Lang
from perfsheets.core.problems import Problem, params_json, stored_problem
from perfsheets.ledger.integrity import seal_return

# (ratee_id, rater_type, item_key, field, value_num, value_text): one value read from a return
Entry = tuple[str, str, str, str, float | None, str | None]

# --- returns and entries ----------------------------------------------------------------------


@dataclass(frozen=True)
class StoredReturn:
    """A return already in the ledger."""

    return_id: int
    content_hash: str
    file: str
    received_at: str
    superseded_by: int | None
    saved_at: str = ""


@dataclass(frozen=True)
class ReturnSheet:
    """A sheet held by a return: whose file its values come from (``origin``, None for the
    return itself when inserting) and that file's save and arrival times, which order the
    versions of the sheet."""

    sheet: str
    ratee_id: str
    rater_type: str
    origin: int | None
    saved_at: str
    received_at: str

    @property
    def order(self) -> tuple[str, str]:
        return self.saved_at, self.received_at


@dataclass(frozen=True)
class NewReturn:
    """An accepted file to store as a return."""

    form_id: str
    rater_id: str
    file: str
    sha256: str
    content_hash: str
    archived: str  # path under the workspace ("archive/ab/ab....xlsx"), "" when not archived
    received_at: str
    saved_at: str = ""


def known_files(conn: sqlite3.Connection) -> dict[str, tuple[int, str]]:
    """SHA-256 of every stored file -> (its first return id, form id): bytes not to read again."""
    rows = conn.execute("SELECT sha256, MIN(return_id), form_id FROM returns GROUP BY sha256")
    return {sha: (int(return_id), form_id) for sha, return_id, form_id in rows}


def returns_of(conn: sqlite3.Connection, form_ids: Sequence[str]) -> list[StoredReturn]:
    """The returns of these forms (one form and its equivalent earlier generations), oldest
    first."""
    marks = ",".join("?" * len(form_ids))
    rows = conn.execute(
        "SELECT return_id, content_hash, file, received_at, superseded_by FROM returns "
        f"WHERE form_id IN ({marks}) ORDER BY return_id",
        tuple(form_ids),
    )
    return [StoredReturn(*row) for row in rows]


def in_force(conn: sqlite3.Connection, form_ids: Sequence[str]) -> StoredReturn | None:
    """The return in force for these forms (one form and its equivalent generations)."""
    marks = ",".join("?" * len(form_ids))
    row = conn.execute(
        "SELECT return_id, content_hash, file, received_at, superseded_by, saved_at FROM returns"
        f" WHERE form_id IN ({marks}) AND superseded_by IS NULL ORDER BY return_id DESC LIMIT 1",
        tuple(form_ids),
    ).fetchone()
    return StoredReturn(*row) if row else None


def return_sheets(conn: sqlite3.Connection, return_id: int) -> list[ReturnSheet]:
    """The sheets a return holds, with where their values come from."""
    rows = conn.execute(
        "SELECT sheet, ratee_id, rater_type, origin, saved_at, received_at FROM return_sheets"
        " WHERE return_id=? ORDER BY rowid",
        (return_id,),
    )
    return [ReturnSheet(*row) for row in rows]


def return_entries(conn: sqlite3.Connection, return_id: int) -> list[Entry]:
    """The entries of one return, as collect reads them from a file."""
    rows = conn.execute(
        "SELECT ratee_id, rater_type, item_key, field, value_num, value_text FROM entries"
        " WHERE return_id=? ORDER BY rowid",
        (return_id,),
    )
    return [tuple(row) for row in rows]


def insert_return(
    conn: sqlite3.Connection,
    new: NewReturn,
    entries: Iterable[Entry],
    sheets: Iterable[ReturnSheet] = (),
) -> int:
    """Store an accepted return, its entries and the sheets it holds (origin None: its own);
    its return id."""
    cur = conn.execute(
        "INSERT INTO returns (form_id, file, sha256, content_hash, archived, received_at,"
        " saved_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            new.form_id,
            new.file,
            new.sha256,
            new.content_hash,
            new.archived,
            new.received_at,
            new.saved_at,
        ),
    )
    return_id = cur.lastrowid
    assert return_id is not None  # an INSERT always sets it
    conn.executemany(
        "INSERT INTO return_sheets (return_id, sheet, ratee_id, rater_type, origin, saved_at,"
        " received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (return_id, s.sheet, s.ratee_id, s.rater_type, s.origin or return_id, *s.order)
            for s in sheets
        ],
    )
    rater = new.rater_id
    conn.executemany(
        "INSERT INTO entries (return_id, ratee_id, rater_id, rater_type, item_key, field, "
        "value_num, value_text) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(return_id, e[0], rater, e[1], e[2], e[3], e[4], e[5]) for e in entries],
    )
    seal_return(conn, return_id)
    return return_id


def supersede(conn: sqlite3.Connection, old_id: int, new_id: int) -> None:
    """Mark return ``old_id`` as replaced by ``new_id`` (nothing is deleted)."""
    conn.execute("UPDATE returns SET superseded_by=? WHERE return_id=?", (new_id, old_id))


def current_entries(
    conn: sqlite3.Connection,
) -> list[tuple[str, str, str, str, str, float | None, str | None, int]]:
    """(ratee, rater, rater type, item key, field, number, text, return id) of every entry of
    the returns that count: accepted and not superseded. The return in force of a form holds
    the values in force of every sheet (carried forward from earlier returns where a later file
    corrected other sheets only), so this is exactly the entries in force."""
    return conn.execute(
        "SELECT e.ratee_id, e.rater_id, e.rater_type, e.item_key, e.field, e.value_num,"
        " e.value_text, e.return_id FROM entries e JOIN returns r ON r.return_id = e.return_id"
        " WHERE r.superseded_by IS NULL"
    ).fetchall()


# --- problems of each returned file -----------------------------------------------------------


@dataclass(frozen=True)
class FileIdentity:
    """Whom a checked file's problems are about (None when the file could not be identified)."""

    file: str
    form_id: str | None
    rater_id: str | None


def replace_problems(
    conn: sqlite3.Connection,
    who: FileIdentity,
    problems: Sequence[Problem],
    *,
    run_at: str,
    lang: Lang,
) -> None:
    """The file's problems of its latest check replace those of earlier checks."""
    conn.execute("DELETE FROM problems WHERE file=?", (who.file,))
    if not problems:
        return
    conn.executemany(
        "INSERT INTO problems (file, sheet, cell, severity, code, message, form_id, rater_id, "
        "run_at, params_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                p.file,
                p.sheet,
                p.cell,
                p.severity,
                p.code,
                p.message(lang),
                who.form_id,
                who.rater_id,
                run_at,
                params_json(p),
            )
            for p in problems
        ],
    )


def file_problems(conn: sqlite3.Connection, file: str) -> list[Problem]:
    """The problems stored for a file by its latest check, ready to show in any language."""
    rows = conn.execute(
        "SELECT code, severity, file, sheet, cell, message, params_json FROM problems "
        "WHERE file=? ORDER BY rowid",
        (file,),
    )
    return [
        stored_problem(code, severity, (f, sheet, cell), message, params)
        for code, severity, f, sheet, cell, message, params in rows
    ]


# --- rejected files and sheets ---------------------------------------------------------------


@dataclass(frozen=True)
class Rejection:
    """A rejected file (sheet '') or sheet of its latest check, outstanding until corrected."""

    file: str
    sheet: str  # as generated; '' = the whole file
    file_sheet: str
    form_id: str | None
    rater_id: str | None
    saved_at: str
    since: str  # the first check that rejected this file

    @property
    def order(self) -> tuple[str, str]:
        """Compared with :attr:`ReturnSheet.order`: which of two versions the rater saved last."""
        return self.saved_at, self.since


def replace_rejections(
    conn: sqlite3.Connection,
    who: FileIdentity,
    sheets: Sequence[tuple[str, str]],
    *,
    saved_at: str,
    checked_at: str,
) -> None:
    """The rejected (sheet, sheet in the file) pairs of a file's latest check replace those of
    its earlier checks; ('', '') rejects the whole file. A file rejected again keeps the time
    it was first rejected."""
    rows = [(sheet, found, who.form_id, who.rater_id, saved_at) for sheet, found in sheets]
    columns = ("sheet", "file_sheet", "form_id", "rater_id", "saved_at")
    replace_file_rejections(conn, "rejections", who.file, columns, rows, checked_at)


def replace_file_rejections(
    conn: sqlite3.Connection,
    table: str,
    file: str,
    columns: Sequence[str],
    rows: Sequence[tuple[object, ...]],
    checked_at: str,
) -> None:
    """Rows of ``columns`` (besides file, since, checked_at) replace the file's rows in a
    rejections ``table`` (rejections, record_rejections), keeping when it was first rejected."""
    (since,) = conn.execute(f"SELECT MIN(since) FROM {table} WHERE file=?", (file,)).fetchone()
    conn.execute(f"DELETE FROM {table} WHERE file=?", (file,))
    names = ", ".join(("file", *columns, "since", "checked_at"))
    marks = ", ".join("?" * (len(columns) + 3))
    conn.executemany(
        f"INSERT INTO {table} ({names}) VALUES ({marks})",
        [(file, *row, since or checked_at, checked_at) for row in rows],
    )


def rejections(conn: sqlite3.Connection) -> list[Rejection]:
    """Every rejection of the files' latest checks."""
    rows = conn.execute(
        "SELECT file, sheet, file_sheet, form_id, rater_id, saved_at, since FROM rejections"
        " ORDER BY since, file, sheet"
    )
    return [Rejection(*row) for row in rows]


@dataclass(frozen=True)
class SheetInForce:
    """A sheet's values in force: the form whose return holds them, and the file they are from."""

    form_id: str
    sheet: str
    file: str
    saved_at: str
    received_at: str

    @property
    def order(self) -> tuple[str, str]:
        return self.saved_at, self.received_at


def sheets_in_force(conn: sqlite3.Connection) -> list[SheetInForce]:
    """Every sheet held by a return in force."""
    rows = conn.execute(
        "SELECT r.form_id, s.sheet, o.file, s.saved_at, s.received_at FROM returns r"
        " JOIN return_sheets s ON s.return_id = r.return_id"
        " JOIN returns o ON o.return_id = s.origin WHERE r.superseded_by IS NULL"
    )
    return [SheetInForce(*row) for row in rows]


def problems_by_file(conn: sqlite3.Connection, files: Iterable[str]) -> dict[str, list[Problem]]:
    """The stored errors of these files, by file."""
    wanted = set(files)
    found: dict[str, list[Problem]] = defaultdict(list)
    for code, severity, f, sheet, cell, message, params in conn.execute(
        "SELECT code, severity, file, sheet, cell, message, params_json FROM problems"
        " WHERE severity='error' ORDER BY rowid"
    ):
        if f in wanted:
            found[f].append(stored_problem(code, severity, (f, sheet, cell), message, params))
    return found


def form_created(conn: sqlite3.Connection) -> dict[str, str]:
    """Form id -> when it was generated."""
    return dict(conn.execute("SELECT form_id, created_at FROM forms"))


# --- storing many returns ---------------------------------------------------------------------


class Batch:
    """Explicit transactions for storing many files: :meth:`commit` ends one batch and begins
    the next; :meth:`file` makes one file's writes all-or-nothing inside the batch."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def commit(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.execute("BEGIN IMMEDIATE")

    @contextmanager
    def file(self) -> Iterator[None]:
        self.conn.execute("SAVEPOINT file")
        try:
            yield
            self.conn.execute("RELEASE file")
        except BaseException:
            self.conn.execute("ROLLBACK TO file")
            self.conn.execute("RELEASE file")
            raise


@contextmanager
def batched(conn: sqlite3.Connection) -> Iterator[Batch]:
    """The connection set up for storing many returns, inside a first transaction committed at
    the end. On an exception nothing is committed here: the ledger's context rolls the open
    batch back, so a killed run keeps what was committed before."""
    conn.isolation_level = None  # explicit transactions: one per batch, a savepoint per file
    conn.execute("PRAGMA synchronous=NORMAL")  # WAL stays consistent; commits stay cheap
    # Index pages of entries stay in memory (a cap, allocated as needed): half the system time
    # of storing 10,000 returns.
    conn.execute("PRAGMA cache_size=-262144")
    conn.execute("BEGIN IMMEDIATE")
    yield Batch(conn)
    conn.execute("COMMIT")
