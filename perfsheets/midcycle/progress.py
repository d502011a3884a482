"""Progress during the cycle: each KPI paced by what it measures, against the share of the period gone.

For managers' review meetings: each person's progress on their targets from the actuals imported
so far (:mod:`perfsheets.midcycle.actuals`), against the targets in force (the plan's, or the
latest approved change from :mod:`perfsheets.midcycle.targets`), next to how much of the period
has passed and how many days are left — "quarter 60% gone, 10 days left, 55% done, 45% to go".

Each KPI is paced by its kind (:mod:`perfsheets.core.pacing`): a total is pro-rated, a rate or
level is compared with the target itself, a lower-is-better allowance is projected to the
period's end, a deduction KPI has lost what its incidents cost. A person's progress is the
weighted mean of the KPIs' ``done`` (a share of the period's target), set against the share of
the period gone. ``with_data``/``kpi_count`` says how much of the picture the imports cover.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perfsheets.core.cells import sheet_text
from perfsheets.core.eligibility import assessed
from perfsheets.core.i18n import term, tr
from perfsheets.core.model import (
    Employee,
    IndividualTarget,
    Kpi,
    Lang,
    Pace,
    Period,
    Plan,
    Role,
)
from perfsheets.core.pacing import PACE_TEXT, Status, pace_kpi, pace_status
from perfsheets.core.scoring import kpi_completion
from perfsheets.files.atomic import atomic_write
from perfsheets.ledger.changes import current_targets, imported_values
from perfsheets.ledger.workspace import Workspace
from perfsheets.plan.io import workspace_plan

STATUS_TEXT: dict[str, tuple[str, str]] = {
    "ahead": ("超前", "Ahead"),
    "on_track": ("符合进度", "On track"),
    "behind": ("落后", "Behind"),
    "no_data": ("暂无数据", "No data yet"),
}
PERIOD_TEXT: dict[str, tuple[str, str]] = {
    "month": ("本月", "Month"),
    "quarter": ("本季度", "Quarter"),
    "half-year": ("本半年", "Half-year"),
    "year": ("本年度", "Year"),
}


@dataclass(frozen=True)
class KpiProgress:
    employee_id: str
    code: str
    name: str
    unit: str
    weight: float
    original_target: float | None  # the plan's target
    target: float | None  # in force: the latest approved change, else the plan's
    actual: float | None  # imported so far
    completion: float | None  # ratio (1.0 = 100%) or change rate, as scoring defines it
    remaining: float | None  # units still to go (cumulative targets only)
    pace: Pace  # what it measures, hence how it is paced
    expected: float | None  # where the actual should be by now
    projected: float | None  # the period-end value at this rate (or the level as it stands)
    done: float | None  # share of the period's target done (0..1), in the person's progress
    status: Status

    @property
    def paced(self) -> bool:
        """Counts in the person's progress."""
        return self.done is not None

    @property
    def adjusted(self) -> bool:
        return self.target != self.original_target


@dataclass(frozen=True)
class PersonProgress:
    department: str
    employee_id: str
    name: str
    role_name: str
    completion: float | None  # weighted share of targets reached so far, 0..1
    expected: float  # share of the period gone: where completion "should" be by now
    to_go: float | None  # 1 - completion
    days_left: int
    status: Status
    with_data: int  # KPIs with an imported actual
    kpi_count: int
    summary: str  # e.g. '本季度已过 60%，剩 10 天；已完成 55%，还差 45%（落后）'


@dataclass(frozen=True)
class DepartmentProgress:
    department: str
    headcount: int
    with_data: int  # people with at least one paced KPI actual
    completion: float | None  # mean over people with data
    expected: float
    to_go: float | None
    behind: int  # people behind the pace
    days_left: int


