"""``python -m perfsheets``: the same command line as ``perfsheets``."""

from perfsheets.cli import main

main()
