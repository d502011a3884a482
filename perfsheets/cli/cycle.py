"""Commands of the appraisal cycle: init, check, generate, simulate, collect, status, consolidate,
report, demo.

Each command imports its stage when it runs (``# lazy: start-up``): importing every stage up front
doubles the start-up of ``perfsheets --help`` (0.17 s to 0.35 s), and pandas, WeasyPrint and
openpyxl load only inside the stage function that needs them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from perfsheets import __version__
from perfsheets.cli.app import app
from perfsheets.cli.calibration import cycle_stage_of, stage_rows
from perfsheets.cli.interview import interview_tables, pip_tables
from perfsheets.cli.output import (
    EXIT_OK,
    EXIT_PROBLEMS,
    ExecutorOpt,
    JsonOpt,
    LangOpt,
    SchedulerOpt,
    State,
    WorkersOpt,
    WorkspaceArg,
    chosen_executor,
    date_option,
    env_lang,
    err,
    fail,
    finish,
    library_errors,
    message_lang,
    out,
    parse_lang,
    print_json,
    problems_table,
    progress_bar,
    result_data,
    rows_table,
    scalar_rows,
    summary_table,
    tr,
)
from perfsheets.core.problems import Report

if TYPE_CHECKING:
    from perfsheets.core.model import Lang

# --- commands ---------------------------------------------------------------------------------


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", help="Show the version and exit.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
) -> None:
    State.debug = debug
    if version:
        typer.echo(__version__)
        raise typer.Exit()


@app.command()
def init(
    ctx: typer.Context,
    workspace: WorkspaceArg,
    example: Annotated[
        bool, typer.Option("--example/--blank", help="Start from the built-in example plan.")
    ] = True,
    employees: Annotated[int, typer.Option(help="Size of the synthetic company.", min=1)] = 200,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic company.")] = 1,
    excel: Annotated[
        bool, typer.Option("--excel", help="Write the plan as an Excel workbook.")
    ] = False,
    from_: Annotated[
        Path | None,
        typer.Option(
            "--from",
            help="Seed the plan from this finished cycle's workspace: the next period, the "
            "roster without leavers, the targets agreed in its interview records.",
        ),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(
            help="With --from: the new cycle's first day (YYYY-MM-DD; default: the day after "
            "the previous cycle ends)."
        ),
    ] = None,
    lang: LangOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing plan.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Create a cycle workspace with a plan (the built-in example by default, or the next cycle
    of a finished one with --from)."""
    chosen = parse_lang(lang)
    language = State.lang = chosen or env_lang() or "zh-CN"
    if from_ is not None:
        _init_from(ctx, workspace, from_, start, excel, chosen, as_json)
        return
    if start is not None:
        raise fail(tr(language, "--start 只能与 --from 一起使用", "--start goes with --from only"))
    from perfsheets.cycle.setup import init_workspace  # lazy: start-up

    with library_errors():
        ws = init_workspace(
            workspace,
            example=example,
            employees=employees,
            seed=seed,
            excel=excel,
            lang=chosen or language,
            force=force,
        )
    finish(
        {"workspace": ws.root, "plan": ws.plan_path()},
        tr(language, "已创建工作区", "Workspace created"),
        as_json,
    )


def _init_from(
    ctx: typer.Context,
    workspace: Path,
    source: Path,
    start: str | None,
    excel: bool,
    chosen: Lang | None,
    as_json: bool,
) -> None:
    """``init NEXT --from WS``: the options of a new example plan do not apply."""
    from perfsheets.cycle.next_plan import init_from  # lazy: start-up

    language = State.lang = chosen or message_lang(source, None)
    given = [
        f"--{name}"
        for name in ("example", "employees", "seed", "force")
        if getattr(ctx.get_parameter_source(name), "name", "DEFAULT") != "DEFAULT"
    ]
    if given:
        raise fail(
            tr(
                language,
                f"{'、'.join(given)} 不能与 --from 一起使用",
                f"{', '.join(given)} cannot be used with --from",
            )
        )
    with library_errors():
        day = date_option(start, language, "--start")
        result = init_from(workspace, source, start=day, excel=excel or None, lang=language)
    if not as_json:
        problems_table(result.report, language, listed_in=result.goals_file)
    finish(
        result, tr(language, "已创建下一周期的工作区", "Next cycle's workspace created"), as_json
    )


