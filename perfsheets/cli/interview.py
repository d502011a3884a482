"""Commands of the interview step (结果确认 / 面谈记录): interview-forms; ``status`` shows the
step's states (see :func:`interview_rows`).

The record forms are a command of their own rather than part of ``report``: they are Excel
forms to fill and collect (like ``generate``), rewritten whenever results change (a new
consolidation or calibration), while ``report`` renders PDFs to read, which takes far longer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from perfsheets.cli.app import app
from perfsheets.cli.output import (
    EXIT_OK,
    EXIT_PROBLEMS,
    ExecutorOpt,
    JsonOpt,
    LangOpt,
    SchedulerOpt,
    WorkersOpt,
    WorkspaceArg,
    chosen_executor,
    date_option,
    err,
    finish,
    library_errors,
    message_lang,
    parse_lang,
    progress_bar,
    rows_table,
    tr,
)


@app.command("interview-forms")
def interview_forms(
    workspace: WorkspaceArg,
    workers: WorkersOpt = None,
    executor: ExecutorOpt = "local",
    scheduler: SchedulerOpt = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write one interview-record workbook per manager into WORKSPACE/interviews/ (a sheet per
    employee with a result; + interviews/index.csv); returns are read by collect."""
    from perfsheets.interview.generate import write_interview_forms  # lazy: start-up

    language = message_lang(workspace, lang)
    with (
        library_errors(),
        chosen_executor(executor, scheduler) as runner,
        progress_bar(
            tr(language, "生成面谈记录表", "Writing interview records"), not as_json
        ) as bar,
    ):
        result = write_interview_forms(
            workspace, lang=parse_lang(lang), workers=workers, progress=bar, executor=runner
        )
    for problem in result.problems:
        err.print(problem, style="red", markup=False, highlight=False)
    finish(
        result,
        tr(language, "面谈记录表已生成", "Interview record forms written"),
        as_json,
        EXIT_PROBLEMS if result.problems else EXIT_OK,
    )


@app.command("pip-forms")
def pip_forms(
    workspace: WorkspaceArg,
    start: Annotated[
        str | None, typer.Option(help="The day the improvement plans start (YYYY-MM-DD).")
    ] = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write one PIP workbook per manager into WORKSPACE/pips/ for the employees whose final
    grade requires a performance improvement plan (goals from the interview record, dated
    checkpoints, owner; + pips/index.csv); returns are read by collect."""
    from perfsheets.pip.generate import write_pip_forms  # lazy: start-up

    language = message_lang(workspace, lang)
    with library_errors():
        day = date_option(start, language, "--start")
        result = write_pip_forms(workspace, lang=parse_lang(lang), start=day)
    finish(result, tr(language, "绩效改进计划表已生成", "PIP forms written"), as_json, EXIT_OK)


def pip_tables(status: object) -> None:
    """Every PIP's state and the counts, as ``status`` shows them (overdue ones marked)."""
    from perfsheets.pip.status import PipStatus  # lazy: start-up

    assert isinstance(status, PipStatus)
    lang = status.lang
    rows_table(tr(lang, "绩效改进计划", "Improvement plans"), status.rows(), limit=10_000)
    rows_table(tr(lang, "绩效改进计划（合计）", "Improvement plans (counts)"), [status.count_row()])
    if status.overdue:
        err.print(
            tr(
                lang,
                f"{len(status.overdue)} 个绩效改进计划已过结束日期仍未结束（超期）",
                f"{len(status.overdue)} improvement plan(s) still open past their end date",
            ),
            style="yellow",
            markup=False,
        )


def interview_tables(workspace: Path, status: object, overdue_only: bool) -> None:
    """The interview states per department and who is overdue, as ``status`` shows them."""
    from perfsheets.interview.status import InterviewStatus  # lazy: start-up

    assert isinstance(status, InterviewStatus)
    lang = status.lang
    if not overdue_only:
        rows_table(
            tr(lang, "面谈与结果确认（各部门）", "Interviews by department"),
            status.department_rows(),
        )
    rows = status.overdue_rows()
    title = tr(
        lang,
        f"超期未确认（截止 {status.deadline}）",
        f"Overdue (deadline {status.deadline})",
    )
    if rows:
        rows_table(title, rows, limit=10_000 if overdue_only else 20)
    elif overdue_only:
        err.print(tr(lang, "没有超期未确认的员工", "Nobody is overdue"), markup=False)
