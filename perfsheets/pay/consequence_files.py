"""Writing the consequences: ``consequences.xlsx`` (one sheet per list, headers in the plan's
language, every text written as text) and ``consequences.csv`` (one long table with English
field names, formula-injection safe)."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from pathlib import Path
from typing import Any

from perfsheets.core.cells import csv_safe, sheet_text
from perfsheets.core.consequences import COMPANY, Consequences
from perfsheets.core.model import Lang
from perfsheets.core.results import EmployeeResult


def _t(lang: Lang, zh: str, en: str) -> str:
    return en if lang == "en" else zh


def _person(res: EmployeeResult) -> list[Any]:
    return [res.employee_id, res.name, res.department, res.role_name or res.role]


def _heads(lang: Lang) -> list[str]:
    return [_t(lang, "工号", "Employee id"), _t(lang, "姓名", "Name"), _t(lang, "部门", "Department"), _t(lang, "岗位", "Role")]  # fmt: skip


def _sheet_name(text: str) -> str:
    return re.sub(r"[\[\]:*?/\\']", "_", text)[:31] or "_"


def sheets(found: Consequences, lang: Lang) -> list[tuple[str, list[str], list[list[Any]]]]:
    """(sheet name, headers, rows) of each sheet."""
    score = _t(lang, "总分", "Total score")
    grade = _t(lang, "等级", "Grade")
    manager = _t(lang, "直接上级", "Manager")
    out: list[tuple[str, list[str], list[list[Any]]]] = []
    out.append(
        (
            _t(lang, "晋升候选", "Promotion candidates"),
            [*_heads(lang), manager, score, grade, _t(lang, "依据", "Why")],
            [
                [*_person(r), r.manager_name or "", r.total_score, r.grade, why]
                for r, why in found.promotion
            ],
        )
    )
    out.append(
        (
            _t(lang, "绩效改进计划", "PIP"),
            [
                *_heads(lang),
                manager,
                score,
                grade,
                _t(lang, "结果应用", "Consequence"),
                _t(lang, "待发展项", "Development areas"),
            ],
            [
                [
                    *_person(r),
                    r.manager_name or "",
                    r.total_score,
                    r.grade,
                    r.consequence,
                    "、".join(r.development_areas)
                    if lang != "en"
                    else ", ".join(r.development_areas),
                ]
                for r in found.pip
            ],
        )
    )
    out.append(
        (
            _t(lang, "优秀员工", "Honours"),
            [*_heads(lang), score, grade],
            [[*_person(r), r.total_score, r.grade] for r in found.honours],
        )
    )
    for g in found.grades:
        out.append(
            (
                _sheet_name(_t(lang, f"等级 {g.code}", f"Grade {g.code}")),
                [*_heads(lang), score, grade, _t(lang, "结果应用", "Consequence")],
                [
                    [*_person(r), r.total_score, r.grade, g.consequence_text(lang)]
                    for r in found.by_grade.get(g.code, [])
                ],
            )
        )
    threshold = f"{found.threshold:g}"
    out.append(
        (
            _t(lang, "培训需求", "Training needs"),
            [
                _t(lang, "范围", "Scope"),
                _t(lang, "排名（最低为 1）", "Rank (1 = lowest)"),
                _t(lang, "能力项编号", "Competency code"),
                _t(lang, "能力项", "Competency"),
                _t(lang, "平均分", "Mean score"),
                _t(lang, f"低于 {threshold} 分人数", f"Below {threshold} points"),
                _t(lang, "评分人数", "People rated"),
            ],
            [
                [
                    _t(lang, "全公司", "Company") if n.scope == COMPANY else n.scope,
                    n.rank,
                    n.code,
                    n.name,
                    float(n.mean),
                    n.below,
                    n.rated,
                ]
                for n in found.training
            ],
        )
    )
    return out


def text_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: two for a Chinese (wide) character."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


MIN_WIDTH, MAX_WIDTH = 8, 40


def column_widths(heads: list[str], rows: list[list[Any]]) -> list[int]:
    """Each column as wide as its longest cell (a header may wrap onto two lines), within
    MIN_WIDTH and MAX_WIDTH."""
    widths = [min(text_width(h), 16) + 2 for h in heads]
    for row in rows:
        for c, value in enumerate(row):
            if value is not None:
                shown = f"{value:.2f}" if isinstance(value, float) else str(value)
                widths[c] = max(widths[c], text_width(shown) + 2)
    return [max(MIN_WIDTH, min(MAX_WIDTH, w)) for w in widths]


def print_setup(sheet: Any) -> None:
    """A4 landscape, one page wide, the header row on every page, the sheet's name on top."""
    sheet.set_paper(9)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)
    sheet.set_header("&L&A")


