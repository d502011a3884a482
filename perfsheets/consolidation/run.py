"""Consolidation: the accepted returns in the ledger become each employee's result.

The steps, each with every intermediate figure kept in :class:`~perfsheets.core.results.EmployeeResult`:

1. KPI item score from the actual by the KPI's scoring rule (:func:`scoring.kpi_score`, the same
   arithmetic as the form formulas). An imported actual wins over typed ones; among typed ones
   the plan's ``aggregation.kpi_actual_priority`` decides (the manager's entry by default).
   The latest approved target change replaces the target.
2. Rated items (key tasks, competencies): ratings map to points by the item's scale; per rater
   type the mean, dropping the single highest and lowest with ``trim_min_count`` or more raters.
   Optionally each rater is first put on a common scale (z-scores, :mod:`perfsheets.consolidation.fairness`).
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

import bisect
import datetime as dt
import gc
import json
import sqlite3
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from perfsheets.consolidation import fairness
from perfsheets.consolidation import outputs as results_book
from perfsheets.consolidation.history import (
    CycleRecord,
    YearRollup,
    apply_history,
    load_history,
    year_rollup,
)
from perfsheets.consolidation.inputs import Computation, LedgerInputs
from perfsheets.consolidation.scorecard import Builder, prepare_ratings
from perfsheets.core.i18n import tr
from perfsheets.core.model import Lang, Plan
from perfsheets.core.problems import PerfsheetsError
from perfsheets.core.results import Appeal, EmployeeResult
from perfsheets.core.scoring import grade_for, round_half_up
from perfsheets.ledger.changes import imported_actuals, load_appeals, load_target_changes
from perfsheets.ledger.results import accepted_entries, store_run
from perfsheets.ledger.status import accepted_returns, forms_without_return
from perfsheets.ledger.workspace import Workspace, audit, freeze_plan, now
from perfsheets.plan.io import load_plan

__all__ = [
    "Computation",
    "ConsolidationResult",
    "LedgerInputs",
    "compute",
    "consolidate",
    "entries_frame",
    "read_inputs",
    "rollup_year",
]

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
    outstanding_forms: int  # forms with no accepted return yet
    outstanding_departments: dict[str, int]
    provisional: bool  # forced distribution over a population not yet fully collected
    flagged_raters: int
    distribution: dict[str, int]
    scores_csv: Path
    results_xlsx: Path
    ratings_csv: Path
    previous_cycles: list[str] = field(default_factory=list)
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step

    def __post_init__(self) -> None:
        # Not a dataclass field: --json output stays a short summary for any company size.
        self._results: list[EmployeeResult] = []

    @property
    def results(self) -> list[EmployeeResult]:
        return self._results


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
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        timings[name] = round(time.perf_counter() - clock, 3)
        clock = time.perf_counter()

    history = load_history(previous, ws.root, plan)
    with _gc_paused():
        with ws.ledger() as conn:
            if not accepted_returns(conn):
                raise PerfsheetsError(
                    tr(
                        lang,
                        "还没有任何已接收的回收表：请先运行 perfsheets collect",
                        "no accepted returns yet: run 'perfsheets collect' first",
                    ),
                    exit_code=1,
                )
            inputs = read_inputs(conn)
            outstanding = outstanding_by_department(plan, forms_without_return(conn))
        lap("read")
        comp = compute(
            plan,
            inputs,
            calibration=method,
            history=history,
            count_hidden=count_hidden,
            lang=lang,
            progress=progress,
        )
        lap("compute")
        comp.summary["outstanding"] = outstanding
        comp.summary["quota"]["provisional"] = bool(outstanding["forms"]) and bool(
            comp.summary["quota"]["enabled"]
        )
        # Compute -> store -> write: results.xlsx is started first because for large runs a
        # worker process writes it while the ledger is stored and the CSVs are written.
        ws.results.mkdir(parents=True, exist_ok=True)
        book = results_book.BookWriter(ws.results / "results.xlsx", comp, plan, lang)
        lap("results.xlsx" if book.process is None else "results.xlsx worker started")
        try:
            with ws.ledger() as conn:
                run_id = store(conn, plan, comp)
            lap("store")
            files = results_book.write_csvs(ws.results, comp, plan, lang, lap)
        except BaseException:
            book.abandon()
            raise
        background = book.process is not None
        files["results"] = book.finish()
        if background:
            lap("results.xlsx wait")  # the time still spent waiting for the worker
    summary = comp.summary
    result = ConsolidationResult(
        workspace=ws.root,
        run_id=run_id,
        calibration=method,
        employees=len(comp.results),
        complete=summary["complete"],
        incomplete=len(summary["incomplete"]),
        moved_by_quota=len(summary["quota"]["moves"]),
        outstanding_forms=summary["outstanding"]["forms"],
        outstanding_departments=summary["outstanding"]["departments"],
        provisional=summary["quota"]["provisional"],
        flagged_raters=int(comp.leniency["flagged"].sum()) if len(comp.leniency) else 0,
        distribution=summary["distribution"],
        scores_csv=files["scores"],
        results_xlsx=files["results"],
        ratings_csv=files["ratings"],
        previous_cycles=[c["cycle_id"] for c in summary["previous_cycles"]],
        seconds=round(time.perf_counter() - started, 3),
        timings=timings,
    )
    result._results = comp.results
    return result


def rollup_year(
    workspaces: Sequence[str | Path],
    *,
    plan: Plan | None = None,
    out: str | Path | None = None,
    lang: Lang | None = None,
) -> YearRollup:
    """Year results from the cycles' ledgers, by the plan's ``rollup`` period weights (see
    :func:`perfsheets.consolidation.history.year_rollup`); ``out``: also write a CSV there."""
    rollup, used, language = year_rollup(workspaces, plan=plan, lang=lang)
    if out is not None:
        rollup.csv = results_book.write_year_csv(Path(out), rollup, used, language)
    return rollup


def outstanding_by_department(plan: Plan, forms: list[tuple[str, str]]) -> dict[str, Any]:
    """How many forms have no accepted return yet, in all and per rater's department (plan
    order; external raters last): forced distribution over such a population is provisional."""
    department = {e.id: e.department for e in plan.roster.employees}
    counts: dict[str, int] = defaultdict(int)
    for _form, rater in forms:
        counts[department.get(rater, "")] += 1
    order = {d: i for i, d in enumerate(dict.fromkeys(e.department for e in plan.roster.employees))}
    by_dept = dict(sorted(counts.items(), key=lambda kv: order.get(kv[0], len(order))))
    return {"forms": len(forms), "departments": by_dept}


def _load_plan(ws: Workspace) -> Plan:
    return load_plan(ws.plan_path())


# --- reading the ledger -----------------------------------------------------------------------

ENTRY_COLUMNS = ("ratee", "rater", "rtype", "item", "field", "value_num", "value_text", "return_id")


def entries_frame(rows: Iterable[Sequence[Any]]) -> pd.DataFrame:
    """Entry rows (ratee, rater, rater type, item key, field, number, text, return id) as the
    DataFrame :func:`compute` reads."""
    import pandas as pd

    entries = pd.DataFrame.from_records(list(map(tuple, rows)), columns=list(ENTRY_COLUMNS))
    # Ids and keys repeat a lot: categories make every later filter, sort and group cheap.
    for col in ("ratee", "rater", "rtype", "item", "field"):
        entries[col] = entries[col].astype("category")
    entries["value_num"] = entries["value_num"].astype(float)
    return entries


def read_inputs(conn: sqlite3.Connection) -> LedgerInputs:
    """Entries of the accepted, not superseded returns, imported actuals, target changes and
    appeals."""
    entries = entries_frame(accepted_entries(conn))
    imported = imported_actuals(conn)
    changes = load_target_changes(conn)
    appeals: dict[str, list[Appeal]] = defaultdict(list)
    for record in load_appeals(conn):
        appeals[record.employee_id].append(record.as_result())
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
    builder = Builder(plan, inputs, ratings, lang, count_hidden, calibration)
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
    # Raters compared on fewer people say little (and would fill the table at scale).
    leniency = leniency[leniency["ratees"] >= agg.calibration_min_ratees].reset_index(drop=True)
    summary = build_summary(plan, results, ratings, leniency, cal, quota, history, lang)
    summary["ignored_entries"] = ignored
    summary["anonymity"] = {"hidden_groups": "counted" if count_hidden else "excluded"}
    summary["rules"] = rules_text(plan, calibration, count_hidden, lang)
    return Computation(results, summary, ratings, leniency)


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
    kinds = [g.quota_kind for g in levels]
    info: dict[str, Any] = {
        "enabled": fd.enabled,
        "mode": fairness.quota_mode(quotas, kinds),
        "kinds": dict(
            zip([g.code for g in levels], fairness.quota_kinds(quotas, kinds), strict=True)
        ),
        "group_by": fd.group_by,
        "min_group_size": fd.min_group_size,
        "tie_rule": fd.tie_rule,
        "groups": {},
        "unforced": [],
        "moves": [],
    }
    graded = [r for r in results if r.grade is not None]
    wanted = any(q is not None for q in quotas) or fd.minimum_shares
    if fd.enabled and wanted and graded:
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
        kinds = [g.quota_kind for g in levels]
        minimums = [
            ([index[c] for c in m.grades if c in index], m.share) for m in fd.minimum_shares
        ]
        final = fairness.forced_distribution(
            scores, thresholds, quotas, fd.tie_rule, kinds, minimums
        )
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
    by_dept: dict[str, list[tuple[float, EmployeeResult]]] = defaultdict(list)
    for r in results:
        if r.complete and r.total_score is not None:
            by_dept[r.department].append((r.total_score, r))
    for members in by_dept.values():
        ascending = sorted(score for score, _ in members)
        n = len(ascending)
        for score, r in members:
            above = n - bisect.bisect_right(ascending, score)
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
    """The run's summary (``runs.summary_json``; read it with ``results.run_summary``).

    Keys: ``cycle`` {id, name, period, start, end, company}; ``computed_at``; ``employees``;
    ``complete`` (count); ``incomplete`` [{employee_id, missing_types, flags}];
    ``distribution`` and ``distribution_before_quota`` {grade: count}, best grade first;
    ``departments`` [{department, employees, complete, mean, median, std, min, max, grades}];
    ``calibration`` {method, pool_mean, pool_std, calibrated_raters, uncalibrated_raters,
    min_ratees}; ``leniency`` [{rater, rtype, ratings, ratees, mean_rating, others_mean,
    difference, flagged}]; ``reliability`` {rater type: {alpha, units, ratings}};
    ``quota`` {enabled, mode, group_by, min_group_size, tie_rule, groups, unforced,
    moves [{employee_id, group, from, to, total_score}]}; ``previous_cycles``; and, added by
    :func:`compute`, ``ignored_entries``, ``anonymity`` {hidden_groups} and ``rules``
    {topic: sentence in the plan's language}.
    """
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
        out.append({str(k): (v.item() if hasattr(v, "item") else v) for k, v in row.items()})
    return out


def department_stats(results: list[EmployeeResult], codes: list[str]) -> list[dict[str, Any]]:
    """Per department: head count, complete results, mean/median/std/min/max, grade counts."""
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
    levels = sorted(plan.grading.levels, key=lambda g: g.min_score, reverse=True)
    quotas = [g.quota for g in levels]
    mode = fairness.quota_mode(quotas, [g.quota_kind for g in levels])
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
            f"评价了至少 {a.calibration_min_ratees} 人（且有他人同评）的评价人列入宽严度表；其平均分与同一批被评人其他评价人的平均分相差 {a.leniency_flag} 分（量表分）及以上时标记",
            f"Raters who rated at least {a.calibration_min_ratees} people that others rated too are listed; flagged when their mean rating differs from the other raters of the same people by {a.leniency_flag} scale points or more",
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
            "按名次和固定比例分配（各等级人数由最大余数法计算，可上可下）"
            if mode == "exact"
            else "比例上限：等级人数不超过上限（超出者按分数降到下一等级，不会有人被调高）；"
            "比例下限：人数不足时从相邻等级按名次调入最少的人数",
            "ranked and split by fixed shares (head counts by largest remainder; people can move up or down)"
            if mode == "exact"
            else "a maximum share caps a grade (the lowest scores move down a grade; nobody is lifted); "
            "a minimum share, where not met, takes the fewest people needed from the next grade by rank",
        )
        tie = t(
            "同分者都保留在较好的等级" if fd.tie_rule == "favour_employee" else "同分按工号排序",
            "equal scores all stay in the better grade"
            if fd.tie_rule == "favour_employee"
            else "equal scores are ordered by employee id",
        )
        unit_zh = {"department": "部门", "role": "岗位", "all": "全公司"}[fd.group_by]
        unit_en = {"department": "department", "role": "role", "all": "whole company"}[fd.group_by]
        rules["forced_distribution"] = t(
            f"强制分布：按{unit_zh}分组，不足 {fd.min_group_size} 人的组合并；{how}；{tie}",
            f"Forced distribution per {unit_en}, groups under {fd.min_group_size} pooled; {how}; {tie}",
        )
    return rules


def store(conn: sqlite3.Connection, plan: Plan, comp: Computation) -> int:
    """A ``consolidate`` run and one results row per employee, in the caller's transaction."""
    version = freeze_plan(conn, plan.model_dump_json())
    summary = json.dumps(comp.summary, ensure_ascii=False, default=_json_default)
    run_id = store_run(
        conn,
        version,
        now(),
        summary,
        (
            (r.employee_id, r.total_score, r.grade, r.complete, r.model_dump_json())
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
