"""Writing workbooks: one form (or simulated return) per :class:`~perfsheets.forms.jobs.FormJob`.

A :class:`FormWriter` writes a job's workbook: the instructions, one assessment sheet per person
(:mod:`perfsheets.forms.assessment`, following each sheet's template), the scoring criteria and
the hidden metadata (:mod:`perfsheets.forms.guide`); given a *filler*, it writes a filled return.
:func:`run_form_jobs` spreads many jobs over worker processes, streaming them in chunks so memory
stays flat however large the company. Workers never open the ledger: they return records.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

from perfsheets.core.i18n import tr
from perfsheets.core.model import Lang, Plan, RaterTypeId
from perfsheets.files.executor import Executor, LocalExecutor, TaskSpec, cores
from perfsheets.forms.assessment import AssessmentSheetWriter
from perfsheets.forms.guide import is_outsider, write_criteria, write_instructions, write_meta
from perfsheets.forms.jobs import FormJob, FormRecord, Progress, SheetRecord
from perfsheets.forms.template import Filler, SheetTemplate
from perfsheets.forms.workbook import company, formats, workbook_class


class FormWriter:
    """Writes assessment workbooks for one plan. One instance per worker process."""

    def __init__(self, plan: Plan, out_dir: Path, filler: Filler | None = None) -> None:
        self.plan, self.out_dir, self.filler = plan, Path(out_dir), filler
        self.lang: Lang = plan.lang
        self.roles = plan.role_map()
        self.employees = plan.employee_map()
        self.types = plan.rater_type_map()
        self._templates: dict[tuple[str, str], SheetTemplate] = {}
        self.sheets = AssessmentSheetWriter(plan)

    def template(self, role_id: str, rater_type: RaterTypeId) -> SheetTemplate:
        """The template of a (role, rater type) sheet, built on first use."""
        key = (role_id, rater_type)
        tpl = self._templates.get(key)
        if tpl is None:
            tpl = self._templates[key] = SheetTemplate(self.plan, self.roles[role_id], rater_type)
        return tpl

    def record(self, job: FormJob) -> FormRecord:
        """The ledger record of a form (locked values and digest), without writing it."""
        sheets = tuple(
            SheetRecord(
                s.name,
                s.ratee_id,
                s.rater_type,
                self.template(self.employees[s.ratee_id].role, s.rater_type).locked_values(s),
            )
            for s in job.sheets
        )
        canonical = json.dumps(
            [[s.sheet, s.ratee_id, s.rater_type, s.locked] for s in sheets],
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        digest = hashlib.sha256(canonical.encode()).hexdigest()
        return FormRecord(job.form_id, job.rater_id, job.rater_name, job.file, digest, sheets)

    def write(self, job: FormJob) -> FormRecord:
        """Write one workbook atomically into the output folder and return its record."""
        path = self.out_dir / job.file
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.xlsx")
        try:
            self.write_workbook(tmp, job)
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()
        return self.record(job)

    def write_workbook(self, path: Path, job: FormJob) -> None:
        """Write the workbook of ``job`` at ``path`` (as it is: :meth:`write` makes it atomic)."""
        plan, lang = self.plan, self.lang
        wb = workbook_class()(
            str(path),
            {
                "in_memory": True,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
            },
        )
        wb.structure_password = plan.cycle.form_password or ""
        wb.set_properties(
            {
                "title": f"{plan.cycle.label(lang)} {tr(lang, '绩效考核表', 'appraisal form')}",
                "author": "perfsheets",
                "company": company(plan),
                "subject": job.form_id,
            }
        )
        fm = formats(wb, lang)
        write_instructions(wb, fm, plan, job, self.employees, self.types)
        for sheet in job.sheets:
            employee = self.employees[sheet.ratee_id]
            tpl = self.template(employee.role, sheet.rater_type)
            fill = self.filler(job, sheet, tpl) if self.filler else None
            self.sheets.write(wb, fm, job, sheet, employee, tpl, fill)
        write_criteria(wb, fm, plan, self._job_templates(job), outsider=is_outsider(job))
        write_meta(wb, plan, job)
        wb.close()

    def _job_templates(self, job: FormJob) -> list[SheetTemplate]:
        return [self.template(self.employees[s.ratee_id].role, s.rater_type) for s in job.sheets]


# --- running many forms: worker processes -----------------------------------------------------

_WORKER: FormWriter | None = None

DASK_BATCH = 100  # forms per task on a cluster (benchmarks/bench_executor.py: ~1 ms per task)


def _init_worker(plan_json: str, out_dir: str, filler: Filler | None) -> None:
    global _WORKER
    _WORKER = FormWriter(Plan.model_validate_json(plan_json), Path(out_dir), filler)


def _write_chunk(jobs: list[FormJob]) -> list[FormRecord]:
    assert _WORKER is not None, "worker not initialised"
    return [_WORKER.write(job) for job in jobs]


def default_workers() -> int:
    return cores()


def run_form_jobs(
    plan: Plan,
    jobs: Iterable[FormJob],
    out_dir: Path,
    *,
    total: int,
    filler: Filler | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    executor: Executor | None = None,
    batch_size: int | None = None,
    problems: list[str] | None = None,
) -> Iterator[FormRecord]:
    """Write every job's workbook, in worker processes when it pays; yield records as done.

    Jobs are consumed lazily and only a few batches are in flight at once, so memory does not
    grow with the number of forms. A file is named after its form, so a task run again (a lost
    worker) rewrites its own files only. A batch that fails is appended to ``problems`` (which
    forms, the error) and the others go on; without ``problems`` the error is raised.
    """
    executor = executor or LocalExecutor(workers)
    count = executor.workers()
    done = 0
    if executor.kind == "local" and (count <= 1 or total < 4 * count):
        # a pool costs more than it saves
        writer = FormWriter(plan, out_dir, filler)
        for job in jobs:
            yield writer.write(job)
            done += 1
            if progress:
                progress(done, total)
        return
    if executor.kind == "local":
        chunk = batch_size or max(1, min(32, total // (count * 8) or 1))
    else:
        chunk = batch_size or DASK_BATCH
    job_iter = iter(jobs)
    chunks = iter(lambda: list(islice(job_iter, chunk)), [])
    spec = TaskSpec(
        _write_chunk,
        _init_worker,
        (plan.model_dump_json(), str(out_dir), filler),
        start_method="fork",
        name="forms",
    )
    for outcome in executor.map_batches(spec, chunks):
        batch: list[FormJob] = outcome.batch
        if outcome.error is not None:
            files = ", ".join(j.file for j in batch[:3]) + (" …" if len(batch) > 3 else "")
            message = (
                f"{len(batch)} form(s) not written ({files}): "
                f"{type(outcome.error).__name__}: {outcome.error}"
            )
            if problems is None:
                raise outcome.error
            problems.append(message)
            records: list[FormRecord] = []
        else:
            records = outcome.value
        yield from records
        done += len(batch)
        if progress:
            progress(done, total)
