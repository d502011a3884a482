"""Cycle workspaces: create one with a plan (``perfsheets init``) and check it (``perfsheets check``).

A workspace is a folder per appraisal cycle: the plan (``plan.yaml`` or ``plan.xlsx``), the
``forms/``, ``returns/``, ``results/``, ``reports/`` and ``archive/`` folders, and the SQLite
ledger, which keeps every plan version frozen by digest (see :mod:`perfsheets.ledger.workspace`).
"""

from __future__ import annotations

import math
import re
import sqlite3
from dataclasses import dataclass, field, replace
from pathlib import Path

from pydantic import ValidationError

from perfsheets.core.eligibility import not_assessed
from perfsheets.core.model import Lang, Plan
from perfsheets.core.problems import PerfsheetsError, Problem, Report, problem_type
from perfsheets.ledger.plans import forms_plan
from perfsheets.ledger.workspace import Workspace, audit, freeze_plan
from perfsheets.plan.alignment import AlignmentResult, alignment, write_alignment_xlsx
from perfsheets.plan.checker import plan_assignments
from perfsheets.plan.example import example_base, example_plan
from perfsheets.plan.io import dump_plan, plan_json, read_plan
from perfsheets.plan.problems import PLAN_CHANGED
from perfsheets.plan.source import PathKey, PlanSource
from perfsheets.plan.validate import partial_problems, validate_plan

PLAN_NAMES = ("plan.yaml", "plan.yml", "plan.xlsx")

OTHER_PLAN_FILES = problem_type(
    "other-plan-files",
    "warning",
    "有多个方案文件",
    "More than one plan file",
    "使用的是 {used}；同一文件夹中的 {ignored} 不会被读取（请删除或移走，以免改错文件）",
    "{used} is the plan in use; {ignored} in the same folder is not read (remove or move it, "
    "so nobody edits the wrong file)",
)
ALIGNMENT_NOT_WRITTEN = problem_type(
    "alignment-not-written",
    "warning",
    "目标分解表未能写入",
    "Goal cascade workbook not written",
    "无法写入目标分解表（文件可能正在 Excel 或 WPS 中打开）：{error}",
    "Could not write the goal cascade workbook (is it open in Excel or WPS?): {error}",
)


@dataclass
class CheckResult:
    """What ``perfsheets check`` found: the report and the size of the cycle."""

    workspace: Path
    plan_file: Path
    valid: bool
    errors: int
    warnings: int
    employees: int = 0
    active_employees: int = 0
    not_assessed: int = 0  # active or not, people the plan does not assess this cycle
    departments: int = 0
    roles: int = 0
    raters: int = 0
    assignments: int = 0
    goals: int = 0  # company and department goals
    department_goals: int = 0
    aligned_share: float | None = None  # mean share of people's KPI and task weight on goals
    alignment_warnings: int = 0  # in the report, from the cascade check
    alignment_file: Path | None = None  # results/alignment.xlsx, when asked and the plan has goals
    language: Lang = "zh-CN"  # the plan's (the default when it does not load)
    report: Report = field(default_factory=Report)


def init_workspace(
    path: str | Path,
    *,
    example: bool = True,
    employees: int = 200,
    seed: int = 1,
    excel: bool = False,
    lang: Lang = "zh-CN",
    force: bool = False,
) -> Workspace:
    """Create a cycle workspace with a plan and return it.

    ``example`` writes the built-in plan with a synthetic company of ``employees`` people
    (deterministic for a ``seed``); otherwise the built-in plan with an empty roster, for HR to
    fill in. ``excel`` writes ``plan.xlsx`` (the plan workbook) instead of ``plan.yaml``. An
    existing plan is never overwritten unless ``force``.
    """
    ws = Workspace(Path(path))
    existing = [ws.root / n for n in PLAN_NAMES if (ws.root / n).exists()]
    if existing and not force:
        names = ", ".join(p.name for p in existing)
        raise PerfsheetsError(f"{ws.root}: already has a plan ({names}); use --force to replace it")
    if ws.root.exists() and not ws.root.is_dir():
        raise PerfsheetsError(f"{ws.root}: exists and is not a folder")
    plan = example_plan(employees, seed=seed, lang=lang) if example else example_base(lang)
    ws.create()
    target = ws.root / ("plan.xlsx" if excel else "plan.yaml")
    dump_plan(plan, target)
    for old in existing:  # switching format: the workspace must have exactly one plan file
        if old != target:
            old.unlink()
    with ws.ledger() as conn:
        version = freeze_plan(conn, plan_json(plan))
        audit(
            conn,
            "workspace.init",
            str(ws.root),
            plan=target.name,
            plan_version=version,
            example=example,
            employees=len(plan.roster.employees),
            seed=seed,
            language=lang,
        )
    return ws


