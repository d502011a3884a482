"""The English demo read as people read it: what its PDFs say is true of each person, and no
printed word runs into its neighbour (text and word boxes from poppler's pdftotext)."""

from __future__ import annotations

import re
import subprocess
from html import unescape
from pathlib import Path

import pytest
from test_report_english import CJK

from perfsheets.core.results import EmployeeResult
from perfsheets.demo import run_demo
from perfsheets.ledger.results import stored_results
from perfsheets.ledger.workspace import Workspace
from perfsheets.report.render import render_reports

pytestmark = pytest.mark.slow  # runs the demo and renders PDFs

WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)


def text_of(path: Path) -> str:
    """The PDF's text, lines joined by spaces (a sentence may wrap)."""
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(out.stdout.split())


def overlapping_words(path: Path) -> list[tuple[str, str]]:
    """Pairs of words on one line whose boxes overlap: text overflowing its table column."""
    html = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    found = []
    for page in html.split("<page ")[1:]:
        words = [(*map(float, m.groups()[:4]), unescape(m[5])) for m in WORD.finditer(page)]
        for i, (x0, y0, x1, y1, w) in enumerate(words):
            for a0, b0, a1, b1, v in words[i + 1 :]:
                same_line = min(y1, b1) - max(y0, b0) > 0.5 * (y1 - y0)
                if same_line and min(x1, a1) - max(x0, a0) > 0.5:
                    found.append((w, v))
    return found


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The issue's English demo (its committee changes two grades, two vetoes apply)."""
    done = run_demo(tmp_path_factory.mktemp("en") / "demo", employees=60, seed=3, lang="en",
                    report_limit=1)  # fmt: skip
    with Workspace(done.workspace).ledger() as conn:
        results = stored_results(conn)
    return done.workspace, results


def _report(root: Path, person: EmployeeResult, lang: str = "en") -> str:
    out = render_reports(root, lang=lang, employees=[person.employee_id], workers=1,  # type: ignore[arg-type]
                         manager_packs=False, hr_summary=False)  # fmt: skip
    return text_of(out.reports[0])


def test_hr_summary_columns_do_not_run_into_each_other(demo):
    root, _ = demo
    path = root / "reports" / "hr_summary.pdf"
    assert overlapping_words(path) == []
    text = text_of(path)
    assert CJK.findall(text) == []
    # department names whole beside their bars (were cut to ten letters: "Executive…")
    assert "…" not in text and "Executive Office" in text and "Customer Service" in text


def test_hr_summary_explains_the_calibration_columns_it_has(demo):
    text = text_of(demo[0] / "reports" / "hr_summary.pdf")
    assert "The grade column" not in text  # there is no column called grade
    assert "'Committee' is the grade the committee set, the final grade unless superseded" in text


def test_a_committee_change_is_told_to_the_employee(demo):
    root, results = demo
    changed = [r for r in results if r.committee_grade and r.consolidated_grade != r.grade]
    assert changed
    person = changed[0]
    text = _report(root, person)
    before, after = person.consolidated_grade, person.grade
    assert f"the appraisal committee changed the grade from {before} " in text
    assert f" to {after} " in text and "forced distribution" not in text
    zh = "".join(_report(root, person, "zh-CN").split())
    assert f"绩效评定委员会在校准会上将等级由{before}" in zh


def test_a_veto_says_the_condition_was_met_not_that_the_item_failed(demo):
    root, results = demo
    person = next(r for r in results if r.vetoed_by)
    text = _report(root, person)
    assert "met the veto condition, so the grade is" in text
    assert " failed, so the grade" not in text


def test_results_book_page_header_names_the_company_in_english(demo):
    from openpyxl import load_workbook

    book = load_workbook(demo[0] / "results" / "results.xlsx")
    header = book.worksheets[0].oddHeader.left.text or ""
    assert header.startswith("Example Technology Co., Ltd.") and CJK.findall(header) == []
