"""Command line: parses arguments, shows progress, prints. The library does the work.

Every command calls one public function of the library and prints its typed result, either as
a short summary table or, with ``--json``, as JSON for scripts. Library errors
(:class:`~perfsheets.core.problems.PerfsheetsError`) become one clear line and exit code 2; a run that
finds problems (invalid plan, rejected returns) exits 1. ``--debug`` shows tracebacks.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from perfsheets import __version__
from perfsheets.core.model import Lang
from perfsheets.core.problems import PerfsheetsError, Problem, Report

app = typer.Typer(
    help="perfsheets: run a performance appraisal cycle (绩效考核) through spreadsheets.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


class _State:
    debug = False


# --- shared options -------------------------------------------------------------------------

WorkspaceArg = Annotated[Path, typer.Argument(help="The cycle workspace folder.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
WorkersOpt = Annotated[int | None, typer.Option(help="Worker processes (default: all cores).")]
LangOpt = Annotated[
    str | None, typer.Option("--lang", help="Language of messages: zh or en (default: the plan's).")
]


def _lang(value: str | None) -> Lang | None:
    if value is None:
        return None
    if value.lower() in ("zh", "zh-cn", "cn"):
        return "zh-CN"
    if value.lower() in ("en", "en-us", "en-gb"):
        return "en"
    raise typer.BadParameter(f"unknown language {value!r}: use zh or en", param_hint="--lang")


def _plan_lang(workspace: Path, override: str | None = None) -> Lang:
    """Language for messages: --lang, else the plan's, else Chinese."""
    chosen = _lang(override)
    if chosen:
        return chosen
    try:
        from perfsheets.ledger.workspace import Workspace
        from perfsheets.plan.io import load_plan

        return load_plan(Workspace(workspace).plan_path()).cycle.language
    except Exception:  # an unreadable plan is reported by the command itself
        return "zh-CN"


def _t(lang: Lang, zh: str, en: str) -> str:
    return en if lang == "en" else zh


# --- output helpers -------------------------------------------------------------------------


def jsonable(obj: Any) -> Any:
    """Results as plain JSON data: dataclasses, pydantic models, paths, dates."""
    if isinstance(obj, Report):
        return obj.rows()
    if isinstance(obj, Problem):
        return obj.as_row()
    if hasattr(obj, "model_dump"):
        return jsonable(obj.model_dump())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [jsonable(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, dt.date | dt.datetime):
        return obj.isoformat()
    return obj


def result_data(result: Any) -> Any:
    """A result as JSON data, with its computed counts (properties such as accepted, rejected)."""
    data = jsonable(result)
    if isinstance(data, dict):
        for name in dir(type(result)):
            if not name.startswith("_") and isinstance(getattr(type(result), name), property):
                data[name] = jsonable(getattr(result, name))
        if isinstance(getattr(result, "report", None), Report) and hasattr(result, "lang"):
            data["report"] = result.report.rows(result.lang)  # in the command's language
    return data


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(result_data(data), ensure_ascii=False, indent=2) + "\n")


def summary_table(title: str, rows: list[tuple[str, Any]]) -> None:
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    for label, value in rows:
        table.add_row(label, str(value))
    out.print(table)


def problems_table(report: Report, lang: Lang, limit: int = 30) -> None:
    if not len(report):
        return
    table = Table(title=_t(lang, "问题", "Problems"), title_justify="left", expand=True)
    table.add_column(_t(lang, "位置", "where"), overflow="fold", ratio=2)
    table.add_column(_t(lang, "代码", "code"), overflow="fold", ratio=1)
    table.add_column(_t(lang, "说明", "message"), overflow="fold", ratio=4)
    for problem in list(report)[:limit]:
        style = "red" if problem.is_error else "yellow"
        table.add_row(problem.location(), problem.code, problem.message(lang), style=style)
    out.print(table)
    if len(report) > limit:
        more = len(report) - limit
        out.print(
            _t(
                lang,
                f"……另有 {more} 条（--json 可列出全部）",
                f"... and {more} more (--json lists all)",
            )
        )


