"""``perfsheets send --reports``: the released results' PDFs by mail.

Each manager gets one message with their pack (reports/managers/…); each employee their own
report when the plan says so (``mail.reports_to_employees``). Which PDFs there are comes from
the ledger (the report stage records every file it writes), never from the report stage's
code: a PDF is sent only if it shows the released results (run and results digest) and is the
file the report stage wrote (SHA-256); otherwise it is listed as a problem.

Encrypted (``--encrypt`` or ``mail.encrypt_reports``): each PDF is encrypted with AES-256 and a
random password of its own, which goes in a second message to the same person right after the
server accepted the first. The password lives only in memory and in that message: neither the
ledger, the audit log, the workspace nor a dry run's .eml files (which show a placeholder)
ever hold it. So a run cut off between a report and its password cannot send that password
later: the next run sends the report again with a new one (and the password after it).

Like forms: every message is recorded with its Message-ID the moment the server answered, so a
second run sends nothing already sent, a cut-off run resumes, bounced addresses are skipped and
``only`` sends chosen people their PDFs again (with new passwords).
"""

from __future__ import annotations

import hashlib
import io
import secrets
import sqlite3
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from perfsheets.core.model import Lang, Plan
from perfsheets.core.problems import Problem, ProblemType, Report, Text
from perfsheets.ledger.calibration import ReleaseState, release_state
from perfsheets.ledger.mail import document_sent, message_bounced, password_sent, sent_message
from perfsheets.ledger.reports import (
    FileKind,
    ReportFile,
    report_files,
    results_digests,
    team_digest,
)
from perfsheets.ledger.results import stored_results
from perfsheets.ledger.workspace import audit
from perfsheets.mail.compose import Composer, Outgoing, Person
from perfsheets.mail.problems import REPORT_CHANGED, REPORT_NOT_WRITTEN, REPORT_OUTDATED
from perfsheets.mail.send import (
    BouncedRater,
    Bounces,
    MailContext,
    Progress,
    Unaddressed,
    dispatch,
    mail_context,
)
from perfsheets.mail.settings import MailError, MailSettings
from perfsheets.mail.smtp import Refused

# Without 0/O, 1/l/I: read off a screen and typed by hand. 16 characters: about 93 bits.
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
DRY_RUN_PASSWORD = "********"  # what a dry run's password message shows instead


@dataclass
class ReportMailResult:
    """What ``send --reports`` did."""

    sent: int = 0  # messages the server accepted (PDFs and passwords)
    packs_sent: int = 0
    reports_sent: int = 0
    passwords_sent: int = 0
    already_sent: int = 0  # PDFs sent before (a second run sends nothing)
    encrypted: bool = False
    to_employees: bool = False  # the plan lets employees have their own report
    dry_run: bool = False
    outbox: Path | None = None
    written: int = 0  # .eml files of a dry run
    seconds: float = 0.0
    no_email: list[Unaddressed] = field(default_factory=list)
    bounced: list[BouncedRater] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # --only ids with nothing to send
    report: Report = field(default_factory=Report)  # PDFs not sent: missing, outdated, changed

    @property
    def exit_code(self) -> int:
        trouble = self.no_email or self.bounced or self.refused or self.unknown
        return 1 if trouble or len(self.report) else 0


@dataclass(frozen=True)
class _Document:
    """A PDF to send and to whom."""

    kind: FileKind
    person: Person
    file: ReportFile
    team: int  # a pack: the team's size


def new_password() -> str:
    """A random password, four groups of four characters (e.g. ``k7Pq-4mZx-Rt2s-9bNe``)."""
    chars = [secrets.choice(_ALPHABET) for _ in range(16)]
    return "-".join("".join(chars[i : i + 4]) for i in range(0, 16, 4))


