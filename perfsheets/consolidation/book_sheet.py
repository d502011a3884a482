"""One worksheet of consolidation's workbooks (results.xlsx, year.xlsx), written row by row
with xlsxwriter: header, filter, frozen header row, safe text cells and HR's print setup."""

from __future__ import annotations

import numbers
import re
from collections.abc import Sequence
from typing import Any

from perfsheets.core.cells import sheet_text
from perfsheets.core.i18n import tr
from perfsheets.core.model import Lang

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")  # what sheet_text removes (keeps \t, \n)


def page_footer(lang: Lang) -> str:
    """The footer of every printed page: the sheet's name, and "page x of y"."""
    return tr(lang, "&L&A&R第 &P 页，共 &N 页", "&L&A&RPage &P of &N")


class Sheet:
    """A worksheet written row by row: header, filter, frozen header, safe text cells."""

    def __init__(self, book, name: str, header: Sequence[str], formats: dict, widths=None):
        self.ws = book.add_worksheet(name)
        self.formats = formats
        self.ncols = len(header)
        self.row = 0
        self.ws.freeze_panes(1, 0)
        widths = widths or [14] * len(header)
        for col, width in enumerate(widths):
            self.ws.set_column(col, col, width)
        page_setup(self.ws, formats["page"], wide=sum(widths[: self.ncols]) > 90)
        self.write(header, self.formats["head"])

    def write(self, values: Sequence[Any], fmt=None) -> None:
        ws, r = self.ws, self.row
        for c, v in enumerate(values):
            if v is None:
                continue
            if isinstance(v, bool):
                ws.write_string(r, c, "✓" if v else "", fmt)
            elif isinstance(v, numbers.Real):
                if v == v and v not in (float("inf"), float("-inf")):  # no NaN/inf
                    default = "int" if isinstance(v, numbers.Integral) else "num"
                    ws.write_number(r, c, v, fmt or self.formats[default])
            else:
                text = str(v)
                if len(text) > 32767 or _CONTROL.search(text):
                    text = sheet_text(text)
                ws.write_string(r, c, text, fmt)
        self.row += 1

    def close(self) -> None:
        self.ws.autofilter(0, 0, max(self.row - 1, 0), self.ncols - 1)


def page_setup(ws, page: tuple[str, str], *, wide: bool) -> None:
    """Print as HR prints: A4, landscape when wide, one page wide, the header row on every
    page, the cycle in the header and "page x of y" in the footer."""
    header, footer = page
    ws.set_paper(9)  # A4
    if wide:
        ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_header(header)
    ws.set_footer(footer)
