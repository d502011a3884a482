"""Consolidation: the accepted returns in the ledger become each employee's result.

The steps, each with every intermediate figure kept in :class:`~perfsheets.results.EmployeeResult`:

1. KPI item score from the actual by the KPI's scoring rule (:func:`scoring.kpi_score`, the same
   arithmetic as the form formulas). An imported actual wins over typed ones; among typed ones
   the plan's ``aggregation.kpi_actual_priority`` decides (the manager's entry by default).
   The latest approved target change replaces the target.
2. Rated items (key tasks, competencies): ratings map to points by the item's scale; per rater
   type the mean, dropping the single highest and lowest with ``trim_min_count`` or more raters.
   Optionally each rater is first put on a common scale (z-scores, :mod:`perfsheets.fairness`).
3. Across rater types: weighted by the rater-type weights, renormalised over the types present.
   A missing required type makes the result incomplete: no grade, listed, never counted as 0.
4. Section score = weighted mean of its items; total = weighted mean of the sections. Every
   figure is rounded half-up to ``aggregation.decimals`` *before* it enters the next step, so
   anyone can recompute the result from the figures shown.
5. Grade by thresholds, optionally forced distribution per group (:func:`fairness.forced_distribution`).
6. Bonus coefficient and consequence of the grade; promotion candidates (top grade
   ``promotion_after`` cycles running).
7. Trend from earlier cycles' ledgers; :func:`rollup_year` rolls cycles up into a year result.

Anonymity: a rater type with fewer raters on an item than its ``min_count`` is hidden
(``TypeScore.shown=False``, no figures, no comments) and, by default, **not counted** in the
score either: with the other groups' figures and the weights shown, a counted hidden group's
mean could be worked out from the item score. ``count_hidden=True`` counts it anyway.

Earlier cycles: ``previous`` names their workspaces; when it is None, sibling folders of this
workspace whose ledger holds a consolidation of the same company that ended before this cycle
started are used.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import sqlite3
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import fairness
from .history import CycleRecord, apply_history, load_history, rollup_year
from .i18n import tr
from .model import RATER_TYPE_ORDER, Employee, Lang, Plan, Role
from .problems import PerfsheetsError
from .results import (
    Appeal,
    EmployeeResult,
    TargetChange,
)
from .scoring import (
    combine_rater_types,
    grade_for,
    kpi_completion,
    kpi_score,
    round_half_up,
    weighted_mean,
)
from .workspace import Workspace, audit, freeze_plan, now

__all__ = ["ConsolidationResult", "compute", "consolidate", "read_inputs", "rollup_year"]

if TYPE_CHECKING:
    import pandas as pd

Progress = Callable[[int, int], None]
CALIBRATIONS = ("none", "zscore")


# --- public results ---------------------------------------------------------------------------


@dataclass
class ConsolidationResult:
    """What one consolidation run did; the employee results are in :attr:`results`."""

    workspace: Path
    run_id: int
    calibration: str
    employees: int
    complete: int
    incomplete: int
    moved_by_quota: int
    flagged_raters: int
    distribution: dict[str, int]
    scores_csv: Path
    results_xlsx: Path
    ratings_csv: Path
    previous_cycles: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def __post_init__(self) -> None:
        # Not a dataclass field: --json output stays a short summary for any company size.
        self._results: list[EmployeeResult] = []

    @property
    def results(self) -> list[EmployeeResult]:
        return self._results


@dataclass
class Computation:
    """Everything :func:`compute` derives from a plan and the ledger's inputs (no I/O)."""

    results: list[EmployeeResult]
    summary: dict[str, Any]
    ratings: pd.DataFrame  # one row per rating, with calibrated points (rater detail)
    leniency: pd.DataFrame


@dataclass
class LedgerInputs:
    """The ledger rows consolidation reads, as plain data."""

    entries: pd.DataFrame  # ratee, rater, rtype, item, field, value_num, value_text, return_id
    imported: dict[tuple[str, str], tuple[float, str]] = field(default_factory=dict)
    target_changes: dict[str, list[TargetChange]] = field(default_factory=dict)
    appeals: dict[str, list[Appeal]] = field(default_factory=dict)


# --- entry point --------------------------------------------------------------------------------


