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
import hashlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perfsheets.core import pip
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

KEY, B, C, D, E, F = range(6)
WIDTHS = {B: 26, C: 22, D: 16, E: 18, F: 22}
TITLE = ("绩效改进计划表", "Performance improvement plan")


@dataclass(frozen=True)
class PipSheetJob:
    """One employee's PIP sheet: who, the grade, the dates, and the goals it starts with."""

    sheet: str
    employee_id: str
    name: str
    department: str
    grade: str  # grade code
    grade_name: str  # as shown, e.g. "C 待改进"
    owner: str  # the manager, "name (id)"
    start: str  # ISO dates
    end: str
    checkpoints: tuple[str, ...]
    goals: tuple[tuple[str, str, str, str], ...] = ()  # what, measure, deadline, support

    def locked(self) -> dict[str, object]:
        """The locked values a return must still show (compared by collect)."""
        return {
            "employee_id": self.employee_id,
            "name": self.name,
            "department": self.department,
            "grade": self.grade_name,
            "owner": self.owner,
            "start": self.start,
            "end": self.end,
            "checkpoints": list(self.checkpoints),
        }


@dataclass(frozen=True)
class PipJob:
    """One manager's workbook."""

    form_id: str
    manager_id: str
    manager_name: str
    file: str
    run_id: int
    plan_version: int
    plan_digest: str
    generated_at: str
    sheets: tuple[PipSheetJob, ...]

    def digest(self) -> str:
        canonical = json.dumps(
            [[s.sheet, s.employee_id, s.locked()] for s in self.sheets],
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class PipFill:
    """What a filler types into a sheet: goal rows replacing the written ones (what, measure,
    deadline, support) when given, and checkpoint n -> (result word or code, note)."""

    goals: tuple[tuple[object, ...], ...] | None = None
    checkpoints: Mapping[int, tuple[object, object]] = field(default_factory=dict)


Filler = Callable[[PipJob, PipSheetJob], PipFill | None]


def _day(value: object) -> object:
    """An ISO date text as a date (what the interview record stored), anything else as is."""
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def form_title(lang: Lang) -> str:
    return tr(lang, *TITLE)


def _words(words: tuple[str, str], lang: Lang) -> str:
    return words[1] if lang == "en" else words[0]


class PipWriter:
    """Writes PIP workbooks for one plan."""

    def __init__(self, plan: Plan, out_dir: Path, lang: Lang, filler: Filler | None = None) -> None:
        self.plan, self.out_dir, self.lang, self.filler = plan, Path(out_dir), lang, filler

    def write(self, job: PipJob, out_dir: Path | None = None) -> Path:
        """Write one workbook atomically into the output folder; its path."""
        path = (out_dir or self.out_dir) / job.file
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.xlsx")
        try:
            wb, fm = record_workbook(tmp, self.plan, self.lang, form_title(self.lang), job.form_id)
            for sheet in job.sheets:
                fill = self.filler(job, sheet) if self.filler else None
                self._sheet(wb, fm, job, sheet, fill)
            meta = {
                "schema_version": str(pip.FORM_SCHEMA_VERSION),
                "form_kind": pip.FORM_KIND,
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
            meta_sheet(wb, self.plan, pip.META_FIELDS, meta, sheets)
            wb.close()
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()
        return path

    def _sheet(
        self, wb: Any, fm: dict[str, Any], job: PipJob, s: PipSheetJob, fill: PipFill | None
    ) -> None:
        lang = self.lang
        ws = wb.add_worksheet(s.sheet)
        ws.set_column(KEY, KEY, 2, None, {"hidden": True})
        for col, width in WIDTHS.items():
            ws.set_column(col, col, width)
        ws.set_row(0, 28)
        ws.merge_range(0, B, 0, F, sheet_text(form_title(lang)), fm["title"])
        ws.merge_range(1, B, 1, F, sheet_text(self.plan.cycle.label(lang)), fm["info"])
        note = tr(
            lang,
            "上级（负责人）在每个检查日期与员工回顾进展，从下拉列表选择结果并写明说明；"
            "最后一个检查点（结束日期）的结果即本计划的结论。改进目标可按面谈约定修改。",
            "At each checkpoint date the manager (owner) reviews progress with the employee, "
            "chooses the result from the list and writes a note; the result of the last "
            "checkpoint (the end date) is the plan's outcome. The goals may be refined as agreed.",
        )
        ws.set_row(2, 42)
        ws.merge_range(2, B, 2, F, sheet_text(note), fm["note"])
        row = columns_row(ws, 4, {C: pip.COL_VALUE})
        locked = s.locked()
        for name in pip.LOCKED_FIELDS:
            ws.write_string(row, KEY, pip.field_key(name))
            ws.write_string(row, B, _words(pip.FIELDS[name], lang), fm["label"])
            ws.merge_range(row, C, row, F, sheet_text(str(locked[name] or "")), fm["text"])
            row += 1
        # goals
        row = band(ws, fm, row, tr(lang, "一、改进目标", "1. Improvement goals"), B, F)
        cols = {B: "what", C: "measure", D: "deadline", E: "support"}
        row = columns_row(ws, row, cols)
        for col, name in cols.items():
            head = _words(pip.GOAL_COLUMNS[name], lang)
            if col == E:
                ws.merge_range(row, E, row, F, head, fm["head"])
            else:
                ws.write_string(row, col, head, fm["head"])
        row += 1
        goals: tuple[tuple[object, ...], ...] = s.goals
        if fill is not None and fill.goals is not None:
            goals = fill.goals
        count = max(pip.GOAL_ROWS, len(goals))
        date_validation(ws, row, D, row + count - 1, lang)
        for n in range(1, count + 1):
            given = goals[n - 1] if n <= len(goals) else ("", "", None, "")
            ws.set_row(row, 30)
            ws.write_string(row, KEY, pip.goal_key(n))
            input_text(ws, fm, row, B, given[0], pip.TEXT_MAX_CHARS * 2)
            input_text(ws, fm, row, C, given[1], pip.TEXT_MAX_CHARS * 2)
            input_date(ws, fm, row, D, _day(given[2]))
            ws.merge_range(row, E, row, F, "", fm["input_text"])
            input_text(ws, fm, row, E, given[3], pip.TEXT_MAX_CHARS * 2)
            row += 1
        # checkpoints
        row = band(ws, fm, row, tr(lang, "二、检查点", "2. Checkpoints"), B, F)
        row = columns_row(ws, row, {B: "date", C: "result", D: "note"})
        ws.write_string(row, B, _words(pip.CHECKPOINT_COLUMNS["date"], lang), fm["head"])
        ws.write_string(row, C, _words(pip.CHECKPOINT_COLUMNS["result"], lang), fm["head"])
        ws.merge_range(row, D, row, F, _words(pip.CHECKPOINT_COLUMNS["note"], lang), fm["head"])
        row += 1
        choices = [pip.result_word(r, lang) for r in pip.RESULTS]
        list_validation(ws, row, C, row + len(s.checkpoints) - 1, choices, lang)
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
            input_text(ws, fm, row, D, text, pip.TEXT_MAX_CHARS * 2)
            row += 1
        print_setup(ws, self.plan, f"{s.name} {s.employee_id}", None, one_page=True)
        ws.set_portrait()
        protect(ws, self.plan)
