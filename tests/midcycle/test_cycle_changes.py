"""Issue 8 end to end: imported actuals, a target change and an appeal reach forms and reports."""

from __future__ import annotations

import subprocess

import pytest

import perfsheets as ps
from perfsheets.ledger.results import load_results
from perfsheets.ledger.workspace import Workspace


def pdf_text(path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True)
    return "".join(out.stdout.split())


@pytest.mark.slow
@pytest.mark.requires_poppler
def test_changes_during_the_cycle_show_in_the_regenerated_report(tmp_path):
    ws = tmp_path / "cycle"
    ps.init_workspace(ws, example=True, employees=30, seed=3)
    plan = ps.load_plan(ws / "plan.yaml")
    person = next(e for e in plan.roster.employees if e.role == "sales" and e.manager)
    kpi = next(k for k in plan.role_map()["sales"].kpis if k.target and k.rule.type == "linear")
    original = plan.target_map().get((person.id, kpi.code))
    start = original.target if original else kpi.target
    new_target = round(start * 1.1, 2)

    export = tmp_path / "erp.csv"
    export.write_text(f"工号,指标编码,实际值\n{person.id},{kpi.code},{start}\n", encoding="gbk")
    imported = ps.import_actuals(ws, export, source="CRM")
    assert imported.report.valid and imported.applied
    change = ps.adjust_target(
        ws,
        employee=person.id,
        item=kpi.code,
        target=new_target,
        reason="区域调整",
        approved_by="张总",
    )
    assert change.applied

    ps.generate_forms(ws, workers=1)
    ps.simulate_returns(ws, seed=3, missing=0, mistakes=0)
    ps.collect_returns(ws, workers=1)
    ps.consolidate(ws, previous=[])
    appeal = ps.open_appeal(ws, employee=person.id, reason="回款数据延迟")
    ps.resolve_appeal(ws, appeal, outcome="upheld", note="已核实并更正", decided_by="HR")
    ps.consolidate(ws, previous=[])
    ps.render_reports(ws, employees=[person.id], workers=1)

    with Workspace(ws).ledger() as conn:
        result = load_results(conn, [person.id])[0]
        actions = [row[0] for row in conn.execute("SELECT action || '|' || actor FROM audit")]
    item = next(k for k in result.kpis if k.code == kpi.code)
    assert item.actual == start and item.actual_source == "import"
    assert item.target == new_target and item.original_target == start
    assert [a.status for a in result.appeals] == ["upheld"]
    assert any(a.startswith("target.") for a in actions)
    assert any(a.startswith("appeal.") for a in actions)

    text = pdf_text(next((ws / "reports").glob(f"{person.id}_*.pdf")))
    assert "区域调整" in text and "张总" in text  # the target change with its reason and approver
    assert "已核实并更正" in text  # the appeal decision
