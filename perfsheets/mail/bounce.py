"""Bounces: a delivery status notification (DSN, RFC 3464) read from the returns mailbox.

A bounce of a form carries the form itself back (the original message attached): without this
it would be saved as a "return" from MAILER-DAEMON. A DSN is ``multipart/report;
report-type=delivery-status``: a ``message/delivery-status`` part with one block per recipient
(Final-Recipient, Action, Status, Diagnostic-Code) and the original message or its headers,
whose Message-ID says which of our messages it is about.
"""

from __future__ import annotations

import email
from dataclasses import dataclass, field
from email.message import Message
from email.policy import default as default_policy


@dataclass(frozen=True)
class Failure:
    """One recipient the report says was not delivered (``failed``) or is late (``delayed``)."""

    address: str
    status: str  # e.g. 5.1.1
    diagnostic: str = ""

    @property
    def permanent(self) -> bool:
        return self.status.startswith("5")


@dataclass
class BounceReport:
    original_id: str  # Message-ID of the message that bounced ('' when the report omits it)
    failures: list[Failure] = field(default_factory=list)


def read_bounce(msg: Message) -> BounceReport | None:
    """The report a DSN makes; None for any other message (a return, a reply)."""
    if msg.get_content_type() != "multipart/report":
        return None
    report = BounceReport(_original_id(msg))
    for part in msg.walk():
        if part.get_content_type() in ("message/delivery-status", "message/global-delivery-status"):
            for block in _blocks(part)[1:]:  # the first block is about the message
                failure = _failure(block)
                if failure is not None:
                    report.failures.append(failure)
    return report if report.failures else None


def _blocks(part: Message) -> list[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [b for b in payload if isinstance(b, Message)]
    # Some servers send the status as one text: parse its blank-line separated header blocks.
    text = payload if isinstance(payload, str) else ""
    return [email.message_from_string(b.strip() + "\n") for b in text.split("\n\n") if b.strip()]


def _failure(block: Message) -> Failure | None:
    action = str(block.get("Action", "")).strip().lower()
    if action not in ("failed", "delayed"):
        return None  # delivered, relayed, expanded: nothing to chase
    recipient = str(block.get("Final-Recipient") or block.get("Original-Recipient") or "")
    address = recipient.split(";", 1)[-1].strip().strip("<>")
    status = str(block.get("Status", "")).strip().split(" ")[0] or (
        "5.0.0" if action == "failed" else "4.0.0"
    )
    diagnostic = " ".join(str(block.get("Diagnostic-Code", "")).split(";", 1)[-1].split())
    return Failure(address, status, diagnostic[:500]) if address else None


def _original_id(msg: Message) -> str:
    for part in msg.walk():
        kind = part.get_content_type()
        if kind in ("message/rfc822", "message/global"):
            inner = part.get_payload()
            first = inner[0] if isinstance(inner, list) and inner else None
            if isinstance(first, Message) and first.get("Message-ID"):
                return str(first["Message-ID"]).strip()
        elif kind in ("text/rfc822-headers", "text/global-headers"):
            raw = part.get_payload(decode=True)
            text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else ""
            headers = email.message_from_string(text, policy=default_policy)
            if headers.get("Message-ID"):
                return str(headers["Message-ID"]).strip()
    # Not every server attaches the original; some name it as the message replied to.
    return str(msg.get("In-Reply-To") or "").strip()
