"""Write the PIP workbooks (绩效改进计划表): one per manager, a sheet per employee whose final
grade requires a PIP.

:func:`write_pip_forms` reads the final results of the latest consolidation (calibration
decisions applied), picks the employees with a PIP grade (``consequences.pip_grades``, by
default the lowest), takes each one's goals from the improvement actions of their interview
record in force (empty rows when there is none), dates the PIP from ``start`` (default: today)
over ``pip.length_days`` with ``pip.checkpoints`` checkpoints, writes the workbooks into
``pips/`` and records every form and sheet in the ledger (:mod:`perfsheets.ledger.pips`), so
collect recognises the returns. ``pips/index.csv`` lists who gets which file. Employees without
a manager go into one workbook for HR.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from perfsheets.core import pip
from perfsheets.core.cells import file_part
from perfsheets.core.consequences import pip_grades
from perfsheets.core.i18n import tr
from perfsheets.core.model import Lang, Plan
from perfsheets.core.problems import PerfsheetsError
from perfsheets.core.results import EmployeeResult
from perfsheets.files.atomic import atomic_write_csv
from perfsheets.files.formbook import sheet_name
from perfsheets.ledger.interviews import record_values, records_in_force
from perfsheets.ledger.pips import PipForm, PipSheet, pip_form_files, store_pip_form
from perfsheets.ledger.results import latest_run_plan, result_overview
from perfsheets.ledger.workspace import Workspace, audit, freeze_plan, now
from perfsheets.pip.book import PipJob, PipSheetJob, PipWriter
from perfsheets.plan.io import load_plan

FOLDER = "pips"
NO_MANAGER = ""  # the manager id of the workbook for people without a manager (HR fills it)
INDEX_FIELDS = ("manager_id", "name", "email", "file", "employees", "form_id")


@dataclass(frozen=True)
class PipFormsResult:
    forms: int
    pips: int
    folder: Path
    index: Path
    files: list[Path]
    run_id: int
    start: dt.date
    end: dt.date
    seconds: float


def write_pip_forms(
    workspace: str | Path,
    *,
    lang: Lang | None = None,
    start: dt.date | None = None,
) -> PipFormsResult:
    """Write one PIP workbook per manager into ``pips/`` and record them in the ledger; the PIPs
    start on ``start`` (default: today). Raises :class:`PerfsheetsError` before the first
    consolidation (no grades yet).
    """
    started = time.perf_counter()
    ws = Workspace(Path(workspace))
    plan = load_plan(ws.plan_path())
    lang = lang or plan.lang
    day = start or dt.date.today()
    folder = ws.root / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    index_rows: list[dict[str, str]] = []
    count = 0
    with ws.ledger() as conn:
        found = latest_run_plan(conn)
        if found is None:
            raise PerfsheetsError(
                tr(
                    lang,
                    f"{ws.root}：尚无汇总结果，无法生成绩效改进计划表（先运行 perfsheets consolidate）",
                    f"{ws.root}: no consolidated results yet, so no improvement plans "
                    "(run 'perfsheets consolidate' first)",
                )
            )
        run_id, frozen_json = found
        frozen = Plan.model_validate_json(frozen_json)
        grades = pip_grades(plan, frozen)
        results = [r for r in result_overview(conn) if r.grade in grades]
        actions = {
            emp: record_values(conn, rec.record_id).get("actions", [])
            for emp, rec in records_in_force(conn).items()
        }
        plan_json = plan.model_dump_json()
        version = freeze_plan(conn, plan_json)
        created = now()
        jobs = pip_jobs(
            plan,
            frozen,
            results,
            actions,
            lang,
            start=day,
            run_id=run_id,
            plan_version=version,
            plan_digest=hashlib.sha256(plan_json.encode()).hexdigest(),
            generation=secrets.token_hex(3),
            generated_at=created,
        )
        emails = {e.id: e.email for e in plan.roster.employees}
        writer = PipWriter(plan, folder, lang)
        old_files = pip_form_files(conn)
        for job in jobs:
            files.append(writer.write(job))
            count += len(job.sheets)
            index_rows.append(
                {
                    "manager_id": job.manager_id,
                    "name": job.manager_name,
                    "email": emails.get(job.manager_id, ""),
                    "file": job.file,
                    "employees": ";".join(s.employee_id for s in job.sheets),
                    "form_id": job.form_id,
                }
            )
            store_pip_form(conn, _form_record(job, run_id, version, created))
        index = atomic_write_csv(
            folder / "index.csv", INDEX_FIELDS, sorted(index_rows, key=lambda r: r["file"])
        )
        for stale in old_files - {f.name for f in files}:
            (folder / stale).unlink(missing_ok=True)
        audit(conn, "pips.generate", f"run {run_id}", forms=len(files), pips=count)
    end = day + dt.timedelta(days=plan.pip.length_days)
    return PipFormsResult(
        forms=len(files),
        pips=count,
        folder=folder,
        index=index,
        files=sorted(files),
        run_id=run_id,
        start=day,
        end=end,
        seconds=time.perf_counter() - started,
    )


def _form_record(job: PipJob, run_id: int, version: int, created: str) -> PipForm:
    return PipForm(
        job.form_id,
        run_id,
        version,
        job.manager_id,
        job.file,
        job.digest(),
        created,
        tuple(
            PipSheet(
                s.sheet,
                s.employee_id,
                s.grade,
                s.start,
                s.end,
                s.checkpoints,
                json.dumps(s.locked(), ensure_ascii=False, sort_keys=True),
            )
            for s in job.sheets
        ),
    )


def pip_jobs(
    plan: Plan,
    frozen: Plan,
    results: Iterable[EmployeeResult],
    actions: dict[str, list],
    lang: Lang,
    *,
    start: dt.date,
    run_id: int,
    plan_version: int,
    plan_digest: str,
    generation: str,
    generated_at: str,
) -> list[PipJob]:
    """One job per manager (people without one in HR's workbook), a sheet per PIP named
    "name id"; names from the current roster, grade names from the plan frozen with the
    results, goals from the interview records' improvement actions."""
    people = plan.employee_map()
    levels = {g.code: g for g in frozen.grading.levels}
    end = start + dt.timedelta(days=plan.pip.length_days)
    points = tuple(
        d.isoformat()
        for d in pip.checkpoint_dates(start, plan.pip.length_days, plan.pip.checkpoints)
    )
    by_manager: dict[str, list[EmployeeResult]] = {}
    for r in results:
        person = people.get(r.employee_id)
        manager = r.manager_id or (person.manager if person else None) or NO_MANAGER
        by_manager.setdefault(manager if manager in people else NO_MANAGER, []).append(r)
    hr = tr(lang, "人力资源部", "HR")
    jobs = []
    for manager in sorted(by_manager):
        manager_name = people[manager].name if manager in people else hr
        owner = f"{manager_name} ({manager})" if manager else manager_name
        taken: set[str] = set()
        sheets = []
        for r in sorted(by_manager[manager], key=lambda x: x.employee_id):
            person = people.get(r.employee_id)
            name = person.name if person else r.employee_id
            level = levels.get(r.grade or "")
            label = level.label(lang) if level else ""
            shown = f"{r.grade} {label}" if label and label != r.grade else str(r.grade)
            goals = tuple(
                (str(a[0] or ""), str(a[1] or ""), str(a[2] or ""), str(a[3] or ""))
                for a in actions.get(r.employee_id, [])
                if a and a[0]
            )
            sheets.append(
                PipSheetJob(
                    sheet=sheet_name(f"{name} {r.employee_id}", taken),
                    employee_id=r.employee_id,
                    name=name,
                    department=person.department if person else (r.department or ""),
                    grade=str(r.grade),
                    grade_name=shown,
                    owner=owner,
                    start=start.isoformat(),
                    end=end.isoformat(),
                    checkpoints=points,
                    goals=goals,
                )
            )
        prefix = tr(lang, "绩效改进计划", "pip")
        jobs.append(
            PipJob(
                form_id=f"PIP-{generation}-{manager or 'HR'}",
                manager_id=manager,
                manager_name=manager_name,
                file=file_part(f"{prefix}_{manager or 'HR'}_{manager_name}"[:120], 200) + ".xlsx",
                run_id=run_id,
                plan_version=plan_version,
                plan_digest=plan_digest,
                generated_at=generated_at,
                sheets=tuple(sheets),
            )
        )
    return jobs
