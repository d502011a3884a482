"""The cycle after a cycle (``perfsheets init NEXT --from WS``): the next period of the same kind,
its dates, and its id and names advanced the way HR wrote them (pure functions, no I/O).

The new cycle starts the day after the old one ends (or on a given day) and lasts one period of
its kind (a month, a quarter, half a year, a year). The forms' due date, the interview
confirmation deadline and the key tasks' deadlines keep their distance to the cycle's end: they
move by as many days as the end moved.

Ids and names are advanced token by token: the year (``2026``) and the period's place in it
(``Q4``, ``第四季度``, ``第4季度``, ``下半年``, ``H2``, ``3月``, ``2026-03``, ``March``, ``fourth
quarter`` …) in the style they were written. A text where that is not possible (no year in an
annual cycle's name, no quarter in a quarterly one's, a place that is not the cycle's) is not
guessed: the id becomes the canonical ``2027Q1`` / ``2027H1`` / ``2027-01`` / ``2027``, a name
becomes a placeholder starting with :data:`~perfsheets.plan.problems.NAME_PLACEHOLDER_ZH` (or
``_EN``), which ``perfsheets check`` reports until HR edits it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from perfsheets.core.model import Cycle
from perfsheets.core.periods import MONTHS, period_slot, slot_label
from perfsheets.plan.problems import NAME_PLACEHOLDER_EN, NAME_PLACEHOLDER_ZH


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` so many months later (the 31st becomes the month's last day where it has none)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def period_end(period: str, start: dt.date) -> dt.date:
    """The last day of the period of this kind starting on ``start``."""
    return add_months(start, MONTHS[period]) - dt.timedelta(days=1)


@dataclass(frozen=True)
class NextCycle:
    """The next cycle and how it was derived."""

    cycle: Cycle
    shift_days: int  # how far the end (and with it due dates and deadlines) moved
    id_derived: bool  # False: the canonical id (the old one could not be advanced)
    name_derived: bool  # False: a placeholder HR must edit
    name_en_derived: bool  # False: a placeholder HR must edit (True when there is none)


def next_cycle(cycle: Cycle, start: dt.date | None = None) -> NextCycle:
    """The cycle after ``cycle``: the same kind of period from ``start`` (default: the day after
    its end), every other setting kept."""
    begin = start or cycle.end + dt.timedelta(days=1)
    end = period_end(cycle.period, begin)
    shift = end - cycle.end
    old = _Slot(cycle.period, cycle.start.year, period_slot(cycle.period, cycle.start))
    new = _Slot(cycle.period, begin.year, period_slot(cycle.period, begin))
    new_id = advance_text(cycle.id, old, new)
    name = advance_text(cycle.name, old, new)
    name_en = advance_text(cycle.name_en, old, new) if cycle.name_en is not None else None
    deadline = cycle.confirmation_deadline
    advanced = cycle.model_copy(
        update={
            "id": new_id or new.canonical_id(),
            "name": name
            or NAME_PLACEHOLDER_ZH + slot_label(new.period, new.year, new.slot, "zh-CN"),
            "name_en": (
                None
                if cycle.name_en is None
                else name_en
                or NAME_PLACEHOLDER_EN + slot_label(new.period, new.year, new.slot, "en")
            ),
            "start": begin,
            "end": end,
            "due": cycle.due + shift,
            "confirmation_deadline": None if deadline is None else deadline + shift,
        }
    )
    return NextCycle(
        cycle=advanced,
        shift_days=shift.days,
        id_derived=new_id is not None,
        name_derived=name is not None,
        name_en_derived=cycle.name_en is None or name_en is not None,
    )


# --- advancing a text --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Slot:
    period: str
    year: int
    slot: int  # 1-based place in the year: month 3, quarter 4, half 2 (1 for a year)

    def canonical_id(self) -> str:
        if self.period == "quarter":
            return f"{self.year}Q{self.slot}"
        if self.period == "half-year":
            return f"{self.year}H{self.slot}"
        if self.period == "month":
            return f"{self.year}-{self.slot:02d}"
        return str(self.year)


_ZH_NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二")
_ORDINALS = ("first", "second", "third", "fourth")
_MONTHS_EN = tuple(calendar.month_name)[1:]
_MONTHS_ABBR = tuple(calendar.month_abbr)[1:]


def _same_case(word: str, like: str) -> str:
    if like.isupper():
        return word.upper()
    return word.capitalize() if like[:1].isupper() else word


@dataclass(frozen=True)
class _Token:
    """One way of writing a cycle's place in its year: the pattern (group ``n`` holds the
    place), how to read the place, how to write a new one in the same style."""

    pattern: re.Pattern[str]
    read: Callable[[str], int]
    write: Callable[[int, str], str]


def _digits(n: int, like: str) -> str:
    return f"{n:0{len(like)}d}" if like.startswith("0") else str(n)


def _tokens(period: str) -> tuple[_Token, ...]:
    zh = "|".join(sorted(_ZH_NUMERALS, key=len, reverse=True))
    if period == "quarter":
        return (
            _Token(
                re.compile(r"(?P<n>[一二三四])(?=季度)"),
                lambda t: _ZH_NUMERALS.index(t) + 1,
                lambda n, _: _ZH_NUMERALS[n - 1],
            ),
            _Token(re.compile(r"(?P<n>[1-4])(?=\s*季度)"), int, lambda n, _: str(n)),
            _Token(
                re.compile(r"(?<![A-Za-z])(?P<n>[Qq][1-4])(?!\d)"),
                lambda t: int(t[1]),
                lambda n, t: f"{t[0]}{n}",
            ),
            _Token(
                re.compile(r"(?i)\b(?P<n>first|second|third|fourth)(?=\s+quarter\b)"),
                lambda t: _ORDINALS.index(t.lower()) + 1,
                lambda n, t: _same_case(_ORDINALS[n - 1], t),
            ),
        )
    if period == "half-year":
        return (
            _Token(
                re.compile(r"(?P<n>[上下])(?=半年)"),
                lambda t: "上下".index(t) + 1,
                lambda n, _: "上下"[n - 1],
            ),
            _Token(
                re.compile(r"(?<![A-Za-z])(?P<n>[Hh][12])(?!\d)"),
                lambda t: int(t[1]),
                lambda n, t: f"{t[0]}{n}",
            ),
            _Token(
                re.compile(r"(?i)\b(?P<n>first|second)(?=\s+half\b)"),
                lambda t: _ORDINALS.index(t.lower()) + 1,
                lambda n, t: _same_case(_ORDINALS[n - 1], t),
            ),
        )
    if period == "month":
        return (
            _Token(
                re.compile(rf"(?<![\d一二三四五六七八九十])(?P<n>{zh})(?=月)"),
                lambda t: _ZH_NUMERALS.index(t) + 1,
                lambda n, _: _ZH_NUMERALS[n - 1],
            ),
            _Token(
                re.compile(r"(?<!\d)(?P<n>0?[1-9]|1[0-2])(?=\s*月)"),
                int,
                lambda n, t: _digits(n, t),
            ),
            _Token(
                re.compile(r"(?<=\d{4})[-_./]?M?(?P<n>0[1-9]|1[0-2])(?!\d)"),
                int,
                lambda n, t: f"{n:02d}",
            ),
            _Token(
                re.compile(rf"(?i)\b(?P<n>{'|'.join(_MONTHS_EN)})\b"),
                lambda t: [m.lower() for m in _MONTHS_EN].index(t.lower()) + 1,
                lambda n, t: _same_case(_MONTHS_EN[n - 1].lower(), t),
            ),
            _Token(
                re.compile(rf"(?i)\b(?P<n>{'|'.join(_MONTHS_ABBR)})\b"),
                lambda t: [m.lower() for m in _MONTHS_ABBR].index(t.lower()) + 1,
                lambda n, t: _same_case(_MONTHS_ABBR[n - 1].lower(), t),
            ),
        )
    return ()


_YEAR = re.compile(r"(?<!\d)(?P<y>\d{4})")


def advance_text(text: str, old: _Slot, new: _Slot) -> str | None:
    """``text`` (an id or a name) with the old cycle's year and place replaced by the new one's,
    in the same style; None when that cannot be done without guessing."""
    years = [m for m in _YEAR.finditer(text) if int(m["y"]) == old.year]
    if any(int(m["y"]) == old.year + 1 for m in _YEAR.finditer(text)):
        return None  # "2026–2027": which year is the cycle's?
    if old.period == "year":
        out: str | None = text if years else None
    else:
        out = _advance_place(text, old, new)
        if not years and old.year != new.year:
            out = None
    if out is None:
        return None
    return _YEAR.sub(lambda m: str(new.year) if int(m["y"]) == old.year else m["y"], out)


def _advance_place(text: str, old: _Slot, new: _Slot) -> str | None:
    """``text`` with the cycle's place in its year (the first way of writing it found, once
    and naming the old cycle's place) advanced; None otherwise."""
    for token in _tokens(old.period):
        found = list(token.pattern.finditer(text))
        if not found:
            continue
        if len(found) > 1 or token.read(found[0]["n"]) != old.slot:
            return None
        start, end = found[0].span("n")
        return text[:start] + token.write(new.slot, found[0]["n"]) + text[end:]
    return None