@dataclass
class ProgressResult:
    workspace: Path
    cycle_id: str
    cycle_name: str
    period: Period
    start: dt.date
    end: dt.date
    today: dt.date
    elapsed: float  # share of the period gone, 0..1
    days_left: int
    lang: Lang
    people: list[PersonProgress] = field(default_factory=list)
    departments: list[DepartmentProgress] = field(default_factory=list)
    kpis: list[KpiProgress] = field(default_factory=list)  # every person's KPIs, in order

    def person_rows(self, lang: Lang | None = None) -> list[dict[str, str]]:
        """People as display rows with localized heads and percentages (terminal tables)."""
        lang = lang or self.lang
        return [
            {
                term("department", lang): p.department,
                term("employee_id", lang): p.employee_id,
                term("employee", lang): p.name,
                tr(lang, "已完成", "Done"): _pct(p.completion),
                tr(lang, "应达进度", "Expected"): _pct(p.expected),
                tr(lang, "还差", "To go"): _pct(p.to_go),
                tr(lang, "剩余天数", "Days left"): str(p.days_left),
                tr(lang, "状态", "Status"): STATUS_TEXT[p.status][lang == "en"],
                tr(lang, "有数据的指标", "KPIs with data"): f"{p.with_data}/{p.kpi_count}",
            }
            for p in self.people
        ]

    def department_rows(self, lang: Lang | None = None) -> list[dict[str, str]]:
        """Departments as display rows with localized heads and percentages."""
        lang = lang or self.lang
        return [
            {
                term("department", lang): d.department,
                tr(lang, "人数", "Headcount"): str(d.headcount),
                tr(lang, "已有数据", "With data"): str(d.with_data),
                tr(lang, "平均完成", "Mean done"): _pct(d.completion),
                tr(lang, "应达进度", "Expected"): _pct(d.expected),
                tr(lang, "还差", "To go"): _pct(d.to_go),
                tr(lang, "落后人数", "Behind"): str(d.behind),
                tr(lang, "剩余天数", "Days left"): str(d.days_left),
            }
            for d in self.departments
        ]


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:.0%}"


def period_elapsed(start: dt.date, end: dt.date, today: dt.date) -> tuple[float, int]:
    """(share of the period gone, days left after today); today counts as gone."""
    total = (end - start).days + 1
    gone = min(max((today - start).days + 1, 0), total)
    return gone / total, total - gone


def describe(
    period: str,
    expected: float,
    days_left: int,
    completion: float | None,
    status: Status,
    lang: Lang = "zh-CN",
) -> str:
    """One line such as '本季度已过 60%，剩 10 天；已完成 55%，还差 45%（落后）'."""
    zh, en = PERIOD_TEXT.get(period, ("本期", "Period"))
    time = tr(
        lang,
        f"{zh}已过 {expected:.0%}，剩 {days_left} 天",
        f"{en} {expected:.0%} gone, {days_left} days left",
    )
    state = STATUS_TEXT[status][lang == "en"]
    if completion is None:
        return tr(lang, f"{time}；{state}", f"{time}; {state}")
    done = tr(
        lang,
        f"已完成 {completion:.0%}，还差 {1 - completion:.0%}",
        f"{completion:.0%} done, {1 - completion:.0%} to go",
    )
    return tr(lang, f"{time}；{done}（{state}）", f"{time}; {done} ({state})")