def encrypt_pdf(data: bytes, password: str) -> bytes:
    """The PDF encrypted with AES-256: it opens with ``password`` only (the owner password is
    random and forgotten)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(
        user_password=password, owner_password=secrets.token_urlsafe(24), algorithm="AES-256"
    )
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def send_reports(
    workspace: str | Path,
    *,
    only: Iterable[str] = (),
    encrypt: bool | None = None,
    dry_run: bool = False,
    lang: Lang | None = None,
    settings: MailSettings | None = None,
    progress: Progress | None = None,
) -> ReportMailResult:
    """Send each manager their pack and (where the plan allows) each employee their report.

    ``encrypt`` None: as the plan's ``mail.encrypt_reports``. ``lang`` is the language of the
    errors; each message is in the language of the PDF it carries.
    """
    started = time.perf_counter()
    ctx = mail_context(workspace, lang, settings)
    lang = lang or ctx.plan.cycle.language
    options = ctx.plan.mail
    result = ReportMailResult(
        encrypted=options.encrypt_reports if encrypt is None else encrypt,
        to_employees=options.reports_to_employees,
        dry_run=dry_run,
    )
    chosen = set(only)
    composers: dict[str, Composer] = {}

    def composer(of: str) -> Composer:
        language: Lang = "en" if of == "en" else "zh-CN"
        if language not in composers:
            composers[language] = Composer(ctx.ws.root, ctx.plan, ctx.settings, language)
        return composers[language]

    with ctx.ws.ledger() as conn:
        state = _released(conn, lang)
        documents = _documents(conn, ctx, state, result)
        bounces = Bounces(conn)
        kinds: dict[str, str] = {}  # Message-ID -> kind, of the messages given to the server
        seen = {d.person.id for d in documents}
        seen.update(str(p.params.get("person", "")) for p in result.report)

        listed: set[str] = set()

        def wanted() -> Iterator[_Document]:
            for doc in documents:
                person = doc.person
                if chosen and person.id not in chosen:
                    continue
                if not person.email:
                    if person.id not in listed:  # a manager's pack and report: listed once
                        result.no_email.append(Unaddressed(person.id, person.name))
                    listed.add(person.id)
                    continue
                dead = bounces.of(person.id, person.name, person.email)
                if dead is not None:
                    if person.id not in listed:
                        result.bounced.append(dead)
                    listed.add(person.id)
                    continue
                if not chosen and _sent_before(conn, doc):
                    result.already_sent += 1
                    continue
                yield doc

        def messages() -> Iterator[Outgoing]:
            for doc in wanted():
                try:
                    data = (ctx.ws.reports / doc.file.file).read_bytes()
                except OSError:
                    data = b""
                if hashlib.sha256(data).hexdigest() != doc.file.sha256:  # changed meanwhile
                    result.report.add(_problem(REPORT_CHANGED, doc.kind, doc.person, doc.file))
                    continue
                words = composer(doc.file.lang)
                name = Path(doc.file.file).name
                if doc.kind == "pack":  # beside the manager's own report of the same name
                    name = ("team_" if words.lang == "en" else "团队汇总_") + name
                password = new_password() if result.encrypted else ""
                out = words.compose(
                    doc.kind,
                    doc.person,
                    doc.file.sha256,
                    (name, encrypt_pdf(data, password) if password else data),
                    encrypted=bool(password),
                    file=name,
                    team=doc.team,
                )
                kinds[out.message_id] = doc.kind
                yield out
                # Only after the server accepted the PDF (recorded before this line runs).
                if not password or not (dry_run or _accepted(conn, out.message_id)):
                    continue
                key = words.compose(
                    "password",
                    doc.person,
                    doc.file.sha256,
                    None,
                    unlocks=out.message_id,
                    tag=doc.kind,
                    file=name,
                    password=DRY_RUN_PASSWORD if dry_run else password,
                )
                del password
                kinds[key.message_id] = "password"
                yield key

        dispatch(conn, ctx, messages(), result, len(documents), progress)
        _count(conn, kinds, result)
        result.unknown = sorted(chosen - seen)
        audit(
            conn,
            "mail.reports",
            "reports",
            sent=result.sent,
            packs=result.packs_sent,
            reports=result.reports_sent,
            passwords=result.passwords_sent,
            encrypted=result.encrypted,
            dry_run=dry_run,
            written=result.written,
            refused=[r.rater_id for r in result.refused],
            no_email=[u.rater_id for u in result.no_email],
            bounced=[b.rater_id for b in result.bounced],
            problems=[f"{p.code}:{p.params.get('person', '')}" for p in result.report],
        )
    result.seconds = time.perf_counter() - started
    return result


def _released(conn: sqlite3.Connection, lang: Lang) -> ReleaseState:
    """The release in force; reports are mailed only after the results are released."""
    state = release_state(conn)
    if state is None:
        raise MailError(
            "结果尚未发布，不能发送报告：请先运行 perfsheets release（再运行 perfsheets report）",
            "the results are not released, so no report is sent: run perfsheets release first"
            " (then perfsheets report)",
        )
    if not state.frozen:
        raise MailError(
            f"结果已于 {state.reopened_at} 重新打开（{state.reopen_reason}），不能发送报告："
            "请再次运行 perfsheets release 和 perfsheets report",
            f"the results were reopened on {state.reopened_at} ({state.reopen_reason}), so no"
            " report is sent: run perfsheets release and perfsheets report again",
        )
    return state


def _documents(
    conn: sqlite3.Connection, ctx: MailContext, state: ReleaseState, result: ReportMailResult
) -> list[_Document]:
    """Every pack (and, as the plan allows, every report) to send, checked against the
    released results; the others are listed in ``result.report``."""
    results = stored_results(conn)
    digests = results_digests(results)
    teams: dict[str, dict[str, str]] = defaultdict(dict)
    for r in results:
        if r.manager_id:
            teams[r.manager_id][r.employee_id] = digests[r.employee_id]
    expected: list[tuple[FileKind, str, str, int]] = [
        ("pack", m, team_digest(m, members), len(members)) for m, members in sorted(teams.items())
    ]
    if result.to_employees:
        expected += [("report", r.employee_id, digests[r.employee_id], 0) for r in results]
    files = {(f.kind, f.person_id): f for f in report_files(conn)}
    if not files and expected:
        raise MailError(
            "还没有生成报告：请先运行 perfsheets report",
            "no reports have been written: run perfsheets report first",
        )
    people = _people(ctx.plan)
    found: list[_Document] = []
    for kind, person_id, digest, team in expected:
        name, email = people.get(person_id, (person_id, ""))
        person = Person(person_id, name, email)
        file = files.get((kind, person_id))
        if file is None:
            result.report.add(_problem(REPORT_NOT_WRITTEN, kind, person))
        elif file.run_id != state.run_id or file.results_digest != digest:
            result.report.add(_problem(REPORT_OUTDATED, kind, person, file))
        elif not (ctx.ws.reports / file.file).is_file():
            result.report.add(_problem(REPORT_CHANGED, kind, person, file))
        else:
            found.append(_Document(kind, person, file, team))
    return found


def _people(plan: Plan) -> dict[str, tuple[str, str]]:
    """id -> (name, e-mail) from today's roster (HR corrects an address there)."""
    return {e.id: (e.name, (e.email or "").strip()) for e in plan.roster.employees}