def consolidate(
    workspace: str | Path,
    *,
    plan: Plan | None = None,
    calibration: str | None = None,
    previous: Sequence[str | Path] | None = None,
    count_hidden: bool = False,
    lang: Lang | None = None,
    progress: Progress | None = None,
) -> ConsolidationResult:
    """Consolidate the accepted returns of a workspace into results, files and the ledger.

    ``calibration`` is "none" or "zscore" (default: the plan's ``aggregation.calibration``).
    ``previous``: earlier cycles' workspaces for trends and promotion; None finds them among the
    sibling folders, ``[]`` uses none. Writes ``results/scores.csv``, ``results/ratings.csv`` and
    ``results/results.xlsx`` and stores a ``consolidate`` run in the ledger.
    """
    from . import results_book

    started = time.perf_counter()
    ws = Workspace(Path(workspace))
    plan = plan or _load_plan(ws)
    lang = lang or plan.lang
    method = calibration or plan.aggregation.calibration
    if method not in CALIBRATIONS:
        raise PerfsheetsError(
            tr(
                lang,
                f"未知的校准方法 {method!r}：可用 none 或 zscore",
                f"unknown calibration {method!r}: use none or zscore",
            )
        )
    history = load_history(previous, ws.root, plan)
    with _gc_paused():
        with ws.ledger() as conn:
            inputs = read_inputs(conn)
        comp = compute(
            plan,
            inputs,
            calibration=method,
            history=history,
            count_hidden=count_hidden,
            lang=lang,
            progress=progress,
        )
        with ws.ledger() as conn:
            run_id = store(conn, plan, comp)
        files = results_book.write_all(ws.results, comp, plan, lang)
    summary = comp.summary
    result = ConsolidationResult(
        workspace=ws.root,
        run_id=run_id,
        calibration=method,
        employees=len(comp.results),
        complete=summary["complete"],
        incomplete=len(summary["incomplete"]),
        moved_by_quota=len(summary["quota"]["moves"]),
        flagged_raters=int(comp.leniency["flagged"].sum()) if len(comp.leniency) else 0,
        distribution=summary["distribution"],
        scores_csv=files["scores"],
        results_xlsx=files["results"],
        ratings_csv=files["ratings"],
        previous_cycles=[c["cycle_id"] for c in summary["previous_cycles"]],
        seconds=round(time.perf_counter() - started, 3),
    )
    result._results = comp.results
    return result


def _load_plan(ws: Workspace) -> Plan:
    from .plan_io import load_plan

    return load_plan(ws.plan_path())


# --- reading the ledger -----------------------------------------------------------------------

ENTRY_COLUMNS = ("ratee", "rater", "rtype", "item", "field", "value_num", "value_text", "return_id")


def entries_frame(rows: Iterable[Sequence[Any]]) -> pd.DataFrame:
    """Entry rows (ratee, rater, rater type, item key, field, number, text, return id) as the
    DataFrame :func:`compute` reads."""
    import pandas as pd

    entries = pd.DataFrame.from_records(list(rows), columns=list(ENTRY_COLUMNS))
    # Ids and keys repeat a lot: categories make every later filter, sort and group cheap.
    for col in ("ratee", "rater", "rtype", "item", "field"):
        entries[col] = entries[col].astype("category")
    entries["value_num"] = entries["value_num"].astype(float)
    return entries


def read_inputs(conn: sqlite3.Connection) -> LedgerInputs:
    """Entries of the accepted, not superseded returns, imported actuals, target changes and
    appeals."""
    rows = conn.execute(
        "SELECT e.ratee_id, e.rater_id, e.rater_type, e.item_key, e.field, e.value_num,"
        " e.value_text, e.return_id FROM entries e JOIN returns r ON r.return_id = e.return_id"
        " WHERE r.superseded_by IS NULL"
    ).fetchall()
    entries = entries_frame(rows)
    imported = {
        (emp, code): (float(value), source)
        for emp, code, value, source in conn.execute(
            "SELECT employee_id, kpi_code, value, source FROM imported_actuals"
        )
    }
    changes: dict[str, list[TargetChange]] = defaultdict(list)
    for emp, code, old, new, reason, by, at in conn.execute(
        "SELECT employee_id, kpi_code, old_target, new_target, reason, approved_by, changed_at"
        " FROM target_changes ORDER BY changed_at, change_id"
    ):
        changes[emp].append(
            TargetChange(
                kpi_code=code,
                old_target=old,
                new_target=new,
                reason=reason,
                approved_by=by,
                changed_at=at,
            )
        )
    appeals: dict[str, list[Appeal]] = defaultdict(list)
    for appeal_id, emp, reason, status, outcome, note, at in conn.execute(
        "SELECT appeal_id, employee_id, reason, status, outcome, note, decided_at FROM appeals"
        " ORDER BY appeal_id"
    ):
        appeals[emp].append(
            Appeal(
                appeal_id=appeal_id,
                status=status,
                reason=reason,
                outcome=outcome,
                note=note,
                decided_at=at,
            )
        )
    return LedgerInputs(entries, imported, dict(changes), dict(appeals))


