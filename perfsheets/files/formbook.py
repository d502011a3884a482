"""xlsxwriter plumbing of the forms people fill: the workbook class, cell formats, page setup,
protection. Shared by the assessment forms (:mod:`perfsheets.forms`), the interview records
(:mod:`perfsheets.interview`) and the improvement plans (:mod:`perfsheets.pip`), which is why
it lives below them.

Writing is the hot path of generation (10,000 employees' forms in about two minutes), so what
is done per cell stays here in a few small functions, and the formula text xlsxwriter prepares
is cached per process (:func:`workbook_class`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from functools import cache
from typing import Any, TypeGuard

from perfsheets.core.cells import sheet_text
from perfsheets.core.i18n import tr
from perfsheets.core.layout import COLUMNS_KEY, META_SHEET, SHEETS_KEY
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


# --- record workbooks (interview records, PIPs): one sheet per employee ------------------------
# Column A holds the keys (hidden); an ``@columns`` row names the meaning of the columns below.

KEY_COL = 0


def record_workbook(path: Any, plan: Plan, lang: Lang, title: str, subject: str) -> Any:
    """A locked-structure workbook that writes text as text (never formulas, numbers or URLs),
    with the formats of :func:`formats` plus ``input_date`` and ``label``; (workbook, formats)."""
    wb = workbook_class()(
        str(path),
        {
            "in_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    wb.structure_password = plan.cycle.form_password or ""
    wb.set_properties(
        {
            "title": f"{plan.cycle.label(lang)} {title}",
            "author": "perfsheets",
            "company": company(plan),
            "subject": subject,
        }
    )
    fm = formats(wb, lang)
    base = {
        "font_name": "Microsoft YaHei" if lang == "zh-CN" else "Calibri",
        "font_size": 10,
        "valign": "vcenter",
        "border": 1,
        "border_color": "#A6A6A6",
    }
    fm["input_date"] = wb.add_format(
        {
            **base,
            "align": "center",
            "bg_color": "#FFF2CC",
            "locked": False,
            "num_format": "yyyy-mm-dd",
        }
    )
    fm["label"] = wb.add_format({**base, "bold": True, "bg_color": "#F2F2F2", "text_wrap": True})
    fm["locked_date"] = wb.add_format({**base, "align": "center", "num_format": "yyyy-mm-dd"})
    return wb, fm


def columns_row(ws: Any, row: int, cols: dict[int, str]) -> int:
    """A hidden @columns row naming the columns of the rows below; the next row."""
    ws.write_string(row, KEY_COL, COLUMNS_KEY)
    for col, meaning in cols.items():
        ws.write_string(row, col, meaning)
    ws.set_row(row, None, None, {"hidden": True})
    return row + 1


def band(ws: Any, fm: dict[str, Any], row: int, text: str, first: int, last: int) -> int:
    """A section heading across columns first..last; the next row."""
    ws.set_row(row, 20)
    ws.merge_range(row, first, row, last, sheet_text(text), fm["band"])
    return row + 1


def input_text(
    ws: Any, fm: dict[str, Any], row: int, col: int, value: object, max_chars: int
) -> None:
    """An unlocked text cell (a number stays a number; text never becomes a formula)."""
    if value is None or value == "":
        ws.write_blank(row, col, None, fm["input_text"])
    elif is_number(value):
        ws.write_number(row, col, value, fm["input_text"])
    else:
        ws.write_string(row, col, sheet_text(str(value), max_chars), fm["input_text"])


def input_date(ws: Any, fm: dict[str, Any], row: int, col: int, value: object) -> None:
    """An unlocked date cell: a date, text as typed (simulated mistakes) or blank."""
    if isinstance(value, dt.date):
        ws.write_datetime(row, col, dt.datetime.combine(value, dt.time()), fm["input_date"])
    elif isinstance(value, str) and value:
        ws.write_string(row, col, sheet_text(value), fm["input_date"])
    else:
        ws.write_blank(row, col, None, fm["input_date"])


def date_validation(ws: Any, row: int, col: int, last: int, lang: Lang) -> None:
    """Only dates (2000-2100) in rows row..last of a column."""
    ws.data_validation(
        row,
        col,
        last,
        col,
        {
            "validate": "date",
            "criteria": "between",
            "minimum": dt.date(2000, 1, 1),
            "maximum": dt.date(2100, 12, 31),
            "error_title": tr(lang, "日期", "Date"),
            "error_message": tr(lang, "请输入日期，如 2027-01-20", "Type a date, e.g. 2027-01-20"),
        },
    )


def list_validation(ws: Any, row: int, col: int, last: int, choices: list[str], lang: Lang) -> None:
    """A dropdown of ``choices`` in rows row..last of a column (anything else refused)."""
    ws.data_validation(
        row,
        col,
        last,
        col,
        {
            "validate": "list",
            "source": choices,
            "error_title": tr(lang, "请选择", "Choose"),
            "error_message": tr(lang, "请选择：", "Choose one of: ") + " / ".join(choices),
        },
    )


def meta_sheet(
    wb: Any,
    plan: Plan,
    fields: tuple[str, ...],
    meta: dict[str, str],
    sheets: list[tuple[str, str]],
) -> None:
    """The very hidden, protected ``_meta`` sheet: ``key | value`` rows in the order of
    ``fields``, then ``@sheets`` and one ``sheet name | employee id`` row per sheet."""
    ws = wb.add_worksheet(META_SHEET)
    row = 0
    for key in fields:
        ws.write_string(row, 0, key)
        ws.write_string(row, 1, sheet_text(meta[key]))
        row += 1
    ws.write_string(row, 0, SHEETS_KEY)
    for name, employee in sheets:
        row += 1
        ws.write_string(row, 0, name)
        ws.write_string(row, 1, employee)
    ws.protect(plan.cycle.form_password or "")
    ws.very_hidden()


_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_RESERVED = {"_meta", "history"}


def sheet_name(text: str, taken: set[str]) -> str:
    """A valid, unique sheet name: no []:*?/\\, at most 31 characters (BMP; others count 2)."""
    base = _SHEET_BAD.sub("_", sheet_text(text)).strip("' ") or "Sheet"

    def cut(s: str, units: int) -> str:
        out, used = [], 0
        for ch in s:
            used += 2 if ord(ch) > 0xFFFF else 1
            if used > units:
                break
            out.append(ch)
        return "".join(out)

    name, n = cut(base, 31), 1
    while name.lower() in taken or name.lower() in _RESERVED:
        n += 1
        suffix = f"~{n}"
        name = cut(base, 31 - len(suffix)) + suffix
    taken.add(name.lower())
    return name
