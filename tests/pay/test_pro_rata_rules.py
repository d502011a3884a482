"""The two pro-rata rules, worked by hand: ``eligibility.partial_period`` decides whether a
joiner's bonus is pro-rated, ``pay.pro_rata`` how (months or days); ``check`` warns when they
contradict.

A joiner on 15 Aug 2026 in the year cycle 1 Jan – 31 Dec 2026, base 12,000, 1 bonus month,
coefficient 1.0:
- months: 15 Aug + 4 months = 15 Dec ≤ 1 Jan 2027 < 15 Jan 2027, so 4 whole months of 12:
  12,000 × 4/12 = 4,000.00;
- days: 15–31 Aug 17 + Sep 30 + Oct 31 + Nov 30 + Dec 31 = 139 days of 365:
  12,000 × 139/365 = 4,569.8630… → 4,569.86;
- partial_period full (whatever the way), or no way: 12,000.00.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from plan_support import make_small_plan

from perfsheets.core.model import Plan
from perfsheets.pay.compute import Person, pay_line, period_length, pro_rata_share
from perfsheets.plan.validate import validate_plan

JOINER = "E006"


def year_plan(partial_period: str, pro_rata: str) -> Plan:
    data = make_small_plan().model_dump()
    data["cycle"].update(
        id="2026",
        name="2026年度",
        period="year",
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 12, 31),
    )
    data["eligibility"]["partial_period"] = partial_period
    data["pay"].update(pro_rata=pro_rata, bonus_months=1.0)
    for e in data["roster"]["employees"]:
        if e["id"] == JOINER:
            e["hire_date"] = dt.date(2026, 8, 15)
    return Plan.model_validate(data)


def joiner_bonus(plan: Plan) -> Decimal:
    joiner = plan.employee_map()[JOINER]
    share = pro_rata_share(plan, joiner, None, period_length(plan))
    person = Person(JOINER, joiner.name, joiner.department, joiner.role, "B", 1.0)
    return pay_line(person, Decimal(12000), share, plan).bonus


def pro_rata_warnings(plan: Plan) -> list[tuple[str, str]]:
    problems = validate_plan(plan).problems
    return [(p.code, p.message("en")) for p in problems if p.code.startswith("pro-rata")]


@pytest.mark.parametrize(
    ("partial_period", "pro_rata", "bonus", "warning"),
    [
        ("pro_rata", "months", "4000.00", None),
        ("pro_rata", "days", "4569.86", None),
        ("pro_rata", "none", "12000.00", "pro-rata-no-way"),
        ("full", "months", "12000.00", "pro-rata-ignored"),
        ("full", "days", "12000.00", "pro-rata-ignored"),
        ("full", "none", "12000.00", None),
    ],
)
def test_a_joiners_bonus_under_each_combination(partial_period, pro_rata, bonus, warning):
    plan = year_plan(partial_period, pro_rata)
    assert joiner_bonus(plan) == Decimal(bonus)
    assert [code for code, _ in pro_rata_warnings(plan)] == ([warning] if warning else [])


def test_the_warnings_say_who_and_what_to_set():
    ((_, no_way),) = pro_rata_warnings(year_plan("pro_rata", "none"))
    assert f"1 employee(s) employed for part of the period ({JOINER})" in no_way
    ((_, ignored),) = pro_rata_warnings(year_plan("full", "days"))
    assert "pay.pro_rata is days" in ignored and "set pay.pro_rata to none" in ignored


def test_without_anyone_employed_part_of_the_period_no_way_is_no_contradiction():
    data = year_plan("pro_rata", "none").model_dump()
    for e in data["roster"]["employees"]:
        e["hire_date"] = e["leave_date"] = None
    assert pro_rata_warnings(Plan.model_validate(data)) == []
