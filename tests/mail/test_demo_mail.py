"""`perfsheets demo --mail`: the mail round trip against the servers the demo starts itself
(aiosmtpd for what is sent, dovecot for the HR mailbox): forms sent, the raters' replies fetched
and collected, reminders to exactly the raters still missing or rejected, the packs sent."""

from __future__ import annotations

import dataclasses
import hashlib
import mailbox
from email.message import Message
from pathlib import Path

import pytest
from typer.testing import CliRunner

from perfsheets.cli import app
from perfsheets.cli.words import LABELS
from perfsheets.collect.status import return_status
from perfsheets.demo import MailCounts, run_demo
from perfsheets.ledger.mail import fetched
from perfsheets.ledger.workspace import Workspace
from perfsheets.mail import local_server
from perfsheets.mail.replies import Replies

pytestmark = pytest.mark.slow  # a whole demo with a mail server


def kept(demo) -> list[Message]:
    """What the demo's SMTP server received (its Maildir)."""
    return list(mailbox.Maildir(demo.outputs()["mailbox"], create=False))


def attached(msg: Message) -> list[str]:
    return [str(p.get_filename()) for p in msg.walk() if p.get_filename()]


def test_the_demo_mails_the_forms_and_the_packs_to_its_own_server(tmp_path):
    demo = run_demo(tmp_path / "demo", employees=12, seed=1, mail=True)
    stages = {s.stage: s.result for s in demo.stages}
    sent_forms, sent_reports = stages["send"].sent, stages["send-reports"].sent
    assert sent_forms > 0 and sent_reports > 0
    assert [s.stage for s in demo.stages].index("send-reports") > [
        s.stage for s in demo.stages
    ].index("release")
    messages = kept(demo)
    reminded = stages["remind"].sent if "remind" in stages else 0
    assert len(messages) == sent_forms + reminded + sent_reports
    forms = {
        hashlib.sha256(p.read_bytes()).hexdigest()
        for p in (demo.workspace / "forms").glob("*.xlsx")
    }
    files = {
        part.get_filename(): hashlib.sha256(part.get_payload(decode=True)).hexdigest()
        for m in messages
        for part in m.walk()
        if part.get_filename()
    }
    xlsx = {h for name, h in files.items() if name.endswith(".xlsx")}
    assert xlsx and xlsx <= forms  # every form attached is a generated form, byte for byte
    assert any(name.endswith(".pdf") for name in files)  # the managers' packs


@pytest.mark.requires_dovecot
def test_replies_are_fetched_collected_and_the_rest_reminded(tmp_path, monkeypatch):
    password = "demo-" + hashlib.sha256(str(tmp_path).encode()).hexdigest()[:20]
    monkeypatch.setattr(local_server, "new_password", lambda: password)  # to look for it after
    demo = run_demo(
        tmp_path / "demo",
        employees=16,
        seed=2,
        missing=0.15,
        mistakes=0.2,
        report_limit=1,
        mail=True,
    )
    ws = Workspace(demo.workspace)
    replies, fetch, collect = demo.stage("replies"), demo.stage("fetch"), demo.stage("collect")
    assert demo.skipped == []

    # one reply sent twice: saved once; signature images and .docx listed, not saved
    assert replies.sent_twice == 1 and replies.replied == fetch.messages
    assert len(fetch.saved) == replies.replied - 1
    assert len(fetch.duplicates) == 1 and fetch.duplicates[0].reason == "duplicate"
    assert {a.file for a in fetch.ignored} == {"签名.png", "工作总结.docx"}
    assert len(fetch.ignored) >= replies.with_extras > 0
    assert sorted(p.name for p in ws.returns.glob("*_*@*")) == sorted(fetch.paths)

    # collect ran on what arrived: every fetched file accepted or rejected, on record
    outcomes = {Path(f.file).name: f for f in collect.files}
    assert {outcomes[name].outcome for name in fetch.paths} == {"accepted", "rejected"}
    with ws.ledger() as conn:
        stored = {row[0] for row in conn.execute("SELECT sha256 FROM returns")}
        saved = {f.sha256 for f in fetched(conn)}
    accepted = {outcomes[n].sha256 for n in fetch.paths if outcomes[n].outcome == "accepted"}
    assert accepted <= stored and accepted <= saved

    # the reminders went to exactly the raters still missing or rejected (with an address)
    status = return_status(ws.root)
    due = {i.rater_id for i in status.send_back if i.email}
    assert {i.state for i in status.send_back} == {"missing", "rejected"}
    reminders = [m for m in kept(demo) if ".remind." in str(m["Message-ID"])]
    assert {str(m["X-Perfsheets-Rater"]) for m in reminders} == due
    assert len(reminders) == demo.stage("remind").sent == len(due)
    rejected = {i.rater_id: i for i in status.send_back if i.state == "rejected"}
    for msg in reminders:
        if str(msg["X-Perfsheets-Rater"]) in rejected:
            text = msg.get_payload()[0].get_payload(decode=True).decode()
            assert rejected[str(msg["X-Perfsheets-Rater"])].fixes[0] in text

    counts = demo.mail()
    assert counts is not None and counts.fetched == len(fetch.saved)
    assert counts.reminded == len(due) and counts.ignored == len(fetch.ignored)

    # the run's password is nowhere in the workspace (the ledger included)
    secret = password.encode()
    leaks = [p for p in demo.workspace.rglob("*") if p.is_file() and secret in p.read_bytes()]
    assert leaks == []


@pytest.mark.parametrize("dovecot", ["missing", "broken"])
def test_without_dovecot_the_demo_sends_and_says_what_it_skipped(tmp_path, monkeypatch, dovecot):
    program = str(tmp_path / "no-dovecot") if dovecot == "missing" else "/bin/false"
    monkeypatch.setattr(local_server, "DOVECOT", program)
    folder = tmp_path / "demo"
    result = CliRunner().invoke(
        app, ["demo", str(folder), "--employees", "6", "--reports", "1", "--mail"]
    )
    assert result.exit_code == 0, result.output
    text = "".join(result.output.split())  # wrapped to the terminal's width anywhere
    assert "已跳过收取（fetch）和催收（remind）" in text
    assert ("安装dovecot-imapd" if dovecot == "missing" else "dovecot未能启动") in text
    assert "邮件往返" in text
    sent = list(mailbox.Maildir(folder / "mailbox", create=False))
    assert sent and all(".send." in str(m["Message-ID"]) for m in sent)
    assert any(p.suffix == ".xlsx" for p in (folder / "returns").iterdir())  # simulated, kept


def test_the_mail_counts_the_demo_prints_have_labels():
    for result in (MailCounts, Replies):
        names = [f.name for f in dataclasses.fields(result)]
        assert [n for n in names if n not in LABELS] == []
