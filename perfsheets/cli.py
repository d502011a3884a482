"""Command line: parses arguments, shows progress, prints. The library does the work.

Every command calls one public function of the library and prints its typed result, either as
a short summary table or, with ``--json``, as JSON for scripts. Library errors
(:class:`~perfsheets.problems.PerfsheetsError`) become one clear line and exit code 2; a run that
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
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import __version__
from .model import Lang
from .problems import PerfsheetsError, Report

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
        from .plan_io import load_plan
        from .workspace import Workspace

        return load_plan(Workspace(workspace).plan_path()).cycle.language
    except Exception:  # an unreadable plan is reported by the command itself
        return "zh-CN"


def _t(lang: Lang, zh: str, en: str) -> str:
    return en if lang == "en" else zh


# --- output helpers -------------------------------------------------------------------------


def jsonable(obj: Any) -> Any:
    """Results as plain JSON data: dataclasses, pydantic models, paths, dates."""
    if hasattr(obj, "model_dump"):
        return jsonable(obj.model_dump())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Report):
        return [p.as_row() for p in obj]
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [jsonable(v) for v in obj]
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, dt.date | dt.datetime):
        return obj.isoformat()
    return obj


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(jsonable(data), ensure_ascii=False, indent=2) + "\n")


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
    table = Table(title=_t(lang, "问题", "Problems"), title_justify="left")
    for head in ("file", "sheet", "cell", "severity", "code", "message"):
        table.add_column(head, overflow="fold")
    for problem in list(report)[:limit]:
        row = problem.as_row(lang)
        style = "red" if problem.is_error else "yellow"
        table.add_row(*(row[k] for k in row), style=style)
    out.print(table)
    if len(report) > limit:
        out.print(
            _t(lang, f"……另有 {len(report) - limit} 条", f"... and {len(report) - limit} more")
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
        raise _fail(str(exc)) from None
    except (OSError, ValueError) as exc:
        if _State.debug:
            raise
        raise _fail(f"{type(exc).__name__}: {exc}") from None


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


def main() -> None:
    app()
