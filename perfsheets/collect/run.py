"""Collect returned forms: check every file, store what is good in the ledger, report the rest.

``collect_returns`` is run again and again as returns trickle in, so it is exact, fast and
idempotent:

* **Reading and checking** (:mod:`perfsheets.collect.check`) happens in worker processes for
  large batches; every file is identified by its metadata, never by its name.
* **Storing** happens in the main process, file after file in order of modification time (the
  newer of two versions wins), inside transactions committed every few hundred files: a killed
  run leaves the ledger as it was after the last commit and the next run simply picks up the
  rest. An accepted file is archived under ``archive/`` by SHA-256 *before* its ledger rows are
  committed, so the ledger never points at a missing file.
* **Idempotence**: a file whose bytes (SHA-256) are already stored is not even read again (its
  problems of the last check stand). A return whose content (the values read, not the bytes)
  equals any earlier return of the same form changes nothing, so collecting the same folder
  twice, a re-saved copy, or an old version lying next to its correction leave the ledger as
  it is. A return with new content supersedes the form's current return
  (``returns.superseded_by``), with a ``duplicate_return`` warning and a ``return.supersede``
  audit entry; each run adds a ``collect.run`` entry with its counts. Nothing is ever deleted;
  consolidation reads the returns whose ``superseded_by`` is NULL.
* **Problems** of the run go to ``results/validation.csv`` and ``results/validation.xlsx`` and to
  the ledger's ``problems`` table (replaced per file), which ``return_status`` reads.

One bad file never stops the batch: it is rejected with its problems and the others go on.
"""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from perfsheets.collect.check import (
    CHECK_FAILED,
    DUPLICATE_RETURN,
    CheckContext,
    CheckedReturn,
    FormIndex,
    FormRecord,
    SheetRecord,
    build_context,
    check_return,
    rejection,
)
from perfsheets.collect.files import (
    DEFAULT_LIMITS,
    Limits,
    Rejected,
    Source,
    archive_members,
    is_litter,
)
from perfsheets.core.i18n import tr
from perfsheets.core.model import Lang, Plan
from perfsheets.core.problems import CATALOGUE, PerfsheetsError, Problem, ProblemType, Report
from perfsheets.files.atomic import atomic_write, atomic_write_text
from perfsheets.ledger.workspace import Workspace, audit, now

Outcome = Literal["accepted", "superseded", "unchanged", "rejected"]
Progress = Callable[[int, int], None]

COMMIT_EVERY_FILES = 500  # ledger transaction size; a killed run loses at most this much work
COMMIT_EVERY_SECONDS = 2.0
PARALLEL_FROM = 24  # files; below this, worker start-up costs more than it saves


@dataclass
class FileOutcome:
    """What happened to one returned file."""

    file: str
    outcome: Outcome  # superseded: accepted, replacing an earlier return of the same form
    form_id: str | None = None
    rater_id: str | None = None
    rater_name: str | None = None
    sheets: int = 0
    errors: int = 0
    warnings: int = 0
    sha256: str = ""
    return_id: int | None = None  # the ledger return holding this file's entries
    replaced_return_id: int | None = None  # the return this file superseded


@dataclass
class SendBack:
    """A rejected file to return to its rater, with what to fix."""

    rater_id: str
    rater_name: str
    department: str
    email: str
    file: str
    fixes: list[str]


@dataclass
class CollectResult:
    """The outcome of one collect run."""

    workspace: Path
    files: list[FileOutcome]
    report: Report
    send_back: list[SendBack]
    validation_csv: Path
    validation_xlsx: Path
    lang: Lang = "zh-CN"
    seconds: float = 0.0

    def count(self, outcome: Outcome) -> int:
        return sum(f.outcome == outcome for f in self.files)

    @property
    def accepted(self) -> int:
        """Files stored as the first return of their form."""
        return self.count("accepted")

    @property
    def superseded(self) -> int:
        """Files stored as a newer version replacing an earlier return."""
        return self.count("superseded")

    @property
    def unchanged(self) -> int:
        """Valid files whose content was already in the ledger (nothing changed)."""
        return self.count("unchanged")

    @property
    def rejected(self) -> int:
        return self.count("rejected")

    @property
    def exit_code(self) -> int:
        """0 when every file was accepted (or already known), 1 when any file was rejected."""
        return 1 if self.rejected else 0