def progress(
    workspace: str | Path,
    *,
    plan: Plan | None = None,
    today: dt.date | None = None,
    lang: Lang | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ProgressResult:
    """Each active employee's progress and each department's, from the imported actuals."""
    ws = Workspace(Path(workspace))
    plan = workspace_plan(ws.root, plan)
    lang = lang or plan.lang
    today = today or dt.date.today()
    with ws.ledger() as conn:
        actuals = imported_values(conn)
        changed = current_targets(conn)
    elapsed, days_left = period_elapsed(plan.cycle.start, plan.cycle.end, today)
    result = ProgressResult(
        workspace=ws.root,
        cycle_id=plan.cycle.id,
        cycle_name=plan.cycle.label(lang),
        period=plan.cycle.period,
        start=plan.cycle.start,
        end=plan.cycle.end,
        today=today,
        elapsed=elapsed,
        days_left=days_left,
        lang=lang,
    )
    roles = plan.role_map()
    people = _by_department([e for e in assessed(plan) if e.role in roles])
    ctx = _Context(plan, lang, plan.target_map(), actuals, changed, elapsed, days_left)
    for i, person in enumerate(people, 1):
        kpis = [_kpi(ctx, person.id, k) for k in roles[person.role].kpis]
        result.kpis.extend(kpis)
        result.people.append(_person(ctx, person, roles[person.role], kpis))
        if progress:
            progress(i, len(people))
    result.departments = _departments(result.people, elapsed, days_left)
    return result


def _by_department(people: list[Employee]) -> list[Employee]:
    """Grouped by department in order of first appearance, roster order within."""
    order: dict[str, int] = {}
    for e in people:
        order.setdefault(e.department, len(order))
    return sorted(people, key=lambda e: order[e.department])


@dataclass(frozen=True)
class _Context:
    plan: Plan
    lang: Lang
    targets: dict[tuple[str, str], IndividualTarget]
    actuals: dict[tuple[str, str], float]
    changed: dict[tuple[str, str], float]
    elapsed: float
    days_left: int


def _person(ctx: _Context, person: Employee, role: Role, kpis: list[KpiProgress]) -> PersonProgress:
    paced = [k for k in kpis if k.done is not None]
    total = math.fsum(k.weight for k in paced)
    done = math.fsum((k.done or 0.0) * k.weight for k in paced)
    completion = done / total if total else None
    status = pace_status(completion, ctx.elapsed)
    return PersonProgress(
        department=person.department,
        employee_id=person.id,
        name=person.name,
        role_name=role.label(ctx.lang),
        completion=completion,
        expected=ctx.elapsed,
        to_go=None if completion is None else 1.0 - completion,
        days_left=ctx.days_left,
        status=status,
        with_data=sum(k.actual is not None for k in kpis),
        kpi_count=len(kpis),
        summary=describe(
            ctx.plan.cycle.period, ctx.elapsed, ctx.days_left, completion, status, ctx.lang
        ),
    )


def _kpi(ctx: _Context, employee: str, kpi: Kpi) -> KpiProgress:
    individual = ctx.targets.get((employee, kpi.code))
    original = individual.target if individual is not None else kpi.target
    target = ctx.changed.get((employee, kpi.code), original)
    baseline = individual.baseline if individual is not None else kpi.baseline
    actual = ctx.actuals.get((employee, kpi.code))
    pacing = pace_kpi(kpi, actual, target, baseline, ctx.elapsed)
    completion = None if actual is None else kpi_completion(kpi, actual, target, baseline)
    remaining = None
    if pacing.pace == "cumulative" and actual is not None and target is not None:
        remaining = max(target - actual, 0.0)
    return KpiProgress(
        employee_id=employee,
        code=kpi.code,
        name=kpi.label(ctx.lang),
        unit=kpi.unit,
        weight=kpi.weight,
        original_target=original,
        target=target,
        actual=actual,
        completion=completion,
        remaining=remaining,
        pace=pacing.pace,
        expected=pacing.expected,
        projected=pacing.projected,
        done=pacing.done,
        status=pacing.status,
    )


def _departments(
    people: list[PersonProgress], elapsed: float, days_left: int
) -> list[DepartmentProgress]:
    groups: dict[str, list[PersonProgress]] = {}
    for p in people:
        groups.setdefault(p.department, []).append(p)
    rows = []
    for dept, members in groups.items():
        done = [p.completion for p in members if p.completion is not None]
        mean = math.fsum(done) / len(done) if done else None
        rows.append(
            DepartmentProgress(
                department=dept,
                headcount=len(members),
                with_data=len(done),
                completion=mean,
                expected=elapsed,
                to_go=None if mean is None else 1.0 - mean,
                behind=sum(p.status == "behind" for p in members),
                days_left=days_left,
            )
        )
    return rows


# --- Excel ------------------------------------------------------------------------------------


def write_progress_xlsx(
    workspace: str | Path,
    result: ProgressResult,
    path: str | Path | None = None,
    *,
    lang: Lang | None = None,
) -> Path:
    """Write the progress workbook (departments, people, KPI detail) atomically.

    Default path: ``results/progress.xlsx`` in the workspace.
    """
    target = (
        Path(path) if path is not None else Workspace(Path(workspace)).results / "progress.xlsx"
    )
    return atomic_write(target, lambda tmp: _write_book(result, tmp, lang or result.lang))


def _write_book(result: ProgressResult, path: Path, lang: Lang) -> None:
    # xlsxwriter is imported here, not at the top: it is heavy and only the workbook needs it.
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    fmt = _formats(wb)
    _departments_sheet(wb, fmt, result, lang)
    _people_sheet(wb, fmt, result, lang)
    _kpi_sheet(wb, fmt, result, lang)
    wb.close()


def _formats(wb: Any) -> dict[str, Any]:
    return {
        "title": wb.add_format({"bold": True, "font_size": 14}),
        "head": wb.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}
        ),
        "text": wb.add_format({"border": 1}),
        "num": wb.add_format({"border": 1, "num_format": "#,##0.##"}),
        "pct": wb.add_format({"border": 1, "num_format": "0.0%"}),
        "int": wb.add_format({"border": 1, "num_format": "0"}),
        "behind": wb.add_format({"bg_color": "#FCE4D6", "font_color": "#9C0006"}),
        "ahead": wb.add_format({"bg_color": "#E2EFDA"}),
    }


