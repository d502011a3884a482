"""Rejected interview-record and PIP workbooks on the send-back list: real record workbooks
written for a consolidated workspace, filled with openpyxl, collected; each rejected file goes
to the manager who wrote it with the located problems in the run's language, formula-injection
safe, until a later version is accepted; files of another cycle are nobody's; ``status`` shows
them and ``remind`` (which re-attaches assessment forms) is not given them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from collect_support import (
    copied,
    load_workbook,
    record_cell,
    record_forms_workspace,
    resave_with_libreoffice,
    saved_at,
)
from typer.testing import CliRunner

from perfsheets.cli.app import app
from perfsheets.collect.outcome import SendBack
from perfsheets.collect.run import collect_returns
from perfsheets.collect.status import return_status
from perfsheets.plan.io import load_plan

TODAY = dt.date.today()
DAY = TODAY - dt.timedelta(days=2)
START = TODAY - dt.timedelta(days=100)
RECORD = "面谈记录_E0002_周海伟.xlsx"  # E0002's sheets: E0003 ... E0011
PIP = "绩效改进计划_E0002_周海伟.xlsx"  # E0003, E0008, E0009: the C grades
EARLY = dt.datetime(2026, 12, 1, 8)
LATER = dt.datetime(2026, 12, 2, 8)


@pytest.fixture(scope="module")
def written(tmp_path_factory, consolidated_example) -> Path:
    """The built-in example (40 people), consolidated, with interview record and PIP forms."""
    root = tmp_path_factory.mktemp("record-send-back") / "ws"
    return record_forms_workspace(root, consolidated_example, pips_from=START)


@pytest.fixture
def ws(written, tmp_path) -> Path:
    return copied(written, tmp_path)


def fill(ws: Path, form: str, values: dict, name: str, saved: dt.datetime = EARLY) -> Path:
    """A copy of a record workbook with {sheet: {key or key|meaning: value}} typed in."""
    folder = "interviews" if form == RECORD else "pips"
    wb = load_workbook(ws / folder / form)
    for sheet, cells in values.items():
        for key, value in cells.items():
            k, _, meaning = key.partition("|")
            target = wb["_meta"] if sheet == "_meta" else wb[sheet]
            if sheet == "_meta":
                row = next(r for r in target.iter_rows() if r[0].value == k)
                row[1].value = value
            else:
                record_cell(target, k, meaning or "value").value = value
    out = ws / "returns" / name
    wb.save(out)
    return saved_at(out, saved)


def agreed(employee: str) -> dict[str, object]:
    return {
        "iv:interview_date": DAY,
        "iv:view": "同意",
        "iv:manager_name": "周海伟",
        "iv:manager_date": DAY,
        "iv:employee_name": employee,
        "iv:employee_date": DAY,
        "goal:1|goal": "新客户签约",
        "goal:1|weight": 100,
    }


def person(ws: Path, employee: str) -> tuple[str, str, str, str]:
    e = load_plan(ws / "plan.yaml").employee_map()[employee]
    return e.id, e.name, e.department, e.email


def since(ws: Path, file: str) -> str:
    return next(s.since for s in return_status(ws).every_send_back if s.file == file)


def csv_rows(ws: Path) -> list[dict[str, str]]:
    text = (ws / "results" / "send_back.csv").read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_a_rejected_record_sheet_goes_back_to_its_manager_until_corrected(ws):
    bad = agreed("梁辉") | {"iv:interview_date": "下周二", "goal:1|weight": 90}
    book = fill(ws, RECORD, {"梁辉 E0003": bad, "胡志娜 E0004": agreed("胡志娜")}, "r.xlsx")
    result = collect_returns(ws, [book])
    assert [(f.outcome, f.rejected_sheets) for f in result.files] == [("accepted", 1)]
    first = since(ws, "returns/r.xlsx")
    expected = SendBack(
        *person(ws, "E0002"),
        "returns/r.xlsx",
        [
            "梁辉 E0003!C13: 面谈日期应为日期（如 2027-01-20），填写的是“下周二”",
            "梁辉 E0003!F31: 下期目标的权重合计为 90，应为 100",
        ],
        ["梁辉 E0003"],
        first,
        kind="interview",
    )
    assert result.send_back == [expected]
    status = return_status(ws)
    assert status.send_back == []  # what remind chases with assessment forms: not these
    assert status.every_send_back == [expected]
    (row,) = csv_rows(ws)
    assert (row["rater_id"], row["state"], row["kind"], row["sheets"]) == (
        "E0002",
        "rejected",
        "interview",
        "梁辉 E0003",
    )
    assert row["fixes"] == "\n".join(expected.fixes)
    # the same file checked again later: still outstanding, since its first rejection
    assert collect_returns(ws, [book]).send_back == [expected]
    # the corrected sheet, saved later: nothing is left to send back
    good = fill(ws, RECORD, {"梁辉 E0003": agreed("梁辉")}, "r2.xlsx", saved=LATER)
    result = collect_returns(ws, [good])
    assert [f.outcome for f in result.files] == ["accepted"] and result.send_back == []
    assert csv_rows(ws) == []


def test_a_record_file_rejected_whole_lists_every_problem_in_english(ws):
    edited = agreed("梁辉") | {"iv:grade": "S 卓越"}
    book = fill(ws, RECORD, {"梁辉 E0003": edited}, "edited.xlsx")
    result = collect_returns(ws, [book], lang="en")
    assert [f.outcome for f in result.files] == ["rejected"]
    (item,) = result.send_back
    assert (item.rater_id, item.file, item.sheets, item.kind) == (
        "E0002",
        "returns/edited.xlsx",
        [],
        "interview",
    )
    assert item.fixes == [p.sheet + "!" + p.cell + ": " + p.message("en") for p in result.report]
    assert [p.code for p in result.report] == ["locked-changed"]
    rows = return_status(ws, lang="en").outstanding_rows()
    assert [(r["Rater id"], r["To send again"]) for r in rows] == [("E0002", "the whole file")]
    # an older good version arriving late does not clear it; one saved later does
    old = fill(ws, RECORD, {"胡志娜 E0004": agreed("胡志娜")}, "old.xlsx", saved=EARLY)
    saved_at(book, LATER)
    collect_returns(ws, [book, old])
    assert [s.file for s in return_status(ws).every_send_back] == ["returns/edited.xlsx"]
    newer = fill(ws, RECORD, {"曹浩静 E0005": agreed("曹浩静")}, "new.xlsx", LATER)
    saved_at(newer, LATER + dt.timedelta(hours=1))
    assert collect_returns(ws, [newer]).send_back == []


def test_a_rejected_pip_goes_to_its_manager_formula_safe(ws):
    plan = ws / "plan.yaml"  # a manager's name a spreadsheet would run as a formula
    text = plan.read_text(encoding="utf-8")
    plan.write_text(text.replace("周海伟", "=HYPERLINK(1)"), encoding="utf-8")
    bad = {"checkpoint:1|result": "还行", "checkpoint:2|result": "=1+1"}
    book = fill(ws, PIP, {"梁辉 E0003": bad}, "pip.xlsx")
    result = collect_returns(ws, [book])
    assert [(p.code, p.sheet, p.cell) for p in result.report] == [
        ("not-allowed", "梁辉 E0003", "C23"),
        ("formula-in-input", "梁辉 E0003", "C24"),
    ]
    (item,) = result.send_back
    assert (item.rater_id, item.rater_name, item.kind, item.sheets) == (
        "E0002",
        "=HYPERLINK(1)",
        "pip",
        ["梁辉 E0003"],
    )
    assert item.fixes == [f"{p.sheet}!{p.cell}: {p.message()}" for p in result.report]
    (row,) = csv_rows(ws)
    assert row["rater_name"] == "'=HYPERLINK(1)" and row["kind"] == "pip"


def test_a_record_file_of_another_cycle_is_nobodys(ws):
    foreign = fill(ws, RECORD, {"_meta": {"cycle_id": "2025"}}, "foreign.xlsx")
    result = collect_returns(ws, [foreign])
    assert [(p.code, p.sheet) for p in result.report] == [("wrong-cycle", "_meta")]
    (item,) = result.send_back
    assert (item.rater_id, item.file, item.kind) == ("", "returns/foreign.xlsx", "interview")
    assert [f.rater_id for f in result.files] == [None]
    status = return_status(ws)
    assert status.every_send_back == [] and status.unidentified_rejected == 1


def test_status_on_the_command_line_shows_the_rejected_record(ws):
    bad = agreed("梁辉") | {"iv:view": "基本同意"}
    collect_returns(ws, [fill(ws, RECORD, {"梁辉 E0003": bad}, "cli.xlsx")])
    out = CliRunner().invoke(app, ["status", str(ws), "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert [
        (s["rater_id"], s["file"], s["sheets"], s["kind"]) for s in data["record_send_back"]
    ] == [("E0002", "returns/cli.xlsx", ["梁辉 E0003"], "interview")]
    table = CliRunner().invoke(app, ["status", str(ws)])
    assert table.exit_code == 0 and "Traceback" not in table.output


@pytest.mark.requires_soffice
def test_a_rejected_record_saved_by_libreoffice_is_sent_back_alike(ws, tmp_path):
    bad = agreed("梁辉") | {"iv:interview_date": "下周二"}
    book = fill(ws, RECORD, {"梁辉 E0003": bad}, "lo.xlsx")
    (saved,) = resave_with_libreoffice([book], tmp_path / "lo", tmp_path / "profile")
    book.unlink()
    result = collect_returns(ws, [saved])
    assert [(p.code, p.sheet, p.cell) for p in result.report] == [("bad-date", "梁辉 E0003", "C13")]
    (item,) = result.send_back
    assert (item.rater_id, item.sheets, item.kind) == ("E0002", ["梁辉 E0003"], "interview")
    assert item.fixes == ["梁辉 E0003!C13: 面谈日期应为日期（如 2027-01-20），填写的是“下周二”"]