def write_consequences_book(path: Path, found: Consequences, lang: Lang) -> None:
    import xlsxwriter  # lazy: start-up

    book = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "strings_to_numbers": False, "in_memory": True}
    )
    try:
        head = book.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}
        )
        # Top-aligned, so a row grown for a wrapped text still reads across.
        number = book.add_format({"num_format": "0.00", "valign": "top"})
        integer = book.add_format({"valign": "top"})
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        for name, heads, rows in sheets(found, lang):
            ws = book.add_worksheet(name)
            widths = column_widths(heads, rows)
            for c, h in enumerate(heads):
                ws.write_string(0, c, sheet_text(h), head)
                # Long texts (consequences, development areas) wrap instead of running over.
                ws.set_column(c, c, widths[c], wrap if widths[c] >= MAX_WIDTH else None)
            for r, row in enumerate(rows, start=1):
                lines = max(
                    (
                        -(-text_width(str(v)) // (widths[c] - 3))
                        for c, v in enumerate(row)
                        if isinstance(v, str) and widths[c] >= MAX_WIDTH
                    ),
                    default=1,
                )
                if lines > 1:  # readers do not grow a row for wrapped text by themselves
                    ws.set_row(r, 15 * lines)
                for c, value in enumerate(row):
                    if value is None:
                        continue
                    if isinstance(value, int | float):
                        ws.write_number(
                            r, c, value, number if isinstance(value, float) else integer
                        )
                    else:
                        fmt = wrap if widths[c] >= MAX_WIDTH else integer
                        ws.write_string(r, c, sheet_text(str(value)), fmt)
            ws.freeze_panes(1, 0)
            print_setup(ws)
            if not rows:
                ws.write_string(1, 0, _t(lang, "（无）", "(none)"))
    finally:
        book.close()


CSV_FIELDS = (
    "list",
    "employee_id",
    "name",
    "department",
    "role",
    "grade",
    "total_score",
    "detail",
    "competency",
    "mean_score",
    "below_threshold",
    "rated",
)


def consequences_csv(found: Consequences, lang: Lang) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_FIELDS)

    def person(kind: str, r: EmployeeResult, detail: str) -> None:
        row = [kind, *_person(r), r.grade, r.total_score, detail, "", "", "", ""]
        writer.writerow([csv_safe("" if v is None else v) for v in row])

    for r, why in found.promotion:
        person("promotion", r, why)
    for r in found.pip:
        person("pip", r, r.consequence)
    for r in found.honours:
        person("honour", r, "")
    for g in found.grades:
        for r in found.by_grade.get(g.code, []):
            person(f"grade:{g.code}", r, g.consequence_text(lang))
    for n in found.training:
        scope = "*" if n.scope == COMPANY else n.scope
        row = [
            "training",
            "",
            "",
            scope,
            "",
            "",
            "",
            f"rank {n.rank}",
            n.code,
            n.mean,
            n.below,
            n.rated,
        ]
        writer.writerow([csv_safe(v) for v in row])
    return buf.getvalue()