# --- the stage ------------------------------------------------------------------------------------


def collect_returns(
    workspace: str | Path,
    paths: Iterable[str | Path] | None = None,
    *,
    plan: Plan | None = None,
    lang: Lang | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    limits: Limits = DEFAULT_LIMITS,
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
    plan = plan or _load_plan(ws)
    lang = lang or plan.cycle.language
    ws.archive.mkdir(parents=True, exist_ok=True)
    with ws.ledger() as conn:
        forms = load_forms(conn)
    if not forms.forms:
        raise PerfsheetsError(
            f"{ws.root}: no forms were generated in this workspace; run 'perfsheets generate'"
        )
    sources, early = find_sources(ws, paths, lang=lang, limits=limits)
    sources.sort(key=lambda s: (s.mtime, s.name))
    with ws.ledger() as conn:
        known = {sha: (rid, fid) for sha, rid, fid in conn.execute(_KNOWN_FILES)}
    ctx = build_context(plan, forms, lang=lang, archive_dir=ws.archive, limits=limits, known=known)
    total = len(sources) + len(early)
    with checked_files(sources, ctx, workers) as checked:
        outcomes, report = _store_all(ws, ctx, early, checked, total, progress)
    send_back = send_back_list(outcomes, report, plan, lang)
    csv_path, xlsx_path = write_validation(ws, outcomes, report, send_back, lang)
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


# Files already stored: their bytes need not be read again (the first return with that hash).
_KNOWN_FILES = "SELECT sha256, MIN(return_id), form_id FROM returns GROUP BY sha256"


def require_defusedxml() -> None:
    """XML bombs are refused only with defusedxml installed (openpyxl relies on it too)."""
    try:
        import defusedxml  # noqa: F401
    except ImportError:
        raise PerfsheetsError(
            "defusedxml is not installed: it is required to read returned files safely "
            "(pip install defusedxml)"
        ) from None


def _load_plan(ws: Workspace) -> Plan:
    from perfsheets.plan.io import load_plan

    return load_plan(ws.plan_path())


def load_forms(conn: sqlite3.Connection) -> FormIndex:
    """Every generated form with its sheets and locked values, from the ledger."""
    digests = dict(conn.execute("SELECT version, digest FROM plan_versions"))
    sheets: dict[str, list[SheetRecord]] = defaultdict(list)
    for form_id, sheet, ratee, rater_type, locked in conn.execute(
        "SELECT form_id, sheet, ratee_id, rater_type, locked_json FROM form_sheets ORDER BY rowid"
    ):
        sheets[form_id].append(SheetRecord(sheet, ratee, rater_type, locked))
    forms: dict[str, FormRecord] = {}
    current: dict[str, str] = {}
    for form_id, version, rater, file, digest in conn.execute(
        "SELECT form_id, plan_version, rater_id, file, digest FROM forms ORDER BY rowid"
    ):
        forms[form_id] = FormRecord(
            form_id,
            int(version),
            digests.get(version),
            rater,
            file,
            digest,
            tuple(sheets[form_id]),
        )
        current[rater] = form_id  # the latest generation wins
    return FormIndex(forms, current)


# --- finding the files ----------------------------------------------------------------------------


def find_sources(
    ws: Workspace,
    paths: Iterable[str | Path] | None,
    *,
    lang: Lang = "zh-CN",
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[list[Source], list[CheckedReturn]]:
    """The files to check, and archives that could not be opened (already rejected).

    Folders are searched recursively; lock files and system litter are passed over. A .zip
    file that is not itself a workbook is an archive whose members are collected.
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
            if not _is_archive(path):
                stat = path.stat()
                sources.append(Source(name, str(path), None, stat.st_mtime, stat.st_size))
                continue
            try:
                sources.extend(archive_members(path, name, limits))
            except Rejected as exc:
                bad = CheckedReturn(Source(name, str(path)))
                bad.problems.append(rejection(exc, name, lang))
                broken.append(bad)
    return sources, broken


def _display_name(base: str, absolute: str, path: Path) -> str:
    """Relative to the workspace when inside it (returns/...), else as given."""
    if absolute.startswith(base):
        return Path(absolute[len(base) :]).as_posix()
    return str(path)


def _is_archive(path: Path) -> bool:
    """A .zip that is not a workbook renamed to .zip (told by content, not name)."""
    if path.suffix.lower() != ".zip":
        return False
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (OSError, zipfile.BadZipFile, ValueError):
        return True  # reported as a corrupt archive by archive_members
    return "xl/workbook.xml" not in names


# --- checking, in workers for large batches ------------------------------------------------------

_WORKER_CONTEXT: CheckContext | None = None


def _init_worker(ctx: CheckContext) -> None:
    global _WORKER_CONTEXT
    _WORKER_CONTEXT = ctx


def _check_in_worker(source: Source) -> CheckedReturn:
    assert _WORKER_CONTEXT is not None
    return _check_safely(source, _WORKER_CONTEXT)


def _check_safely(source: Source, ctx: CheckContext) -> CheckedReturn:
    """check_return, with any unexpected failure turned into a rejected file (never a crash)."""
    try:
        return check_return(source, ctx)
    except Exception as exc:  # one bad file must not stop the batch
        bad = CheckedReturn(source)
        bad.problems.append(CHECK_FAILED(source.name, reason=f"{type(exc).__name__}: {exc}"))
        return bad


def default_workers() -> int:
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, 8))


@contextmanager
def checked_files(
    sources: list[Source], ctx: CheckContext, workers: int | None
) -> Iterator[Iterator[CheckedReturn]]:
    """Checked files in the order of ``sources``, from worker processes for large batches.

    The workers start here, before the ledger is opened, so no process inherits a connection.
    """
    count = default_workers() if workers is None else workers
    if count <= 1 or len(sources) < PARALLEL_FROM:
        yield (_check_safely(source, ctx) for source in sources)
        return
    methods = multiprocessing.get_all_start_methods()
    mp = multiprocessing.get_context("fork" if "fork" in methods else None)
    chunk = max(1, min(16, len(sources) // (count * 8)))
    with mp.Pool(count, initializer=_init_worker, initargs=(ctx,)) as pool:
        yield pool.imap(_check_in_worker, sources, chunksize=chunk)


# --- storing --------------------------------------------------------------------------------------


def _store_all(
    ws: Workspace,
    ctx: CheckContext,
    early: list[CheckedReturn],
    checked: Iterator[CheckedReturn],
    total: int,
    progress: Progress | None,
) -> tuple[list[FileOutcome], Report]:
    outcomes: list[FileOutcome] = []
    report = Report()
    run_at = now()
    with ws.ledger() as conn:
        conn.isolation_level = None  # explicit transactions: one per batch, a savepoint per file
        conn.execute("PRAGMA synchronous=NORMAL")  # WAL stays consistent; commits stay cheap
        # Index pages of entries stay in memory (a cap, allocated as needed): half the system
        # time of storing 10,000 returns.
        conn.execute("PRAGMA cache_size=-262144")
        store = ReturnStore(conn, run_at, ctx)
        conn.execute("BEGIN IMMEDIATE")
        last_commit, pending = time.monotonic(), 0
        for item in _chain(early, checked):
            outcome = store.record(item)
            outcomes.append(outcome)
            report.extend(item.problems)
            pending += 1
            if (
                pending >= COMMIT_EVERY_FILES
                or time.monotonic() - last_commit > COMMIT_EVERY_SECONDS
            ):
                conn.execute("COMMIT")
                conn.execute("BEGIN IMMEDIATE")
                last_commit, pending = time.monotonic(), 0
            if progress:
                progress(len(outcomes), total)
        counts = {o: sum(f.outcome == o for f in outcomes) for o in _OUTCOMES}
        audit(conn, "collect.run", "returns", files=len(outcomes), **counts)
        conn.execute("COMMIT")
    return outcomes, report


_OUTCOMES: tuple[Outcome, ...] = ("accepted", "superseded", "unchanged", "rejected")


def _chain(first: list[CheckedReturn], rest: Iterator[CheckedReturn]) -> Iterator[CheckedReturn]:
    yield from first
    yield from rest


class ReturnStore:
    """Writes one checked file's outcome into the ledger (inside the caller's transaction)."""

    def __init__(self, conn: sqlite3.Connection, run_at: str, ctx: CheckContext) -> None:
        self.conn = conn
        self.run_at = run_at
        self.lang = ctx.lang
        self.forms: FormIndex = ctx.forms
        self.names = ctx.raters

    def record(self, item: CheckedReturn) -> FileOutcome:
        outcome = FileOutcome(
            file=item.source.name,
            outcome="rejected",
            form_id=item.form_id,
            rater_id=item.rater_id,
            rater_name=item.rater_name,
            sheets=item.sheets,
            sha256=item.sha256,
        )
        if item.known_return is not None:
            return self._known(item, outcome)
        self.conn.execute("SAVEPOINT file")
        try:
            if item.valid:
                self._accept(item, outcome)
            self._replace_problems(item)
            self.conn.execute("RELEASE file")
        except BaseException:
            self.conn.execute("ROLLBACK TO file")
            self.conn.execute("RELEASE file")
            raise
        outcome.errors, outcome.warnings = item.errors, item.warnings
        return outcome

    def _known(self, item: CheckedReturn, outcome: FileOutcome) -> FileOutcome:
        """Bytes already stored: nothing changes; the file's problems of its last check stand."""
        form = self.forms.forms.get(item.form_id or "")
        outcome.outcome = "unchanged"
        outcome.return_id = item.known_return
        if form is not None:
            outcome.rater_id = item.rater_id = form.rater_id
            outcome.rater_name = item.rater_name = self.names.get(form.rater_id)
            outcome.sheets = len(form.sheets)
        rows = self.conn.execute(
            "SELECT sheet, cell, severity, code, message FROM problems WHERE file=?",
            (item.source.name,),
        ).fetchall()
        item.problems.extend(stored_problem(item.source.name, *row) for row in rows)
        outcome.errors, outcome.warnings = item.errors, item.warnings
        return outcome

    def _accept(self, item: CheckedReturn, outcome: FileOutcome) -> None:
        content = item.content or item.content_hash()
        ids = self.forms.equivalents(item.form_id or "")
        earlier = self.conn.execute(
            "SELECT return_id, content_hash, file, received_at, superseded_by FROM returns "
            f"WHERE form_id IN ({','.join('?' * len(ids))}) ORDER BY return_id",
            ids,
        ).fetchall()
        if any(row[1] == content for row in earlier):
            outcome.outcome = "unchanged"
            outcome.return_id = next(r[0] for r in earlier if r[1] == content)
            return
        current = next((row for row in earlier if row[4] is None), None)
        return_id = self._insert(item, content)
        outcome.return_id = return_id
        if current is None:
            outcome.outcome = "accepted"  # the returns row is its record; no audit entry needed
            return
        outcome.outcome = "superseded"
        outcome.replaced_return_id = current[0]
        self.conn.execute(
            "UPDATE returns SET superseded_by=? WHERE return_id=?", (return_id, current[0])
        )
        item.problems.append(
            DUPLICATE_RETURN(
                item.source.name,
                form_id=item.form_id,
                previous_file=current[2],
                previous_at=current[3],
            )
        )
        audit(
            self.conn,
            "return.supersede",
            item.form_id or "",
            file=item.source.name,
            return_id=return_id,
            replaces=current[0],
            replaced_file=current[2],
            sha256=item.sha256,
        )

    def _insert(self, item: CheckedReturn, content: str) -> int:
        cur = self.conn.execute(
            "INSERT INTO returns (form_id, file, sha256, content_hash, archived, received_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                item.form_id,
                item.source.name,
                item.sha256,
                content,
                f"archive/{item.archived}" if item.archived else "",
                self.run_at,
            ),
        )
        return_id = int(cur.lastrowid)
        rater = item.rater_id or ""
        self.conn.executemany(
            "INSERT INTO entries (return_id, ratee_id, rater_id, rater_type, item_key, field, "
            "value_num, value_text) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(return_id, e[0], rater, e[1], e[2], e[3], e[4], e[5]) for e in item.entries],
        )
        return return_id

    def _replace_problems(self, item: CheckedReturn) -> None:
        self.conn.execute("DELETE FROM problems WHERE file=?", (item.source.name,))
        if not item.problems:
            return
        self.conn.executemany(
            "INSERT INTO problems (file, sheet, cell, severity, code, message, form_id, "
            "rater_id, run_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    p.file,
                    p.sheet,
                    p.cell,
                    p.severity,
                    p.code,
                    p.message(self.lang),
                    item.form_id,
                    item.rater_id,
                    self.run_at,
                )
                for p in item.problems
            ],
        )


