"""Appeals: opened, decided once, audited, and never a hand-edited score."""

from __future__ import annotations

import json
import sqlite3

import pytest

from perfsheets.core.model import Plan
from perfsheets.core.problems import PerfsheetsError
from perfsheets.core.results import Appeal, EmployeeResult
from perfsheets.ledger.results import store_run
from perfsheets.ledger.workspace import Workspace, freeze_plan
from perfsheets.midcycle.appeals import list_appeals, open_appeal, resolve_appeal
from perfsheets.plan.io import dump_plan


def result_e003(total: float, grade: str) -> EmployeeResult:
    return EmployeeResult(
        employee_id="E003",
        department="销售部",
        role="sales",
        complete=True,
        total_score=total,
        grade=grade,
    )


def stored_run(ws: Workspace, plan: Plan, at: str, results: list[EmployeeResult]) -> None:
    """A consolidation run stored as consolidation stores it."""
    with ws.ledger() as conn:
        store_run(conn, freeze_plan(conn, plan.model_dump_json()), at, "{}", results)


def rows(ws: Workspace, sql: str) -> list[tuple]:
    with sqlite3.connect(ws.ledger_path) as conn:
        return conn.execute(sql).fetchall()


def test_open_list_and_resolve_with_audit(ws, small_plan):
    appeal_id = open_appeal(
        ws.root, employee="E003", reason="上级漏填了第四季度的签约", plan=small_plan
    )
    [record] = list_appeals(ws.root)
    assert (record.appeal_id, record.employee_id, record.status) == (appeal_id, "E003", "open")
    assert record.is_open and record.reconsolidated is None
    decided = resolve_appeal(
        ws.root, appeal_id, outcome="upheld", note="上级已更正回执", decided_by="HR 刘"
    )
    assert (decided.status, decided.outcome, decided.decided_by) == ("upheld", "upheld", "HR 刘")
    assert decided.note == "上级已更正回执" and decided.decided_at
    audit = rows(ws, "SELECT actor, at, action, subject, detail FROM audit ORDER BY audit_id")
    assert [(a[2], a[3]) for a in audit] == [("appeal.open", "E003"), ("appeal.resolve", "E003")]
    assert all(a[0] and a[1] for a in audit)
    assert json.loads(audit[0][4])["reason"] == "上级漏填了第四季度的签约"
    detail = json.loads(audit[1][4])
    assert detail == {
        "appeal_id": appeal_id,
        "outcome": "upheld",
        "note": "上级已更正回执",
        "decided_by": "HR 刘",
    }


def test_a_decision_changes_no_result(ws, small_plan):
    stored_run(ws, small_plan, "2026-01-01T00:00:00", [result_e003(72.5, "B")])
    appeal_id = open_appeal(ws.root, employee="E003", reason="评分有误", plan=small_plan)
    resolve_appeal(ws.root, appeal_id, outcome="upheld", note="重新收集回执", decided_by="HR")
    assert rows(ws, "SELECT total_score, grade FROM results") == [(72.5, "B")]
    columns = {r[1] for r in rows(ws, "PRAGMA table_info(appeals)")}
    assert not any("score" in c or "grade" in c for c in columns)


def test_reconsolidated_flag_of_an_upheld_appeal(ws, small_plan):
    appeal_id = open_appeal(ws.root, employee="E003", reason="评分有误", plan=small_plan)
    decided = resolve_appeal(ws.root, appeal_id, outcome="upheld", note="更正", decided_by="HR")
    assert decided.reconsolidated is False  # decided, but results not recomputed yet
    stored_run(ws, small_plan, "9999-01-01T00:00:00", [])
    assert list_appeals(ws.root)[0].reconsolidated is True


def test_one_open_appeal_per_employee_and_decisions_are_final(ws, small_plan):
    first = open_appeal(ws.root, employee="E003", reason="a", plan=small_plan)
    with pytest.raises(PerfsheetsError, match=f"already has an open appeal \\(#{first}\\)"):
        open_appeal(ws.root, employee="E003", reason="b", plan=small_plan)
    resolve_appeal(ws.root, first, outcome="rejected", note="评分有依据", decided_by="HR")
    with pytest.raises(PerfsheetsError, match="already decided"):
        resolve_appeal(ws.root, first, outcome="upheld", note="x", decided_by="HR")
    second = open_appeal(ws.root, employee="E003", reason="新的问题", plan=small_plan)
    assert second != first
    assert [a.status for a in list_appeals(ws.root, employee="E003")] == ["rejected", "open"]
    assert [a.appeal_id for a in list_appeals(ws.root, status="open")] == [second]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"outcome": "granted", "note": "x", "decided_by": "HR"}, "upheld' or 'rejected"),
        ({"outcome": "upheld", "note": " ", "decided_by": "HR"}, "note"),
        ({"outcome": "upheld", "note": "x", "decided_by": ""}, "who decided"),
    ],
)
def test_bad_decisions(ws, small_plan, kwargs, message):
    appeal_id = open_appeal(ws.root, employee="E003", reason="a", plan=small_plan)
    with pytest.raises(PerfsheetsError, match=message):
        resolve_appeal(ws.root, appeal_id, **kwargs)
    assert list_appeals(ws.root)[0].is_open


def test_unknown_employee_appeal_or_empty_reason(ws, small_plan):
    with pytest.raises(PerfsheetsError, match="not in the plan's roster"):
        open_appeal(ws.root, employee="E999", reason="a", plan=small_plan)
    with pytest.raises(PerfsheetsError, match="reason"):
        open_appeal(ws.root, employee="E003", reason="", plan=small_plan)
    with pytest.raises(PerfsheetsError, match="no appeal #42"):
        resolve_appeal(ws.root, 42, outcome="rejected", note="x", decided_by="HR")
    assert rows(ws, "SELECT COUNT(*) FROM audit") == [(0,)]


def test_as_result_for_employee_results(ws, small_plan):
    appeal_id = open_appeal(ws.root, employee="E003", reason="a", plan=small_plan)
    record = resolve_appeal(ws.root, appeal_id, outcome="rejected", note="n", decided_by="HR")
    result = record.as_result()
    assert isinstance(result, Appeal)
    assert (result.appeal_id, result.status, result.note) == (appeal_id, "rejected", "n")


def test_example_plan_from_workspace(tmp_path):
    from perfsheets.plan.example import example_plan

    plan = example_plan(20)
    ws = Workspace(tmp_path / "ex").create()
    dump_plan(plan, ws.root / "plan.yaml")
    employee = plan.roster.employees[5].id
    appeal_id = open_appeal(ws.root, employee=employee, reason="KPI 实际值录入错误")
    assert list_appeals(ws.root)[0].employee_id == employee
    assert resolve_appeal(ws.root, appeal_id, outcome="upheld", note="更正", decided_by="HR")
