"""Neutralising untrusted text for spreadsheets, CSV and atomic file writes."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

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


def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` and move tmp over ``path`` only when it succeeded.

    Readers never see a half-written results file, and a crash leaves the old one intact.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def atomic_write_text(path: Path, text: str, encoding: str = "utf-8-sig") -> Path:
    """Write text atomically; UTF-8 with BOM by default so Excel opens CSV files correctly."""
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding=encoding, newline=""))
