"""What every cross-field rule of a plan reports through: the plan's indexes, located problems,
and the checks the rules share (unique ids, weights summing to 100, known scales, goals and roles,
usable KPI targets).

A rule never stops at the first mistake: it adds each problem at its model path, which the plan's
:class:`~perfsheets.plan.source.PlanSource` turns into a YAML line or a sheet and cell.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from perfsheets.core.model import Employee, Kpi, Plan
from perfsheets.core.problems import Problem, ProblemType
from perfsheets.core.raters import Assignment, build_assignments
from perfsheets.core.rules import (
    BandsRule,
    ChangeBandsRule,
    LinearRule,
    PassFailRule,
    ThresholdRule,
)
from perfsheets.plan.problems import (
    DUPLICATE_ID,
    MISSING_TARGET,
    UNKNOWN_GOAL,
    UNKNOWN_ROLE,
    UNKNOWN_SCALE,
    WEIGHTS_NOT_100,
    ZERO_BASELINE,
    ZERO_TARGET,
)
from perfsheets.plan.source import PathKey, PlanSource, format_path, located

TOLERANCE = 1e-6

# The assignments of the last plan asked for: check needs them twice (required raters, counts),
# and for 10,000 people they take a third of a second. Plans are immutable, so the plan object
# itself is the key (kept alive here, so its id cannot be reused).
_ASSIGNMENTS: list[tuple[Plan, list[Assignment]]] = []


def plan_assignments(plan: Plan) -> list[Assignment]:
    """``build_assignments(plan)``, computed once for the same plan object."""
    if _ASSIGNMENTS and _ASSIGNMENTS[0][0] is plan:
        return _ASSIGNMENTS[0][1]
    found = build_assignments(plan)
    _ASSIGNMENTS[:] = [(plan, found)]
    return found


def plain_number(x: float) -> str:
    """A number as HR typed it: 100 rather than 100.0, no float noise."""
    return f"{round(x, 6):g}"


class Checker:
    """The plan being checked, its indexes, and the problems found so far."""

    def __init__(self, plan: Plan, source: PlanSource | None) -> None:
        self.plan = plan
        self.source = source
        self.problems: list[Problem] = []
        self.roles = plan.role_map()
        self.scales = plan.scale_map()
        self.goal_ids = {g.id for g in plan.goals}
        self.employee_index: dict[str, int] = {}
        for i, e in enumerate(plan.roster.employees):
            self.employee_index.setdefault(e.id, i)
        self.targets = plan.target_map()
        self.by_role: dict[str, list[Employee]] = {}
        for e in plan.roster.employees:
            self.by_role.setdefault(e.role, []).append(e)

    def add(self, ptype: ProblemType, path: PathKey, **params: Any) -> None:
        self.problems.append(located(ptype, self.source, path, **params))

    def where(self, path: PathKey) -> str:
        """A model path as HR reads it in a message ("[Roles] A3", or ``roles[2].id``)."""
        if self.source is None:
            return format_path(path)
        file, sheet, cell = self.source.locate(path)
        return " ".join(p for p in (sheet and f"[{sheet}]", cell) if p) or file

    def unique(self, items: Iterable[Any], attr: str, base: PathKey, what: tuple[str, str]) -> None:
        """Report every repeated id/code among ``items`` at its own location."""
        first: dict[Any, int] = {}
        for i, item in enumerate(items):
            key = getattr(item, attr)
            if key in first:
                self.add(
                    DUPLICATE_ID,
                    (*base, i, attr),
                    what=what[0],
                    what_en=what[1],
                    id=key,
                    first=self.where((*base, first[key], attr)),
                )
            else:
                first[key] = i

    def sum_100(self, weights: Iterable[float], path: PathKey, what: str, what_en: str) -> None:
        total = math.fsum(weights)
        if abs(total - 100) > TOLERANCE:
            self.add(WEIGHTS_NOT_100, path, what=what, what_en=what_en, total=plain_number(total))

    def known_scale(self, scale: str, path: PathKey) -> None:
        if scale not in self.scales:
            self.add(UNKNOWN_SCALE, path, scale=scale, known=", ".join(self.scales) or "-")

    def known_goal(self, goal: str | None, path: PathKey) -> None:
        if goal is not None and goal not in self.goal_ids:
            self.add(UNKNOWN_GOAL, path, goal=goal)

    def unknown_role(self, role: str, path: PathKey) -> None:
        known = ", ".join(self.roles)
        self.add(UNKNOWN_ROLE, path, role=role, known=known if len(known) < 200 else "…")

    def check_target(
        self,
        kpi: Kpi,
        target: float | None,
        baseline: float | None,
        path: PathKey,
        who: tuple[str, str],
    ) -> None:
        """A KPI's target (a role's or a person's) usable by its scoring rule."""
        rule = kpi.rule
        ratio = isinstance(rule, LinearRule | ThresholdRule) or (
            isinstance(rule, BandsRule) and rule.on == "ratio"
        )
        common = {"who": who[0], "who_en": who[1], "kpi": kpi.code, "name": kpi.name}
        if ratio and (target is None or target <= 0):
            shown = "空" if target is None else plain_number(target)
            self.add(ZERO_TARGET, (*path, "target"), target=shown, **common)
        elif isinstance(rule, PassFailRule) and target is None:
            self.add(MISSING_TARGET, (*path, "target"), **common)
        elif isinstance(rule, ChangeBandsRule) and (baseline is None or baseline == 0):
            shown = "空" if baseline is None else plain_number(baseline)
            self.add(ZERO_BASELINE, (*path, "baseline"), baseline=shown, **common)
