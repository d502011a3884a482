"""Problems are data: stored as code and parameters, shown in the language of the run that shows
them. A collect in Chinese followed by ``collect --lang en`` with nothing new writes every stored
problem in English, exactly as a first collect in English would."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest
from collect_support import ledger_rows, load_workbook
from typer.testing import CliRunner

from perfsheets.cli import app
from perfsheets.core import layout
from perfsheets.core.problems import CATALOGUE, CODE_ALIASES
from perfsheets.ledger.workspace import Workspace

runner = CliRunner()
KEBAB = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def collect(ws: Path, *options: str) -> dict:
    result = runner.invoke(app, ["collect", str(ws), "--workers", "1", "--json", *options])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.output)


def input_cells(sheet) -> list:
    """The filled rating cells of an assessment sheet, found by the layout."""
    cells, columns = [], {}
    for row in sheet.iter_rows():
        key = row[0].value
        if key == layout.COLUMNS_KEY:
            columns = {c.value: c.column - 1 for c in row[1:] if isinstance(c.value, str)}
        elif isinstance(key, str) and key.startswith(("task:", "competency:")):
            cell = row[columns[layout.COL_RATING]]
            if isinstance(cell.value, int | float):
                cells.append(cell)
    return cells


def assessment_sheets(book) -> list:
    return [s for s in book.worksheets if s.title != layout.META_SHEET and input_cells(s)]


def spoil(clean: list[Path]) -> None:
    """Accepted files that carry warnings: a rating typed in full-width digits as text, a
    renamed sheet, and a corrected copy (newer) that supersedes its first version; and a file
    rejected for a rating off the scale."""

    typed, renamed, corrected, wrong = clean[:4]
    book = load_workbook(typed)
    cell = input_cells(assessment_sheets(book)[0])[0]
    cell.value = chr(0xFF10 + int(cell.value))  # ４: text, full-width
    book.save(typed)
    book = load_workbook(renamed)
    assessment_sheets(book)[0].title = "renamed by hand"
    book.save(renamed)
    book = load_workbook(corrected)
    cell = input_cells(assessment_sheets(book)[0])[0]
    cell.value = 1 if cell.value != 1 else 2
    copy = corrected.with_name(f"{corrected.stem} v2.xlsx")
    book.save(copy)
    past = time.time() - 3600
    os.utime(corrected, (past, past))  # the corrected copy is the newer file
    book = load_workbook(wrong)
    input_cells(assessment_sheets(book)[-1])[-1].value = 9
    book.save(wrong)


@pytest.fixture(scope="module")
def cycle(tmp_path_factory) -> Path:
    """A small company's cycle: generated forms, simulated returns (some with mistakes, some
    with warnings) and a file that is no workbook at all."""
    from perfsheets.cycle.setup import init_workspace
    from perfsheets.forms.generate import generate_forms
    from perfsheets.forms.simulate import simulate_returns

    ws = init_workspace(tmp_path_factory.mktemp("lang") / "cycle", employees=12, seed=3).root
    generate_forms(ws, workers=1)
    simulated = simulate_returns(ws, seed=3, missing=0.0, mistakes=0.3, workers=1)
    spoiled = {Path(m.file).name for m in simulated.mistakes}
    assert spoiled, "the simulation should spoil some returns"
    clean = sorted(p for p in simulated.files if Path(p).name not in spoiled)
    spoil(clean)
    (ws / "returns" / "scan.xlsx").write_bytes(b"%PDF-1.4 a scan")
    return ws


def validation(ws: Path) -> tuple[list[dict], list[tuple], list[tuple]]:
    """validation.csv rows, and the Problems and To-send-back rows of validation.xlsx."""
    import openpyxl

    raw = (ws / "results" / "validation.csv").read_text(encoding="utf-8-sig")
    book = openpyxl.load_workbook(ws / "results" / "validation.xlsx")
    problems, send_back = book.worksheets[1], book.worksheets[3]
    return (
        list(csv.DictReader(raw.splitlines())),
        list(problems.iter_rows(min_row=2, values_only=True)),
        list(send_back.iter_rows(min_row=2, values_only=True)),
    )


_RUN_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")


def same_but_run_time(a: object, b: object) -> bool:
    """Equal once the run's timestamps (in duplicate-return messages) are set aside."""
    return _RUN_TIME.sub("<time>", repr(a)) == _RUN_TIME.sub("<time>", repr(b))


def test_stored_problems_are_shown_in_the_language_of_the_next_run(cycle, tmp_path):
    fresh = tmp_path / "fresh"
    shutil.copytree(cycle, fresh)
    first = collect(cycle)  # the plan's language: Chinese
    zh_rows, _, _ = validation(cycle)
    codes = {r["code"] for r in zh_rows}
    stored_warnings = {"value-normalised", "sheet-renamed", "duplicate-return"}
    assert stored_warnings <= codes and {"not-workbook", "not-allowed"} <= codes
    assert first["rejected"] + first["rejected_sheets"] >= 2 and first["superseded"] == 1

    again = collect(cycle, "--lang", "en")  # nothing new: accepted files are not read again
    assert again["accepted"] == again["superseded"] == 0
    assert again["unchanged"] == first["accepted"] + first["superseded"]
    en_rows, en_problems, en_send_back = validation(cycle)

    collect(fresh, "--lang", "en")  # the same files collected in English from the start
    expected_rows, expected_problems, expected_send_back = validation(fresh)
    assert len(en_rows) == len(zh_rows)
    assert same_but_run_time(en_rows, expected_rows)
    assert same_but_run_time(en_problems, expected_problems)
    assert same_but_run_time(en_send_back, expected_send_back)
    assert [r["code"] for r in en_rows] == [r["code"] for r in zh_rows]
    assert en_rows != zh_rows  # the messages did change language
    for zh, en in zip(zh_rows, en_rows, strict=True):
        if zh["code"] in stored_warnings:  # read back from the ledger, not checked again
            assert zh["message"] != en["message"]


def test_problems_of_an_older_ledger_keep_their_message(cycle, tmp_path):
    """Rows stored before problems were data (old snake_case code, no parameters) are shown
    with their current code and the message they were stored with."""
    ws = Workspace(tmp_path / "old")
    shutil.copytree(cycle, ws.root)
    collect(ws.root)
    assert ledger_rows(ws, "SELECT COUNT(*) FROM problems WHERE params_json IS NULL") == [(0,)]
    (message,) = ledger_rows(
        ws, "SELECT message FROM problems WHERE code='value-normalised' LIMIT 1"
    )[0]
    with ws.ledger() as conn:
        conn.execute(
            "UPDATE problems SET code='value_normalised', params_json=NULL "
            "WHERE code='value-normalised'"
        )
    collect(ws.root, "--lang", "en")
    rows, _, _ = validation(ws.root)
    old = [r for r in rows if r["message"] == message]
    assert old and {r["code"] for r in old} == {"value-normalised"}


def test_codes_are_kebab_case_and_old_codes_are_understood():
    import perfsheets.collect.problems  # noqa: F401  (declares collect's problem types)

    assert all(KEBAB.fullmatch(code) for code in CATALOGUE)
    assert all(new in CATALOGUE and old not in CATALOGUE for old, new in CODE_ALIASES.items())