def stored_problem(
    file: str, sheet: str, cell: str, severity: str, code: str, message: str
) -> Problem:
    """A problem as stored in the ledger by an earlier run (its message already written)."""
    known = CATALOGUE.get(code)
    title, title_en = (known.title, known.title_en) if known else (code, code)
    ptype = ProblemType(code, severity, title, title_en, "{text}", "{text}")  # type: ignore[arg-type]
    return ptype(file, sheet, cell, text=message)


# --- outputs --------------------------------------------------------------------------------------


def send_back_list(
    outcomes: list[FileOutcome], report: Report, plan: Plan, lang: Lang
) -> list[SendBack]:
    """Rejected files per rater, with what to fix, for HR to send back."""
    people = {e.id: (e.name, e.department, e.email) for e in plan.roster.employees}
    for x in plan.roster.external_raters:
        people[x.id] = (x.name, x.organisation, x.email)
    by_file: dict[str, list[Problem]] = defaultdict(list)
    for problem in report.errors:
        by_file[problem.file].append(problem)
    rows: list[SendBack] = []
    for o in outcomes:
        if o.outcome != "rejected":
            continue
        name, department, email = people.get(o.rater_id or "", (o.rater_name or "", "", ""))
        fixes = [_fix_line(p, lang) for p in by_file.get(o.file, [])]
        rows.append(SendBack(o.rater_id or "", name, department, email, o.file, fixes))
    rows.sort(key=lambda r: (r.rater_id == "", r.department, r.rater_id, r.file))
    return rows


