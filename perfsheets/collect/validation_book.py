"""results/validation.xlsx: the problems of a collect run, formatted for HR, in the plan's language.

Sheets: a summary, every problem (the rows of validation.csv, errors red, warnings amber), one
row per file with its outcome, and the "to send back" list: every return outstanding in the
cycle, per rater and file, with e-mail, what to fix and since when. All text comes from
returned files, so it is written with ``write_string`` only.

Every sheet prints well: A4, landscape where it is wide, fitted to the page width, its header
row repeated on each page, the cycle's name in the page header and "page x of y" below.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from perfsheets.collect.outcome import FileOutcome, SendBack
from perfsheets.collect.status import STATE_WORDS, fix_summary, send_back_heads
from perfsheets.core.cells import sheet_text
from perfsheets.core.i18n import tr
from perfsheets.core.model import Lang
from perfsheets.core.problems import ROW_FIELDS, Report

OUTCOME_WORDS = {
    "accepted": ("已接收", "accepted"),
    "superseded": ("已接收（替换旧版）", "accepted (replaces earlier)"),
    "unchanged": ("无变化（已收到过）", "unchanged (already received)"),
    "older": ("较旧版本（未采用）", "older version (not used)"),
    "rejected": ("退回", "rejected"),
}
SEVERITY_WORDS = {"error": ("错误", "error"), "warning": ("警告", "warning")}


def write_validation_book(
    path: Path,
    report: Report,
    outcomes: list[FileOutcome],
    send_back: list[SendBack],
    lang: Lang,
    title: str = "",
) -> None:
    import xlsxwriter  # heavy: loaded when a book is written, not when collect is imported

    options = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
    with xlsxwriter.Workbook(str(path), options) as book:
        styles = _styles(book)
        sheets = [
            _summary(book, styles, report, outcomes, send_back, lang),
            _problems(book, styles, report, lang),
            _files(book, styles, outcomes, lang),
            _send_back(book, styles, send_back, lang),
        ]
        for ws, wide in zip(sheets, (False, True, True, True), strict=True):
            print_setup(ws, title, lang, wide=wide, header_row=ws is not sheets[0])


def print_setup(ws, title: str, lang: Lang, *, wide: bool, header_row: bool) -> None:
    """A4, fitted to the page width (as many pages down as needed), the header row on every
    page, the cycle and sheet name above and "page x of y" below."""
    ws.set_paper(9)
    if wide:
        ws.set_landscape()
    ws.fit_to_pages(1, 0)
    if header_row:
        ws.repeat_rows(0)
    ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.7)
    heading = _header_text(" · ".join(t for t in (title, ws.get_name()) if t))
    ws.set_header(f"&L{heading}&R&D", {"margin": 0.3})
    pages = tr(lang, "第 &P 页，共 &N 页", "Page &P of &N")
    ws.set_footer(f"&C{pages}", {"margin": 0.3})


def _header_text(text: str) -> str:
    """Text for an Excel page header: '&' starts a control code there; Excel caps the whole
    header at 255 characters."""
    return sheet_text(text).replace("&", "&&")[:200]


def _styles(book) -> dict[str, object]:
    return {
        "head": book.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}
        ),
        "title": book.add_format({"bold": True, "font_size": 14}),
        "error": book.add_format({"font_color": "#9C0006", "bg_color": "#FFC7CE"}),
        "warning": book.add_format({"font_color": "#9C5700", "bg_color": "#FFEB9C"}),
        "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
        "top": book.add_format({"valign": "top"}),
    }


def _table(ws, styles: dict, heads: list[str], widths: list[int]) -> None:
    for col, (head, width) in enumerate(zip(heads, widths, strict=True)):
        ws.write_string(0, col, head, styles["head"])
        ws.set_column(col, col, width)
    ws.freeze_panes(1, 0)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")


def _text(ws, row: int, col: int, value: object, fmt: object = None) -> None:
    text = "" if value is None else str(value)
    if _CONTROL.search(text) or len(text) > 32767:
        text = sheet_text(text)
    ws.write_string(row, col, text, fmt)


def _summary(book, styles, report, outcomes, send_back, lang: Lang):
    ws = book.add_worksheet(tr(lang, "概况", "Summary"))
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 12)
    _text(ws, 0, 0, tr(lang, "回收校验结果", "Validation of returned forms"), styles["title"])
    counts = Counter(o.outcome for o in outcomes)
    rows = [
        (tr(lang, "文件数", "Files"), len(outcomes)),
        *((tr(lang, *OUTCOME_WORDS[k]), counts.get(k, 0)) for k in OUTCOME_WORDS),
        (tr(lang, "错误", "Errors"), len(report.errors)),
        (tr(lang, "警告", "Warnings"), len(report.warnings)),
        (
            tr(lang, "被退回的工作表", "Sheets sent back"),
            sum(o.rejected_sheets for o in outcomes),
        ),
        (
            tr(lang, "需退回的评价人（本周期）", "Raters to send back to (the cycle)"),
            len({s.rater_id for s in send_back if s.state == "rejected" and s.rater_id}),
        ),
        (
            tr(lang, "尚未交回的评价人", "Raters not returned yet"),
            len({s.rater_id for s in send_back if s.state == "missing"}),
        ),
    ]
    for i, (label, value) in enumerate(rows, start=2):
        _text(ws, i, 0, label)
        ws.write_number(i, 1, value)
    return ws


def _problems(book, styles, report: Report, lang: Lang):
    ws = book.add_worksheet(tr(lang, "问题", "Problems"))
    heads = {
        "file": tr(lang, "文件", "File"),
        "sheet": tr(lang, "工作表", "Sheet"),
        "cell": tr(lang, "单元格", "Cell"),
        "severity": tr(lang, "级别", "Severity"),
        "code": tr(lang, "代码", "Code"),
        "message": tr(lang, "说明", "Message"),
    }
    _table(ws, styles, [heads[f] for f in ROW_FIELDS], [40, 16, 8, 8, 20, 90])
    for r, problem in enumerate(report, start=1):
        row = problem.as_row(lang)
        row["severity"] = tr(lang, *SEVERITY_WORDS[problem.severity])
        fmt = styles[problem.severity]
        for c, key in enumerate(ROW_FIELDS):
            _text(ws, r, c, row[key], fmt if key in ("severity", "code") else styles["top"])
    ws.autofilter(0, 0, max(len(report), 1), len(ROW_FIELDS) - 1)
    return ws


def _files(book, styles, outcomes: list[FileOutcome], lang: Lang):
    ws = book.add_worksheet(tr(lang, "文件", "Files"))
    heads = [
        tr(lang, "文件", "File"),
        tr(lang, "结果", "Outcome"),
        tr(lang, "表单编号", "Form id"),
        tr(lang, "评价人工号", "Rater id"),
        tr(lang, "评价人", "Rater"),
        tr(lang, "工作表数", "Sheets"),
        tr(lang, "错误", "Errors"),
        tr(lang, "警告", "Warnings"),
        tr(lang, "退回工作表数", "Sheets sent back"),
    ]
    _table(ws, styles, heads, [40, 22, 16, 12, 14, 8, 8, 8, 10])
    for r, o in enumerate(sorted(outcomes, key=lambda o: o.file), start=1):
        fmt = styles["error"] if o.outcome == "rejected" or o.rejected_sheets else None
        _text(ws, r, 0, o.file)
        _text(ws, r, 1, tr(lang, *OUTCOME_WORDS[o.outcome]), fmt)
        _text(ws, r, 2, o.form_id or "")
        _text(ws, r, 3, o.rater_id or "")
        _text(ws, r, 4, o.rater_name or "")
        for c, value in enumerate((o.sheets, o.errors, o.warnings, o.rejected_sheets), start=5):
            ws.write_number(r, c, value)
    ws.autofilter(0, 0, max(len(outcomes), 1), len(heads) - 1)
    return ws


def _send_back(book, styles, send_back: list[SendBack], lang: Lang):
    ws = book.add_worksheet(tr(lang, "退回清单", "To send back"))
    heads = send_back_heads(lang)
    _table(ws, styles, heads, [11, 12, 12, 24, 12, 32, 22, 70, 22])
    unknown = tr(lang, "（无法识别，请 HR 核对）", "(not identified: HR to check)")
    for r, item in enumerate(send_back, start=1):
        fixes = "\n".join(f"{i}. {line}" for i, line in enumerate(item.fixes, start=1))
        values = (
            item.rater_id or unknown,
            item.rater_name,
            item.department,
            item.email,
            tr(lang, *STATE_WORDS[item.state]),
            item.file,
            fix_summary(item, lang),
            fixes,
            item.since,
        )
        for c, value in enumerate(values):
            _text(ws, r, c, value, styles["wrap"] if c in (6, 7) else styles["top"])
    ws.autofilter(0, 0, max(len(send_back), 1), len(heads) - 1)
    return ws
