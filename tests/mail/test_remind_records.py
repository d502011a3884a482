"""perfsheets remind chases the managers of rejected interview-record and PIP workbooks: real
record workbooks written for the consolidated example, one filled wrongly with openpyxl and
collected, the reminder sent to a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from pathlib import Path

import pytest
from collect_support import copied, load_workbook, record_cell, record_forms_workspace, saved_at
from mail_support import write_settings
from typer.testing import CliRunner

from perfsheets.cli import app
from perfsheets.collect.run import collect_returns
from perfsheets.collect.status import return_status
from perfsheets.ledger.mail import messages
from perfsheets.ledger.workspace import Workspace
from perfsheets.mail.send import Outstanding, record_outstanding_of, remind_raters
from perfsheets.plan.io import load_plan

runner = CliRunner()
MANAGER = "E0002"  # 周海伟: the interview records of E0003 ... E0011


@pytest.fixture(scope="module")
def written(tmp_path_factory, consolidated_example) -> Path:
    root = tmp_path_factory.mktemp("remind-records") / "ws"
    return record_forms_workspace(root, consolidated_example)


@pytest.fixture
def ws(written, tmp_path) -> Path:
    return copied(written, tmp_path)


def record_book(ws: Path) -> Path:
    with (ws / "interviews" / "index.csv").open(encoding="utf-8-sig") as handle:
        row = next(r for r in csv.DictReader(handle) if r["manager_id"] == MANAGER)
    return ws / "interviews" / row["file"]


def reject_a_record(ws: Path) -> None:
    """The manager returns their interview record with a date that is no date."""
    wb = load_workbook(record_book(ws))
    sheet = next(s for s in wb.worksheets if s.title.endswith("E0003"))
    record_cell(sheet, "iv:interview_date").value = "下周二"
    out = ws / "returns" / "r.xlsx"
    wb.save(out)
    collect_returns(ws, [saved_at(out, dt.datetime(2026, 12, 1, 8))])


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_rejected_interview_record_is_chased_with_its_fixes_and_workbook(ws, smtp, password):
    write_settings(ws, **smtp.settings(), reminders={"max": 2, "min_days": 2})
    reject_a_record(ws)
    manager = load_plan(ws / "plan.yaml").employee_map()[MANAGER]
    fixes = [f for item in return_status(ws).every_send_back for f in item.fixes]
    assert any("C13" in f and "下周二" in f for f in fixes)
    result = runner.invoke(app, ["remind", str(ws)])
    assert result.exit_code == 0, result.output
    (got,) = smtp.recorder.received  # every assessment form is in: only the record reminder
    assert got.rcpt_tos == [manager.email]
    text = got.text()
    assert "面谈记录" in got.message["Subject"] and "returns/r.xlsx" in text
    assert all(f in text for f in fixes)
    book = record_book(ws)
    assert got.attachments() == {book.name: sha(book)}
    with Workspace(ws).ledger() as conn:
        (sent,) = messages(conn)
    assert (sent.kind, sent.rater_id, sent.form_sha256) == ("remind_record", MANAGER, sha(book))
    # within the cadence: nothing goes out, the manager is counted as not due
    again = runner.invoke(app, ["remind", str(ws), "--lang", "en", "--json"])
    assert len(smtp.recorder.received) == 1 and '"not_due": 1' in again.output


def test_record_and_assessment_reminders_go_in_one_round_each_with_its_file(ws, smtp, password):
    write_settings(ws, **smtp.settings(), reminders={"max": 2, "min_days": 2})
    reject_a_record(ws)
    plan = load_plan(ws / "plan.yaml")
    people = plan.employee_map()
    rater = next(e for e in plan.roster.employees if e.email and e.id != MANAGER)
    records = record_outstanding_of(return_status(ws, lang="en").every_send_back)
    first = remind_raters(ws, [Outstanding(rater.id, "missing")], records=records, lang="en")
    assert first.sent == 2
    by_address = {r.rcpt_tos[0]: r for r in smtp.recorder.received}
    assessment = by_address[rater.email]
    assert "have not received" in assessment.text()
    (form,) = assessment.attachments()
    assert form.endswith(".xlsx") and form != record_book(ws).name
    chased = by_address[people[MANAGER].email]
    assert "interview record you returned" in chased.text()
    # the second and last reminder of the workbook is copied to the manager's manager
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    second = remind_raters(ws, [], records=records, at=later)
    boss = people[people[MANAGER].manager or ""].email
    assert second.sent == 1 and smtp.recorder.received[-1].rcpt_tos == [people[MANAGER].email, boss]
    third = remind_raters(ws, [], records=records, at=later + dt.timedelta(days=3))
    assert third.sent == 0 and third.not_due == 1
