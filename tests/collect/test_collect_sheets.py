"""Per-sheet acceptance, supersession in the rater's save order, and the send-back list as the
state of the cycle: real generated forms, filled with openpyxl, collected and read back."""

from __future__ import annotations

import csv
import datetime as dt
import os
import time
from pathlib import Path

import pytest
from collect_support import (
    bounded_plan,
    ledger_rows,
    prepared_workspace,
    put,
    returned,
    saved_at,
)

from perfsheets.collect.run import collect_returns
from perfsheets.collect.status import return_status
from perfsheets.ledger.results import accepted_entries
from perfsheets.ledger.returns import current_entries
from perfsheets.ledger.status import forms_without_return
from perfsheets.ledger.workspace import Workspace

SELF = "自评 李娜"  # E002's own sheet
PEER = "张伟 E003"  # E002 rating a peer
T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def version(ws: Workspace, name: str, minute: int | dt.datetime, *edits) -> Path:
    """E002's filled form with ``edits``, saved (by its own record) ``minute`` after T0."""

    def edit(wb) -> None:
        for e in edits:
            e(wb)

    when = minute if isinstance(minute, dt.datetime) else at(minute)
    return saved_at(returned(ws, "E002", edit, name), when)


@pytest.fixture
def plan(small_plan):
    plan = bounded_plan(small_plan)
    people = [
        e.model_copy(update={"email": f"{e.id.lower()}@example.com"}) for e in plan.roster.employees
    ]
    roster = plan.roster.model_copy(update={"employees": people})
    return plan.model_copy(update={"roster": roster})


@pytest.fixture
def ws(tmp_path: Path, tmp_path_factory, plan) -> Workspace:
    return prepared_workspace(tmp_path_factory, "cycle-mail", plan, tmp_path / "cycle")


def in_force(ws: Workspace, ratee: str, item: str, rater: str = "E002") -> list[float | None]:
    with ws.ledger() as conn:
        rows = current_entries(conn)
        assert sorted(rows) == sorted(accepted_entries(conn))  # what consolidation reads
    return [r[5] for r in rows if (r[0], r[1], r[3]) == (ratee, rater, item)]


def send_back(ws: Workspace) -> list[dict[str, str]]:
    text = (ws.results / "send_back.csv").read_bytes()
    assert text.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(text.decode("utf-8-sig").splitlines()))


def rejected_rows(ws: Workspace) -> dict[str, dict[str, str]]:
    return {r["rater_id"]: r for r in send_back(ws) if r["state"] == "rejected"}


def outstanding_raters(ws: Workspace) -> set[str]:
    with ws.ledger() as conn:
        return {rater for _form, rater in forms_without_return(conn)}


def sheets_of(ws: Workspace, rater: str) -> list[str]:
    rows = ledger_rows(
        ws,
        "SELECT s.sheet FROM form_sheets s JOIN forms f USING (form_id) WHERE f.rater_id=?",
        rater,
    )
    return [r[0] for r in rows]


# --- one bad sheet does not sink the return -------------------------------------------------


def test_one_blank_required_cell_rejects_only_its_sheet(ws, plan):
    path = returned(ws, "E002", put(PEER, "competency:C1", None))
    result = collect_returns(ws.root, [path], plan=plan, workers=0)
    (outcome,) = result.files
    assert (outcome.outcome, outcome.rejected_sheets, result.exit_code) == ("accepted", 1, 1)
    assert {p.code for p in result.report} == {"required-missing", "partly-accepted"}
    # the other sheets count; nothing of the faulty sheet does
    assert in_force(ws, "E002", "kpi:S01") == [90.0]
    assert in_force(ws, "E003", "competency:C2") == []
    row = rejected_rows(ws)["E002"]
    assert (row["sheets"], row["email"]) == (PEER, "e002@example.com")
    assert row["file"] == f"returns/{path.name}"
    assert "competency" not in row["fixes"] and PEER in row["fixes"]
    assert "E002" in outstanding_raters(ws)  # consolidation counts the form as not all in
    # the correction: only the faulty sheet had to change, and it now counts
    fixed = returned(ws, "E002", put(PEER, "competency:C1", 5), name="E002 fixed.xlsx")
    again = collect_returns(ws.root, [fixed], plan=plan, workers=0)
    assert [f.outcome for f in again.files] == ["superseded"] and again.exit_code == 0
    assert in_force(ws, "E003", "competency:C1") == [5.0]
    assert in_force(ws, "E002", "kpi:S01") == [90.0]
    assert "E002" not in rejected_rows(ws)
    assert "E002" not in outstanding_raters(ws)


