"""Checking a returned interview record workbook (面谈记录): identified by its ``_meta`` sheet
(``form_kind`` = interview), read by the layout of :mod:`perfsheets.core.interview`, every input
checked; an accepted sheet becomes one :class:`RecordRead` for the store.

Per sheet (one employee), the errors that send the sheet back alone: a date that is not a date
or lies outside the cycle (``bad-date``, ``date-out-of-range``), the view not one of the choices,
a disagreement without a reason, an interview date missing while the rest is filled in, half a
confirmation (a name without a date or the other way round), a confirmation dated before the
interview, incomplete goal or action rows, goal weights that do not sum to 100, text too long, a
formula typed into an input. A sheet left empty is simply not returned yet. A sheet interviewed
but not confirmed by both is accepted with a ``confirmation-missing`` warning (its employee is
then 已面谈待确认). Changed locked cells (the result) reject the whole file, as in assessment
forms; a record of a result that has changed since (a new consolidation or calibration) is
``record-outdated``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from perfsheets.collect.book import Book
from perfsheets.collect.outcome import CheckedReturn
from perfsheets.collect.problems import (
    KEYS_MISSING,
    LOCKED_CHANGED,
    NOT_A_NUMBER,
    NOT_ALLOWED,
    REQUIRED_MISSING,
)
from perfsheets.collect.record_sheets import (
    BAD_DATE,
    DATE_OUT_OF_RANGE,
    ROW_INCOMPLETE,
    SheetReader,
    check_record_book,
    field_label,
    meta_kind,
)
from perfsheets.collect.values import blank, read_text, same_value, show
from perfsheets.core import interview as iv
from perfsheets.core import layout
from perfsheets.core.problems import Text, problem_type
from perfsheets.ledger.interviews import InterviewForm

CONFIRMATION_INCOMPLETE = problem_type(
    "confirmation-incomplete",
    "error",
    "确认不完整",
    "Confirmation incomplete",
    "{who}的确认需要姓名和日期：请填写{item}",
    "The {who}'s confirmation needs a name and a date: fill in {item}",
)
CONFIRMATION_MISSING = problem_type(
    "confirmation-missing",
    "warning",
    "尚未双方确认",
    "Not yet confirmed by both",
    "已记录面谈，但{who}尚未确认（{item}为空）：双方填写姓名和日期后再交回，结果才算确认",
    "The interview is recorded but the {who} has not confirmed it ({item} is empty): the result "
    "counts as confirmed once both have typed their name and date",
)
DATE_BEFORE_INTERVIEW = problem_type(
    "date-before-interview",
    "error",
    "确认早于面谈",
    "Confirmed before the interview",
    "{item} {value} 早于面谈日期 {interview}",
    "{item} {value} is before the interview date {interview}",
)
GOAL_WEIGHTS = problem_type(
    "goal-weights",
    "error",
    "权重合计不为 100",
    "Weights do not sum to 100",
    "下期目标的权重合计为 {total}，应为 100",
    "The weights of the next-cycle goals sum to {total}, not 100",
)
RECORD_OUTDATED = problem_type(
    "record-outdated",
    "error",
    "结果已变更",
    "Result changed since",
    "{name}（{employee}）的结果自此表生成后已变更（现为 {grade}）：请使用新下发的面谈记录表",
    "The result of {name} ({employee}) changed after this form was written (now {grade}): use "
    "the interview record form sent again",
)

SHEET_ERRORS = frozenset(
    {
        BAD_DATE.code,
        DATE_OUT_OF_RANGE.code,
        CONFIRMATION_INCOMPLETE.code,
        DATE_BEFORE_INTERVIEW.code,
        ROW_INCOMPLETE.code,
        GOAL_WEIGHTS.code,
        RECORD_OUTDATED.code,
    }
)

_SECTION_ACTIONS = Text("改进计划", "the improvement actions")
_SECTION_GOALS = Text("下期目标", "the next-cycle goals")
_VALUE = Text("内容", "value")
_WHO = {"manager": Text("上级", "manager"), "employee": Text("员工", "employee")}


@dataclass(frozen=True)
class InterviewIndex:
    """The ledger's record forms, and each employee's latest locked values; what a worker needs."""

    forms: dict[str, InterviewForm]
    latest: dict[str, str]  # employee id -> locked JSON of the latest sheet written for them
    earliest: dt.date | None = None  # no date of the record may be before (the cycle's start)

    @classmethod
    def of(cls, forms: Sequence[InterviewForm], earliest: dt.date | None = None) -> InterviewIndex:
        latest = {s.employee_id: s.locked_json for f in forms for s in f.sheets}
        return cls({f.form_id: f for f in forms}, latest, earliest)


@dataclass
class RecordRead:
    """One accepted record sheet: whose, where, and the values (as stored, JSON-ready)."""

    sheet: str
    file_sheet: str
    employee_id: str
    values: iv.RecordValues
    data: dict = field(default_factory=dict)

    def content_hash(self) -> str:
        import hashlib

        text = json.dumps(self.data, ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


def is_interview_meta(book: Book) -> bool:
    """Whether the workbook's ``_meta`` sheet says it is an interview record."""
    return meta_kind(book) == iv.FORM_KIND


