"""Earlier cycles: trends, promotion candidates and the year roll-up.

Each cycle is its own workspace; its ledger keeps the latest consolidation (``runs`` +
``results``) and the plan it used (``plan_versions``). This module reads those ledgers
read-only. Which earlier cycles count: the workspaces named by the caller, or (by default)
the sibling folders of the current workspace whose ledger holds a consolidation of the same
company that ended before the current cycle started.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from perfsheets.core.i18n import tr
from perfsheets.core.model import Employee, Lang, Plan
from perfsheets.core.problems import PerfsheetsError
from perfsheets.core.results import EmployeeResult, TrendPoint
from perfsheets.core.scoring import grade_for, round_half_up, weighted_mean
from perfsheets.ledger.results import NotALedger, earlier_cycle


@dataclass(frozen=True)
class CycleRecord:
    """The latest consolidation stored in one cycle's ledger (for trends and year roll-ups)."""

    workspace: Path
    plan: Plan
    results: dict[str, tuple[float | None, str | None, bool]]  # employee -> total, grade, complete

    @property
    def cycle(self):
        return self.plan.cycle


class UnreadableCycle(Exception):
    """A workspace whose ledger is no database, or holds a plan this version cannot read."""

    def __init__(self, workspace: Path) -> None:
        super().__init__(str(workspace))
        self.workspace = workspace


def load_cycle(workspace: str | Path) -> CycleRecord | None:
    """The latest consolidation stored in a workspace's ledger (read-only), or None."""
    path = Path(workspace) / "ledger.sqlite"
    try:
        found = earlier_cycle(path) if path.is_file() else None
    except NotALedger as exc:  # not a ledger (damaged, or another program's file)
        raise UnreadableCycle(Path(workspace)) from exc
    if found is None:
        return None
    plan_json, totals = found
    try:
        plan = Plan.model_validate_json(plan_json)
    except ValueError as exc:  # a plan this version cannot read (newer, older or damaged)
        raise UnreadableCycle(Path(workspace)) from exc
    return CycleRecord(Path(workspace), plan, {e: (t, g, c) for e, t, g, c in totals})


def load_history(
    previous: Sequence[str | Path] | None,
    root: Path,
    plan: Plan,
    skipped: list[Path] | None = None,
) -> list[CycleRecord]:
    """Earlier cycles, oldest first: the given workspaces, or (None) sibling workspaces of the
    same company whose cycle ended before this one started. A sibling that cannot be read is
    left out (and added to ``skipped``): an unrelated folder must not stop this cycle."""
    if previous is None:
        parent = root.resolve().parent
        candidates = [
            p
            for p in sorted(parent.iterdir())
            if p.is_dir() and p.resolve() != root.resolve() and (p / "ledger.sqlite").is_file()
        ]
        explicit = False
    else:
        candidates, explicit = [Path(p) for p in previous], True
    records = []
    for path in candidates:
        try:
            rec = load_cycle(path)
        except UnreadableCycle:
            if explicit:
                raise PerfsheetsError(
                    tr(
                        plan.lang,
                        f"{path}：无法读取其账本（不是 perfsheets 账本、文件已损坏，或来自不同版本）",
                        f"{path}: its ledger cannot be read (not a perfsheets ledger, damaged,"
                        " or from another version)",
                    )
                ) from None
            if skipped is not None:
                skipped.append(path)
            continue
        if rec is None:
            if explicit:
                raise PerfsheetsError(
                    tr(
                        plan.lang,
                        f"{path}：没有汇总结果（先运行 consolidate）",
                        f"{path}: no consolidated results (run consolidate there first)",
                    )
                )
            continue
        if rec.cycle.id == plan.cycle.id:
            continue
        if not explicit and (
            rec.plan.company.name != plan.company.name or rec.cycle.end >= plan.cycle.start
        ):
            continue
        records.append(rec)
    return sorted(records, key=lambda r: (r.cycle.end, r.cycle.id))


