"""perfsheets send / remind against a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import csv
import hashlib
import subprocess
import sys

import pytest
from mail_support import write_settings
from typer.testing import CliRunner

from perfsheets.cli import app
from perfsheets.ledger.mail import messages, refused_messages
from perfsheets.mail.send import send_forms

runner = CliRunner()


def index_rows(ws) -> list[dict[str, str]]:
    with (ws.forms / "index.csv").open(encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def flat(text: str) -> str:
    """Output with rich's line wrapping undone."""
    return " ".join(text.split())


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow  # about 230 forms generated and sent
def test_every_rater_gets_their_form_and_a_second_send_sends_nothing(big_ws, smtp, password):
    write_settings(big_ws.root, **smtp.settings())
    rows = index_rows(big_ws)
    with_email = [r for r in rows if r["email"]]
    assert len(with_email) >= 200
    result = runner.invoke(app, ["send", str(big_ws.root), "--lang", "en"])
    assert result.exit_code == 1, result.output  # exit 1: some raters have no e-mail
    assert "Raters without an e-mail" in flat(result.output) and "BOARD" in result.output
    got = smtp.recorder.received
    assert sorted(smtp.recorder.to()) == sorted(r["email"] for r in with_email)
    by_address = {r.rcpt_tos[0]: r for r in got}
    for row in with_email:
        message = by_address[row["email"]]
        assert message.attachments() == {row["file"]: sha(big_ws.forms / row["file"])}
        assert message.message["Reply-To"] == "returns@example.com"
        assert row["name"] in message.text()
    with big_ws.ledger() as conn:
        sent = messages(conn)
    assert len(sent) == len(with_email) and {m.status for m in sent} == {"sent"}
    assert {m.message_id for m in sent} == {str(r.message["Message-ID"]) for r in got}
    with big_ws.ledger() as conn:
        dump = "\n".join(conn.iterdump())
    assert password not in dump  # audit entries included
    assert password not in (big_ws.root / "mail.yaml").read_text(encoding="utf-8")
    again = runner.invoke(app, ["send", str(big_ws.root)])  # Chinese by default
    assert len(smtp.recorder.received) == len(with_email)
    assert "以前已发送" in again.output


@pytest.mark.slow  # about 230 forms generated and sent
def test_a_connection_dropped_after_50_messages_resumes_with_the_other_ones(big_ws, smtp, password):
    write_settings(big_ws.root, **smtp.settings())
    smtp.recorder.drop_after = 50
    first = runner.invoke(app, ["send", str(big_ws.root), "--lang", "en"])
    assert first.exit_code == 2
    assert "sending stopped (50 sent and recorded)" in flat(first.output)
    assert "Traceback" not in first.output
    assert len(smtp.recorder.received) == 50
    before = set(smtp.recorder.to())
    runner.invoke(app, ["send", str(big_ws.root)])
    to = smtp.recorder.to()
    wanted = {r["email"] for r in index_rows(big_ws) if r["email"]}
    assert len(to) == len(wanted) and set(to) == wanted  # nobody twice, nobody left out
    assert len(set(to[50:]) & before) == 0


def test_a_refused_recipient_is_recorded_and_listed_and_only_resends(small_ws, smtp, password):
    write_settings(small_ws.root, **smtp.settings())
    rows = [r for r in index_rows(small_ws) if r["email"]]
    bad = rows[3]
    smtp.recorder.refuse = {bad["email"]}
    result = runner.invoke(app, ["send", str(small_ws.root), "--lang", "en"])
    assert result.exit_code == 1
    assert "Refused by the server" in flat(result.output) and "550" in result.output
    assert bad["rater_id"] in result.output
    with small_ws.ledger() as conn:
        (refused,) = refused_messages(conn)
    assert refused.rater_id == bad["rater_id"] and "550 5.1.1 no such user" in refused.reply
    assert bad["email"] not in smtp.recorder.to()
    # the address fixed on the server's side: --only resends to the chosen rater alone
    smtp.recorder.refuse = set()
    count = len(smtp.recorder.received)
    only = runner.invoke(
        app, ["send", str(small_ws.root), "--only", f"{bad['rater_id']},{rows[0]['rater_id']}"]
    )
    assert only.exit_code == 0, only.output
    assert sorted(smtp.recorder.to()[count:]) == sorted([bad["email"], rows[0]["email"]])
    with small_ws.ledger() as conn:
        assert refused_messages(conn) == []


def test_tls_variants_deliver(small_ws, smtp_tls, password):
    write_settings(small_ws.root, **smtp_tls.settings())
    result = send_forms(small_ws.root, only=[index_rows(small_ws)[1]["rater_id"]])
    assert result.sent == 1 and len(smtp_tls.recorder.received) == 1


def test_dry_run_writes_eml_files_and_sends_nothing(small_ws, smtp, password):
    write_settings(small_ws.root, **smtp.settings())
    result = send_forms(small_ws.root, dry_run=True, lang="en")
    rows = [r for r in index_rows(small_ws) if r["email"]]
    files = sorted((small_ws.root / "outbox").glob("*.eml"))
    assert result.written == len(rows) == len(files) and smtp.recorder.received == []
    assert b"Subject:" in files[0].read_bytes()
    with small_ws.ledger() as conn:
        assert messages(conn) == []


