"""Target changes during the cycle: band, confirmation, audit log, ledger."""

from __future__ import annotations

import json
import sqlite3

import pytest

from perfsheets.core.model import IndividualTarget
from perfsheets.core.problems import PerfsheetsError
from perfsheets.ledger.changes import current_targets, load_target_changes
from perfsheets.ledger.forms import FormSheet, store_form
from perfsheets.ledger.workspace import Workspace, freeze_plan
from perfsheets.midcycle.targets import TargetChangeRefused, adjust_target
from perfsheets.plan.io import dump_plan


def rows(ws: Workspace, sql: str) -> list[tuple]:
    with sqlite3.connect(ws.ledger_path) as conn:
        return conn.execute(sql).fetchall()


def change(ws, plan, target, confirm=False, employee="E002", item="S01"):
    return adjust_target(
        ws.root,
        employee=employee,
        item=item,
        target=target,
        reason="划入新区域",
        approved_by="王经理",
        confirm=confirm,
        plan=plan,
    )


def test_change_within_band_is_recorded_with_who_when_why(ws, small_plan):
    result = change(ws, small_plan, 110)
    assert result.applied and result.change == pytest.approx(0.10)
    assert (result.original_target, result.previous_target, result.new_target) == (100, 100, 110)
    [(emp, kpi, old, new, reason, by, at)] = rows(
        ws,
        "SELECT employee_id, kpi_code, old_target, new_target, reason, approved_by, changed_at"
        " FROM target_changes",
    )
    assert (emp, kpi, old, new, reason, by) == ("E002", "S01", 100, 110, "划入新区域", "王经理")
    assert at[:2] == "20"
    [(actor, when, action, subject, detail)] = rows(
        ws, "SELECT actor, at, action, subject, detail FROM audit"
    )
    assert action == "target.change" and subject == "E002/S01" and actor and when
    detail = json.loads(detail)
    assert detail["reason"] == "划入新区域" and detail["approved_by"] == "王经理"
    assert detail["old_target"] == 100 and detail["new_target"] == 110
    assert detail["confirmed_by_hr"] is False


def test_change_beyond_band_is_refused_but_audited(ws, small_plan):
    with pytest.raises(TargetChangeRefused) as caught:
        change(ws, small_plan, 130)
    assert not caught.value.result.applied
    assert caught.value.report.codes() == ["target-change-beyond-band"]
    assert "+30.0%" in str(caught.value) and "15%" in str(caught.value)
    assert rows(ws, "SELECT COUNT(*) FROM target_changes") == [(0,)]
    assert rows(ws, "SELECT action FROM audit") == [("target.refused",)]


def test_hr_confirmation_allows_a_larger_change(ws, small_plan):
    result = change(ws, small_plan, 70, confirm=True)
    assert result.applied and result.beyond_band and result.change == pytest.approx(-0.30)
    detail = json.loads(rows(ws, "SELECT detail FROM audit")[0][0])
    assert detail["confirmed_by_hr"] is True and detail["beyond_band"] is True


def test_band_is_measured_from_the_plan_target_not_the_last_change(ws, small_plan):
    assert change(ws, small_plan, 112).applied
    with pytest.raises(TargetChangeRefused):
        change(ws, small_plan, 125)  # +11.6% on 112, but +25% on the plan's 100
    result = change(ws, small_plan, 105)
    assert result.previous_target == 112 and result.original_target == 100
    with ws.ledger() as conn:
        assert current_targets(conn)[("E002", "S01")] == 105
        history = load_target_changes(conn)["E002"]
    assert [(c.old_target, c.new_target) for c in history] == [(100, 112), (112, 105)]


