"""Checking a returned PIP workbook (绩效改进计划): identified by its ``_meta`` sheet
(``form_kind`` = pip), read by the layout of :mod:`perfsheets.core.pip`; an accepted sheet
becomes one :class:`PipRead` for the store (:mod:`perfsheets.collect.pip_store`).

Changed locked cells (who, grade, owner, dates, checkpoint dates) reject the whole file. Per
sheet, the errors that send the sheet back alone: a result that is not one of 达成 / 部分达成 /
未达成 (``not-allowed``), a result recorded before its checkpoint date (``checkpoint-not-due``),
a checkpoint left empty before one recorded later (``checkpoint-skipped``), 部分达成 or 未达成
without a note (``required-missing``), goal rows without a goal, bad goal deadlines, text too
long, formulas typed into inputs; a sheet of a PIP replaced since by a newer PIP form is
``pip-outdated``. A sheet without any result yet is simply not returned yet.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from perfsheets.collect.book import Book
from perfsheets.collect.outcome import CheckedReturn
from perfsheets.collect.problems import (
    FORMULA_IN_INPUT,
    KEYS_MISSING,
    LOCKED_CHANGED,
    NOT_ALLOWED,
    REQUIRED_MISSING,
)
from perfsheets.collect.record_sheets import ROW_INCOMPLETE, SheetReader, check_record_book
from perfsheets.collect.values import blank, read_text, same_value, show
from perfsheets.core import layout
from perfsheets.core import pip as pp
from perfsheets.core.problems import Text, problem_type
from perfsheets.ledger.pips import PipForm

CHECKPOINT_NOT_DUE = problem_type(
    "checkpoint-not-due",
    "error",
    "检查点未到期",
    "Checkpoint not yet due",
    "第 {n} 个检查点的日期是 {date}，尚未到期（今天 {today}）：到期后再填写结果",
    "Checkpoint {n} is on {date}, not yet due (today is {today}): record its result then",
)
CHECKPOINT_SKIPPED = problem_type(
    "checkpoint-skipped",
    "error",
    "检查点漏填",
    "Checkpoint skipped",
    "第 {n} 个检查点未填写结果，但其后的第 {later} 个已填写：请按顺序填写",
    "Checkpoint {n} has no result although checkpoint {later} after it has: fill them in order",
)
PIP_OUTDATED = problem_type(
    "pip-outdated",
    "error",
    "改进计划已重新下发",
    "PIP sent again",
    "{name}（{employee}）的绩效改进计划已重新生成：请使用新下发的表",
    "The improvement plan of {name} ({employee}) was written again since: use the new form",
)

_SECTION_GOALS = Text("改进目标", "the improvement goals")
_CHECKPOINT = Text("检查点", "the checkpoint")
_VALUE = Text("内容", "value")

Spot = tuple[int, int, object]


@dataclass(frozen=True)
class PipIndex:
    """The ledger's PIP forms, and the form of each employee's latest PIP."""

    forms: dict[str, PipForm]
    latest: dict[str, str]  # employee id -> form id
    earliest: dt.date | None = None

    @classmethod
    def of(cls, forms: Sequence[PipForm], earliest: dt.date | None = None) -> PipIndex:
        latest = {s.employee_id: f.form_id for f in forms for s in f.sheets}
        return cls({f.form_id: f for f in forms}, latest, earliest)


@dataclass
class PipRead:
    """One accepted PIP sheet: whose, the goals and each checkpoint's result and note."""

    sheet: str
    file_sheet: str
    employee_id: str
    goals: tuple[pp.Goal, ...]
    checkpoints: tuple[pp.Checkpoint, ...]
    data: dict = field(default_factory=dict)

    @property
    def results(self) -> tuple[pp.Result | None, ...]:
        return tuple(c.result for c in self.checkpoints)

    def content_hash(self) -> str:
        text = json.dumps(self.data, ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


def check_pip_book(
    book: Book, result: CheckedReturn, index: PipIndex | None, cycle_id: str, today: dt.date
) -> None:
    """Identify the PIP form and check each of its sheets (appends to ``result``)."""

    def check(sheet: str, employee: str, locked: dict) -> PipRead | None:
        assert index is not None
        form_id = result.form_id or ""
        return PipCheck(book, sheet, result, index, today).run(employee, locked, form_id)

    check_record_book(
        book,
        result,
        kind="pip",
        schema_version=pp.FORM_SCHEMA_VERSION,
        meta_fields=pp.META_FIELDS,
        forms=index.forms if index else None,
        cycle_id=cycle_id,
        check_sheet=check,
    )


class PipCheck(SheetReader):
    """Reads and checks one PIP sheet."""

    def __init__(
        self, book: Book, sheet: str, result: CheckedReturn, index: PipIndex, today: dt.date
    ) -> None:
        super().__init__(book, sheet, result, today, index.earliest)
        self.index = index

    def run(self, employee: str, locked: dict[str, object], form_id: str) -> PipRead | None:
        fields, goals, points = _layout(self.book.values(self.sheet))
        if not fields:
            self.problem(KEYS_MISSING, 0, None, detail="@columns")
            return None
        dates = [str(d) for d in locked.get("checkpoints", [])]  # type: ignore[attr-defined]
        shown = {**locked, "checkpoints": None}
        for name in pp.LOCKED_FIELDS:
            spot = fields.get(name)
            self._locked(spot, Text(*pp.FIELDS[name]), shown.get(name))
        for n, date in enumerate(dates, start=1):
            spot = points[n - 1].get("date") if n <= len(points) else None
            self._locked(spot, Text(f"第 {n} 个检查点", f"checkpoint {n}"), date)
        if self.errors:
            return None
        latest = self.index.latest.get(employee)
        if latest is not None and latest != form_id:
            name = str(locked.get("name", ""))
            self.problem(PIP_OUTDATED, 0, None, name=name, employee=employee)
            return None
        if all(blank(s[2]) for cp in points for k, s in cp.items() if k != "date"):
            return None  # no checkpoint recorded yet
        checkpoints = self._checkpoints(points[: len(dates)], dates)
        goal_rows = self._goals(goals)
        if self.errors:
            return None
        data = {
            "goals": [[g.what, g.measure, _iso(g.deadline), g.support] for g in goal_rows],
            "checkpoints": [[c.date.isoformat(), c.result, c.note] for c in checkpoints],
        }
        return PipRead(self.sheet, self.sheet, employee, tuple(goal_rows), checkpoints, data)

    def _locked(self, spot: Spot | None, label: Text, want: object) -> None:
        got = spot[2] if spot else None
        if isinstance(got, dt.datetime | dt.date):  # a program that turned the text into a date
            got = got.isoformat()[:10]
        if not same_value(want, got):
            self.problem(
                LOCKED_CHANGED,
                spot[0] if spot else 0,
                spot[1] if spot else None,
                item=label,
                field=_VALUE,
                expected=show(want),
                found=show(got),
            )

    def _checkpoints(
        self, points: list[dict[str, Spot]], dates: list[str]
    ) -> tuple[pp.Checkpoint, ...]:
        out: list[pp.Checkpoint] = []
        filled: list[int] = []  # checkpoints with anything chosen or typed as their result
        words = {k: Text(*w) for k, w in pp.CHECKPOINT_COLUMNS.items()}
        allowed = Text(
            " / ".join(w[0] for w in pp.RESULTS.values()),
            " / ".join(w[1] for w in pp.RESULTS.values()),
        )
        for n, (spots, date) in enumerate(zip(points, dates, strict=False), start=1):
            day = dt.date.fromisoformat(date)
            result: pp.Result | None = None
            spot = spots.get("result")
            if spot is not None and self._formula(spot[0], spot[1]):  # no value a reader sees
                filled.append(n)
                self.problem(
                    FORMULA_IN_INPUT, spot[0], spot[1], item=_CHECKPOINT, field=words["result"]
                )
            elif spot is not None and not blank(spot[2]):
                filled.append(n)
                result = pp.parse_result(read_text(spot[2]))
                if result is None:
                    self.problem(
                        NOT_ALLOWED,
                        spot[0],
                        spot[1],
                        allowed=allowed,
                        item=_CHECKPOINT,
                        field=words["result"],
                        value=show(spot[2]),
                    )
                elif day > self.today:
                    self.problem(
                        CHECKPOINT_NOT_DUE, spot[0], spot[1], n=n, date=day, today=self.today
                    )
            note = self._text(spots.get("note"), words["note"], pp.TEXT_MAX_CHARS)
            if result in ("partly", "not_met") and not note and "note" in spots:
                r, c, _ = spots["note"]
                self.problem(REQUIRED_MISSING, r, c, item=_CHECKPOINT, field=words["note"])
            out.append(pp.Checkpoint(day, result, note))
        for n in range(1, len(out) + 1):
            later = [m for m in filled if m > n]
            if n not in filled and later and "result" in points[n - 1]:
                r, col, _ = points[n - 1]["result"]
                self.problem(CHECKPOINT_SKIPPED, r, col, n=n, later=later[0])
                break
        return tuple(out)

    def _goals(self, rows: list[dict[str, Spot]]) -> list[pp.Goal]:
        out = []
        words = {k: Text(*w) for k, w in pp.GOAL_COLUMNS.items()}
        for n, spots in enumerate(rows, start=1):
            if all(blank(v) for (_r, _c, v) in spots.values()):
                continue
            what = self._text(spots.get("what"), words["what"])
            measure = self._text(spots.get("measure"), words["measure"])
            support = self._text(spots.get("support"), words["support"])
            deadline = self._date(spots.get("deadline"), words["deadline"], future=True)
            if not what and "what" in spots:
                r, c, _ = spots["what"]
                self.problem(ROW_INCOMPLETE, r, c, section=_SECTION_GOALS, n=n, item=words["what"])
                continue
            out.append(pp.Goal(what, measure, deadline, support))
        return out


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _layout(
    rows: Sequence[Sequence[object]],
) -> tuple[dict[str, Spot], list[dict[str, Spot]], list[dict[str, Spot]]]:
    """Single fields (name -> (row, col, value)), goal rows and checkpoint rows (column meaning
    -> (row, col, value))."""
    columns: dict[str, int] = {}
    fields: dict[str, Spot] = {}
    goals: list[dict[str, Spot]] = []
    points: list[dict[str, Spot]] = []

    def cells(r: int, names: dict) -> dict[str, Spot]:
        row = rows[r]
        return {m: (r, c, row[c] if c < len(row) else "") for m, c in columns.items() if m in names}

    for r, row in enumerate(rows):
        key = row[0] if row else ""
        if not isinstance(key, str) or not key:
            continue
        key = key.strip()
        if key == layout.COLUMNS_KEY:
            columns = {
                v.strip().lower(): c
                for c, v in enumerate(row)
                if c > 0 and isinstance(v, str) and v.strip()
            }
        elif key.startswith("pip:") and pp.COL_VALUE in columns:
            c = columns[pp.COL_VALUE]
            fields[key[4:]] = (r, c, row[c] if c < len(row) else "")
        elif key.startswith("pipgoal:"):
            goals.append(cells(r, pp.GOAL_COLUMNS))
        elif key.startswith("checkpoint:"):
            points.append(cells(r, pp.CHECKPOINT_COLUMNS))
    return fields, goals, points