def test_a_correction_supersedes_per_sheet_and_the_other_sheets_keep_theirs(ws, plan):
    first = version(ws, "v1.xlsx", 0, put(SELF, "task:T1", 2))
    collect_returns(ws.root, [first], plan=plan, workers=0)
    # v2 changes the peer sheet and breaks its own sheet: the self sheet stays as in v1
    second = version(ws, "v2.xlsx", 10, put(PEER, "competency:C1", 1), put(SELF, "kpi:S01", "x"))
    result = collect_returns(ws.root, [second], plan=plan, workers=0)
    assert [(f.outcome, f.rejected_sheets) for f in result.files] == [("superseded", 1)]
    assert in_force(ws, "E003", "competency:C1") == [1.0]
    assert in_force(ws, "E002", "task:T1") == [2.0]
    (v1, v2) = (r[0] for r in ledger_rows(ws, "SELECT return_id FROM returns ORDER BY 1"))
    origins = dict(ledger_rows(ws, "SELECT sheet, origin FROM return_sheets WHERE return_id=?", v2))
    assert origins[SELF] == v1 and origins[PEER] == v2
    # the self sheet of the newer file is outstanding: v1's values count meanwhile
    row = rejected_rows(ws)["E002"]
    assert (row["file"], row["sheets"]) == ("returns/v2.xlsx", SELF) and "“x”" in row["fixes"]


def test_a_problem_with_the_whole_file_still_rejects_the_file(ws, plan):
    path = returned(ws, "E002", put(SELF, "kpi:S02", 40, "weight"))  # a locked cell changed
    result = collect_returns(ws.root, [path], plan=plan, workers=0)
    assert [f.outcome for f in result.files] == ["rejected"]
    assert ledger_rows(ws, "SELECT COUNT(*) FROM returns") == [(0,)]
    row = rejected_rows(ws)["E002"]
    assert row["sheets"] == "" and "40" in row["fixes"]  # the whole file goes back


# --- versions in the order the rater saved them ---------------------------------------------


def test_v1_v2_then_v1_again_puts_v1_back_in_force(ws, plan):
    values = {"v1.xlsx": (0, 2), "v2.xlsx": (10, 4), "v3.xlsx": (20, 2)}  # v3 has v1's values
    outcomes = []
    for name, (minute, rating) in values.items():
        path = version(ws, name, minute, put(PEER, "competency:C1", rating))
        result = collect_returns(ws.root, [path], plan=plan, workers=0)
        outcomes += [f.outcome for f in result.files]
        assert in_force(ws, "E003", "competency:C1") == [float(rating)]
    assert outcomes == ["accepted", "superseded", "superseded"]


def test_a_return_saved_earlier_but_collected_later_does_not_supersede(ws, plan):
    newer = version(ws, "newer.xlsx", 30, put(PEER, "competency:C1", 5))
    collect_returns(ws.root, [newer], plan=plan, workers=0)
    older = version(ws, "older.xlsx", 0, put(PEER, "competency:C1", 1))
    result = collect_returns(ws.root, [older], plan=plan, workers=0)
    assert [f.outcome for f in result.files] == ["older"] and result.exit_code == 0
    assert in_force(ws, "E003", "competency:C1") == [5.0]
    (problem,) = [p for p in result.report if p.code == "older-return"]
    assert problem.severity == "warning"
    assert "2026-11-20T09:00:00Z" in problem.message("en") and "newer.xlsx" in problem.message()
    rows = list(csv.DictReader(result.validation_csv.read_text("utf-8-sig").splitlines()))
    assert [r["code"] for r in rows] == ["older-return"]
    # run again: the older file's bytes are known, nothing flips
    assert collect_returns(ws.root, [older, newer], plan=plan).superseded == 0
    assert in_force(ws, "E003", "competency:C1") == [5.0]


