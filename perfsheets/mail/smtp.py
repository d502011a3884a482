"""Delivering composed messages over SMTP, recording each one the moment the server answered.

Messages go out in batches of ``batch_size`` per connection, at most ``rate_per_minute``. Each
accepted (or refused) message is committed to the ledger before the next is sent, so a run cut
off by a dropped connection, a server error or Ctrl-C resumes with the next rater. A dropped
connection stops the run (one clear line): running the command again sends the rest.
"""

from __future__ import annotations

import contextlib
import smtplib
import sqlite3
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from perfsheets.ledger.mail import SentMessage, Status, record_message
from perfsheets.ledger.workspace import now
from perfsheets.mail.compose import Outgoing
from perfsheets.mail.settings import MailError, MailSettings

Progress = Callable[[int, int], None]


@dataclass
class Refused:
    rater_id: str
    address: str
    reply: str  # the server's code and words, e.g. "550 no such user"


@dataclass
class Delivery:
    sent: int = 0
    refused: list[Refused] = field(default_factory=list)


def tls_context(settings: MailSettings, workspace: Path) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if settings.ca_file:
        context.load_verify_locations(cafile=str(workspace / settings.ca_file))
    if not settings.verify_tls:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def unreachable(host: str, port: int, exc: BaseException) -> MailError:
    reason = str(exc) or type(exc).__name__
    return MailError(
        f"无法连接邮件服务器 {host}:{port}：{reason}",
        f"cannot reach the mail server {host}:{port}: {reason}",
    )


def bad_login(user: str, host: str) -> MailError:
    return MailError(
        f"邮件服务器 {host} 拒绝登录 {user}：用户名或密码（授权码）错误",
        f"the mail server {host} refused the login of {user}: wrong user or password",
    )


class Smtp:
    """One SMTP session at a time, reopened every batch."""

    def __init__(self, settings: MailSettings, password: str, workspace: Path) -> None:
        self.settings, self.password = settings, password
        self.context = tls_context(settings, workspace)
        self.client: smtplib.SMTP | None = None

    def open(self) -> smtplib.SMTP:
        s = self.settings
        try:
            if s.security == "ssl":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=s.timeout, context=self.context
                )
            else:
                client = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.security == "starttls":
                    client.starttls(context=self.context)
            if s.user:
                client.login(s.user, self.password)
        except smtplib.SMTPAuthenticationError:
            raise bad_login(s.user, s.host) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise unreachable(s.host, s.port, exc) from None
        self.client = client
        return client

    def close(self) -> None:
        if self.client is not None:
            # the server may already have gone away: nothing more to say to it
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self.client.quit()
            self.client = None


def deliver(
    conn: sqlite3.Connection,
    settings: MailSettings,
    password: str,
    workspace: Path,
    messages: Iterable[Outgoing],
    *,
    total: int = 0,
    progress: Progress | None = None,
) -> Delivery:
    """Send every message, committing its record right after the server's answer."""
    smtp = Smtp(settings, password, workspace)
    result = Delivery()
    pause = 60.0 / settings.rate_per_minute if settings.rate_per_minute else 0.0
    in_batch = 0
    last = 0.0
    try:
        for done, out in enumerate(messages, 1):
            if smtp.client is None or in_batch >= settings.batch_size:
                smtp.close()
                smtp.open()
                in_batch = 0
            if pause:
                time.sleep(max(0.0, last + pause - time.monotonic()))
                last = time.monotonic()
            _send_one(conn, smtp, out, result)
            in_batch += 1
            if progress:
                progress(done, total)
    finally:
        smtp.close()
    return result


def _send_one(conn: sqlite3.Connection, smtp: Smtp, out: Outgoing, result: Delivery) -> None:
    assert smtp.client is not None
    try:
        refused = smtp.client.send_message(out.message)
    except smtplib.SMTPRecipientsRefused as exc:
        refused = exc.recipients
    except (smtplib.SMTPServerDisconnected, OSError, smtplib.SMTPException) as exc:
        conn.commit()
        host = smtp.settings.host
        raise MailError(
            f"发送中断（已发送 {result.sent} 封，已记录）：{host}：{exc or type(exc).__name__}；"
            "再次运行同一命令即可继续发送其余邮件",
            f"sending stopped ({result.sent} sent and recorded): {host}: "
            f"{exc or type(exc).__name__}; run the same command again to send the rest",
        ) from None
    to = out.recipients[0]
    status: Status = "refused" if to in refused else "sent"
    reply = "; ".join(f"{addr}: {code} {_words(text)}" for addr, (code, text) in refused.items())
    record_message(
        conn,
        SentMessage(
            out.message_id,
            out.rater_id,
            out.form_id,
            out.sha256,
            out.kind,
            ", ".join(out.recipients),
            now(),
            status,
            reply,
            out.encrypted,
            out.unlocks,
        ),
    )
    conn.commit()  # on disk before the next message: a cut-off run never sends this one again
    if status == "sent":
        result.sent += 1
    else:
        code, text = refused[to]
        result.refused.append(Refused(out.rater_id, to, f"{code} {_words(text)}"))


def _words(text: bytes | str) -> str:
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
