"""Who rates whom: assignments derived from the roster's reporting lines and the plan's rules.

Self, manager and subordinate raters follow from reporting lines; peers are chosen by a stated,
seeded rule (same department or role, N per person, stable across runs); explicit relations are
added (customers, extra peers). Only rater types the plan defines (weight > 0 or required) are
assigned.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from perfsheets.core.eligibility import not_assessed
from perfsheets.core.model import RATER_TYPE_ORDER, Employee, Plan, RaterTypeId


@dataclass(frozen=True, slots=True)
class Assignment:
    rater: str  # employee id or external rater id
    ratee: str  # employee id
    type: RaterTypeId


def _stable_rng(seed: int, key: str) -> random.Random:
    digest = hashlib.blake2b(f"{seed}:{key}".encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


def choose_peers(plan: Plan, skipped: Mapping[str, str] | None = None) -> dict[str, list[str]]:
    """Peers per employee: ``count`` colleagues from the same scope, seeded and stable.

    Colleagues are the others in the same department (or role) except the person's own manager
    and direct reports, who already rate as manager and subordinates. Each person's draw depends
    only on the seed, their id and their colleagues, so adding an employee in another
    department changes nobody else's peers.
    """
    rule = plan.roster.peers
    if rule.count == 0:
        return {}
    groups: dict[str, list[str]] = defaultdict(list)
    active = [e for e in plan.roster.employees if e.is_active]
    for e in active:
        groups[e.department if rule.scope == "department" else e.role].append(e.id)
    positions = {key: {c: i for i, c in enumerate(ids)} for key, ids in groups.items()}
    reports: dict[str, list[str]] = defaultdict(list)
    for e in active:
        if e.manager:
            reports[e.manager].append(e.id)
    peers: dict[str, list[str]] = {}
    if skipped is None:
        skipped = not_assessed(plan)
    for e in active:
        if e.id in skipped:  # not assessed: nobody rates them (they may rate others)
            continue
        key = e.department if rule.scope == "department" else e.role
        group, pos = groups[key], positions[key]
        rng = _stable_rng(rule.seed, e.id)
        if len(pos) != len(group):  # duplicate ids (a plan error): take the plain way
            others = {e.id, e.manager, *reports[e.id]}
            colleagues = [c for c in group if c not in others]
            peers[e.id] = sorted(rng.sample(colleagues, min(rule.count, len(colleagues))))
            continue
        # Same draw as rng.sample(colleagues, k) without building the colleagues list (which
        # costs O(department size) per person): sample() only uses the length and indexing.
        near = (e.id, e.manager or "", *reports[e.id])
        skip = sorted({p for p in map(pos.get, near) if p is not None})
        n = len(group) - len(skip)
        chosen = []
        for j in rng.sample(range(n), min(rule.count, n)):
            for s in skip:
                if j >= s:
                    j += 1
            chosen.append(group[j])
        peers[e.id] = sorted(chosen)
    return peers


def build_assignments(plan: Plan) -> list[Assignment]:
    """Every (rater, ratee, rater type) of the cycle, without duplicates, in a stable order."""
    types = {t.id for t in plan.rater_types if t.weight > 0 or t.required}
    active: list[Employee] = [e for e in plan.roster.employees if e.is_active]
    active_ids = {e.id for e in active}
    seen: set[tuple[str, str]] = set()
    out: list[Assignment] = []

    def add(rater: str, ratee: str, type_: RaterTypeId) -> None:
        if type_ in types and (rater, ratee) not in seen:
            seen.add((rater, ratee))
            out.append(Assignment(rater, ratee, type_))

    skipped = not_assessed(plan)
    for e in active:
        if e.id not in skipped:
            add(e.id, e.id, "self")
        if e.manager and e.manager in active_ids:
            if e.id not in skipped:
                add(e.manager, e.id, "manager")
            if e.manager not in skipped:
                add(e.id, e.manager, "subordinate")
    for ratee, chosen in choose_peers(plan, skipped).items():
        for rater in chosen:
            add(rater, ratee, "peer")
    for rel in plan.roster.relations:
        if rel.ratee not in skipped:
            add(rel.rater, rel.ratee, rel.type)
    order = {t: i for i, t in enumerate(RATER_TYPE_ORDER)}
    out.sort(key=lambda a: (a.rater, order[a.type], a.ratee))
    return out


def assignments_by_rater(assignments: list[Assignment]) -> dict[str, list[Assignment]]:
    by_rater: dict[str, list[Assignment]] = defaultdict(list)
    for a in assignments:
        by_rater[a.rater].append(a)
    return dict(by_rater)
