"""calibration/calibration.xlsx: what the committee looks at and where it writes its decisions.

Sheets: the people (one row each, grouped by quota group and ranked), the distribution of each
group against its quotas, the nine-box (performance grade × potential) and a very hidden
``_meta`` sheet (cycle, run and the workbook's id). Only the committee's four columns are
unlocked; the locked cells a decision file must still carry are recorded in the ledger
(:func:`perfsheets.ledger.calibration.store_book`), since sheet protection is removable.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perfsheets.core.calibration import POTENTIALS, potential_text
from perfsheets.core.cells import sheet_text
from perfsheets.core.flags import flag_text
from perfsheets.core.i18n import tr
from perfsheets.core.model import Lang, Plan
from perfsheets.core.quotas import grade_quota_kinds, quota_group_text, quota_text
from perfsheets.core.results import EmployeeResult
from perfsheets.files.atomic import atomic_write

META_SHEET = "_meta"
FORMAT_VERSION = "1"

# The people sheet's columns: key, Chinese header, English header. The last four are the
# committee's (unlocked); FINAL is a formula showing the grade that will count.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("employee_id", "工号", "Employee ID"),
    ("name", "姓名", "Name"),
    ("department", "部门", "Department"),
    ("group", "分布组", "Quota group"),
    ("rank", "组内排名", "Rank in group"),
    ("kpi", "KPI 得分", "KPI score"),
    ("task", "任务得分", "Task score"),
    ("competency", "能力得分", "Competency score"),
    ("total", "总分", "Total"),
    ("before_quota", "强制分布前等级", "Grade before quota"),
    ("grade", "汇总等级", "Consolidated grade"),
    ("flags", "标记", "Flags"),
    ("leniency", "直属上级宽严度", "Manager's leniency"),
    ("history", "历史等级", "Earlier grades"),
    ("final", "最终等级", "Final grade"),
    ("committee_grade", "委员会等级", "Committee grade"),
    ("potential", "潜力", "Potential"),
    ("reason", "调整理由", "Reason"),
    ("decided_by", "决定人", "Decided by"),
)
COL = {key: i for i, (key, _, _) in enumerate(COLUMNS)}
INPUTS = ("committee_grade", "potential", "reason", "decided_by")
LOCKED = ("employee_id", "name", "total", "grade")  # what a decision file must still carry
NO_GROUP = "—"


def sheet_names(lang: Lang) -> dict[str, str]:
    return {
        "people": tr(lang, "校准", "Calibration"),
        "distribution": tr(lang, "分布", "Distribution"),
        "ninebox": tr(lang, "九宫格", "Nine-box"),
    }


@dataclass
class BookData:
    """What the workbook shows, gathered by the stage from the ledger."""

    plan: Plan
    lang: Lang
    run_id: int
    results: list[EmployeeResult]  # named, decisions in force applied
    leniency: dict[str, tuple[float | None, bool]]  # rater -> (difference, flagged)
    generated_at: str


def ordered(results: Sequence[EmployeeResult]) -> list[tuple[EmployeeResult, int | None]]:
    """People by quota group (groups in name order, then those without one), best total first,
    with their rank in the group (ties share a rank)."""
    groups: dict[str, list[EmployeeResult]] = defaultdict(list)
    for r in results:
        groups[r.quota_group or ""].append(r)
    out: list[tuple[EmployeeResult, int | None]] = []
    for label in sorted(groups, key=lambda g: (g == "", g)):
        members = sorted(
            groups[label],
            key=lambda r: (r.total_score is None, -(r.total_score or 0), r.employee_id),
        )
        rank, previous = 0, None
        for i, r in enumerate(members, 1):
            if r.total_score != previous:
                rank, previous = i, r.total_score
            out.append((r, rank if r.total_score is not None else None))
    return out


def consolidated(r: EmployeeResult) -> str | None:
    return r.consolidated_grade if r.committee_grade else r.grade


def locked_cells(rows: Sequence[tuple[EmployeeResult, int | None]]) -> dict[str, list]:
    return {r.employee_id: [r.name, r.total_score, consolidated(r)] for r, _ in rows}


def book_id(data: BookData, locked: dict[str, list]) -> str:
    text = json.dumps(
        [data.plan.cycle.id, data.run_id, data.lang, data.generated_at, locked],
        ensure_ascii=False,
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()


def calibration_group(r: EmployeeResult) -> str:
    """The meeting that calibrates a person: their quota group (a group's distribution is
    decided in one meeting), or their department where there are no quotas."""
    return r.quota_group or r.department


def write_book(
    path: Path, data: BookData, rows: list[tuple[EmployeeResult, int | None]] | None = None
) -> tuple[str, dict[str, list]]:
    """Write the workbook atomically; returns (its id, its locked cells) for the ledger.
    ``rows``: a part of the whole company's :func:`ordered` rows (a calibration group's book,
    ranks as in the whole group); by default every person of ``data``."""
    rows = ordered(data.results) if rows is None else rows
    locked = locked_cells(rows)
    ident = book_id(data, locked)

    def write(tmp: Path) -> None:
        import xlsxwriter  # lazy: start-up

        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "in_memory": False})
        try:
            _Writer(wb, data, rows).write(ident)
        finally:
            wb.close()

    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, write)
    return ident, locked


class _Writer:
    def __init__(self, wb: Any, data: BookData, rows: list) -> None:
        self.wb, self.data, self.rows = wb, data, rows
        self.lang = data.lang
        self.names = sheet_names(self.lang)
        self.grades = sorted(data.plan.grading.levels, key=lambda g: g.min_score, reverse=True)
        self.password = data.plan.cycle.form_password or ""
        fm = wb.add_format
        self.fm = {
            "head": fm({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}),
            "text": fm({"border": 1}),
            "num": fm({"border": 1, "num_format": "0.00"}),
            "int": fm({"border": 1, "num_format": "0"}),
            "input": fm({"border": 1, "locked": False, "bg_color": "#FFF2CC"}),
            "wrap": fm({"border": 1, "text_wrap": True, "valign": "top"}),
        }

    def write(self, ident: str) -> None:
        self.people()
        self.distribution()
        self.nine_box()
        self.meta(ident)

    def text(self, ws: Any, row: int, col: int, value: object, fmt: Any) -> None:
        """A number as a number, anything else as text (never a formula), None as blank."""
        if value is None or value == "":
            ws.write_blank(row, col, None, fmt)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            ws.write_number(row, col, value, fmt)
        else:
            ws.write_string(row, col, sheet_text(str(value)), fmt)

    def people(self) -> None:
        ws = self.wb.add_worksheet(self.names["people"])
        fm, lang = self.fm, self.lang
        for col, (_, zh, en) in enumerate(COLUMNS):
            ws.write_string(0, col, en if lang == "en" else zh, fm["head"])
        for i, (r, rank) in enumerate(self.rows, 1):
            self.person(ws, i, r, rank)
        n = len(self.rows)
        codes = [g.code for g in self.grades]
        last = max(n, 1)
        ws.data_validation(
            1, COL["committee_grade"], last, COL["committee_grade"],
            {"validate": "list", "source": codes, "error_type": "stop"},
        )  # fmt: skip
        ws.data_validation(
            1, COL["potential"], last, COL["potential"],
            {"validate": "list", "source": [potential_text(c, lang) for c in POTENTIALS]},
        )  # fmt: skip
        ws.freeze_panes(1, 2)
        ws.set_column(0, len(COLUMNS) - 1, 11)
        ws.set_column(COL["flags"], COL["history"], 22)
        ws.set_column(COL["reason"], COL["reason"], 40)
        ws.autofilter(0, 0, last, len(COLUMNS) - 1)
        ws.protect(self.password, {"autofilter": True, "format_columns": True, "format_rows": True})

    def person(self, ws: Any, row: int, r: EmployeeResult, rank: int | None) -> None:
        fm, lang = self.fm, self.lang
        lenient = self.data.leniency.get(r.manager_id or "")
        values: dict[str, object] = {
            "employee_id": r.employee_id,
            "name": r.name,
            "department": r.department,
            "group": _group_text(r, lang),
            "rank": rank,
            "kpi": r.section_scores.get("kpi"),
            "task": r.section_scores.get("task"),
            "competency": r.section_scores.get("competency"),
            "total": r.total_score,
            "before_quota": r.grade_before_quota or consolidated(r),
            "grade": consolidated(r),
            "flags": "；".join(flag_text(f, lang) for f in r.flags if f != "calibrated"),
            "leniency": _leniency(lenient, lang),
            "history": "；".join(
                f"{t.cycle_name or t.cycle_id}: {t.grade or '—'}" for t in r.trend
            ),
            "committee_grade": r.committee_grade,
            "potential": potential_text(r.potential, lang),
            "reason": _in_force(r, "reason"),
            "decided_by": _in_force(r, "decided_by"),
        }
        for key, col in COL.items():
            if key == "final":
                continue
            fmt = (
                fm["input"]
                if key in INPUTS
                else fm["num" if key in ("kpi", "task", "competency", "total") else "text"]
            )
            self.text(ws, row, col, values[key], fmt)
        committee = _cell(row, COL["committee_grade"])
        grade = _cell(row, COL["grade"])
        ws.write_formula(
            row, COL["final"], f'=IF({committee}="",{grade},{committee})', fm["text"],
            r.committee_grade or consolidated(r) or "",
        )  # fmt: skip

    def distribution(self) -> None:
        """Per quota group and grade: the quota, the consolidated count and the count now (with
        the committee's grades as entered: a formula over the people sheet)."""
        ws = self.wb.add_worksheet(self.names["distribution"])
        fm, lang = self.fm, self.lang
        heads = [
            tr(lang, "分布组", "Quota group"),
            tr(lang, "人数", "People"),
            tr(lang, "等级", "Grade"),
            tr(lang, "比例要求", "Quota"),
            tr(lang, "汇总人数", "Consolidated"),
            tr(lang, "当前人数", "Now"),
        ]
        for col, h in enumerate(heads):
            ws.write_string(0, col, h, fm["head"])
        kinds = grade_quota_kinds(self.grades)
        groups: dict[str, list[EmployeeResult]] = defaultdict(list)
        for r, _ in self.rows:
            groups[_group_text(r, lang)].append(r)
        people = self.names["people"]
        group_col = _column(COL["group"])
        final_col = _column(COL["final"])
        row = 1
        for label, members in groups.items():
            before = Counter(consolidated(r) for r in members)
            now = Counter(r.grade for r in members)
            for g in self.grades:
                ws.write_string(row, 0, sheet_text(label), fm["text"])
                ws.write_number(row, 1, len(members), fm["int"])
                ws.write_string(row, 2, f"{g.code} {g.label(lang)}", fm["text"])
                quota = quota_text(g.quota, kinds[g.code], lang) if label != NO_GROUP else "—"
                ws.write_string(row, 3, quota, fm["text"])
                ws.write_number(row, 4, before.get(g.code, 0), fm["int"])
                formula = (
                    f"=COUNTIFS('{people}'!{group_col}:{group_col},\"{_formula_text(label)}\","
                    f"'{people}'!{final_col}:{final_col},\"{_formula_text(g.code)}\")"
                )
                ws.write_formula(row, 5, formula, fm["int"], now.get(g.code, 0))
                row += 1
        ws.set_column(0, 0, 18)
        ws.set_column(1, 5, 12)
        ws.protect(self.password)

    def nine_box(self) -> None:
        """Performance grade (rows, best on top) × potential (columns): count and names."""
        ws = self.wb.add_worksheet(self.names["ninebox"])
        fm, lang = self.fm, self.lang
        columns = [*POTENTIALS, None]
        ws.write_string(0, 0, tr(lang, "等级 \\ 潜力", "Grade \\ potential"), fm["head"])
        for col, code in enumerate(columns, 1):
            head = potential_text(code, lang) if code else tr(lang, "未评", "Not rated")
            ws.write_string(0, col, head, fm["head"])
        cells: dict[tuple[str | None, str | None], list[str]] = defaultdict(list)
        for r, _ in self.rows:
            cells[(r.grade, r.potential)].append(f"{r.name} ({r.employee_id})")
        for row, g in enumerate(self.grades, 1):
            ws.write_string(row, 0, f"{g.code} {g.label(lang)}", fm["head"])
            for col, code in enumerate(columns, 1):
                names = cells.get((g.code, code), [])
                count = tr(lang, f"{len(names)} 人", f"{len(names)} people")
                ws.write_string(row, col, sheet_text("\n".join([count, *names])), fm["wrap"])
        ws.set_column(0, 0, 16)
        ws.set_column(1, len(columns), 28)
        ws.protect(self.password)

    def meta(self, ident: str) -> None:
        ws = self.wb.add_worksheet(META_SHEET)
        rows = {
            "kind": "perfsheets-calibration",
            "format_version": FORMAT_VERSION,
            "cycle_id": self.data.plan.cycle.id,
            "run_id": str(self.data.run_id),
            "book_id": ident,
            "language": self.lang,
            "generated_at": self.data.generated_at,
        }
        for i, (key, value) in enumerate(rows.items()):
            ws.write_string(i, 0, key)
            ws.write_string(i, 1, sheet_text(value))
        ws.protect(self.password)
        ws.very_hidden()


def _group_text(r: EmployeeResult, lang: Lang) -> str:
    return quota_group_text(r.quota_group, lang) if r.quota_group else NO_GROUP


def _in_force(r: EmployeeResult, field: str) -> str:
    step = next((s for s in reversed(r.calibration_trail) if s.in_force), None)
    return "" if step is None else str(getattr(step, field))


def _leniency(found: tuple[float | None, bool] | None, lang: Lang) -> str:
    diff = None if found is None else found[0]
    if found is None or diff is None:
        return ""
    flagged = found[1]
    if not flagged:
        return f"{diff:+.2f}"
    word = tr(lang, "偏宽", "lenient") if diff > 0 else tr(lang, "偏严", "harsh")
    return f"{diff:+.2f} {word}"


def _column(col: int) -> str:
    from xlsxwriter.utility import xl_col_to_name  # lazy: start-up

    return str(xl_col_to_name(col))


def _cell(row: int, col: int) -> str:
    return f"{_column(col)}{row + 1}"


def _formula_text(text: str) -> str:
    """Text inside a formula's string literal (quotes doubled)."""
    return sheet_text(text, 250).replace('"', '""')
