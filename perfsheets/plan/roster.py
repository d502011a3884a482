"""Rules of the roster: employee ids, roles and e-mails, reporting lines (unknown or inactive
managers, loops), external raters, extra rater relations, individual targets, and whether every
active employee gets the raters their role needs."""

from __future__ import annotations

from collections import Counter

from perfsheets.core.eligibility import not_assessed
from perfsheets.plan.checker import Checker, plan_assignments
from perfsheets.plan.problems import (
    BAD_EMAIL,
    CIRCULAR_MANAGER,
    DUPLICATE_EMPLOYEE,
    DUPLICATE_ID,
    EMPTY_ROSTER,
    FEW_RATERS,
    INACTIVE_MANAGER,
    MISSING_REQUIRED_RATER,
    TOP_WITHOUT_MANAGER,
    UNKNOWN_EMPLOYEE,
    UNKNOWN_KPI,
    UNKNOWN_MANAGER,
    UNKNOWN_RATER,
    UNKNOWN_RATER_TYPE,
)
from perfsheets.plan.source import PathKey

RATER_NAMES = {
    "self": ("自评", "self"),
    "manager": ("上级", "manager"),
    "peer": ("同事", "peer"),
    "subordinate": ("下属", "direct-report"),
    "customer": ("客户", "customer"),
}


def check_roster(ck: Checker) -> None:
    """Every rule of the roster; an empty roster is one warning and nothing more to check."""
    roster = ck.plan.roster
    if not roster.employees:
        ck.add(EMPTY_ROSTER, ("roster", "employees"))
        return
    employees = roster.employees
    base: PathKey = ("roster", "employees")
    by_id = ck.plan.employee_map()
    for i, e in enumerate(employees):
        first = ck.employee_index[e.id]
        if first != i:
            ck.add(
                DUPLICATE_EMPLOYEE,
                (*base, i, "id"),
                id=e.id,
                first=ck.where((*base, first, "id")),
            )
        if e.role not in ck.roles:
            ck.unknown_role(e.role, (*base, i, "role"))
        if e.manager is not None:
            boss = by_id.get(e.manager)
            info = {"id": e.id, "name": e.name, "manager": e.manager}
            if boss is None:
                ck.add(UNKNOWN_MANAGER, (*base, i, "manager"), **info)
            elif not boss.is_active and e.is_active:
                ck.add(INACTIVE_MANAGER, (*base, i, "manager"), **info)
        if e.email and ("@" not in e.email or " " in e.email.strip()):
            ck.add(BAD_EMAIL, (*base, i, "email"), id=e.id, email=e.email)
    _check_reporting_loops(ck)
    _check_external_raters(ck)
    _check_relations(ck)
    _check_individual_targets(ck)
    _check_required_raters(ck)


def _check_reporting_loops(ck: Checker) -> None:
    """Report each loop in the reporting lines once, at its first member's manager cell."""
    manager = {e.id: e.manager for e in ck.plan.roster.employees}
    state: dict[str, int] = {}  # 1 = on the current walk, 2 = done
    for start in manager:
        walk: list[str] = []
        node: str | None = start
        while node is not None and node in manager and state.get(node) is None:
            state[node] = 1
            walk.append(node)
            node = manager[node]
        if node is not None and state.get(node) == 1:
            loop = walk[walk.index(node) :]
            first = min(loop, key=lambda x: ck.employee_index[x])
            k = loop.index(first)
            chain = [*loop[k:], *loop[:k], first]
            ck.add(
                CIRCULAR_MANAGER,
                ("roster", "employees", ck.employee_index[first], "manager"),
                chain=" → ".join(chain),
            )
        for w in walk:
            state[w] = 2


def _check_external_raters(ck: Checker) -> None:
    raters = ck.plan.roster.external_raters
    ck.unique(raters, "id", ("roster", "external_raters"), ("外部评价人", "External rater"))
    for i, r in enumerate(raters):
        if r.id in ck.employee_index:
            ck.add(
                DUPLICATE_ID,
                ("roster", "external_raters", i, "id"),
                what="外部评价人",
                what_en="External rater",
                id=r.id,
                first=ck.where(("roster", "employees", ck.employee_index[r.id], "id")),
            )


