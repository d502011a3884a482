"""Cycle workspaces: init writes the plan, folders and ledger; check reports everything."""

from __future__ import annotations

import sqlite3

import openpyxl
import pytest

from perfsheets.core.model import Plan
from perfsheets.core.problems import PerfsheetsError
from perfsheets.cycle.setup import check_workspace, init_workspace
from perfsheets.ledger.forms import store_form
from perfsheets.plan.example import example_plan
from perfsheets.plan.io import load_plan


def test_init_writes_plan_folders_and_ledger(tmp_path):
    ws = init_workspace(tmp_path / "c1", employees=40, seed=3)
    assert ws.plan_path().name == "plan.yaml"
    assert load_plan(ws.plan_path()) == example_plan(40, seed=3)
    for sub in ("forms", "returns", "results", "reports"):
        assert (ws.root / sub).is_dir()
    with sqlite3.connect(ws.ledger_path) as db:
        ((frozen,),) = db.execute("SELECT plan_json FROM plan_versions").fetchall()
        actions = [a for (a,) in db.execute("SELECT action FROM audit ORDER BY audit_id")]
    assert Plan.model_validate_json(frozen) == example_plan(40, seed=3)
    assert actions == ["plan.freeze", "workspace.init"]


def test_init_refuses_to_overwrite_unless_forced(tmp_path):
    ws = init_workspace(tmp_path / "c", employees=10)
    ws.plan_path().write_text("# HR's edits\n" + ws.plan_path().read_text(encoding="utf-8"))
    with pytest.raises(PerfsheetsError, match="--force"):
        init_workspace(ws.root, employees=10)
    assert "HR's edits" in ws.plan_path().read_text(encoding="utf-8")
    init_workspace(ws.root, employees=20, excel=True, force=True)
    assert [p.name for p in ws.root.glob("plan.*")] == ["plan.xlsx"]  # one plan file only
    assert len(load_plan(ws.plan_path()).roster.employees) == 20


def test_init_blank_and_english(tmp_path):
    ws = init_workspace(tmp_path / "b", example=False, lang="en")
    plan = load_plan(ws.plan_path())
    assert plan.roster.employees == [] and plan.cycle.language == "en" and len(plan.roles) == 8
    result = check_workspace(ws.root)
    assert result.valid and result.report.codes() == ["empty-roster"]


def test_check_counts_a_valid_workspace(tmp_path):
    init_workspace(tmp_path / "ok", employees=200, excel=True)
    result = check_workspace(tmp_path / "ok")
    assert result.valid and result.errors == 0
    assert (result.employees, result.departments, result.roles) == (200, 8, 8)
    assert result.assignments > 200 * 4 and result.raters > 200


def test_check_reports_excel_problems_with_cells(tmp_path):
    ws = init_workspace(tmp_path / "bad", employees=30, excel=True)
    book = openpyxl.load_workbook(ws.plan_path())
    roster = book["员工名册"]
    roster["A4"].value = roster["A3"].value  # duplicate employee id
    book.save(ws.plan_path())
    result = check_workspace(ws.root)
    assert not result.valid and result.errors >= 1
    dup = next(p for p in result.report if p.code == "duplicate-employee")
    assert (dup.file, dup.sheet, dup.cell) == ("plan.xlsx", "员工名册", "A4")


def test_check_a_broken_plan_is_a_report_not_a_traceback(tmp_path):
    ws = init_workspace(tmp_path / "broken", employees=10)
    ws.plan_path().write_text("cycle: [\n", encoding="utf-8")
    result = check_workspace(ws.root)
    assert not result.valid and result.report.codes() == ["yaml-syntax"]
    assert result.employees == 0


def test_check_without_plan_is_a_configuration_error(tmp_path):
    with pytest.raises(PerfsheetsError):
        check_workspace(tmp_path)
    with pytest.raises(PerfsheetsError):
        check_workspace(tmp_path / "missing")


def test_check_warns_when_plan_changed_after_forms(tmp_path):
    ws = init_workspace(tmp_path / "w", employees=12)
    with ws.ledger() as db:
        store_form(db, "F1", 1, "E0001", "forms/x.xlsx", "d", "2026-01-01", [])
    assert "plan-changed" not in check_workspace(ws.root).report.codes()
    text = ws.plan_path().read_text(encoding="utf-8").replace("weight: 30", "weight: 30.0", 1)
    ws.plan_path().write_text(text, encoding="utf-8")  # same plan, other spelling
    assert "plan-changed" not in check_workspace(ws.root).report.codes()
    text = text.replace("due: 2027-01-15", "due: 2027-01-20")
    ws.plan_path().write_text(text, encoding="utf-8")
    assert "plan-changed" in check_workspace(ws.root).report.codes()