# --- the computation ----------------------------------------------------------------------------


def compute(
    plan: Plan,
    inputs: LedgerInputs,
    *,
    calibration: str = "none",
    history: Sequence[CycleRecord] = (),
    count_hidden: bool = False,
    lang: Lang | None = None,
    progress: Progress | None = None,
) -> Computation:
    """Every employee's result and the run's summary, from a plan and the ledger's inputs."""
    with _gc_paused():
        return _compute(
            plan, inputs, calibration, history, count_hidden, lang or plan.lang, progress
        )


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: building ~50 small objects per employee otherwise
    triggers it thousands of times (7x slower validation at 10,000 employees). The objects
    built here hold no reference cycles, so nothing is lost by collecting once at the end."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _compute(plan, inputs, calibration, history, count_hidden, lang, progress) -> Computation:
    employees = [e for e in plan.roster.employees if e.is_active]
    ratings, ignored = prepare_ratings(plan, inputs.entries, {e.id: e.role for e in employees})
    cal = fairness.Calibration("none")
    if calibration == "zscore" and len(ratings):
        calibrated, cal = fairness.zscore_calibrate(
            ratings, plan.aggregation.calibration_min_ratees
        )
        ratings["points"] = calibrated
    builder = _Builder(plan, inputs, ratings, lang, count_hidden, calibration)
    results = []
    total = len(employees)
    for i, emp in enumerate(employees, 1):
        results.append(EmployeeResult.model_validate(builder.build(emp)))
        if progress and (i % 500 == 0 or i == total):
            progress(i, total)
    quota = grade_all(plan, results, lang)
    apply_history(plan, results, history)
    rank_departments(results)
    agg = plan.aggregation
    leniency = fairness.leniency_table(ratings, agg.leniency_flag, agg.calibration_min_ratees)
    summary = build_summary(plan, results, ratings, leniency, cal, quota, history, lang)
    summary["ignored_entries"] = ignored
    summary["anonymity"] = {"hidden_groups": "counted" if count_hidden else "excluded"}
    summary["rules"] = rules_text(plan, calibration, count_hidden, lang)
    return Computation(results, summary, ratings, leniency)


def prepare_ratings(
    plan: Plan, entries: pd.DataFrame, role_of: dict[str, str]
) -> tuple[pd.DataFrame, int]:
    """One row per counted rating with its item's scale points; and how many were ignored.

    Ignored: ratings of people not on the roster (or inactive), of items not in the person's
    role, values not on the item's scale, and earlier duplicates of the same rater, person and
    item. Columns: ratee, rater, rtype, item, value, points (calibrated later if asked),
    raw_points, low/high (the scale's point range), return_id.
    """
    import pandas as pd

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
    import numpy as np

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
    import numpy as np

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
class _RoleInfo:
    """What every person of a role shares: items, weights, names (computed once per role)."""

    role: Role
    rated: list[tuple[str, str, str, str, float, float]]  # section, key, code, name, w, section w
    kpi_total: float
    section_weights: dict[str, float]
    rater_weights: dict[str, float]


