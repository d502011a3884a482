"""perfsheets fetch against a real IMAP server (dovecot, unprivileged, on 127.0.0.1)."""

from __future__ import annotations

import csv
import hashlib
import json
from email.message import EmailMessage
from pathlib import Path

import pytest
from collect_support import fill_form, zip_files
from mail_support import write_settings
from typer.testing import CliRunner

from perfsheets.cli import app
from perfsheets.ledger.mail import fetched
from perfsheets.mail.fetch import fetch_returns

pytestmark = pytest.mark.requires_dovecot
runner = CliRunner()


def flat(text: str) -> str:
    return " ".join(text.split())


def mail(sender: str, attachments: dict[str, bytes], subject: str = "回复：考核表") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "returns@example.com"
    msg["Subject"] = subject
    msg["Date"] = "Mon, 30 Nov 2026 09:15:00 +0800"
    msg.set_content("已填好，请查收。")
    for name, data in attachments.items():
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return msg


def filled(ws, tmp: Path, count: int) -> list[tuple[dict[str, str], Path]]:
    with (ws.forms / "index.csv").open(encoding="utf-8-sig") as handle:
        rows = [r for r in csv.DictReader(handle) if r["email"]][:count]
    return [(r, fill_form(ws.forms / r["file"], tmp / r["file"])) for r in rows]


def imap(dovecot, **more: object) -> dict[str, object]:
    """The imap settings for this server (TLS trusting the test CA when it speaks TLS)."""
    security = "ssl" if dovecot.context is not None else "none"
    return {"host": "127.0.0.1", "port": dovecot.port, "security": security, **more}


def settings(ws, dovecot, ca) -> None:
    write_settings(ws.root, imap=imap(dovecot), ca_file=str(ca[1]))


@pytest.mark.slow
def test_fetch_saves_returns_once_lists_the_rest_and_collects(
    fresh_ws, dovecot, password, tmp_path, ca
):
    (r1, f1), (r2, f2), (r3, f3) = filled(fresh_ws, tmp_path, 3)
    one = f1.read_bytes()
    packed = zip_files(tmp_path / "returns.zip", {f2.name: f2, f3.name: f3}).read_bytes()
    dovecot.append(mail(r1["email"], {f1.name: one}))
    dovecot.append(mail(r1["email"], {f1.name: one}, "again"))  # the same file twice
    dovecot.append(mail(r2["email"], {"returns.zip": packed}))
    dovecot.append(mail(r3["email"], {"总结.docx": b"PK\x03\x04docx", "logo.png": b"\x89PNG"}))
    dovecot.append(mail(r3["email"], {}))  # no attachment
    settings(fresh_ws, dovecot, ca)

    result = runner.invoke(app, ["fetch", str(fresh_ws.root), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    saved = sorted(p.name for p in fresh_ws.returns.iterdir())
    assert len(saved) == 2
    assert any(r1["email"] in n and n.endswith(f1.name) for n in saved)
    assert any(n.startswith("20261130-091500_") and n.endswith("returns.zip") for n in saved)
    for name in saved:
        data = (fresh_ws.returns / name).read_bytes()
        assert data in (one, packed)
    assert [d["file"] for d in report["fetch"]["duplicates"]] == [f1.name]
    assert [d["file"] for d in report["fetch"]["ignored"]] == ["总结.docx", "logo.png"]
    assert report["fetch"]["without_attachment"] == [r3["email"]]
    with fresh_ws.ledger() as conn:
        rows = fetched(conn)
        accepted = conn.execute("SELECT COUNT(*) FROM returns").fetchone()[0]
    assert {r.sha256 for r in rows} == {hashlib.sha256(d).hexdigest() for d in (one, packed)}
    assert accepted == 3  # collect ran on the xlsx and both files of the zip
    assert all("\\Seen" in line for line in dovecot.flags())
    assert "ID sent: name=perfsheets" in dovecot.log()  # RFC 2971 ID, as NetEase requires

    # nothing new: a second fetch saves nothing; a new message with a known file neither
    assert fetch_returns(fresh_ws.root).messages == 0
    dovecot.append(mail(r2["email"], {"again.zip": packed}))
    again = fetch_returns(fresh_ws.root)
    assert again.messages == 1 and again.saved == [] and len(again.duplicates) == 1
    assert len(list(fresh_ws.returns.iterdir())) == 2


def test_fetch_can_move_processed_messages_and_skip_collect(
    fresh_ws, dovecot, password, tmp_path, ca
):
    ((r1, f1),) = filled(fresh_ws, tmp_path, 1)
    dovecot.append(mail(r1["email"], {f1.name: f1.read_bytes()}))
    write_settings(fresh_ws.root, imap=imap(dovecot, processed="move"), ca_file=str(ca[1]))
    result = runner.invoke(app, ["fetch", str(fresh_ws.root), "--no-collect"])
    assert result.exit_code == 0, result.output
    assert dovecot.flags() == []  # moved out of the INBOX
    with fresh_ws.ledger() as conn:
        assert conn.execute("SELECT COUNT(*) FROM returns").fetchone()[0] == 0


@pytest.mark.slow
def test_a_wrong_imap_password_is_one_line_and_exit_2(fresh_ws, dovecot, monkeypatch, ca):
    settings(fresh_ws, dovecot, ca)
    monkeypatch.setenv("PERFSHEETS_MAIL_PASSWORD", "wrong")
    result = runner.invoke(app, ["fetch", str(fresh_ws.root)])
    assert result.exit_code == 2
    assert "拒绝登录" in result.output and result.output.strip().count("\n") == 0
