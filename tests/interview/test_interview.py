"""Interview records on real files: written for a consolidated workspace, filled with openpyxl
(and once saved by LibreOffice), collected; every state transition, the appeal a disagreement
opens, supersession, overdue after the deadline and located problems for bad input."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from collect_support import load_workbook, record_cell, saved_at

from perfsheets.collect.run import collect_returns
from perfsheets.core.interview import StateInputs, interview_state
from perfsheets.cycle.setup import init_workspace
from perfsheets.interview.generate import write_interview_forms
from perfsheets.interview.simulate import simulate_records
from perfsheets.interview.status import interview_status
from perfsheets.ledger.changes import load_appeals
from perfsheets.ledger.interviews import records_in_force, records_of
from perfsheets.ledger.workspace import Workspace

TODAY = dt.date.today()
DAY = TODAY - dt.timedelta(days=2)
MANAGER = "E0002"  # 周海伟, the sales manager: sheets for E0003 ... E0011
FILE = "面谈记录_E0002_周海伟.xlsx"


@pytest.fixture(scope="module")
def written(tmp_path_factory, consolidated_example) -> Path:
    """The built-in example with 40 people, consolidated, interview records written (once)."""
    root = tmp_path_factory.mktemp("interview") / "ws"
    shutil.copytree(consolidated_example, root)
    for old in (root / "returns").iterdir():  # collected already: keep returns/ for records
        old.unlink()
    write_interview_forms(root)
    return root


@pytest.fixture
def ws(written, tmp_path) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(written, root)
    return root


def fill(
    ws: Path, values: dict[str, dict[str, object]], name: str, saved: dt.datetime | None = None
) -> Path:
    """A copy of E0002's record workbook with values {sheet: {key or key|meaning: value}}."""
    wb = load_workbook(ws / "interviews" / FILE)
    for sheet, cells in values.items():
        for key, value in cells.items():
            k, _, meaning = key.partition("|")
            record_cell(wb[sheet], k, meaning or "value").value = value
    out = ws / "returns" / name
    wb.save(out)
    if saved is not None:  # openpyxl stamps the save time itself: set the one wanted after
        saved_at(out, saved)
    return out


def agreed(both: bool = True, view: str = "同意") -> dict[str, object]:
    out: dict[str, object] = {
        "iv:interview_date": DAY,
        "iv:view": view,
        "iv:manager_name": "周海伟",
        "iv:manager_date": DAY,
        "goal:1|goal": "新客户签约",
        "goal:1|target": "20 家",
        "goal:1|weight": 60,
        "goal:2|goal": "回款率",
        "goal:2|target": "95%",
        "goal:2|weight": 40,
        "action:1|what": "提升谈判技巧",
        "action:1|deadline": TODAY + dt.timedelta(days=90),
    }
    if both:
        out |= {"iv:employee_name": "梁辉", "iv:employee_date": DAY}
    return out


def states(ws: Path, today: dt.date | None = None) -> dict[str, str]:
    return {e.employee_id: e.state for e in interview_status(ws, today=today).employees}


def problems(result) -> list[tuple[str, str, str, str]]:
    return [(p.code, Path(p.file).name, p.sheet, p.cell) for p in result.report]


# --- writing --------------------------------------------------------------------------------


def test_one_protected_workbook_per_manager_with_a_sheet_per_employee(written):
    with Workspace(written).ledger() as conn:
        forms = conn.execute("SELECT COUNT(*) FROM interview_forms").fetchone()[0]
        sheets = conn.execute("SELECT employee_id, locked_json FROM interview_sheets").fetchall()
        results = conn.execute(
            "SELECT COUNT(*) FROM results WHERE run_id=(SELECT MAX(run_id) FROM runs)"
        ).fetchone()[0]
    assert forms == len(list((written / "interviews").glob("*.xlsx"))) == 9
    assert len(sheets) == results == 40
    locked = json.loads(dict(sheets)["E0003"])
    assert set(locked) == {"employee_id", "name", "department", "grade", "score"}
    wb = load_workbook(written / "interviews" / FILE)
    assert wb["_meta"].sheet_state == "veryHidden" and wb.security.lockStructure
    sheet = wb["梁辉 E0003"]
    assert sheet.protection.sheet
    assert record_cell(sheet, "iv:grade").value == locked["grade"]
    assert record_cell(sheet, "iv:grade").protection.locked
    assert not record_cell(sheet, "iv:interview_date").protection.locked
    lists = [v for v in sheet.data_validations.dataValidation if v.type == "list"]
    assert lists and lists[0].formula1 == '"同意,有异议"'
    index = (written / "interviews" / "index.csv").read_text(encoding="utf-8-sig").splitlines()
    assert index[0] == "manager_id,name,email,file,employees,form_id" and len(index) == 10


