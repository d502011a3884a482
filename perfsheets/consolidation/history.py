"""Earlier cycles: trends, promotion candidates and the year roll-up.

Each cycle is its own workspace; its ledger keeps the latest consolidation (``runs`` +
``results``) and the plan it used (``plan_versions``). This module reads those ledgers
read-only. Which earlier cycles count: the workspaces named by the caller, or (by default)
the sibling folders of the current workspace whose ledger holds a consolidation of the same
company that ended before the current cycle started.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from perfsheets.consolidation.problems import DUPLICATE_PERIOD, MISSING_PERIODS, UNRELATED_CYCLES
from perfsheets.core.i18n import tr
from perfsheets.core.model import Employee, Lang, Plan
from perfsheets.core.periods import PER_YEAR, period_slot, slot_label
from perfsheets.core.pip import stored_state
from perfsheets.core.problems import PerfsheetsError, Report, Text
from perfsheets.core.results import EmployeeResult, PreviousPip, TrendPoint
from perfsheets.core.scoring import grade_for, round_half_up, weighted_mean
from perfsheets.ledger.pips import PipInForce, earlier_pips
from perfsheets.ledger.results import NotALedger, earlier_cycle


@dataclass(frozen=True)
class CycleRecord:
    """The latest consolidation stored in one cycle's ledger (for trends and year roll-ups)."""

    workspace: Path
    plan: Plan
    results: dict[str, tuple[float | None, str | None, bool]]  # employee -> total, grade, complete
    pips: dict[str, PipInForce] = field(default_factory=dict)  # employee -> the cycle's PIP

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
    return CycleRecord(
        Path(workspace), plan, {e: (t, g, c) for e, t, g, c in totals}, earlier_pips(path)
    )


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


def apply_history(
    plan: Plan,
    results: list[EmployeeResult],
    history: Sequence[CycleRecord],
    today: dt.date | None = None,
):
    """Trend points (earlier cycles, then this one), promotion candidates, and each person's
    PIP of the latest earlier cycle that gave them one (its state as of ``today``)."""
    day = today or dt.date.today()
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
                        period=rec.cycle.period,
                    )
                )
        trend.append(
            TrendPoint(
                cycle_id=plan.cycle.id,
                cycle_name=plan.cycle.label(plan.lang),
                total_score=res.total_score,
                grade=res.grade,
                period=plan.cycle.period,
            )
        )
        res.trend = trend
        for rec in reversed(history):
            found = rec.pips.get(res.employee_id)
            if found is not None:
                res.previous_pip = PreviousPip(
                    cycle_id=rec.cycle.id,
                    cycle_name=rec.cycle.label(plan.lang),
                    cycle_name_en=rec.cycle.name_en or "",
                    grade=found.grade,
                    start=found.start,
                    end=found.end,
                    state=stored_state(found.results, found.end, day),
                    checkpoints=len(found.checkpoints),
                    recorded=sum(r is not None for r in found.results),
                )
                break
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
    expected: int = 1  # cycles of this period the year holds (12 months, 4 quarters ...)
    slots: list[int] = []  # which of them are present (1-based: month 3, quarter 2 ...)


class YearResult(BaseModel):
    employee_id: str
    name: str
    department: str
    role: str
    parts: list[YearPart]
    year_score: float | None = None
    grade: str | None = None
    coefficient: float | None = None
    grade_by_score: str | None = None  # set when the forced distribution moved the grade
    quota_group: str = ""  # the forced distribution's group ('' when none applied)
    complete: bool  # every period the rule names is present
    missing_parts: list[str] = []  # period kinds with no cycle at all
    missing_periods: list[str] = []  # the cycles missing, e.g. '2026年3月'
    partial: bool = False  # scored over the periods present (--allow-partial)


@dataclass
class YearRollup:
    results: list[YearResult]
    cycles: list[str]
    without_rule: list[str] = field(default_factory=list)
    csv: Path | None = None
    moved_by_quota: int = 0  # year grades the forced distribution changed
    year: int = 0


def year_rollup(
    workspaces: Sequence[str | Path],
    *,
    plan: Plan | None = None,
    lang: Lang | None = None,
    allow_partial: bool = False,
) -> tuple[YearRollup, Plan, Lang]:
    """Year results from the cycles' ledgers, by the plan's ``rollup`` period weights.

    Each rule applies to its roles (the first rule naming the person's role, else a rule with no
    roles). Every period the rule names must be there for each person — twelve months, four
    quarters, two half-years, the year — or the roll-up refuses with the list of who misses
    what (a :class:`PerfsheetsError` carrying the report). With ``allow_partial`` a part is the
    mean over the cycles present and the parts' weights renormalise over the parts present; such
    results are marked ``partial``. A part's score is the mean of the person's complete totals
    in cycles of that period; the year score is the weighted mean of the parts. Cycles of
    different companies or years, and two cycles for one period, are refused. Grades by the
    thresholds of the plan (default: the latest cycle's). Returns the roll-up with the plan and
    language it used.
    """
    records = [r for r in (load_cycle(p) for p in workspaces) if r is not None]
    if not records:
        raise PerfsheetsError(
            tr(
                lang or "zh-CN",
                "所给工作区中没有已汇总的周期（先在各周期运行 consolidate）",
                "no consolidated cycle among the workspaces given (run consolidate in each first)",
            )
        )
    records.sort(key=lambda r: (r.cycle.end, r.cycle.id))
    plan = plan or records[-1].plan
    lang = lang or plan.lang
    year = _check_cycles(records, lang)
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
        results.append(_year_result(plan, emp, rule, records, year, lang, allow_partial))
    missing = [r for r in results if r.missing_periods]
    if missing and not allow_partial:
        report = Report()
        for r in missing:
            report.add(
                MISSING_PERIODS(
                    employee=r.employee_id,
                    name=r.name,
                    periods=_both(lambda lg, r=r: _missing_labels(r.parts, year, lg)),
                    expected=_both(lambda lg, r=r: [_part_text(p, lg) for p in r.parts]),
                )
            )
        raise PerfsheetsError(
            tr(
                lang,
                f"{len(missing)} 人缺少考核周期，未计算年度结果；补齐后重试，"
                "或用 --allow-partial 按已有周期折算（结果将标注为部分周期）",
                f"{len(missing)} people miss periods; no year results computed. Add the "
                "missing cycles, or use --allow-partial to score over the periods present "
                "(marked as partial)",
            ),
            report=report,
        )
    rollup = YearRollup(results, [r.cycle.id for r in records], without, year=year)
    return rollup, plan, lang


