"""One employee's scorecard: every figure of their result, from the ledger's grouped entries.

:func:`prepare_ratings` maps each accepted rating to its item's scale points; :class:`Builder`
then computes, per person, the KPI scores (by each KPI's rule), the rated items (trimmed mean per
rater type, types combined by renormalised weights, anonymity minimums applied), the sections,
the total, the self/others gaps, strengths and development areas and the comments. The grades,
which need everyone's totals, are set afterwards by :mod:`perfsheets.consolidation.grading`.

Every figure is rounded half-up to the plan's decimals before the next step uses it. A scorecard
holds codes and numbers only (items by code, strengths by item key): the plan's names are put in
when an output is written (:mod:`perfsheets.core.naming`), so the ledger stores none.
"""

from __future__ import annotations

import hashlib
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from perfsheets.consolidation import fairness
from perfsheets.core.model import RATER_TYPE_ORDER, Employee, Plan, Role
from perfsheets.core.scoring import (
    adjusted_points,
    adjusted_total,
    combine_rater_types,
    kpi_completion,
    kpi_score,
    round_half_up,
    weighted_mean,
)

if TYPE_CHECKING:
    import pandas as pd

    from perfsheets.consolidation.inputs import LedgerInputs


def prepare_ratings(
    plan: Plan, entries: pd.DataFrame, role_of: dict[str, str]
) -> tuple[pd.DataFrame, int]:
    """One row per counted rating with its item's scale points; and how many were ignored.

    Ignored: ratings of people not on the roster (or inactive), of items not in the person's
    role, values not on the item's scale, and earlier duplicates of the same rater, person and
    item. Columns: ratee, rater, rtype, item, value, points (calibrated later if asked),
    raw_points, low/high (the scale's point range), return_id.
    """
    import pandas as pd  # heavy: loaded on first use, not at start-up

    items = pd.DataFrame(_item_rows(plan), columns=["role", "item", "scale"])
    levels = pd.DataFrame(
        [(s.id, float(lv.value), float(lv.points)) for s in plan.scales for lv in s.levels],
        columns=["scale", "value", "points"],
    )
    bounds = levels.groupby("scale")["points"].agg(low="min", high="max").reset_index()
    raw = entries.loc[entries["field"] == "rating"]
    df = pd.DataFrame(
        {
            "ratee": raw["ratee"],
            "rater": raw["rater"],
            "rtype": raw["rtype"],
            "item": raw["item"],
            "value": pd.to_numeric(raw["value_num"], errors="coerce").astype(float),
            "return_id": raw["return_id"],
            "role": raw["ratee"].map(role_of),
        }
    )
    df = df.merge(items, on=["role", "item"], how="inner")
    df = df.merge(levels, on=["scale", "value"], how="inner").merge(bounds, on="scale")
    df = df.sort_values("return_id", kind="stable").drop_duplicates(
        ["ratee", "rater", "item"], keep="last"
    )
    order = {t: i for i, t in enumerate(RATER_TYPE_ORDER)}
    rank = df["rtype"].astype(str).map(order).fillna(len(order)).astype(float)
    df = df.assign(type_order=rank)
    df = df.sort_values(["ratee", "item", "type_order", "rater"], kind="stable")
    df = df.drop(columns=["type_order"]).reset_index(drop=True)
    df["raw_points"] = df["points"]
    return df, int(len(raw) - len(df))


def _item_rows(plan: Plan) -> Iterable[tuple[str, str, str]]:
    comps = plan.competency_map()
    for role in plan.roles:
        for task in role.tasks:
            yield role.id, f"task:{task.code}", task.scale
        for ref in role.competencies:
            comp = comps.get(ref.code)
            if comp is not None:
                yield role.id, f"competency:{ref.code}", comp.scale


def round_array(values, places: int):
    """:func:`scoring.round_half_up` over an array (computed once per distinct value)."""
    import numpy as np  # heavy: loaded on first use, not at start-up

    values = np.asarray(values, dtype=float)
    uniques, inverse = np.unique(values, return_inverse=True)
    rounded = np.array([round_half_up(float(v), places) for v in uniques])
    return rounded[inverse] if len(values) else values


# One rater type's view of one item of one person: rater type, raters, trimmed mean of points
# and of scale values (rounded), and the sum and sum of squares of the values (for the spread).
TypeRow = tuple[str, int, float, float, float, float]


