"""Improvement plans (PIP) on real files: written for a consolidated workspace whose interview
records were collected, filled with openpyxl (and once saved by LibreOffice), collected; every
state transition (进行中 → 已达成 / 未达成, 超期), supersession, located problems for bad input,
and a PIP carried into the next cycle's report."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from pathlib import Path

import pytest
from collect_support import copied, load_workbook, record_cell, record_forms_workspace, saved_at

from perfsheets.collect.run import collect_returns
from perfsheets.consolidation.run import consolidate
from perfsheets.core.pip import checkpoint_dates, pip_state
from perfsheets.cycle.setup import init_workspace
from perfsheets.forms.generate import generate_forms
from perfsheets.forms.simulate import simulate_returns
from perfsheets.ledger.pips import pip_records_of, pips_in_force
from perfsheets.ledger.workspace import Workspace
from perfsheets.pip.generate import write_pip_forms
from perfsheets.pip.simulate import simulate_pips
from perfsheets.pip.status import pip_status

TODAY = dt.date.today()
START = TODAY - dt.timedelta(days=100)  # a 90-day PIP that ended 10 days ago
FILE = "绩效改进计划_E0002_周海伟.xlsx"  # E0003, E0008, E0009 of 销售部
SHEET = "梁辉 E0003"


def _cycle(root: Path, cycle_id: str | None = None) -> Path:
    init_workspace(root, example=True, employees=40, seed=1, force=True)
    if cycle_id:  # another cycle of the same company
        plan = root / "plan.yaml"
        text = plan.read_text(encoding="utf-8")
        plan.write_text(text.replace("id: '2026'", f"id: '{cycle_id}'", 1), encoding="utf-8")
    generate_forms(root)
    simulate_returns(root, seed=1, missing=0, mistakes=0)
    collect_returns(root)
    return root


@pytest.fixture(scope="module")
def written(tmp_path_factory, consolidated_example) -> Path:
    """The built-in example (40 people), consolidated, interview records simulated and
    collected, PIP forms written (once)."""
    root = tmp_path_factory.mktemp("pip") / "ws"
    return record_forms_workspace(root, consolidated_example, pips_from=START, collect_records=True)


@pytest.fixture
def ws(written, tmp_path) -> Path:
    return copied(written, tmp_path)


def fill(ws: Path, values: dict[str, object], name: str, saved: dt.datetime | None = None) -> Path:
    """A copy of E0002's PIP workbook with {key|meaning: value} typed into SHEET."""
    wb = load_workbook(ws / "pips" / FILE)
    for key, value in values.items():
        k, _, meaning = key.partition("|")
        record_cell(wb[SHEET], k, meaning or "value").value = value
    out = ws / "returns" / name
    wb.save(out)
    if saved is not None:
        saved_at(out, saved)
    return out


def states(ws: Path, today: dt.date | None = None) -> dict[str, str]:
    return {e.employee_id: e.state for e in pip_status(ws, today=today).employees}


def problems(result) -> list[tuple[str, str, str]]:
    return [(p.code, p.sheet, p.cell) for p in result.report]


# --- the pure parts ---------------------------------------------------------------------------


def test_state_function_and_checkpoint_dates():
    end = dt.date(2027, 3, 31)
    assert pip_state([], end, dt.date(2027, 1, 1)) == "open"
    assert pip_state([None, None, None], end, end) == "open"  # the end day is still in time
    assert pip_state(["met", None, None], end, end + dt.timedelta(days=1)) == "overdue"
    assert pip_state(["partly", "met", "met"], end, end) == "completed"
    assert pip_state(["met", "met", "partly"], end, end) == "failed"
    assert pip_state(["met", "met", "not_met"], end, end + dt.timedelta(days=99)) == "failed"
    start = dt.date(2027, 1, 1)
    assert checkpoint_dates(start, 90, 3) == (
        dt.date(2027, 1, 31),
        dt.date(2027, 3, 2),
        dt.date(2027, 4, 1),
    )


# --- writing ----------------------------------------------------------------------------------


