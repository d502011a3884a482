"""Messages from templates: one per rater, their form attached.

Templates are plain-text Jinja files ``{kind}.{lang}.j2`` (kind send | remind | remind_record
| pack | report | password): the first line is the subject, the rest the body. A workspace overrides single files by putting its own in
``templates/mail/`` (as report templates are overridden).
"""

from __future__ import annotations

import csv
import hashlib
import mimetypes
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from perfsheets.core.model import Lang, Plan
from perfsheets.ledger.mail import Kind
from perfsheets.mail.settings import MailError, MailSettings

PACKAGE_TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class IndexRow:
    """A row of forms/index.csv: who gets which file."""

    rater_id: str
    name: str
    email: str
    file: str
    ratees: tuple[str, ...]
    form_id: str


def _plain(value: str) -> str:
    """A cell of index.csv as generate meant it (it prefixes formula-like text with ')."""
    return value[1:] if value.startswith("'") and value[1:2] in ("=", "+", "-", "@") else value


def read_index(forms_dir: Path, who: str = "rater_id", whom: str = "ratees") -> Iterator[IndexRow]:
    """The rows of forms/index.csv, one at a time (thousands of raters: never all in memory);
    of a record folder's index.csv with ``who="manager_id", whom="employees"``."""
    path = forms_dir / "index.csv"
    if not path.is_file():
        raise MailError(
            f"{path}：没有考核表清单，请先运行 perfsheets generate",
            f"{path}: no forms index; run perfsheets generate first",
        )
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            cells = {k: _plain(v or "") for k, v in row.items() if k}
            yield IndexRow(
                cells[who],
                cells["name"],
                cells["email"].strip(),
                cells["file"],
                tuple(r for r in cells[whom].split(";") if r),
                cells["form_id"],
            )


class Composer:
    """Renders the messages of one workspace in one language."""

    def __init__(self, workspace: Path, plan: Plan, settings: MailSettings, lang: Lang) -> None:
        from jinja2 import Environment, FileSystemLoader, StrictUndefined

        dirs = [PACKAGE_TEMPLATES]
        user = workspace / "templates" / "mail"
        if user.is_dir():
            dirs.insert(0, user)
        # Plain text mail: nothing to escape; StrictUndefined makes a typo in an override loud.
        self.env = Environment(
            loader=FileSystemLoader([str(d) for d in dirs]),
            undefined=StrictUndefined,
            keep_trailing_newline=True,
            autoescape=False,
        )
        self.plan, self.settings, self.lang = plan, settings, lang
        people = {e.id: e.name for e in plan.roster.employees}
        people.update({x.id: x.name for x in plan.roster.external_raters})
        self.names = people
        company = plan.company
        self.common: dict[str, Any] = {
            "company": (company.name_en if lang == "en" and company.name_en else company.name),
            "cycle": plan.cycle.label(lang),
            "due": plan.cycle.due.isoformat(),
            "contact": plan.report.contact_text(lang),
            "sender_name": settings.sender_name or settings.sender,
        }
        self.domain = settings.sender.rpartition("@")[2] or "perfsheets.local"

    def render(self, kind: str, **values: Any) -> tuple[str, str]:
        """(subject, body) of a template."""
        from jinja2 import TemplateError

        name = f"{kind}.{self.lang}.j2"
        try:
            text = self.env.get_template(name).render(**self.common, **values)
        except TemplateError as exc:
            raise MailError(f"邮件模板 {name}：{exc}", f"mail template {name}: {exc}") from None
        subject, _, body = text.partition("\n")
        # A header holds one line: whatever a template or a name brings in, no CR/LF survives.
        return re.sub(r"\s+", " ", subject).strip(), body.lstrip("\n")

    def message(
        self,
        kind: Kind,
        row: IndexRow,
        attachment: Path,
        *,
        cc: tuple[str, ...] = (),
        **values: Any,
    ) -> Outgoing:
        """A form (send) or a reminder (remind) to the rater of an index row."""
        ratees = [self.names.get(r, r) for r in row.ratees]
        return self.compose(
            kind,
            Person(row.rater_id, row.name, row.email),
            row.form_id,
            (attachment.name, attachment.read_bytes()),
            cc=cc,
            file=row.file,
            ratees=ratees,
            attachment=attachment.name,
            **values,
        )

    def compose(
        self,
        kind: Kind,
        to: Person,
        form_id: str,
        attached: tuple[str, bytes] | None,
        *,
        cc: tuple[str, ...] = (),
        encrypted: bool = False,
        unlocks: str = "",
        tag: str = "",
        **values: Any,
    ) -> Outgoing:
        """One message to ``to`` from the template ``kind``, ``attached`` a file (name, bytes)."""
        name = header_text(to.name)
        subject, body = self.render(kind, name=name, encrypted=encrypted, **values)
        msg = EmailMessage()
        msg["From"] = Address(self.settings.sender_name, addr_spec=self.settings.sender)
        msg["To"] = Address(name, addr_spec=to.email)
        if cc:
            msg["Cc"] = ", ".join(cc)
        if self.settings.reply_to:
            msg["Reply-To"] = self.settings.reply_to
        msg["Subject"] = subject
        msg["Date"] = formatdate(localtime=True)
        message_id = make_msgid(idstring=f"{kind}.{to.id}", domain=self.domain)
        msg["Message-ID"] = message_id
        msg["X-Perfsheets-Rater"] = to.id
        msg.set_content(body)
        digest = ""
        if attached is not None:
            file, data = attached
            kind_type = mimetypes.guess_type(file)[0] or "application/octet-stream"
            main, _, sub = kind_type.partition("/")
            msg.add_attachment(data, maintype=main, subtype=sub, filename=file)
            digest = hashlib.sha256(data).hexdigest()
        return Outgoing(
            to.id,
            form_id,
            kind,
            msg,
            message_id,
            digest,
            [to.email, *cc],
            encrypted=encrypted,
            unlocks=unlocks,
            tag=tag,
        )


@dataclass(frozen=True)
class Person:
    """Who a message goes to."""

    id: str
    name: str
    email: str


def header_text(text: str) -> str:
    """A name as it may stand in a header or a greeting: no control characters (a roster cell
    with a line break or an escape sequence is untrusted text), spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", " ", text)).strip()


@dataclass
class Outgoing:
    """A composed message and what the ledger records about it."""

    rater_id: str
    form_id: str
    kind: Kind
    message: EmailMessage
    message_id: str
    sha256: str
    recipients: list[str] = field(default_factory=list)
    encrypted: bool = False  # pack / report: the attached PDF is encrypted
    unlocks: str = ""  # password: the Message-ID of the message it opens
    tag: str = ""  # tells apart two messages of one kind to one person (a dry run's file names)

    @property
    def eml_stem(self) -> str:
        """The name of a dry run's .eml file, without the suffix."""
        return "-".join(p for p in (self.kind, self.tag, self.rater_id) if p)