def _header(
    ws: Any, fmt: dict[str, Any], result: ProgressResult, lang: Lang, title: str, heads: list[str]
) -> int:
    zh, en = PERIOD_TEXT.get(result.period, ("本期", "Period"))
    line = tr(
        lang,
        f"{result.cycle_name}　截至 {result.today:%Y-%m-%d}：{zh}已过 {result.elapsed:.0%}，"
        f"剩 {result.days_left} 天",
        f"{result.cycle_name} as of {result.today:%Y-%m-%d}: {en.lower()} {result.elapsed:.0%} "
        f"gone, {result.days_left} days left",
    )
    ws.write_string(0, 0, sheet_text(title), fmt["title"])
    ws.write_string(1, 0, sheet_text(line))
    for c, head in enumerate(heads):
        ws.write_string(3, c, head, fmt["head"])
    ws.freeze_panes(4, 0)
    return 4  # first data row


# A cell of a progress sheet: its value and its format ("text", "int", "num" or "pct").
Cell = tuple[str | float | None, str]


def _cell(
    ws: Any, fmt: dict[str, Any], row: int, col: int, value: str | float | None, kind: str = "text"
) -> None:
    if value is None:
        ws.write_blank(row, col, None, fmt["text"])
    elif kind == "text":
        ws.write_string(row, col, sheet_text(str(value)), fmt["text"])
    else:
        ws.write_number(row, col, float(value), fmt[kind])


def _status_rules(
    ws: Any, fmt: dict[str, Any], first: int, last: int, col: int, lang: Lang
) -> None:
    if last < first:
        return
    for status, style in (("behind", "behind"), ("ahead", "ahead")):
        ws.conditional_format(
            first,
            col,
            last,
            col,
            {
                "type": "cell",
                "criteria": "==",
                "value": f'"{STATUS_TEXT[status][lang == "en"]}"',
                "format": fmt[style],
            },
        )


def _departments_sheet(wb: Any, fmt: dict[str, Any], result: ProgressResult, lang: Lang) -> None:
    ws = wb.add_worksheet(tr(lang, "部门汇总", "Departments"))
    heads = [
        term("department", lang),
        tr(lang, "人数", "Headcount"),
        tr(lang, "已有数据人数", "With data"),
        tr(lang, "平均完成", "Mean completion"),
        tr(lang, "应达进度", "Expected by now"),
        tr(lang, "还差", "To go"),
        tr(lang, "落后人数", "Behind"),
        tr(lang, "剩余天数", "Days left"),
    ]
    row = _header(
        ws, fmt, result, lang, tr(lang, "绩效进度：部门汇总", "Progress by department"), heads
    )
    for d in result.departments:
        values: list[Cell] = [
            (d.department, "text"),
            (d.headcount, "int"),
            (d.with_data, "int"),
            (d.completion, "pct"),
            (result.elapsed, "pct"),
            (d.to_go, "pct"),
            (d.behind, "int"),
            (result.days_left, "int"),
        ]
        for c, (value, kind) in enumerate(values):
            _cell(ws, fmt, row, c, value, kind)
        row += 1
    ws.set_column(0, 0, 16)
    ws.set_column(1, len(heads) - 1, 12)


