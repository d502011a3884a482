"""The ledger's schema and its numbered migrations.

``MIGRATIONS[n - 1]`` takes a ledger from version ``n - 1`` to ``n``; the version is kept in
``meta.schema_version``. Opening a ledger runs every migration it has not had yet, each in one
transaction, so a workspace made by an older perfsheets is upgraded in place. A migration is never
edited once released: change the schema by appending one.
"""

from __future__ import annotations

import sqlite3

from perfsheets.core.problems import PerfsheetsError
from perfsheets.ledger import integrity

# Version 1: the ledger as perfsheets 0.1 wrote it (every statement idempotent, because version-1
# ledgers were created by running this script on every open).
_V1 = """
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

_V2 = """
-- Version 2: foreign keys and CHECK constraints where the schema implies them. SQLite cannot add
-- a constraint to a table, so each table is rebuilt and its rows copied.
CREATE TABLE forms_v2 (
    form_id      TEXT PRIMARY KEY,
    plan_version INTEGER NOT NULL REFERENCES plan_versions(version),
    rater_id     TEXT NOT NULL,
    file         TEXT NOT NULL,
    digest       TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
INSERT INTO forms_v2 SELECT form_id, plan_version, rater_id, file, digest, created_at FROM forms;
CREATE TABLE form_sheets_v2 (
    form_id     TEXT NOT NULL REFERENCES forms(form_id),
    sheet       TEXT NOT NULL,
    ratee_id    TEXT NOT NULL,
    rater_type  TEXT NOT NULL,
    locked_json TEXT NOT NULL,
    PRIMARY KEY (form_id, sheet)
);
INSERT INTO form_sheets_v2 SELECT form_id, sheet, ratee_id, rater_type, locked_json FROM form_sheets;
CREATE TABLE returns_v2 (
    return_id     INTEGER PRIMARY KEY AUTOINCREMENT,
    form_id       TEXT NOT NULL REFERENCES forms(form_id),
    file          TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    archived      TEXT NOT NULL,
    received_at   TEXT NOT NULL,
    superseded_by INTEGER REFERENCES returns(return_id),
    CHECK (superseded_by IS NULL OR superseded_by <> return_id)
);
INSERT INTO returns_v2 SELECT return_id, form_id, file, sha256, content_hash, archived,
    received_at, superseded_by FROM returns;
CREATE TABLE entries_v2 (
    return_id  INTEGER NOT NULL REFERENCES returns(return_id),
    ratee_id   TEXT NOT NULL,
    rater_id   TEXT NOT NULL,
    rater_type TEXT NOT NULL,
    item_key   TEXT NOT NULL,
    field      TEXT NOT NULL,
    value_num  REAL,
    value_text TEXT
);
INSERT INTO entries_v2 SELECT return_id, ratee_id, rater_id, rater_type, item_key, field,
    value_num, value_text FROM entries;
CREATE TABLE problems_v2 (
    file     TEXT NOT NULL,
    sheet    TEXT NOT NULL,
    cell     TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('error', 'warning')),
    code     TEXT NOT NULL,
    message  TEXT NOT NULL,
    form_id  TEXT,
    rater_id TEXT,
    run_at   TEXT NOT NULL
);
INSERT INTO problems_v2 SELECT file, sheet, cell, severity, code, message, form_id, rater_id,
    run_at FROM problems;
CREATE TABLE appeals_v2 (
    appeal_id   INTEGER PRIMARY KEY AUTOINCREMENT,
    employee_id TEXT NOT NULL,
    reason      TEXT NOT NULL,
    opened_at   TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'upheld', 'rejected')),
    outcome     TEXT,
    note        TEXT,
    decided_by  TEXT,
    decided_at  TEXT
);
INSERT INTO appeals_v2 SELECT appeal_id, employee_id, reason, opened_at, status, outcome, note,
    decided_by, decided_at FROM appeals;
CREATE TABLE runs_v2 (
    run_id       INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL,
    plan_version INTEGER REFERENCES plan_versions(version),
    started_at   TEXT NOT NULL,
    summary_json TEXT
);
INSERT INTO runs_v2 SELECT run_id, kind, plan_version, started_at, summary_json FROM runs;
CREATE TABLE results_v2 (
    run_id      INTEGER NOT NULL REFERENCES runs(run_id),
    employee_id TEXT NOT NULL,
    total_score REAL,
    grade       TEXT,
    complete    INTEGER NOT NULL CHECK (complete IN (0, 1)),
    detail_json TEXT NOT NULL,
    PRIMARY KEY (run_id, employee_id)
);
INSERT INTO results_v2 SELECT run_id, employee_id, total_score, grade, complete, detail_json
    FROM results;
