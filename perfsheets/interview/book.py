"""Writing one manager's interview-record workbook (面谈记录及结果确认表): a sheet per employee,
then the hidden ``_meta`` sheet; given a *fill*, the same workbook filled in (simulation).

The layout is the contract of :mod:`perfsheets.core.interview`: keys in hidden column A, an
``@columns`` row above each block naming its columns. The result (grade, score) and the
employee's details are locked; inputs are unlocked and validated (dates, the view as a list,
weights 0-100). Names and texts are written as strings (never formulas) and cleaned of control
characters (:func:`perfsheets.core.cells.sheet_text`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perfsheets.core import interview as iv
from perfsheets.core.i18n import choice_word, tr
from perfsheets.core.model import Lang, Plan
from perfsheets.files.formbook import (
    band,
    columns_row,
    date_validation,
    input_date,
    input_text,
    list_validation,
    print_setup,
    protect,
)
from perfsheets.files.recordbook import (
    IMPROVEMENT_COLS,
    BookKind,
    EmployeeSheet,
    RecordBook,
    RecordBookWriter,
    improvement_head,
    improvement_rows,
    locked_rows,
)

# Columns: A key (hidden), B label / first table column, C-F values and table columns.
KEY, B, C, D, E, F = range(6)
WIDTHS = {B: 24, C: 20, D: 18, E: 16, F: 22}
TITLE = ("绩效面谈记录及结果确认表", "Performance interview record and confirmation")
BOOKS = ("面谈记录表", "interview records")
KIND = BookKind(iv.FORM_KIND, iv.FORM_SCHEMA_VERSION, "IV", ("面谈记录", "interview"), TITLE, BOOKS)


@dataclass(frozen=True)
class RecordSheet(EmployeeSheet):
    """One employee's record sheet: who, and the result it shows (locked)."""

    score: float | None

    def locked(self) -> dict[str, object]:
        return {**super().locked(), "score": self.score}


@dataclass(frozen=True)
class RecordJob(RecordBook[RecordSheet]):
    """One manager's workbook."""


@dataclass(frozen=True)
class RecordFill:
    """What a simulated filler types into a sheet: field name -> value (dates as dt.date),
    action rows (what, measure, deadline, support) and goal rows (goal, target, weight)."""

    fields: Mapping[str, object] = field(default_factory=dict)
    actions: tuple[tuple[object, ...], ...] = ()
    goals: tuple[tuple[object, ...], ...] = ()


Filler = Callable[[RecordJob, RecordSheet], RecordFill | None]


def form_title(lang: Lang) -> str:
    return KIND.title_in(lang)


def _label(name: str, lang: Lang) -> str:
    return choice_word(iv.FIELDS, name, lang)


class RecordWriter(RecordBookWriter[RecordJob, RecordSheet, RecordFill]):
    """Writes record workbooks for one plan (one instance per worker process)."""

    kind = KIND

    def __init__(self, plan: Plan, out_dir: Path, lang: Lang, filler: Filler | None = None) -> None:
        super().__init__(plan, out_dir, lang, filler)
        self.deadline = plan.cycle.confirmation_deadline

    def write(self, job: RecordJob) -> RecordJob:
        """Write one workbook atomically into the output folder."""
        self.write_book(job)
        return job

    # one record sheet --------------------------------------------------------------------------

    def write_sheet(
        self, wb: Any, fm: dict[str, Any], job: RecordJob, s: RecordSheet, fill: RecordFill | None
    ) -> None:
        lang = self.lang
        ws = self.sheet_head(wb, fm, s.sheet, WIDTHS, self._info(job), self._note())
        values = dict(fill.fields) if fill else {}
        row = 4
        # result (locked) and the interview
        row = self._columns(ws, row, {C: iv.COL_VALUE})
        row = locked_rows(ws, fm, row, iv.LOCKED_FIELDS, s.locked(), iv.field_key, iv.FIELDS, lang)
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
        row = self._columns(ws, row, IMPROVEMENT_COLS)
        row = improvement_head(ws, fm, row, iv.ACTION_COLUMNS, lang)
        actions = fill.actions if fill else ()
        row = improvement_rows(
            ws, fm, row, actions, iv.ACTION_ROWS, iv.action_key, lang, iv.TEXT_MAX_CHARS * 2
        )
        # next-cycle goals
        row = self._band(ws, fm, row, tr(lang, "三、下期目标", "3. Goals for the next cycle"))
        row = self._columns(ws, row, {B: "goal", D: "target", F: "weight"})
        ws.merge_range(row, B, row, C, choice_word(iv.GOAL_COLUMNS, "goal", lang), fm["head"])
        ws.merge_range(row, D, row, E, choice_word(iv.GOAL_COLUMNS, "target", lang), fm["head"])
        ws.write_string(row, F, choice_word(iv.GOAL_COLUMNS, "weight", lang), fm["head"])
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
        print_setup(ws, self.plan, f"{s.name} {s.employee_id}", None, one_page=True)
        ws.set_portrait()
        protect(ws, self.plan)

    def _info(self, job: RecordJob) -> str:
        lang = self.lang
        manager = (
            f"{job.manager_name}（{job.manager_id}）"
            if lang == "zh-CN"
            else (f"{job.manager_name} ({job.manager_id})")
        )
        return f"{self.plan.cycle.label(lang)}    {tr(lang, '上级：', 'Manager: ')}{manager}"

    def _note(self) -> str:
        lang = self.lang
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
        return note

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

    def _input_date(self, ws: Any, fm: dict[str, Any], row: int, col: int, value: object) -> None:
        input_date(ws, fm, row, col, value)
        date_validation(ws, row, col, row, self.lang)
