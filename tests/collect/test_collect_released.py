"""A released cycle: assessment returns are refused with a located problem, interview records
are still collected (they come after the release)."""

from __future__ import annotations

import openpyxl

from perfsheets.calibration.run import release_cycle
from perfsheets.collect.run import collect_returns
from perfsheets.consolidation.run import consolidate
from perfsheets.cycle.setup import init_workspace
from perfsheets.forms.generate import generate_forms
from perfsheets.forms.simulate import simulate_returns
from perfsheets.interview.generate import write_interview_forms
from perfsheets.interview.simulate import simulate_records


def test_after_release_only_interview_records_are_collected(tmp_path):
    root = tmp_path / "ws"
    init_workspace(root, example=True, employees=12, seed=2, force=True)
    generate_forms(root)
    returns = simulate_returns(root, seed=2, missing=0, mistakes=0)
    collect_returns(root)
    consolidate(root, previous=[])
    release_cycle(root)
    write_interview_forms(root)
    records = simulate_records(root, seed=2, missing=0, unconfirmed=0, disagree=0)
    other = root / "returns" / "late.xlsx"
    wb = openpyxl.load_workbook(returns.files[0])
    wb.save(other)  # new bytes: read again, not known as stored
    result = collect_returns(root, [other, *records.files])
    refused = [p for p in result.report if p.code == "results-released"]
    assert [(p.file, p.sheet, p.cell) for p in refused] == [("returns/late.xlsx", "", "")]
    outcomes = {f.file: f.outcome for f in result.files}
    assert outcomes.pop("returns/late.xlsx") == "rejected"
    assert set(outcomes.values()) == {"accepted"} and len(outcomes) == records.returned
