"""``perfsheets demo``: the whole cycle on the built-in example, and what it did (stages,
grades, the mail round trip with --mail, pay, where the outputs are).

The demo module is imported when the command runs (``# lazy: start-up``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from perfsheets.cli.app import app
from perfsheets.cli.output import (
    ExecutorOpt,
    JsonOpt,
    SchedulerOpt,
    State,
    chosen_executor,
    err,
    library_errors,
    out,
    parse_lang,
    print_json,
    scalar_rows,
    stage_bars,
    summary_table,
    tr,
)
from perfsheets.cli.words import label, stage_name

if TYPE_CHECKING:
    from perfsheets.core.model import Lang
    from perfsheets.demo import DemoResult, StageTiming


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
    executor: ExecutorOpt = "local",
    scheduler: SchedulerOpt = None,
    mail: Annotated[
        bool,
        typer.Option(
            "--mail",
            help="Also run the mail round trip against local servers the demo starts (aiosmtpd;"
            " dovecot for IMAP): send the forms, the raters' replies fetched into returns/ and"
            " collected, reminders to the raters still missing or rejected, and after the"
            " release the managers' packs (unless --reports limits them). Messages sent are kept"
            " in DIR/mailbox/. Without dovecot, fetch and remind are skipped (and it says so).",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Run the whole cycle on the built-in example: init, generate, simulate, collect, consolidate, calibrate (simulated committee decisions) and release, pay on made-up salaries, consequences, report, interview records, improvement plans."""
    from perfsheets.demo import run_demo  # lazy: start-up

    language = State.lang = parse_lang(lang) or "zh-CN"
    with (
        library_errors(),
        chosen_executor(executor, scheduler) as runner,
        stage_bars(not as_json) as stage,
    ):
        result = run_demo(
            folder,
            employees=employees,
            seed=seed,
            lang=language,
            report_limit=reports,
            stage=stage,
            executor=runner,
            mail=mail,
        )
    if as_json:
        print_json(
            {
                "workspace": result.workspace,
                "outputs": result.outputs(),
                "stages": [{"stage": s.stage, "seconds": s.seconds} for s in result.stages],
                "grades": result.grades(),
                "mail": result.mail(),
                "skipped": [note.text(language) for note in result.skipped],
            }
        )
        return
    table = Table(title=tr(language, "演示完成", "Demo finished"), title_justify="left")
    table.add_column(tr(language, "步骤", "stage"))
    table.add_column(tr(language, "用时 (秒)", "seconds"), justify="right")
    table.add_column(tr(language, "结果", "result"), overflow="fold")
    for timing in result.stages:
        brief = ", ".join(f"{k}={v}" for k, v in _counts(timing, language)[:5])
        table.add_row(stage_name(timing.stage, language), f"{timing.seconds:.1f}", brief)
    out.print(table)
    grades = result.grades()
    order = [
        g for g in ("S", "A", "B", "C", "D") if g in grades["before_quota"] or g in grades["final"]
    ]
    order += [g for g in grades["final"] if g not in order]
    line = lambda d: " ".join(f"{g} {d.get(g, 0)}" for g in order)  # noqa: E731
    out.print(
        tr(
            language,
            f"等级分布（强制分布前）：{line(grades['before_quota'])}；最终：{line(grades['final'])}；"
            f"因比例调整 {grades['moved_by_quota']} 人（{grades['share_moved']:.0%}）；"
            f"校准会调整 {grades['calibrated']} 人",
            f"Grades before quotas: {line(grades['before_quota'])}; final: {line(grades['final'])}; "
            f"moved by quotas: {grades['moved_by_quota']} ({grades['share_moved']:.0%}); "
            f"changed by the calibration committee: {grades['calibrated']}",
        ),
        markup=False,
        highlight=False,
    )
    _demo_mail(result, language)
    pay = next((s.result for s in result.stages if s.stage == "pay"), None)
    if pay is not None and pay.written:
        out.print(
            tr(
                language,
                f"绩效奖金（虚构工资）：{pay.paid} 人，合计 {pay.total:,} 元；超支的奖金池 {pay.over_budget} 个",
                f"Bonuses (made-up salaries): {pay.paid} people, {pay.total:,} in total; "
                f"pools over budget: {pay.over_budget}",
            ),
            markup=False,
            highlight=False,
        )
    where = Table(
        title=tr(language, "输出文件", "Outputs"), show_header=False, title_justify="left"
    )
    for name, path in result.outputs().items():
        where.add_row(label(name, language), str(path))
    out.print(where)


def _counts(timing: StageTiming, lang: Lang) -> list[tuple[str, int]]:
    """A stage's counts; fetch's lists of attachments as numbers (under the round trip's labels)."""
    if timing.stage == "fetch":
        got = timing.result
        named = [("messages", got.messages), ("fetched", len(got.saved))]
        named += [("duplicates", len(got.duplicates)), ("ignored", len(got.ignored))]
        return [(label(k, lang), v) for k, v in named]
    hidden = (label("run_id", lang), label("exit_code", lang))
    rows = scalar_rows(timing.result, lang)
    return [(k, v) for k, v in rows if isinstance(v, int) and k not in hidden]


def _demo_mail(result: DemoResult, lang: Lang) -> None:
    """The mail round trip's counts, and the steps skipped here with what to install."""
    counts = result.mail()
    if counts is not None:
        summary_table(tr(lang, "邮件往返", "Mail round trip"), scalar_rows(counts, lang))
    for note in result.skipped:
        err.print(note.text(lang), style="yellow", markup=False, highlight=False)
