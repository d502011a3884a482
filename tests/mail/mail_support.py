"""Real mail servers on 127.0.0.1 for the mail tests: aiosmtpd in a thread (AUTH; plain,
STARTTLS or SSL with a certificate from a throw-away CA); dovecot is the library's own
(perfsheets.mail.local_server.local_imap, what ``demo --mail`` runs)."""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import yaml

from perfsheets.mail.local_server import free_port, login_check

__all__ = ["free_port"]
USER, PASSWORD = "hr@example.com", "s3cret-app-pass"
authenticate = login_check(USER, PASSWORD)  # the demo server's: AUTH of this user only


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        msg = message_from_bytes(self.data, policy=default_policy)
        assert isinstance(msg, EmailMessage)
        return msg

    def text(self) -> str:
        body = self.message.get_body(("plain",))
        assert body is not None
        return str(body.get_content())

    def attachments(self) -> dict[str, str]:
        """{file name: SHA-256} of the attachments."""
        return {
            str(p.get_filename()): hashlib.sha256(p.get_payload(decode=True)).hexdigest()
            for p in self.message.iter_attachments()
        }


@dataclass
class Recorder:
    """aiosmtpd handler: keeps what it accepted, refuses some recipients with 550, and can drop
    the connection instead of accepting message number ``drop_after + 1``."""

    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    drop_after: int | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.drop_after is not None and len(self.received) >= self.drop_after:
            self.drop_after = None  # one outage
            server.transport.close()
            return "421 going away"
        self.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
        )
        return "250 Message accepted"

    def to(self) -> list[str]:
        return [r.rcpt_tos[0] for r in self.received]


def write_settings(root: Path, **values: object) -> Path:
    settings = {
        "host": "127.0.0.1",
        "user": USER,
        "sender": USER,
        "sender_name": "人力资源部",
        "reply_to": "returns@example.com",
        "batch_size": 40,
        "timeout": 10,
    }
    for key, value in values.items():
        if isinstance(value, dict) and isinstance(settings.get(key), dict):
            settings[key] = {**settings[key], **value}  # type: ignore[dict-item]
        else:
            settings[key] = value
    path = root / "mail.yaml"
    path.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
    return path


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
