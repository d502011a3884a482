"""A throw-away SMTP server on 127.0.0.1 for ``perfsheets demo --mail``: every message it
accepts is kept as a file in a Maildir (``WS/mailbox/``), so a newcomer can open what raters,
managers and employees would receive. Needs aiosmtpd (``pip install aiosmtpd``)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from perfsheets.mail.settings import MailError, MailSettings

SENDER = "hr@example.com"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def local_smtp(mailbox: Path) -> Iterator[MailSettings]:
    """Run a local SMTP server that keeps what it receives in ``mailbox`` (a Maildir); yields
    the settings that send to it (no TLS, no login: it listens on 127.0.0.1 only)."""
    try:
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Mailbox
    except ImportError:
        raise MailError(
            "demo --mail 需要 aiosmtpd：pip install aiosmtpd",
            "demo --mail needs aiosmtpd: pip install aiosmtpd",
        ) from None
    mailbox.parent.mkdir(parents=True, exist_ok=True)  # Maildir creates new/, cur/, tmp/
    port = _free_port()
    controller = Controller(Mailbox(mailbox), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield MailSettings(
            host="127.0.0.1", port=port, security="none", sender=SENDER, sender_name="HR"
        )
    finally:
        controller.stop()


def received(mailbox: Path) -> int:
    """How many messages the local server has kept."""
    return sum(1 for _ in (mailbox / "new").glob("*")) + sum(1 for _ in (mailbox / "cur").glob("*"))
