"""Writing the consequences: ``consequences.xlsx`` (one sheet per list, headers in the plan's
language, every text written as text) and ``consequences.csv`` (one long table with English
field names, formula-injection safe)."""

from __future__ import annotations

import csv
import io
import re
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


def write_consequences_book(path: Path, found: Consequences, lang: Lang) -> None:
    import xlsxwriter  # lazy: start-up

    book = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "strings_to_numbers": False, "in_memory": True}
    )
    try:
        head = book.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}
        )
        number = book.add_format({"num_format": "0.00"})
        for name, heads, rows in sheets(found, lang):
            ws = book.add_worksheet(name)
            for c, h in enumerate(heads):
                ws.write_string(0, c, sheet_text(h), head)
                wide = any(w in h for w in ("结果应用", "Consequence", "待发展", "Development"))
                ws.set_column(c, c, 28 if wide else 13)
            for r, row in enumerate(rows, start=1):
                for c, value in enumerate(row):
                    if value is None:
                        continue
                    if isinstance(value, int | float):
                        ws.write_number(r, c, value, number if isinstance(value, float) else None)
                    else:
                        ws.write_string(r, c, sheet_text(str(value)))
            ws.freeze_panes(1, 0)
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
