"""Command line: parses arguments, shows progress, prints. The library does the work.

Every command calls one public function of the library and prints its typed result, either as
a short summary table or, with ``--json``, as JSON for scripts. Library errors
(:class:`~perfsheets.core.problems.PerfsheetsError`) become one clear line and exit code 2; a run that
finds problems (invalid plan, rejected returns) exits 1. ``--debug`` shows tracebacks.
"""

from __future__ import annotations

# Importing the command modules registers their commands on ``app``.
from perfsheets.cli import calibration, changes, cycle, demo, interview, mail, pay  # noqa: F401
from perfsheets.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    app()