@contextmanager
def progress_bar(label: str, enabled: bool = True) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar fed by the library's progress(done, total) callbacks."""
    if not enabled or not err.is_terminal:
        yield lambda done, total: None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def _fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    err.print(f"[red]perfsheets: {message}[/red]")
    return typer.Exit(code)


@contextmanager
def library_errors() -> Iterator[None]:
    """Turn library exceptions into one clear line (no traceback unless --debug)."""
    try:
        yield
    except typer.Exit:
        raise
    except PerfsheetsError as exc:
        if _State.debug:
            raise
        if exc.report is not None and len(exc.report):
            problems_table(exc.report, "zh-CN")
            raise _fail(str(exc), EXIT_PROBLEMS) from None
        if exc.exit_code is not None:
            raise _fail(str(exc), exc.exit_code) from None
        raise _fail(str(exc)) from None
    except (OSError, ValueError) as exc:
        if _State.debug:
            raise
        raise _fail(f"{type(exc).__name__}: {exc}") from None


def scalar_rows(result: Any) -> list[tuple[str, Any]]:
    """The scalar fields of a result (counts, paths, seconds) as label/value rows."""
    data = result_data(result)
    if not isinstance(data, dict):
        return [("result", data)]
    rows: list[tuple[Any, str | int]] = []
    for key, value in data.items():
        label = key.replace("_", " ")
        if isinstance(value, bool):
            rows.append((label, "yes" if value else "no"))
        elif isinstance(value, float):
            rows.append((label, f"{value:,.2f}"))
        elif isinstance(value, str | int) or value is None:
            rows.append((label, "" if value is None else value))
    return rows


def rows_table(title: str, rows: list[dict[str, Any]], limit: int = 60) -> None:
    """A list of dict rows (status, progress ...) as a table."""
    if not rows:
        return
    table = Table(title=title, title_justify="left")
    for head in rows[0]:
        table.add_column(str(head), overflow="fold")
    for row in rows[:limit]:
        table.add_row(
            *(
                "" if v is None else f"{v:.2f}" if isinstance(v, float) else str(v)
                for v in row.values()
            )
        )
    out.print(table)
    if len(rows) > limit:
        out.print(f"... {len(rows) - limit} more rows (use --json for all)")


def finish(result: Any, title: str, as_json: bool, exit_code: int = EXIT_OK) -> None:
    """Print a result (table or JSON) and leave with the given exit code."""
    if as_json:
        print_json(result)
    else:
        summary_table(title, scalar_rows(result))
    if exit_code:
        raise typer.Exit(exit_code)


# --- commands ---------------------------------------------------------------------------------


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", help="Show the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
) -> None:
    _State.debug = debug
    if version:
        typer.echo(__version__)
        raise typer.Exit()


