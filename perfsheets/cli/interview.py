"""Commands of the interview step (结果确认 / 面谈记录): interview-forms; ``status`` shows the
step's states (see :func:`interview_rows`).

The record forms are a command of their own rather than part of ``report``: they are Excel
forms to fill and collect (like ``generate``), rewritten whenever results change (a new
consolidation or calibration), while ``report`` renders PDFs to read, which takes far longer.
"""

from __future__ import annotations

from pathlib import Path

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