def apply_history(plan: Plan, results: list[EmployeeResult], history: Sequence[CycleRecord]):
    """Trend points (earlier cycles, then this one) and promotion candidates."""
    top = max(plan.grading.levels, key=lambda g: g.min_score).code
    need = plan.grading.promotion_after - 1
    same_period = [h for h in history if h.cycle.period == plan.cycle.period]
    for res in results:
        trend = []
        for rec in history:
            got = rec.results.get(res.employee_id)
            if got is not None:
                trend.append(
                    TrendPoint(
                        cycle_id=rec.cycle.id,
                        cycle_name=rec.cycle.label(plan.lang),
                        total_score=got[0],
                        grade=got[1],
                    )
                )
        trend.append(
            TrendPoint(
                cycle_id=plan.cycle.id,
                cycle_name=plan.cycle.label(plan.lang),
                total_score=res.total_score,
                grade=res.grade,
            )
        )
        res.trend = trend
        if res.grade != top:
            continue
        recent = same_period[-need:] if need else []
        if len(recent) == need and all(
            r.results.get(res.employee_id, (None, None, False))[1] == top for r in recent
        ):
            res.flags.append("promotion_candidate")


class YearPart(BaseModel):
    period: str
    weight: float
    cycles: list[str] = []
    scores: list[float] = []
    mean: float | None = None


class YearResult(BaseModel):
    employee_id: str
    name: str
    department: str
    role: str
    parts: list[YearPart]
    year_score: float | None = None
    grade: str | None = None
    coefficient: float | None = None
    complete: bool
    missing_parts: list[str] = []


@dataclass
class YearRollup:
    results: list[YearResult]
    cycles: list[str]
    without_rule: list[str] = field(default_factory=list)
    csv: Path | None = None


def year_rollup(
    workspaces: Sequence[str | Path],
    *,
    plan: Plan | None = None,
    lang: Lang | None = None,
) -> tuple[YearRollup, Plan, Lang]:
    """Year results from the cycles' ledgers, by the plan's ``rollup`` period weights.

    Each rule applies to its roles (the first rule naming the person's role, else a rule with no
    roles). A part's score is the mean of the person's complete totals in cycles of that period
    (e.g. the four quarters); the year score is the weighted mean of the parts. A part with no
    cycle makes the year result incomplete (no score, listed), never zero. Grades by the
    thresholds of the plan (default: the latest cycle's). Returns the roll-up with the plan and
    language it used.
    """
    records = [r for r in (load_cycle(p) for p in workspaces) if r is not None]
    if not records:
        raise PerfsheetsError("no consolidated cycle among the workspaces given")
    records.sort(key=lambda r: (r.cycle.end, r.cycle.id))
    plan = plan or records[-1].plan
    lang = lang or plan.lang
    people: dict[str, Employee] = {}
    for rec in records:
        people.update(rec.plan.employee_map())
    results, without = [], []
    for emp_id in sorted({e for r in records for e in r.results}):
        emp = people[emp_id]
        rule = _rollup_rule(plan, emp.role)
        if rule is None:
            without.append(emp_id)
            continue
        results.append(_year_result(plan, emp, rule, records, lang))
    return YearRollup(results, [r.cycle.id for r in records], without), plan, lang


def _rollup_rule(plan: Plan, role: str):
    named = next((r for r in plan.rollup if role in r.roles), None)
    return named or next((r for r in plan.rollup if not r.roles), None)


def _year_result(plan: Plan, emp: Employee, rule, records, lang: Lang) -> YearResult:
    places = plan.aggregation.decimals
    parts = []
    for part in rule.parts:
        yp = YearPart(period=part.period, weight=part.weight)
        for rec in records:
            got = rec.results.get(emp.id)
            if rec.cycle.period == part.period and got and got[2] and got[0] is not None:
                yp.cycles.append(rec.cycle.id)
                yp.scores.append(got[0])
        if yp.scores:
            yp.mean = round_half_up(sum(yp.scores) / len(yp.scores), places)
        parts.append(yp)
    missing = [p.period for p in parts if p.mean is None]
    res = YearResult(
        employee_id=emp.id,
        name=emp.name,
        department=emp.department,
        role=emp.role,
        parts=parts,
        complete=not missing,
        missing_parts=missing,
    )
    if not missing:
        score = weighted_mean((p.mean, p.weight) for p in parts)  # type: ignore[misc]
        res.year_score = round_half_up(score, places)  # type: ignore[arg-type]
        grade = grade_for(res.year_score, plan.grading.levels)
        res.grade, res.coefficient = grade.code, grade.coefficient
    return res
