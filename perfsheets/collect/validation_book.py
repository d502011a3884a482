"""results/validation.xlsx: the problems of a collect run, formatted for HR, in the plan's language.

Sheets: a summary, every problem (the rows of validation.csv, errors red, warnings amber), one
row per file with its outcome, and the "to send back" list: per rater, each rejected file with
what to fix. All text comes from returned files, so it is written with ``write_string`` only.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from perfsheets.collect.outcome import FileOutcome, SendBack
from perfsheets.core.cells import sheet_text
from perfsheets.core.i18n import tr
from perfsheets.core.model import Lang
from perfsheets.core.problems import ROW_FIELDS, Report

OUTCOME_WORDS = {
    "accepted": ("已接收", "accepted"),
    "superseded": ("已接收（替换旧版）", "accepted (replaces earlier)"),
    "unchanged": ("无变化（已收到过）", "unchanged (already received)"),
    "rejected": ("退回", "rejected"),
}
SEVERITY_WORDS = {"error": ("错误", "error"), "warning": ("警告", "warning")}


def write_validation_book(
    path: Path,
    report: Report,
    outcomes: list[FileOutcome],
    send_back: list[SendBack],
    lang: Lang,
) -> None:
    import xlsxwriter  # heavy: loaded when a book is written, not when collect is imported

    options = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
    with xlsxwriter.Workbook(str(path), options) as book:
        styles = _styles(book)
        _summary(book, styles, report, outcomes, send_back, lang)
        _problems(book, styles, report, lang)
        _files(book, styles, outcomes, lang)
        _send_back(book, styles, send_back, lang)


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


def _summary(book, styles, report, outcomes, send_back, lang: Lang) -> None:
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
            tr(lang, "需退回的评价人", "Raters to send back to"),
            len({s.rater_id for s in send_back}),
        ),
    ]
    for i, (label, value) in enumerate(rows, start=2):
        _text(ws, i, 0, label)
        ws.write_number(i, 1, value)


def _problems(book, styles, report: Report, lang: Lang) -> None:
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


def _files(book, styles, outcomes: list[FileOutcome], lang: Lang) -> None:
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
    ]
    _table(ws, styles, heads, [40, 22, 16, 12, 14, 8, 8, 8])
    for r, o in enumerate(sorted(outcomes, key=lambda o: o.file), start=1):
        fmt = styles["error"] if o.outcome == "rejected" else None
        _text(ws, r, 0, o.file)
        _text(ws, r, 1, tr(lang, *OUTCOME_WORDS[o.outcome]), fmt)
        _text(ws, r, 2, o.form_id or "")
        _text(ws, r, 3, o.rater_id or "")
        _text(ws, r, 4, o.rater_name or "")
        for c, value in enumerate((o.sheets, o.errors, o.warnings), start=5):
            ws.write_number(r, c, value)
    ws.autofilter(0, 0, max(len(outcomes), 1), len(heads) - 1)


def _send_back(book, styles, send_back: list[SendBack], lang: Lang) -> None:
    ws = book.add_worksheet(tr(lang, "退回清单", "To send back"))
    heads = [
        tr(lang, "评价人工号", "Rater id"),
        tr(lang, "评价人", "Rater"),
        tr(lang, "部门", "Department"),
        tr(lang, "邮箱", "Email"),
        tr(lang, "文件", "File"),
        tr(lang, "需修改", "What to fix"),
    ]
    _table(ws, styles, heads, [12, 14, 14, 24, 36, 100])
    unknown = tr(lang, "（无法识别，请 HR 核对）", "(not identified: HR to check)")
    for r, item in enumerate(send_back, start=1):
        _text(ws, r, 0, item.rater_id or unknown, styles["top"])
        _text(ws, r, 1, item.rater_name, styles["top"])
        _text(ws, r, 2, item.department, styles["top"])
        _text(ws, r, 3, item.email, styles["top"])
        _text(ws, r, 4, item.file, styles["top"])
        fixes = "\n".join(f"{i}. {line}" for i, line in enumerate(item.fixes, start=1))
        _text(ws, r, 5, fixes, styles["wrap"])
    ws.autofilter(0, 0, max(len(send_back), 1), len(heads) - 1)