def test_in_one_batch_the_save_order_wins_over_file_times(ws, plan):
    paths = []
    for name, minute, rating in (("a.xlsx", 20, 3), ("b.xlsx", 0, 1), ("c.xlsx", 10, 2)):
        paths.append(version(ws, name, minute, put(PEER, "competency:C1", rating)))
    # file times say the opposite of the save times (a copy made later, a mail client...)
    for i, path in enumerate(paths):
        os.utime(path, (time.time() - 1000 * (3 - i), time.time() - 1000 * (3 - i)))
    result = collect_returns(ws.root, plan=plan, workers=0)
    assert in_force(ws, "E003", "competency:C1") == [3.0]
    # a.xlsx (saved last) is read first: the two earlier saves are older versions, not used
    assert [f.outcome for f in result.files] == ["accepted", "older", "older"]
    assert result.report.codes() == ["older-return", "older-return"]


def test_a_save_time_in_the_future_is_not_trusted(ws, plan):
    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=400)
    good = version(ws, "clock.xlsx", future, put(PEER, "competency:C1", 1))
    first = collect_returns(ws.root, [good], plan=plan, workers=0)
    assert "saved-in-future" in first.report.codes()
    fixed = version(ws, "fixed.xlsx", 0, put(PEER, "competency:C1", 4))
    result = collect_returns(ws.root, [fixed], plan=plan, workers=0)
    assert [f.outcome for f in result.files] == ["superseded"]
    assert "saved-in-future" not in result.report.codes()
    assert in_force(ws, "E003", "competency:C1") == [4.0]


# --- the send-back list is the state of the cycle -------------------------------------------


def test_the_send_back_list_keeps_what_is_outstanding_across_runs(ws, plan):
    import openpyxl

    bad = returned(ws, "E002", put(PEER, "competency:C1", 9))
    first = collect_returns(ws.root, [bad], plan=plan, workers=0)
    since = rejected_rows(ws)["E002"]["since"]
    assert since
    # a later run that looks at another rater's file only: E002 is still listed, since then
    collect_returns(ws.root, [returned(ws, "E001")], plan=plan, workers=0)
    rows = send_back(ws)
    assert rejected_rows(ws)["E002"]["since"] == since
    missing = {r["rater_id"]: r for r in rows if r["state"] == "missing"}
    assert set(missing) == {"E003", "E004", "E005", "E006", "E007"}
    assert missing["E007"]["email"] == "e007@example.com" and missing["E007"]["file"]
    assert "E001" not in {r["rater_id"] for r in rows}
    book = openpyxl.load_workbook(ws.results / "validation.xlsx")
    listed = [r[0] for r in book["退回清单"].iter_rows(min_row=2, values_only=True)]
    assert listed == [r["rater_id"] for r in rows] and listed[0] == "E002"
    # the correction removes the entry
    fixed = returned(ws, "E002", put(PEER, "competency:C1", 3), name="E002 fixed.xlsx")
    collect_returns(ws.root, [fixed], plan=plan, workers=0)
    assert "E002" not in {r["rater_id"] for r in send_back(ws)}
    assert first.exit_code == 1


