"""Where printed forms break pages: the arithmetic, the workbook's print setup, and the PDF
LibreOffice prints from it."""

from __future__ import annotations

import re
import subprocess

import openpyxl
import pytest

from perfsheets.forms.generate import generate_forms
from perfsheets.forms.pages import ONE_PAGE_HEIGHT, PAGE_HEIGHT, SCALES, Unit, page_layout

HEADING = re.compile(r"^([一二三四五]、|\d\. )")


def test_a_section_that_does_not_fit_starts_the_next_page_with_its_heading():
    # header 150, section A 300, section B (heading 20, head 30, 3 items of 60) 230
    heights = [150.0, 300.0, 20.0, 30.0, 60.0, 60.0, 60.0, 200.0]
    units = [Unit(0, 0), Unit(1, 1), Unit(2, 6, (5, 6)), Unit(7, 7)]
    layout = page_layout(heights, units, repeated=70)
    assert layout.breaks[0] == 2 and not layout.one_page


def test_a_tall_section_continues_between_items_never_after_its_heading():
    heights = [100.0, 20.0, 30.0] + [90.0] * 8 + [20.0]  # heading, head, 8 items, score row
    units = [Unit(0, 0), Unit(1, 11, tuple(range(4, 11)))]
    layout = page_layout(heights, units, repeated=70)
    assert layout.breaks and all(4 <= b <= 10 for b in layout.breaks)
    # the score row (11) never opens a page
    assert 11 not in layout.breaks


def test_a_smaller_scale_is_taken_when_it_keeps_every_table_whole():
    # header 150 + a table of 520: continued at 80% (a page holds 619), whole at 77% (644)
    heights = [150.0, 20.0, 30.0] + [94.0] * 5
    units = [Unit(0, 0), Unit(1, 7, (4, 5, 6, 7))]
    layout = page_layout([*heights, 400.0], [*units, Unit(8, 8)], repeated=70)
    assert layout.scale < 80 and layout.continued == 0 and layout.breaks == [8]


def test_a_sheet_a_little_over_a_page_prints_on_one():
    assert page_layout([PAGE_HEIGHT / 2] * 2, [Unit(0, 0), Unit(1, 1)], 70).breaks == []
    one = page_layout([ONE_PAGE_HEIGHT / 2 - 1] * 2, [Unit(0, 0), Unit(1, 1)], 70)
    assert one.one_page and one.breaks == []
    assert not page_layout([ONE_PAGE_HEIGHT / 2 + 1] * 2, [Unit(0, 0), Unit(1, 1)], 70).one_page


def one_page(ws) -> bool:
    """Fit to one page wide and tall (xlsxwriter leaves out the default of 1)."""
    fits = ws.sheet_properties.pageSetUpPr
    setup = ws.page_setup
    return (
        bool(fits and fits.fitToPage)
        and setup.fitToWidth in (None, 1)
        and (setup.fitToHeight in (None, 1))
    )


@pytest.fixture(scope="module")
def forms(tmp_path_factory):
    from plan_support import make_small_plan

    return generate_forms(tmp_path_factory.mktemp("ws"), plan=make_small_plan(), workers=1)


def test_workbooks_carry_the_scale_breaks_and_one_page_fits(forms):
    manager = openpyxl.load_workbook(next(p for p in forms.files if "E001" in p.name))
    peer_sheet = next(ws for ws in manager.worksheets if ws.title.startswith(("同事", "刘洋")))
    for ws in manager.worksheets[1:-2]:
        setup, fits = ws.page_setup, ws.sheet_properties.pageSetUpPr
        assert one_page(ws) or (setup.scale in SCALES and not fits.fitToPage), ws.title
        assert ws.print_title_rows == "$1:$3", ws.title
    assert peer_sheet is not None


def lowest_texts(path) -> list[str]:
    """The lowest text of each page's body (above the footer), as printed."""
    from pypdf import PdfReader

    out = []
    for page in PdfReader(path).pages:
        found: list[tuple[float, str]] = []

        def visit(text, cm, tm, _font, _size, found=found):
            if text.strip():
                found.append((tm[5] * cm[3] + cm[5], text.strip()))

        page.extract_text(visitor_text=visit)
        body = [(y, t) for y, t in found if 50 < y < float(page.mediabox.height) - 50]
        low = min((y for y, _ in body), default=0.0)
        out.append("".join(t for y, t in body if y - low < 2))  # the lowest line, whole
    return out


@pytest.mark.requires_soffice
@pytest.mark.slow
def test_printed_forms_never_end_a_page_with_a_section_heading(tmp_path):
    """The example plan's sales self-review printed 二、重点工作 alone at a page's foot, and a
    peer's sheet on two pages with 二、评语 alone on the first."""
    from perfsheets.plan.example import example_plan

    result = generate_forms(tmp_path / "ws", plan=example_plan(30, seed=1), workers=1)
    files = [p for p in result.files if "E0003" in p.name]
    done = subprocess.run(
        [
            "soffice",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    lowest = lowest_texts(tmp_path / f"{files[0].stem}.pdf")
    assert not [t for t in lowest if HEADING.match(t)], lowest
    book = openpyxl.load_workbook(files[0])
    peer = next(ws for ws in book.worksheets if any("同事" in str(c.value) for c in ws[3]))
    assert one_page(peer)  # the peer's sheet prints on one page
