"""What the record forms (interview records, :mod:`perfsheets.core.interview`; improvement
plans, :mod:`perfsheets.core.pip`) share in their layout: the ``_meta`` fields, the ``value``
column, keys made of a prefix and a part, the improvement rows, and the count of people per
state. Each stage keeps its own fields, labels and states.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Generic, TypeVar

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


@dataclass
class StateTally(Generic[S]):
    """How many of a group are in each state (a subclass gives every state a 0 to start)."""

    counts: dict[S, int]

    def add(self, state: S) -> None:
        self.counts[state] += 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())
