"""perfsheets send --reports against a real SMTP server (aiosmtpd) on 127.0.0.1: a released
16-person cycle whose reports and packs were written by the report stage."""

from __future__ import annotations

import hashlib
import io
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from mail_support import Received, write_settings
from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError
from typer.testing import CliRunner

from perfsheets.cli import app
from perfsheets.ledger.mail import Bounce, messages, record_bounce
from perfsheets.ledger.reports import report_files
from perfsheets.ledger.workspace import Workspace
from perfsheets.mail.reports import DRY_RUN_PASSWORD, send_reports
from perfsheets.plan.io import load_plan

runner = CliRunner()
PASSWORD_LINE = re.compile(r"^ {4}(\S{4}-\S{4}-\S{4}-\S{4})$", re.M)


def flat(text: str) -> str:
    return " ".join(text.split())


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def allow_employees(ws: Workspace, encrypt: bool = False) -> None:
    plan = ws.root / "plan.yaml"
    text = plan.read_text(encoding="utf-8")
    assert "\nmail:" not in text  # the defaults: packs to managers only, not encrypted
    text += f"mail:\n  reports_to_employees: true\n  encrypt_reports: {str(encrypt).lower()}\n"
    plan.write_text(text, encoding="utf-8")


def emails(ws: Workspace) -> dict[str, str]:
    return {e.id: e.email for e in load_plan(ws.plan_path()).roster.employees}


def files(ws: Workspace, kind: str) -> dict[str, Path]:
    """person id -> the PDF of that kind the report stage wrote."""
    with ws.ledger() as conn:
        return {f.person_id: ws.reports / f.file for f in report_files(conn, kind)}  # type: ignore[arg-type]


def received_by(smtp) -> dict[str, list[Received]]:
    got: dict[str, list[Received]] = defaultdict(list)
    for r in smtp.recorder.received:
        got[r.rcpt_tos[0]].append(r)
    return got


def pdf_of(message: Received) -> bytes:
    (part,) = list(message.message.iter_attachments())
    return part.get_payload(decode=True)


def password_in(message: Received) -> str:
    assert list(message.message.iter_attachments()) == []
    (found,) = PASSWORD_LINE.findall(message.text())
    return found


def text_of(pdf: bytes, password: str | None = None) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    if password is not None:
        assert reader.is_encrypted
        reader.decrypt(password)
    return "".join(page.extract_text() or "" for page in reader.pages)


def workspace_bytes(ws: Workspace) -> list[tuple[Path, bytes]]:
    return [(p, p.read_bytes()) for p in ws.root.rglob("*") if p.is_file()]


