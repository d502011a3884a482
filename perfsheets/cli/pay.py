"""Commands of pay and consequences (结果应用): export-pay, consequences.

The stage is imported when a command runs (``# lazy: start-up``), like the other commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from perfsheets.cli.app import app
from perfsheets.cli.output import (
    EXIT_PROBLEMS,
    JsonOpt,
    LangOpt,
    WorkspaceArg,
    fail,
    finish,
    library_errors,
    message_lang,
    out,
    print_json,
    problems_table,
    scalar_rows,
    summary_table,
    tr,
)
from perfsheets.cli.words import label

if TYPE_CHECKING:
    from perfsheets.core.model import Lang
    from perfsheets.pay.run import PayExport


@app.command("export-pay")
def export_pay(
    workspace: WorkspaceArg,
    salaries: Annotated[
        Path,
        typer.Option(
            "--salaries", help="CSV or Excel file (UTF-8 or GBK): employee id, bonus base."
        ),
    ],
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Folder for payroll.csv and payroll.xlsx (default: results/pay)."
        ),
    ] = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Bonuses from a salaries file and the final grades, checked against the plan's bonus pools, as the payroll system's import file (owner-only)."""
    from perfsheets.pay.run import export_pay as run  # lazy: start-up

    language = message_lang(workspace, lang)
    with library_errors():
        result = run(workspace, salaries, out=out_dir, lang=language)
    if as_json:
        print_json(result)
        if result.exit_code:
            raise typer.Exit(result.exit_code)
        return
    problems_table(result.report, language)
    if not result.written:
        errors = len(result.report.errors)
        raise fail(
            tr(
                language,
                f"{salaries}：工资文件有 {errors} 处错误（见上表），未写入任何文件；改正后重新运行",
                f"{salaries}: {errors} error(s) in the salaries file (listed above); nothing was "
                "written; correct them and run again",
            ),
            EXIT_PROBLEMS,
        )
    _pools_table(result, language)
    shown = [
        row
        for row in scalar_rows(result, language)
        if row[0] not in (label("lang", language), label("exit_code", language))
    ]
    summary_table(tr(language, "奖金导出", "Pay export"), shown)
    for path in result.files:
        out.print(tr(language, f"工资导入文件：{path}", f"Payroll import file: {path}"))
    if result.exit_code:
        raise typer.Exit(result.exit_code)


def _pools_table(result: PayExport, lang: Lang) -> None:
    from perfsheets.pay.compute import money  # lazy: start-up

    if not result.pools:
        return
    table = Table(title=tr(lang, "奖金池", "Bonus pools"), title_justify="left")
    for head in (
        tr(lang, "范围", "pool"),
        tr(lang, "奖金池", "amount"),
        tr(lang, "奖金合计", "total"),
        tr(lang, "超支", "over by"),
        tr(lang, "人数", "people"),
    ):
        table.add_column(head, justify="left" if head in ("范围", "pool") else "right")
    for pool in result.pools:
        style = "red" if pool.over > 0 else None
        table.add_row(
            pool.words().pick(lang),
            money(pool.amount),
            money(pool.total),
            money(pool.over) if pool.over > 0 else "",
            str(pool.people),
            style=style,
        )
    out.print(table)


@app.command()
def consequences(
    workspace: WorkspaceArg,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What the final grades lead to: promotion candidates, PIP list, honours, each grade's consequence and training needs, in results/consequences.xlsx and .csv."""
    from perfsheets.pay.run import write_consequences  # lazy: start-up

    language = message_lang(workspace, lang)
    with library_errors():
        result = write_consequences(workspace, lang=language)
    finish(result, tr(language, "结果应用", "Consequences"), as_json)
