"""The cross-field rules of a plan that does not fit the model yet, so one ``check`` shows the
schema errors *and* the unknown roles, managers and weights not summing to 100 together.

The items the model refuses are set aside (a bad optional value falls back to its default, an
item missing something required is left out), the rest is validated as usual, and every problem
is placed back at its place in the file. Problems that only follow from an item set aside
(the manager of someone whose row is broken "is not on the roster") are dropped: the schema
error already points at the row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError

from perfsheets.core.model import Plan
from perfsheets.core.problems import Problem, Report
from perfsheets.plan.problems import DATES_ORDER, DUE_BEFORE_START
from perfsheets.plan.schema import error_path
from perfsheets.plan.source import LoadedPlan, PathKey, PlanSource

DATES_GUESSED = "\0dates"  # marks, among the ids set aside, that a cycle date was stood in for
ROUNDS = 4  # a bad value dropped may reveal a missing one: a few rounds, never a loop
_ID_KEYS = ("id", "code")


def partial_check(
    loaded: LoadedPlan, validate_plan: Callable[[Plan, PlanSource], Report]
) -> list[Problem]:
    """Cross-field problems of a plan whose data does not fit the model (none if nothing is
    left to check), found by ``validate_plan`` (passed in by :mod:`perfsheets.plan.validate`,
    which uses this module: no import cycle)."""
    data = loaded.data
    if loaded.plan is not None or not isinstance(data, dict):
        return []
    origins = _origins(data)
    set_aside: set[str] = set()
    plan = None
    for _ in range(ROUNDS):
        try:
            plan = Plan.model_validate(data)
            break
        except ValidationError as exc:
            if not _set_aside(data, exc, set_aside):
                return []
    if plan is None:
        return []
    source = _PrunedSource(loaded.source, data, origins)
    found = validate_plan(plan, source)
    return [p for p in found if not _follows_from(p, set_aside)]


def _origins(data: Any) -> dict[int, PathKey]:
    """The path of every dict and list of the data, by identity (kept while items go)."""
    found: dict[int, PathKey] = {}
    stack: list[tuple[Any, PathKey]] = [(data, ())]
    while stack:
        node, path = stack.pop()
        found[id(node)] = path
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            if isinstance(value, dict | list):
                stack.append((value, (*path, key)))
    return found


def _set_aside(data: dict[str, Any], exc: ValidationError, ids: set[str]) -> bool:
    """Drop what each error points at; False when an error cannot be set aside."""
    doomed: list[tuple[list[Any], Any]] = []
    for err in exc.errors(include_url=False):
        trail = _trail(data, error_path(err["loc"]))
        if trail is None:
            return False
        leaf_parent, leaf_key = trail[-1]
        if trail[0][1] == "cycle" and len(trail) == 2 and err["type"].startswith("date"):
            # A cycle date typed wrong: any date lets the rest be checked; the rules comparing
            # the cycle's dates are then meaningless and dropped (see _follows_from).
            leaf_parent[leaf_key] = dt.date(2000, 1, 1)
            ids.add(DATES_GUESSED)
            continue
        if err["type"] != "missing" and isinstance(leaf_parent, dict) and leaf_key in leaf_parent:
            del leaf_parent[leaf_key]  # a bad optional value: its default applies next round
            continue
        item = next(
            ((c, k) for c, k in reversed(trail) if isinstance(c, list) and isinstance(c[k], dict)),
            None,
        )
        if item is None:
            return False  # e.g. the cycle has no start date: nothing sensible to check
        container, index = item
        doomed.append((container, container[index]))
    for container, obj in doomed:
        ids.update(str(obj[k]) for k in _ID_KEYS if isinstance(obj.get(k), str | int))
        container[:] = [x for x in container if x is not obj]
    return True


_GONE = object()


def _step(node: Any, part: Any) -> Any:
    """``node[part]`` for a dict key or a list index; _GONE when there is none."""
    if isinstance(node, dict):
        return node.get(part, _GONE)
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return _GONE


def _trail(data: Any, path: PathKey) -> list[tuple[Any, Any]] | None:
    """(container, key) of each step of a path into the data; None when it leaves the data."""
    trail: list[tuple[Any, Any]] = []
    node = data
    for part in path:
        trail.append((node, part))
        found = _step(node, part)
        if found is _GONE:
            return trail if isinstance(node, dict) else None  # a missing key: the last step
        node = found
    return trail


def _follows_from(problem: Problem, set_aside: set[str]) -> bool:
    if DATES_GUESSED in set_aside and problem.code in (DATES_ORDER.code, DUE_BEFORE_START.code):
        return True
    return any(isinstance(v, str) and v in set_aside for v in problem.params.values())


class _PrunedSource(PlanSource):
    """The plan file's source, for paths into the data with some items set aside."""

    def __init__(self, source: PlanSource, data: Any, origins: Mapping[int, PathKey]) -> None:
        super().__init__(
            file=source.file,
            kind=source.kind,
            cells=source.cells,
            rows=source.rows,
            missing_columns=source.missing_columns,
            text=source.text,
        )
        self._data = data
        self._origins = origins

    def locate(self, path: PathKey) -> tuple[str, str, str]:
        return super().locate(self.original(path))

    def original(self, path: PathKey) -> PathKey:
        """The path in the file of a path into the pruned data."""
        node, depth = self._data, 0
        for part in path:
            found = _step(node, part)
            if not isinstance(found, dict | list):
                break
            node, depth = found, depth + 1
        return (*self._origins.get(id(node), path[:depth]), *path[depth:])