def _fix_line(problem: Problem, lang: Lang) -> str:
    where = "!".join(p for p in (problem.sheet, problem.cell) if p)
    return f"{where}: {problem.message(lang)}" if where else problem.message(lang)


def write_validation(
    ws: Workspace,
    outcomes: list[FileOutcome],
    report: Report,
    send_back: list[SendBack],
    lang: Lang,
) -> tuple[Path, Path]:
    """results/validation.csv and results/validation.xlsx, both written atomically."""
    from perfsheets.collect.validation_book import write_validation_book

    ordered = Report(sorted(report.problems, key=lambda p: p.file))  # stable within a file
    csv_path = atomic_write_text(ws.results / "validation.csv", ordered.to_csv(lang))
    xlsx_path = atomic_write(
        ws.results / "validation.xlsx",
        lambda tmp: write_validation_book(tmp, ordered, outcomes, send_back, lang),
    )
    return csv_path, xlsx_path


# --- status -----------------------------------------------------------------------------------------

RaterState = Literal["returned", "rejected", "missing"]


@dataclass
class RaterStatus:
    rater_id: str
    name: str
    department: str
    forms: int
    returned: int
    rejected: int
    missing: int
    last_received: str | None = None

    @property
    def state(self) -> RaterState:
        if self.returned == self.forms:
            return "returned"
        return "rejected" if self.rejected else "missing"


