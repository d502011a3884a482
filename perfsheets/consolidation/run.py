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
6. Bonus coefficient of the grade; promotion candidates (top grade ``promotion_after`` cycles
   running).
7. Trend from earlier cycles' ledgers; :func:`rollup_year` rolls cycles up into a year result.

:func:`compute` gives results by codes and numbers; :func:`consolidate` stores them so (the
ledger keeps no names), then writes the books with the plan's names and the grades'
consequences put in (:class:`perfsheets.core.naming.Namer`), as reports do later from the plan
version frozen with the run.

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
import json
import sqlite3
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from perfsheets.consolidation import book_writer, csv_files, fairness, year_book
from perfsheets.consolidation.decided import decide
from perfsheets.consolidation.grading import force_year_grades, grade_all, rank_departments
from perfsheets.consolidation.history import (
    CycleRecord,
    YearRollup,
    apply_history,
    load_history,
    year_rollup,
)
from perfsheets.consolidation.inputs import Computation, LedgerInputs
from perfsheets.consolidation.scorecard import Builder, prepare_ratings
from perfsheets.consolidation.summary import build_summary, rules_text
from perfsheets.core.eligibility import assessed
from perfsheets.core.i18n import tr
from perfsheets.core.model import Lang, Plan
from perfsheets.core.naming import Namer
from perfsheets.core.problems import PerfsheetsError
from perfsheets.core.results import Appeal, EmployeeResult
from perfsheets.files import atomic
from perfsheets.ledger import integrity
from perfsheets.ledger.calibration import ensure_open, trails
from perfsheets.ledger.changes import imported_actuals, load_appeals, load_target_changes
from perfsheets.ledger.results import dropped_relations, entries_in_force, store_run
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
    skipped_workspaces: list[str] = field(default_factory=list)  # unreadable sibling folders
    dropped_relations: int = 0  # rater -> ratee relations of old returns no form holds now
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

    try:  # a switch a killed run left half-done; killed writers' temporary files
        atomic.recover(ws.results)
    except atomic.SwitchBlocked as exc:
        raise PerfsheetsError(str(exc)) from exc
    skipped: list[Path] = []
    history = load_history(previous, ws.root, plan, skipped)
    with _gc_paused():
        with ws.ledger() as conn:
            ensure_open(conn, "consolidate", lang)  # a released cycle's results stay as released
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
            decided = trails(conn)  # the committee's decisions carry over to a new run
            outstanding = outstanding_by_department(plan, forms_without_return(conn))
            dropped = dropped_relations(conn)
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
        comp.summary["dropped_relations"] = [
            {"rater": rater, "ratee": ratee, "rater_type": rtype, "entries": n}
            for rater, ratee, rtype, n in dropped
        ]
        comp.summary["quota"]["provisional"] = bool(outstanding["forms"]) and bool(
            comp.summary["quota"]["enabled"]
        )
        # Compute -> store -> write. The ledger keeps codes and numbers; the books show the
        # plan's names, put in after the store. For large runs a worker process writes
        # results.xlsx meanwhile (started first: it names its own copy).
        # The run's files are written into a staging folder and switched in together, so
        # results/ never holds one run's scores.csv beside another's results.xlsx.
        staged = atomic.stage(ws.results)
        book = book_writer.BookWriter(staged / RESULT_FILES[2], comp, plan, lang, decided)
        if book.process is not None:
            lap("results.xlsx worker started")
        try:
            with ws.ledger() as conn:
                run_id = store(conn, plan, comp)
            lap("store")
            decide(comp, decided, plan)  # the files show final grades; the ledger as computed
            Namer(plan, lang).name_all(comp.results)
            lap("names")
            csv_files.write_csvs(staged, comp, plan, lang, lap)
        except BaseException:
            book.abandon()
            atomic.abandon(staged)
            raise
        background = book.process is not None
        try:
            book.finish()
        except BaseException:
            atomic.abandon(staged)
            raise
        # In-process: the time writing the book; in a worker: the time still spent waiting.
        lap("results.xlsx wait" if background else "results.xlsx")
        # A switch that fails half-way (a folder or a locked file in the way) keeps its journal:
        # the next run finishes it once the obstacle is gone.
        try:
            scores, ratings, results = atomic.switch_in(staged, ws.results, RESULT_FILES)
        except atomic.SwitchBlocked as exc:
            raise PerfsheetsError(str(exc)) from exc
        files = {"scores": scores, "ratings": ratings, "results": results}
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
        skipped_workspaces=[str(p) for p in skipped],
        dropped_relations=len(summary["dropped_relations"]),
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
    allow_partial: bool = False,
) -> YearRollup:
    """Year results from the cycles' ledgers, by the plan's ``rollup`` period weights (see
    :func:`perfsheets.consolidation.history.year_rollup`); ``out``: also write a CSV there."""
    rollup, used, language = year_rollup(
        workspaces, plan=plan, lang=lang, allow_partial=allow_partial
    )
    rollup.moved_by_quota = force_year_grades(used, rollup.results)
    if out is not None:
        target = Path(out)
        if target.suffix.lower() == ".xlsx":
            rollup.csv = year_book.write_year_book(target, rollup, used, language)
        else:
            rollup.csv = csv_files.write_year_csv(target, rollup, used, language)
    return rollup