class _Builder:
    """Builds one employee's result (as a dict EmployeeResult validates in one call)."""

    def __init__(
        self,
        plan: Plan,
        inputs: LedgerInputs,
        ratings: pd.DataFrame,
        lang: Lang,
        count_hidden: bool,
        calibration: str,
    ) -> None:
        self.plan, self.inputs, self.lang = plan, inputs, lang
        self.count_hidden, self.calibration = count_hidden, calibration
        self.agg = plan.aggregation
        self.places = self.agg.decimals
        self.round = lru_cache(maxsize=None)(lambda v: round_half_up(v, self.places))
        self.round2 = lru_cache(maxsize=None)(lambda v: round_half_up(v, 2))
        self.roles = {r.id: self._role_info(r) for r in plan.roles}
        self.people = plan.employee_map()
        self.names = {x.id: x.name for x in plan.roster.external_raters}
        self.names.update({e.id: e.name for e in plan.roster.employees})
        self.types = plan.rater_type_map()
        self.min_count = {t.id: t.min_count for t in plan.rater_types}
        self.targets = plan.target_map()
        self.expected = expected_types(plan)
        self.by_item = type_rows(ratings, self.agg.trim_min_count, self.places)
        entries = inputs.entries
        self.actuals = typed_actuals(entries, self.agg.kpi_actual_priority)
        self.present, self.rater_counts = presence(entries)
        self.comments = comments_by_ratee(entries)

    def _role_info(self, role: Role) -> _RoleInfo:
        comps = self.plan.competency_map()
        task_total = sum(t.weight for t in role.tasks) or 100.0
        comp_total = sum(c.weight for c in role.competencies) or 100.0
        rated = [
            ("task", f"task:{t.code}", t.code, t.label(self.lang), t.weight, task_total)
            for t in role.tasks
        ]
        for ref in role.competencies:
            comp = comps.get(ref.code)
            name = comp.label(self.lang) if comp else ref.code
            rated.append(
                ("competency", f"competency:{ref.code}", ref.code, name, ref.weight, comp_total)
            )
        return _RoleInfo(
            role=role,
            rated=rated,
            kpi_total=sum(k.weight for k in role.kpis) or 100.0,
            section_weights={s: role.weights.of(s) for s in role.sections()},
            rater_weights=dict(self.plan.rater_weights(role)),
        )

    # -- one employee ----------------------------------------------------------------------

    def build(self, emp: Employee) -> dict[str, Any]:
        info = self.roles[emp.role]
        role = info.role
        kpis = [self.kpi(emp, info, k) for k in role.kpis]
        items: dict[str, list[dict[str, Any]]] = {"task": [], "competency": []}
        gaps: list[dict[str, Any]] = []
        for section, key, code, name, weight, section_weight in info.rated:
            item, gap = self.rated(emp.id, info, key, code, name, weight, section_weight)
            items[section].append(item)
            if gap is not None:
                gaps.append(gap)
        sections = {"kpi": kpis, **items}
        weights = info.section_weights
        section_scores = {s: self.section(sections[s]) for s in weights}
        total = None
        if weights and all(v is not None for v in section_scores.values()):
            total = self.round(weighted_mean((section_scores[s], w) for s, w in weights.items()))
        missing = self.missing_types(emp.id)
        complete = not missing and total is not None
        flags = self.flags(emp.id, kpis, [*items["task"], *items["competency"]], gaps, missing)
        if not complete:
            flags.insert(0, "incomplete")
        manager = self.people.get(emp.manager) if emp.manager else None
        strengths, development = strengths_and_development(
            [*kpis, *items["task"], *items["competency"]]
        )
        return {
            "employee_id": emp.id,
            "name": emp.name,
            "department": emp.department,
            "role": role.id,
            "role_name": role.label(self.lang),
            "manager_id": emp.manager,
            "manager_name": manager.name if manager else None,
            "complete": complete,
            "missing_types": missing,
            "section_scores": section_scores,
            "section_weights": weights,
            "total_score": total,
            "kpis": kpis,
            "tasks": items["task"],
            "competencies": items["competency"],
            "gaps": gaps,
            "strengths": strengths,
            "development_areas": development,
            "comments": self.comment_groups(emp),
            "development_goals": list(role.development_goals),
            "target_changes": self.inputs.target_changes.get(emp.id, []),
            "appeals": self.inputs.appeals.get(emp.id, []),
            "flags": flags,
            "calibration": self.calibration,
        }

    def flags(self, emp_id: str, kpis, items, gaps, missing) -> list[str]:
        flags = []
        if any(k["score"] is None for k in kpis):
            flags.append("missing_actual")
        if any(i["score"] is None for i in items):
            flags.append("missing_rating")
        if missing:
            flags.append("missing_type")
        if any(i["high_disagreement"] for i in items):
            flags.append("high_disagreement")
        kinds = {g["kind"] for g in gaps}
        flags += [k for k in ("blind_spot", "hidden_strength") if k in kinds]
        if self.inputs.target_changes.get(emp_id):
            flags.append("target_changed")
        appeals = self.inputs.appeals.get(emp_id, [])
        if any(a.status == "open" for a in appeals):
            flags.append("appeal_open")
        if any(a.status != "open" for a in appeals):
            flags.append("appeal_decided")
        return flags

    def missing_types(self, emp_id: str) -> list[str]:
        """Required rater types assigned to this person that returned nothing for them."""
        expected = self.expected.get(emp_id, set())
        present = self.present.get(emp_id, set())
        return [
            t
            for t in RATER_TYPE_ORDER
            if t in self.types and self.types[t].required and t in expected and t not in present
        ]

    def section(self, items: Sequence[dict[str, Any]]) -> float | None:
        if not items or any(i["score"] is None for i in items):
            return None
        return self.round(weighted_mean((i["score"], i["weight"]) for i in items))

    # -- KPIs --------------------------------------------------------------------------------

    def kpi(self, emp: Employee, info: _RoleInfo, kpi) -> dict[str, Any]:
        planned = self.targets.get((emp.id, kpi.code))
        target = planned.target if planned else kpi.target
        baseline = planned.baseline if planned and planned.baseline is not None else kpi.baseline
        original = None
        changes = [c for c in self.inputs.target_changes.get(emp.id, []) if c.kpi_code == kpi.code]
        if changes:
            original, target = target, changes[-1].new_target
        imported = self.inputs.imported.get((emp.id, kpi.code))
        if imported is not None:
            actual, source = imported[0], "import"
        else:
            actual, source = self.actuals.get((emp.id, f"kpi:{kpi.code}"), (None, None))
        score = completion = None
        if actual is not None:
            score = kpi_score(kpi, actual, target, baseline, self.places)
            completion = kpi_completion(kpi, actual, target, baseline)
        return {
            "code": kpi.code,
            "name": kpi.label(self.lang),
            "unit": kpi.unit,
            "weight": kpi.weight,
            "target": target,
            "original_target": original,
            "baseline": baseline,
            "actual": actual,
            "actual_source": source,
            "completion": None if completion is None else round_half_up(completion, 4),
            "score": score,
            "weighted": None if score is None else self.round(score * kpi.weight / info.kpi_total),
        }

    # -- rated items -------------------------------------------------------------------------

    def rated(
        self,
        emp_id: str,
        info: _RoleInfo,
        key: str,
        code: str,
        name: str,
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
            "name": name,
            "weight": weight,
            "by_type": by_type,
            "score": score,
            "weighted": None if score is None else self.round(score * weight / section_weight),
            "spread": spread,
            "high_disagreement": spread is not None and spread >= self.agg.disagreement_flag - 1e-9,
        }
        return item, self.gap(code, name, shown_ratings, info.rater_weights)

    def gap(self, code: str, name: str, ratings: dict[str, float], weights) -> dict | None:
        """Self against the others' combined rating (shown types, scale values)."""
        own = ratings.get("self")
        others = {t: v for t, v in ratings.items() if t != "self"}
        if own is None or not others:
            return None
        other = combine_rater_types(others, weights)
        if other is None:
            return None
        other = self.round2(other)
        gap, kind = fairness.self_other_gap(own, other, self.agg.blind_spot_gap)
        return {
            "code": code,
            "name": name,
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
                comments = [
                    {"field": f, "text": t, "author": self.names.get(r, r)} for r, f, t in rows
                ]
            else:
                key = f"{self.plan.cycle.id}:{emp.id}:{rtype}"
                rows = sorted(rows, key=lambda x: _digest(key, x[1], x[2]))
                comments = [{"field": f, "text": t, "author": None} for _, f, t in rows]
            groups.append({"rater_type": rtype, "comments": comments})
        return groups


def _digest(*parts: str) -> str:
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).hexdigest()


