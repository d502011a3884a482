"""Writing one manager's PIP workbook (绩效改进计划表): a sheet per employee, then the hidden
``_meta`` sheet; given a *fill*, the same workbook filled in (simulation and tests).

The layout is the contract of :mod:`perfsheets.core.pip`. Who, the grade, the owner, the dates
and the checkpoint dates are locked (dates as ISO text, so every program shows them alike); the
goals (pre-filled from the interview record's improvement actions), each checkpoint's result
(a dropdown: 达成 / 部分达成 / 未达成) and its notes are inputs. Text is written as text, never
as a formula, and cleaned of control characters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perfsheets.core import pip
from perfsheets.core.cells import sheet_text
from perfsheets.core.i18n import choice_word, tr
from perfsheets.core.model import Lang
from perfsheets.files import formbook as fb
from perfsheets.files import recordbook as rb

KEY, B, C, D, E, F = range(6)
WIDTHS = {B: 26, C: 22, D: 16, E: 18, F: 22}
TITLE = ("绩效改进计划表", "Performance improvement plan")
BOOKS = ("绩效改进计划表", "improvement plans")
KIND = rb.BookKind(
    pip.FORM_KIND, pip.FORM_SCHEMA_VERSION, "PIP", ("绩效改进计划", "pip"), TITLE, BOOKS
)


@dataclass(frozen=True)
class PipSheetJob(rb.EmployeeSheet):
    """One employee's PIP sheet: who, the grade, the dates, and the goals it starts with."""

    owner: str  # the manager, "name (id)"
    start: str  # ISO dates
    end: str
    checkpoints: tuple[str, ...]
    goals: tuple[tuple[str, str, str, str], ...] = ()  # what, measure, deadline, support

    def locked(self) -> dict[str, object]:
        """The locked values a return must still show (compared by collect)."""
        return {
            **super().locked(),
            "owner": self.owner,
            "start": self.start,
            "end": self.end,
            "checkpoints": list(self.checkpoints),
        }


@dataclass(frozen=True)
class PipJob(rb.RecordBook[PipSheetJob]):
    """One manager's workbook."""


@dataclass(frozen=True)
class PipFill:
    """What a filler types into a sheet: goal rows replacing the written ones (what, measure,
    deadline, support) when given, and checkpoint n -> (result word or code, note)."""

    goals: tuple[tuple[object, ...], ...] | None = None
    checkpoints: Mapping[int, tuple[object, object]] = field(default_factory=dict)


Filler = Callable[[PipJob, PipSheetJob], PipFill | None]

NOTE = (
    "上级（负责人）在每个检查日期与员工回顾进展，从下拉列表选择结果并写明说明；"
    "最后一个检查点（结束日期）的结果即本计划的结论。改进目标可按面谈约定修改。",
    "At each checkpoint date the manager (owner) reviews progress with the employee, "
    "chooses the result from the list and writes a note; the result of the last "
    "checkpoint (the end date) is the plan's outcome. The goals may be refined as agreed.",
)


def _day(value: object) -> object:
    """An ISO date text as a date (what the interview record stored), anything else as is."""
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def form_title(lang: Lang) -> str:
    return KIND.title_in(lang)


class PipWriter(rb.RecordBookWriter[PipJob, PipSheetJob, PipFill]):
    """Writes PIP workbooks for one plan."""

    kind = KIND

    def write(self, job: PipJob, out_dir: Path | None = None) -> Path:
        """Write one workbook atomically into the output folder; its path."""
        return self.write_book(job, out_dir)

    def write_sheet(
        self, wb: Any, fm: dict[str, Any], job: PipJob, s: PipSheetJob, fill: PipFill | None
    ) -> None:
        lang = self.lang
        ws = self.sheet_head(wb, fm, s.sheet, WIDTHS, self.plan.cycle.label(lang), tr(lang, *NOTE))
        row = fb.columns_row(ws, 4, {C: pip.COL_VALUE})
        row = rb.locked_rows(
            ws, fm, row, pip.LOCKED_FIELDS, s.locked(), pip.field_key, pip.FIELDS, lang
        )
        # goals
        row = fb.band(ws, fm, row, tr(lang, "一、改进目标", "1. Improvement goals"), B, F)
        row = fb.columns_row(ws, row, rb.IMPROVEMENT_COLS)
        row = rb.improvement_head(ws, fm, row, pip.GOAL_COLUMNS, lang)
        goals: tuple[tuple[object, ...], ...] = s.goals
        if fill is not None and fill.goals is not None:
            goals = fill.goals
        count = max(pip.GOAL_ROWS, len(goals))
        row = rb.improvement_rows(
            ws, fm, row, goals, count, pip.goal_key, lang, pip.TEXT_MAX_CHARS * 2, _day
        )
        row = self._checkpoints(ws, fm, row, s, fill)
        fb.print_setup(ws, self.plan, f"{s.name} {s.employee_id}", None, one_page=True)
        ws.set_portrait()
        fb.protect(ws, self.plan)

    def _checkpoints(
        self, ws: Any, fm: dict[str, Any], row: int, s: PipSheetJob, fill: PipFill | None
    ) -> int:
        lang = self.lang
        row = fb.band(ws, fm, row, tr(lang, "二、检查点", "2. Checkpoints"), B, F)
        row = fb.columns_row(ws, row, {B: "date", C: "result", D: "note"})
        ws.write_string(row, B, choice_word(pip.CHECKPOINT_COLUMNS, "date", lang), fm["head"])
        ws.write_string(row, C, choice_word(pip.CHECKPOINT_COLUMNS, "result", lang), fm["head"])
        note = choice_word(pip.CHECKPOINT_COLUMNS, "note", lang)
        ws.merge_range(row, D, row, F, note, fm["head"])
        row += 1
        choices = [pip.result_word(r, lang) for r in pip.RESULTS]
        fb.list_validation(ws, row, C, row + len(s.checkpoints) - 1, choices, lang)
        given_points = fill.checkpoints if fill else {}
        for n, day in enumerate(s.checkpoints, start=1):
            result, text = given_points.get(n, ("", ""))
            if result in pip.RESULTS:
                result = pip.result_word(result, lang)
            ws.set_row(row, 36)
            ws.write_string(row, KEY, pip.checkpoint_key(n))
            ws.write_string(row, B, day, fm["center"])
            ws.write_string(row, C, sheet_text(str(result or "")), fm["input"])
            ws.merge_range(row, D, row, F, "", fm["input_text"])
            fb.input_text(ws, fm, row, D, text, pip.TEXT_MAX_CHARS * 2)
            row += 1
        return row
