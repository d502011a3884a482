"""Mail in the ledger: messages sent (forms, reminders, reports, packs and the passwords that
open them), attachments fetched, bounces.

The only module with SQL for mail. Callers commit after each :func:`record_message` so that what
the SMTP server accepted is on disk before the next message goes out.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, Literal, NamedTuple

# remind_record: a reminder to a manager of their rejected interview-record or PIP workbook
Kind = Literal["send", "remind", "pack", "report", "password", "remind_record"]
Status = Literal["sent", "refused"]


class SentMessage(NamedTuple):
    """A row of mail_messages."""

    message_id: str
    rater_id: str
    form_id: str
    form_sha256: str
    kind: Kind
    recipients: str
    sent_at: str
    status: Status
    reply: str = ""
    encrypted: bool = False  # pack / report: the PDF went encrypted, its password separately
    unlocks: str = ""  # password: the Message-ID of the message whose PDF it opens


def _message(row: tuple[Any, ...]) -> SentMessage:
    return SentMessage._make((*row[:9], bool(row[9]), row[10]))


class FetchedAttachment(NamedTuple):
    """A row of mail_fetched."""

    sha256: str
    message_id: str
    sender: str
    file: str
    saved: str
    fetched_at: str


class Bounce(NamedTuple):
    """A row of mail_bounces: one of our messages that came back undelivered."""

    message_id: str
    rater_id: str
    address: str
    status: str
    permanent: bool
    diagnostic: str
    received_at: str


def record_message(conn: sqlite3.Connection, message: SentMessage) -> None:
    conn.execute(
        "INSERT INTO mail_messages (message_id, rater_id, form_id, form_sha256, kind, recipients,"
        " sent_at, status, reply, encrypted, unlocks) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (*message[:9], int(message.encrypted), message.unlocks),
    )


def form_sent(conn: sqlite3.Connection, rater_id: str, form_id: str) -> bool:
    """Whether the server accepted this form for its rater (asked per rater: a send of tens
    of thousands keeps nothing per message in memory)."""
    row = conn.execute(
        "SELECT 1 FROM mail_messages WHERE rater_id=? AND kind='send' AND form_id=?"
        " AND status='sent' LIMIT 1",
        (rater_id, form_id),
    ).fetchone()
    return row is not None


def reminder_times(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """The times of the reminders accepted for each rater, oldest first."""
    times: dict[str, list[str]] = defaultdict(list)
    for rater, _, at in _reminders(conn, "remind"):
        times[rater].append(at)
    return dict(times)


def record_reminder_times(conn: sqlite3.Connection) -> dict[tuple[str, str], list[str]]:
    """(manager, record form id) -> the times of the reminders accepted of that workbook,
    oldest first (a manager's interview records and PIPs are chased apart)."""
    times: dict[tuple[str, str], list[str]] = defaultdict(list)
    for manager, form, at in _reminders(conn, "remind_record"):
        times[(manager, form)].append(at)
    return dict(times)


def _reminders(conn: sqlite3.Connection, kind: Kind) -> Iterable[tuple[str, str, str]]:
    return conn.execute(
        "SELECT rater_id, form_id, sent_at FROM mail_messages WHERE kind=? AND status='sent'"
        " ORDER BY sent_at",
        (kind,),
    )


def refused_messages(conn: sqlite3.Connection) -> list[SentMessage]:
    """Messages the server refused, and not accepted since for the same rater and kind."""
    rows = conn.execute(
        "SELECT * FROM mail_messages m WHERE status='refused' AND NOT EXISTS ("
        " SELECT 1 FROM mail_messages n WHERE n.rater_id = m.rater_id AND n.kind = m.kind"
        " AND n.status = 'sent' AND n.sent_at >= m.sent_at) ORDER BY rater_id, sent_at"
    )
    return [_message(row) for row in rows]


def messages(conn: sqlite3.Connection) -> list[SentMessage]:
    return [_message(row) for row in conn.execute("SELECT * FROM mail_messages ORDER BY rowid")]


def document_sent(
    conn: sqlite3.Connection, person_id: str, kind: Kind, version: str
) -> SentMessage | None:
    """The latest message the server accepted with this version (the PDF's SHA-256) of a
    person's pack or report, None when there is none."""
    row = conn.execute(
        "SELECT * FROM mail_messages WHERE rater_id=? AND kind=? AND form_id=? AND status='sent'"
        " ORDER BY sent_at DESC, rowid DESC LIMIT 1",
        (person_id, kind, version),
    ).fetchone()
    return _message(row) if row else None


def password_sent(conn: sqlite3.Connection, message_id: str) -> bool:
    """Whether the password that opens the PDF of ``message_id`` was accepted by the server."""
    row = conn.execute(
        "SELECT 1 FROM mail_messages WHERE kind='password' AND unlocks=? AND status='sent' LIMIT 1",
        (message_id,),
    ).fetchone()
    return row is not None


def message_bounced(conn: sqlite3.Connection, message_id: str) -> bool:
    """Whether this message came back for good (a permanent bounce is on record)."""
    row = conn.execute(
        "SELECT 1 FROM mail_bounces WHERE message_id=? AND permanent=1 LIMIT 1", (message_id,)
    ).fetchone()
    return row is not None


def fetched_hashes(conn: sqlite3.Connection, hashes: Iterable[str]) -> set[str]:
    """Which of these attachment hashes were fetched before."""
    wanted = list(hashes)
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(f"SELECT sha256 FROM mail_fetched WHERE sha256 IN ({marks})", chunk)
        found.update(r for (r,) in rows)
    return found


def record_fetched(conn: sqlite3.Connection, attachment: FetchedAttachment) -> None:
    conn.execute(
        "INSERT INTO mail_fetched (sha256, message_id, sender, file, saved, fetched_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        attachment,
    )


def fetched(conn: sqlite3.Connection) -> list[FetchedAttachment]:
    rows = conn.execute("SELECT * FROM mail_fetched ORDER BY rowid")
    return [FetchedAttachment(*row) for row in rows]


def sent_message(conn: sqlite3.Connection, message_id: str) -> SentMessage | None:
    """Our message with this Message-ID (None: not one we sent)."""
    row = conn.execute("SELECT * FROM mail_messages WHERE message_id=?", (message_id,)).fetchone()
    return _message(row) if row else None


def record_bounce(conn: sqlite3.Connection, bounce: Bounce) -> bool:
    """Store a bounce; False when it was stored before (the same report fetched again)."""
    cur = conn.execute(
        "INSERT OR IGNORE INTO mail_bounces (message_id, rater_id, address, status, permanent,"
        " diagnostic, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (*bounce[:4], int(bounce.permanent), *bounce[5:]),
    )
    return cur.rowcount > 0


def bounced_addresses(conn: sqlite3.Connection) -> dict[tuple[str, str], Bounce]:
    """(rater id, address in lower case) -> the latest permanent bounce of that address (an
    address that bounced for good is not written to again)."""
    found: dict[tuple[str, str], Bounce] = {}
    for row in conn.execute("SELECT * FROM mail_bounces WHERE permanent=1 ORDER BY received_at"):
        b = _bounce(row)
        found[(b.rater_id, b.address.lower())] = b
    return found


def bounces(conn: sqlite3.Connection) -> list[Bounce]:
    rows = conn.execute("SELECT * FROM mail_bounces ORDER BY received_at, rater_id")
    return [_bounce(r) for r in rows]


def bounced_forms(conn: sqlite3.Connection) -> list[tuple[Bounce, str]]:
    """Permanent bounces of form messages, with the form id each message carried."""
    rows = conn.execute(
        "SELECT b.*, m.form_id FROM mail_bounces b JOIN mail_messages m USING (message_id)"
        " WHERE b.permanent=1 AND m.kind='send'"
    )
    return [(_bounce(r), r[7]) for r in rows]


def _bounce(row: tuple[Any, ...]) -> Bounce:
    return Bounce(row[0], row[1], row[2], row[3], bool(row[4]), row[5], row[6])
