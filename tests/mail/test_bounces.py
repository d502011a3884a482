"""Bounces (退信) on real servers: a form sent over SMTP (aiosmtpd) comes back as a delivery
status notification in the IMAP mailbox (dovecot); fetch records it instead of saving the form it
carries as a return, and send / remind stop writing to the dead address until the roster has
another one."""

from __future__ import annotations

from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from mail_support import write_settings
from test_fetch import imap
from typer.testing import CliRunner

from perfsheets.cli import app
from perfsheets.ledger.mail import bounces, messages
from perfsheets.mail.bounce import read_bounce
from perfsheets.mail.fetch import fetch_returns
from perfsheets.mail.send import Outstanding, remind_raters, send_forms
from perfsheets.plan.io import dump_plan, load_plan

pytestmark = pytest.mark.requires_dovecot
runner = CliRunner()


def dsn(original: bytes | None, address: str, status: str, action: str = "failed") -> EmailMessage:
    """A bounce as Postfix writes it: human part, delivery status, the original message."""
    head = (
        "From: MAILER-DAEMON@mx.example.com\r\nTo: returns@example.com\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Date: Tue, 01 Dec 2026 10:00:00 +0800\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nThis is the mail system. I'm sorry ...\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.com\r\n\r\n"
        f"Final-Recipient: rfc822; {address}\r\nAction: {action}\r\nStatus: {status}\r\n"
        f"Diagnostic-Code: smtp; 550 {status} <{address}>: Recipient address rejected\r\n"
    ).encode()
    body = head
    if original is not None:
        body += b"\r\n--B\r\nContent-Type: message/rfc822\r\n\r\n" + original + b"\r\n"
    body += b"--B--\r\n"
    return arrived(body)


def arrived(data: bytes) -> EmailMessage:
    """A message as the mailbox hands it over."""
    msg = message_from_bytes(data, policy=default_policy)
    assert isinstance(msg, EmailMessage)
    return msg


def test_a_bounce_is_read_from_its_delivery_status() -> None:
    original = b"Message-ID: <abc@x>\nSubject: s\n\nbody\n"
    report = read_bounce(dsn(original, "a@b.cn", "5.1.1"))
    assert report is not None and report.original_id == "<abc@x>"
    ((failure),) = report.failures
    assert (failure.address, failure.status, failure.permanent) == ("a@b.cn", "5.1.1", True)
    assert failure.diagnostic == "550 5.1.1 <a@b.cn>: Recipient address rejected"
    assert read_bounce(dsn(None, "a@b.cn", "2.0.0", action="delivered")) is None
    plain = EmailMessage()
    plain.set_content("已填好")
    assert read_bounce(plain) is None


def test_a_bounced_form_is_recorded_not_collected_and_its_address_is_not_written_again(
    fresh_ws, smtp, dovecot, password, ca
):
    write_settings(fresh_ws.root, **smtp.settings(), imap=imap(dovecot), ca_file=str(ca[1]))
    first = send_forms(fresh_ws.root)
    assert first.sent > 3
    received = {r.rcpt_tos[0]: r for r in smtp.recorder.received}
    with fresh_ws.ledger() as conn:
        sent = [m for m in messages(conn) if m.kind == "send"]
    dead, delayed = sent[0], sent[1]
    dovecot.append(dsn(received[dead.recipients].data, dead.recipients, "5.1.1"))
    dovecot.append(dsn(received[delayed.recipients].data, delayed.recipients, "4.4.1", "delayed"))
    dovecot.append(dsn(b"Message-ID: <not-ours@x>\n\n.\n", "x@y.cn", "5.1.1"))

    result = runner.invoke(app, ["fetch", str(fresh_ws.root), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Bounced" in result.output and dead.rater_id in result.output
    assert "1 more bounce(s) about messages perfsheets did not send" in " ".join(
        result.output.split()
    )
    assert list(fresh_ws.returns.iterdir()) == []  # the form inside a bounce is not a return
    with fresh_ws.ledger() as conn:
        stored = bounces(conn)
        assert conn.execute("SELECT COUNT(*) FROM returns").fetchone()[0] == 0
    assert sorted((b.rater_id, b.address, b.status, b.permanent) for b in stored) == sorted(
        [
            (dead.rater_id, dead.recipients, "5.1.1", True),
            (delayed.rater_id, delayed.recipients, "4.4.1", False),
        ]
    )
    assert fetch_returns(fresh_ws.root).bounces == []  # seen: not read again

    # send and remind do not write to the dead address again; the delayed one is fine
    count = len(smtp.recorder.received)
    again = send_forms(fresh_ws.root)
    assert (again.sent, [b.rater_id for b in again.bounced]) == (0, [dead.rater_id])
    chase = [Outstanding(dead.rater_id, "missing"), Outstanding(delayed.rater_id, "missing")]
    reminded = remind_raters(fresh_ws.root, chase)
    assert reminded.sent == 1 and [b.rater_id for b in reminded.bounced] == [dead.rater_id]
    assert smtp.recorder.received[-1].rcpt_tos == [delayed.recipients]
    out = runner.invoke(app, ["send", str(fresh_ws.root), "--lang", "en"])
    assert out.exit_code == 1 and "address bounced" in out.output

    # HR corrects the address in the roster: the undelivered form goes to the new one
    plan = load_plan(fresh_ws.plan_path())
    employees = [
        e.model_copy(update={"email": "corrected@example.com"}) if e.id == dead.rater_id else e
        for e in plan.roster.employees
    ]
    roster = plan.roster.model_copy(update={"employees": employees})
    dump_plan(plan.model_copy(update={"roster": roster}), fresh_ws.plan_path())
    fixed = send_forms(fresh_ws.root)
    assert (fixed.sent, fixed.bounced) == (1, [])
    assert smtp.recorder.received[-1].rcpt_tos == ["corrected@example.com"]
    assert len(smtp.recorder.received) == count + 2
