"""xlsxwriter plumbing of the forms people fill: the workbook class, cell formats, page setup,
protection. Shared by the assessment forms (:mod:`perfsheets.forms`) and the interview records
(:mod:`perfsheets.interview`), which is why it lives below both.

Writing is the hot path of generation (10,000 employees' forms in about two minutes), so what
is done per cell stays here in a few small functions, and the formula text xlsxwriter prepares
is cached per process (:func:`workbook_class`).
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any, TypeGuard

from perfsheets.core.cells import sheet_text
from perfsheets.core.i18n import tr
from perfsheets.core.model import Lang, Plan

_PREPARED_FORMULAS: dict[str, str] = {}


@cache
def workbook_class() -> type:
    """xlsxwriter's Workbook with a locked structure and a formula cache.

    * Locking the structure stops a filler from deleting, renaming or unhiding sheets by
      accident (xlsxwriter has no API for it); ``workbookProtection`` goes right after
      ``workbookPr`` in the schema.
    * xlsxwriter runs ~30 regular expressions over every formula it writes; forms repeat the
      same few hundred formulas on every sheet, so the prepared text is cached per process.
    """
    # xlsxwriter is imported here, not at the top: it is heavy and only writing forms needs it.
    import xlsxwriter
    from xlsxwriter.worksheet import Worksheet

    class FormWorksheet(Worksheet):
        def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
            if expand_future_functions or self.use_future_functions:
                return super()._prepare_formula(formula, expand_future_functions)
            out = _PREPARED_FORMULAS.get(formula)
            if out is None:
                if len(_PREPARED_FORMULAS) > 50_000:
                    _PREPARED_FORMULAS.clear()
                out = _PREPARED_FORMULAS[formula] = super()._prepare_formula(formula)
            return out

    class LockedWorkbook(xlsxwriter.Workbook):
        worksheet_class = FormWorksheet
        structure_password = ""

        def _write_workbook_pr(self) -> None:
            super()._write_workbook_pr()
            attrs: list[tuple[str, Any]] = [("lockStructure", 1)]
            if self.structure_password:
                encoded = Worksheet._encode_password(None, self.structure_password)
                attrs.insert(0, ("workbookPassword", encoded))
            self._xml_empty_tag("workbookProtection", attrs)

    return LockedWorkbook


def formats(wb: Any, lang: Lang) -> dict[str, Any]:
    """The cell formats of a form, by name, added to the workbook ``wb``."""
    font = "Microsoft YaHei" if lang == "zh-CN" else "Calibri"
    base = {"font_name": font, "font_size": 10, "valign": "vcenter"}
    cell = {**base, "border": 1, "border_color": "#A6A6A6"}
    specs: dict[str, dict[str, Any]] = {
        "title": {**base, "bold": True, "font_size": 15},
        "info": {**base, "font_size": 10},
        "note": {
            **base,
            "font_size": 9,
            "font_color": "#595959",
            "text_wrap": True,
            "valign": "top",
        },
        "band": {
            **base,
            "bold": True,
            "font_size": 11,
            "font_color": "#FFFFFF",
            "bg_color": "#1F4E78",
        },
        "head": {**cell, "bold": True, "bg_color": "#DDEBF7", "align": "center", "text_wrap": True},
        "text": {**cell, "text_wrap": True, "valign": "top"},
        "center": {**cell, "align": "center", "text_wrap": True},
        "num": {**cell, "align": "center"},
        "date": {**cell, "align": "center", "num_format": "yyyy-mm-dd"},
        "input": {**cell, "align": "center", "bg_color": "#FFF2CC", "locked": False},
        "input_text": {
            **cell,
            "text_wrap": True,
            "valign": "top",
            "bg_color": "#FFF2CC",
            "locked": False,
        },
        "imported": {**cell, "align": "center", "bg_color": "#E7E6E6"},
        "score": {**cell, "align": "center", "num_format": "0.00", "bg_color": "#E2EFDA"},
        "sub_label": {**base, "bold": True, "align": "right"},
        "section": {
            **base,
            "bold": True,
            "font_size": 12,
            "font_color": "#1F4E78",
            "valign": "bottom",
        },
        "sub_score": {
            **cell,
            "bold": True,
            "align": "center",
            "num_format": "0.00",
            "bg_color": "#C6E0B4",
        },
        "total_label": {**base, "bold": True, "font_size": 11, "align": "right"},
        "total": {
            **cell,
            "bold": True,
            "font_size": 12,
            "align": "center",
            "num_format": "0.00",
            "bg_color": "#A9D08E",
        },
        "live_label": {**base, "bold": True},
        "hint": {**base, "font_size": 9, "font_color": "#595959"},
        "live": {
            **base,
            "bold": True,
            "font_size": 13,
            "align": "center",
            "num_format": "0.00",
            "font_color": "#1F4E78",
        },
        "key": {**base, "font_size": 8, "font_color": "#808080"},
        "sign": {**base, "font_size": 10},
    }
    return {name: wb.add_format(spec) for name, spec in specs.items()}


def header_text(text: str) -> str:
    """Text for a page header/footer: '&' must be doubled."""
    return sheet_text(text, 60).replace("&", "&&")


def company(plan: Plan) -> str:
    """The company's name in the plan's language."""
    c = plan.company
    return c.name_en if plan.lang == "en" and c.name_en else c.name


def print_setup(
    ws: Any,
    plan: Plan,
    footer_left: str,
    repeat: tuple[int, int] | None,
    *,
    scale: int | None = None,
    one_page: bool = False,
) -> None:
    """A4 landscape, one page wide (or at ``scale`` percent, or on one page); company and
    cycle in the header, page numbers below."""
    lang = plan.lang
    cycle = header_text(plan.cycle.label(lang))
    name = header_text(company(plan))
    page = tr(lang, "第 &P 页，共 &N 页", "Page &P of &N")
    ws.set_landscape()
    ws.set_paper(9)  # A4
    if scale and not one_page:
        ws.set_print_scale(scale)
    else:
        ws.fit_to_pages(1, 1 if one_page else 0)
    ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
    ws.center_horizontally()
    ws.set_header((f"&L{name}" if name else "") + f"&R{cycle}", {"margin": 0.3})
    ws.set_footer(f"&L{header_text(footer_left)}&C{page}", {"margin": 0.3})
    if repeat:
        ws.repeat_rows(*repeat)


def protect(ws: Any, plan: Plan) -> None:
    """Lock the sheet (with the cycle's form password); rows and columns stay resizable."""
    ws.protect(plan.cycle.form_password or "", {"format_columns": True, "format_rows": True})


def cached(value: float | None) -> float | str:
    """The cached result written with a formula: its real value, "" when it shows nothing."""
    return "" if value is None else value


def is_number(value: object) -> TypeGuard[float]:
    """A finite int or float (not a bool): what Excel's ISNUMBER is true of in an input cell."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def write_value(ws: Any, row: int, col: int, value: object, fmt: Any) -> None:
    """A number as a number, anything else as text (never as a formula), None as blank."""
    if value is None or value == "":
        ws.write_blank(row, col, None, fmt)
    elif is_number(value):
        ws.write_number(row, col, value, fmt)
    else:
        ws.write_string(row, col, sheet_text(str(value)), fmt)


def row_points(ws: Any, row: int) -> float:
    """A row's height in points as xlsxwriter will write it (it keeps pixels)."""
    size = ws.row_sizes.get(row)
    if size is None:
        return ws.default_row_height * 0.75
    pixels, hidden = size[0], size[1]
    return 0.0 if hidden else pixels * 0.75
