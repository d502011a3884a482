"""``perfsheets fetch``: save the returns that arrived by mail into returns/.

Reads the folder and search of the settings over IMAP (stdlib imaplib). Sends the RFC 2971 ID
command when the server advertises it: NetEase and some enterprise servers refuse SELECT
without it. Each .xlsx / .zip attachment is saved once (by SHA-256, across runs) under a name
that keeps the sender and the time; every message looked at is then marked processed (\\Seen,
or moved to a folder), so the next fetch does not look at it again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email
import hashlib
import imaplib
import sqlite3
import ssl
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path

from perfsheets.core.cells import file_part
from perfsheets.files.atomic import atomic_write
from perfsheets.ledger.mail import (
    Bounce,
    FetchedAttachment,
    fetched_hashes,
    record_bounce,
    record_fetched,
    sent_message,
)
from perfsheets.ledger.workspace import Workspace, audit, now
from perfsheets.mail.bounce import BounceReport, read_bounce
from perfsheets.mail.settings import MailError, MailSettings, load_settings
from perfsheets.mail.smtp import bad_login, tls_context, unreachable
from perfsheets.plan.io import load_plan

RETURN_SUFFIXES = (".xlsx", ".zip")
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@dataclass
class Attachment:
    sender: str
    file: str  # name in the message
    saved: str = ""  # name under returns/ ('' when not saved)
    reason: str = ""  # why not saved: duplicate | not-a-return


@dataclass
class Bounced:
    """One of our messages that came back: to whom, which rater, why."""

    rater_id: str
    address: str
    status: str
    permanent: bool
    diagnostic: str
    kind: str  # of the message that bounced: send | remind


@dataclass
class FetchResult:
    messages: int = 0
    bounces: list[Bounced] = field(default_factory=list)
    unmatched_bounces: int = 0  # reports about messages perfsheets did not send
    saved: list[Attachment] = field(default_factory=list)
    duplicates: list[Attachment] = field(default_factory=list)
    ignored: list[Attachment] = field(default_factory=list)  # not .xlsx / .zip
    without_attachment: list[str] = field(default_factory=list)  # senders
    seconds: float = 0.0

    @property
    def paths(self) -> list[str]:
        return [a.saved for a in self.saved]


def imap_date(day: dt.date) -> str:
    """A date as IMAP SEARCH writes it (01-Jan-2026), whatever the locale."""
    return f"{day.day:02d}-{_MONTHS[day.month - 1]}-{day.year}"


def fetch_returns(workspace: str | Path, *, settings: MailSettings | None = None) -> FetchResult:
    """Save new return attachments of the mailbox into returns/ and mark their messages."""
    started = time.perf_counter()
    ws = Workspace(Path(workspace))
    settings = settings or load_settings(ws.root)
    plan = load_plan(ws.plan_path())
    from perfsheets.mail.send import password_of

    box = settings.imap
    criteria = box.search.format(since=imap_date(plan.cycle.start))
    result = FetchResult()
    client = _connect(settings, password_of(settings), ws.root)
    try:
        _select(client, box.folder)
        typ, data = client.uid("SEARCH", criteria)
        if typ != "OK":
            raise MailError(
                f"IMAP 搜索条件 {criteria!r} 无效：{data}", f"bad IMAP search {criteria!r}: {data}"
            )
        uids = [u.decode() for u in data[0].split()] if data and data[0] else []
        with ws.ledger() as conn:
            for uid in uids:
                _one_message(conn, client, uid, ws, result)
                _mark(client, uid, settings)
                conn.commit()  # each message's attachments on record before it is marked
                result.messages += 1
            if box.processed == "move":
                client.expunge()
            audit(
                conn,
                "mail.fetch",
                box.folder,
                messages=result.messages,
                saved=[a.saved for a in result.saved],
                duplicates=len(result.duplicates),
                ignored=len(result.ignored),
                bounces=[b.rater_id for b in result.bounces],
            )
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):  # the server already went away
            client.logout()
    result.seconds = time.perf_counter() - started
    return result


def _connect(settings: MailSettings, password: str, root: Path) -> imaplib.IMAP4:
    box = settings.imap
    host = box.host or settings.host
    try:
        if box.security == "ssl":
            client: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                host, box.port, ssl_context=tls_context(settings, root), timeout=settings.timeout
            )
        else:
            client = imaplib.IMAP4(host, box.port, timeout=settings.timeout)
            if box.security == "starttls":
                client.starttls(ssl_context=tls_context(settings, root))
    except (OSError, ssl.SSLError, imaplib.IMAP4.error) as exc:
        raise unreachable(host, box.port, exc) from None
    try:
        if password.isascii():
            client.login(settings.user, password)
        else:  # LOGIN takes ASCII only; AUTHENTICATE PLAIN carries UTF-8
            secret = f"\0{settings.user}\0{password}".encode()
            client.authenticate("PLAIN", lambda _challenge: secret)
    except imaplib.IMAP4.error:
        raise bad_login(settings.user, host) from None
    if "ID" in client.capabilities:
        _send_id(client)
    return client


def _send_id(client: imaplib.IMAP4) -> None:
    """RFC 2971 ID: who we are (some servers refuse SELECT until they are told)."""
    imaplib.Commands.setdefault("ID", ("NONAUTH", "AUTH", "SELECTED"))
    typ, _ = client._simple_command("ID", '("name" "perfsheets" "vendor" "perfsheets")')
    client._untagged_response(typ, [None], "ID")


def _select(client: imaplib.IMAP4, folder: str) -> None:
    typ, data = client.select(_quoted(folder))
    if typ != "OK":
        raise MailError(
            f"邮箱中没有文件夹 {folder}：{data}", f"no folder {folder} in the mailbox: {data}"
        )


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _one_message(
    conn: sqlite3.Connection, client: imaplib.IMAP4, uid: str, ws: Workspace, result: FetchResult
) -> None:
    typ, data = client.uid("FETCH", uid, "(BODY.PEEK[])")
    raw = next((part[1] for part in data if isinstance(part, tuple)), None)
    if typ != "OK" or raw is None:
        return
    msg = email.message_from_bytes(raw, policy=default_policy)
    assert isinstance(msg, EmailMessage)
    sender = parseaddr(str(msg.get("From", "")))[1] or "unknown"
    message_id = str(msg.get("Message-ID", "")) or f"uid:{uid}"
    when = _sent_time(msg)
    report = read_bounce(msg)
    if report is not None:  # it carries our own form back: never a return
        _bounce(conn, report, result)
        return
    parts = [p for p in msg.iter_attachments() if p.get_filename()]
    if not parts:
        result.without_attachment.append(sender)
        return
    for part in parts:
        name = Path(str(part.get_filename())).name
        payload = part.get_payload(decode=True)
        data_bytes = payload if isinstance(payload, bytes) else b""
        item = Attachment(sender, name)
        if not name.lower().endswith(RETURN_SUFFIXES):
            item.reason = "not-a-return"
            result.ignored.append(item)
            continue
        digest = hashlib.sha256(data_bytes).hexdigest()
        if fetched_hashes(conn, [digest]):
            item.reason = "duplicate"
            result.duplicates.append(item)
            continue
        item.saved = _save(ws.returns, sender, when, name, data_bytes)
        record_fetched(conn, FetchedAttachment(digest, message_id, sender, name, item.saved, now()))
        result.saved.append(item)


def _bounce(conn: sqlite3.Connection, report: BounceReport, result: FetchResult) -> None:
    sent = sent_message(conn, report.original_id) if report.original_id else None
    if sent is None:
        result.unmatched_bounces += 1
        return
    for failure in report.failures:
        bounce = Bounce(
            sent.message_id,
            sent.rater_id,
            failure.address,
            failure.status,
            failure.permanent,
            failure.diagnostic,
            now(),
        )
        if record_bounce(conn, bounce):
            result.bounces.append(
                Bounced(
                    sent.rater_id,
                    failure.address,
                    failure.status,
                    failure.permanent,
                    failure.diagnostic,
                    sent.kind,
                )
            )


def _sent_time(msg: EmailMessage) -> dt.datetime:
    try:
        return parsedate_to_datetime(str(msg["Date"]))
    except (TypeError, ValueError):
        return dt.datetime.now(dt.UTC)


def _save(folder: Path, sender: str, when: dt.datetime, name: str, data: bytes) -> str:
    """Save under ``<time>_<sender>_<name>``, never over an existing file."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{when.strftime('%Y%m%d-%H%M%S')}_{file_part(sender, 80)}_{file_part(name, 120)}"
    target = folder / stem
    count = 1
    while target.exists():
        count += 1
        base, dot, suffix = stem.rpartition(".")
        target = folder / f"{base}-{count}{dot}{suffix}"
    atomic_write(target, lambda tmp: tmp.write_bytes(data))
    return target.name


def _mark(client: imaplib.IMAP4, uid: str, settings: MailSettings) -> None:
    box = settings.imap
    if box.processed == "move":
        client.create(_quoted(box.processed_folder))  # NO when it exists: fine
        client.uid("COPY", uid, _quoted(box.processed_folder))
        client.uid("STORE", uid, "+FLAGS", "(\\Seen \\Deleted)")
    else:
        client.uid("STORE", uid, "+FLAGS", "(\\Seen)")
