"""The kinds of appraisal period (month, quarter, half-year, year): their order, how many a
calendar year holds, and their names in both languages. One table for every stage."""

from __future__ import annotations

import datetime as dt
from typing import get_args

from perfsheets.core.i18n import tr
from perfsheets.core.model import Lang, Period

PERIODS: tuple[Period, ...] = get_args(Period)  # shortest first: month ... year

# How many cycles of each kind a calendar year holds: a roll-up rule naming months expects 12.
PER_YEAR: dict[str, int] = {"month": 12, "quarter": 4, "half-year": 2, "year": 1}
MONTHS: dict[str, int] = {p: 12 // n for p, n in PER_YEAR.items()}

_NAMES: dict[str, tuple[str, str]] = {
    "month": ("月度", "Monthly"),
    "quarter": ("季度", "Quarterly"),
    "half-year": ("半年度", "Half-yearly"),
    "year": ("年度", "Annual"),
}


def period_order(period: str | None) -> int:
    """Sort key: month before quarter before half-year before year; unknown kinds last."""
    return PERIODS.index(period) if period in PERIODS else len(PERIODS)


def period_name(period: str, lang: Lang, *, in_sentence: bool = False) -> str:
    """月度 / Monthly ... as a column heading starts; lower case inside an English sentence."""
    zh, en = _NAMES.get(period, (period, period))
    return tr(lang, zh, en.lower() if in_sentence else en)


def period_slot(period: str, start: dt.date) -> int:
    """1-based position of a cycle within its year (by the month it starts in): March is month
    3, July is quarter 3."""
    return (start.month - 1) // MONTHS[period] + 1


def slot_label(period: str, year: int, slot: int, lang: Lang) -> str:
    """'2026年3月' / '2026-03', '2026年第3季度' / '2026 Q3', '2026年上半年' / '2026 H1'."""
    if period == "month":
        return tr(lang, f"{year}年{slot}月", f"{year}-{slot:02d}")
    if period == "quarter":
        return tr(lang, f"{year}年第{slot}季度", f"{year} Q{slot}")
    if period == "half-year":
        return tr(lang, f"{year}年{'上下'[slot - 1]}半年", f"{year} H{slot}")
    return tr(lang, f"{year}年度", f"{year} (year)")
