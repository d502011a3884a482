"""The cycle workspace: its folders and the SQLite ledger, the single source of truth of a cycle.

Layout of a workspace folder::

    plan.yaml        the plan HR edits (or plan.xlsx)
    forms/           generated assessment workbooks + index.csv
    returns/         where returned workbooks are dropped
    results/         validation.csv/.xlsx, scores.csv, results.xlsx
    reports/         PDF reports
    archive/         accepted returns, stored by SHA-256 (never deleted)
    ledger.sqlite    what was sent, what came back, what was computed, and every change

Files are views of the ledger. Every write to the ledger happens in a transaction, so a killed
run leaves it consistent. Stages own their tables' *content*; the schema is declared here so a
newcomer sees the whole ledger in one place.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import hashlib
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from perfsheets.core.problems import PerfsheetsError
from perfsheets.files.workspace import SUBDIRS, plan_file
from perfsheets.ledger import integrity
from perfsheets.ledger.schema import migrate

LEDGER_NAME = "ledger.sqlite"
# How long a command waits for a ledger another program holds (another collect, a database
# browser with a write open) before saying so.
LOCK_WAIT_SECONDS = 10.0


def now() -> str:
    return dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds")


def actor() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in some containers
        return "unknown"


@dataclass(frozen=True)
class Workspace:
    """Paths of a cycle workspace."""

    root: Path

    @property
    def ledger_path(self) -> Path:
        return self.root / LEDGER_NAME

    @property
    def forms(self) -> Path:
        return self.root / "forms"

    @property
    def returns(self) -> Path:
        return self.root / "returns"

    @property
    def results(self) -> Path:
        return self.root / "results"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    def plan_path(self) -> Path:
        """The plan file of the workspace: plan.yaml, else plan.xlsx."""
        return plan_file(self.root)

    def create(self) -> Workspace:
        self.root.mkdir(parents=True, exist_ok=True)
        for sub in SUBDIRS:
            (self.root / sub).mkdir(exist_ok=True)
        with self.ledger() as db:
            db.execute("SELECT 1")
        return self

    @contextmanager
    def ledger(self) -> Iterator[sqlite3.Connection]:
        """An open ledger connection; commits on success, rolls back on error."""
        if not self.root.is_dir():
            raise PerfsheetsError(f"{self.root}: not a workspace folder (run 'perfsheets init')")
        conn = sqlite3.connect(self.ledger_path, timeout=LOCK_WAIT_SECONDS)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            integrity.register(conn)
            migrate(conn)
            conn.execute("PRAGMA foreign_keys=ON")
            yield conn
            conn.commit()
        except sqlite3.OperationalError as exc:
            _rollback(conn)
            if "locked" in str(exc) or "busy" in str(exc):
                raise PerfsheetsError(
                    f"{self.ledger_path}: the ledger is in use by another program"
                    f" (waited {LOCK_WAIT_SECONDS:g} s); close it and try again"
                ) from None
            raise
        except sqlite3.DatabaseError as exc:
            _rollback(conn)
            if not _unreadable(exc):  # a constraint or a bug: not the file's fault
                raise
            raise PerfsheetsError(
                f"{self.ledger_path}: the ledger cannot be read ({exc}); restore it from a backup"
            ) from None
        except BaseException:
            _rollback(conn)
            raise
        finally:
            conn.close()


def _unreadable(exc: sqlite3.DatabaseError) -> bool:
    """The file is no database, or a damaged one (not a refused row or a wrong statement)."""
    text = str(exc)
    return type(exc) is sqlite3.DatabaseError or "malformed" in text or "not a database" in text


def _rollback(conn: sqlite3.Connection) -> None:
    # A connection to a file that is no database cannot even roll back.
    with contextlib.suppress(sqlite3.Error):
        conn.rollback()


def audit(conn: sqlite3.Connection, action: str, subject: str, **detail: object) -> None:
    """Append an audit entry (inside the caller's transaction)."""
    at, who = now(), actor()
    text = json.dumps(detail, ensure_ascii=False, default=str)
    chain = integrity.chain_next(integrity.last_chain(conn), at, who, action, subject, text)
    conn.execute(
        "INSERT INTO audit (at, actor, action, subject, detail, chain) VALUES (?, ?, ?, ?, ?, ?)",
        (at, who, action, subject, text, chain),
    )


def freeze_plan(conn: sqlite3.Connection, plan_json: str) -> int:
    """Store this plan version (once per distinct content) and return its version number."""
    digest = hashlib.sha256(plan_json.encode()).hexdigest()
    row = conn.execute("SELECT version FROM plan_versions WHERE digest=?", (digest,)).fetchone()
    if row:
        return int(row[0])
    cur = conn.execute(
        "INSERT INTO plan_versions (digest, plan_json, created_at) VALUES (?, ?, ?)",
        (digest, plan_json, now()),
    )
    version = int(cur.lastrowid or 0)
    audit(conn, "plan.freeze", f"plan v{version}", digest=digest)
    return version


def latest_plan_version(conn: sqlite3.Connection) -> int | None:
    row = conn.execute("SELECT MAX(version) FROM plan_versions").fetchone()
    return None if row is None or row[0] is None else int(row[0])