CREATE TABLE target_changes_v2 (
    change_id   INTEGER PRIMARY KEY AUTOINCREMENT,
    employee_id TEXT NOT NULL,
    kpi_code    TEXT NOT NULL,
    old_target  REAL,
    new_target  REAL NOT NULL,
    reason      TEXT NOT NULL,
    approved_by TEXT NOT NULL,
    changed_at  TEXT NOT NULL
);
INSERT INTO target_changes_v2 SELECT change_id, employee_id, kpi_code, old_target, new_target,
    reason, approved_by, changed_at FROM target_changes;
DROP TABLE entries; DROP TABLE returns; DROP TABLE form_sheets; DROP TABLE forms;
DROP TABLE problems; DROP TABLE appeals; DROP TABLE results; DROP TABLE runs;
DROP TABLE target_changes;
ALTER TABLE forms_v2 RENAME TO forms;
ALTER TABLE form_sheets_v2 RENAME TO form_sheets;
ALTER TABLE returns_v2 RENAME TO returns;
ALTER TABLE entries_v2 RENAME TO entries;
ALTER TABLE problems_v2 RENAME TO problems;
ALTER TABLE appeals_v2 RENAME TO appeals;
ALTER TABLE runs_v2 RENAME TO runs;
ALTER TABLE results_v2 RENAME TO results;
ALTER TABLE target_changes_v2 RENAME TO target_changes;
CREATE INDEX forms_rater ON forms(rater_id);
CREATE INDEX returns_form ON returns(form_id);
CREATE INDEX entries_return ON entries(return_id);
CREATE INDEX entries_ratee ON entries(ratee_id);
CREATE INDEX problems_file ON problems(file);
CREATE INDEX target_changes_kpi ON target_changes(employee_id, kpi_code);
CREATE INDEX results_run ON results(run_id);
"""

_V3 = """
-- Version 3: problems are data. A problem keeps its code and parameters (JSON) and is rendered
-- in the language of whoever reads it; rows stored before keep only their rendered message.
ALTER TABLE problems ADD COLUMN params_json TEXT;
"""

_V4 = """
-- Version 4: a return is accepted sheet by sheet, in the order the rater saved the files.
-- returns.saved_at is the workbook's own modified time (docProps/core.xml, '' when absent).
-- Exactly one return per form is in force (superseded_by NULL) and its entries are the values in
-- force for every sheet: a file that corrects some sheets carries the others' entries forward
-- from the return they came from (return_sheets.origin), so readers of returns/entries need no
-- change. Earlier returns keep their own sheets (origin = themselves).
ALTER TABLE returns ADD COLUMN saved_at TEXT NOT NULL DEFAULT '';
CREATE TABLE return_sheets (
    return_id   INTEGER NOT NULL REFERENCES returns(return_id),
    sheet       TEXT NOT NULL,            -- as generated
    ratee_id    TEXT NOT NULL,
    rater_type  TEXT NOT NULL,
    origin      INTEGER NOT NULL REFERENCES returns(return_id),  -- whose file the values are from
    saved_at    TEXT NOT NULL,            -- of the origin: the order of versions of this sheet
    received_at TEXT NOT NULL,            -- of the origin
    PRIMARY KEY (return_id, sheet)
);
INSERT INTO return_sheets SELECT r.return_id, s.sheet, s.ratee_id, s.rater_type, r.return_id,
    '', r.received_at FROM returns r JOIN form_sheets s ON s.form_id = r.form_id;