def type_rows(
    ratings: pd.DataFrame, trim_min_count: int, places: int
) -> dict[tuple[str, str], list[TypeRow]]:
    """(ratee, item) -> one row per rater type, in the plan's rater-type order.

    The mean drops one highest and one lowest value when a type has ``trim_min_count`` or more
    raters (the rule of :func:`scoring.trimmed_mean`, computed from group sums here).
    """
    import numpy as np  # heavy: loaded on first use, not at start-up

    if ratings.empty:
        return {}
    df = ratings.assign(sq=ratings["value"] ** 2)
    agg = df.groupby(["ratee", "item", "rtype"], sort=False).agg(
        n=("points", "size"),
        ps=("points", "sum"),
        pmax=("points", "max"),
        pmin=("points", "min"),
        vs=("value", "sum"),
        vmax=("value", "max"),
        vmin=("value", "min"),
        vsq=("sq", "sum"),
    )
    n = agg["n"].to_numpy()
    trim = n >= trim_min_count
    keep = np.where(trim, n - 2, n)
    points = (agg["ps"] - np.where(trim, agg["pmax"] + agg["pmin"], 0)).to_numpy() / keep
    values = (agg["vs"] - np.where(trim, agg["vmax"] + agg["vmin"], 0)).to_numpy() / keep
    points, values = round_array(points, places), round_array(values, places)
    out: dict[tuple[str, str], list[TypeRow]] = {}
    for (ratee, item, rtype), cnt, p, v, vs, vsq in zip(
        agg.index,
        n.tolist(),
        points.tolist(),
        values.tolist(),
        agg["vs"].tolist(),
        agg["vsq"].tolist(),
        strict=True,
    ):
        out.setdefault((ratee, item), []).append((rtype, cnt, p, v, vs, vsq))
    return out


@dataclass(frozen=True)
class RoleInfo:
    """What every person of a role shares: items and weights (computed once per role)."""

    role: Role
    rated: list[tuple[str, str, str, float, float]]  # section, key, code, weight, section weight
    kpi_total: float
    section_weights: dict[str, float]
    rater_weights: dict[str, float]