def test_english_forms_with_the_language_option(ws):
    write_interview_forms(ws, lang="en")
    (book,) = (ws / "interviews").glob("interview_E0002_*.xlsx")
    sheet = load_workbook(book)["梁辉 E0003"]
    assert sheet["B1"].value == "Performance interview record and confirmation"
    texts = [c.value for row in sheet.iter_rows(min_col=2) for c in row if isinstance(c.value, str)]
    assert not any("面谈" in t or "确认" in t for t in texts)


def test_no_results_no_forms(tmp_path):
    from perfsheets.core.problems import PerfsheetsError

    root = tmp_path / "ws"
    init_workspace(root, example=True, employees=10, seed=1, force=True)
    with pytest.raises(PerfsheetsError, match="consolidate"):
        write_interview_forms(root)


# --- states -----------------------------------------------------------------------------------


def test_state_function():
    deadline = dt.date(2027, 2, 26)
    before, on, after = dt.date(2027, 2, 1), deadline, dt.date(2027, 2, 27)
    interviewed = StateInputs(dt.date(2027, 1, 20), "agree", False)
    assert interview_state(None, deadline, before) == "pending"
    assert interview_state(None, deadline, on) == "pending"
    assert interview_state(None, deadline, after) == "overdue"
    assert interview_state(None, None, after) == "pending"
    assert interview_state(StateInputs(None, "agree", True), deadline, before) == "pending"
    assert interview_state(interviewed, deadline, before) == "interviewed"
    assert interview_state(interviewed, deadline, after) == "overdue"
    assert interview_state(StateInputs(None, None, False), deadline, after) == "overdue"
    confirmed = StateInputs(dt.date(2027, 1, 20), "agree", True)
    assert interview_state(confirmed, deadline, after) == "confirmed"
    disputed = StateInputs(dt.date(2027, 1, 20), "disagree", False)
    assert interview_state(disputed, deadline, after) == "disputed"


def test_every_state_transition_appeal_and_supersession(ws):
    assert set(states(ws).values()) == {"pending"}
    # 1. interviewed, confirmed by the manager only: accepted with a warning
    first = collect_returns(ws, [fill(ws, {"梁辉 E0003": agreed(both=False)}, "r1.xlsx")])
    assert [f.outcome for f in first.files] == ["accepted"]
    assert problems(first) == [("confirmation-missing", "r1.xlsx", "梁辉 E0003", "C38")]
    assert states(ws)["E0003"] == "interviewed"
    # 2. both confirm: the newer record replaces the older one
    second = collect_returns(ws, [fill(ws, {"梁辉 E0003": agreed()}, "r2.xlsx")])
    assert [f.outcome for f in second.files] == ["superseded"]
    assert problems(second) == [("record-superseded", "r2.xlsx", "梁辉 E0003", "")]
    assert states(ws)["E0003"] == "confirmed"
    # the same file again changes nothing
    again = collect_returns(ws, [ws / "returns" / "r2.xlsx"])
    assert [f.outcome for f in again.files] == ["unchanged"]
    # an older version saved before the one in force is kept, not used
    old = fill(ws, {"梁辉 E0003": agreed(both=False)}, "r0.xlsx", dt.datetime(2026, 1, 2))
    older = collect_returns(ws, [old])
    assert [f.outcome for f in older.files] == ["older"]
    assert problems(older) == [
        ("confirmation-missing", "r0.xlsx", "梁辉 E0003", "C38"),
        ("older-record", "r0.xlsx", "梁辉 E0003", ""),
    ]
    assert states(ws)["E0003"] == "confirmed"
    # 3. another employee disagrees: disputed, an appeal opened and linked to the record
    disagree = agreed(both=False, view="有异议") | {"iv:reason": "大客户项目未计入"}
    third = collect_returns(ws, [fill(ws, {"胡志娜 E0004": disagree}, "r3.xlsx")])
    assert [p[0] for p in problems(third)] == ["confirmation-missing", "appeal-opened"]
    assert states(ws)["E0004"] == "disputed"
    with Workspace(ws).ledger() as conn:
        (appeal,) = load_appeals(conn, employee="E0004")
        record = records_in_force(conn)["E0004"]
        history = records_of(conn, ["E0003"])
        actions = [a for (a,) in conn.execute("SELECT action FROM audit ORDER BY audit_id")]
    assert appeal.is_open and "大客户项目未计入" in appeal.reason
    assert record.appeal_id == appeal.appeal_id and record.view == "disagree"
    assert [r.superseded_by is None for r in history] == [False, True, False]
    assert actions.count("interview.record") == 2 and "interview.supersede" in actions
    assert "interview.older" in actions and "appeal.open" in actions
    # 4. past the plan's deadline the others are overdue; confirmed and disputed stay
    late = states(ws, today=dt.date(2027, 2, 27))
    assert late["E0003"] == "confirmed" and late["E0004"] == "disputed"
    assert late["E0005"] == "overdue" and "pending" not in late.values()
    status = interview_status(ws, today=dt.date(2027, 2, 27))
    assert status.count("overdue") == 38 and len(status.overdue_rows()) == 38
    sales = status.departments["销售部"]
    assert sales["confirmed"] == 1 and sales["disputed"] == 1 and sum(sales.values()) == 10


