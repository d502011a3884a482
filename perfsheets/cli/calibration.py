"""Commands of the calibration meeting and the release: calibrate (--apply), release.

The stage is imported when a command runs (``# lazy: start-up``), like the other commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

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
    problems_table,
    tr,
)

if TYPE_CHECKING:
    from perfsheets.core.model import Lang

ReopenOpt = Annotated[
    bool, typer.Option("--reopen", help="Change results of a released cycle (needs --reason).")
]
ReasonOpt = Annotated[
    str | None, typer.Option("--reason", help="Why a released cycle is reopened (audited).")
]


def _reopen_reason(reopen: bool, reason: str | None, lang: Lang) -> str | None:
    if not reopen:
        return None
    if not reason or not reason.strip():
        raise fail(tr(lang, '--reopen 需要 --reason "原因"', '--reopen needs --reason "why"'))
    return reason


@app.command()
def calibrate(
    workspace: WorkspaceArg,
    apply: Annotated[
        Path | None,
        typer.Option("--apply", help="Apply the committee's decisions from this filled workbook."),
    ] = None,
    reopen: ReopenOpt = False,
    reason: ReasonOpt = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Calibration meeting: write calibration/calibration.xlsx, or apply a filled one."""
    from perfsheets.calibration.run import apply_file, calibrate  # lazy: start-up

    language = message_lang(workspace, lang)
    why = _reopen_reason(reopen, reason, language)
    with library_errors():
        if apply is None:
            book = calibrate(workspace, lang=language, reopen_reason=why)
            finish(book, tr(language, "校准表", "Calibration workbook"), as_json)
            return
        if not apply.is_file():
            raise fail(tr(language, f"{apply}：文件不存在", f"{apply}: no such file"))
        result = apply_file(workspace, apply, lang=language, reopen_reason=why)
        if result.applied:
            from perfsheets.consolidation.final import write_final_books  # lazy: start-up

            write_final_books(workspace, lang=language)  # final grades in the run's files
    if not as_json:
        problems_table(result.report, language)
    finish(
        result,
        tr(language, "校准决定", "Calibration decisions"),
        as_json,
        0 if result.valid else EXIT_PROBLEMS,
    )


@app.command()
def release(
    workspace: WorkspaceArg,
    reopen: ReopenOpt = False,
    reason: ReasonOpt = None,
    lang: LangOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Release (freeze) the cycle's results; --reopen --reason "…" reopens it (audited)."""
    from perfsheets.calibration.run import release_cycle  # lazy: start-up

    language = message_lang(workspace, lang)
    why = _reopen_reason(reopen, reason, language)
    with library_errors():
        state = release_cycle(workspace, reopen_reason=why, lang=language)
    finish(state, tr(language, "发布", "Release"), as_json)


def cycle_stage_of(workspace: Path) -> str:
    """The stage the cycle is in: setup, forms_out, collecting, consolidated, calibrating or
    released."""
    from perfsheets.ledger.calibration import cycle_stage  # lazy: start-up
    from perfsheets.ledger.workspace import Workspace  # lazy: start-up

    with Workspace(workspace).ledger() as conn:
        return cycle_stage(conn)


def stage_rows(workspace: Path, lang: Lang) -> list[tuple[str, str]]:
    """The row ``status`` shows: the stage the cycle is in."""
    from perfsheets.ledger.calibration import STAGE_WORDS  # lazy: start-up

    zh, en = STAGE_WORDS[cycle_stage_of(workspace)]
    return [(tr(lang, "阶段", "Stage"), en if lang == "en" else zh)]