class Builder:
    """Builds one employee's result (as a dict EmployeeResult validates in one call)."""

    def __init__(
        self,
        plan: Plan,
        inputs: LedgerInputs,
        ratings: pd.DataFrame,
        count_hidden: bool,
        calibration: str,
    ) -> None:
        self.plan, self.inputs = plan, inputs
        self.count_hidden, self.calibration = count_hidden, calibration
        self.agg = plan.aggregation
        self.places = self.agg.decimals
        self.round = lru_cache(maxsize=None)(lambda v: round_half_up(v, self.places))
        self.round2 = lru_cache(maxsize=None)(lambda v: round_half_up(v, 2))
        self.round4 = lru_cache(maxsize=None)(lambda v: round_half_up(v, 4))
        self.roles = {r.id: self._role_info(r) for r in plan.roles}
        self.people = plan.employee_map()
        self.names = {x.id: x.name for x in plan.roster.external_raters}
        self.names.update({e.id: e.name for e in plan.roster.employees})
        self.types = plan.rater_type_map()
        self.min_count: dict[str, int] = {t.id: t.min_count for t in plan.rater_types}
        self.targets = plan.target_map()
        self.without_manager = {e.id for e in plan.roster.employees if e.manager is None}
        self.by_item = type_rows(ratings, self.agg.trim_min_count, self.places)
        entries = inputs.entries
        self.actuals = typed_actuals(entries, self.agg.kpi_actual_priority)
        self.counts = typed_actuals(entries, ("manager",), field="count", prefix="adjustment:")
        self.present, self.rater_counts = presence(entries)
        self.comments = comments_by_ratee(entries)
        self.not_rated = not_rated_counts(entries)
        self.not_rated_items = set(self.not_rated)

    def _role_info(self, role: Role) -> RoleInfo:
        task_total = sum(t.weight for t in role.tasks) or 100.0
        comp_total = sum(c.weight for c in role.competencies) or 100.0
        rated = [("task", f"task:{t.code}", t.code, t.weight, task_total) for t in role.tasks]
        rated += [
            ("competency", f"competency:{ref.code}", ref.code, ref.weight, comp_total)
            for ref in role.competencies
        ]
        return RoleInfo(
            role=role,
            rated=rated,
            kpi_total=sum(k.weight for k in role.kpis) or 100.0,
            section_weights={s: role.weights.of(s) for s in role.sections()},
            rater_weights={t: w for t, w in self.plan.rater_weights(role).items()},
        )

    # -- one employee ----------------------------------------------------------------------

    def build(self, emp: Employee) -> dict[str, Any]:
        """One employee's result by codes and numbers: names are the outputs' business
        (:class:`perfsheets.core.naming.Namer`)."""
        info = self.roles[emp.role]
        role = info.role
        kpis = [self.kpi(emp, info, k) for k in role.kpis]
        items: dict[str, list[dict[str, Any]]] = {"task": [], "competency": []}
        gaps: list[dict[str, Any]] = []
        # Every item by its form key, in form order: strengths and development areas are keys.
        ranked = [{"key": f"kpi:{k['code']}", "score": k["score"]} for k in kpis]
        for section, key, code, weight, section_weight in info.rated:
            item, gap = self.rated(emp.id, info, key, code, weight, section_weight)
            items[section].append(item)
            ranked.append({"key": key, "score": item["score"]})
            if gap is not None:
                gaps.append(gap)
        for section_items in items.values():
            renormalise(section_items, self.round)
        sections = {"kpi": kpis, **items}
        weights = info.section_weights
        section_scores = {s: self.section(sections[s]) for s in weights}
        total = None
        if weights and all(v is not None for v in section_scores.values()):
            known = {s: v for s, v in section_scores.items() if v is not None}
            total = self.round(weighted_mean((known[s], w) for s, w in weights.items()))
        adjusted: dict[str, Any] = {}
        if role.adjustments:
            adjusted = self.adjustments(emp, role)
            adjusted["weighted_score"] = total
            if total is not None:
                net = adjusted["bonus_points"] - adjusted["penalty_points"]
                total = self.round(adjusted_total(total, net))
        missing = self.missing_types(emp.id)
        complete = not missing and total is not None
        flags = self.flags(emp.id, kpis, [*items["task"], *items["competency"]], gaps, missing)
        if not complete:
            flags.insert(0, "incomplete")
        manager = self.people.get(emp.manager) if emp.manager else None
        strengths, development = strengths_and_development(ranked, label="key")
        return {
            "employee_id": emp.id,
            "name": emp.name,
            "department": emp.department,
            "role": role.id,
            "manager_id": emp.manager,
            "manager_name": manager.name if manager else None,
            "complete": complete,
            "missing_types": missing,
            "section_scores": section_scores,
            "section_weights": weights,
            "total_score": total,
            **adjusted,
            "kpis": kpis,
            "tasks": items["task"],
            "competencies": items["competency"],
            "gaps": gaps,
            "strengths": strengths,
            "development_areas": development,
            "comments": self.comment_groups(emp),
            "target_changes": self.inputs.target_changes.get(emp.id, []),
            "appeals": self.inputs.appeals.get(emp.id, []),
            "flags": flags,
            "calibration": self.calibration,
        }

    def flags(self, emp_id: str, kpis, items, gaps, missing) -> list[str]:
        flags = []
        if any(k["actual"] is None for k in kpis):
            flags.append("missing_actual")
        if any(k["actual"] is not None and k["score"] is None for k in kpis):
            flags.append("kpi_not_scored")  # e.g. a zero target: the ratio means nothing
        if any(i["score"] is None and not i["left_out"] for i in items):
            flags.append("missing_rating")
        if missing:
            flags.append("missing_type")
        if any(i["high_disagreement"] for i in items):
            flags.append("high_disagreement")
        kinds = Counter(g["kind"] for g in gaps)
        least = self.agg.blind_spot_min_items
        flags += [k for k in ("blind_spot", "hidden_strength") if kinds[k] >= least]
        if self.inputs.target_changes.get(emp_id):
            flags.append("target_changed")
        appeals = self.inputs.appeals.get(emp_id, [])
        if any(a.status == "open" for a in appeals):
            flags.append("appeal_open")
        if any(a.status != "open" for a in appeals):
            flags.append("appeal_decided")
        return flags

    def missing_types(self, emp_id: str) -> list[str]:
        """Required rater types that returned nothing for this person.

        A required type nobody was assigned (a manager who is inactive, no peers drawn) is
        missing too, as ``check`` says; only the top of the organisation, who has no manager,
        needs no manager rating.
        """
        present = self.present.get(emp_id, set())
        top = emp_id in self.without_manager
        return [
            t
            for t in RATER_TYPE_ORDER
            if t in self.types
            and self.types[t].required
            and t not in present
            and not (t == "manager" and top)
        ]

    def section(self, items: Sequence[dict[str, Any]]) -> float | None:
        counted = [i for i in items if not i.get("left_out")]
        if not counted or any(i["score"] is None for i in counted):
            return None
        return self.round(weighted_mean((i["score"], i["weight"]) for i in counted))

    # -- KPIs --------------------------------------------------------------------------------

    def kpi(self, emp: Employee, info: RoleInfo, kpi) -> dict[str, Any]:
        planned = self.targets.get((emp.id, kpi.code))
        target = planned.target if planned else kpi.target
        baseline = planned.baseline if planned and planned.baseline is not None else kpi.baseline
        original = None
        changes = [c for c in self.inputs.target_changes.get(emp.id, []) if c.kpi_code == kpi.code]
        if changes:
            original, target = target, changes[-1].new_target
        imported = self.inputs.imported.get((emp.id, kpi.code))
        actual: float | None
        source: str | None
        if imported is not None:
            actual, source = imported[0], "import"
        else:
            typed = self.actuals.get((emp.id, f"kpi:{kpi.code}"))
            actual, source = typed if typed is not None else (None, None)
        score = completion = None
        if actual is not None:
            score = kpi_score(kpi, actual, target, baseline, self.places)
            completion = kpi_completion(kpi, actual, target, baseline)
        return {
            "code": kpi.code,
            "weight": kpi.weight,
            "target": target,
            "original_target": original,
            "baseline": baseline,
            "actual": actual,
            "actual_source": source,
            "completion": None if completion is None else self.round4(completion),
            "score": score,
            "weighted": None if score is None else self.round(score * kpi.weight / info.kpi_total),
        }

    # -- 加减分项 ---------------------------------------------------------------------------------

    def adjustments(self, emp: Employee, role: Role) -> dict[str, Any]:
        """The person's 加减分项: imported counts win, else the manager's; none entered is 0."""
        counts: list[tuple[float, str | None]] = []
        for adj in role.adjustments:
            imported = self.inputs.imported.get((emp.id, adj.code))
            typed = self.counts.get((emp.id, f"adjustment:{adj.code}"))
            if imported is not None:
                counts.append((imported[0], "import"))
            elif typed is not None:
                counts.append(typed)
            else:
                counts.append((0.0, None))
        points = adjusted_points(
            role.adjustments, [c for c, _ in counts], role.bonus_cap, role.penalty_cap, self.places
        )
        items = [
            {
                "code": adj.code,
                "points_per_unit": adj.points_per_unit,
                "cap": adj.cap,
                "count": count,
                "count_source": source,
                "points": float(raw),
                "counted": float(counted),
            }
            for adj, (count, source), (raw, counted) in zip(
                role.adjustments, counts, points.items, strict=True
            )
        ]
        return {
            "adjustments": items,
            "bonus_points": float(points.bonus),
            "penalty_points": float(points.penalty),
            "bonus_capped": points.bonus_capped,
            "penalty_capped": points.penalty_capped,
        }

    # -- rated items -------------------------------------------------------------------------

    def rated(
        self,
        emp_id: str,
        info: RoleInfo,
        key: str,
        code: str,
        weight: float,
        section_weight: float,
    ) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """One rated item: per-type figures, combined score, spread; and the self/others gap."""
        by_type: dict[str, dict[str, Any]] = {}
        points: dict[str, float] = {}
        shown_ratings: dict[str, float] = {}
        n_all = total = squares = 0.0
        for rtype, n, p, v, vs, vsq in self.by_item.get((emp_id, key), ()):
            shown = n >= self.min_count.get(rtype, 1)
            if shown or self.count_hidden:
                points[rtype] = p
                if rtype != "self":
                    n_all, total, squares = n_all + n, total + vs, squares + vsq
            if shown:
                shown_ratings[rtype] = v
            by_type[rtype] = {
                "count": n,
                "mean_rating": v if shown else None,
                "points": p if shown else None,
                "shown": shown,
            }
        combined = combine_rater_types(points, info.rater_weights) if points else None
        score = None if combined is None else self.round(combined)
        spread = fairness.population_std(n_all, total, squares)
        spread = None if spread is None else self.round2(spread)
        item = {
            "code": code,
            "weight": weight,
            "by_type": by_type,
            "score": score,
            "weighted": None if score is None else self.round(score * weight / section_weight),
            "spread": spread,
            "high_disagreement": spread is not None and spread >= self.agg.disagreement_flag - 1e-9,
            "not_rated": self.not_rated_shown(emp_id, key, by_type),
            # nobody rated it and someone said N/A: not seen, not a missing rating
            "left_out": (emp_id, key) in self.not_rated_items
            and not self.by_item.get((emp_id, key)),
        }
        return item, self.gap(code, shown_ratings, info.rater_weights, spread)

    def not_rated_shown(self, emp_id: str, key: str, by_type: dict[str, dict[str, Any]]) -> int:
        """N/A answers that may be told: an anonymous group's only where the group is shown on
        the item (a hidden group's answers, even N/A, stay unsaid)."""
        told = 0
        for rtype, n in self.not_rated.get((emp_id, key), {}).items():
            group = self.types.get(rtype)  # type: ignore[call-overload]
            if group is not None and (not group.anonymous or by_type.get(rtype, {}).get("shown")):
                told += n
        return told

    def gap(
        self, code: str, ratings: dict[str, float], weights, spread: float | None
    ) -> dict | None:
        """Self against the others' combined rating (shown types, scale values). A gap within
        the others' own spread is no gap: they disagree among themselves as much."""
        own = ratings.get("self")
        others = {t: v for t, v in ratings.items() if t != "self"}
        if own is None or not others:
            return None
        other = combine_rater_types(others, weights)
        if other is None:
            return None
        other = self.round2(other)
        gap, kind = fairness.self_other_gap(own, other, self.agg.blind_spot_gap)
        if kind is not None and spread is not None and abs(gap) <= spread:
            kind = None
        return {
            "code": code,
            "self_rating": own,
            "others_rating": other,
            "gap": self.round2(gap),
            "kind": kind,
        }

    # -- comments ----------------------------------------------------------------------------

    def comment_groups(self, emp: Employee) -> list[dict[str, Any]]:
        """Comments per rater type; hidden groups left out, authors only for self and manager,
        every other group in a deterministic shuffled order."""
        by_type: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        for rater, rtype, fld, text in self.comments.get(emp.id, ()):
            by_type[rtype].append((rater, fld, text))
        groups = []
        for rtype in RATER_TYPE_ORDER:
            if rtype not in by_type:
                continue
            if self.rater_counts.get((emp.id, rtype), 0) < self.min_count.get(rtype, 1):
                continue
            rows = by_type[rtype]
            if rtype in ("self", "manager"):
                comments: list[dict[str, str | None]] = [
                    {"field": f, "text": t, "author": self.names.get(r, r)} for r, f, t in rows
                ]
            else:
                key = f"{self.plan.cycle.id}:{emp.id}:{rtype}"
                rows = sorted(rows, key=lambda x: _digest(key, x[1], x[2]))
                comments = [
                    {"field": f, "text": t, "author": None} for _, f, t in rows
                ]  # anonymous: no author
            groups.append({"rater_type": rtype, "comments": comments})
        return groups