# What one consolidation run writes into results/, switched in together.
RESULT_FILES = ("scores.csv", "ratings.csv", "results.xlsx")


def outstanding_by_department(plan: Plan, forms: list[tuple[str, str]]) -> dict[str, Any]:
    """How many forms have no accepted return yet, in all and per rater's department (plan
    order; external raters last): forced distribution over such a population is provisional."""
    department = {e.id: e.department for e in plan.roster.employees}
    counts: dict[str, int] = defaultdict(int)
    for _form, rater in forms:
        counts[department.get(rater, "")] += 1
    order = {d: i for i, d in enumerate(plan.departments())}
    by_dept = dict(sorted(counts.items(), key=lambda kv: order.get(kv[0], len(order))))
    return {"forms": len(forms), "departments": by_dept}


def _load_plan(ws: Workspace) -> Plan:
    return load_plan(ws.plan_path())


# --- reading the ledger -----------------------------------------------------------------------

ENTRY_COLUMNS = ("ratee", "rater", "rtype", "item", "field", "value_num", "value_text", "return_id")


def entries_frame(rows: Iterable[Sequence[Any]]) -> pd.DataFrame:
    """Entry rows (ratee, rater, rater type, item key, field, number, text, return id) as the
    DataFrame :func:`compute` reads."""
    import pandas as pd  # heavy: loaded on first use, not at start-up

    entries = pd.DataFrame.from_records(list(map(tuple, rows)), columns=list(ENTRY_COLUMNS))
    # Ids and keys repeat a lot: categories make every later filter, sort and group cheap.
    for col in ("ratee", "rater", "rtype", "item", "field"):
        entries[col] = entries[col].astype("category")
    entries["value_num"] = entries["value_num"].astype(float)
    return entries


def read_inputs(conn: sqlite3.Connection) -> LedgerInputs:
    """Entries of the accepted, not superseded returns, imported actuals, target changes and
    appeals."""
    every = entries_in_force(conn)
    changed = integrity.changed_in_force(conn, [row[:8] for row in every])
    if changed:  # a rating edited or deleted in the ledger by hand: scores would be wrong
        raise PerfsheetsError(
            f"{len(changed)} accepted return(s) no longer match what was collected"
            f" ({changed[0].subject}: its entries were changed or deleted by hand);"
            " run 'perfsheets verify'"
        )
    # Relations the current forms no longer hold (removed, forms generated again) do not count.
    entries = entries_frame([row[:8] for row in every if row[8]])
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
    """Every employee's result (codes and numbers, no names) and the run's summary (in
    ``lang``), from a plan and the ledger's inputs."""
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
    employees = assessed(plan)
    ratings, ignored = prepare_ratings(plan, inputs.entries, {e.id: e.role for e in employees})
    cal = fairness.Calibration("none")
    if calibration == "zscore" and len(ratings):
        calibrated, cal = fairness.zscore_calibrate(
            ratings, plan.aggregation.calibration_min_ratees
        )
        ratings["points"] = calibrated
    builder = Builder(plan, inputs, ratings, count_hidden, calibration)
    results = []
    total = len(employees)
    for i, emp in enumerate(employees, 1):
        results.append(EmployeeResult.model_validate(builder.build(emp)))
        if progress and (i % 500 == 0 or i == total):
            progress(i, total)
    quota = grade_all(plan, results)
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


def store(conn: sqlite3.Connection, plan: Plan, comp: Computation) -> int:
    """A ``consolidate`` run and one results row per employee, in the caller's transaction
    (the results as computed: they are stored before they are named)."""
    version = freeze_plan(conn, plan.model_dump_json())
    summary = json.dumps(comp.summary, ensure_ascii=False, default=_json_default)
    run_id = store_run(conn, version, now(), summary, comp.results)
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
