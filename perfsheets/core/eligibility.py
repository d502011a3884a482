"""Who is assessed this cycle, and what share of the period a person was employed.

One place for the rule every stage follows: forms are written about the people assessed, only
they are consolidated, scored for progress and paid. A person who has left rates nobody; one who
is not assessed (in probation at the period's end, on leave, joined too late, leaving too early
by the plan's ``eligibility.min_months``) may still rate others (a new manager rates the team).
"""

from __future__ import annotations

import calendar
import datetime as dt
from fractions import Fraction
from typing import Literal

from perfsheets.core.model import Cycle, Eligibility, Employee, Lang, Plan

Reason = Literal["left", "on_leave", "probation", "too_short"]

REASON_TEXT: dict[str, tuple[str, str]] = {
    "left": ("已离职", "Has left"),
    "on_leave": ("休假中（方案不考核）", "On leave (the plan does not assess)"),
    "probation": ("期末仍在试用期", "Still in probation at the period's end"),
    "too_short": ("本期在职不足 {months} 个月", "Employed less than {months} months of the period"),
}


def reason_text(reason: str, rule: Eligibility, lang: Lang) -> str:
    zh, en = REASON_TEXT[reason]
    return (en if lang == "en" else zh).format(months=rule.min_months)


def employed_span(e: Employee, cycle: Cycle) -> tuple[dt.date, dt.date] | None:
    """First and last day employed within the cycle, None when not at all."""
    first = max(cycle.start, e.hire_date or cycle.start)
    last = min(cycle.end, e.leave_date - dt.timedelta(days=1) if e.leave_date else cycle.end)
    return (first, last) if first <= last else None


def period_share(e: Employee, cycle: Cycle) -> Fraction:
    """Days employed within the cycle over its days (1 for the whole period)."""
    span = employed_span(e, cycle)
    if span is None:
        return Fraction(0)
    total = (cycle.end - cycle.start).days + 1
    return Fraction((span[1] - span[0]).days + 1, total)


def months_employed(e: Employee, cycle: Cycle) -> int:
    """Whole months employed within the cycle: the largest n with n months from the first day
    employed reaching no further than the day after the last (hired 15 Nov in a quarter ending 31
    Dec: 1; the whole of a quarter: 3; not employed in it: 0)."""
    span = employed_span(e, cycle)
    if span is None:
        return 0
    after = span[1] + dt.timedelta(days=1)
    n = 0
    while add_months(span[0], n + 1) <= after:
        n += 1
    return n


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the month's last day where it has fewer days)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def why_not_assessed(e: Employee, cycle: Cycle, rule: Eligibility) -> Reason | None:
    """The reason a person is not assessed this cycle, None when assessed."""
    span = employed_span(e, cycle)
    if not e.is_active or span is None:
        return "left"
    if e.on_leave and rule.on_leave == "exclude":
        return "on_leave"
    if rule.probation == "exclude" and e.probation_end and e.probation_end > cycle.end:
        return "probation"
    if rule.min_months and add_months(span[0], rule.min_months) > span[1] + dt.timedelta(days=1):
        return "too_short"
    return None


def not_assessed(plan: Plan) -> dict[str, Reason]:
    """Employee id -> why they are not assessed, for everyone in the roster who is not."""
    out: dict[str, Reason] = {}
    for e in plan.roster.employees:
        reason = why_not_assessed(e, plan.cycle, plan.eligibility)
        if reason is not None:
            out[e.id] = reason
    return out


def assessed(plan: Plan) -> list[Employee]:
    """The people assessed this cycle, in roster order."""
    return [
        e
        for e in plan.roster.employees
        if why_not_assessed(e, plan.cycle, plan.eligibility) is None
    ]


# How a partial period is paid. ``eligibility.partial_period`` decides *whether* the bonus of
# someone employed for part of the period is pro-rated (``full``: never); ``pay.pro_rata``
# decides *how* (``months`` or ``days``). ``none`` under ``pro_rata`` says no way, so they are
# paid in full — a contradiction ``check`` warns of, as of a way set under ``full``.
ProRataConflict = Literal["way_ignored", "no_way"]


def pro_rata_conflict(plan: Plan) -> tuple[ProRataConflict, list[str]] | None:
    """Whether the plan's two pro-rata rules contradict: ``way_ignored`` (a way set, but
    partial periods are paid in full), ``no_way`` (partial periods are to be pro-rated, no way
    set, and these assessed employees work part of the period); None when they agree."""
    whether, way = plan.eligibility.partial_period, plan.pay.pro_rata
    if whether == "full":
        return ("way_ignored", []) if way != "none" else None
    if way != "none":
        return None
    partial = [e.id for e in assessed(plan) if period_share(e, plan.cycle) < 1]
    return ("no_way", partial) if partial else None
