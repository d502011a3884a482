"""Collect returned forms: check every file, store what is good in the ledger, report the rest.

``collect_returns`` is run again and again as returns trickle in, so it is exact, fast and
idempotent:

* **Reading and checking** (:mod:`perfsheets.collect.check`) happens in worker processes for
  large batches; every file is identified by its metadata, never by its name.
* **Storing** happens in the main process, file after file in order of modification time
  (arrival, which orders versions saved at the same time), inside transactions committed every few hundred files: a killed
  run leaves the ledger as it was after the last commit and the next run simply picks up the
  rest. An accepted file is archived under ``archive/`` by SHA-256 *before* its ledger rows are
  committed, so the ledger never points at a missing file.
* **Idempotence**: a file whose bytes (SHA-256) are already stored is not even read again (its
  problems of the last check stand). A return is accepted sheet by sheet and versions are
  ordered as the rater saved them (:mod:`perfsheets.collect.store`): a file whose values equal
  those in force changes nothing, so collecting the same folder twice or a re-saved copy leave
  the ledger as it is; a newer file supersedes the return in force for its sheets
  (``returns.superseded_by``, a ``duplicate-return`` warning and a ``return.supersede`` audit
  entry); a file saved before the one in force is kept, not used (``older-return``). Each run
  adds a ``collect.run`` entry with its counts. Nothing is ever deleted; consolidation reads the
  one return in force per form (``superseded_by`` NULL), which holds every sheet's values.
* **Problems** of the run go to ``results/validation.csv`` and ``results/validation.xlsx`` and to
  the ledger's ``problems`` and ``rejections`` tables (replaced per file), from which
  ``return_status`` and the send-back list (``results/send_back.csv`` and a sheet of
  validation.xlsx: every return outstanding in the cycle) are made; a stored problem is shown in
  the language of the run that shows it.

One bad file never stops the batch: it is rejected with its problems and the others go on.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from perfsheets.collect.check import check_return
from perfsheets.collect.context import CheckContext, FormIndex, build_context
from perfsheets.collect.files import (
    DEFAULT_LIMITS,
    Limits,
    Rejected,
    Source,
    archive_members,
    is_litter,
)
from perfsheets.collect.interview import InterviewIndex
from perfsheets.collect.outcome import OUTCOMES, CheckedReturn, CollectResult, FileOutcome
from perfsheets.collect.outputs import send_back_list, write_validation
from perfsheets.collect.pip import PipIndex
from perfsheets.collect.problems import CHECK_FAILED, rejection
from perfsheets.collect.status import return_status
from perfsheets.collect.store import ReturnStore
from perfsheets.core.model import Lang, Plan
from perfsheets.core.problems import PerfsheetsError, Report
from perfsheets.files.atomic import clean_stale_temps
from perfsheets.files.executor import Executor, LocalExecutor, TaskSpec, cores
from perfsheets.ledger.calibration import ensure_open, release_state
from perfsheets.ledger.forms import form_records
from perfsheets.ledger.interviews import interview_form_records
from perfsheets.ledger.pips import pip_form_records
from perfsheets.ledger.returns import batched, known_files
from perfsheets.ledger.workspace import Workspace, audit, now
from perfsheets.plan.io import load_plan

# return_status lives in collect.status; it stays importable from here.
__all__ = ["CollectResult", "collect_returns", "default_workers", "return_status"]

Progress = Callable[[int, int], None]

COMMIT_EVERY_FILES = 500  # ledger transaction size; a killed run loses at most this much work
COMMIT_EVERY_SECONDS = 2.0
PARALLEL_FROM = 24  # files; below this, worker start-up costs more than it saves


def collect_returns(
    workspace: str | Path,
    paths: Iterable[str | Path] | None = None,
    *,
    plan: Plan | None = None,
    lang: Lang | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    limits: Limits = DEFAULT_LIMITS,
    executor: Executor | None = None,
) -> CollectResult:
    """Check returned workbooks and store the valid ones in the ledger.

    ``paths`` are files, folders (searched recursively) and .zip archives of returns; by default
    the workspace's ``returns/`` folder. ``workers``: processes used to read files (default: one
    per CPU for large batches; 0 or 1 reads in this process). ``lang``: language of the
    messages and of validation.xlsx (default: the plan's). ``limits``: size guards.

    Each file ends ``accepted`` (first return of its form), ``superseded`` (accepted, replacing
    an earlier return), ``unchanged`` (its content is already stored) or ``rejected`` (at least
    one error); ``exit_code`` is 1 when any file was rejected. Raises PerfsheetsError when the
    workspace has no generated forms or a given path does not exist.
    """
    started = time.perf_counter()
    require_defusedxml()
    ws = Workspace(Path(workspace))
    plan = plan or load_plan(ws.plan_path())
    lang = lang or plan.cycle.language
    ws.archive.mkdir(parents=True, exist_ok=True)
    if executor is not None:
        executor.check_workspace(ws.root)  # one clear error before any work
    clean_stale_temps(ws.results)  # validation books a killed run left half-written
    with ws.ledger() as conn:
        records = interview_form_records(conn)
        pip_forms = pip_form_records(conn)
        state = release_state(conn)
        # a released cycle's results stay as released; its interview records and PIPs are
        # still collected
        frozen = bool(records or pip_forms) and state is not None and state.frozen
        if not frozen:
            ensure_open(conn, "collect", lang)
        forms = FormIndex.of(form_records(conn))
        known = known_files(conn)
    interviews = InterviewIndex.of(records, plan.cycle.start) if records else None
    pips = PipIndex.of(pip_forms, plan.cycle.start) if pip_forms else None
    if not forms.forms:
        raise PerfsheetsError(
            f"{ws.root}: no forms were generated in this workspace; run 'perfsheets generate'"
        )
    sources, early = find_sources(ws, paths, limits=limits)
    sources.sort(key=lambda s: (s.mtime, s.name))
    ctx = build_context(
        plan,
        forms,
        archive_dir=ws.archive,
        limits=limits,
        known=known,
        interviews=interviews,
        pips=pips,
    )
    ctx.results_frozen = frozen
    total = len(sources) + len(early)
    with checked_files(sources, ctx, workers, executor) as checked:
        outcomes, report = _store_all(ws, ctx, lang, _chain(early, checked), total, progress)
    send_back = send_back_list(ws, outcomes, report, plan, lang)
    title = plan.cycle.label(lang)
    csv_path, xlsx_path = write_validation(ws, outcomes, report, send_back, lang, title)
    return CollectResult(
        workspace=ws.root,
        files=outcomes,
        report=report,
        send_back=send_back,
        validation_csv=csv_path,
        validation_xlsx=xlsx_path,
        lang=lang,
        seconds=time.perf_counter() - started,
    )


def require_defusedxml() -> None:
    """XML bombs are refused only with defusedxml installed (openpyxl relies on it too)."""
    try:
        import defusedxml  # noqa: F401  (only whether it is installed matters)
    except ImportError:
        raise PerfsheetsError(
            "defusedxml is not installed: it is required to read returned files safely "
            "(pip install defusedxml)"
        ) from None


# --- finding the files ----------------------------------------------------------------------------


def find_sources(
    ws: Workspace,
    paths: Iterable[str | Path] | None,
    *,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[list[Source], list[CheckedReturn]]:
    """The files to check, and archives that could not be opened (already rejected).

    Folders are searched recursively; lock files and system litter are passed over. A .zip
    file that is not itself a workbook is an archive whose members are collected (read once);
    members refused by name (unsafe paths, archives nested too deep) come back rejected.
    """
    roots = [Path(p) for p in paths] if paths is not None else [ws.returns]
    sources: list[Source] = []
    broken: list[CheckedReturn] = []
    seen: set[str] = set()
    base = os.path.abspath(ws.root) + os.sep
    for root in roots:
        if not root.exists():
            raise PerfsheetsError(f"{root}: no such file or folder")
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        for path in files:
            absolute = os.path.abspath(path)
            if absolute in seen or (root.is_dir() and is_litter(path.name)):
                continue
            seen.add(absolute)
            name = _display_name(base, absolute, path)
            contents = None
            if path.suffix.lower() == ".zip":
                try:
                    contents = archive_members(path, name, limits)
                except Rejected as exc:
                    broken.append(_refused(name, str(path), exc))
                    continue
            if contents is None:  # not a .zip, or a workbook renamed to .zip
                stat = path.stat()
                sources.append(Source(name, str(path), None, stat.st_mtime, stat.st_size))
                continue
            sources.extend(contents.sources)
            broken.extend(_refused(member, str(path), exc) for member, exc in contents.refused)
    return sources, broken


def _refused(name: str, path: str, exc: Rejected) -> CheckedReturn:
    """A file (or archive member) refused before it is read."""
    bad = CheckedReturn(Source(name, path))
    bad.problems.append(rejection(exc, name))
    return bad


def _display_name(base: str, absolute: str, path: Path) -> str:
    """Relative to the workspace when inside it (returns/...), else as given."""
    if absolute.startswith(base):
        return Path(absolute[len(base) :]).as_posix()
    return str(path)


# --- checking, in workers for large batches ------------------------------------------------------

_WORKER_CONTEXT: CheckContext | None = None

DASK_BATCH = 100  # files per task on a cluster


def _init_worker(ctx: CheckContext) -> None:
    global _WORKER_CONTEXT
    _WORKER_CONTEXT = ctx


def _check_in_worker(sources: list[Source]) -> list[CheckedReturn]:
    assert _WORKER_CONTEXT is not None
    return [_check_safely(source, _WORKER_CONTEXT) for source in sources]


def _check_safely(source: Source, ctx: CheckContext) -> CheckedReturn:
    """check_return, with any unexpected failure turned into a rejected file (never a crash)."""
    try:
        return check_return(source, ctx)
    except Exception as exc:  # one bad file must not stop the batch
        return _failed(source, exc)


def _failed(source: Source, exc: BaseException) -> CheckedReturn:
    bad = CheckedReturn(source)
    bad.problems.append(CHECK_FAILED(source.name, reason=f"{type(exc).__name__}: {exc}"))
    return bad


def default_workers() -> int:
    return max(1, min(cores(), 8))


@contextmanager
def checked_files(
    sources: list[Source],
    ctx: CheckContext,
    workers: int | None,
    executor: Executor | None = None,
) -> Iterator[Iterator[CheckedReturn]]:
    """Checked files in the order of ``sources``, from worker processes for large batches.

    The workers start here, before the ledger is opened, so no process inherits a connection.
    A task that fails as a whole (a worker lost more often than Dask retries) rejects its files
    with the error; the others go on.
    """
    if executor is None:
        count = default_workers() if workers is None else workers
        if count <= 1 or len(sources) < PARALLEL_FROM:
            yield (_check_safely(source, ctx) for source in sources)
            return
        executor = LocalExecutor(count, in_flight_per_worker=8)
        chunk = max(1, min(16, len(sources) // (count * 8)))
    else:
        chunk = DASK_BATCH
    batches = [sources[i : i + chunk] for i in range(0, len(sources), chunk)]
    spec = TaskSpec(_check_in_worker, _init_worker, (ctx,), start_method="fork", name="collect")
    outcomes = executor.map_batches(spec, batches, ordered=True)
    try:
        yield (
            checked
            for done in outcomes
            for checked in (
                done.value
                if done.error is None
                else [_failed(source, done.error) for source in done.batch]
            )
        )
    finally:
        outcomes.close()


# --- storing --------------------------------------------------------------------------------------


def _store_all(
    ws: Workspace,
    ctx: CheckContext,
    lang: Lang,
    checked: Iterator[CheckedReturn],
    total: int,
    progress: Progress | None,
) -> tuple[list[FileOutcome], Report]:
    """Every checked file stored in order, in batches committed every few hundred files."""
    outcomes: list[FileOutcome] = []
    report = Report()
    with ws.ledger() as conn, batched(conn) as batch:
        store = ReturnStore(batch, now(), ctx, lang)
        last_commit, pending = time.monotonic(), 0
        for item in checked:
            outcomes.append(store.record(item))
            report.extend(item.problems)
            pending += 1
            if (
                pending >= COMMIT_EVERY_FILES
                or time.monotonic() - last_commit > COMMIT_EVERY_SECONDS
            ):
                batch.commit()
                last_commit, pending = time.monotonic(), 0
            if progress:
                progress(len(outcomes), total)
        counts = {o: sum(f.outcome == o for f in outcomes) for o in OUTCOMES}
        audit(conn, "collect.run", "returns", files=len(outcomes), **counts)
    return outcomes, report


def _chain(first: list[CheckedReturn], rest: Iterator[CheckedReturn]) -> Iterator[CheckedReturn]:
    yield from first
    yield from rest