def _digest(*parts: str) -> str:
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).hexdigest()


def strengths_and_development(
    items: Sequence[dict[str, Any]], most: int = 3, *, label: str = "name"
) -> tuple[list[str], list[str]]:
    """The ``label`` (e.g. key or name) of the highest and lowest scored items (KPIs and rated
    items).

    Strengths: up to ``most`` items scored above the median of the person's item scores,
    best first; development areas: up to ``most`` scored below it, lowest first. Items at the
    median are neither, so no item is both and equal scores everywhere give none. Equal scores
    are taken in form order.
    """
    scored = [(i["score"], pos, i[label]) for pos, i in enumerate(items) if i["score"] is not None]
    if len(scored) < 2:
        return [], []
    median = statistics.median(s for s, _, _ in scored)
    best = sorted((x for x in scored if x[0] > median), key=lambda x: (-x[0], x[1]))
    worst = sorted((x for x in scored if x[0] < median), key=lambda x: (x[0], x[1]))
    return [nm for _, _, nm in best[:most]], [nm for _, _, nm in worst[:most]]


def typed_actuals(
    entries: pd.DataFrame,
    priority: Sequence[str],
    *,
    field: str = "actual",
    prefix: str = "kpi:",
) -> dict[tuple[str, str], tuple[float, str]]:
    """(ratee, kpi item) -> (actual, rater type whose entry counts): the first type in the
    priority order that entered one; within a type the latest return. (The counts of 加减分项
    likewise, with ``field`` count.)"""
    df = entries.loc[entries["field"] == field]
    df = df.loc[df["item"].str.startswith(prefix)].dropna(subset=["value_num"])
    if df.empty:
        return {}
    rank = {t: i for i, t in enumerate(priority)}
    prio = df["rtype"].astype(str).map(rank).fillna(len(rank)).astype(float)
    df = df.assign(prio=prio, neg=-df["return_id"])
    df = df.sort_values(["ratee", "item", "prio", "neg"], kind="stable")
    chosen = df.drop_duplicates(["ratee", "item"], keep="first")
    return {
        (ratee, item): (float(value), rtype)
        for ratee, item, value, rtype in zip(
            chosen["ratee"], chosen["item"], chosen["value_num"], chosen["rtype"], strict=True
        )
    }