def test_one_protected_workbook_per_manager_for_the_pip_grades(written):
    index = (written / "pips" / "index.csv").read_text(encoding="utf-8-sig")
    assert FILE in index
    wb = load_workbook(written / "pips" / FILE)
    assert wb["_meta"].sheet_state == "veryHidden"
    meta = {r[0]: r[1] for r in wb["_meta"].iter_rows(values_only=True) if r[0]}
    assert meta["form_kind"] == "pip" and meta["manager_id"] == "E0002"
    sheet = wb[SHEET]
    assert sheet.protection.sheet
    assert record_cell(sheet, "pip:owner").value == "周海伟 (E0002)"
    assert record_cell(sheet, "pip:start").value == START.isoformat()
    assert record_cell(sheet, "pip:end").value == (START + dt.timedelta(days=90)).isoformat()
    dates = [record_cell(sheet, f"checkpoint:{n}", "date").value for n in (1, 2, 3)]
    assert dates == [d.isoformat() for d in checkpoint_dates(START, 90, 3)]
    lists = [v for v in sheet.data_validations.dataValidation if v.type == "list"]
    assert lists and lists[0].formula1 == '"达成,部分达成,未达成"'
    result_cell = record_cell(sheet, "checkpoint:1", "result")
    assert result_cell.coordinate in str(lists[0].sqref)
    assert not result_cell.protection.locked and record_cell(sheet, "pip:grade").protection.locked
    # goals pre-filled from the improvement actions of the interview record (grade C/D)
    assert record_cell(sheet, "pipgoal:1", "what").value == "加强专业培训"
    with Workspace(written).ledger() as conn:
        (digest,) = conn.execute("SELECT digest FROM pip_forms WHERE file=?", (FILE,)).fetchone()
        found = pips_in_force(conn)
    assert len(digest) == 64
    assert set(found) >= {"E0003", "E0008", "E0009"}
    assert all(p.grade in ("C", "D") for p in found.values())
    assert states(written, START) == dict.fromkeys(found, "open")
    assert states(written) == dict.fromkeys(found, "overdue")  # none recorded, ended


def test_no_results_no_pip_forms(tmp_path):
    from perfsheets.core.problems import PerfsheetsError

    root = tmp_path / "ws"
    init_workspace(root, example=True, employees=12, seed=1, force=True)
    with pytest.raises(PerfsheetsError, match="consolidate"):
        write_pip_forms(root)


# --- collecting: every state transition ---------------------------------------------------------


def test_every_state_transition_and_supersession(ws):
    first = {"checkpoint:1|result": "部分达成", "checkpoint:1|note": "差距仍大"}
    one = fill(ws, first, "a.xlsx", saved=dt.datetime(2026, 12, 1, 8))
    result = collect_returns(ws, [one])
    assert [f.outcome for f in result.files] == ["accepted"] and result.files[0].kind == "pip"
    end = START + dt.timedelta(days=90)
    assert states(ws, end)["E0003"] == "open"
    assert states(ws, end + dt.timedelta(days=1))["E0003"] == "overdue"
    done = {**first, "checkpoint:2|result": "达成", "checkpoint:3|result": "达成"}
    two = fill(ws, done, "b.xlsx", saved=dt.datetime(2026, 12, 2, 8))
    result = collect_returns(ws, [two])
    assert [f.outcome for f in result.files] == ["superseded"]
    assert [p.code for p in result.report] == ["pip-superseded"]
    assert states(ws)["E0003"] == "completed"
    failed = {**done, "checkpoint:3|result": "未达成", "checkpoint:3|note": "未达到标准"}
    three = fill(ws, failed, "c.xlsx", saved=dt.datetime(2026, 12, 3, 8))
    assert collect_returns(ws, [three]).files[0].outcome == "superseded"
    assert states(ws)["E0003"] == "failed"
    # an older save arriving late is kept but not used; the same file again changes nothing
    old = fill(ws, done, "old.xlsx", saved=dt.datetime(2026, 11, 30, 8))
    result = collect_returns(ws, [old])
    assert [f.outcome for f in result.files] == ["older"]
    assert [p.code for p in result.report] == ["older-pip"]
    assert states(ws)["E0003"] == "failed"
    assert collect_returns(ws, [three]).files[0].outcome == "unchanged"
    with Workspace(ws).ledger() as conn:
        records = pip_records_of(conn)
        actions = [a for (a,) in conn.execute("SELECT action FROM audit WHERE action LIKE 'pip%'")]
        (values,) = conn.execute(
            "SELECT values_json FROM pip_records WHERE superseded_by IS NULL"
        ).fetchone()
    assert [r.results for r in records][-1] == ("partly", "met", "met")  # the older one
    assert {"pips.generate", "pip.record", "pip.supersede", "pip.older"} <= set(actions)
    assert json.loads(values)["checkpoints"][2][1:] == ["not_met", "未达到标准"]


