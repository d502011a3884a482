"""``perfsheets init NEXT --from WS`` on a real finished cycle: the built-in example consolidated,
interview records filled and collected; the next plan's cycle, roster, targets from the agreed
goals, agreed_goals.csv, check and generated forms; bad input refused."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from collect_support import record_cell
from typer.testing import CliRunner

from perfsheets.cli import app
from perfsheets.collect.run import collect_returns
from perfsheets.core import layout
from perfsheets.core.model import Cycle, Kpi
from perfsheets.cycle.advance import next_cycle
from perfsheets.cycle.next_plan import InitFromRefused, init_from, parse_target
from perfsheets.cycle.setup import check_workspace
from perfsheets.forms.generate import generate_forms
from perfsheets.interview.generate import write_interview_forms
from perfsheets.plan.io import dump_plan, load_plan

DAY = dt.date.today() - dt.timedelta(days=2)
FILE = "面谈记录_E0002_周海伟.xlsx"
runner = CliRunner()


def _record(view: str = "同意", both: bool = True, goals=()) -> dict[str, object]:
    out: dict[str, object] = {
        "iv:interview_date": DAY,
        "iv:view": view,
        "iv:manager_name": "周海伟",
        "iv:manager_date": DAY,
    }
    if view == "有异议":
        out["iv:reason"] = "大客户项目未计入"
    if both:
        out |= {"iv:employee_name": "某某", "iv:employee_date": DAY}
    for n, (goal, target, weight) in enumerate(goals, 1):
        out |= {f"goal:{n}|goal": goal, f"goal:{n}|target": target, f"goal:{n}|weight": weight}
    return out


@pytest.fixture(scope="module")
def finished(tmp_path_factory, consolidated_example) -> Path:
    """A finished annual cycle of 40 people (2026) with three interview records collected; two
    people have left by the end of the year (one of them a manager and goal owner)."""
    root = tmp_path_factory.mktemp("initfrom") / "cycle-2026"
    shutil.copytree(consolidated_example, root)
    for old in (root / "returns").iterdir():
        old.unlink()
    write_interview_forms(root)
    wb = openpyxl.load_workbook(root / "interviews" / FILE)
    sheets = {
        "梁辉 E0003": _record(
            goals=[("回款率", "96%", 40), (" S03 ", "1,200 家", 30), ("带教新人", "+2 名", 30)]
        ),
        "胡志娜 E0004": _record(
            view="有异议", both=False, goals=[("销售目标达成率", "6,000,000 元", 100)]
        ),
        "曹浩静 E0005": _record(both=False, goals=[("客户满意度", "≥90分", 100)]),
    }
    for sheet, cells in sheets.items():
        for key, value in cells.items():
            k, _, meaning = key.partition("|")
            record_cell(wb[sheet], k, meaning or "value").value = value
    wb.save(root / "returns" / "records.xlsx")
    collected = collect_returns(root)
    assert [f.outcome for f in collected.files] == ["accepted"], collected.report.rows()
    # HR updates the roster at the year's end: a manager leaves, someone is marked inactive
    plan = load_plan(root / "plan.yaml")
    people = [
        e.model_copy(update={"leave_date": dt.date(2026, 12, 20)})
        if e.id == "E0032"
        else e.model_copy(update={"is_active": False})
        if e.id == "E0040"
        else e
        for e in plan.roster.employees
    ]
    dump_plan(
        plan.model_copy(update={"roster": plan.roster.model_copy(update={"employees": people})}),
        root / "plan.yaml",
    )
    return root


@pytest.fixture(scope="module")
def seeded(finished):
    nxt = finished.parent / "cycle-2027"
    return init_from(nxt, finished), nxt


def test_the_cycle_advances_and_leavers_are_dropped(seeded):
    result, nxt = seeded
    plan = load_plan(nxt / "plan.yaml")
    c = plan.cycle
    assert (c.id, c.name, c.name_en) == (
        "2027",
        "2027年度绩效考核",
        "2027 annual performance appraisal",
    )
    assert (c.start, c.end, c.due) == (
        dt.date(2027, 1, 1),
        dt.date(2027, 12, 31),
        dt.date(2028, 1, 15),
    )
    assert c.confirmation_deadline == dt.date(2028, 2, 26)
    ids = {e.id for e in plan.roster.employees}
    assert len(ids) == 38 and not ids & {"E0032", "E0040"} and result.left == 2
    managers = {e.id: e.manager for e in plan.roster.employees}
    assert managers["E0033"] == managers["E0034"] == "E0001"  # the next one up
    assert next(g for g in plan.goals if g.id == "D-QC").owner is None
    codes = result.report.codes()
    assert codes.count("next-left") == 2 and codes.count("next-manager-changed") == 2
    assert "next-goal-owner-cleared" in codes and "next-history-not-sibling" not in codes
    assert all(not p.is_error for p in result.report)


def test_agreed_kpi_goals_become_individual_targets(seeded):
    result, nxt = seeded
    plan = load_plan(nxt / "plan.yaml")
    targets = {(t.employee, t.kpi): t.target for t in plan.roster.targets}
    assert targets[("E0003", "S02")] == 96  # "96%" of a KPI measured in %
    assert targets[("E0003", "S03")] == 1200  # " S03 " by code, "1,200 家" in its unit
    assert targets[("E0003", "S01")] == 390  # carried over from the plan
    assert targets[("E0004", "S01")] == 600  # "6,000,000 元" in 万元, a disputed record
    assert ("E0005", "S04") not in targets  # "≥90分" is not a number
    assert result.agreed_targets == 3 and result.other_goals == 2
    assert plan.role_map()["sales"].kpi("S01").weight == 30  # role weights never change
    codes = result.report.codes()
    for code in ("next-goals-disputed", "next-goal-not-kpi", "next-target-not-number"):
        assert codes.count(code) == 1, code
    assert codes.count("next-weight-differs") == 3  # S02 40 vs 20, S03 30 vs 15, S01 100 vs 30


def test_every_agreed_goal_is_in_the_csv(seeded):
    result, nxt = seeded
    raw = (nxt / "agreed_goals.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and result.goals_file == nxt / "agreed_goals.csv"
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert [(r["工号"], r["下期目标"], r["处理"]) for r in rows] == [
        ("E0003", "回款率", "个人目标值"),
        ("E0003", "S03", "个人目标值"),
        ("E0003", "带教新人", "未对应到指标，请在方案中安排"),
        ("E0004", "销售目标达成率", "个人目标值"),
        ("E0005", "客户满意度", "目标值无法识别，请在方案中填写个人目标值"),
    ]
    assert rows[2]["目标"] == "'+2 名"  # formula-injection safe
    assert rows[3]["面谈记录状态"] == "有异议" and rows[4]["面谈记录状态"] == "已面谈待确认"


def test_check_passes_and_the_forms_show_the_agreed_targets(seeded, tmp_path):
    _, seeded_ws = seeded
    nxt = tmp_path / "next"
    shutil.copytree(seeded_ws, nxt)
    checked = check_workspace(nxt)
    assert checked.valid, checked.report.rows()
    assert checked.employees == 38
    generated = generate_forms(nxt, workers=1)
    form = next(f for f in generated.files if "E0002" in f.name)
    sheet = openpyxl.load_workbook(form)["梁辉 E0003"]
    rows = {str(r[0].value): r[0].row for r in sheet.iter_rows(min_col=1, max_col=1) if r[0].value}
    for code, target in (("S02", 96), ("S03", 1200), ("S01", 390)):
        row = rows[layout.item_key("kpi", code)]
        cols = next(
            {str(sheet.cell(r, c).value): c for c in range(2, sheet.max_column + 1)}
            for r in range(row - 1, 0, -1)
            if sheet.cell(r, 1).value == layout.COLUMNS_KEY
        )
        assert sheet.cell(row, cols["target"]).value == target, code


def test_the_next_cycle_finds_the_finished_one_for_its_history(seeded):
    from perfsheets.consolidation.history import load_history

    _, nxt = seeded
    history = load_history(None, nxt, load_plan(nxt / "plan.yaml"))
    assert [h.cycle.id for h in history] == ["2026"]


def test_refusals(finished, tmp_path):
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("x")
    with pytest.raises(InitFromRefused) as refused:
        init_from(busy, finished)
    assert refused.value.problem.code == "next-not-empty" and "notes.txt" in str(refused.value)
    with pytest.raises(InitFromRefused) as refused:
        init_from(tmp_path / "a", tmp_path / "nothing-here", lang="en")
    assert refused.value.problem.code == "from-not-workspace"
    assert "is not a cycle workspace" in str(refused.value)
    no_plan = tmp_path / "no-plan"
    shutil.copytree(finished, no_plan)
    (no_plan / "plan.yaml").unlink()
    with pytest.raises(InitFromRefused) as refused:
        init_from(tmp_path / "b", no_plan)
    assert refused.value.problem.code == "from-no-plan" and "没有方案文件" in str(refused.value)
    with pytest.raises(InitFromRefused) as refused:
        init_from(tmp_path / "c", finished, start=dt.date(2026, 6, 1))
    assert refused.value.problem.code == "next-start-too-early"
    assert not (tmp_path / "a").exists() and not (tmp_path / "c").exists()


def test_the_command(finished, tmp_path):
    out = runner.invoke(app, ["init", str(tmp_path / "n"), "--from", str(finished)])
    assert out.exit_code == 0, out.output
    assert "已创建下一周期的工作区" in out.output and "来自面谈的个人目标值" in out.output
    assert "不在同一文件夹下" in "".join(out.output.split())  # tmp_path is not beside WS
    as_json = runner.invoke(
        app, ["init", str(tmp_path / "j"), "--from", str(finished), "--json", "--lang", "en"]
    )
    data = json.loads(as_json.output)
    assert data["cycle_id"] == "2027" and data["agreed_targets"] == 3
    assert "next-history-not-sibling" in [r["code"] for r in data["report"]]
    again = runner.invoke(app, ["init", str(tmp_path / "n"), "--from", str(finished)])
    assert again.exit_code == 2 and "不是空文件夹" in again.output
    mixed = runner.invoke(
        app, ["init", str(tmp_path / "m"), "--from", str(finished), "--employees", "9"]
    )
    assert mixed.exit_code == 2 and "--employees" in mixed.output
    lonely = runner.invoke(app, ["init", str(tmp_path / "k"), "--start", "2027-01-01"])
    assert lonely.exit_code == 2


# --- pure parts -------------------------------------------------------------------------------


def _cycle(id_: str, name: str, period: str, start: str, end: str, name_en: str | None = None):
    end_day = dt.date.fromisoformat(end)
    return Cycle(
        id=id_,
        name=name,
        name_en=name_en,
        period=period,  # type: ignore[arg-type]
        start=dt.date.fromisoformat(start),
        end=end_day,
        due=end_day + dt.timedelta(days=15),
    )


@pytest.mark.parametrize(
    ("cycle", "expected"),
    [
        (
            _cycle("2026Q4", "2026年第四季度", "quarter", "2026-10-01", "2026-12-31", "Q4 2026"),
            ("2027Q1", "2027年第一季度", "Q1 2027", "2027-03-31", "2027-04-15"),
        ),
        (
            _cycle("2026Q1", "2026年第1季度考核", "quarter", "2026-01-01", "2026-03-31"),
            ("2026Q2", "2026年第2季度考核", None, "2026-06-30", "2026-07-15"),
        ),
        (
            _cycle("2026H2", "2026年下半年", "half-year", "2026-07-01", "2026-12-31", "H2 2026"),
            ("2027H1", "2027年上半年", "H1 2027", "2027-06-30", "2027-07-15"),
        ),
        (
            _cycle("2026-12", "2026年12月", "month", "2026-12-01", "2026-12-31", "December 2026"),
            ("2027-01", "2027年1月", "January 2027", "2027-01-31", "2027-02-15"),
        ),
        (  # no year in the name, the quarter in the English one is not this cycle's
            _cycle("FY26-4", "第四季度", "quarter", "2026-10-01", "2026-12-31", "Q3 2026"),
            ("2027Q1", "待修改：2027年第1季度", "TO EDIT: 2027 Q1", "2027-03-31", "2027-04-15"),
        ),
    ],
)
def test_next_cycle(cycle, expected):
    found = next_cycle(cycle).cycle
    assert (found.id, found.name, found.name_en, str(found.end), str(found.due)) == expected


def test_a_placeholder_name_is_a_check_warning(finished, tmp_path):
    plan = load_plan(finished / "plan.yaml")
    ws = tmp_path / "odd"
    shutil.copytree(finished, ws)
    odd = plan.cycle.model_copy(update={"name": "年度考核", "id": "annual"})
    dump_plan(plan.model_copy(update={"cycle": odd}), ws / "plan.yaml")
    result = init_from(tmp_path / "next", ws)
    assert "next-name-not-derived" in result.report.codes()
    checked = check_workspace(tmp_path / "next")
    assert checked.valid and "cycle-name-placeholder" in checked.report.codes()


@pytest.mark.parametrize(
    ("text", "unit", "value"),
    [
        ("96%", "%", 96),
        ("96％", "%", 96),
        ("1,200", "家", 1200),
        ("1,200 家", "家", 1200),
        ("500万", "万元", 500),
        ("5,000,000元", "万元", 500),
        ("1.5亿元", "万元", 15000),
        (42, "", 42),
        ("96%", "", None),  # a share of what? not guessed
        ("1,20", "", None),
        ("≥90分", "分", None),
        ("20 人", "家", None),
        ("达成 100%", "%", None),
    ],
)
def test_parse_target(text, unit, value):
    kpi = Kpi(code="K", name="k", unit=unit, weight=10)
    assert parse_target(text, kpi) == value