def _check_relations(ck: Checker) -> None:
    external = {r.id for r in ck.plan.roster.external_raters}
    types = ck.plan.rater_type_map()
    for i, rel in enumerate(ck.plan.roster.relations):
        path: PathKey = ("roster", "relations", i)
        if rel.rater not in ck.employee_index and rel.rater not in external:
            ck.add(UNKNOWN_RATER, (*path, "rater"), id=rel.rater)
        if rel.ratee not in ck.employee_index:
            ck.add(
                UNKNOWN_EMPLOYEE,
                (*path, "ratee"),
                what="评价关系",
                what_en="the rater relations",
                id=rel.ratee,
            )
        if rel.type not in types:
            ck.add(UNKNOWN_RATER_TYPE, (*path, "type"), type=rel.type)


def _check_individual_targets(ck: Checker) -> None:
    seen: dict[tuple[str, str], int] = {}
    by_id = ck.plan.employee_map()
    for i, t in enumerate(ck.plan.roster.targets):
        path: PathKey = ("roster", "targets", i)
        key = (t.employee, t.kpi)
        if key in seen:
            ck.add(
                DUPLICATE_ID,
                (*path, "kpi"),
                what=f"员工 {t.employee} 的个人目标",
                what_en="Individual target",
                id=t.kpi,
                first=ck.where(("roster", "targets", seen[key], "kpi")),
            )
        seen.setdefault(key, i)
        e = by_id.get(t.employee)
        if e is None:
            ck.add(
                UNKNOWN_EMPLOYEE,
                (*path, "employee"),
                what="个人目标",
                what_en="the individual targets",
                id=t.employee,
            )
            continue
        role = ck.roles.get(e.role)
        kpi = role.kpi(t.kpi) if role is not None else None
        if kpi is None:
            if role is not None:
                ck.add(UNKNOWN_KPI, (*path, "kpi"), employee=e.id, role=role.id, kpi=t.kpi)
            continue
        baseline = kpi.baseline if t.baseline is None else t.baseline
        who = (f"员工 {e.id}（{e.name}）的", f"Employee {e.id} ({e.name}): ")
        ck.check_target(kpi, t.target, baseline, path, who)


def _check_required_raters(ck: Checker) -> None:
    """Employees lacking a rater of a required type, or too few for anonymity."""
    types = [(t, max(1, t.min_count)) for t in ck.plan.rater_types]
    # Raters per ratee, one table per type: 70,000 assignments for 10,000 people.
    by_type: dict[str, Counter[str]] = {t.id: Counter() for t, _ in types}
    for a in plan_assignments(ck.plan):
        table = by_type.get(a.type)
        if table is not None:
            table[a.ratee] += 1
    role_weights = {r.id: ck.plan.rater_weights(r) for r in ck.plan.roles}
    skipped = not_assessed(ck.plan)
    for i, e in enumerate(ck.plan.roster.employees):
        if not e.is_active or e.id in skipped:
            continue
        weights = role_weights.get(e.role, {})
        for t, need in types:
            count = by_type[t.id].get(e.id, 0)
            if count >= need:
                continue
            zh, en = RATER_NAMES[t.id]
            params = {
                "id": e.id,
                "name": e.name,
                "type": zh,
                "type_en": en,
                "count": count,
                "need": need,
            }
            path = ("roster", "employees", i, "manager" if t.id == "manager" else "id")
            if t.id == "manager" and e.manager is None and count == 0:
                # The top of the organisation has nobody above them: that is a fact, not a
                # mistake; say how to get them a manager rating if one is wanted.
                ck.add(TOP_WITHOUT_MANAGER, path, id=e.id, name=e.name)
            elif t.required:
                ck.add(MISSING_REQUIRED_RATER, path, **params)
            elif count > 0 and weights.get(t.id, 0) > 0:
                ck.add(FEW_RATERS, ("roster", "employees", i, "id"), **params)