def test_each_manager_gets_their_pack_and_employees_nothing_by_default(released_ws, smtp, password):
    ws = released_ws
    write_settings(ws.root, **smtp.settings())
    packs = files(ws, "pack")
    assert len(packs) >= 3
    result = runner.invoke(app, ["send", str(ws.root), "--reports", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "packs sent" in result.output and "Traceback" not in result.output
    got = received_by(smtp)
    address = emails(ws)
    assert set(got) == {address[m] for m in packs}  # nobody but the managers
    for manager, path in packs.items():
        (message,) = got[address[manager]]
        assert sha(pdf_of(message)) == sha(path.read_bytes())
        # in the language of the PDF it carries (the plan's, Chinese), whatever --lang says
        assert next(iter(message.attachments())).startswith("团队汇总_")
        assert message.message["Subject"].startswith("【")
    with ws.ledger() as conn:
        sent = messages(conn)
    assert Counter(m.kind for m in sent) == {"pack": len(packs)}
    assert {m.form_sha256 for m in sent} == {sha(p.read_bytes()) for p in packs.values()}
    # again: nothing is sent twice
    again = runner.invoke(app, ["send", str(ws.root), "--reports"])
    assert again.exit_code == 0, again.output
    assert len(smtp.recorder.received) == len(packs) and "以前已发送" in again.output


def test_employees_get_their_own_report_when_the_plan_allows_it(released_ws, smtp, password):
    ws = released_ws
    allow_employees(ws)
    write_settings(ws.root, **smtp.settings())
    result = send_reports(ws.root)
    reports, packs = files(ws, "report"), files(ws, "pack")
    assert 10 <= len(reports) <= 20
    assert result.reports_sent == len(reports) and result.packs_sent == len(packs)
    assert result.exit_code == 0 and result.passwords_sent == 0
    got = received_by(smtp)
    address = emails(ws)
    for person, path in reports.items():
        mine = got[address[person]]
        assert len(mine) == (2 if person in packs else 1)  # a manager: pack and own report
        digests = {sha(pdf_of(m)) for m in mine}
        assert sha(path.read_bytes()) in digests
        own = next(m for m in mine if sha(pdf_of(m)) == sha(path.read_bytes()))
        name = load_plan(ws.plan_path()).employee_map()[person].name
        assert name in own.text() and "绩效面谈报告" in own.message["Subject"]
        assert name in text_of(pdf_of(own))
    assert send_reports(ws.root).sent == 0  # a second run sends nothing


def test_encrypted_reports_open_only_with_the_password_of_the_separate_message(
    released_ws, smtp, password
):
    ws = released_ws
    allow_employees(ws, encrypt=True)  # the plan's setting, no --encrypt needed
    write_settings(ws.root, **smtp.settings())
    result = runner.invoke(app, ["send", str(ws.root), "--reports", "--lang", "en"])
    assert result.exit_code == 0, result.output
    reports, packs = files(ws, "report"), files(ws, "pack")
    received = smtp.recorder.received
    assert len(received) == 2 * (len(reports) + len(packs))
    plan = load_plan(ws.plan_path())
    passwords: list[str] = []
    for first, second in zip(received[::2], received[1::2], strict=True):
        # each PDF is followed by its password, to the same person, in a message of its own
        assert first.rcpt_tos == second.rcpt_tos
        pdf, key = pdf_of(first), password_in(second)
        passwords.append(key)
        with pytest.raises(FileNotDecryptedError):
            text_of(pdf)
        assert PdfReader(io.BytesIO(pdf)).decrypt("wrong-password") == 0
        person = first.message["X-Perfsheets-Rater"]
        name = plan.employee_map()[person].name
        assert name in text_of(pdf, key)
        assert key not in first.text()
    assert len(set(passwords)) == len(passwords)  # one password per PDF
    with ws.ledger() as conn:
        sent = messages(conn)
        dump = "\n".join(conn.iterdump()).encode()
    assert Counter(m.kind for m in sent) == {
        "report": len(reports),
        "pack": len(packs),
        "password": len(reports) + len(packs),
    }
    by_id = {m.message_id: m for m in sent}
    assert all(by_id[m.unlocks].encrypted for m in sent if m.kind == "password")
    # never stored: not in the ledger (audit log included), nor in any file of the workspace
    for key in passwords:
        assert key.encode() not in dump
        for path, data in workspace_bytes(ws):
            assert key.encode() not in data, path
    # re-running sends nothing; --only sends one person their PDFs again, with new passwords
    assert send_reports(ws.root).sent == 0
    manager = sorted(packs)[-1]
    count = len(received)
    again = send_reports(ws.root, only=[manager])
    assert again.packs_sent == 1 and again.reports_sent == 1 and again.passwords_sent == 2
    new = received[count:]
    assert {r.rcpt_tos[0] for r in new} == {plan.employee_map()[manager].email}
    fresh = [password_in(m) for m in new[1::2]]
    assert not set(fresh) & set(passwords)
    assert plan.employee_map()[manager].name in text_of(pdf_of(new[0]), fresh[0])


def test_without_released_results_nothing_is_sent(released_ws, smtp, password):
    ws = released_ws
    write_settings(ws.root, **smtp.settings())
    reopened = runner.invoke(app, ["release", str(ws.root), "--reopen", "--reason", "appeal"])
    assert reopened.exit_code == 0, reopened.output
    result = runner.invoke(app, ["send", str(ws.root), "--reports"])
    assert result.exit_code == 2 and "不能发送报告" in result.output and "appeal" in result.output
    result = runner.invoke(app, ["send", str(ws.root), "--reports", "--lang", "en"])
    assert result.exit_code == 2 and "run perfsheets release and perfsheets report again" in flat(
        result.output
    )
    assert smtp.recorder.received == []
    with ws.ledger() as conn:
        conn.execute("DELETE FROM releases")
    result = runner.invoke(app, ["send", str(ws.root), "--reports", "--lang", "en"])
    assert result.exit_code == 2 and "the results are not released" in result.output


def test_a_connection_dropped_half_way_resumes_without_duplicates(released_ws, smtp, password):
    ws = released_ws
    allow_employees(ws)
    write_settings(ws.root, **smtp.settings())
    smtp.recorder.drop_after = 7
    first = runner.invoke(app, ["send", str(ws.root), "--reports", "--lang", "en"])
    assert first.exit_code == 2 and "sending stopped (7 sent and recorded)" in flat(first.output)
    assert len(smtp.recorder.received) == 7
    second = runner.invoke(app, ["send", str(ws.root), "--reports", "--lang", "en"])
    assert second.exit_code == 0, second.output
    digests = Counter((r.rcpt_tos[0], sha(pdf_of(r))) for r in smtp.recorder.received)
    assert set(digests.values()) == {1}  # nobody got a PDF twice
    assert len(digests) == len(files(ws, "report")) + len(files(ws, "pack"))


def test_a_cut_between_a_pdf_and_its_password_sends_that_pdf_again_with_a_new_one(
    released_ws, smtp, password
):
    ws = released_ws
    write_settings(ws.root, **smtp.settings())
    smtp.recorder.drop_after = 3  # pack 1, its password, pack 2 — then the cut
    first = send_reports_cut(ws)
    assert "3" in first
    received = smtp.recorder.received
    cut_to = received[2].rcpt_tos[0]
    result = send_reports(ws.root, encrypt=True)
    assert result.exit_code == 0
    # the person cut off gets their pack again, with the password that opens this copy
    again = [r for r in received[3:] if r.rcpt_tos[0] == cut_to]
    assert len(again) == 2
    assert text_of(pdf_of(again[0]), password_in(again[1]))
    # everyone else got one pack and one password
    counts = Counter(r.rcpt_tos[0] for r in received)
    assert {a: n for a, n in counts.items() if a != cut_to} == {a: 2 for a in counts if a != cut_to}
    assert counts[cut_to] == 3
    assert send_reports(ws.root, encrypt=True).sent == 0


def send_reports_cut(ws: Workspace) -> str:
    from perfsheets.mail.settings import MailError

    with pytest.raises(MailError) as cut:
        send_reports(ws.root, encrypt=True, lang="en")
    return cut.value.en


def test_unaddressed_bounced_and_changed_are_listed_and_exit_1(released_ws, smtp, password):
    ws = released_ws
    allow_employees(ws)
    write_settings(ws.root, **smtp.settings())
    reports, packs = files(ws, "report"), files(ws, "pack")
    managers = sorted(packs)
    address = emails(ws)
    # a manager without an address, a manager whose address bounced, a report edited by hand
    plan = ws.root / "plan.yaml"
    nobody = managers[1]
    plan.write_text(
        plan.read_text(encoding="utf-8").replace(f"email: {address[nobody]}", "email: ''"),
        encoding="utf-8",
    )
    bounced = managers[2]
    with ws.ledger() as conn:
        record_bounce(
            conn,
            Bounce("<old@x>", bounced, address[bounced], "5.1.1", True, "no such user", "t"),
        )
    outdated = managers[0]  # a pack written from other results than the released ones
    with ws.ledger() as conn:
        conn.execute(
            "UPDATE report_files SET results_digest='0' WHERE kind='pack' AND person_id=?",
            (outdated,),
        )
    employees = sorted(set(reports) - set(packs))
    changed = employees[0]
    reports[changed].write_bytes(reports[changed].read_bytes() + b"\n% edited\n")
    result = runner.invoke(app, ["send", str(ws.root), "--reports", "--lang", "en"])
    assert result.exit_code == 1, result.output
    out = flat(result.output)
    assert "People without an e-mail" in out and nobody in out
    assert "People whose address bounced" in out and bounced in out
    assert "Problems" in out and f"reports/{reports[changed].name}" in result.output
    got = received_by(smtp)
    assert address[changed] not in got and address[bounced] not in got
    assert len(got[address[outdated]]) == 1  # their own report, not the outdated pack
    assert sum(len(v) for v in got.values()) == len(reports) + len(packs) - 1 - 2 - 2 - 1
    # the second run: the same people listed again, nothing sent twice
    again = send_reports(ws.root)
    assert again.sent == 0 and again.exit_code == 1
    assert sorted(again.report.codes()) == ["report-changed", "report-outdated"]
    words = {p.code: p.message("zh-CN") for p in again.report}
    assert "在生成后被改动或删除" in words["report-changed"]
    assert (
        "不是按已发布的结果生成的" in words["report-outdated"]
        and outdated in words["report-outdated"]
    )
    assert [u.rater_id for u in again.no_email] == [nobody]
    assert [b.rater_id for b in again.bounced] == [bounced]


def test_dry_run_writes_eml_files_without_the_passwords(released_ws, smtp, password):
    ws = released_ws
    allow_employees(ws)
    write_settings(ws.root, **smtp.settings())
    result = runner.invoke(
        app, ["send", str(ws.root), "--reports", "--encrypt", "--dry-run", "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    reports, packs = files(ws, "report"), files(ws, "pack")
    outbox = sorted((ws.root / "outbox").glob("*.eml"))
    assert len(outbox) == 2 * (len(reports) + len(packs)) and smtp.recorder.received == []
    keys = [p for p in outbox if p.name.startswith("password-")]
    assert {p.name.split("-")[1] for p in keys} == {"pack", "report"}
    for path in keys:
        message = Received("", [], path.read_bytes())
        assert DRY_RUN_PASSWORD in message.text() and not PASSWORD_LINE.search(message.text())
    with ws.ledger() as conn:
        assert messages(conn) == []


def test_encrypt_without_reports_is_a_usage_error(released_ws):
    result = runner.invoke(app, ["send", str(released_ws.root), "--encrypt", "--lang", "en"])
    assert result.exit_code == 2 and "--encrypt goes with --reports" in result.output
