"""Where a printed assessment sheet breaks pages: never after a section's heading, never
inside a section that fits on a page, and one page for a sheet that fits on one when scaled a
little (a peer's sheet, typically).

Pure arithmetic on row heights (points), so it is tested without a spreadsheet application.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Sheets print at a fixed scale, so every application breaks pages where we do: 80% fits the
# widest sheet across A4 landscape in Excel and in LibreOffice (whose fonts run wider; it
# shrinks these sheets to 82-87% to fit them by width). A sheet may go down to 70% (7 pt
# text) when that keeps every table on one page or the whole sheet on one page.
PRINT_SCALE = 80
SCALES = (80, 77, 74, 71)
MIN_SCALE = 70
# Printable height of an A4 landscape page (595 pt less 0.7 in and 0.6 in margins).
PRINTABLE = 502.0


def page_height(scale: float) -> float:
    """Sheet points a page holds at ``scale`` percent, with a little spare for rounding."""
    return PRINTABLE * 100 / scale - 8


PAGE_HEIGHT = page_height(PRINT_SCALE)
ONE_PAGE_HEIGHT = PRINTABLE * 100 / MIN_SCALE - 4
# Starting a new page is worth it only when the current one already holds this much content:
# a page with the header alone is worse than a section continued on the next page.
MIN_FILL = 0.35


@dataclass(frozen=True)
class Unit:
    """Rows [first, last] that belong together (a section with its heading and score)."""

    first: int
    last: int
    # Rows that may start a new page inside the unit when it is taller than a page.
    splits: tuple[int, ...] = ()
    # Rather on one page than continued (a table: its column heads are not repeated); the
    # comments, each with its own label, continue where the page ends.
    whole: bool = True


@dataclass(frozen=True)
class Layout:
    breaks: list[int]  # rows (0-based) that start a new page
    one_page: bool  # print the whole sheet on one page
    scale: int = PRINT_SCALE
    continued: int = 0  # tables (whole units) continued on a further page


def page_layout(heights: Sequence[float], units: Sequence[Unit], repeated: float) -> Layout:
    """Page breaks for rows of ``heights`` grouped in ``units`` at the largest scale that
    continues the fewest tables; ``repeated``: the height of the title rows printed again at
    the top of every further page."""
    total = sum(heights)
    if total <= PAGE_HEIGHT:
        return Layout([], False)
    if total <= ONE_PAGE_HEIGHT:
        return Layout([], True, MIN_SCALE)
    layouts = [_breaks(heights, units, repeated, scale) for scale in SCALES]
    return min(layouts, key=lambda lay: (lay.continued, -lay.scale))


def _breaks(heights: Sequence[float], units: Sequence[Unit], repeated: float, scale: int) -> Layout:
    page = page_height(scale)
    breaks: list[int] = []
    used = 0.0
    top = 0.0  # height of what every page starts with (the first page: nothing)
    continued = 0
    for unit in units:
        height = sum(heights[unit.first : unit.last + 1])
        if used + height <= page:
            used += height
            continue
        # The heading, column heads and first item never part (a heading alone at the foot
        # of a page is the defect this prevents).
        lead_end = unit.splits[0] if unit.splits else unit.last + 1
        lead = sum(heights[unit.first : lead_end])
        fits_next = height <= page - repeated
        worth_it = used - top >= MIN_FILL * page
        if used > top and ((unit.whole and fits_next and worth_it) or used + lead > page):
            breaks.append(unit.first)
            used = top = repeated
            if fits_next:
                used += height
                continue
        # Taller than a page, or the page is nearly empty: continue it between its items.
        continued += unit.whole
        page_start = breaks[-1] if breaks else 0
        for row in range(unit.first, unit.last + 1):
            if used + heights[row] > page and used > top:
                # Break before this row if it may start a page, else before the last item
                # that may (so a section's score row never opens a page on its own).
                at = max((s for s in unit.splits if page_start < s <= row), default=None)
                if at is not None:
                    breaks.append(at)
                    page_start = at
                    used = top = repeated
                    used += sum(heights[at:row])
            used += heights[row]
    return Layout(breaks, False, scale, continued)