def test_bad_input_is_located_and_the_sheet_sent_back(ws):
    bad = {
        "checkpoint:1|result": "还行",  # not a choice
        "checkpoint:3|result": "达成",  # checkpoint 2 skipped
        "pipgoal:3|measure": "只有衡量标准",  # a goal row without its goal
    }
    result = collect_returns(ws, [fill(ws, bad, "bad.xlsx")])
    assert result.files[0].outcome == "rejected"
    found = problems(result)
    assert ("not-allowed", SHEET, "C23") in found
    assert ("checkpoint-skipped", SHEET, "C24") in found
    assert ("row-incomplete", SHEET, "B18") in found
    messages = [p.message("en") for p in result.report]
    assert any("Met / Partly met / Not met" in m for m in messages)
    result = collect_returns(ws, [fill(ws, {"checkpoint:1|result": "未达成"}, "n.xlsx")])
    assert problems(result) == [("required-missing", SHEET, "D23")]
    assert "E0003" not in {r.employee_id for r in _records(ws)}
    # a changed locked cell rejects the file
    edited = {"pip:end": "2099-01-01", "checkpoint:1|result": "达成"}
    result = collect_returns(ws, [fill(ws, edited, "locked.xlsx")])
    assert ("locked-changed", SHEET, "C12") in problems(result)


def test_results_before_their_date_and_an_outdated_form(ws):
    old_form = (ws / "pips" / FILE).read_bytes()
    write_pip_forms(ws, start=TODAY)  # the PIPs again, starting today: nothing due yet
    result = collect_returns(ws, [fill(ws, {"checkpoint:1|result": "达成"}, "early.xlsx")])
    (due,) = [p for p in result.report if p.code == "checkpoint-not-due"]
    assert (due.sheet, due.cell) == (SHEET, "C23")
    stale = ws / "pips" / "stale.xlsx"
    stale.write_bytes(old_form)
    wb = load_workbook(stale)
    record_cell(wb[SHEET], "checkpoint:1", "result").value = "达成"
    wb.save(ws / "returns" / "stale.xlsx")
    result = collect_returns(ws, [ws / "returns" / "stale.xlsx"])
    assert "pip-outdated" in {p.code for p in result.report}


def _records(ws: Path):
    with Workspace(ws).ledger() as conn:
        return pip_records_of(conn)


def test_simulated_pips_show_the_states(ws):
    sim = simulate_pips(ws, seed=1)
    result = collect_returns(ws, sim.files)
    assert all(f.outcome == "accepted" for f in result.files), problems(result)
    got = states(ws)
    assert sim.completed == list(got.values()).count("completed") > 0
    assert sim.failed == list(got.values()).count("failed") > 0
    assert list(got.values()).count("overdue") == sim.open + sim.missing > 0


def _in_force(ws: Path, table: str, part: str) -> dict[str, list]:
    with Workspace(ws).ledger() as conn:
        rows = conn.execute(
            f"SELECT employee_id, values_json FROM {table} WHERE superseded_by IS NULL"
        ).fetchall()
    return {employee: json.loads(values)[part] for employee, values in rows}