def check_interview_book(
    book: Book, result: CheckedReturn, index: InterviewIndex | None, cycle_id: str, today: dt.date
) -> None:
    """Identify the record form and check each of its sheets (appends to ``result``)."""

    def check(sheet: str, employee: str, locked: dict) -> RecordRead | None:
        assert index is not None
        return RecordCheck(book, sheet, result, index, today).run(employee, locked)

    check_record_book(
        book,
        result,
        kind="interview",
        schema_version=iv.FORM_SCHEMA_VERSION,
        meta_fields=iv.META_FIELDS,
        forms=index.forms if index else None,
        cycle_id=cycle_id,
        check_sheet=check,
    )


class RecordCheck(SheetReader):
    """Reads and checks one interview record sheet."""

    def __init__(
        self,
        book: Book,
        sheet: str,
        result: CheckedReturn,
        index: InterviewIndex,
        today: dt.date,
    ) -> None:
        super().__init__(book, sheet, result, today, index.earliest)
        self.index = index

    def run(self, employee: str, locked: dict[str, object]) -> RecordRead | None:
        rows = self.book.values(self.sheet)
        fields, actions, goals, total_row = _layout(rows)
        if not fields:
            self.problem(KEYS_MISSING, 0, None, detail="@columns")
            return None
        # the locked result: unchanged on the sheet, and still the employee's result
        for name in iv.LOCKED_FIELDS:
            spot = fields.get(name)
            want = locked.get(name)
            got = spot[2] if spot else None
            if not same_value(want, got):
                self.problem(
                    LOCKED_CHANGED,
                    spot[0] if spot else 0,
                    spot[1] if spot else None,
                    item=field_label(name),
                    field=Text("内容", "value"),
                    expected=show(want),
                    found=show(got),
                )
        if self.errors:
            return None
        latest = self.index.latest.get(employee)
        if latest is not None and json.loads(latest) != locked:
            now = json.loads(latest)
            self.problem(
                RECORD_OUTDATED,
                0,
                None,
                name=str(locked.get("name", "")),
                employee=employee,
                grade=str(now.get("grade", "?")),
            )
            return None
        inputs = [fields[n][2] for n in iv.INPUT_FIELDS if n in fields]
        inputs += [v for spots in actions for (_r, _c, v) in spots.values()]
        inputs += [v for spots in goals for (_r, _c, v) in spots.values()]
        if all(blank(v) for v in inputs):
            return None  # not filled in yet
        values, data = self._read(fields, actions, goals, total_row, employee)
        return RecordRead(self.sheet, self.sheet, employee, values, data) if values else None

    # reading -----------------------------------------------------------------------------------

    def _read(
        self,
        fields: dict[str, tuple[int, int, object]],
        actions: list[dict[str, tuple[int, int, object]]],
        goals: list[dict[str, tuple[int, int, object]]],
        total_row: int | None,
        employee: str,
    ) -> tuple[iv.RecordValues | None, dict]:
        dates = {n: self._date(fields.get(n), field_label(n)) for n in iv.DATE_FIELDS}
        texts = {
            n: self._text(fields.get(n), n)
            for n in (
                "reason",
                "manager_comment",
                "employee_comment",
                "manager_name",
                "employee_name",
            )
        }
        interview = dates["interview_date"]
        where = fields.get("interview_date")
        if interview is None and where and blank(where[2]):
            self.problem(
                REQUIRED_MISSING,
                where[0],
                where[1],
                item=field_label("interview_date"),
                field=_VALUE,
            )
        view: iv.View | None = None
        spot = fields.get("view")
        if spot is not None and not blank(spot[2]):
            view = iv.parse_view(read_text(spot[2]))
            if view is None:
                allowed = Text(
                    " / ".join(w[0] for w in iv.VIEWS.values()),
                    " / ".join(w[1] for w in iv.VIEWS.values()),
                )
                self.problem(
                    NOT_ALLOWED,
                    spot[0],
                    spot[1],
                    allowed=allowed,
                    item=field_label("view"),
                    field=_VALUE,
                    value=show(spot[2]),
                )
        elif spot is not None and interview is not None:
            self.problem(REQUIRED_MISSING, spot[0], spot[1], item=field_label("view"), field=_VALUE)
        if view == "disagree" and not texts["reason"] and "reason" in fields:
            r, c, _ = fields["reason"]
            self.problem(REQUIRED_MISSING, r, c, item=field_label("reason"), field=_VALUE)
        # confirmations: a name and a date each, not before the interview
        for who in ("manager", "employee"):
            name, date = texts[f"{who}_name"], dates[f"{who}_date"]
            name_spot, date_spot = fields.get(f"{who}_name"), fields.get(f"{who}_date")
            date_blank = date_spot is None or blank(date_spot[2])
            if name and date_blank and date_spot:
                self.problem(
                    CONFIRMATION_INCOMPLETE,
                    date_spot[0],
                    date_spot[1],
                    who=_WHO[who],
                    item=field_label(f"{who}_date"),
                )
            elif date is not None and not name and name_spot:
                self.problem(
                    CONFIRMATION_INCOMPLETE,
                    name_spot[0],
                    name_spot[1],
                    who=_WHO[who],
                    item=field_label(f"{who}_name"),
                )
            if date is not None and interview is not None and date < interview and date_spot:
                self.problem(
                    DATE_BEFORE_INTERVIEW,
                    date_spot[0],
                    date_spot[1],
                    item=field_label(f"{who}_date"),
                    value=date,
                    interview=interview,
                )
        action_rows = self._actions(actions)
        goal_rows = self._goals(goals, total_row)
        if self.errors:
            return None, {}
        values = iv.RecordValues(
            employee_id=employee,
            interview_date=interview,
            view=view,
            reason=texts["reason"],
            actions=tuple(action_rows),
            goals=tuple(goal_rows),
            manager_comment=texts["manager_comment"],
            employee_comment=texts["employee_comment"],
            manager_name=texts["manager_name"],
            manager_date=dates["manager_date"],
            employee_name=texts["employee_name"],
            employee_date=dates["employee_date"],
        )
        if interview is not None and not values.confirmed_by_both:
            for who in ("manager", "employee"):
                if not (texts[f"{who}_name"] and dates[f"{who}_date"]):
                    spot = fields.get(f"{who}_name")
                    self.problem(
                        CONFIRMATION_MISSING,
                        spot[0] if spot else 0,
                        spot[1] if spot else None,
                        who=_WHO[who],
                        item=field_label(f"{who}_name"),
                    )
                    break
        return values, record_data(values)

    def _actions(self, rows: list[dict[str, tuple[int, int, object]]]) -> list[iv.Action]:
        out = []
        for n, spots in enumerate(rows, start=1):
            if all(blank(v) for (_r, _c, v) in spots.values()):
                continue
            words = {k: Text(*w) for k, w in iv.ACTION_COLUMNS.items()}
            what = self._text(spots.get("what"), words["what"])
            measure = self._text(spots.get("measure"), words["measure"])
            support = self._text(spots.get("support"), words["support"])
            deadline = self._date(spots.get("deadline"), words["deadline"], future=True)
            if not what and "what" in spots:
                r, c, _ = spots["what"]
                self.problem(
                    ROW_INCOMPLETE, r, c, section=_SECTION_ACTIONS, n=n, item=words["what"]
                )
                continue
            out.append(iv.Action(what, measure, deadline, support))
        return out

    def _goals(
        self, rows: list[dict[str, tuple[int, int, object]]], total_row: int | None
    ) -> list[iv.NextGoal]:
        out: list[iv.NextGoal] = []
        errors_before = self.errors
        words = {k: Text(*w) for k, w in iv.GOAL_COLUMNS.items()}
        last = None
        for n, spots in enumerate(rows, start=1):
            if all(blank(v) for (_r, _c, v) in spots.values()):
                continue
            goal = self._text(spots.get("goal"), words["goal"])
            target = self._text(spots.get("target"), words["target"])
            weight: float | None = None
            spot = spots.get("weight")
            if spot is not None:
                last = spot
                r, c, raw = spot
                if isinstance(raw, int | float) and not isinstance(raw, bool):
                    weight = float(raw)
                elif not blank(raw):
                    text = unicodedata.normalize("NFKC", str(raw)).strip().rstrip("%")
                    try:
                        weight = float(text)
                    except ValueError:
                        self.problem(
                            NOT_A_NUMBER,
                            r,
                            c,
                            item=words["goal"],
                            field=words["weight"],
                            value=show(raw),
                        )
                        continue
            missing = "goal" if not goal else ("weight" if weight is None else "")
            if missing and missing in spots:
                r, c, _ = spots[missing]
                self.problem(ROW_INCOMPLETE, r, c, section=_SECTION_GOALS, n=n, item=words[missing])
                continue
            out.append(iv.NextGoal(goal, target, weight))
        total = sum(g.weight or 0 for g in out)
        if out and not math.isclose(total, 100, abs_tol=1e-6) and self.errors == errors_before:
            row = total_row if total_row is not None else (last[0] if last else 0)
            col = last[1] if last else None
            self.problem(GOAL_WEIGHTS, row, col, total=show(float(total)))
        return out


