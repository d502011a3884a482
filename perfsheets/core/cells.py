"""Neutralising untrusted text for spreadsheets and CSV (pure functions, no I/O)."""

from __future__ import annotations

import re

# OWASP CSV injection: a cell starting with one of these may be run as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters a worksheet cannot hold (openpyxl raises IllegalCharacterError on them).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")


def csv_safe(value: object) -> object:
    """Prefix text that a spreadsheet would read as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def sheet_text(value: str, limit: int = 32767) -> str:
    """Text a spreadsheet cell can hold: no control characters, within Excel's length limit."""
    if _CONTROL.search(value):
        value = _CONTROL.sub("", value)
    return value[:limit]
