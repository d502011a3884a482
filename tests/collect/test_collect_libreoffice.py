"""The LibreOffice round trip: generate → fill → save with LibreOffice → collect."""

from __future__ import annotations

from pathlib import Path

import pytest
from collect_support import (
    bounded_plan,
    find_cell,
    ledger_rows,
    prepared_workspace,
    resave_with_libreoffice,
    returned,
)

from perfsheets.collect.run import collect_returns

pytestmark = pytest.mark.requires_soffice


@pytest.mark.slow
def test_files_saved_by_libreoffice_are_collected(tmp_path, tmp_path_factory, small_plan):
    plan = bounded_plan(small_plan)
    ws = prepared_workspace(tmp_path_factory, "cycle", plan, tmp_path / "cycle")

    def formula(wb) -> None:
        sheet = wb["张伟 E003"]
        sheet[find_cell(sheet, "competency:C1", "rating")].value = "=2+2"

    filled = returned(ws, "E002", name="E002.xlsx")
    typed_formula = returned(ws, "E002", formula, name="E002 formula.xlsx")
    expected = collect_returns(ws.root, [filled], plan=plan, workers=0)
    assert expected.accepted == 1
    entries = "SELECT ratee_id, rater_type, item_key, field, value_num, value_text FROM entries"
    by_openpyxl = sorted(ledger_rows(ws, entries))

    saved = resave_with_libreoffice([filled, typed_formula], tmp_path / "lo", tmp_path / "prof")
    assert all(f.exists() for f in saved)
    assert saved[0].read_bytes() != filled.read_bytes()
    lo = collect_returns(ws.root, saved, plan=plan, workers=0)
    outcomes = {Path(f.file).name: f.outcome for f in lo.files}
    # Same values from LibreOffice's file: identical content, so nothing changes; the sheet
    # with the formula is sent back, the file's other sheets equal those in force.
    assert outcomes == {"E002.xlsx": "unchanged", "E002 formula.xlsx": "unchanged"}
    assert [f.rejected_sheets for f in lo.files] == [0, 1]
    assert sorted(ledger_rows(ws, entries)) == by_openpyxl
    # LibreOffice computed the formula (a cached 4 that looks valid): still refused.
    problem = next(p for p in lo.report if p.code == "formula-in-input")
    assert problem.sheet == "张伟 E003" and problem.file.endswith("E002 formula.xlsx")