def test_bad_input_is_located_and_the_sheet_sent_back_alone(ws):
    bad = agreed() | {
        "iv:interview_date": "下周二",
        "iv:view": "基本同意",
        "iv:employee_date": None,
        "goal:2|weight": 30,
        "goal:3|target": "10 项",
    }
    before = agreed() | {"iv:manager_date": DAY - dt.timedelta(days=5)}
    weights = agreed() | {"goal:2|weight": 30}
    book = fill(
        ws, {"梁辉 E0003": bad, "胡志娜 E0004": before, "曹浩静 E0005": weights}, "bad.xlsx"
    )
    result = collect_returns(ws, [book])
    assert problems(result) == [
        ("bad-date", "bad.xlsx", "梁辉 E0003", "C13"),
        ("not-allowed", "bad.xlsx", "梁辉 E0003", "C14"),
        ("confirmation-incomplete", "bad.xlsx", "梁辉 E0003", "C39"),
        ("row-incomplete", "bad.xlsx", "梁辉 E0003", "B28"),
        ("date-before-interview", "bad.xlsx", "胡志娜 E0004", "C37"),
        ("goal-weights", "bad.xlsx", "曹浩静 E0005", "F31"),
    ]
    messages = [p.message() for p in result.report]
    assert messages[0] == "面谈日期应为日期（如 2027-01-20），填写的是“下周二”"
    assert messages[5] == "下期目标的权重合计为 90，应为 100"
    assert result.report.problems[5].message("en") == (
        "The weights of the next-cycle goals sum to 90, not 100"
    )
    assert [f.outcome for f in result.files] == ["rejected"] and result.exit_code == 1
    assert set(states(ws).values()) == {"pending"}
    # one good sheet with the bad ones: the good one is accepted, the others sent back
    mixed = fill(ws, {"梁辉 E0003": bad, "胡志娜 E0004": agreed()}, "mixed.xlsx")
    result = collect_returns(ws, [mixed])
    assert [(f.outcome, f.rejected_sheets) for f in result.files] == [("accepted", 1)]
    assert states(ws)["E0004"] == "confirmed" and states(ws)["E0003"] == "pending"


def test_an_edited_result_rejects_the_file(ws):
    book = fill(ws, {"梁辉 E0003": agreed() | {"iv:grade": "S 卓越"}}, "edited.xlsx")
    result = collect_returns(ws, [book])
    (problem,) = result.report
    assert (problem.code, problem.sheet, problem.cell) == ("locked-changed", "梁辉 E0003", "C9")
    assert [f.outcome for f in result.files] == ["rejected"]


def test_simulated_records_show_every_state(ws):
    sim = simulate_records(ws, seed=3, missing=0.2, unconfirmed=0.2, disagree=0.2)
    assert sim.disagree and sim.unconfirmed and sim.confirmed and sim.missing
    result = collect_returns(ws, sim.files)
    assert result.rejected == 0 and not result.report.errors
    counts = {s: interview_status(ws).count(s) for s in ("pending", "interviewed")}
    status = interview_status(ws)
    assert status.count("disputed") == sim.disagree
    assert status.count("confirmed") == sim.confirmed
    assert counts["interviewed"] == sim.unconfirmed
    with Workspace(ws).ledger() as conn:
        assert len(load_appeals(conn, status="open")) == sim.disagree


@pytest.mark.requires_soffice
@pytest.mark.slow
def test_a_record_saved_by_libreoffice_is_collected(ws, tmp_path):
    book = fill(ws, {"梁辉 E0003": agreed()}, "lo.xlsx")
    out = tmp_path / "lo"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out),
            str(book),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    book.unlink()
    result = collect_returns(ws, [out / "lo.xlsx"])
    assert [f.outcome for f in result.files] == ["accepted"] and not list(result.report)
    assert states(ws)["E0003"] == "confirmed"
    with Workspace(ws).ledger() as conn:
        record = records_in_force(conn)["E0003"]
        (values,) = conn.execute("SELECT values_json FROM interview_records").fetchone()
    assert record.interview_date == DAY.isoformat() and record.confirmed
    goals = json.loads(values)["goals"]
    assert goals == [["新客户签约", "20 家", 60.0], ["回款率", "95%", 40.0]]