def presence(
    entries: pd.DataFrame,
) -> tuple[dict[str, set[str]], dict[tuple[str, str], int]]:
    """Rater types that rated or entered an actual for each person; raters per person and type
    (any entry, comments included: the group a comment could have come from)."""
    scored = entries.loc[entries["field"].isin(("rating", "actual")), ["ratee", "rtype"]]
    present: dict[str, set[str]] = defaultdict(set)
    for ratee, rtype in scored.drop_duplicates().itertuples(index=False, name=None):
        present[ratee].add(rtype)
    raters = entries[["ratee", "rtype", "rater"]].drop_duplicates()
    counts = raters.groupby(["ratee", "rtype"], sort=False).size()
    return present, dict(zip(counts.index, counts.tolist(), strict=True))


def not_rated_counts(entries: pd.DataFrame) -> dict[tuple[str, str], dict[str, int]]:
    """(ratee, item) -> rater type -> raters who answered 无法评价 / N/A."""
    df = entries.loc[entries["field"] == "na", ["ratee", "item", "rtype", "rater"]]
    counts = df.drop_duplicates().groupby(["ratee", "item", "rtype"], sort=False).size()
    out: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for (ratee, item, rtype), n in zip(counts.index, counts.tolist(), strict=True):
        out[(ratee, item)][rtype] = n
    return dict(out)