def test_a_reminder_round_goes_to_exactly_the_missing_and_rejected_raters(small_ws, smtp, password):
    from perfsheets.collect.status import return_status

    write_settings(small_ws.root, **smtp.settings(), reminders={"max": 2, "min_days": 2})
    status = return_status(small_ws.root, lang="en")
    chase = {r.rater_id: r for r in status.raters if r.state != "returned"}
    rejected = {k for k, r in chase.items() if r.state == "rejected"}
    assert rejected and set(chase) - rejected  # the simulated cycle has both
    emails = {k: r.email for k, r in chase.items() if r.email}
    result = runner.invoke(app, ["remind", str(small_ws.root), "--lang", "en"])
    assert result.exit_code in (0, 1), result.output
    assert sorted(smtp.recorder.to()) == sorted(emails.values())
    by_address = {r.rcpt_tos[0]: r for r in smtp.recorder.received}
    for rater, address in emails.items():
        text = by_address[address].text()
        if rater in rejected:
            assert "did not pass the checks" in text
            fixes = [f for o in chase[rater].outstanding for f in o.fixes]
            assert fixes and fixes[0] in text
        else:
            assert "have not received" in text
        (name,) = by_address[address].attachments()
        assert name.endswith(".xlsx")
    # too soon for a second reminder: nothing goes out
    count = len(smtp.recorder.received)
    again = runner.invoke(app, ["remind", str(small_ws.root), "--lang", "en"])
    assert len(smtp.recorder.received) == count and "not due" in flat(again.output)


def test_the_last_reminder_is_copied_to_the_manager(small_ws, smtp, password):
    import datetime as dt

    from perfsheets.mail.send import Outstanding, remind_raters
    from perfsheets.plan.io import load_plan

    write_settings(small_ws.root, **smtp.settings(), reminders={"max": 2, "min_days": 2})
    plan = load_plan(small_ws.plan_path())
    people = {e.id: e for e in plan.roster.employees}
    rater = next(e for e in plan.roster.employees if e.manager and e.email)
    chase = [Outstanding(rater.id, "missing")]
    first = remind_raters(small_ws.root, chase)
    assert first.sent == 1 and smtp.recorder.received[-1].rcpt_tos == [rater.email]
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    second = remind_raters(small_ws.root, chase, at=later)
    boss = people[rater.manager].email  # type: ignore[index]
    assert second.sent == 1 and smtp.recorder.received[-1].rcpt_tos == [rater.email, boss]
    third = remind_raters(small_ws.root, chase, at=later + dt.timedelta(days=3))
    assert third.sent == 0 and third.not_due == 1


def test_wrong_password_is_one_line_and_exit_2(small_ws, smtp, monkeypatch):
    write_settings(small_ws.root, **smtp.settings())
    monkeypatch.setenv("PERFSHEETS_MAIL_PASSWORD", "wrong")
    done = subprocess.run(
        [sys.executable, "-m", "perfsheets", "send", str(small_ws.root), "--lang", "en"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "refused the login" in lines[0] and "wrong" not in lines[0][-6:]
    assert "Traceback" not in done.stderr + done.stdout
    assert smtp.recorder.received == []


def test_an_unreachable_server_is_one_line_in_chinese(fresh_ws, password):
    from mail_support import free_port

    write_settings(fresh_ws.root, port=free_port(), security="none")
    done = subprocess.run(
        [sys.executable, "-m", "perfsheets", "send", str(fresh_ws.root)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "无法连接邮件服务器" in done.stderr


@pytest.mark.parametrize("text", ["password: x\nhost: h\nsender: a@b.c\n", "host: [\n"])
def test_bad_settings_are_refused_clearly(fresh_ws, text):
    (fresh_ws.root / "mail.yaml").write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["send", str(fresh_ws.root), "--lang", "en"])
    assert result.exit_code == 2 and "mail.yaml" in result.output
    assert "Traceback" not in result.output


def test_a_workspace_template_overrides_the_package_one(small_ws, smtp, password):
    folder = small_ws.root / "templates" / "mail"
    folder.mkdir(parents=True)
    (folder / "send.en.j2").write_text(
        "Forms of {{ cycle }} for {{ name }}\nDue {{ due }}; you rate {{ ratees|join(', ') }}.\n",
        encoding="utf-8",
    )
    write_settings(small_ws.root, **smtp.settings())
    row = next(r for r in index_rows(small_ws) if r["email"])
    send_forms(small_ws.root, only=[row["rater_id"]], lang="en")
    (got,) = smtp.recorder.received
    assert got.message["Subject"].endswith(f"for {row['name']}")
    assert got.text().startswith("Due 20") and "you rate" in got.text()
    # the Chinese template is still the package's
    send_forms(small_ws.root, only=[row["rater_id"]], lang="zh-CN")
    assert "请于" in smtp.recorder.received[-1].message["Subject"]