def test_a_foreign_form_creates_no_entry_for_anyone(ws, plan):
    def foreign(wb) -> None:
        meta = wb["_meta"]
        for row in meta.iter_rows():
            if row[0].value == "cycle_id":
                row[1].value = "2025Q4"
            if row[0].value in ("rater_id", "rater_name"):
                row[1].value = "X999"

    path = returned(ws, "E002", foreign, name="old cycle.xlsx")
    result = collect_returns(ws.root, [path], plan=plan, workers=0)
    assert [p.code for p in result.report] == ["wrong-cycle"]
    rows = send_back(ws)
    assert "X999" not in {r["rater_id"] for r in rows}
    assert [r["file"] for r in rows if r["rater_id"] == ""] == ["returns/old cycle.xlsx"]
    assert "X999" not in {r.rater_id for r in return_status(ws.root, plan=plan).raters}
    assert ledger_rows(ws, "SELECT form_id, rater_id FROM rejections") == [(None, None)]


def test_status_gives_the_same_picture_in_words(ws, plan):
    bad = returned(ws, "E002", put(PEER, "competency:C1", None))
    collect_returns(ws.root, [bad], plan=plan, workers=0)
    status = return_status(ws.root, plan=plan, lang="en")
    rows = status.outstanding_rows()
    assert list(rows[0]) == [
        "Rater id",
        "Rater",
        "Department",
        "Email",
        "State",
        "File",
        "To send again",
        "What to fix",
        "Since",
    ]
    first = rows[0]
    assert (first["Rater id"], first["Email"], first["State"]) == (
        "E002",
        "e002@example.com",
        "rejected",
    )
    assert first["To send again"] == f"sheets: {PEER}" and "Required" in first["What to fix"]
    assert [r["Rater id"] for r in rows] == [r["rater_id"] for r in send_back(ws)]
    zh = return_status(ws.root, plan=plan).outstanding_rows()
    assert zh[0]["状态"] == "被退回" and zh[-1]["需重交"] == "整份考核表（尚未交回）"
    states = {r.rater_id: r.state for r in status.raters}
    assert states["E002"] == "rejected" and states["E003"] == "missing"
    assert len(sheets_of(ws, "E002")) >= 2


@pytest.mark.slow
def test_the_status_command_shows_stored_problems_in_its_language(ws, plan):
    """A fresh process (nothing of collect imported before) renders the stored fixes in the
    language asked for, and the terminal table carries the e-mail column."""
    import json
    import subprocess
    import sys

    from perfsheets.plan.io import dump_plan

    dump_plan(plan, ws.root / "plan.yaml")
    collect_returns(ws.root, [returned(ws, "E002", put(PEER, "competency:C1", None))], plan=plan)

    def status(*args: str) -> str:
        command = [sys.executable, "-m", "perfsheets", "status", str(ws.root), *args]
        env = {**os.environ, "COLUMNS": "200"}  # a wide terminal: cells are not wrapped
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
        assert done.returncode == 0, done.stderr
        return done.stdout

    data = json.loads(status("--lang", "en", "--json"))
    (item,) = [s for s in data["send_back"] if s["state"] == "rejected"]
    assert item["email"] == "e002@example.com" and item["sheets"] == [PEER]
    assert any("Required" in fix for fix in item["fixes"])
    table = status("--lang", "en")
    assert "Email" in table and "e002@example.com" in table and "rejected" in table


def test_validation_book_prints_well(ws, plan):
    import openpyxl

    collect_returns(ws.root, [returned(ws, "E002", put(PEER, "competency:C1", 9))], plan=plan)
    book = openpyxl.load_workbook(ws.results / "validation.xlsx")
    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert setup.paperSize == 9 and sheet.sheet_properties.pageSetUpPr.fitToPage
        assert setup.fitToWidth in (None, 1) and setup.fitToHeight == 0  # 1 is the default
        assert "2026年第四季度" in sheet.oddHeader.left.text
        assert sheet.oddFooter.center.text == "第 &P 页，共 &N 页"
        if sheet.title != "概况":
            assert setup.orientation == "landscape" and sheet.print_title_rows in ("1:1", "$1:$1")