@dataclass
class DepartmentStatus:
    department: str
    raters: int
    returned: int
    rejected: int
    missing: int

    @property
    def rate(self) -> float:
        """Share of raters whose forms are all returned."""
        return self.returned / self.raters if self.raters else 0.0


@dataclass
class StatusResult:
    raters: list[RaterStatus] = field(default_factory=list)
    departments: list[DepartmentStatus] = field(default_factory=list)
    unidentified_rejected: int = 0  # rejected files that could not be tied to a form

    @property
    def returned(self) -> int:
        return sum(r.state == "returned" for r in self.raters)

    @property
    def rejected(self) -> int:
        return sum(r.state == "rejected" for r in self.raters)

    @property
    def missing(self) -> int:
        return sum(r.state == "missing" for r in self.raters)

    def rows(self) -> list[dict[str, object]]:
        """One table row per rater, for printing or CSV."""
        return [
            {
                "rater_id": r.rater_id,
                "name": r.name,
                "department": r.department,
                "state": r.state,
                "forms": r.forms,
                "returned": r.returned,
                "rejected": r.rejected,
                "missing": r.missing,
                "last_received": r.last_received or "",
            }
            for r in self.raters
        ]

    def department_rows(self) -> list[dict[str, object]]:
        return [
            {
                "department": d.department,
                "raters": d.raters,
                "returned": d.returned,
                "rejected": d.rejected,
                "missing": d.missing,
                "rate": round(d.rate, 4),
            }
            for d in self.departments
        ]


