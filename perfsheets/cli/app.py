"""The typer application every command registers on."""

from __future__ import annotations

import typer

from perfsheets.cli.help import LocalisedGroup

app = typer.Typer(
    cls=LocalisedGroup,
    help="perfsheets: run a performance appraisal cycle (绩效考核) through spreadsheets.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