def check_workspace(path: str | Path, *, write_alignment: bool = False) -> CheckResult:
    """Validate the workspace's plan and roster: every problem, located, plus cycle counts.

    The goal cascade is checked too (its warnings join the report). With ``write_alignment``,
    and when the plan has goals and people, the goal tree is written to
    ``results/alignment.xlsx`` — only when asked: for 10,000 people it is a 458,000-cell
    workbook, five times the time of the check itself. Never raises for problems in the plan
    (they are in the report); raises PerfsheetsError when the folder has no plan at all.
    """
    ws = Workspace(Path(path))
    if not ws.root.is_dir():
        raise PerfsheetsError(f"{ws.root}: not a workspace folder (run 'perfsheets init')")
    plan_file = ws.plan_path()
    loaded = read_plan(plan_file)
    plan, report = loaded.plan, loaded.report
    report.extend(_other_plan_files(ws, plan_file))
    cascade, cascade_problems, alignment_file = None, [], None
    if plan is None:
        report.extend(partial_problems(loaded))
    else:
        report.extend(validate_plan(plan, loaded.source))
        report.extend(_changed_since_forms(ws, plan))
        cascade = _cascade(plan, every_carrier=write_alignment)
        if cascade is not None:
            cascade_problems = _located(cascade.report, plan, loaded.source)
            report.extend(cascade_problems)
            if plan.goals and write_alignment:
                alignment_file = _write_alignment(ws, plan, cascade, report)
    result = CheckResult(
        workspace=ws.root,
        plan_file=plan_file,
        valid=report.valid,
        errors=len(report.errors),
        warnings=len(report.warnings),
        alignment_warnings=len(cascade_problems),
        alignment_file=alignment_file,
        report=report,
    )
    if plan is not None:
        result.language = plan.lang
        _count(result, plan)
        if cascade is not None:
            _count_goals(result, plan, cascade)
    return result


def _other_plan_files(ws: Workspace, used: Path) -> list[Problem]:
    """A warning naming the plan file in use when the folder holds more than one."""
    others = [ws.root / n for n in PLAN_NAMES if (ws.root / n).exists() and ws.root / n != used]
    if not others:
        return []
    return [
        OTHER_PLAN_FILES(file=used.name, used=used.name, ignored="、".join(p.name for p in others))
    ]


def _count(result: CheckResult, plan: Plan) -> None:
    people = plan.roster.employees
    result.employees = len(people)
    result.active_employees = sum(1 for e in people if e.is_active)
    result.not_assessed = len(not_assessed(plan))
    result.departments = len({e.department for e in people})
    result.roles = len(plan.roles)
    assignments = plan_assignments(plan)  # the ones validation built: computed once
    result.assignments = len(assignments)
    result.raters = len({a.rater for a in assignments})


# --- goal cascade -----------------------------------------------------------------------------

# Alignment findings that validation already reports as errors at the same place.
REPORTED_BY_VALIDATION = frozenset(
    {"goal-link-unknown", "goal-parent-unknown", "goal-owner-unknown", "goal-duplicate-id"}
)


def _cascade(plan: Plan, *, every_carrier: bool) -> AlignmentResult | None:
    """The plan's goal cascade; None without active people (nothing to align yet)."""
    if not any(e.is_active for e in plan.roster.employees):
        return None
    return alignment(plan, every_carrier=every_carrier)


def _located(problems: Report, plan: Plan, source: PlanSource) -> list[Problem]:
    """Alignment problems placed in the plan file (line, or sheet and cell), minus repeats."""
    out = []
    goal_index: dict[str, int] = {}
    for i, g in enumerate(plan.goals):
        goal_index.setdefault(g.id, i)
    for p in problems:
        if p.code in REPORTED_BY_VALIDATION:
            continue
        path = _model_path(p.cell)
        goal = p.params.get("goal")
        if not path and isinstance(goal, str) and goal in goal_index:  # e.g. goal-not-carried
            path = ("goals", goal_index[goal])
        file, sheet, cell = source.locate(path) if path else (source.file, "", "")
        out.append(replace(p, file=file, sheet=sheet, cell=cell))
    return out


def _model_path(cell: str) -> PathKey:
    """``roles[0].kpis[2].goal`` → ``("roles", 0, "kpis", 2, "goal")``."""
    return tuple(
        int(index) if index else name for name, index in re.findall(r"(\w+)|\[(\d+)\]", cell)
    )


def _write_alignment(
    ws: Workspace, plan: Plan, cascade: AlignmentResult, report: Report
) -> Path | None:
    """results/alignment.xlsx; a warning instead when it cannot be replaced (open in Excel)."""
    path = ws.results / "alignment.xlsx"
    try:
        return write_alignment_xlsx(plan, path, result=cascade)
    except OSError as exc:
        report.add(ALIGNMENT_NOT_WRITTEN(file=f"results/{path.name}", error=exc.strerror or exc))
        return None


def _count_goals(result: CheckResult, plan: Plan, cascade: AlignmentResult) -> None:
    result.goals = len(plan.goals)
    result.department_goals = sum(1 for g in plan.goals if g.level == "department")
    shares = [p.aligned_share for p in cascade.people if p.aligned_share is not None]
    result.aligned_share = math.fsum(shares) / len(shares) if shares else None


def _changed_since_forms(ws: Workspace, plan: Plan) -> list[Problem]:
    """A warning when the forms were generated from another version of the plan."""
    if not ws.ledger_path.exists():
        return []
    try:
        with ws.ledger() as conn:
            found = forms_plan(conn)
    except sqlite3.DatabaseError:  # an unreadable ledger: no warning rather than a failed check
        return []
    if found is None:
        return []
    version, frozen_json = found
    try:
        frozen = Plan.model_validate_json(frozen_json)
    except ValidationError:
        return []
    if frozen == plan:
        return []
    return [PLAN_CHANGED(file=ws.plan_path().name, version=version)]