def record_data(values: iv.RecordValues) -> dict:
    """A record's values as stored in the ledger (JSON: dates as ISO text)."""

    def day(d: dt.date | None) -> str | None:
        return d.isoformat() if d else None

    return {
        "interview_date": day(values.interview_date),
        "view": values.view,
        "reason": values.reason,
        "actions": [[a.what, a.measure, day(a.deadline), a.support] for a in values.actions],
        "goals": [[g.goal, g.target, g.weight] for g in values.goals],
        "manager_comment": values.manager_comment,
        "employee_comment": values.employee_comment,
        "manager_name": values.manager_name,
        "manager_date": day(values.manager_date),
        "employee_name": values.employee_name,
        "employee_date": day(values.employee_date),
    }


def _layout(
    rows: Sequence[Sequence[object]],
) -> tuple[
    dict[str, tuple[int, int, object]],
    list[dict[str, tuple[int, int, object]]],
    list[dict[str, tuple[int, int, object]]],
    int | None,
]:
    """Single fields (name -> (row, col, value)), action rows and goal rows (column meaning ->
    (row, col, value)), and the row after the last goal (the weight total)."""
    columns: dict[str, int] = {}
    fields: dict[str, tuple[int, int, object]] = {}
    actions: list[dict[str, tuple[int, int, object]]] = []
    goals: list[dict[str, tuple[int, int, object]]] = []
    total_row = None

    def cell(r: int, c: int) -> tuple[int, int, object]:
        row = rows[r]
        return r, c, row[c] if c < len(row) else ""

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
        elif key.startswith("iv:") and iv.COL_VALUE in columns:
            fields[key[3:]] = cell(r, columns[iv.COL_VALUE])
        elif key.startswith("action:"):
            actions.append({m: cell(r, c) for m, c in columns.items() if m in iv.ACTION_COLUMNS})
        elif key.startswith("goal:"):
            goals.append({m: cell(r, c) for m, c in columns.items() if m in iv.GOAL_COLUMNS})
            total_row = r + 1
    return fields, actions, goals, total_row
