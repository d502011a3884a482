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
import secrets
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from perfsheets.core import pip
from perfsheets.core.consequences import pip_grades
from perfsheets.core.model import Lang, Plan
from perfsheets.core.results import EmployeeResult
from perfsheets.files.recordbook import SheetPerson, Stamp, index_books, locked_json, record_books
from perfsheets.ledger.interviews import record_values, records_in_force
from perfsheets.ledger.pips import PipForm, PipSheet, pip_form_files, store_pip_form
from perfsheets.ledger.record_forms import run_to_record
from perfsheets.ledger.results import result_overview
from perfsheets.ledger.workspace import Workspace, audit, freeze_plan, now
from perfsheets.pip.book import KIND, PipJob, PipSheetJob, PipWriter
from perfsheets.plan.io import load_plan

FOLDER = "pips"


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
    with ws.ledger() as conn:
        run_id, frozen = run_to_record(conn, KIND.no_results(ws.root, lang))
        grades = pip_grades(plan, frozen)
        results = [r for r in result_overview(conn) if r.grade in grades]
        actions = {
            emp: record_values(conn, rec.record_id).get("actions", [])
            for emp, rec in records_in_force(conn).items()
        }
        plan_json = plan.model_dump_json()
        version = freeze_plan(conn, plan_json)
        created = now()
        digest = hashlib.sha256(plan_json.encode()).hexdigest()
        stamp = Stamp(run_id, version, digest, secrets.token_hex(3), created)
        jobs = pip_jobs(plan, frozen, results, actions, lang, day, stamp)
        emails = {e.id: e.email for e in plan.roster.employees}
        writer = PipWriter(plan, folder, lang)

        def store(job: PipJob) -> None:
            store_pip_form(conn, _form_record(job))

        def written_jobs() -> Iterator[PipJob]:
            for job in jobs:
                writer.write(job)
                yield job

        written = index_books(folder, written_jobs(), emails, pip_form_files(conn), store)
        audit(conn, "pips.generate", f"run {run_id}", forms=len(written.files), pips=written.sheets)
    end = day + dt.timedelta(days=plan.pip.length_days)
    return PipFormsResult(
        **written.summary(),
        pips=written.sheets,
        run_id=run_id,
        start=day,
        end=end,
        seconds=time.perf_counter() - started,
    )


def _form_record(job: PipJob) -> PipForm:
    sheets = tuple(
        PipSheet(s.sheet, s.employee_id, s.grade, s.start, s.end, s.checkpoints, locked_json(s))
        for s in job.sheets
    )
    return PipForm(**job.form_fields(), sheets=sheets)


def pip_jobs(
    plan: Plan,
    frozen: Plan,
    results: Iterable[EmployeeResult],
    actions: dict[str, list],
    lang: Lang,
    start: dt.date,
    stamp: Stamp,
) -> list[PipJob]:
    """One job per manager (people without one in HR's workbook), a sheet per PIP
    (:func:`perfsheets.files.recordbook.record_books`) dated from ``start``, its goals from the
    interview records' improvement actions."""
    end = start + dt.timedelta(days=plan.pip.length_days)
    points = tuple(
        d.isoformat()
        for d in pip.checkpoint_dates(start, plan.pip.length_days, plan.pip.checkpoints)
    )

    def sheet(p: SheetPerson) -> PipSheetJob:
        r = p.result
        goals = tuple(
            (str(a[0] or ""), str(a[1] or ""), str(a[2] or ""), str(a[3] or ""))
            for a in actions.get(r.employee_id, [])
            if a and a[0]
        )
        owner = f"{p.manager_name} ({p.manager_id})" if p.manager_id else p.manager_name
        return PipSheetJob(
            **p.employee(),
            owner=owner,
            start=start.isoformat(),
            end=end.isoformat(),
            checkpoints=points,
            goals=goals,
        )

    return record_books(plan, frozen, results, lang, KIND, stamp, sheet, PipJob)