def test_simulated_pips_carry_the_actions_agreed_in_the_interview_as_goals(ws):
    agreed = _in_force(ws, "interview_records", "actions")
    sim = simulate_pips(ws, seed=1)
    result = collect_returns(ws, sim.files)
    assert not result.report.errors
    goals = _in_force(ws, "pip_records", "goals")
    assert len(goals) == sim.open + sim.completed + sim.failed > 0  # every PIP returned
    # what, measure, deadline, support: as agreed in the interview record the demo simulated
    assert goals == {employee: agreed[employee] for employee in goals}
    assert goals["E0003"][0][:2] == ["加强专业培训", "通过内部考核"]


def test_a_pip_without_an_agreed_action_gets_goals_in_the_plans_language(ws):
    with Workspace(ws).ledger() as conn:  # E0003's interview record never came back
        conn.execute("DELETE FROM interview_records WHERE employee_id = 'E0003'")
    plan = ws / "plan.yaml"
    text = plan.read_text(encoding="utf-8")
    plan.write_text(text.replace("language: zh-CN", "language: en", 1), encoding="utf-8")
    sim = simulate_pips(ws, seed=1)
    result = collect_returns(ws, sim.files)
    assert not result.report.errors
    goals = _in_force(ws, "pip_records", "goals")
    end = (START + dt.timedelta(days=90)).isoformat()
    english = {
        "Finish assigned work on time",
        "Better quality, less rework",
        "Close the skill gap of the role",
    }
    mine = goals["E0003"]
    assert len(mine) == 2 and {g[0] for g in mine} <= english
    assert {g[2] for g in mine} == {end} and all(g[1] and g[3] for g in mine)
    assert goals["E0008"][0][0] == "加强专业培训"  # the others keep what was agreed


@pytest.mark.requires_soffice
@pytest.mark.slow
def test_a_pip_saved_by_libreoffice_is_collected(ws, tmp_path):
    values = {
        "checkpoint:1|result": "达成",
        "checkpoint:2|result": "部分达成",
        "checkpoint:2|note": "仍需改进",
    }
    book = fill(ws, values, "lo.xlsx")
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
    assert [f.outcome for f in result.files] == ["accepted"], problems(result)
    assert _records(ws)[-1].results == ("met", "partly", None)
    assert states(ws)["E0003"] == "overdue"


# --- the next cycle ---------------------------------------------------------------------------


@pytest.mark.slow
def test_a_pip_is_carried_into_the_next_cycles_report(ws, tmp_path):
    from perfsheets.report.render import render_reports

    done = {"checkpoint:1|result": "达成", "checkpoint:2|result": "达成"}
    done["checkpoint:3|result"] = "未达成"
    done["checkpoint:3|note"] = "未达到标准"
    collect_returns(ws, [fill(ws, done, "done.xlsx")])
    nxt = tmp_path / "next"
    _cycle(nxt, "2027")
    out = consolidate(nxt, previous=[ws])
    pips = {r.employee_id: r.previous_pip for r in out.results if r.previous_pip}
    assert pips["E0003"] is not None and pips["E0003"].state == "failed"
    reports = render_reports(nxt, employees=["E0003", "E0004", "E0001"], manager_packs=False)
    text = {}
    for pdf in reports.reports:
        txt = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
        text[pdf.name] = "".join(txt.split())
    mine = next(t for n, t in text.items() if n.startswith("E0003"))
    assert "上期绩效改进计划" in mine and "结论：未达成" in mine
    other = next(t for n, t in text.items() if n.startswith("E0001"))
    assert "绩效改进计划" not in other
    hr = "".join(
        subprocess.run(
            ["pdftotext", str(reports.hr_summary), "-"], capture_output=True, text=True
        ).stdout.split()
    )
    assert "上期绩效改进计划" in hr and "未达成" in hr
    # The same in English: the section and its outcome in English words
    english = render_reports(nxt, employees=["E0003"], manager_packs=False, lang="en")
    txt = subprocess.run(
        ["pdftotext", str(english.reports[0]), "-"], capture_output=True, text=True
    ).stdout
    section = txt[txt.find("Improvement plan of the previous cycle") :]
    assert "Improvement plan of the previous cycle" in txt
    assert "2026 annual performance appraisal: improvement plan after grade C" in section
    assert "outcome: failed" in section
    assert not re.search(r"[\u4e00-\u9fff]", section.split("\n\n")[1])  # the section's line
