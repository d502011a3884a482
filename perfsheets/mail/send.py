"""``perfsheets send`` and ``perfsheets remind``: who gets a message, and sending it.

send: one message per row of forms/index.csv whose form the server has not accepted yet (a new
generation of a rater's form is sent again); ``only`` resends to chosen raters. remind: to the
raters the caller says are still outstanding (the CLI reads that from collect's status), at
most ``reminders.max`` times, ``reminders.min_days`` apart, the last one copied to the manager;
and, at the same cadence counted per workbook, to the managers whose interview-record or PIP
workbook was rejected, that workbook (interviews/ or pips/) re-attached with what to fix.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Literal, Protocol

from perfsheets.core.model import Lang, Plan
from perfsheets.files.atomic import atomic_write
from perfsheets.ledger.mail import (
    Kind,
    bounced_addresses,
    bounced_forms,
    form_sent,
    record_reminder_times,
    reminder_times,
)
from perfsheets.ledger.workspace import Workspace, audit
from perfsheets.mail.compose import Composer, IndexRow, Outgoing, read_index
from perfsheets.mail.settings import MailError, MailSettings, load_settings
from perfsheets.mail.smtp import Refused, deliver
from perfsheets.plan.io import load_plan

Progress = Callable[[int, int], None]


@dataclass
class Unaddressed:
    """A rater without an e-mail address: nothing could be sent."""

    rater_id: str
    name: str


@dataclass
class BouncedRater:
    """A rater whose address bounced for good: not written to again until the roster has
    another address for them (then their form goes to the new one)."""

    rater_id: str
    name: str
    address: str
    status: str
    diagnostic: str


@dataclass
class Outstanding:
    """A rater still to chase and why (from collect's status)."""

    rater_id: str
    state: Literal["rejected", "missing"]
    file: str = ""  # the rejected file
    fixes: list[str] = field(default_factory=list)


@dataclass
class RecordOutstanding:
    """A manager's rejected interview-record or PIP workbook still to correct, and why."""

    manager_id: str
    kind: Literal["interview", "pip"]
    file: str  # the rejected return
    fixes: list[str] = field(default_factory=list)


RECORD_FOLDERS = {"interview": "interviews", "pip": "pips"}  # where each kind's workbooks are


class SendBackItem(Protocol):
    """An entry of collect's send-back list (what ``remind`` needs of it)."""

    rater_id: str
    state: Literal["rejected", "missing"]
    file: str
    fixes: list[str]
    kind: str  # assessment | interview | pip


def outstanding_of(send_back: Iterable[SendBackItem]) -> list[Outstanding]:
    """Whom to remind of assessment forms, one entry per rater, from collect's send-back list: a
    rater with a rejected file is reminded of it (the first one) with every fix, else of the
    missing form. (Record workbooks: :func:`record_outstanding_of`.)"""
    chase: dict[str, Outstanding] = {}
    for item in send_back:
        if item.kind != "assessment":
            continue
        entry = chase.setdefault(item.rater_id, Outstanding(item.rater_id, item.state))
        if item.state == "rejected":
            entry.state, entry.file = "rejected", entry.file or item.file
            entry.fixes.extend(item.fixes)
    return list(chase.values())


def record_outstanding_of(send_back: Iterable[SendBackItem]) -> list[RecordOutstanding]:
    """The managers to remind of a rejected record workbook, one entry per manager and kind
    (the first rejected return, every fix); the workbook HR fills (no manager) is HR's own."""
    chase: dict[tuple[str, str], RecordOutstanding] = {}
    for item in send_back:
        if item.kind not in RECORD_FOLDERS or not item.rater_id:
            continue
        kind: Literal["interview", "pip"] = "pip" if item.kind == "pip" else "interview"
        key = (item.rater_id, kind)
        entry = chase.setdefault(key, RecordOutstanding(item.rater_id, kind, item.file))
        entry.fixes.extend(item.fixes)
    return list(chase.values())


@dataclass
class MailResult:
    kind: str
    sent: int = 0
    already_sent: int = 0  # send: forms the server accepted before
    not_due: int = 0  # remind: reminded too recently or as often as allowed
    dry_run: bool = False
    outbox: Path | None = None
    written: int = 0  # .eml files of a dry run
    no_email: list[Unaddressed] = field(default_factory=list)
    bounced: list[BouncedRater] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # --only ids not in the index
    seconds: float = 0.0


class Outcome(Protocol):
    """What sending fills in of a command's result (send, remind, send --reports)."""

    dry_run: bool
    outbox: Path | None
    written: int
    sent: int
    refused: list[Refused]


@dataclass
class MailContext:
    ws: Workspace
    plan: Plan
    settings: MailSettings
    composer: Composer

    def addressed(self, row: IndexRow) -> IndexRow:
        """The row with the roster's current address (HR corrects a bounced one there)."""
        people = {e.id: e.email for e in self.plan.roster.employees}
        people.update({x.id: x.email for x in self.plan.roster.external_raters})
        current = (people.get(row.rater_id) or "").strip()
        return replace(row, email=current) if current and current != row.email else row


class Bounces:
    """Permanent bounces on record: which address of a rater is dead, which forms never came."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.dead = bounced_addresses(conn)
        self.forms = {(b.rater_id, f) for b, f in bounced_forms(conn)}

    def of(self, rater_id: str, name: str, email: str) -> BouncedRater | None:
        """The bounce of this person's address, None when it did not bounce for good."""
        b = self.dead.get((rater_id, email.lower()))
        if b is None:
            return None
        return BouncedRater(rater_id, name, b.address, b.status, b.diagnostic)

    def undelivered(self, row: IndexRow) -> bool:
        return (row.rater_id, row.form_id) in self.forms


def mail_context(
    workspace: str | Path, lang: Lang | None, settings: MailSettings | None
) -> MailContext:
    ws = Workspace(Path(workspace))
    plan = load_plan(ws.plan_path())
    settings = settings or load_settings(ws.root)
    composer = Composer(ws.root, plan, settings, lang or plan.cycle.language)
    return MailContext(ws, plan, settings, composer)


def password_of(settings: MailSettings) -> str:
    password = settings.password()
    if settings.user and not password:
        raise MailError(
            f"没有邮箱密码：请设置环境变量 {settings.password_env}（或存入系统钥匙串）",
            f"no mail password: set the environment variable {settings.password_env}"
            " (or store it in the system keyring)",
        )
    return password


def send_forms(
    workspace: str | Path,
    *,
    only: Iterable[str] = (),
    dry_run: bool = False,
    lang: Lang | None = None,
    settings: MailSettings | None = None,
    progress: Progress | None = None,
) -> MailResult:
    """Send every rater their form (those not yet accepted by the server, or ``only`` these)."""
    started = time.perf_counter()
    ctx = mail_context(workspace, lang, settings)
    chosen = set(only)
    result = MailResult("send", dry_run=dry_run)
    with ctx.ws.ledger() as conn:
        seen: set[str] = set()
        bounces = Bounces(conn)

        def wanted() -> Iterator[IndexRow]:
            for listed in read_index(ctx.ws.forms):
                row = ctx.addressed(listed)
                seen.add(row.rater_id)
                if chosen and row.rater_id not in chosen:
                    continue
                if not row.email:
                    result.no_email.append(Unaddressed(row.rater_id, row.name))
                    continue
                dead = bounces.of(row.rater_id, row.name, row.email)
                if dead is not None:
                    result.bounced.append(dead)
                    continue
                sent = form_sent(conn, row.rater_id, row.form_id)
                if not chosen and sent and not bounces.undelivered(row):
                    result.already_sent += 1
                    continue
                yield row

        total = sum(1 for _ in read_index(ctx.ws.forms))
        messages = (ctx.composer.message("send", row, ctx.ws.forms / row.file) for row in wanted())
        dispatch(conn, ctx, messages, result, total, progress)
        result.unknown = sorted(chosen - seen)
        audit(conn, "mail.send", "forms", **_audit_of(result))
    result.seconds = time.perf_counter() - started
    return result


def remind_raters(
    workspace: str | Path,
    outstanding: Iterable[Outstanding],
    *,
    records: Iterable[RecordOutstanding] = (),
    dry_run: bool = False,
    lang: Lang | None = None,
    settings: MailSettings | None = None,
    at: dt.datetime | None = None,
    progress: Progress | None = None,
) -> MailResult:
    """Remind each outstanding rater (cadence from settings), their form re-attached, and each
    manager of a rejected record workbook (the same cadence per workbook), it re-attached."""
    started = time.perf_counter()
    ctx = mail_context(workspace, lang, settings)
    chase = {o.rater_id: o for o in outstanding}
    records = list(records)
    result = MailResult("remind", dry_run=dry_run)
    with ctx.ws.ledger() as conn:
        cadence = _Cadence(ctx, result, Bounces(conn), at or dt.datetime.now(dt.UTC))
        history = reminder_times(conn)

        def wanted() -> Iterator[Outgoing]:
            for listed in read_index(ctx.ws.forms):
                item = chase.get(listed.rater_id)
                if item is None:
                    continue
                row = ctx.addressed(listed)
                yield from cadence.reminder(
                    "remind",
                    row,
                    ctx.ws.forms,
                    history.get(row.rater_id, []),
                    state=item.state,
                    fixes=item.fixes,
                    rejected_file=item.file,
                )
            yield from _record_reminders(ctx, cadence, record_reminder_times(conn), records)

        dispatch(conn, ctx, wanted(), result, len(chase) + len(records), progress)
        audit(conn, "mail.remind", "raters", **_audit_of(result))
    result.seconds = time.perf_counter() - started
    return result


@dataclass
class _Cadence:
    """Whether a reminder is due to a person, and whom it is copied to."""

    ctx: MailContext
    result: MailResult
    bounces: Bounces
    at: dt.datetime

    def reminder(
        self, kind: Kind, row: IndexRow, folder: Path, before: list[str], **values: object
    ) -> Iterator[Outgoing]:
        """The reminder to this row's person, its file from ``folder``, if one is due after
        the reminders ``before`` (none, or one)."""
        cc = self.copied(row, before)
        if cc is not None:
            count = len(before) + 1
            yield self.ctx.composer.message(
                kind, row, folder / row.file, cc=cc, count=count, **values
            )

    def copied(self, row: IndexRow, before: list[str]) -> tuple[str, ...] | None:
        """The Cc of a reminder to this row's person after the reminders ``before``; None
        when none goes out (bounced, not due, no address: counted in the result)."""
        rules = self.ctx.settings.reminders
        dead = self.bounces.of(row.rater_id, row.name, row.email) if row.email else None
        if dead is not None:
            self.result.bounced.append(dead)
            return None
        if len(before) >= rules.max or (before and _days(before[-1], self.at) < rules.min_days):
            self.result.not_due += 1
            return None
        if not row.email:
            self.result.no_email.append(Unaddressed(row.rater_id, row.name))
            return None
        if not (rules.cc_manager_last and len(before) + 1 == rules.max):
            return ()
        address = self.boss_emails.get(row.rater_id, "") or rules.cc
        return (address,) if address else ()

    @cached_property
    def boss_emails(self) -> dict[str, str]:
        """Person id -> their manager's e-mail address."""
        employees = self.ctx.plan.roster.employees
        emails = {e.id: e.email for e in employees}
        return {e.id: emails.get(e.manager or "", "") for e in employees}


def _record_reminders(
    ctx: MailContext,
    cadence: _Cadence,
    history: dict[tuple[str, str], list[str]],
    records: Iterable[RecordOutstanding],
) -> Iterator[Outgoing]:
    """A reminder to each manager whose record workbook is due one, the workbook attached."""
    for item in records:
        folder = ctx.ws.root / RECORD_FOLDERS[item.kind]
        listed = _record_row(folder, item.manager_id)
        if listed is None:  # no such workbook now (written again without them): nothing to attach
            continue
        row = ctx.addressed(listed)
        yield from cadence.reminder(
            "remind_record",
            row,
            folder,
            history.get((row.rater_id, row.form_id), []),
            record=item.kind,
            fixes=item.fixes,
            rejected_file=item.file,
            tag=item.kind,
        )


def _record_row(folder: Path, manager_id: str) -> IndexRow | None:
    """The row of a record folder's index.csv for this manager's workbook."""
    if not (folder / "index.csv").is_file():
        return None
    rows = read_index(folder, "manager_id", "employees")
    return next((r for r in rows if r.rater_id == manager_id), None)


def _days(iso: str, at: dt.datetime) -> float:
    return (at - dt.datetime.fromisoformat(iso)).total_seconds() / 86400


def dispatch(
    conn: sqlite3.Connection,
    ctx: MailContext,
    messages: Iterable[Outgoing],
    result: Outcome,
    total: int,
    progress: Progress | None,
) -> None:
    if result.dry_run:
        result.outbox = ctx.ws.root / "outbox"
        result.outbox.mkdir(exist_ok=True)
        for out in messages:
            eml = result.outbox / f"{out.eml_stem}.eml"
            atomic_write(eml, _writer(out.message.as_bytes()))
            result.written += 1
        return
    password = password_of(ctx.settings)
    delivery = deliver(
        conn, ctx.settings, password, ctx.ws.root, messages, total=total, progress=progress
    )
    result.sent, result.refused = delivery.sent, delivery.refused


def _writer(data: bytes) -> Callable[[Path], object]:
    return lambda tmp: tmp.write_bytes(data)


def _audit_of(result: MailResult) -> dict[str, object]:
    return {
        "sent": result.sent,
        "dry_run": result.dry_run,
        "written": result.written,
        "refused": [r.rater_id for r in result.refused],
        "no_email": [u.rater_id for u in result.no_email],
        "bounced": [b.rater_id for b in result.bounced],
    }
