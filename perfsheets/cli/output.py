"""The command line's shared parts: consoles, options, printing results and problems, errors."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.cells import cell_len
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from perfsheets.cli.words import error_text, label, value_word, yes_no
from perfsheets.core.problems import PerfsheetsError, Problem, Report

if TYPE_CHECKING:  # a type only: --help must not import pydantic
    from perfsheets.core.model import Lang

# No console markup: names, cells and file names are people's text, and "[/b]" or "[link=…]" in
# them must print as typed (markup in user text crashed check/status/collect before). Styles are
# given as style=, never as markup.
out = Console(highlight=False, markup=False)
err = Console(stderr=True, highlight=False, markup=False)

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


class State:
    """Options of the whole command line (set by the root callback) and the language of the
    command running (set when it decides it, so its errors are in that language too)."""

    debug = False
    lang: Lang = "zh-CN"


LANG_ENV = "PERFSHEETS_LANG"


# --- shared options -------------------------------------------------------------------------

WorkspaceArg = Annotated[Path, typer.Argument(help="The cycle workspace folder.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
WorkersOpt = Annotated[int | None, typer.Option(help="Worker processes (default: all cores).")]
ExecutorOpt = Annotated[
    str,
    typer.Option(
        "--executor", help="Where the tasks run: local (this machine's cores) or dask (a cluster)."
    ),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Dask scheduler address, tcp://HOST:PORT (default: $PERFSHEETS_SCHEDULER).",
    ),
]
LangOpt = Annotated[
    str | None, typer.Option("--lang", help="Language of messages: zh or en (default: the plan's).")
]


def parse_lang(value: str | None) -> Lang | None:
    """The language a --lang value names (zh or en, in their usual spellings), or None."""
    if value is None:
        return None
    found = lang_of(value)
    if found is None:
        raise typer.BadParameter(
            tr(
                State.lang,
                f"未知语言 {value!r}：请用 zh 或 en",
                f"unknown language {value!r}: use zh or en",
            ),
            param_hint="--lang",
        )
    return found


def lang_of(value: str) -> Lang | None:
    """zh-CN or en for the usual spellings of either, else None."""
    value = value.strip().lower().replace("_", "-")
    if value in ("zh", "zh-cn", "cn", "chinese", "中文") or value.startswith("zh-"):
        return "zh-CN"
    if value in ("en", "english") or value.startswith("en-"):
        return "en"
    return None


def env_lang() -> Lang | None:
    """The language PERFSHEETS_LANG names (None when unset or not a language)."""
    return lang_of(os.environ.get(LANG_ENV, "") or "-")


def message_lang(workspace: Path, override: str | None = None) -> Lang:
    """Language of a command: --lang, else PERFSHEETS_LANG, else the workspace plan's, else
    Chinese. Also the language of the command's errors from then on."""
    chosen = parse_lang(override) or env_lang() or workspace_lang(workspace) or "zh-CN"
    State.lang = chosen
    return chosen


def workspace_lang(workspace: Path) -> Lang | None:
    """The language of the workspace's plan, read without loading the plan (None if unknown)."""
    # Loaded on use, not at start-up: --help never needs the plan reader.
    from perfsheets.plan.io import plan_language

    for name in ("plan.yaml", "plan.yml", "plan.xlsx"):
        if (workspace / name).is_file():
            return plan_language(workspace / name)
    return None


def tr(lang: Lang, zh: str, en: str) -> str:
    """The text of a message in the command's language."""
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
    if isinstance(obj, Decimal):
        return str(obj)  # money as typed and computed, never a float
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
    table.add_column(overflow="fold")
    for name, value in rows:
        table.add_row(name, str(value))
    out.print(table)


SHOWN_PROBLEMS = 50


def problems_table(
    report: Report,
    lang: Lang,
    limit: int = SHOWN_PROBLEMS,
    all_in: Path | None = None,
    listed_in: Path | None = None,
) -> None:
    """The problems, errors first, with their severity; beyond ``limit`` rows a count and the
    file that lists them all (``all_in``, a CSV written here; ``listed_in``, one the command
    wrote itself)."""
    if not len(report):
        return
    table = Table(title=tr(lang, "问题", "Problems"), title_justify="left", expand=True)
    table.add_column(tr(lang, "位置", "where"), overflow="fold", ratio=3)
    table.add_column(tr(lang, "级别", "severity"), no_wrap=True)
    table.add_column(tr(lang, "说明", "message"), overflow="fold", ratio=6)
    table.add_column(tr(lang, "代码", "code"), overflow="fold", ratio=2)
    ordered = sorted(report, key=lambda p: not p.is_error)  # stable: file order within each
    for problem in ordered[:limit]:
        style = "red" if problem.is_error else "yellow"
        severity = tr(lang, "错误", "error") if problem.is_error else tr(lang, "警告", "warning")
        table.add_row(
            problem.location(), severity, problem.message(lang), problem.code, style=style
        )
    out.print(table)
    if len(report) > limit:
        more = len(report) - limit
        if all_in is not None:
            write_problems_csv(report, lang, all_in)
        if all_in is not None or listed_in is not None:
            where = all_in or listed_in
            out.print(
                tr(
                    lang,
                    f"……另有 {more} 条，全部问题见 {where}",
                    f"... and {more} more; all of them are in {where}",
                )
            )
        else:
            out.print(
                tr(
                    lang,
                    f"……另有 {more} 条（--json 可列出全部）",
                    f"... and {more} more (--json lists all)",
                )
            )