@app.command()
def init(
    workspace: WorkspaceArg,
    example: Annotated[
        bool, typer.Option("--example/--blank", help="Start from the built-in example plan.")
    ] = True,
    employees: Annotated[int, typer.Option(help="Size of the synthetic company.", min=1)] = 200,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic company.")] = 1,
    excel: Annotated[
        bool, typer.Option("--excel", help="Write the plan as an Excel workbook.")
    ] = False,
    lang: LangOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing plan.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Create a cycle workspace with a plan (the built-in example by default)."""
    from perfsheets.cycle.setup import init_workspace

    with library_errors():
        ws = init_workspace(
            workspace,
            example=example,
            employees=employees,
            seed=seed,
            excel=excel,
            lang=_lang(lang) or "zh-CN",
            force=force,
        )
    language = _lang(lang) or "zh-CN"
    finish(
        {"workspace": ws.root, "plan": ws.plan_path()},
        _t(language, "已创建工作区", "Workspace created"),
        as_json,
    )


@app.command()
def check(workspace: WorkspaceArg, lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """Validate the plan and roster; exit 1 with the list of problems when anything is wrong."""
    from perfsheets.cycle.setup import check_workspace

    language = _plan_lang(workspace, lang)
    with library_errors():
        result = check_workspace(workspace)
    report: Report = result.report
    if as_json:
        print_json(result)
    else:
        problems_table(report, language)
        summary_table(_t(language, "方案检查", "Plan check"), scalar_rows(result))
    raise typer.Exit(EXIT_OK if report.valid else EXIT_PROBLEMS)


@app.command()
def generate(
    workspace: WorkspaceArg,
    workers: WorkersOpt = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write one assessment workbook per rater into WORKSPACE/forms/ (+ forms/index.csv)."""
    from perfsheets.forms.generate import generate_forms

    language = _plan_lang(workspace, lang)
    with (
        library_errors(),
        progress_bar(_t(language, "生成考核表", "Generating forms"), not as_json) as bar,
    ):
        result = generate_forms(workspace, workers=workers, progress=bar)
    finish(result, _t(language, "考核表已生成", "Forms generated"), as_json)


@app.command()
def simulate(
    workspace: WorkspaceArg,
    seed: Annotated[int, typer.Option(help="Seed of the simulated fillers.")] = 0,
    missing: Annotated[
        float, typer.Option(help="Share of forms not returned.", min=0, max=1)
    ] = 0.05,
    mistakes: Annotated[
        float, typer.Option(help="Share of returns with typical mistakes.", min=0, max=1)
    ] = 0.03,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Fill the forms the way people do and write them to WORKSPACE/returns/ (for demos and tests)."""
    from perfsheets.forms.simulate import simulate_returns

    language = _plan_lang(workspace, lang)
    with (
        library_errors(),
        progress_bar(_t(language, "模拟填写", "Simulating returns"), not as_json) as bar,
    ):
        result = simulate_returns(
            workspace, seed=seed, missing=missing, mistakes=mistakes, progress=bar
        )
    finish(result, _t(language, "已模拟回收表", "Returns simulated"), as_json)


@app.command()
def collect(
    workspace: WorkspaceArg,
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Files, folders or .zip archives (default: WORKSPACE/returns/)."),
    ] = None,
    workers: WorkersOpt = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Read returned forms, validate them and store the good ones; exit 1 if any file was rejected."""
    from perfsheets.collect.run import collect_returns

    language = _plan_lang(workspace, lang)
    with (
        library_errors(),
        progress_bar(_t(language, "回收校验", "Collecting returns"), not as_json) as bar,
    ):
        result = collect_returns(
            workspace, paths or None, lang=_lang(lang), workers=workers, progress=bar
        )
    if not as_json:
        problems_table(result.report, language)
    finish(result, _t(language, "回收结果", "Collect summary"), as_json, result.exit_code)


@app.command()
def status(workspace: WorkspaceArg, lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """Returned / missing / rejected forms per rater and per department."""
    from perfsheets.collect.status import return_status

    language = _plan_lang(workspace, lang)
    with library_errors():
        result = return_status(workspace)
    if as_json:
        print_json(result)
        return
    departments = result.department_rows()
    rows_table(_t(language, "各部门", "By department"), departments)
    keep = ("rater_id", "name", "department", "state")
    open_items = [{k: r[k] for k in keep} for r in result.rows() if r["state"] != "returned"]
    rows_table(_t(language, "未交或被退回的评价人", "Raters missing or rejected"), open_items)
    summary_table(_t(language, "回收状态", "Return status"), scalar_rows(result))


@app.command()
def consolidate(
    workspace: WorkspaceArg,
    calibration: Annotated[
        str | None, typer.Option(help="Rater calibration: none or zscore (default: the plan's).")
    ] = None,
    previous: Annotated[
        list[Path] | None,
        typer.Option(
            help="Earlier cycle workspaces for trends (repeatable; default: sibling folders)."
        ),
    ] = None,
    no_history: Annotated[
        bool, typer.Option("--no-history", help="Use no earlier cycles.")
    ] = False,
    count_hidden: Annotated[
        bool,
        typer.Option(
            "--count-hidden", help="Count rater groups below the anonymity minimum in scores."
        ),
    ] = False,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Compute every employee's scores and grade from the accepted returns."""
    from perfsheets.consolidation.run import consolidate as run

    language = _plan_lang(workspace, lang)
    with (
        library_errors(),
        progress_bar(_t(language, "汇总评分", "Consolidating"), not as_json) as bar,
    ):
        history = [] if no_history else (previous or None)
        result = run(
            workspace,
            calibration=calibration,
            previous=history,
            count_hidden=count_hidden,
            lang=_lang(lang),
            progress=bar,
        )
    if result.outstanding_forms and not as_json:
        where = "、".join(f"{d or '外部'} {n}" for d, n in result.outstanding_departments.items())
        where_en = ", ".join(
            f"{d or 'external'} {n}" for d, n in result.outstanding_departments.items()
        )
        note = _t(
            language,
            f"注意：还有 {result.outstanding_forms} 份评价表未收回或被退回（{where}）"
            + ("；强制分布的结果是临时的" if result.provisional else ""),
            f"note: {result.outstanding_forms} forms are still missing or rejected ({where_en})"
            + ("; the forced distribution is provisional" if result.provisional else ""),
        )
        err.print(note, markup=False, highlight=False)
    finish(result, _t(language, "评分汇总完成", "Scores consolidated"), as_json)


@app.command()
def report(
    workspace: WorkspaceArg,
    employee: Annotated[
        list[str] | None,
        typer.Option("--employee", "-e", help="Only these employee ids (repeatable)."),
    ] = None,
    templates: Annotated[
        Path | None, typer.Option(help="Folder with your own report templates.")
    ] = None,
    workers: WorkersOpt = None,
    packs: Annotated[
        bool, typer.Option("--packs/--no-packs", help="Write a pack per manager.")
    ] = True,
    summary: Annotated[
        bool, typer.Option("--summary/--no-summary", help="Write the HR summary.")
    ] = True,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Render the PDF feedback-interview reports, manager packs and the HR summary."""
    from perfsheets.report.render import render_reports

    language = _plan_lang(workspace, lang)
    with (
        library_errors(),
        progress_bar(_t(language, "生成面谈报告", "Rendering reports"), not as_json) as bar,
    ):
        result = render_reports(
            workspace,
            employees=employee or None,
            templates=templates,
            workers=workers,
            manager_packs=packs,
            hr_summary=summary,
            lang=_lang(lang),
            progress=bar,
        )
    for warning in getattr(result, "warnings", []) or []:
        err.print(f"[yellow]{warning}[/yellow]")
    finish(result, _t(language, "报告已生成", "Reports rendered"), as_json)


@app.command()
def demo(
    folder: Annotated[Path, typer.Argument(help="Folder for the demo workspace.")] = Path(
        "perfsheets-demo"
    ),
    employees: Annotated[int, typer.Option(help="Size of the synthetic company.", min=2)] = 200,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic company and fillers.")] = 1,
    lang: Annotated[
        str, typer.Option("--lang", help="Language of forms and reports: zh or en.")
    ] = "zh",
    reports: Annotated[
        int | None, typer.Option(help="Render only this many employee reports (default: all).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Run the whole cycle on the built-in example: init, generate, simulate, collect, consolidate, report."""
    from .demo import run_demo

    language = _lang(lang) or "zh-CN"
    with library_errors(), _stage_bars(not as_json) as stage:
        result = run_demo(
            folder, employees=employees, seed=seed, lang=language, report_limit=reports, stage=stage
        )
    if as_json:
        print_json(
            {
                "workspace": result.workspace,
                "outputs": result.outputs(),
                "stages": [{"stage": s.stage, "seconds": s.seconds} for s in result.stages],
                "grades": result.grades(),
            }
        )
        return
    table = Table(title=_t(language, "演示完成", "Demo finished"), title_justify="left")
    table.add_column(_t(language, "步骤", "stage"))
    table.add_column(_t(language, "用时 (秒)", "seconds"), justify="right")
    table.add_column(_t(language, "结果", "result"), overflow="fold")
    for timing in result.stages:
        counts = [
            (k, v) for k, v in scalar_rows(timing.result) if isinstance(v, int) and k != "run id"
        ]
        brief = ", ".join(f"{k}={v}" for k, v in counts[:5])
        table.add_row(timing.stage, f"{timing.seconds:.1f}", brief)
    out.print(table)
    grades = result.grades()
    order = [
        g for g in ("S", "A", "B", "C", "D") if g in grades["before_quota"] or g in grades["final"]
    ]
    order += [g for g in grades["final"] if g not in order]
    line = lambda d: " ".join(f"{g} {d.get(g, 0)}" for g in order)  # noqa: E731
    out.print(
        _t(
            language,
            f"等级分布（强制分布前）：{line(grades['before_quota'])}；最终：{line(grades['final'])}；"
            f"因比例调整 {grades['moved_by_quota']} 人（{grades['share_moved']:.0%}）",
            f"Grades before quotas: {line(grades['before_quota'])}; final: {line(grades['final'])}; "
            f"moved by quotas: {grades['moved_by_quota']} ({grades['share_moved']:.0%})",
        ),
        markup=False,
        highlight=False,
    )
    where = Table(
        title=_t(language, "输出文件", "Outputs"), show_header=False, title_justify="left"
    )
    for name, path in result.outputs().items():
        where.add_row(name, str(path))
    out.print(where)


@contextmanager
def _stage_bars(enabled: bool) -> Iterator[Callable[[str], Callable[[int, int], None]]]:
    """One progress line per demo stage."""
    if not enabled or not err.is_terminal:
        yield lambda name: lambda done, total: None
        return
    columns = (
        TextColumn("{task.description:<12}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err) as bar:

        def for_stage(name: str) -> Callable[[int, int], None]:
            task = bar.add_task(name, total=None)
            return lambda done, total: bar.update(task, completed=done, total=total)

        yield for_stage


def _print_row_lists(result: Any, language: Lang) -> None:
    """Print every list-of-rows field of a result as its own table."""
    data = jsonable(result)
    for key, value in data.items() if isinstance(data, dict) else []:
        if isinstance(value, list) and value and isinstance(value[0], dict):
            rows_table(key.replace("_", " "), value)


@app.command()
def rollup(
    workspaces: Annotated[list[Path], typer.Argument(help="The year's cycle workspaces.")],
    out: Annotated[
        Path | None, typer.Option(help="Write the year results to this CSV file.")
    ] = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Year results: roll the cycles' results up by the plan's period weights."""
    from perfsheets.consolidation.run import rollup_year

    language = _plan_lang(workspaces[-1], lang)
    with library_errors():
        result = rollup_year(workspaces, out=out, lang=language)
    if as_json:
        print_json(result)
        return
    rows = [jsonable(r) for r in result.results]
    rows_table(_t(language, "年度结果", "Year results"), [_flat(r) for r in rows])
    summary_table(_t(language, "年度汇总", "Year roll-up"), scalar_rows(result))


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    """Scalar columns of a row (nested figures stay in --json)."""
    return {k: v for k, v in row.items() if not isinstance(v, dict | list)}


@app.command("import-actuals")
def import_actuals(
    workspace: WorkspaceArg,
    file: Annotated[
        Path, typer.Argument(help="CSV or Excel export: employee id, KPI code, actual.")
    ],
    source: Annotated[
        str | None, typer.Option(help="Name of the system the data comes from.")
    ] = None,
    check_only: Annotated[
        bool, typer.Option("--check", help="Only validate the file; apply nothing.")
    ] = False,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import KPI actuals from a business system; nothing is applied if any row is wrong."""
    from perfsheets.midcycle.actuals import import_actuals as run

    language = _plan_lang(workspace, lang)
    with library_errors():
        result = run(workspace, file, source=source, dry_run=check_only)
    if not as_json:
        problems_table(result.report, language)
    finish(
        result,
        _t(language, "实际值导入", "Actuals import"),
        as_json,
        0 if result.report.valid else EXIT_PROBLEMS,
    )


@app.command()
def adjust(
    workspace: WorkspaceArg,
    employee: Annotated[str, typer.Option(help="Employee id.")],
    item: Annotated[str, typer.Option(help="KPI code.")],
    target: Annotated[float, typer.Option(help="The new target.")],
    reason: Annotated[str, typer.Option(help="Why the target changes.")],
    approved_by: Annotated[str, typer.Option("--approved-by", help="Who approved the change.")],
    confirm: Annotated[
        bool, typer.Option("--confirm", help="Accept a change beyond the plan's allowed band.")
    ] = False,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record an approved change of a KPI target during the cycle (kept in the audit log)."""
    from perfsheets.midcycle.targets import adjust_target

    language = _plan_lang(workspace, lang)
    with library_errors():
        result = adjust_target(
            workspace,
            employee=employee,
            item=item,
            target=target,
            reason=reason,
            approved_by=approved_by,
            confirm=confirm,
        )
    finish(result, _t(language, "目标调整", "Target change"), as_json)


@app.command()
def progress(
    workspace: WorkspaceArg,
    today: Annotated[str | None, typer.Option(help="Date to measure against (YYYY-MM-DD).")] = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Completion so far per person and department, from imported actuals (+ results/progress.xlsx)."""
    from perfsheets.midcycle.progress import progress as run
    from perfsheets.midcycle.progress import write_progress_xlsx

    language = _plan_lang(workspace, lang)
    with library_errors():
        day = dt.date.fromisoformat(today) if today else None
        result = run(workspace, today=day)
        path = write_progress_xlsx(workspace, result)
    if as_json:
        print_json({"progress": result, "file": path})
        return
    rows_table(
        _t(language, "各部门进度", "Progress by department"), result.department_rows(language)
    )
    rows_table(_t(language, "个人进度", "Progress per person"), result.person_rows(language))
    out.print(_t(language, f"进度表：{path}", f"Progress workbook: {path}"))


@app.command()
def appeal(
    workspace: WorkspaceArg,
    employee: Annotated[str | None, typer.Option(help="Employee id (to open an appeal).")] = None,
    reason: Annotated[
        str | None, typer.Option(help="The employee's reason (to open an appeal).")
    ] = None,
    resolve: Annotated[int | None, typer.Option(help="Id of the appeal to decide.")] = None,
    outcome: Annotated[str | None, typer.Option(help="Decision: upheld or rejected.")] = None,
    note: Annotated[str, typer.Option(help="Note on the decision.")] = "",
    decided_by: Annotated[str | None, typer.Option("--decided-by", help="Who decided.")] = None,
    state: Annotated[
        str | None,
        typer.Option("--status", help="List only appeals in this state: open, upheld, rejected."),
    ] = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Open an appeal (--employee, --reason), decide one (--resolve ID --outcome ...), or list them.

    A decision changes no score: an upheld appeal is corrected through a corrected return,
    collected and consolidated again.
    """
    from perfsheets.midcycle import appeals

    language = _plan_lang(workspace, lang)
    with library_errors():
        if resolve is not None:
            if outcome not in ("upheld", "rejected"):
                raise _fail("--outcome must be upheld or rejected")
            decision: Literal["upheld", "rejected"] = (
                "upheld" if outcome == "upheld" else "rejected"
            )
            result: Any = appeals.resolve_appeal(
                workspace, resolve, outcome=decision, note=note, decided_by=decided_by or "HR"
            )
        elif employee and reason:
            result = {"appeal_id": appeals.open_appeal(workspace, employee=employee, reason=reason)}
        elif reason:
            raise _fail("to open an appeal give both --employee and --reason")
        else:
            result = {"appeals": appeals.list_appeals(workspace, employee=employee, status=state)}
    if as_json:
        print_json(result)
        return
    _print_row_lists(result, language)
    summary_table(_t(language, "申诉", "Appeals"), scalar_rows(result))
    if getattr(result, "outcome", None) == "upheld":
        out.print(
            _t(
                language,
                "申诉成立：请收回更正后的评价表，再运行 collect 和 consolidate。",
                "Appeal upheld: collect the corrected return, then run consolidate again.",
            )
        )


def main() -> None:
    app()