def _both(words) -> Text:
    """A problem parameter in both languages: words(lang) is a list, joined as each language
    lists things."""
    return Text("、".join(words("zh-CN")), ", ".join(words("en")))


def _missing_labels(parts: list[YearPart], year: int, lang: Lang) -> list[str]:
    return [
        slot_label(p.period, year, slot, lang)
        for p in parts
        for slot in range(1, p.expected + 1)
        if slot not in p.slots
    ]


def _part_text(part: YearPart, lang: Lang) -> str:
    zh = {"month": "12 个月", "quarter": "4 个季度", "half-year": "上下半年", "year": "年度"}
    en = {
        "month": "12 months",
        "quarter": "4 quarters",
        "half-year": "2 halves",
        "year": "the year",
    }
    return tr(lang, zh[part.period], en[part.period])


def _check_cycles(records: list[CycleRecord], lang: Lang) -> int:
    """The year all cycles belong to; refuses other companies' or years' cycles and two cycles
    for one period."""
    last = records[-1]
    company, year = last.plan.company.name, last.cycle.start.year
    report = Report()
    seen: dict[tuple[str, int], str] = {}
    for rec in records:
        if rec.plan.company.name != company or rec.cycle.start.year != year:
            report.add(
                UNRELATED_CYCLES(
                    file=str(rec.workspace),
                    cycle=rec.cycle.id,
                    company=rec.plan.company.name or "—",
                    year=rec.cycle.start.year,
                    expected_company=company or "—",
                    expected_year=year,
                )
            )
            continue
        key = (rec.cycle.period, period_slot(rec.cycle.period, rec.cycle.start))
        if key in seen:
            report.add(
                DUPLICATE_PERIOD(
                    file=str(rec.workspace),
                    period=slot_label(key[0], year, key[1], lang),
                    first=seen[key],
                    second=rec.cycle.id,
                )
            )
        seen.setdefault(key, rec.cycle.id)
    if len(report):
        raise PerfsheetsError(
            tr(
                lang,
                "这些周期不能汇总为一个年度（见下表）",
                "these cycles cannot be rolled up into one year (see the table)",
            ),
            report=report,
        )
    return year


def _rollup_rule(plan: Plan, role: str):
    named = next((r for r in plan.rollup if role in r.roles), None)
    return named or next((r for r in plan.rollup if not r.roles), None)


def _year_result(
    plan: Plan,
    emp: Employee,
    rule,
    records: list[CycleRecord],
    year: int,
    lang: Lang,
    allow_partial: bool,
) -> YearResult:
    places = plan.aggregation.decimals
    parts = []
    for part in rule.parts:
        yp = YearPart(period=part.period, weight=part.weight, expected=PER_YEAR[part.period])
        present = set()
        for rec in records:
            got = rec.results.get(emp.id)
            if rec.cycle.period == part.period and got and got[2] and got[0] is not None:
                yp.cycles.append(rec.cycle.id)
                yp.scores.append(got[0])
                present.add(period_slot(part.period, rec.cycle.start))
        if yp.scores:
            yp.mean = round_half_up(sum(yp.scores) / len(yp.scores), places)
        yp.slots = sorted(present)
        parts.append(yp)
    missing_periods = _missing_labels(parts, year, lang)
    res = YearResult(
        employee_id=emp.id,
        name=emp.name,
        department=emp.department,
        role=emp.role,
        parts=parts,
        complete=not missing_periods,
        missing_parts=[p.period for p in parts if p.mean is None],
        missing_periods=missing_periods,
    )
    scored = [(p.mean, p.weight) for p in parts if p.mean is not None]
    if scored and (not missing_periods or allow_partial):
        # Over the parts present, their weights renormalised (weighted_mean divides by them).
        score = weighted_mean(scored)
        res.year_score = round_half_up(score, places)  # type: ignore[arg-type]
        res.partial = bool(missing_periods)
        grade = grade_for(res.year_score, plan.grading.levels)
        res.grade, res.coefficient = grade.code, grade.coefficient
    return res