def _get(item: Any, name: str) -> Any:
    return item[name] if isinstance(item, dict) else getattr(item, name)


def strengths_and_development(items: Sequence[Any], most: int = 3) -> tuple[list[str], list[str]]:
    """Names of the highest and lowest scored items (KPIs and rated items).

    Up to ``most`` each and never more than half of the scored items, so no item is both;
    an item only counts as a strength if it scored above the lowest item, and as a development
    area if below the highest (equal scores everywhere give neither).
    """
    scored = [
        (_get(i, "score"), pos, _get(i, "name"))
        for pos, i in enumerate(items)
        if _get(i, "score") is not None
    ]
    if len(scored) < 2:
        return [], []
    n = min(most, len(scored) // 2)
    high = max(s for s, _, _ in scored)
    low = min(s for s, _, _ in scored)
    best = sorted(scored, key=lambda x: (-x[0], x[1]))[:n]
    worst = sorted(scored, key=lambda x: (x[0], x[1]))[:n]
    return [nm for s, _, nm in best if s > low], [nm for s, _, nm in worst if s < high]


def expected_types(plan: Plan) -> dict[str, set[str]]:
    """The required rater types each person is assigned, by the rules of
    :func:`raters.build_assignments` (peers drawn only when peers are required: drawing is the
    slow part for large departments)."""
    required = {t.id for t in plan.rater_types if t.required}
    if "peer" in required:
        from .raters import build_assignments

        expected: dict[str, set[str]] = defaultdict(set)
        for a in build_assignments(plan):
            expected[a.ratee].add(a.type)
        return expected
    active = {e.id: e for e in plan.roster.employees if e.is_active}
    expected = defaultdict(set)
    for e in active.values():
        expected[e.id].add("self")
        if e.manager and e.manager in active:
            expected[e.id].add("manager")
            expected[e.manager].add("subordinate")
    for rel in plan.roster.relations:
        expected[rel.ratee].add(rel.type)
    return expected


def typed_actuals(
    entries: pd.DataFrame, priority: Sequence[str]
) -> dict[tuple[str, str], tuple[float, str]]:
    """(ratee, kpi item) -> (actual, rater type whose entry counts): the first type in the
    priority order that entered one; within a type the latest return."""
    df = entries.loc[entries["field"] == "actual"]
    df = df.loc[df["item"].str.startswith("kpi:")].dropna(subset=["value_num"])
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


# --- grades ------------------------------------------------------------------------------------


def grade_all(plan: Plan, results: list[EmployeeResult], lang: Lang) -> dict[str, Any]:
    """Grades by thresholds, then forced distribution if the plan enables it (complete results
    only). Returns the quota facts for the summary."""
    grading = plan.grading
    levels = sorted(grading.levels, key=lambda g: g.min_score, reverse=True)
    index = {g.code: i for i, g in enumerate(levels)}
    for res in results:
        if res.complete and res.total_score is not None:
            res.grade = grade_for(res.total_score, levels).code
    fd = grading.forced_distribution
    quotas = [g.quota for g in levels]
    info: dict[str, Any] = {
        "enabled": fd.enabled,
        "mode": fairness.quota_mode(quotas),
        "group_by": fd.group_by,
        "min_group_size": fd.min_group_size,
        "tie_rule": fd.tie_rule,
        "groups": {},
        "unforced": [],
        "moves": [],
    }
    graded = [r for r in results if r.grade is not None]
    if fd.enabled and any(q is not None for q in quotas) and graded:
        _force(graded, levels, index, quotas, fd, info)
    for res in results:
        if res.grade is not None:
            grade = levels[index[res.grade]]
            res.coefficient = grade.coefficient
            res.consequence = grade.consequence_text(lang)
    return info


def _force(graded, levels, index, quotas, fd, info: dict[str, Any]) -> None:
    def unit(r: EmployeeResult) -> str:
        return {"department": r.department, "role": r.role}.get(fd.group_by, "*all*")

    by_id = {r.employee_id: r for r in graded}
    groups = fairness.quota_groups({r.employee_id: unit(r) for r in graded}, fd.min_group_size)
    info["groups"] = {label: len(m) for label, m in groups.groups.items()}
    info["unforced"] = list(groups.unforced)
    for label, members in groups.groups.items():
        if label in groups.unforced:
            continue
        scores = {m: by_id[m].total_score for m in members}
        thresholds = {m: index[by_id[m].grade] for m in members}
        final = fairness.forced_distribution(scores, thresholds, quotas, fd.tie_rule)
        for emp, level in final.items():
            res = by_id[emp]
            res.quota_group = label
            code = levels[level].code
            if code != res.grade:
                info["moves"].append(
                    {
                        "employee_id": emp,
                        "group": label,
                        "from": res.grade,
                        "to": code,
                        "total_score": res.total_score,
                    }
                )
                res.grade_before_quota = res.grade
                res.grade = code
                res.flags.append("moved_by_quota")


def rank_departments(results: list[EmployeeResult]) -> None:
    """Rank (1 = best, ties share a rank) and percentile within the department, complete only."""
    import bisect

    by_dept: dict[str, list[EmployeeResult]] = defaultdict(list)
    for r in results:
        if r.complete and r.total_score is not None:
            by_dept[r.department].append(r)
    for members in by_dept.values():
        ascending = sorted(r.total_score for r in members)  # type: ignore[misc]
        n = len(ascending)
        for r in members:
            above = n - bisect.bisect_right(ascending, r.total_score)
            r.rank_in_department = above + 1
            r.department_size = n
            r.percentile = round_half_up((n - above) / n, 4)


# --- summary and storage ------------------------------------------------------------------------


def build_summary(
    plan: Plan,
    results: list[EmployeeResult],
    ratings: pd.DataFrame,
    leniency: pd.DataFrame,
    cal: fairness.Calibration,
    quota: dict[str, Any],
    history: Sequence[CycleRecord],
    lang: Lang,
) -> dict[str, Any]:
    codes = [g.code for g in sorted(plan.grading.levels, key=lambda g: -g.min_score)]
    distribution = dict.fromkeys(codes, 0)
    before = dict.fromkeys(codes, 0)
    for r in results:
        if r.grade:
            distribution[r.grade] += 1
            before[r.grade_before_quota or r.grade] += 1
    c = plan.cycle
    return {
        "cycle": {
            "id": c.id,
            "name": c.label(lang),
            "period": c.period,
            "start": c.start.isoformat(),
            "end": c.end.isoformat(),
            "company": plan.company.name,
        },
        "computed_at": now(),
        "employees": len(results),
        "complete": sum(1 for r in results if r.complete),
        "incomplete": [
            {
                "employee_id": r.employee_id,
                "missing_types": list(r.missing_types),
                "flags": [f for f in r.flags if f != "incomplete"],
            }
            for r in results
            if not r.complete
        ],
        "distribution": distribution,
        "distribution_before_quota": before,
        "departments": department_stats(results, codes),
        "calibration": cal.as_dict(),
        "leniency": _records(leniency),
        "reliability": fairness.reliability_by_type(ratings) if len(ratings) else {},
        "quota": quota,
        "previous_cycles": [
            {
                "cycle_id": h.cycle.id,
                "name": h.cycle.label(lang),
                "period": h.cycle.period,
                "end": h.cycle.end.isoformat(),
                "workspace": str(h.workspace),
            }
            for h in history
        ],
    }


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in df.to_dict("records"):
        out.append({k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()})
    return out


def department_stats(results: list[EmployeeResult], codes: list[str]) -> list[dict[str, Any]]:
    """Per department: head count, complete results, mean/median/std/min/max, grade counts."""
    import statistics

    by_dept: dict[str, list[EmployeeResult]] = defaultdict(list)
    for r in results:
        by_dept[r.department].append(r)
    rows = []
    for dept in sorted(by_dept):
        members = by_dept[dept]
        totals = [r.total_score for r in members if r.complete and r.total_score is not None]
        grades = dict.fromkeys(codes, 0)
        for r in members:
            if r.grade:
                grades[r.grade] += 1
        rows.append(
            {
                "department": dept,
                "employees": len(members),
                "complete": len(totals),
                "mean": round_half_up(statistics.fmean(totals), 2) if totals else None,
                "median": round_half_up(statistics.median(totals), 2) if totals else None,
                "std": round_half_up(statistics.pstdev(totals), 2) if len(totals) > 1 else None,
                "min": min(totals) if totals else None,
                "max": max(totals) if totals else None,
                "grades": grades,
            }
        )
    return rows


def rules_text(plan: Plan, calibration: str, count_hidden: bool, lang: Lang) -> dict[str, str]:
    """The rules this run used, in words HR can read out to an employee."""
    a, fd = plan.aggregation, plan.grading.forced_distribution
    quotas = [g.quota for g in plan.grading.levels]
    mode = fairness.quota_mode(quotas)
    t = lambda zh, en: tr(lang, zh, en)  # noqa: E731
    rules = {
        "kpi": t(
            f"KPI 得分按指标的计分规则由实际值计算；导入的实际值优先，其次按 {'、'.join(a.kpi_actual_priority)} 的顺序取填写值",
            f"KPI scores follow each KPI's rule from the actual; imported actuals win, then typed ones in the order {', '.join(a.kpi_actual_priority)}",
        ),
        "trim": t(
            f"同一类评价人达到 {a.trim_min_count} 人及以上时，去掉一个最高分和一个最低分后取平均",
            f"With {a.trim_min_count} or more raters of one type, the single highest and lowest are dropped before the mean",
        ),
        "types": t(
            "各类评价人的得分按权重加权，权重在实际有评分的类型间重新归一；缺少必需的评价人类型时结果不完整、不评等级",
            "Rater types are weighted by their weights, renormalised over the types present; a missing required type leaves the result incomplete and ungraded",
        ),
        "rounding": t(
            f"每一级得分先四舍五入到 {a.decimals} 位小数再参与下一步计算",
            f"Every figure is rounded half up to {a.decimals} decimals before the next step uses it",
        ),
        "anonymity": t(
            "人数低于最少人数的匿名评价组不单独显示、评语不显示，"
            + ("但仍计入得分" if count_hidden else "也不计入得分（以免由总分反推）"),
            "Rater groups below their minimum count are not shown and their comments are withheld; "
            + (
                "they still count in the score"
                if count_hidden
                else "they do not count in the score either (it could be worked back from the total)"
            ),
        ),
        "calibration": t(
            "未做评价人校准"
            if calibration == "none"
            else f"Z 分数校准：评价了至少 {a.calibration_min_ratees} 人的评价人，其评分换算到全体评分的均值和标准差",
            "No rater calibration"
            if calibration == "none"
            else f"Z-score calibration: raters who rated at least {a.calibration_min_ratees} people are put on the pooled mean and spread",
        ),
        "leniency": t(
            f"评价人平均分与同一批被评人其他评价人的平均分相差 {a.leniency_flag} 分（量表分）及以上时标记",
            f"A rater is flagged when their mean rating differs from the other raters of the same people by {a.leniency_flag} scale points or more",
        ),
        "disagreement": t(
            f"同一项目他评分数的标准差达到 {a.disagreement_flag} 时标记为分歧较大",
            f"An item is flagged for disagreement when the others' ratings have a standard deviation of {a.disagreement_flag} or more",
        ),
        "gap": t(
            f"自评比他评高 {a.blind_spot_gap} 分及以上为盲点，低 {a.blind_spot_gap} 分及以上为潜在优势",
            f"Self {a.blind_spot_gap} scale points or more above others is a blind spot; as far below, a hidden strength",
        ),
    }
    if fd.enabled:
        how = t(
            "按名次和比例分配（各等级人数由最大余数法计算）"
            if mode == "exact"
            else "有比例的等级人数不超过比例（超出者按分数降到下一等级）",
            "ranked and split by the shares (head counts by largest remainder)"
            if mode == "exact"
            else "a grade with a quota holds at most its share (the lowest scores move down a grade)",
        )
        tie = t(
            "同分者都保留在较好的等级" if fd.tie_rule == "favour_employee" else "同分按工号排序",
            "equal scores all stay in the better grade"
            if fd.tie_rule == "favour_employee"
            else "equal scores are ordered by employee id",
        )
        rules["forced_distribution"] = t(
            f"强制分布：按{fd.group_by}分组，不足 {fd.min_group_size} 人的组合并；{how}；{tie}",
            f"Forced distribution per {fd.group_by}, groups under {fd.min_group_size} pooled; {how}; {tie}",
        )
    return rules


def store(conn: sqlite3.Connection, plan: Plan, comp: Computation) -> int:
    """A ``consolidate`` run and one results row per employee, in the caller's transaction."""
    version = freeze_plan(conn, plan.model_dump_json())
    summary = json.dumps(comp.summary, ensure_ascii=False, default=_json_default)
    cur = conn.execute(
        "INSERT INTO runs (kind, plan_version, started_at, summary_json) VALUES (?, ?, ?, ?)",
        ("consolidate", version, now(), summary),
    )
    run_id = int(cur.lastrowid)
    conn.executemany(
        "INSERT INTO results (run_id, employee_id, total_score, grade, complete, detail_json)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            (run_id, r.employee_id, r.total_score, r.grade, int(r.complete), r.model_dump_json())
            for r in comp.results
        ),
    )
    audit(
        conn,
        "consolidate",
        f"run {run_id}",
        employees=len(comp.results),
        complete=comp.summary["complete"],
        calibration=comp.summary["calibration"]["method"],
        moved_by_quota=len(comp.summary["quota"]["moves"]),
    )
    return run_id


def _json_default(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON serialisable: {value!r}")
