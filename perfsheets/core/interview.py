"""Interview records (结果确认 / 面谈记录): the layout contract between the record forms and
collect, and the state of each employee's confirmation (a pure function).

After the results are out, every manager gets one workbook (:mod:`perfsheets.interview`) with a
sheet per employee: the final grade and score (locked), then what manager and employee agreed
in the feedback interview, and both confirmations (name typed and date). Collect
(:mod:`perfsheets.collect.interview`) reads the returned workbooks back by this layout; neither
imports the other.

Layout (like the assessment forms, :mod:`perfsheets.core.layout`):

* the hidden ``_meta`` sheet holds ``key | value`` rows (:data:`META_FIELDS`, among them
  ``form_kind`` = :data:`FORM_KIND`), then after ``@sheets`` one row per record sheet:
  ``sheet name | employee id``;
* on a record sheet, hidden column A holds keys; a row whose key is ``@columns`` names the
  meaning of each column for the rows below it. Single fields (:data:`FIELDS`) are read from the
  ``value`` column; improvement actions (``action:1`` …) and next-cycle goals (``goal:1`` …) from
  their own columns (:data:`ACTION_COLUMNS`, :data:`GOAL_COLUMNS`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from perfsheets.core import records
from perfsheets.core.records import Choices, Improvement, RowKey, StateTally, improvement_columns

FORM_SCHEMA_VERSION = 1
FORM_KIND = "interview"
META_FIELDS = records.META_FIELDS  # shared with core.pip
COL_VALUE = records.COL_VALUE
TEXT_MAX_CHARS = records.TEXT_MAX_CHARS
KIND_KEY = "form_kind"  # a _meta key: which kind of form (assessment forms have none)

# Single-value rows: key -> (Chinese label, English label)
LOCKED_FIELDS = ("employee_id", "name", "department", "grade", "score")
INPUT_FIELDS = (
    "interview_date",
    "view",
    "reason",
    "manager_comment",
    "employee_comment",
    "manager_name",
    "manager_date",
    "employee_name",
    "employee_date",
)
FIELDS: dict[str, tuple[str, str]] = {
    **records.EMPLOYEE_FIELDS,
    "score": ("总分", "Total score"),
    "interview_date": ("面谈日期", "Interview date"),
    "view": ("员工对结果的意见", "Employee's view of the result"),
    "reason": ("意见说明（有异议时必填）", "Reason (required when disagreeing)"),
    "manager_comment": ("上级意见", "Manager's comments"),
    "employee_comment": ("员工意见", "Employee's comments"),
    "manager_name": ("上级确认（姓名）", "Manager confirms (name)"),
    "manager_date": ("上级确认日期", "Manager's date"),
    "employee_name": ("员工确认（姓名）", "Employee confirms (name)"),
    "employee_date": ("员工确认日期", "Employee's date"),
}

field_key, action_key, goal_key = RowKey("iv"), RowKey("action"), RowKey("goal")
DATE_FIELDS = ("interview_date", "manager_date", "employee_date")
TEXT_FIELDS = ("reason", "manager_comment", "employee_comment")

ACTION_ROWS = 4  # improvement actions on a sheet
GOAL_ROWS = 5  # next-cycle goals on a sheet
ACTION_COLUMNS = improvement_columns(("改进事项", "Improvement action"))
GOAL_COLUMNS: dict[str, tuple[str, str]] = {
    "goal": ("KPI 或重点工作", "KPI or key task"),
    "target": ("目标", "Target"),
    "weight": ("权重 (%)", "Weight (%)"),
}

View = Literal["agree", "disagree"]
VIEWS: dict[View, tuple[str, str]] = {
    "agree": ("同意", "Agree"),
    "disagree": ("有异议", "Disagree"),
}


view_label = Choices(VIEWS).word
parse_view = Choices(VIEWS).parse  # a typed or chosen word in either language


Action = Improvement  # an improvement action agreed in the interview


@dataclass(frozen=True)
class NextGoal:
    goal: str
    target: str = ""
    weight: float | None = None


@dataclass(frozen=True)
class RecordValues:
    """What a returned interview record says (every field optional until checked)."""

    employee_id: str
    interview_date: dt.date | None = None
    view: View | None = None
    reason: str = ""
    actions: tuple[Action, ...] = ()
    goals: tuple[NextGoal, ...] = ()
    manager_comment: str = ""
    employee_comment: str = ""
    manager_name: str = ""
    manager_date: dt.date | None = None
    employee_name: str = ""
    employee_date: dt.date | None = None

    @property
    def confirmed_by_both(self) -> bool:
        return bool(
            self.manager_name and self.manager_date and self.employee_name and self.employee_date
        )


# --- states -------------------------------------------------------------------------------------

State = Literal["pending", "interviewed", "confirmed", "disputed", "overdue"]
STATES: tuple[State, ...] = ("pending", "interviewed", "confirmed", "disputed", "overdue")
STATE_WORDS: dict[State, tuple[str, str]] = {
    "pending": ("待面谈", "interview pending"),
    "interviewed": ("已面谈待确认", "interviewed, awaiting confirmation"),
    "confirmed": ("已确认", "confirmed"),
    "disputed": ("有异议", "disputed"),
    "overdue": ("超期", "overdue"),
}


@dataclass(frozen=True)
class StateInputs:
    """What decides an employee's state: the record in force (None: none returned)."""

    interview_date: dt.date | None = None
    view: View | None = None
    confirmed_by_both: bool = False


def interview_state(record: StateInputs | None, deadline: dt.date | None, today: dt.date) -> State:
    """待面谈 → 已面谈待确认 → 已确认 / 有异议, or 超期 past the deadline.

    * no record, or a record without an interview date: ``pending``;
    * the employee disagrees: ``disputed`` (final for this step: an appeal takes over);
    * both confirmed and the employee agrees: ``confirmed``;
    * otherwise (interviewed, not confirmed by both): ``interviewed``;
    * ``pending`` and ``interviewed`` become ``overdue`` after the confirmation deadline (the
      deadline day itself still counts as in time).
    """
    if record is not None and record.interview_date is not None:
        if record.view == "disagree":
            return "disputed"
        if record.view == "agree" and record.confirmed_by_both:
            return "confirmed"
    if deadline is not None and today > deadline:
        return "overdue"
    if record is None or record.interview_date is None:
        return "pending"
    return "interviewed"


state_word = Choices(STATE_WORDS).word


@dataclass
class StateCounts(StateTally[State]):
    """How many employees of a group are in each state."""

    counts: dict[State, int] = field(default_factory=lambda: dict.fromkeys(STATES, 0))
