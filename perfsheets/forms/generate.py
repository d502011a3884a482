"""Generate the assessment workbooks: one per rater, one sheet per person that rater assesses.

:func:`generate_forms` freezes the plan in the ledger, works out who rates whom
(:mod:`perfsheets.forms.jobs`, with the actuals HR imported and the approved target changes),
has worker processes write the workbooks (:mod:`perfsheets.forms.writer`), and records every
form and sheet in the ledger with the locked values a return must still carry
(:mod:`perfsheets.ledger.forms`). ``forms/index.csv`` lists who gets which file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import secrets
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from perfsheets.core.cells import csv_safe
from perfsheets.core.eligibility import Reason, not_assessed, reason_text
from perfsheets.core.i18n import tr
from perfsheets.core.model import Plan
from perfsheets.core.problems import PerfsheetsError
from perfsheets.files.atomic import atomic_write_text
from perfsheets.files.executor import Executor
from perfsheets.forms.jobs import FormRecord, Progress, plan_jobs, rater_names
from perfsheets.forms.writer import run_form_jobs
from perfsheets.ledger.changes import current_targets, imported_values
from perfsheets.ledger.forms import FormSheet, form_files, store_form
from perfsheets.ledger.workspace import Workspace, audit, freeze_plan, now
from perfsheets.plan.io import load_plan
from perfsheets.plan.validate import validate_plan


@dataclass(frozen=True)
class GenerateResult:
    forms: int
    sheets: int
    raters: int
    forms_dir: Path
    index: Path
    files: list[Path]
    plan_version: int
    generation: str  # token shared by the form ids of this run
    seconds: float
    problems: list[str] = field(default_factory=list)  # batches that failed (which forms, why)
    not_assessed: int = 0  # people in the roster not assessed this cycle (no forms about them)
    not_assessed_list: Path | None = None  # forms/not_assessed.csv: who and why


INDEX_FIELDS = ("rater_id", "name", "email", "file", "ratees", "form_id")


def _refuse_invalid(plan: Plan) -> None:
    """No forms from a plan with errors (weights of 105 would put wrong totals on every form)."""
    report = validate_plan(plan)
    if report.errors:
        lang = plan.cycle.language
        first = report.errors[0]
        raise PerfsheetsError(
            tr(
                lang,
                f"方案有 {len(report.errors)} 个错误，未生成评价表：{first.location()} "
                f"{first.message(lang)}（运行 perfsheets check 查看全部）",
                f"the plan has {len(report.errors)} error(s), no forms were generated: "
                f"{first.location()} {first.message(lang)} (run 'perfsheets check' for all)",
            ),
            report,
        )


def generate_forms(
    workspace: str | Path,
    *,
    plan: Plan | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> GenerateResult:
    """Write one assessment workbook per rater into ``forms/`` and record them in the ledger.

    Also writes ``forms/index.csv`` (rater id, name, email, file, ratees, form id) for sending
    the forms out. Forms of an earlier generation that no rater has any more are removed.
    """
    started = time.perf_counter()
    ws = Workspace(Path(workspace))
    if plan is None:
        plan = load_plan(ws.plan_path())
    _refuse_invalid(plan)
    ws.create()
    if executor is not None:
        executor.check_workspace(ws.root)  # one clear error before any work
    problems: list[str] = []
    plan_json = plan.model_dump_json()
    digest = hashlib.sha256(plan_json.encode()).hexdigest()
    generation = secrets.token_hex(3)
    names = rater_names(plan)
    index_rows: list[dict[str, str]] = []
    files: list[Path] = []
    sheets = 0
    with ws.ledger() as conn:
        version = freeze_plan(conn, plan_json)
        created = now()
        old_files = form_files(conn)
        total, jobs = plan_jobs(
            plan,
            generation=generation,
            plan_version=version,
            plan_digest=digest,
            generated_at=created,
            imported=imported_values(conn),
            target_changes=current_targets(conn),
        )
        for rec in run_form_jobs(
            plan,
            jobs,
            ws.forms,
            total=total,
            workers=workers,
            progress=progress,
            executor=executor,
            problems=problems,
        ):
            _store(conn, rec, version, created)
            sheets += len(rec.sheets)
            files.append(ws.forms / rec.file)
            index_rows.append(_index_row(rec, email=names[rec.rater_id][1]))
        index_rows.sort(key=lambda r: r["rater_id"])
        index = _write_index(ws.forms / "index.csv", index_rows)
        skipped = not_assessed(plan)
        skipped_list = _write_not_assessed(ws.forms / "not_assessed.csv", plan, skipped)
        current = {f.name for f in files}
        for stale in old_files - current:
            (ws.forms / stale).unlink(missing_ok=True)
        audit(
            conn,
            "forms.generate",
            f"plan v{version}",
            generation=generation,
            forms=len(files),
            sheets=sheets,
        )
    return GenerateResult(
        forms=len(files),
        sheets=sheets,
        raters=total,
        forms_dir=ws.forms,
        index=index,
        files=sorted(files),
        plan_version=version,
        generation=generation,
        seconds=time.perf_counter() - started,
        problems=problems,
        not_assessed=len(skipped),
        not_assessed_list=skipped_list,
    )


def _store(conn: sqlite3.Connection, rec: FormRecord, version: int, created: str) -> None:
    """Record a written form and its sheets with their locked values (canonical JSON)."""
    sheets = [
        FormSheet(
            s.sheet,
            s.ratee_id,
            s.rater_type,
            json.dumps(s.locked, ensure_ascii=False, sort_keys=True),
        )
        for s in rec.sheets
    ]
    store_form(conn, rec.form_id, version, rec.rater_id, rec.file, rec.digest, created, sheets)


def _index_row(rec: FormRecord, email: str) -> dict[str, str]:
    return {
        "rater_id": rec.rater_id,
        "name": rec.rater_name,
        "email": email,
        "file": rec.file,
        "ratees": ";".join(s.ratee_id for s in rec.sheets),
        "form_id": rec.form_id,
    }


def _write_not_assessed(path: Path, plan: Plan, skipped: dict[str, Reason]) -> Path:
    """forms/not_assessed.csv: everyone in the roster without forms about them, and why
    (rewritten on every generation, so it never lists last time's people)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(["employee_id", "name", "department", "reason", "reason_text"])
    lang = plan.cycle.language
    for e in plan.roster.employees:
        reason = skipped.get(e.id)
        if reason is not None:
            text = reason_text(reason, plan.eligibility, lang)
            writer.writerow([csv_safe(v) for v in (e.id, e.name, e.department, reason, text)])
    return atomic_write_text(path, buf.getvalue())


def _write_index(path: Path, rows: list[dict[str, str]]) -> Path:
    """forms/index.csv, every cell safe from formula injection when HR opens it in Excel."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=INDEX_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: csv_safe(v) for k, v in row.items()})
    return atomic_write_text(path, buf.getvalue())
