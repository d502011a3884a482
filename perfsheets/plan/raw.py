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


def tidy(data: Any, source: PlanSource | None) -> tuple[Any, list[Problem]]:
    """``data`` with percentage text turned into numbers, and every over-long text as a problem."""
    problems: list[Problem] = []
    # An explicit stack, not recursion: a roster of 10,000 people is 80,000 values.
    stack: list[tuple[Any, PathKey]] = [(data, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            parent = path[-1] if path else ""
            for key, value in node.items():
                if isinstance(value, str):
                    node[key] = _value(value, str(key), str(parent), (*path, key), source, problems)
                elif isinstance(value, dict | list):
                    stack.append((value, (*path, key)))
        elif isinstance(node, list):
            owner = str(path[-1]) if path else ""
            for i, value in enumerate(node):
                if isinstance(value, str):
                    _check_length(value, owner, (*path, i), source, problems)
                elif isinstance(value, dict | list):
                    stack.append((value, (*path, i)))
    return data, problems


def _value(
    text: str, key: str, parent: str, path: PathKey, source: PlanSource | None, out: list[Problem]
) -> Any:
    match = _PERCENT.match(text) if "%" in text or "％" in text else None
    if match is not None:
        number = float(match.group(1))
        if key in FRACTION_KEYS:
            return number / 100
        if key in PERCENT_KEYS or parent in PERCENT_PARENTS:
            return number
    _check_length(text, key, path, source, out)
    return text


def _check_length(
    text: str, key: str, path: PathKey, source: PlanSource | None, out: list[Problem]
) -> None:
    limit = MAX_SHORT if key in SHORT_KEYS else MAX_LONG
    if len(text) > limit:
        out.append(located(TEXT_TOO_LONG, source, path, field=key, length=len(text), limit=limit))
