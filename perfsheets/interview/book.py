"""Writing one manager's interview-record workbook (面谈记录及结果确认表): a sheet per employee,
then the hidden ``_meta`` sheet; given a *fill*, the same workbook filled in (simulation).

The layout is the contract of :mod:`perfsheets.core.interview`: keys in hidden column A, an
``@columns`` row above each block naming its columns. The result (grade, score) and the
employee's details are locked; inputs are unlocked and validated (dates, the view as a list,
weights 0-100). Names and texts are written as strings (never formulas) and cleaned of control
characters (:func:`perfsheets.core.cells.sheet_text`).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perfsheets.core import interview as iv
from perfsheets.core.cells import sheet_text
from perfsheets.core.i18n import tr
from perfsheets.core.model import Lang, Plan
from perfsheets.files.formbook import (
    band,
    columns_row,
    date_validation,
    input_date,
    input_text,
    list_validation,
    meta_sheet,
    print_setup,
    protect,
    record_workbook,
)

# Columns: A key (hidden), B label / first table column, C-F values and table columns.
KEY, B, C, D, E, F = range(6)
WIDTHS = {B: 24, C: 20, D: 18, E: 16, F: 22}


@dataclass(frozen=True)
class RecordSheet:
    """One employee's record sheet: who, and the result it shows (locked)."""

    sheet: str
    employee_id: str
    name: str
    department: str
    grade: str  # grade code, e.g. "B"
    grade_name: str  # as the plan names it, e.g. "B 良好"
    score: float | None

    def locked(self) -> dict[str, object]:
        """The locked values a return must still show (compared by collect)."""
        return {
            "employee_id": self.employee_id,
            "name": self.name,
            "department": self.department,
            "grade": self.grade_name,
            "score": self.score,
        }


