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
# shrinks these sheets to 82-87% to fit them by width).
PRINT_SCALE = 80
# Printable height of an A4 landscape page (595 pt less 0.7 in and 0.6 in margins) in sheet
# points at that scale, with a little spare for rounding in the applications.
PAGE_HEIGHT = 502.0 * 100 / PRINT_SCALE - 8
# A sheet that fits one page at 70% or more prints on one page (a peer's sheet, typically).
ONE_PAGE_HEIGHT = 502.0 * 100 / 70 - 4
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


def page_layout(heights: Sequence[float], units: Sequence[Unit], repeated: float) -> Layout:
    """Page breaks for rows of ``heights`` grouped in ``units``; ``repeated``: the height of
    the title rows printed again at the top of every further page."""
    total = sum(heights)
    if total <= PAGE_HEIGHT:
        return Layout([], False)
    if total <= ONE_PAGE_HEIGHT:
        return Layout([], True)
    breaks: list[int] = []
    used = 0.0
    top = 0.0  # height of what every page starts with (the first page: nothing)
    for unit in units:
        height = sum(heights[unit.first : unit.last + 1])
        if used + height <= PAGE_HEIGHT:
            used += height
            continue
        # The heading, column heads and first item never part (a heading alone at the foot
        # of a page is the defect this prevents).
        lead_end = unit.splits[0] if unit.splits else unit.last + 1
        lead = sum(heights[unit.first : lead_end])
        fits_next = height <= PAGE_HEIGHT - repeated
        worth_it = used - top >= MIN_FILL * PAGE_HEIGHT
        if used > top and ((unit.whole and fits_next and worth_it) or used + lead > PAGE_HEIGHT):
            breaks.append(unit.first)
            used = top = repeated
            if fits_next:
                used += height
                continue
        # Taller than a page, or the page is nearly empty: continue it between its items.
        page_start = breaks[-1] if breaks else 0
        for row in range(unit.first, unit.last + 1):
            if used + heights[row] > PAGE_HEIGHT and used > top:
                # Break before this row if it may start a page, else before the last item
                # that may (so a section's score row never opens a page on its own).
                at = max((s for s in unit.splits if page_start < s <= row), default=None)
                if at is not None:
                    breaks.append(at)
                    page_start = at
                    used = top = repeated
                    used += sum(heights[at:row])
            used += heights[row]
    return Layout(breaks, False)