def return_status(workspace: str | Path, *, plan: Plan | None = None) -> StatusResult:
    """Returned / rejected / missing forms per rater and per department, from the ledger.

    Each rater's current form counts (the latest generation). It is *returned* when it has an
    accepted return (or an equivalent earlier form has), *rejected* when it has none but a file
    from this rater was rejected in its latest check, else *missing*.
    """
    ws = Workspace(Path(workspace))
    plan = plan or _load_plan(ws)
    people = {e.id: (e.name, e.department) for e in plan.roster.employees}
    outside = tr(plan.cycle.language, "外部评价人", "External raters")  # one group, not per firm
    for x in plan.roster.external_raters:
        people[x.id] = (x.name, outside)
    with ws.ledger() as conn:
        index = load_forms(conn)
        received = dict(
            conn.execute("SELECT form_id, MAX(received_at) FROM returns GROUP BY form_id")
        )
        rejected = {
            row[0]
            for row in conn.execute(
                "SELECT DISTINCT rater_id FROM problems "
                "WHERE severity='error' AND rater_id IS NOT NULL"
            )
        }
        unidentified = conn.execute(
            "SELECT COUNT(DISTINCT file) FROM problems WHERE severity='error' AND rater_id IS NULL"
        ).fetchone()[0]
    by_rater: dict[str, RaterStatus] = {}
    for rater_id, form_id in index.current.items():
        name, department = people.get(rater_id, ("", ""))
        status = by_rater.setdefault(rater_id, RaterStatus(rater_id, name, department, 0, 0, 0, 0))
        status.forms += 1
        ids = index.equivalents(form_id)
        times = [received[i] for i in ids if i in received]
        if times:
            status.returned += 1
            status.last_received = max(times)
        elif rater_id in rejected:
            status.rejected += 1
        else:
            status.missing += 1
    raters = sorted(by_rater.values(), key=lambda r: (r.department, r.rater_id))
    return StatusResult(raters, _by_department(raters), int(unidentified))


def _by_department(raters: list[RaterStatus]) -> list[DepartmentStatus]:
    departments: dict[str, DepartmentStatus] = {}
    for r in raters:
        d = departments.setdefault(r.department, DepartmentStatus(r.department, 0, 0, 0, 0))
        d.raters += 1
        setattr(d, r.state, getattr(d, r.state) + 1)
    return sorted(departments.values(), key=lambda d: d.department)
