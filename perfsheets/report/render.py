"""PDF feedback-interview reports (绩效面谈报告), manager packs and the HR summary.

Results (ledger) -> template contexts (:mod:`perfsheets.report.views`) -> HTML (Jinja2, autoescaped)
-> PDF (WeasyPrint, with a URL fetcher that only serves the templates' own files).

Speed: WeasyPrint's cost per PDF is mostly laying out and subsetting the CJK font, so a whole team
(a manager's overview and the team's reports) is laid out as *one* document and written once; each
employee's pages, and each pack's, are then cut out of it with pypdf (sharing that one font
subset, so a report stays ~200-400 KB); small teams share a document, up to ``BATCH_SIZE``
reports. Documents are rendered in worker processes on every core. Three more things keep a
report well below bare WeasyPrint's cost: the markup is parsed by expat rather than WeasyPrint's
pure-Python HTML5 parser, with a leaner user-agent stylesheet (:mod:`perfsheets.report.xhtml`),
and Python's cyclic garbage collector stays off while a document is laid out (one collection
after each job).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import os
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from perfsheets.core.model import Lang, Plan
from perfsheets.core.naming import Namer
from perfsheets.core.problems import PerfsheetsError
from perfsheets.files.atomic import atomic_write
from perfsheets.files.executor import Executor, LocalExecutor, TaskSpec
from perfsheets.ledger.reports import ReportFile, record_files, results_digests, team_digest
from perfsheets.ledger.results import frozen_plan, latest_run, run_summary, stored_results
from perfsheets.ledger.workspace import Workspace, now
from perfsheets.plan.io import load_plan
from perfsheets.report import pdf_parts
from perfsheets.report.assets import (
    HR_SUMMARY_NAME,
    PREFERRED_FONT,
    harfbuzz_subset_warning,
    make_url_fetcher,
    require_cjk_font,
    template_dirs,
)
from perfsheets.report.jobs import Job, JobResult, plan_jobs
from perfsheets.report.xhtml import html_document

Progress = Callable[[int, int], None]


@dataclass
class ReportResult:
    """What a report run wrote."""

    folder: Path
    employees: int = 0  # employee reports written
    pages: int = 0  # pages of the employee reports
    manager_pack_count: int = 0
    hr_summary: Path | None = None
    seconds: float = 0.0
    seconds_per_page: float = 0.0
    cpu_seconds: float = 0.0  # CPU time of the renderers (all workers): fair beside bare tools
    workers: int = 1
    reports: list[Path] = field(default_factory=list)
    manager_packs: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# --- the worker -------------------------------------------------------------------------------


@dataclass
class RenderSetup:
    """What every worker needs, sent once when the worker starts."""

    plan: Plan
    lang: Lang
    dirs: list[Path]
    font: str
    logo: Path | None
    today: dt.date
    run: dict[str, Any] = field(default_factory=dict)  # the run's stored summary
    count_hidden: bool = False  # how the consolidation run treated groups below the minimum


class Renderer:
    """Jinja environment, stylesheet and font configuration, built once per process."""

    lean_ua = True  # perfsheets' user-agent stylesheet (False: WeasyPrint's, to compare)

    def __init__(self, setup: RenderSetup) -> None:
        import jinja2
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        from perfsheets.report import context, overviews, views

        self.setup = setup
        self.views, self.overviews = views, overviews
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader([str(d) for d in setup.dirs]),
            autoescape=True,  # select_autoescape() would not escape *.html.j2
            auto_reload=False,  # templates do not change during a run: no stat() per report
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters.update(num=context.fmt_num, plain=context.fmt_plain, pct=context.fmt_pct)
        self.fetcher = make_url_fetcher(setup.dirs, [setup.logo] if setup.logo else [])
        self.font_config = FontConfiguration()
        css_path = next(d / "style.css" for d in setup.dirs if (d / "style.css").is_file())
        font_css = (
            f'html, body {{ font-family: "{setup.font}", "{PREFERRED_FONT}", sans-serif; }}'
            if setup.font != PREFERRED_FONT
            else ""
        )
        self.stylesheets = [
            CSS(
                string=css_path.read_text(encoding="utf-8") + font_css,
                base_url=css_path.as_uri(),
                url_fetcher=self.fetcher,
                font_config=self.font_config,
            )
        ]
        self.ctx = context.Context.build(
            setup.plan,
            setup.lang,
            font=setup.font,
            logo_url=setup.logo.as_uri() if setup.logo else None,
            count_hidden=setup.count_hidden,
        )
        self.ctx.today = setup.today
        self.ctx.outstanding = setup.run.get("outstanding", {})
        self.ctx.provisional = bool(setup.run.get("quota", {}).get("provisional"))

    def _page(self, template: str, **context: Any) -> str:
        return self.env.get_template(template).render(
            t=self.ctx.t, plan=self.setup.plan, ctx=self.ctx, **context
        )

    def html(self, job: Job) -> str:
        parts = []
        if job.hr is not None:
            parts.append(
                self._page("hr_summary.html.j2", hr=self.overviews.hr_view(job.hr, self.ctx))
            )
        i = 0
        for k, segment in enumerate(job.segments):
            if segment.overview is not None:
                manager_id, name, team = segment.overview
                team_view = self.overviews.team_view(manager_id, name, team, self.ctx)
                anchor = f"overview-{k}"
                parts.append(self._page("manager_pack.html.j2", team=team_view, anchor=anchor))
            for result in segment.employees:
                view = self.views.employee_view(result, self.ctx, anchor=f"report-{i}")
                parts.append(self._page("employee.html.j2", v=view))
                i += 1
        from markupsafe import Markup

        body = Markup("").join(Markup(p) for p in parts)
        return self._page("document.html.j2", body=body)

    def render(self, job: Job) -> JobResult:
        import jinja2

        started = time.process_time()
        try:
            with _collect_once():
                out = self._render(job)
        except jinja2.TemplateError as exc:  # most likely a user's --templates file
            raise PerfsheetsError(f"report template error {_template_place(exc)}: {exc}") from None
        out.cpu_seconds = time.process_time() - started
        return out

    def _render(self, job: Job) -> JobResult:
        self.fetcher.refused = []
        base = self.setup.dirs[0].as_uri() + "/"  # relative assets: the user's folder first
        markup = self.html(job)
        document = html_document(markup, base, self.fetcher, lean_ua=self.lean_ua).render(
            stylesheets=self.stylesheets, font_config=self.font_config
        )
        t, lang = self.ctx.t, self.setup.lang
        cycle = self.setup.plan.cycle.label(lang)
        document.metadata.lang = "en" if lang == "en" else "zh-CN"
        if job.hr is not None:
            document.metadata.title = f"{t['hr_title']} · {cycle}"
        pdf = document.write_pdf()
        out = JobResult(refused=list(self.fetcher.refused))
        if job.hr is not None:
            out.hr_bytes = pdf
            return out
        employees = [r for segment in job.segments for r in segment.employees]
        outputs = [path for segment in job.segments for path in segment.outputs]
        ranges, packs = pdf_parts.page_ranges(document, job)
        sections = pdf_parts.section_marks(document)
        titles: list[str | None] = [f"{t['title']} · {r.name} · {cycle}" for r in employees]
        outlines = [pdf_parts.entries(sections, start, end) for start, end in ranges]
        pack_ranges = [pages for _, pages in packs]
        for segment, (first, end) in packs:
            manager = segment.overview[1] if segment.overview else ""
            titles.append(f"{t['team_title']} · {manager} · {cycle}" if manager else None)
            outlines.append(self._pack_outline(segment, first, end, ranges, employees, sections))
        pieces = pdf_parts.cut(pdf, ranges + pack_ranges, titles, outlines, lang)
        for (segment, _), data in zip(packs, pieces[len(ranges) :], strict=True):
            assert segment.pack is not None
            out.packs.append((segment.pack, segment.part, data))
        for path, data, (start, end) in zip(outputs, pieces[: len(ranges)], ranges, strict=True):
            atomic_write(path, _writer(data))
            out.written.append(path)
            out.pages += end - start
            out.employees += 1
        return out

    def _pack_outline(
        self,
        segment: Job,
        first: int,
        end: int,
        ranges: list[tuple[int, int]],
        employees: list[Any],
        sections: list[tuple[int, str]],
    ) -> list[pdf_parts.Outline]:
        """A pack's bookmarks: its overview, then each team member with their sections."""
        entries: list[pdf_parts.Outline] = []
        if segment.overview is not None:
            entries.append((self.ctx.t["team_title"], 0, []))
        for r, (start, stop) in zip(employees, ranges, strict=True):
            if first <= start < end and r in segment.employees:
                label = f"{r.name}{self.ctx.t['paren'].format(r.employee_id)}"
                children: list[pdf_parts.Outline] = [
                    (lbl, page + start - first, [])
                    for lbl, page, _ in pdf_parts.entries(sections, start, stop)
                ]
                entries.append((label, start - first, children))
        return entries


