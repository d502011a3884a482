"""Cycle workspaces: create one with a plan (``perfsheets init``) and check it (``perfsheets check``).

A workspace is a folder per appraisal cycle: the plan (``plan.yaml`` or ``plan.xlsx``), the
``forms/``, ``returns/``, ``results/``, ``reports/`` and ``archive/`` folders, and the SQLite
ledger, which keeps every plan version frozen by digest (see :mod:`perfsheets.workspace`).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from .model import Lang, Plan
from .plan_io import dump_plan, plan_json
from .problems import PerfsheetsError, Problem, Report
from .workspace import Workspace, audit, freeze_plan

PLAN_NAMES = ("plan.yaml", "plan.yml", "plan.xlsx")


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
    departments: int = 0
    roles: int = 0
    raters: int = 0
    assignments: int = 0
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
    from .example import example_base, example_plan

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


def check_workspace(path: str | Path) -> CheckResult:
    """Validate the workspace's plan and roster: every problem, located, plus cycle counts.

    Never raises for problems in the plan (they are in the report); raises PerfsheetsError
    when the folder has no plan at all.
    """
    from .validate import check_plan_file

    ws = Workspace(Path(path))
    if not ws.root.is_dir():
        raise PerfsheetsError(f"{ws.root}: not a workspace folder (run 'perfsheets init')")
    plan_file = ws.plan_path()
    plan, report = check_plan_file(plan_file)
    if plan is not None:
        report.extend(_changed_since_forms(ws, plan))
    result = CheckResult(
        workspace=ws.root,
        plan_file=plan_file,
        valid=report.valid,
        errors=len(report.errors),
        warnings=len(report.warnings),
        report=report,
    )
    if plan is not None:
        _count(result, plan)
    return result


def _count(result: CheckResult, plan: Plan) -> None:
    from .raters import build_assignments

    people = plan.roster.employees
    result.employees = len(people)
    result.active_employees = sum(1 for e in people if e.is_active)
    result.departments = len({e.department for e in people})
    result.roles = len(plan.roles)
    assignments = build_assignments(plan)
    result.assignments = len(assignments)
    result.raters = len({a.rater for a in assignments})


def _changed_since_forms(ws: Workspace, plan: Plan) -> list[Problem]:
    """A warning when the forms were generated from another version of the plan."""
    from pydantic import ValidationError

    from .validate import PLAN_CHANGED

    if not ws.ledger_path.exists():
        return []
    try:
        with ws.ledger() as conn:
            row = conn.execute(
                "SELECT v.version, v.plan_json FROM forms f JOIN plan_versions v "
                "ON v.version = f.plan_version ORDER BY f.plan_version DESC LIMIT 1"
            ).fetchone()
    except sqlite3.DatabaseError:
        return []
    if row is None:
        return []
    try:
        frozen = Plan.model_validate_json(row[1])
    except ValidationError:
        return []
    if frozen == plan:
        return []
    return [PLAN_CHANGED(file=ws.plan_path().name, version=row[0])]
