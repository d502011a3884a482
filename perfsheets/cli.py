"""Command line: parses arguments, shows progress, prints. The library does the work."""

from __future__ import annotations

import typer

from . import __version__

app = typer.Typer(help="perfsheets: run a performance appraisal cycle through spreadsheets.")


@app.callback(invoke_without_command=True)
def _root(
    version: bool = typer.Option(False, "--version", help="Show the version and exit."),
) -> None:
    if version:
        typer.echo(__version__)


def main() -> None:
    app()