def write_problems_csv(report: Report, lang: Lang, path: Path) -> None:
    """Every problem as CSV (UTF-8 with BOM, so Excel opens it; cells formula-safe)."""
    from perfsheets.files.atomic import atomic_write_text  # lazy: start-up

    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, "\ufeff" + report.to_csv(lang), encoding="utf-8")


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


@contextmanager
def stage_bars(enabled: bool) -> Iterator[Callable[[str], Callable[[int, int], None]]]:
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


def fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    err.print(f"perfsheets: {message}", style="red", soft_wrap=True)  # one line, not wrapped
    return typer.Exit(code)


@contextmanager
def library_errors(lang: Lang | None = None) -> Iterator[None]:
    """Turn library exceptions into one clear line in the command's language (no traceback
    unless --debug)."""
    try:
        yield
    except typer.Exit:
        raise
    except PerfsheetsError as exc:
        if State.debug:
            raise
        language = lang or State.lang
        message = error_text(str(exc), language)
        if exc.report is not None and len(exc.report):
            problems_table(exc.report, language)
            raise fail(message, EXIT_PROBLEMS) from None
        raise fail(message, exc.exit_code if exc.exit_code is not None else EXIT_USAGE) from None
    except OSError as exc:
        if State.debug:
            raise
        where = exc.filename or ""
        reason = exc.strerror or str(exc)
        raise fail(
            tr(
                lang or State.lang,
                f"无法读写 {where}：{reason}",
                f"cannot read or write {where}: {reason}",
            )
        ) from None
    except ValueError as exc:
        if State.debug:
            raise
        raise fail(tr(lang or State.lang, f"无效的值：{exc}", f"invalid value: {exc}")) from None


def scalar_rows(result: Any, lang: Lang | None = None) -> list[tuple[str, str | int]]:
    """The scalar fields of a result (counts, paths, seconds) as label/value rows."""
    language = lang or State.lang
    data = result_data(result)
    if not isinstance(data, dict):
        return [(tr(language, "结果", "result"), data)]
    rows: list[tuple[str, str | int]] = []
    for key, value in data.items():
        name = label(key, language)
        if isinstance(value, bool):
            rows.append((name, yes_no(value, language)))
        elif isinstance(value, float):
            rows.append((name, f"{value:,.2f}"))
        elif isinstance(value, str):
            rows.append((name, value_word(value, language)))
        elif isinstance(value, int) or value is None:
            rows.append((name, "" if value is None else value))
    return rows


def rows_table(title: str, rows: list[dict[str, Any]], limit: int = 60) -> None:
    """A list of dict rows (status, progress ...) as a table, headed in the command's language."""
    if not rows:
        return
    lang = State.lang
    table = Table(title=title, title_justify="left")
    for head in rows[0]:
        name = label(str(head), lang)
        # A heading is never broken mid-word (评价人工 / 号); long cells fold instead.
        table.add_column(name, overflow="fold", min_width=cell_len(name))
    for row in rows[:limit]:
        table.add_row(*(_cell(v, lang) for v in row.values()))
    out.print(table)
    if len(rows) > limit:
        more = len(rows) - limit
        out.print(
            tr(
                lang,
                f"……另有 {more} 行（--json 可列出全部）",
                f"... {more} more rows (use --json for all)",
            )
        )


def _cell(value: Any, lang: Lang) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return yes_no(value, lang)
    if isinstance(value, float):
        return f"{value:.2f}"
    return value_word(value, lang) if isinstance(value, str) else str(value)


def finish(result: Any, title: str, as_json: bool, exit_code: int = EXIT_OK) -> None:
    """Print a result (table or JSON) and leave with the given exit code."""
    if as_json:
        print_json(result)
    else:
        summary_table(title, scalar_rows(result, State.lang))
    if exit_code:
        raise typer.Exit(exit_code)


def print_row_lists(result: Any, language: Lang) -> None:
    """Print every list-of-rows field of a result as its own table."""
    data = jsonable(result)
    for key, value in data.items() if isinstance(data, dict) else []:
        if isinstance(value, list) and value and isinstance(value[0], dict):
            rows_table(label(key, language), value)


@contextmanager
def chosen_executor(name: str, scheduler: str | None) -> Iterator[Any]:
    """The executor of --executor/--scheduler: None for local (each stage's own pool)."""
    if (name or "local").lower() == "local":
        yield None
        return
    from perfsheets.files.executor import close_executor, executor_from  # lazy: start-up

    executor = executor_from(name, scheduler)
    try:
        yield executor
    finally:
        close_executor(executor)


def date_option(text: str | None, lang: Lang, option: str = "--today") -> dt.date | None:
    """A date option's value (YYYY-MM-DD; None when not given); a usage error otherwise."""
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise fail(
            tr(
                lang,
                f"{option} {text}：应为日期 YYYY-MM-DD",
                f"{option} {text}: not a date (YYYY-MM-DD)",
            )
        ) from None