def renormalise(items: list[dict[str, Any]], rounding: Callable[[float], float]) -> None:
    """Items left out (every rater said N/A): the others' weighted figures over the weight
    that remains, so that they add up to the section score as on the form."""
    if not any(i["left_out"] for i in items):
        return
    remaining = sum(i["weight"] for i in items if not i["left_out"])
    for item in items:
        if item["left_out"] or item["score"] is None or not remaining:
            item["weighted"] = None
        else:
            item["weighted"] = rounding(item["score"] * item["weight"] / remaining)


def comments_by_ratee(entries: pd.DataFrame) -> dict[str, list[tuple[str, str, str, str]]]:
    """ratee -> (rater, rater type, comment field, text) of every non-empty comment."""
    df = entries.loc[entries["field"] == "comment"]
    df = df.loc[df["item"].str.startswith("comment:")].dropna(subset=["value_text"])
    df = df.sort_values(["ratee", "rater", "item"], kind="stable")
    out: dict[str, list[tuple[str, str, str, str]]] = defaultdict(list)
    for ratee, rater, rtype, item, text in zip(
        df["ratee"], df["rater"], df["rtype"], df["item"], df["value_text"], strict=True
    ):
        if str(text).strip():
            out[ratee].append((rater, rtype, item.partition(":")[2], str(text)))
    return out
