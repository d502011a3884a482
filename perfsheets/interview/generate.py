"""Write the interview-record workbooks: one per manager, a sheet per employee with a result.

:func:`write_interview_forms` reads the final results of the latest consolidation (calibration
decisions applied) from the ledger, groups the employees by manager, has worker processes write
the workbooks into ``interviews/`` (:mod:`perfsheets.interview.book`) and records every form and
sheet in the ledger with its locked values (:mod:`perfsheets.ledger.interviews`), so collect
recognises the returns and notices edited results. ``interviews/index.csv`` lists who gets
which file. Employees without a manager go into one workbook for HR.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from perfsheets.core.model import Lang, Plan
from perfsheets.core.results import EmployeeResult
from perfsheets.files.executor import Executor, LocalExecutor, TaskSpec
from perfsheets.files.recordbook import (
    SheetPerson,
    Stamp,
    index_books,
    locked_json,
    record_books,
)
from perfsheets.interview.book import KIND, Filler, RecordJob, RecordSheet, RecordWriter
from perfsheets.ledger.interviews import (
    InterviewForm,
    InterviewSheet,
    interview_form_files,
    store_interview_form,
)
from perfsheets.ledger.record_forms import run_to_record
from perfsheets.ledger.results import result_overview
from perfsheets.ledger.workspace import Workspace, audit, freeze_plan, now
from perfsheets.plan.io import load_plan

Progress = Callable[[int, int], None]
FOLDER = "interviews"


@dataclass(frozen=True)
class InterviewFormsResult:
    forms: int
    sheets: int
    folder: Path
    index: Path
    files: list[Path]
    run_id: int
    generation: str
    seconds: float
    problems: list[str] = field(default_factory=list)


def write_interview_forms(
    workspace: str | Path,
    *,
    lang: Lang | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> InterviewFormsResult:
    """Write one interview-record workbook per manager into ``interviews/`` and record them.

    Raises :class:`PerfsheetsError` before the first consolidation (no results to confirm).
    """
    started = time.perf_counter()
    ws = Workspace(Path(workspace))
    plan = load_plan(ws.plan_path())
    lang = lang or plan.lang
    folder = ws.root / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    generation = secrets.token_hex(3)
    problems: list[str] = []
    with ws.ledger() as conn:
        run_id, frozen = run_to_record(conn, KIND.no_results(ws.root, lang))
        plan_json = plan.model_dump_json()
        version = freeze_plan(conn, plan_json)
        digest = _sha(plan_json)
        results = [r for r in result_overview(conn) if r.grade]
        created = now()
        stamp = Stamp(run_id, version, digest, generation, created)
        jobs = record_jobs(plan, frozen, results, lang, stamp)
        emails = {e.id: e.email for e in plan.roster.employees}

        def store(job: RecordJob) -> None:
            store_interview_form(conn, _form_record(job))

        written = index_books(
            folder,
            run_record_jobs(
                plan,
                lang,
                jobs,
                folder,
                workers=workers,
                progress=progress,
                executor=executor,
                problems=problems,
            ),
            emails,
            interview_form_files(conn),
            store,
        )
        audit(
            conn,
            "interviews.generate",
            f"run {run_id}",
            generation=generation,
            forms=len(written.files),
            sheets=written.sheets,
        )
    return InterviewFormsResult(
        **written.summary(),
        sheets=written.sheets,
        run_id=run_id,
        generation=generation,
        seconds=time.perf_counter() - started,
        problems=problems,
    )


def _sha(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()


def _form_record(job: RecordJob) -> InterviewForm:
    sheets = tuple(InterviewSheet(s.sheet, s.employee_id, locked_json(s)) for s in job.sheets)
    return InterviewForm(**job.form_fields(), sheets=sheets)


def record_jobs(
    plan: Plan, frozen: Plan, results: Iterable[EmployeeResult], lang: Lang, stamp: Stamp
) -> list[RecordJob]:
    """One job per manager (people without one in HR's workbook), a sheet per employee with
    the result it shows (:func:`perfsheets.files.recordbook.record_books`)."""

    def sheet(p: SheetPerson) -> RecordSheet:
        return RecordSheet(**p.employee(), score=p.result.total_score)

    return record_books(plan, frozen, results, lang, KIND, stamp, sheet, RecordJob)


# --- many workbooks: worker processes ---------------------------------------------------------

_WORKER: RecordWriter | None = None


def _init_worker(plan_json: str, lang: Lang, out_dir: str, filler: Filler | None) -> None:
    global _WORKER
    _WORKER = RecordWriter(Plan.model_validate_json(plan_json), Path(out_dir), lang, filler)


def _write_chunk(jobs: list[RecordJob]) -> list[RecordJob]:
    assert _WORKER is not None, "worker not initialised"
    return [_WORKER.write(job) for job in jobs]


def run_record_jobs(
    plan: Plan,
    lang: Lang,
    jobs: list[RecordJob],
    out_dir: Path,
    *,
    filler: Filler | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    executor: Executor | None = None,
    problems: list[str] | None = None,
) -> Iterator[RecordJob]:
    """Write every job's workbook (in worker processes when it pays); yield the jobs written.
    A batch that fails is appended to ``problems`` and the others go on."""
    executor = executor or LocalExecutor(workers)
    count, total, done = executor.workers(), len(jobs), 0
    if executor.kind == "local" and (count <= 1 or total < 4 * count):
        writer = RecordWriter(plan, out_dir, lang, filler)
        for job in jobs:
            yield writer.write(job)
            done += 1
            if progress:
                progress(done, total)
        return
    chunk = max(1, min(16, total // (count * 8) or 1)) if executor.kind == "local" else 100
    job_iter = iter(jobs)
    chunks = iter(lambda: list(islice(job_iter, chunk)), [])
    spec = TaskSpec(
        _write_chunk,
        _init_worker,
        (plan.model_dump_json(), lang, str(out_dir), filler),
        start_method="fork",
        name="interviews",
    )
    for outcome in executor.map_batches(spec, chunks):
        batch: list[RecordJob] = outcome.batch
        if outcome.error is not None:
            if problems is None:
                raise outcome.error
            names = ", ".join(j.file for j in batch[:3]) + (" …" if len(batch) > 3 else "")
            problems.append(
                f"{len(batch)} interview record form(s) not written ({names}): "
                f"{type(outcome.error).__name__}: {outcome.error}"
            )
        else:
            yield from outcome.value
        done += len(batch)
        if progress:
            progress(done, total)
