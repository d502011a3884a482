"""Neutralising untrusted text for spreadsheets and CSV (pure functions, no I/O)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

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


# What a file name must not hold on Windows, macOS or Linux, plus control characters.
_FILE_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def file_part(text: str, max_bytes: int = 180) -> str:
    """Text usable as part of a file name: no path or reserved characters, no control or
    invisible format characters (a right-to-left override would make "E0013_\u202egpj.exe.pdf"
    read as another file type), and at most ``max_bytes`` bytes of UTF-8 (a file name holds 255
    bytes; a Chinese character takes 3), cut on a character boundary."""
    visible = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cf", "Co", "Cs"))
    cleaned = _FILE_UNSAFE.sub("_", visible).strip(" .")
    raw = cleaned.encode("utf-8")[:max_bytes]
    return raw.decode("utf-8", errors="ignore").rstrip(" .") or "_"


def id_file_parts(ids: Iterable[str], max_bytes: int = 120) -> dict[str, str]:
    """id -> the file-name part that stands for it, one per person: ids whose parts would
    collide (``Q/1`` and ``Q:1`` both become ``Q_1``; ``e1`` and ``E1`` on a file system that
    ignores case) get a short digest of the id, so no person's file overwrites another's."""
    parts = {i: file_part(i, max_bytes) for i in dict.fromkeys(ids)}
    seen = Counter(p.casefold() for p in parts.values())
    return {
        i: p if seen[p.casefold()] == 1 else f"{p}~{hashlib.sha1(i.encode()).hexdigest()[:6]}"
        for i, p in parts.items()
    }
