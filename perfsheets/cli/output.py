"""The command line's shared parts: consoles, options, printing results and problems, errors."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from perfsheets.core.model import Lang
from perfsheets.core.problems import PerfsheetsError, Problem, Report

# No console markup: names, cells and file names are people's text, and "[/b]" or "[link=…]" in
# them must print as typed (markup in user text crashed check/status/collect before). Styles are
# given as style=, never as markup.
out = Console(highlight=False, markup=False)
err = Console(stderr=True, highlight=False, markup=False)

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


class State:
    """Options of the whole command line (set by the root callback)."""

    debug = False


# --- shared options -------------------------------------------------------------------------

WorkspaceArg = Annotated[Path, typer.Argument(help="The cycle workspace folder.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
WorkersOpt = Annotated[int | None, typer.Option(help="Worker processes (default: all cores).")]
LangOpt = Annotated[
    str | None, typer.Option("--lang", help="Language of messages: zh or en (default: the plan's).")
]


def parse_lang(value: str | None) -> Lang | None:
    """The language a --lang value names (zh or en, in their usual spellings), or None."""
    if value is None:
        return None
    if value.lower() in ("zh", "zh-cn", "cn"):
        return "zh-CN"
    if value.lower() in ("en", "en-us", "en-gb"):
        return "en"
    raise typer.BadParameter(f"unknown language {value!r}: use zh or en", param_hint="--lang")


def message_lang(workspace: Path, override: str | None = None) -> Lang:
    """Language for messages: --lang, else the plan's, else Chinese."""
    chosen = parse_lang(override)
    if chosen:
        return chosen
    try:
        # Loaded on use, not at start-up: the plan reader brings in YAML, which --help never needs.
        from perfsheets.ledger.workspace import Workspace
        from perfsheets.plan.io import load_plan

        return load_plan(Workspace(workspace).plan_path()).cycle.language
    except Exception:  # an unreadable plan is reported by the command itself
        return "zh-CN"


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
    table = Table(title=tr(lang, "问题", "Problems"), title_justify="left", expand=True)
    table.add_column(tr(lang, "位置", "where"), overflow="fold", ratio=2)
    table.add_column(tr(lang, "代码", "code"), overflow="fold", ratio=1)
    table.add_column(tr(lang, "说明", "message"), overflow="fold", ratio=4)
    for problem in list(report)[:limit]:
        style = "red" if problem.is_error else "yellow"
        table.add_row(problem.location(), problem.code, problem.message(lang), style=style)
    out.print(table)
    if len(report) > limit:
        more = len(report) - limit
        out.print(
            tr(
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
    err.print(f"perfsheets: {message}", style="red")
    return typer.Exit(code)


@contextmanager
def library_errors() -> Iterator[None]:
    """Turn library exceptions into one clear line (no traceback unless --debug)."""
    try:
        yield
    except typer.Exit:
        raise
    except PerfsheetsError as exc:
        if State.debug:
            raise
        if exc.report is not None and len(exc.report):
            problems_table(exc.report, "zh-CN")
            raise fail(str(exc), EXIT_PROBLEMS) from None
        if exc.exit_code is not None:
            raise fail(str(exc), exc.exit_code) from None
        raise fail(str(exc)) from None
    except (OSError, ValueError) as exc:
        if State.debug:
            raise
        raise fail(f"{type(exc).__name__}: {exc}") from None


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


def print_row_lists(result: Any, language: Lang) -> None:
    """Print every list-of-rows field of a result as its own table."""
    data = jsonable(result)
    for key, value in data.items() if isinstance(data, dict) else []:
        if isinstance(value, list) and value and isinstance(value[0], dict):
            rows_table(key.replace("_", " "), value)
