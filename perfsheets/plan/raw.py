"""Plain plan data before it meets the model: percentages as HR types them, and text bounds.

Every plan reader (YAML or Excel) ends with :func:`perfsheets.plan.schema.fit_plan`, which first
passes the data through :func:`tidy`: "20%" where a share or a percentage is meant becomes the
number the model expects, and text longer than a person's name or a comment can be is refused at
its place (a 1 MB name made ``report`` run for minutes).
"""

from __future__ import annotations

import re
from typing import Any

from perfsheets.core.problems import Problem
from perfsheets.plan.problems import TEXT_TOO_LONG
from perfsheets.plan.source import PathKey, PlanSource, located

# Keys whose value is a share of 1 (quota: 0.1): "10%" means 0.1.
FRACTION_KEYS = frozenset({"quota", "share", "target_change_band"})
# Keys whose value is in percentage points (weight: 30, a target of 95 with unit %): "30%" → 30.
PERCENT_KEYS = frozenset({"weight", "kpi", "task", "competency", "target", "baseline"})
PERCENT_PARENTS = frozenset({"rater_weights"})  # every value under these is a weight

# Names, ids, departments, units ... are short; everything else (anchors, consequences,
# comments, descriptions) is a paragraph at most.
SHORT_KEYS = frozenset(
    {"id", "code", "name", "name_en", "department", "role", "manager", "email", "unit", "title"}
    | {"unit_en", "organisation", "rater", "ratee", "owner", "parent", "goal", "scale", "logo"}
)
MAX_SHORT = 100
MAX_LONG = 2000

_PERCENT = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*[%％]\s*$")


_PERCENT_AWARE = FRACTION_KEYS | PERCENT_KEYS


def tidy(data: Any, source: PlanSource | None) -> tuple[Any, list[Problem]]:
    """``data`` with percentage text turned into numbers, and every over-long text as a problem."""
    problems: list[Problem] = []
    # An explicit stack, not recursion; and the common case (a short text under an ordinary
    # key) costs two comparisons: a roster of 10,000 people is 80,000 values.
    stack: list[tuple[Any, PathKey]] = [(data, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            every_weight = bool(path) and path[-1] in PERCENT_PARENTS
            for key, value in node.items():
                if type(value) is str:
                    percent = "%" in value or "％" in value
                    if percent and (every_weight or key in _PERCENT_AWARE):
                        node[key] = _percent(value, str(key), every_weight)
                    if len(value) > MAX_SHORT:
                        _check_length(value, str(key), (*path, key), source, problems)
                elif isinstance(value, dict | list):
                    stack.append((value, (*path, key)))
        elif isinstance(node, list):
            owner = str(path[-1]) if path else ""
            for i, value in enumerate(node):
                if type(value) is str:
                    if len(value) > MAX_SHORT:
                        _check_length(value, owner, (*path, i), source, problems)
                elif isinstance(value, dict | list):
                    stack.append((value, (*path, i)))
    return data, problems


def _percent(text: str, key: str, every_weight: bool) -> Any:
    """A number for "20%" where the key means a share (0.2) or percentage points (20)."""
    match = _PERCENT.match(text)
    if match is None:
        return text  # left for the schema to explain
    number = float(match.group(1))
    return number / 100 if key in FRACTION_KEYS and not every_weight else number


def _check_length(
    text: str, key: str, path: PathKey, source: PlanSource | None, out: list[Problem]
) -> None:
    limit = MAX_SHORT if key in SHORT_KEYS else MAX_LONG
    if len(text) > limit:
        out.append(located(TEXT_TOO_LONG, source, path, field=key, length=len(text), limit=limit))
