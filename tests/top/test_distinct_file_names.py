"""Two people whose ids differ only in characters a file name cannot hold (``Q/1``, ``Q:1``) or
only in case get a form and a report each: never one file overwriting the other."""

from __future__ import annotations

import pytest
from ledger_builder import LedgerBuilder, rate_everyone

from perfsheets.consolidation.run import consolidate
from perfsheets.core.cells import id_file_parts
from perfsheets.core.model import Employee, Plan
from perfsheets.forms.generate import generate_forms
from perfsheets.report.render import render_reports

LOOKALIKES = ("Q/1", "Q:1", "q:1")


def with_lookalikes(plan: Plan) -> Plan:
    people = [
        Employee(id=i, name="周同", department="行政部", role="admin", manager="E006")
        for i in LOOKALIKES
    ]
    roster = plan.roster.model_copy(update={"employees": [*plan.roster.employees, *people]})
    return plan.model_copy(update={"roster": roster})


def test_id_parts_are_distinct_and_plain_ids_stay_as_they_are():
    parts = id_file_parts(["E001", *LOOKALIKES])
    assert parts["E001"] == "E001"
    assert len({p.casefold() for p in parts.values()}) == 4
    assert all(parts[i].startswith("Q_1~") or parts[i].startswith("q_1~") for i in LOOKALIKES)
    assert id_file_parts(["Q/1", "Q:1"]) == {k: parts[k] for k in ("Q/1", "Q:1")}  # stable


@pytest.mark.slow
def test_lookalike_ids_get_a_form_and_a_report_each(tmp_path, small_plan):
    plan = with_lookalikes(small_plan)
    forms = generate_forms(tmp_path / "forms-ws", plan=plan, workers=1)
    self_forms = [p.name for p in forms.files if "周同" in p.name]
    assert len({n.casefold() for n in self_forms}) == 3, self_forms

    lb = LedgerBuilder(tmp_path / "ws", plan)
    rate_everyone(lb, dict.fromkeys(["E006", *LOOKALIKES], 4))
    consolidate(lb.root, previous=[])
    out = render_reports(lb.root, workers=1, manager_packs=False, hr_summary=False)
    names = [p.name for p in out.reports if "周同" in p.name]
    assert len({n.casefold() for n in names}) == 3 and all(p.is_file() for p in out.reports)
