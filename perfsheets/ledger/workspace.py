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

LEDGER_NAME = "ledger.sqlite"
SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

-- Every plan version frozen when forms were generated or results computed.
CREATE TABLE IF NOT EXISTS plan_versions (
    version     INTEGER PRIMARY KEY,
    digest      TEXT NOT NULL UNIQUE,
    plan_json   TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- One row per generated workbook (one rater).
CREATE TABLE IF NOT EXISTS forms (
    form_id      TEXT PRIMARY KEY,
    plan_version INTEGER NOT NULL REFERENCES plan_versions(version),
    rater_id     TEXT NOT NULL,
    file         TEXT NOT NULL,
    digest       TEXT NOT NULL,          -- SHA-256 of the locked content of all sheets
    created_at   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS forms_rater ON forms(rater_id);

-- One row per assessment sheet of a form: who is rated, as what, and the locked values the
-- sheet was generated with (JSON {item_key: {field: value}}) to detect edits on return.
CREATE TABLE IF NOT EXISTS form_sheets (
    form_id     TEXT NOT NULL REFERENCES forms(form_id),
    sheet       TEXT NOT NULL,
    ratee_id    TEXT NOT NULL,
    rater_type  TEXT NOT NULL,
    locked_json TEXT NOT NULL,
    PRIMARY KEY (form_id, sheet)
);

-- One row per accepted return file. A corrected file supersedes the earlier return of the same
-- form (superseded_by set), nothing is deleted.
CREATE TABLE IF NOT EXISTS returns (
    return_id     INTEGER PRIMARY KEY AUTOINCREMENT,
    form_id       TEXT NOT NULL REFERENCES forms(form_id),
    file          TEXT NOT NULL,          -- name as received
    sha256        TEXT NOT NULL,
    content_hash  TEXT NOT NULL,          -- hash of the entries, to ignore identical re-sends
    archived      TEXT NOT NULL,          -- path under archive/
    received_at   TEXT NOT NULL,
    superseded_by INTEGER REFERENCES returns(return_id)
);
CREATE INDEX IF NOT EXISTS returns_form ON returns(form_id);

-- The values read from a return: one row per input cell that had a value.
-- field: 'actual' | 'rating' | 'comment'; item_key as written at generation.
CREATE TABLE IF NOT EXISTS entries (
    return_id  INTEGER NOT NULL REFERENCES returns(return_id),
    ratee_id   TEXT NOT NULL,
    rater_id   TEXT NOT NULL,
    rater_type TEXT NOT NULL,
    item_key   TEXT NOT NULL,
    field      TEXT NOT NULL,
    value_num  REAL,
    value_text TEXT
);
CREATE INDEX IF NOT EXISTS entries_return ON entries(return_id);
CREATE INDEX IF NOT EXISTS entries_ratee ON entries(ratee_id);

-- Problems of the latest collect run for each file (replaced per file on every run).
CREATE TABLE IF NOT EXISTS problems (
    file     TEXT NOT NULL,
    sheet    TEXT NOT NULL,
    cell     TEXT NOT NULL,
    severity TEXT NOT NULL,
    code     TEXT NOT NULL,
    message  TEXT NOT NULL,
    form_id  TEXT,
    rater_id TEXT,
    run_at   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS problems_file ON problems(file);

-- Actual values imported from business systems (win over typed ones).
CREATE TABLE IF NOT EXISTS imported_actuals (
    employee_id TEXT NOT NULL,
    kpi_code    TEXT NOT NULL,
    value       REAL NOT NULL,
    source      TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    PRIMARY KEY (employee_id, kpi_code)
);

-- Approved target changes during the cycle (the latest per employee and KPI counts).
CREATE TABLE IF NOT EXISTS target_changes (
    change_id   INTEGER PRIMARY KEY AUTOINCREMENT,
    employee_id TEXT NOT NULL,
    kpi_code    TEXT NOT NULL,
    old_target  REAL,
    new_target  REAL NOT NULL,
    reason      TEXT NOT NULL,
    approved_by TEXT NOT NULL,
    changed_at  TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS appeals (
    appeal_id   INTEGER PRIMARY KEY AUTOINCREMENT,
    employee_id TEXT NOT NULL,
    reason      TEXT NOT NULL,
    opened_at   TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'open',   -- open | upheld | rejected
    outcome     TEXT,
    note        TEXT,
    decided_by  TEXT,
    decided_at  TEXT
);

-- Consolidated results, one row per employee per consolidation run (latest run counts).
CREATE TABLE IF NOT EXISTS results (
    run_id      INTEGER NOT NULL,
    employee_id TEXT NOT NULL,
    total_score REAL,
    grade       TEXT,
    complete    INTEGER NOT NULL,
    detail_json TEXT NOT NULL,
    PRIMARY KEY (run_id, employee_id)
);
CREATE TABLE IF NOT EXISTS runs (
    run_id       INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL,
    plan_version INTEGER,
    started_at   TEXT NOT NULL,
    summary_json TEXT
);

-- Who did what, when and why. Append-only.
CREATE TABLE IF NOT EXISTS audit (
    audit_id INTEGER PRIMARY KEY AUTOINCREMENT,
    at       TEXT NOT NULL,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    subject  TEXT NOT NULL,
    detail   TEXT NOT NULL
);
"""

SUBDIRS = ("forms", "returns", "results", "reports", "archive")


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
        for name in ("plan.yaml", "plan.yml", "plan.xlsx"):
            if (self.root / name).exists():
                return self.root / name
        raise PerfsheetsError(f"{self.root}: no plan.yaml or plan.xlsx in this workspace")

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
        conn = sqlite3.connect(self.ledger_path, timeout=30)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA foreign_keys=ON")
            _migrate(conn)
            yield conn
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            conn.close()


def _migrate(conn: sqlite3.Connection) -> None:
    conn.executescript(SCHEMA)
    row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    if row is None:
        conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
    elif int(row[0]) > SCHEMA_VERSION:
        raise PerfsheetsError(
            f"ledger schema {row[0]} is newer than this perfsheets ({SCHEMA_VERSION}): upgrade"
        )


def audit(conn: sqlite3.Connection, action: str, subject: str, **detail: object) -> None:
    """Append an audit entry (inside the caller's transaction)."""
    conn.execute(
        "INSERT INTO audit (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
        (now(), actor(), action, subject, json.dumps(detail, ensure_ascii=False, default=str)),
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
    audit(conn, "plan.freeze", f"plan v{cur.lastrowid}", digest=digest)
    return int(cur.lastrowid)


def latest_plan_version(conn: sqlite3.Connection) -> int | None:
    row = conn.execute("SELECT MAX(version) FROM plan_versions").fetchone()
    return None if row is None or row[0] is None else int(row[0])