@contextlib.contextmanager
def _collect_once():
    """Run without Python's cyclic garbage collector, then collect once.

    Laying out a document makes hundreds of thousands of short-lived objects, so the collector
    would otherwise run hundreds of times per job, each time walking every live box (15% of a
    job's CPU). The box tree is cyclic garbage once the PDF is written: one collection frees it.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.collect()
        if was_enabled:
            gc.enable()


def _template_place(exc: BaseException) -> str:
    """file:line of the template where rendering failed (Jinja puts template frames in the
    traceback; syntax errors carry the place themselves)."""
    filename, line = getattr(exc, "filename", None), getattr(exc, "lineno", None)
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith((".j2", ".html")):
            filename, line = tb.tb_frame.f_code.co_filename, tb.tb_lineno
        tb = tb.tb_next
    return f"{filename}:{line}" if filename else "?"


_RENDERER: Renderer | None = None


def _init_worker(setup: RenderSetup) -> None:
    global _RENDERER
    _RENDERER = Renderer(setup)
    # What every job shares (plan, fonts, stylesheets, imports) lives for the whole worker:
    # keep it out of the per-job collections.
    gc.collect()
    gc.freeze()


def _run_job(job: Job) -> JobResult:
    assert _RENDERER is not None, "worker not initialised"
    return _RENDERER.render(job)


# --- the public function ----------------------------------------------------------------------


def _writer(data: bytes) -> Callable[[Path], int]:
    """What atomic_write calls to put ``data`` into its temporary file."""
    return lambda tmp: tmp.write_bytes(data)


def _load_plan(ws: Workspace) -> Plan:
    return load_plan(ws.plan_path())


def _logo_path(plan: Plan, ws: Workspace) -> Path | None:
    if not plan.company.logo:
        return None
    try:
        base = ws.plan_path().parent
    except PerfsheetsError:
        base = ws.root
    path = (base / plan.company.logo).resolve()
    return path if path.is_file() else None


def render_reports(
    workspace: str | Path,
    *,
    plan: Plan | None = None,
    lang: Lang | None = None,
    employees: Sequence[str] | None = None,
    templates: str | Path | None = None,
    workers: int | None = None,
    manager_packs: bool = True,
    hr_summary: bool = True,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> ReportResult:
    """Render employee reports (reports/<id>_<name>.pdf), manager packs (reports/managers/) and
    the HR summary (reports/hr_summary.pdf) from the latest consolidation.

    ``employees`` limits the employee reports to these ids; a manager pack is written only for
    teams the selection covers entirely (so a partial run never replaces a full pack), and the HR
    summary always covers everyone. ``workers`` defaults to every core; 1 renders in this process.
    """
    started = time.perf_counter()
    ws = Workspace(Path(workspace))
    with ws.ledger() as conn:
        frozen = frozen_plan(conn)
        stored = stored_results(conn)
        run = run_summary(conn)
        run_id = latest_run(conn)
        anonymity = run.get("anonymity") or {}
    digests = results_digests(stored)  # of the results as stored, before they are named
    # The plan version frozen with the run, not today's plan.yaml: a report says what the run did.
    plan = plan or frozen or _load_plan(ws)
    lang = lang or plan.cycle.language
    font = require_cjk_font(lang)
    warnings = [w for w in [harfbuzz_subset_warning(lang)] if w]
    all_results = Namer(plan, lang).name_all(stored)
    if not all_results:
        raise PerfsheetsError(
            "还没有汇总结果：请先运行 perfsheets consolidate"
            if lang != "en"
            else "no consolidated results yet: run 'perfsheets consolidate' first"
        )
    results = all_results
    if employees:
        wanted = set(employees)
        results = [r for r in all_results if r.employee_id in wanted]
        unknown = sorted(wanted - {r.employee_id for r in results})
        if unknown:  # refused before anything is written: no other report is rewritten
            raise PerfsheetsError(
                ("没有这些员工的汇总结果：" if lang != "en" else "no consolidated results for: ")
                + ", ".join(unknown),
                exit_code=1,
            )
    folder = ws.reports
    jobs, parts = plan_jobs(
        results, all_results, folder, manager_packs=manager_packs, hr_summary=hr_summary
    )
    setup = RenderSetup(
        plan,
        lang,
        template_dirs(templates),
        font,
        _logo_path(plan, ws),
        dt.date.today(),
        run=run,
        count_hidden=anonymity.get("hidden_groups") == "counted",
    )
    if executor is not None:
        executor.check_workspace(ws.root)  # one clear error before any work
        workers = executor.workers()
    else:
        workers = max(1, min(workers or _cores(), len(jobs) or 1))
    out = ReportResult(folder=folder, workers=workers, warnings=warnings)
    pack_parts: dict[Path, dict[int, bytes]] = defaultdict(dict)
    refused: set[str] = set()

    def collect(res: JobResult) -> None:
        out.reports.extend(res.written)
        out.pages += res.pages
        out.employees += res.employees
        out.cpu_seconds += res.cpu_seconds
        refused.update(res.refused)
        for pack, part, data in res.packs:
            pack_parts[pack][part] = data
        if res.hr_bytes is not None:
            out.hr_summary = atomic_write(
                folder / HR_SUMMARY_NAME, lambda tmp: tmp.write_bytes(res.hr_bytes or b"")
            )
        if progress:
            progress(out.employees, len(results))

    for res in _execute(jobs, setup, workers, executor, out.warnings, lang):
        collect(res)
    for pack, chunks in sorted(pack_parts.items()):
        if len(chunks) != parts.get(pack, len(chunks)):
            continue  # a part failed (listed in the warnings): no incomplete pack
        data = pdf_parts.pack_pdf([chunks[i] for i in sorted(chunks)], lang)
        out.manager_packs.append(atomic_write(pack, _writer(data)))
    out.manager_pack_count = len(out.manager_packs)
    out.reports.sort()
    if run_id is not None:
        with ws.ledger() as conn:
            record_files(conn, _written_files(jobs, out, folder, digests, run_id, lang))
    if refused:
        out.warnings.append(
            ("模板引用的外部资源已被拒绝：" if lang != "en" else "refused to fetch: ")
            + ", ".join(sorted(refused)[:5])
        )
    out.seconds = time.perf_counter() - started
    out.seconds_per_page = out.seconds / out.pages if out.pages else 0.0
    return out


def _written_files(
    jobs: list[Job],
    out: ReportResult,
    folder: Path,
    digests: dict[str, str],
    run_id: int,
    lang: Lang,
) -> list[ReportFile]:
    """The ledger's rows for the reports and packs this run wrote (the mail stage sends them)."""
    people: dict[Path, str] = {}
    packs: dict[Path, tuple[str, list[str]]] = {}
    for job in jobs:
        for seg in job.segments:
            people.update(
                (path, r.employee_id) for r, path in zip(seg.employees, seg.outputs, strict=True)
            )
            if seg.pack is not None and seg.overview is not None:
                manager_id, _name, team = seg.overview
                packs[seg.pack] = (manager_id, [r.employee_id for r in team])
    at = now()

    def row(kind: Literal["report", "pack"], person: str, path: Path, digest: str) -> ReportFile:
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        name = path.relative_to(folder).as_posix()
        return ReportFile(kind, person, run_id, name, sha, digest, lang, at)

    rows = [row("report", people[p], p, digests.get(people[p], "")) for p in out.reports]
    for path in out.manager_packs:
        manager_id, member_ids = packs[path]
        members = {e: digests.get(e, "") for e in member_ids}
        rows.append(row("pack", manager_id, path, team_digest(manager_id, members)))
    return rows


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the cores this process may use (containers)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _execute(
    jobs: list[Job],
    setup: RenderSetup,
    workers: int,
    executor: Executor | None,
    problems: list[str],
    lang: Lang,
):
    """Run the jobs here (one worker) or on the executor; yield results as they finish.

    A job (one document: a team's reports) that fails for a reason of its own is listed in
    ``problems`` with its files and the error, and the others go on; a PerfsheetsError (a
    template error: every job would fail alike) stops the run.
    """
    if executor is None and workers == 1:
        renderer = Renderer(setup)
        for job in jobs:
            yield renderer.render(job)
        return
    # spawn: no fork of a parent that may hold threads (progress bars) or open ledgers.
    spec = TaskSpec(_run_job, _init_worker, (setup,), start_method="spawn", name="report")
    for done in (executor or LocalExecutor(workers)).map_batches(spec, jobs):
        if done.error is None:
            yield done.value
            continue
        failed: Job = done.batch
        names = [p.name for s in failed.segments for p in s.outputs] or [HR_SUMMARY_NAME]
        shown = ", ".join(names[:3]) + (" …" if len(names) > 3 else "")
        error = f"{type(done.error).__name__}: {done.error}"
        problems.append(
            f"未生成的报告（{shown}）：{error}"
            if lang != "en"
            else f"reports not rendered ({shown}): {error}"
        )