_WHAT = {"pack": Text("上级汇总包", "manager pack"), "report": Text("面谈报告", "report")}


def _problem(
    ptype: ProblemType, kind: FileKind, person: Person, file: ReportFile | None = None
) -> Problem:
    where = f"reports/{file.file}" if file else ""
    return ptype(where, person=person.id, name=person.name, what=_WHAT[kind], path=where)


def _sent_before(conn: sqlite3.Connection, doc: _Document) -> bool:
    """This version of the PDF reached the person before (with its password, if encrypted)."""
    before = document_sent(conn, doc.person.id, doc.kind, doc.file.sha256)
    if before is None or message_bounced(conn, before.message_id):
        return False
    return not before.encrypted or password_sent(conn, before.message_id)


def _accepted(conn: sqlite3.Connection, message_id: str) -> bool:
    found = sent_message(conn, message_id)
    return found is not None and found.status == "sent"


def _count(conn: sqlite3.Connection, kinds: dict[str, str], result: ReportMailResult) -> None:
    """Messages the server accepted, by kind (a dry run sent none)."""
    for message_id, kind in kinds.items():
        if result.dry_run or not _accepted(conn, message_id):
            continue
        if kind == "pack":
            result.packs_sent += 1
        elif kind == "report":
            result.reports_sent += 1
        else:
            result.passwords_sent += 1