@app.command()
def check(
    workspace: WorkspaceArg,
    alignment: Annotated[
        bool,
        typer.Option("--alignment", help="Also write the goal tree to results/alignment.xlsx."),
    ] = False,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Validate the plan and roster; exit 1 with the list of problems when anything is wrong."""
    from perfsheets.cycle.setup import check_workspace  # lazy: start-up

    language = message_lang(workspace, lang)
    with library_errors():
        result = check_workspace(workspace, write_alignment=alignment)
    report: Report = result.report
    if as_json:
        print_json(result)
    else:
        problems_table(report, language, all_in=workspace / "results" / "plan-problems.csv")
        rows = scalar_rows(result, language)
        if not result.employees and not report.valid:
            rows = rows[:5]  # a plan that did not load has no counts: zeros would mislead
        summary_table(tr(language, "方案检查", "Plan check"), rows)
        if result.goals and not alignment:
            out.print(
                tr(
                    language,
                    "目标分解表：运行 perfsheets check --alignment 写出 results/alignment.xlsx",
                    "Goal tree: run perfsheets check --alignment to write results/alignment.xlsx",
                )
            )
    raise typer.Exit(EXIT_OK if report.valid else EXIT_PROBLEMS)


@app.command()
def generate(
    workspace: WorkspaceArg,
    workers: WorkersOpt = None,
    executor: ExecutorOpt = "local",
    scheduler: SchedulerOpt = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write one assessment workbook per rater into WORKSPACE/forms/ (+ forms/index.csv)."""
    from perfsheets.forms.generate import generate_forms  # lazy: start-up

    language = message_lang(workspace, lang)
    with (
        library_errors(),
        chosen_executor(executor, scheduler) as runner,
        progress_bar(tr(language, "生成考核表", "Generating forms"), not as_json) as bar,
    ):
        result = generate_forms(workspace, workers=workers, progress=bar, executor=runner)
    task_problems(result.problems)
    finish(
        result,
        tr(language, "考核表已生成", "Forms generated"),
        as_json,
        EXIT_PROBLEMS if result.problems else EXIT_OK,
    )


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
    executor: ExecutorOpt = "local",
    scheduler: SchedulerOpt = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Fill the forms the way people do and write them to WORKSPACE/returns/ (for demos and tests)."""
    from perfsheets.forms.simulate import simulate_returns  # lazy: start-up

    language = message_lang(workspace, lang)
    with (
        library_errors(),
        chosen_executor(executor, scheduler) as runner,
        progress_bar(tr(language, "模拟填写", "Simulating returns"), not as_json) as bar,
    ):
        result = simulate_returns(
            workspace,
            seed=seed,
            missing=missing,
            mistakes=mistakes,
            progress=bar,
            executor=runner,
        )
    task_problems(result.problems)
    finish(
        result,
        tr(language, "已模拟回收表", "Returns simulated"),
        as_json,
        EXIT_PROBLEMS if result.problems else EXIT_OK,
    )


@app.command()
def collect(
    workspace: WorkspaceArg,
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Files, folders or .zip archives (default: WORKSPACE/returns/)."),
    ] = None,
    workers: WorkersOpt = None,
    executor: ExecutorOpt = "local",
    scheduler: SchedulerOpt = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Read returned forms, validate them and store the good ones; exit 1 if any file was rejected."""
    from perfsheets.collect.run import collect_returns  # lazy: start-up

    language = message_lang(workspace, lang)
    with (
        library_errors(),
        chosen_executor(executor, scheduler) as runner,
        progress_bar(tr(language, "回收校验", "Collecting returns"), not as_json) as bar,
    ):
        result = collect_returns(
            workspace,
            paths or None,
            lang=parse_lang(lang),
            workers=workers,
            progress=bar,
            executor=runner,
        )
    if not as_json:
        problems_table(result.report, language, listed_in=result.validation_csv)
    finish(result, tr(language, "回收结果", "Collect summary"), as_json, result.exit_code)


@app.command()
def status(
    workspace: WorkspaceArg,
    overdue: Annotated[
        bool,
        typer.Option(
            "--overdue",
            help="Only list who is past the interview confirmation deadline (exit 1 if any).",
        ),
    ] = False,
    pip: Annotated[
        bool,
        typer.Option(
            "--pip",
            help="Only list the improvement plans' states (exit 1 if any is overdue).",
        ),
    ] = False,
    today: Annotated[
        str | None,
        typer.Option(help="Date the interview and PIP states are counted at (YYYY-MM-DD)."),
    ] = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Returned / missing / rejected forms per rater and per department; the interview records'
    states per department (待面谈 … 超期) and the improvement plans' states (进行中 / 已达成 /
    未达成 / 超期, overdue ones flagged) once they were written."""
    from perfsheets.collect.status import return_status  # lazy: start-up
    from perfsheets.interview.status import has_interview_forms, interview_status  # lazy: start-up
    from perfsheets.pip.status import has_pip_forms, pip_status  # lazy: start-up

    language = message_lang(workspace, lang)
    with library_errors():
        day = date_option(today, language)
        interviews = (
            interview_status(workspace, today=day, lang=language)
            if has_interview_forms(workspace)
            else None
        )
        pips = pip_status(workspace, today=day, lang=language) if has_pip_forms(workspace) else None
        if pip:
            late_pips = pips.overdue if pips else []
            if as_json:
                print_json(pips.employees if pips else [])
            elif pips is not None:
                pip_tables(pips)
            else:
                err.print(
                    tr(language, "尚无绩效改进计划", "No improvement plans yet"), markup=False
                )
            raise typer.Exit(EXIT_PROBLEMS if late_pips else EXIT_OK)
        if overdue:
            late = interviews.overdue if interviews else []
            if as_json:
                print_json(late)
            elif interviews is not None:
                interview_tables(workspace, interviews, overdue_only=True)
            raise typer.Exit(EXIT_PROBLEMS if late else EXIT_OK)
        result = return_status(workspace, lang=language)
    if as_json:  # the returns, and the stage the cycle is in (a code: see ledger.calibration)
        print_json(result_data(result) | {"stage": cycle_stage_of(workspace)})
        return
    departments = result.department_rows()
    rows_table(tr(language, "各部门", "By department"), departments)
    # every return still outstanding (rejected and not corrected, or never returned), as
    # results/send_back.csv lists it (with the files and what to fix)
    open_items = result.outstanding_rows(language, brief=True)
    rows_table(tr(language, "未交或被退回的评价人", "Raters missing or rejected"), open_items)
    summary_table(tr(language, "回收状态", "Return status"), scalar_rows(result))
    if interviews is not None:
        interview_tables(workspace, interviews, overdue_only=False)
    if pips is not None:
        pip_tables(pips)
    summary_table(tr(language, "周期", "Cycle"), stage_rows(workspace, language))


@app.command()
def verify(workspace: WorkspaceArg, lang: LangOpt = None, as_json: JsonOpt = False) -> None:
    """Check the ledger for tampering: every return's entries against their digest, the audit
    log's hash chain, the archived files; exit 1 when anything does not match."""
    from perfsheets.cycle.verify import verify_workspace  # lazy: start-up

    language = message_lang(workspace, lang)
    with library_errors():
        result = verify_workspace(workspace, language)
    if as_json:
        print_json(result)
    else:
        if result.findings:
            rows_table(tr(language, "不符之处", "What does not match"), result.findings)
        title = (
            tr(language, "账本完好", "The ledger checks out")
            if result.ok
            else tr(language, "账本有不符之处", "The ledger does not check out")
        )
        summary_table(title, scalar_rows(result))
    raise typer.Exit(result.exit_code)


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
    from perfsheets.consolidation.run import consolidate as run  # lazy: start-up

    language = message_lang(workspace, lang)
    with (
        library_errors(),
        progress_bar(tr(language, "汇总评分", "Consolidating"), not as_json) as bar,
    ):
        history = [] if no_history else (previous or None)
        result = run(
            workspace,
            calibration=calibration,
            previous=history,
            count_hidden=count_hidden,
            lang=parse_lang(lang),
            progress=bar,
        )
    if result.outstanding_forms and not as_json:
        where = "、".join(f"{d or '外部'} {n}" for d, n in result.outstanding_departments.items())
        where_en = ", ".join(
            f"{d or 'external'} {n}" for d, n in result.outstanding_departments.items()
        )
        note = tr(
            language,
            f"注意：还有 {result.outstanding_forms} 份评价表未收回或被退回（{where}）"
            + ("；强制分布的结果是临时的" if result.provisional else ""),
            f"note: {result.outstanding_forms} forms are still missing or rejected ({where_en})"
            + ("; the forced distribution is provisional" if result.provisional else ""),
        )
        err.print(note, markup=False, highlight=False)
    for skipped in result.skipped_workspaces if not as_json else []:
        err.print(
            tr(
                language,
                f"注意：跳过了无法读取的相邻文件夹 {skipped}（不作为历史周期）",
                f"note: skipped {skipped}, whose ledger cannot be read (not used as an earlier cycle)",
            ),
            markup=False,
            highlight=False,
        )
    finish(result, tr(language, "评分汇总完成", "Scores consolidated"), as_json)


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
    executor: ExecutorOpt = "local",
    scheduler: SchedulerOpt = None,
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
    from perfsheets.report.render import render_reports  # lazy: start-up

    language = message_lang(workspace, lang)
    with (
        library_errors(),
        chosen_executor(executor, scheduler) as runner,
        progress_bar(tr(language, "生成面谈报告", "Rendering reports"), not as_json) as bar,
    ):
        result = render_reports(
            workspace,
            executor=runner,
            employees=employee or None,
            templates=templates,
            workers=workers,
            manager_packs=packs,
            hr_summary=summary,
            lang=parse_lang(lang),
            progress=bar,
        )
    for warning in getattr(result, "warnings", []) or []:
        err.print(warning, style="yellow")
    finish(result, tr(language, "报告已生成", "Reports rendered"), as_json)


def task_problems(problems: list[str]) -> None:
    """Tasks that failed for a reason of their own (the run went on): shown; the exit code is 1."""
    for problem in problems:
        err.print(problem, style="red", markup=False, highlight=False)