def test_individual_target_is_the_original_and_band_comes_from_the_plan(ws, small_plan):
    plan = small_plan.model_copy(
        update={
            "roster": small_plan.roster.model_copy(
                update={"targets": [IndividualTarget(employee="E003", kpi="S01", target=200)]}
            ),
            "cycle": small_plan.cycle.model_copy(update={"target_change_band": 0.3}),
        }
    )
    result = change(ws, plan, 255, employee="E003")
    assert result.original_target == 200 and result.applied  # +27.5% within ±30%


def test_same_target_records_nothing(ws, small_plan):
    result = change(ws, small_plan, 100)
    assert not result.applied and result.report.codes() == ["target-change-unchanged"]
    assert rows(ws, "SELECT COUNT(*) FROM target_changes") == [(0,)]


def test_kpi_without_a_plan_target_needs_confirmation(ws, small_plan):
    sales = small_plan.roles[0]
    kpis = [k.model_copy(update={"target": None}) if k.code == "S01" else k for k in sales.kpis]
    plan = small_plan.model_copy(
        update={"roles": [sales.model_copy(update={"kpis": kpis}), small_plan.roles[1]]}
    )
    with pytest.raises(TargetChangeRefused) as caught:
        change(ws, plan, 100)
    assert caught.value.report.codes() == ["target-change-no-original"]
    assert change(ws, plan, 100, confirm=True).applied


def test_forms_already_sent_are_flagged(ws, small_plan):
    with ws.ledger() as conn:  # E001's form rating E002, as generate stores it
        version = freeze_plan(conn, small_plan.model_dump_json())
        sheet = FormSheet("S", "E002", "manager", "{}")
        store_form(conn, "F1", version, "E001", "f.xlsx", "x", "now", [sheet])
    result = change(ws, small_plan, 108)
    assert result.applied and "target-change-forms-sent" in result.report.codes()
    assert "100" in result.report.problems[0].message("en")


def test_change_after_the_cycle_is_flagged(ws, small_plan):
    cycle = small_plan.cycle
    old = cycle.model_copy(
        update={"start": cycle.start.replace(year=2020), "end": cycle.end.replace(year=2020)}
    )
    result = change(ws, small_plan.model_copy(update={"cycle": old}), 105)
    assert result.applied and result.report.codes() == ["target-change-after-cycle"]


@pytest.mark.parametrize(
    ("employee", "item", "target", "message"),
    [
        ("E999", "S01", 100, "not in the plan's roster"),
        ("E002", "XX", 100, "has no KPI 'XX'"),
        ("E002", "T1", 100, "key task"),
        ("E002", "S03", 2, "uses no target"),  # deduction rule
        ("E002", "S01", 0, "above 0"),
        ("E002", "S01", float("nan"), "finite"),
    ],
)
def test_bad_requests_raise_clear_errors(ws, small_plan, employee, item, target, message):
    with pytest.raises(PerfsheetsError, match=message):
        change(ws, small_plan, target, employee=employee, item=item)
    assert rows(ws, "SELECT COUNT(*) FROM audit") == [(0,)]


def test_reason_and_approver_are_required(ws, small_plan):
    with pytest.raises(PerfsheetsError, match="reason"):
        adjust_target(ws.root, employee="E002", item="S01", target=105, reason=" ",
                      approved_by="x", plan=small_plan)  # fmt: skip
    with pytest.raises(PerfsheetsError, match="approved by"):
        adjust_target(ws.root, employee="E002", item="S01", target=105, reason="x",
                      approved_by="", plan=small_plan)  # fmt: skip


def test_example_plan_from_workspace(tmp_path):
    from perfsheets.plan.example import example_plan

    plan = example_plan(30)
    ws = Workspace(tmp_path / "ex").create()
    dump_plan(plan, ws.root / "plan.yaml")
    quota = plan.roster.targets[0]  # an individual sales quota
    result = adjust_target(
        ws.root,
        employee=quota.employee,
        item=quota.kpi,
        target=quota.target * 1.1,
        reason="区域调整",
        approved_by="销售总监",
    )
    assert result.applied and result.original_target == quota.target