-- Rejected files and sheets of each file's latest check (sheet '' = the whole file), kept until
-- the file is checked again; since = the first check that rejected this file. form_id and
-- rater_id are set only for files identified as a form of this workspace.
CREATE TABLE rejections (
    file       TEXT NOT NULL,
    sheet      TEXT NOT NULL,             -- as generated; '' for the whole file
    file_sheet TEXT NOT NULL,             -- its name in the file (a renamed sheet)
    form_id    TEXT REFERENCES forms(form_id),
    rater_id   TEXT,
    saved_at   TEXT NOT NULL,
    since      TEXT NOT NULL,
    checked_at TEXT NOT NULL,
    PRIMARY KEY (file, sheet)
);
CREATE INDEX rejections_rater ON rejections(rater_id);
"""

# v5: tamper evidence (perfsheets.ledger.integrity) — a digest of each return's entries and a
# hash chain over the audit log; rows of older ledgers are sealed by migrate().
_V5 = """
ALTER TABLE returns ADD COLUMN entries_digest TEXT NOT NULL DEFAULT '';
ALTER TABLE audit ADD COLUMN chain TEXT NOT NULL DEFAULT '';
"""

# v6: mail (perfsheets.ledger.mail)
_MAIL = """
-- Mail (perfsheets.ledger.mail): every message the SMTP server was given, recorded right after it
-- answered, so a run cut off half-way resumes without sending anyone twice; and every attachment
-- fetched from the mailbox, by SHA-256, so none is saved twice.
CREATE TABLE mail_messages (
    message_id  TEXT PRIMARY KEY,
    rater_id    TEXT NOT NULL,
    form_id     TEXT NOT NULL,
    form_sha256 TEXT NOT NULL,            -- of the attached file as sent
    kind        TEXT NOT NULL CHECK (kind IN ('send', 'remind')),
    recipients  TEXT NOT NULL,            -- To and Cc, comma separated
    sent_at     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('sent', 'refused')),
    reply       TEXT NOT NULL DEFAULT ''  -- the server's answer to a refused recipient
);
CREATE INDEX mail_messages_rater ON mail_messages(rater_id, kind);
CREATE TABLE mail_fetched (
    sha256      TEXT PRIMARY KEY,
    message_id  TEXT NOT NULL,            -- of the message it came with
    sender      TEXT NOT NULL,
    file        TEXT NOT NULL,            -- the attachment's name in the message
    saved       TEXT NOT NULL,            -- its name under returns/
    fetched_at  TEXT NOT NULL
);
"""

# v7: calibration
_CALIBRATION = """
-- Version 7: the calibration meeting's decisions and the release of results.
-- A calibration workbook as written: book_id is the digest in its _meta sheet; locked_json the
-- locked cells it was written with (JSON {employee_id: [name, total, grade]}) to detect edits.
CREATE TABLE calibration_books (
    book_id     TEXT PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES runs(run_id),
    lang        TEXT NOT NULL,
    file        TEXT NOT NULL,
    locked_json TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
-- Every decision file applied (by SHA-256, so re-applying one is a no-op).
CREATE TABLE calibration_files (
    sha256     TEXT PRIMARY KEY,
    book_id    TEXT NOT NULL REFERENCES calibration_books(book_id),
    file       TEXT NOT NULL,
    applied_at TEXT NOT NULL,
    applied_by TEXT NOT NULL,
    decisions  INTEGER NOT NULL
);
-- The committee's decisions; a later file's decision for a person supersedes the earlier one
-- (superseded_by set), nothing is deleted. committee_grade NULL: potential only.
CREATE TABLE calibration_decisions (
    decision_id        INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id             INTEGER NOT NULL REFERENCES runs(run_id),
    employee_id        TEXT NOT NULL,
    consolidated_grade TEXT,
    committee_grade    TEXT,
    potential          TEXT,
    reason             TEXT NOT NULL,
    decided_by         TEXT NOT NULL,
    decided_at         TEXT NOT NULL,
    source_sha256      TEXT NOT NULL,
    quota_breach       TEXT NOT NULL DEFAULT '',  -- quota exceeded as the plan allows: which
    superseded_by      INTEGER REFERENCES calibration_decisions(decision_id)
);
CREATE INDEX calibration_decisions_employee ON calibration_decisions(employee_id);
-- Releases of the cycle's results; a reopened release keeps who reopened it and why.
CREATE TABLE releases (
    release_id    INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id        INTEGER REFERENCES runs(run_id),
    released_at   TEXT NOT NULL,
    released_by   TEXT NOT NULL,
    reopened_at   TEXT,
    reopened_by   TEXT,
    reopen_reason TEXT
);
"""

# Bounces: delivery status notifications fetched from the mailbox, by the message they are about.
_BOUNCES = """
-- A returned message (a DSN, RFC 3464): which of our messages, to which address, and why.
-- permanent: a 5.x.x status (the address is wrong); a 4.x.x one is a delay the server retries.
CREATE TABLE mail_bounces (
    message_id  TEXT NOT NULL,            -- Message-ID of our message that bounced
    rater_id    TEXT NOT NULL,
    address     TEXT NOT NULL,
    status      TEXT NOT NULL,            -- e.g. 5.1.1
    permanent   INTEGER NOT NULL CHECK (permanent IN (0, 1)),
    diagnostic  TEXT NOT NULL DEFAULT '',
    received_at TEXT NOT NULL,
    PRIMARY KEY (message_id, address)
);
CREATE INDEX mail_bounces_rater ON mail_bounces(rater_id);
"""

# v9: interview records (perfsheets.ledger.interviews)
_INTERVIEWS = """
-- Version 9: interview records (结果确认 / 面谈记录). One workbook per manager (interview_forms),
-- one sheet per employee with a result (interview_sheets, with the locked values it was written
-- with: name, grade, score ...), and every accepted record read back (interview_records): the
-- latest one per employee is in force (superseded_by NULL); nothing is deleted. A record whose
-- employee disagrees opens an appeal (appeal_id).
CREATE TABLE interview_forms (
    form_id      TEXT PRIMARY KEY,
    run_id       INTEGER NOT NULL REFERENCES runs(run_id),
    plan_version INTEGER NOT NULL REFERENCES plan_versions(version),
    manager_id   TEXT NOT NULL,
    file         TEXT NOT NULL,
    digest       TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX interview_forms_manager ON interview_forms(manager_id);
CREATE TABLE interview_sheets (
    form_id     TEXT NOT NULL REFERENCES interview_forms(form_id),
    sheet       TEXT NOT NULL,
    employee_id TEXT NOT NULL,
    locked_json TEXT NOT NULL,
    PRIMARY KEY (form_id, sheet)
);
CREATE INDEX interview_sheets_employee ON interview_sheets(employee_id);
CREATE TABLE interview_records (
    record_id      INTEGER PRIMARY KEY AUTOINCREMENT,
    form_id        TEXT NOT NULL REFERENCES interview_forms(form_id),
    employee_id    TEXT NOT NULL,
    file           TEXT NOT NULL,
    sheet          TEXT NOT NULL,
    sha256         TEXT NOT NULL,
    archived       TEXT NOT NULL,
    saved_at       TEXT NOT NULL,
    received_at    TEXT NOT NULL,
    content_hash   TEXT NOT NULL,
    interview_date TEXT,
    view           TEXT CHECK (view IS NULL OR view IN ('agree', 'disagree')),
    confirmed      INTEGER NOT NULL CHECK (confirmed IN (0, 1)),
    values_json    TEXT NOT NULL,
    appeal_id      INTEGER REFERENCES appeals(appeal_id),
    superseded_by  INTEGER REFERENCES interview_records(record_id),
    CHECK (superseded_by IS NULL OR superseded_by <> record_id)
);
CREATE INDEX interview_records_employee ON interview_records(employee_id);
"""

# v10: performance improvement plans (perfsheets.ledger.pips)
_PIPS = """
-- Version 10: performance improvement plans (绩效改进计划). One workbook per manager (pip_forms),
-- one sheet per employee whose final grade requires a PIP (pip_sheets: its dates, the checkpoint
-- dates and the locked values it was written with), and every accepted return of a sheet
-- (pip_records, the checkpoints' results): the latest per employee is in force (superseded_by
-- NULL); nothing is deleted.
CREATE TABLE pip_forms (
    form_id      TEXT PRIMARY KEY,
    run_id       INTEGER NOT NULL REFERENCES runs(run_id),
    plan_version INTEGER NOT NULL REFERENCES plan_versions(version),
    manager_id   TEXT NOT NULL,
    file         TEXT NOT NULL,
    digest       TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE TABLE pip_sheets (
    form_id     TEXT NOT NULL REFERENCES pip_forms(form_id),
    sheet       TEXT NOT NULL,
    employee_id TEXT NOT NULL,
    grade       TEXT NOT NULL,
    start_date  TEXT NOT NULL,
    end_date    TEXT NOT NULL,
    checkpoints TEXT NOT NULL,
    locked_json TEXT NOT NULL,
    CHECK (end_date >= start_date),
    PRIMARY KEY (form_id, sheet)
);
CREATE INDEX pip_sheets_employee ON pip_sheets(employee_id);
CREATE TABLE pip_records (
    record_id     INTEGER PRIMARY KEY AUTOINCREMENT,
    form_id       TEXT NOT NULL REFERENCES pip_forms(form_id),
    employee_id   TEXT NOT NULL,
    file          TEXT NOT NULL,
    sheet         TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    archived      TEXT NOT NULL,
    saved_at      TEXT NOT NULL,
    received_at   TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    results       TEXT NOT NULL,
    values_json   TEXT NOT NULL,
    superseded_by INTEGER REFERENCES pip_records(record_id),
    CHECK (superseded_by IS NULL OR superseded_by <> record_id)
);
CREATE INDEX pip_records_employee ON pip_records(employee_id);
"""


def _messages_table(name: str, kinds: str) -> str:
    """mail_messages as rebuilt from v11 on (v11 and v15 differ only in the kinds allowed)."""
    return f"""CREATE TABLE {name} (
    message_id  TEXT PRIMARY KEY,
    rater_id    TEXT NOT NULL,            -- the rater, manager or employee written to
    form_id     TEXT NOT NULL,
    form_sha256 TEXT NOT NULL,
    kind        TEXT NOT NULL
                CHECK (kind IN ({kinds})),
    recipients  TEXT NOT NULL,
    sent_at     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('sent', 'refused')),
    reply       TEXT NOT NULL DEFAULT '',
    encrypted   INTEGER NOT NULL DEFAULT 0 CHECK (encrypted IN (0, 1)),
    unlocks     TEXT NOT NULL DEFAULT ''
);
"""


# v11: reports by mail (perfsheets.ledger.mail, perfsheets.ledger.reports)
_MAIL_REPORTS = (
    """
-- Version 11: reports and manager packs by mail. mail_messages is rebuilt (SQLite cannot change
-- a CHECK): kind gains 'pack', 'report' and 'password'; for those form_id holds the SHA-256 of
-- the PDF in reports/ that was sent (the version), form_sha256 the attachment as sent (an
-- encrypted PDF differs from the file; '' for a password message); encrypted says the PDF was
-- encrypted; unlocks is, for a password message, the Message-ID of the message it opens.
-- A password itself is never stored, not even hashed: what was sent is known from the row.
"""
    + _messages_table("mail_messages_v11", "'send', 'remind', 'pack', 'report', 'password'")
    + """INSERT INTO mail_messages_v11 (message_id, rater_id, form_id, form_sha256, kind, recipients,
    sent_at, status, reply)
    SELECT message_id, rater_id, form_id, form_sha256, kind, recipients, sent_at, status, reply
    FROM mail_messages;
DROP TABLE mail_messages;
ALTER TABLE mail_messages_v11 RENAME TO mail_messages;
CREATE INDEX mail_messages_rater ON mail_messages(rater_id, kind);
CREATE INDEX mail_messages_unlocks ON mail_messages(unlocks) WHERE unlocks <> '';
-- The PDFs the report stage wrote, the latest per person and kind: the file under reports/,
-- its SHA-256, the consolidation run and a digest of the results it shows (to tell a report
-- that no longer matches the released results), and its language.
CREATE TABLE report_files (
    kind           TEXT NOT NULL CHECK (kind IN ('report', 'pack')),
    person_id      TEXT NOT NULL,         -- the employee (report) or the manager (pack)
    run_id         INTEGER NOT NULL REFERENCES runs(run_id),
    file           TEXT NOT NULL,         -- relative to reports/
    sha256         TEXT NOT NULL,
    results_digest TEXT NOT NULL,
    lang           TEXT NOT NULL,
    written_at     TEXT NOT NULL,
    PRIMARY KEY (kind, person_id)
);
"""
)

# Version 12: an upheld appeal changes a grade through the committee's decision record; the
# decision keeps which appeal it came from (NULL: a calibration workbook's decision).
_APPEAL_DECISIONS = """
ALTER TABLE calibration_decisions ADD COLUMN appeal_id INTEGER REFERENCES appeals(appeal_id);
"""

# v13: rejected record files (perfsheets.ledger.records)
_RECORD_REJECTIONS = """
-- Version 13: the rejected interview-record and PIP workbooks (or sheets of them) of each file's
-- latest check, kept apart from assessment rejections (their forms are record forms, and the
-- rater is the manager who wrote the record), so the send-back list names the manager and
-- what to fix until a later version is accepted.
CREATE TABLE record_rejections (
    file       TEXT NOT NULL,
    sheet      TEXT NOT NULL,             -- as written; '' for the whole file
    kind       TEXT NOT NULL CHECK (kind IN ('interview', 'pip')),
    form_id    TEXT NOT NULL,             -- interview_forms or pip_forms, by kind
    manager_id TEXT NOT NULL,             -- '' for the workbook HR fills
    saved_at   TEXT NOT NULL,
    since      TEXT NOT NULL,
    checked_at TEXT NOT NULL,
    PRIMARY KEY (file, sheet)
);
"""

# Version 14: each applied calibration decision file is archived (archive/calibration/), so
# verify can tell the file the decisions came from is still the one applied.
_CALIBRATION_ARCHIVE = """
ALTER TABLE calibration_files ADD COLUMN archived TEXT NOT NULL DEFAULT '';
"""

# v15: reminders of rejected record files (perfsheets.mail.send)
_RECORD_REMINDERS = (
    """
-- Version 15: mail_messages is rebuilt (SQLite cannot change a CHECK): kind gains
-- 'remind_record', a reminder to a manager of a rejected interview-record or PIP workbook; its
-- form_id is the record form's, so its cadence is counted per manager and workbook, apart from
-- the assessment reminders of the same person.
"""
    + _messages_table(
        "mail_messages_v15",
        "'send', 'remind', 'pack', 'report', 'password', 'remind_record'",
    )
    + """INSERT INTO mail_messages_v15 SELECT * FROM mail_messages;
DROP TABLE mail_messages;
ALTER TABLE mail_messages_v15 RENAME TO mail_messages;
CREATE INDEX mail_messages_rater ON mail_messages(rater_id, kind);
CREATE INDEX mail_messages_unlocks ON mail_messages(unlocks) WHERE unlocks <> '';
"""
)

MIGRATIONS: tuple[str, ...] = (
    _V1,
    _V2,
    _V3,
    _V4,
    _V5,
    _MAIL,
    _CALIBRATION,
    _BOUNCES,
    _INTERVIEWS,
    _PIPS,
    _MAIL_REPORTS,
    _APPEAL_DECISIONS,
    _RECORD_REJECTIONS,
    _CALIBRATION_ARCHIVE,
    _RECORD_REMINDERS,
)
SEALED_FROM = 5  # the first schema whose rows carry digests
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    """The version of an open ledger (0 for a new, empty database)."""
    has_meta = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'"
    ).fetchone()
    if not has_meta:
        return 0
    row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    return int(row[0]) if row else 0


def migrate(conn: sqlite3.Connection) -> None:
    """Bring the ledger up to :data:`SCHEMA_VERSION` (foreign keys must be off meanwhile)."""
    version = schema_version(conn)
    if version > SCHEMA_VERSION:
        raise PerfsheetsError(
            f"ledger schema {version} is newer than this perfsheets ({SCHEMA_VERSION}): upgrade"
        )
    if version == SCHEMA_VERSION:
        return
    conn.execute("PRAGMA foreign_keys=OFF")  # tables are rebuilt; no-op inside a transaction
    # executescript commits first; a migration and its version bump are one transaction. A new
    # ledger gets every migration in one transaction: one commit instead of one per version.
    steps = (
        [range(1, SCHEMA_VERSION + 1)]
        if version == 0
        else [[n] for n in range(version + 1, SCHEMA_VERSION + 1)]
    )
    for numbers in steps:
        script = "\n".join(MIGRATIONS[n - 1] for n in numbers)
        last = numbers[-1]
        conn.executescript(
            f"BEGIN;\n{script}\nINSERT OR REPLACE INTO meta VALUES ('schema_version', '{last}');"
            "\nCOMMIT;"
        )
    if version < SEALED_FROM <= SCHEMA_VERSION:
        with conn:
            integrity.seal_all(conn)
    problems = conn.execute("PRAGMA foreign_key_check").fetchall()
    if problems:
        raise PerfsheetsError(f"ledger: {len(problems)} row(s) break a foreign key after upgrade")