@dataclass(frozen=True)
class RecordJob:
    """One manager's workbook."""

    form_id: str
    manager_id: str
    manager_name: str
    file: str
    run_id: int
    plan_version: int
    plan_digest: str
    generated_at: str
    sheets: tuple[RecordSheet, ...]

    def digest(self) -> str:
        canonical = json.dumps(
            [[s.sheet, s.employee_id, s.locked()] for s in self.sheets],
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class RecordFill:
    """What a simulated filler types into a sheet: field name -> value (dates as dt.date),
    action rows (what, measure, deadline, support) and goal rows (goal, target, weight)."""

    fields: Mapping[str, object] = field(default_factory=dict)
    actions: tuple[tuple[object, ...], ...] = ()
    goals: tuple[tuple[object, ...], ...] = ()


Filler = Callable[[RecordJob, RecordSheet], RecordFill | None]

TITLE = ("绩效面谈记录及结果确认表", "Performance interview record and confirmation")


def form_title(lang: Lang) -> str:
    return tr(lang, *TITLE)


def _label(name: str, lang: Lang) -> str:
    zh, en = iv.FIELDS[name]
    return en if lang == "en" else zh


def _col_label(words: tuple[str, str], lang: Lang) -> str:
    return words[1] if lang == "en" else words[0]


class RecordWriter:
    """Writes record workbooks for one plan (one instance per worker process)."""

    def __init__(self, plan: Plan, out_dir: Path, lang: Lang, filler: Filler | None = None) -> None:
        self.plan, self.out_dir, self.lang, self.filler = plan, Path(out_dir), lang, filler
        self.deadline = plan.cycle.confirmation_deadline

    def write(self, job: RecordJob) -> RecordJob:
        """Write one workbook atomically into the output folder."""
        path = self.out_dir / job.file
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.xlsx")
        try:
            self.write_workbook(tmp, job)
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()
        return job

    def write_workbook(self, path: Path, job: RecordJob) -> None:
        plan, lang = self.plan, self.lang
        wb, fm = record_workbook(path, plan, lang, form_title(lang), job.form_id)
        for sheet in job.sheets:
            fill = self.filler(job, sheet) if self.filler else None
            self._sheet(wb, fm, job, sheet, fill)
        self._meta(wb, job)
        wb.close()

    # one record sheet --------------------------------------------------------------------------

    def _sheet(
        self, wb: Any, fm: dict[str, Any], job: RecordJob, s: RecordSheet, fill: RecordFill | None
    ) -> None:
        lang = self.lang
        ws = wb.add_worksheet(s.sheet)
        ws.set_column(KEY, KEY, 2, None, {"hidden": True})
        for col, width in WIDTHS.items():
            ws.set_column(col, col, width)
        values = dict(fill.fields) if fill else {}
        row = 0
        ws.set_row(row, 28)
        ws.merge_range(row, B, row, F, sheet_text(form_title(lang)), fm["title"])
        row += 1
        manager = (
            f"{job.manager_name}（{job.manager_id}）"
            if lang == "zh-CN"
            else (f"{job.manager_name} ({job.manager_id})")
        )
        info = f"{self.plan.cycle.label(lang)}    {tr(lang, '上级：', 'Manager: ')}{manager}"
        ws.merge_range(row, B, row, F, sheet_text(info), fm["info"])
        row += 1
        note = tr(
            lang,
            "面谈后由上级与员工共同填写黄色单元格；员工对结果有异议时请选择“有异议”并写明理由，"
            "将自动提交申诉。双方输入姓名和日期即为确认。",
            "Manager and employee fill in the yellow cells together after the interview. If the "
            "employee disagrees with the result, choose 'Disagree' and give the reason: an appeal "
            "is opened. Typing a name and a date is the confirmation.",
        )
        if self.deadline is not None:
            note += tr(
                lang,
                f"请于 {self.deadline} 前交回人力资源部。",
                f" Return it to HR by {self.deadline}.",
            )
        ws.set_row(row, 42)
        ws.merge_range(row, B, row, F, sheet_text(note), fm["note"])
        row += 2
        # result (locked) and the interview
        row = self._columns(ws, row, {C: iv.COL_VALUE})
        locked = s.locked()
        for name in iv.LOCKED_FIELDS:
            value = locked[name]
            ws.write_string(row, KEY, iv.field_key(name))
            ws.write_string(row, B, _label(name, lang), fm["label"])
            if isinstance(value, float | int):
                ws.merge_range(row, C, row, F, "", fm["num"])
                ws.write_number(row, C, value, fm["num"])
            else:
                ws.merge_range(row, C, row, F, sheet_text(str(value or "")), fm["text"])
            row += 1
        row = self._band(ws, fm, row, tr(lang, "一、面谈与结果确认", "1. Interview and result"))
        row = self._columns(ws, row, {C: iv.COL_VALUE})
        row = self._date_row(ws, fm, row, "interview_date", values)
        ws.write_string(row, KEY, iv.field_key("view"))
        ws.write_string(row, B, _label("view", lang), fm["label"])
        choices = [iv.view_label(v, lang) for v in iv.VIEWS]
        view = values.get("view")
        ws.write_string(row, C, iv.view_label(view, lang) if view in iv.VIEWS else "", fm["input"])
        list_validation(ws, row, C, row, choices, lang)
        ws.merge_range(
            row, D, row, F, tr(lang, "← 请从下拉列表选择", "← choose from the list"), fm["hint"]
        )
        row += 1
        row = self._text_row(ws, fm, row, "reason", values, lines=3)
        # improvement actions
        row = self._band(ws, fm, row, tr(lang, "二、改进计划", "2. Improvement actions"))
        cols = {B: "what", C: "measure", D: "deadline", E: "support"}
        row = self._columns(ws, row, cols)
        for col, name in cols.items():
            head = _col_label(iv.ACTION_COLUMNS[name], lang)
            if col == E:
                ws.merge_range(row, E, row, F, head, fm["head"])
            else:
                ws.write_string(row, col, head, fm["head"])
        row += 1
        actions = fill.actions if fill else ()
        self._date_validation(ws, row, D, row + iv.ACTION_ROWS - 1)
        for n in range(1, iv.ACTION_ROWS + 1):
            given = actions[n - 1] if n <= len(actions) else ("", "", None, "")
            ws.set_row(row, 30)
            ws.write_string(row, KEY, iv.action_key(n))
            self._input_text(ws, fm, row, B, given[0])
            self._input_text(ws, fm, row, C, given[1])
            self._input_date(ws, fm, row, D, given[2], validate=False)
            ws.merge_range(row, E, row, F, "", fm["input_text"])
            self._input_text(ws, fm, row, E, given[3])
            row += 1
        # next-cycle goals
        row = self._band(ws, fm, row, tr(lang, "三、下期目标", "3. Goals for the next cycle"))
        row = self._columns(ws, row, {B: "goal", D: "target", F: "weight"})
        ws.merge_range(row, B, row, C, _col_label(iv.GOAL_COLUMNS["goal"], lang), fm["head"])
        ws.merge_range(row, D, row, E, _col_label(iv.GOAL_COLUMNS["target"], lang), fm["head"])
        ws.write_string(row, F, _col_label(iv.GOAL_COLUMNS["weight"], lang), fm["head"])
        row += 1
        goals = fill.goals if fill else ()
        first = row
        ws.data_validation(
            row,
            F,
            row + iv.GOAL_ROWS - 1,
            F,
            {
                "validate": "decimal",
                "criteria": "between",
                "minimum": 0,
                "maximum": 100,
                "error_message": tr(lang, "权重应为 0 到 100", "A weight from 0 to 100"),
            },
        )
        for n in range(1, iv.GOAL_ROWS + 1):
            given = goals[n - 1] if n <= len(goals) else ("", "", None)
            ws.write_string(row, KEY, iv.goal_key(n))
            ws.merge_range(row, B, row, C, "", fm["input_text"])
            self._input_text(ws, fm, row, B, given[0])
            ws.merge_range(row, D, row, E, "", fm["input_text"])
            self._input_text(ws, fm, row, D, given[1])
            weight = given[2]
            if isinstance(weight, int | float):
                ws.write_number(row, F, weight, fm["input"])
            else:
                ws.write_blank(row, F, None, fm["input"])
            row += 1
        total = sum(float(g[2]) for g in goals if isinstance(g[2], int | float))
        ws.merge_range(
            row,
            B,
            row,
            E,
            tr(lang, "权重合计（应为 100）", "Total weight (must be 100)"),
            fm["sub_label"],
        )
        ws.write_formula(row, F, f"=SUM(F{first + 1}:F{row})", fm["score"], total)
        row += 1
        # comments and confirmation
        row = self._band(ws, fm, row, tr(lang, "四、意见与确认", "4. Comments and confirmation"))
        row = self._columns(ws, row, {C: iv.COL_VALUE})
        row = self._text_row(ws, fm, row, "manager_comment", values, lines=3)
        row = self._text_row(ws, fm, row, "employee_comment", values, lines=3)
        for who in ("manager", "employee"):
            row = self._text_row(ws, fm, row, f"{who}_name", values, lines=1)
            row = self._date_row(ws, fm, row, f"{who}_date", values)
        ws.set_row(0, 28)
        print_setup(ws, self.plan, f"{s.name} {s.employee_id}", None, one_page=True)
        ws.set_portrait()
        protect(ws, self.plan)

    def _columns(self, ws: Any, row: int, cols: dict[int, str]) -> int:
        return columns_row(ws, row, cols)

    def _band(self, ws: Any, fm: dict[str, Any], row: int, text: str) -> int:
        return band(ws, fm, row, text, B, F)

    def _date_row(self, ws: Any, fm: dict[str, Any], row: int, name: str, values: dict) -> int:
        ws.write_string(row, KEY, iv.field_key(name))
        ws.write_string(row, B, _label(name, self.lang), fm["label"])
        self._input_date(ws, fm, row, C, values.get(name))
        hint = tr(self.lang, "日期，如 2027-01-20", "a date, e.g. 2027-01-20")
        ws.merge_range(row, D, row, F, hint, fm["hint"])
        return row + 1

    def _text_row(
        self, ws: Any, fm: dict[str, Any], row: int, name: str, values: dict, lines: int
    ) -> int:
        ws.write_string(row, KEY, iv.field_key(name))
        ws.write_string(row, B, _label(name, self.lang), fm["label"])
        ws.set_row(row, 15 * lines + 4)
        ws.merge_range(row, C, row, F, "", fm["input_text"])
        self._input_text(ws, fm, row, C, values.get(name))
        return row + 1

    def _input_text(self, ws: Any, fm: dict[str, Any], row: int, col: int, value: object) -> None:
        input_text(ws, fm, row, col, value, iv.TEXT_MAX_CHARS * 2)

    def _input_date(
        self, ws: Any, fm: dict[str, Any], row: int, col: int, value: object, validate: bool = True
    ) -> None:
        input_date(ws, fm, row, col, value)
        if validate:
            self._date_validation(ws, row, col, row)

    def _date_validation(self, ws: Any, row: int, col: int, last: int) -> None:
        date_validation(ws, row, col, last, self.lang)

    # metadata ----------------------------------------------------------------------------------

    def _meta(self, wb: Any, job: RecordJob) -> None:
        meta = {
            "schema_version": str(iv.FORM_SCHEMA_VERSION),
            "form_kind": iv.FORM_KIND,
            "form_id": job.form_id,
            "cycle_id": self.plan.cycle.id,
            "plan_version": str(job.plan_version),
            "plan_digest": job.plan_digest,
            "run_id": str(job.run_id),
            "manager_id": job.manager_id,
            "manager_name": job.manager_name,
            "language": self.lang,
            "generated_at": job.generated_at,
        }
        sheets = [(s.sheet, s.employee_id) for s in job.sheets]
        meta_sheet(wb, self.plan, iv.META_FIELDS, meta, sheets)
