"""What the record forms (interview records, :mod:`perfsheets.core.interview`; improvement
plans, :mod:`perfsheets.core.pip`) share in their layout: the ``_meta`` fields, the ``value``
column, keys made of a prefix and a part, the improvement rows, and the count of people per
state. Each stage keeps its own fields, labels and states.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from perfsheets.core.i18n import choice_word, parse_choice

# The _meta fields of a record workbook (assessment forms have their own, core.layout).
META_FIELDS = (
    "schema_version",
    "form_kind",
    "form_id",
    "cycle_id",
    "plan_version",
    "plan_digest",
    "run_id",
    "manager_id",
    "manager_name",
    "language",
    "generated_at",
)
COL_VALUE = "value"  # the column single fields are read from
# The locked fields every record sheet starts with: who, and the final grade.
EMPLOYEE_FIELDS: dict[str, tuple[str, str]] = {
    "employee_id": ("工号", "Employee ID"),
    "name": ("姓名", "Name"),
    "department": ("部门", "Department"),
    "grade": ("最终等级", "Final grade"),
}
TEXT_MAX_CHARS = 500

# The columns of an improvement row (the interview's actions, the PIP's goals); each stage
# names the first column in its own words.
IMPROVEMENT_COLUMNS: dict[str, tuple[str, str]] = {
    "measure": ("衡量标准", "Measure"),
    "deadline": ("完成期限", "Deadline"),
    "support": ("所需支持", "Support needed"),
}


def improvement_columns(what: tuple[str, str]) -> dict[str, tuple[str, str]]:
    """The improvement columns, the first (``what``) labelled by the stage."""
    return {"what": what, **IMPROVEMENT_COLUMNS}


@dataclass(frozen=True)
class RowKey:
    """The key in hidden column A of a row: ``prefix:part`` (e.g. ``iv:view``, ``goal:2``)."""

    prefix: str

    def __call__(self, part: str | int) -> str:
        return f"{self.prefix}:{part}"


@dataclass(frozen=True)
class Improvement:
    """An improvement row as returned: what, how it is measured, by when, with what support."""

    what: str
    measure: str = ""
    deadline: dt.date | None = None
    support: str = ""


S = TypeVar("S", bound=str)


@dataclass(frozen=True)
class Choices(Generic[S]):
    """A (zh, en) choice table of a record form (a view, a result, a state): its words."""

    table: Mapping[S, tuple[str, str]]

    def word(self, key: S, lang: str) -> str:
        return choice_word(self.table, key, lang)

    def parse(self, text: str) -> S | None:
        """The key for a chosen or typed word in either language (case and spaces ignored)."""
        return parse_choice(self.table, text)


@dataclass
class StateTally(Generic[S]):
    """How many of a group are in each state (a subclass gives every state a 0 to start)."""

    counts: dict[S, int]

    def add(self, state: S) -> None:
        self.counts[state] += 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())