def _people_sheet(wb: Any, fmt: dict[str, Any], result: ProgressResult, lang: Lang) -> None:
    ws = wb.add_worksheet(tr(lang, "个人进度", "People"))
    heads = [
        term("department", lang),
        term("employee_id", lang),
        term("employee", lang),
        term("role", lang),
        tr(lang, "已完成", "Done"),
        tr(lang, "应达进度", "Expected by now"),
        tr(lang, "还差", "To go"),
        tr(lang, "剩余天数", "Days left"),
        tr(lang, "状态", "Status"),
        tr(lang, "有数据的指标", "KPIs with data"),
    ]
    first = row = _header(
        ws, fmt, result, lang, tr(lang, "绩效进度：个人", "Progress by person"), heads
    )
    for p in result.people:
        values: list[Cell] = [
            (p.department, "text"),
            (p.employee_id, "text"),
            (p.name, "text"),
            (p.role_name, "text"),
            (p.completion, "pct"),
            (p.expected, "pct"),
            (p.to_go, "pct"),
            (p.days_left, "int"),
            (STATUS_TEXT[p.status][lang == "en"], "text"),
            (f"{p.with_data}/{p.kpi_count}", "text"),
        ]
        for c, (value, kind) in enumerate(values):
            _cell(ws, fmt, row, c, value, kind)
        row += 1
    _status_rules(ws, fmt, first, row - 1, 8, lang)
    ws.autofilter(3, 0, max(row - 1, 3), len(heads) - 1)
    ws.set_column(0, 3, 14)
    ws.set_column(4, len(heads) - 1, 11)


def _kpi_sheet(wb: Any, fmt: dict[str, Any], result: ProgressResult, lang: Lang) -> None:
    ws = wb.add_worksheet(tr(lang, "指标明细", "KPI detail"))
    heads = [
        term("department", lang),
        term("employee_id", lang),
        term("employee", lang),
        term("code", lang),
        tr(lang, "指标", "KPI"),
        tr(lang, "单位", "Unit"),
        tr(lang, "原目标", "Original target"),
        tr(lang, "现目标", "Target in force"),
        tr(lang, "实际（至今）", "Actual so far"),
        tr(lang, "完成率", "Completion"),
        tr(lang, "尚差", "Remaining"),
        tr(lang, "状态", "Status"),
        tr(lang, "进度口径", "Paced as"),
        tr(lang, "至今应达", "Expected by now"),
        tr(lang, "期末预计", "Projected at period end"),
    ]
    first = row = _header(
        ws, fmt, result, lang, tr(lang, "绩效进度：指标明细", "Progress by KPI"), heads
    )
    people = {p.employee_id: p for p in result.people}
    for k in result.kpis:
        p = people[k.employee_id]
        status = STATUS_TEXT[k.status][lang == "en"]
        values: list[Cell] = [
            (p.department, "text"),
            (p.employee_id, "text"),
            (p.name, "text"),
            (k.code, "text"),
            (k.name, "text"),
            (k.unit, "text"),
            (k.original_target, "num"),
            (k.target, "num"),
            (k.actual, "num"),
            (k.completion, "pct"),
            (k.remaining, "num"),
            (status, "text"),
            (PACE_TEXT[k.pace][lang == "en"], "text"),
            (k.expected, "num"),
            (k.projected, "num"),
        ]
        for c, (value, kind) in enumerate(values):
            _cell(ws, fmt, row, c, value, kind)
        row += 1
    _status_rules(ws, fmt, first, row - 1, 11, lang)
    ws.autofilter(3, 0, max(row - 1, 3), len(heads) - 1)
    ws.set_column(0, 2, 12)
    ws.set_column(4, 4, 18)
    ws.set_column(5, 11, 11)
    ws.set_column(12, 12, 24)
    ws.set_column(13, len(heads) - 1, 12)
