"""Performance improvement plans (绩效改进计划, PIP): the layout contract between the PIP
workbooks and collect, the checkpoint dates, and the state of a PIP (a pure function).

Employees whose final grade is one of ``consequences.pip_grades`` get a PIP: one workbook per
manager (:mod:`perfsheets.pip`), a sheet per employee with the goals (taken from the improvement
actions agreed in the interview record), the dated checkpoints (``pip.checkpoints`` evenly over
``pip.length_days``; the last on the end date) and the owner (the manager). At each checkpoint
the manager records the result (达成 / 部分达成 / 未达成) and a note; collect
(:mod:`perfsheets.collect.pip`) reads the returns back by this layout.

Layout (like the interview records, :mod:`perfsheets.core.interview`): the hidden ``_meta``
sheet holds ``key | value`` rows (:data:`META_FIELDS`, ``form_kind`` = :data:`FORM_KIND`), then
after ``@sheets`` one row per sheet; on a sheet, hidden column A holds keys (``pip:<field>``,
``pipgoal:<n>``, ``checkpoint:<n>``) and ``@columns`` rows name the columns below them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from perfsheets.core import records
from perfsheets.core.records import Choices, Improvement, RowKey, StateTally, improvement_columns

FORM_SCHEMA_VERSION = 1
FORM_KIND = "pip"
META_FIELDS = records.META_FIELDS  # shared with core.interview
COL_VALUE = records.COL_VALUE
TEXT_MAX_CHARS = records.TEXT_MAX_CHARS

LOCKED_FIELDS = ("employee_id", "name", "department", "grade", "owner", "start", "end")
FIELDS: dict[str, tuple[str, str]] = {
    **records.EMPLOYEE_FIELDS,
    "owner": ("负责人（上级）", "Owner (manager)"),
    "start": ("开始日期", "Start"),
    "end": ("结束日期", "End"),
}
field_key, goal_key = RowKey("pip"), RowKey("pipgoal")
checkpoint_key = RowKey("checkpoint")

GOAL_ROWS = 4
GOAL_COLUMNS = improvement_columns(("改进目标", "Improvement goal"))
CHECKPOINT_COLUMNS: dict[str, tuple[str, str]] = {
    "date": ("检查日期", "Checkpoint date"),
    "result": ("结果", "Result"),
    "note": ("说明", "Notes"),
}

Result = Literal["met", "partly", "not_met"]
RESULTS: dict[Result, tuple[str, str]] = {
    "met": ("达成", "Met"),
    "partly": ("部分达成", "Partly met"),
    "not_met": ("未达成", "Not met"),
}


result_word = Choices(RESULTS).word
parse_result = Choices(RESULTS).parse  # a chosen or typed word in either language


def checkpoint_dates(start: dt.date, length_days: int, count: int) -> tuple[dt.date, ...]:
    """``count`` checkpoints evenly spread over the PIP, the last on its end date."""
    return tuple(
        start + dt.timedelta(days=round(length_days * n / count)) for n in range(1, count + 1)
    )


Goal = Improvement  # an improvement goal of the PIP


@dataclass(frozen=True)
class Checkpoint:
    date: dt.date
    result: Result | None = None
    note: str = ""


# --- states -------------------------------------------------------------------------------------

State = Literal["open", "completed", "failed", "overdue"]
STATES: tuple[State, ...] = ("open", "completed", "failed", "overdue")
STATE_WORDS: dict[State, tuple[str, str]] = {
    "open": ("进行中", "open"),
    "completed": ("已达成", "completed"),
    "failed": ("未达成", "failed"),
    "overdue": ("超期", "overdue"),
}


def pip_state(results: Sequence[Result | None], end: dt.date, today: dt.date) -> State:
    """进行中 → 已达成 / 未达成, or 超期 when still open after its end date.

    ``results`` are the recorded results of the checkpoints in order (None: not recorded yet).
    The last checkpoint (on the end date) decides: 达成 there is ``completed``; 部分达成 or
    未达成 there is ``failed`` (the goals were not all met by the end). Until the last one is
    recorded the PIP is ``open``, and ``overdue`` from the day after its end date.
    """
    last = results[-1] if results else None
    if last == "met":
        return "completed"
    if last in ("partly", "not_met"):
        return "failed"
    return "overdue" if today > end else "open"


def stored_state(results: Sequence[str | None], end: str, today: dt.date) -> State:
    """:func:`pip_state` of a PIP as the ledger keeps it (result codes, the end as ISO text)."""
    known: list[Result | None] = [r if r in RESULTS else None for r in results]
    return pip_state(known, dt.date.fromisoformat(end), today)


state_word = Choices(STATE_WORDS).word


@dataclass
class StateCounts(StateTally[State]):
    """How many PIPs are in each state."""

    counts: dict[State, int] = field(default_factory=lambda: dict.fromkeys(STATES, 0))
