"""Commands across and during a cycle: rollup, import-actuals, adjust, progress, appeal.

Each command imports its stage when it runs (``# lazy: start-up``): importing every stage up front
doubles the start-up of ``perfsheets --help`` (0.17 s to 0.35 s), and pandas, WeasyPrint and
openpyxl load only inside the stage function that needs them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

from perfsheets.cli.app import app
from perfsheets.cli.output import (
    EXIT_PROBLEMS,
    JsonOpt,
    LangOpt,
    WorkspaceArg,
    fail,
    finish,
    jsonable,
    library_errors,
    message_lang,
    out,
    print_json,
    print_row_lists,
    problems_table,
    rows_table,
    scalar_rows,
    summary_table,
    tr,
)

if TYPE_CHECKING:
    from perfsheets.core.model import Lang


@app.command()
def rollup(
    workspaces: Annotated[list[Path], typer.Argument(help="The year's cycle workspaces.")],
    out: Annotated[
        Path | None,
        typer.Option(help="Write the year results to this file: .csv, or .xlsx for a workbook."),
    ] = None,
    allow_partial: Annotated[
        bool,
        typer.Option(
            "--allow-partial",
            help="Score people who miss periods over the periods present (marked partial).",
        ),
    ] = False,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Year results: roll the cycles' results up by the plan's period weights."""
    from perfsheets.consolidation.run import rollup_year  # lazy: start-up

    language = message_lang(workspaces[-1], lang)
    with library_errors():
        result = rollup_year(workspaces, out=out, lang=language, allow_partial=allow_partial)
    if as_json:
        print_json(result)
        return
    rows = [jsonable(r) for r in result.results]
    rows_table(tr(language, "年度结果", "Year results"), [_flat(r) for r in rows])
    summary_table(tr(language, "年度汇总", "Year roll-up"), scalar_rows(result))


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
    from perfsheets.midcycle.actuals import import_actuals as run  # lazy: start-up

    language = message_lang(workspace, lang)
    with library_errors():
        result = run(workspace, file, source=source, dry_run=check_only)
    if not as_json:
        problems_table(result.report, language)
    finish(
        result,
        tr(language, "实际值导入", "Actuals import"),
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
    from perfsheets.midcycle.targets import adjust_target  # lazy: start-up

    language = message_lang(workspace, lang)
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
    finish(result, tr(language, "目标调整", "Target change"), as_json)


@app.command()
def progress(
    workspace: WorkspaceArg,
    today: Annotated[str | None, typer.Option(help="Date to measure against (YYYY-MM-DD).")] = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Completion so far per person and department, from imported actuals (+ results/progress.xlsx)."""
    from perfsheets.midcycle.progress import progress as run  # lazy: start-up
    from perfsheets.midcycle.progress import write_progress_xlsx  # lazy: start-up

    language = message_lang(workspace, lang)
    day = _date(today, "--today", language) if today else None
    with library_errors():
        result = run(workspace, today=day)
        path = write_progress_xlsx(workspace, result)
    if as_json:
        print_json({"progress": result, "file": path})
        return
    rows_table(
        tr(language, "各部门进度", "Progress by department"), result.department_rows(language)
    )
    rows_table(tr(language, "个人进度", "Progress per person"), result.person_rows(language))
    out.print(tr(language, f"进度表：{path}", f"Progress workbook: {path}"))


def _date(text: str, option: str, lang: Lang) -> dt.date:
    """A date option's value; a clear message (not Python's "month must be in 1..12")."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise fail(
            tr(
                lang,
                f"{option}：“{text}”不是有效日期，请写成 YYYY-MM-DD（如 2026-06-30）",
                f"{option}: '{text}' is not a valid date; write it as YYYY-MM-DD (e.g. 2026-06-30)",
            )
        ) from None


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
    grade: Annotated[
        str | None,
        typer.Option(help="With --outcome upheld: the employee's final grade from now on."),
    ] = None,
    state: Annotated[
        str | None,
        typer.Option("--status", help="List only appeals in this state: open, upheld, rejected."),
    ] = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Open an appeal (--employee, --reason), decide one (--resolve ID --outcome ...), or list them.

    An upheld appeal changes a grade with --grade: recorded like a calibration decision (the
    note is its reason), quotas checked, the run's files rewritten. A score is corrected only
    through a corrected return, collected and consolidated again.
    """
    from perfsheets.midcycle import appeals  # lazy: start-up

    language = message_lang(workspace, lang)
    with library_errors():
        if resolve is not None:
            if outcome not in ("upheld", "rejected"):
                raise fail(
                    tr(
                        language,
                        "--outcome 必须是 upheld（成立）或 rejected（驳回）",
                        "--outcome must be upheld or rejected",
                    )
                )
            decision: Literal["upheld", "rejected"] = (
                "upheld" if outcome == "upheld" else "rejected"
            )
            if grade is not None:
                result: Any = _uphold_with_grade(
                    workspace, resolve, decision, grade, note, decided_by, language
                )
            else:
                result = appeals.resolve_appeal(
                    workspace, resolve, outcome=decision, note=note, decided_by=decided_by or "HR"
                )
        elif employee and reason:
            result = {"appeal_id": appeals.open_appeal(workspace, employee=employee, reason=reason)}
        elif reason:
            raise fail(
                tr(
                    language,
                    "提出申诉需要同时给出 --employee 和 --reason",
                    "to open an appeal give both --employee and --reason",
                )
            )
        else:
            result = {"appeals": appeals.list_appeals(workspace, employee=employee, status=state)}
    if as_json:
        print_json(result)
        return
    print_row_lists(result, language)
    summary_table(tr(language, "申诉", "Appeals"), scalar_rows(result))
    if getattr(result, "outcome", None) == "upheld":  # upheld without a new grade
        out.print(
            tr(
                language,
                "申诉成立：请收回更正后的评价表，再运行 collect 和 consolidate。",
                "Appeal upheld: collect the corrected return, then run consolidate again.",
            )
        )


def _uphold_with_grade(
    workspace: Path,
    appeal_id: int,
    outcome: str,
    grade: str,
    note: str,
    decided_by: str | None,
    lang: Lang,
) -> Any:
    from perfsheets.calibration.appeal import uphold_with_grade  # lazy: start-up
    from perfsheets.consolidation.final import write_final_books  # lazy: start-up

    if outcome != "upheld":
        raise fail(
            tr(
                lang,
                "--grade 只能与 --outcome upheld 一起使用",
                "--grade goes with --outcome upheld only",
            )
        )
    result = uphold_with_grade(
        workspace, appeal_id, grade=grade, note=note, decided_by=decided_by or "", lang=lang
    )
    write_final_books(workspace, lang=lang)  # the final grade in the run's files
    return result
