"""Who is assessed this cycle and the share of the period employed (hand-worked dates)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from perfsheets.core.eligibility import (
    add_months,
    assessed,
    not_assessed,
    period_share,
    reason_text,
    why_not_assessed,
)
from perfsheets.core.model import Cycle, Eligibility, Employee
from perfsheets.core.raters import build_assignments

Q4 = Cycle(
    id="Q4",
    name="Q4",
    period="quarter",
    start=dt.date(2026, 10, 1),
    end=dt.date(2026, 12, 31),
    due=dt.date(2027, 1, 10),
)  # 92 days


def person(**kw) -> Employee:
    return Employee(**{"id": "E9", "name": "新人", "department": "销售部", "role": "sales", **kw})


def test_share_of_the_period_for_a_joiner_and_a_leaver():
    assert period_share(person(), Q4) == 1
    # Joined 16 November: 16 Nov .. 31 Dec = 46 of 92 days = 1/2.
    assert period_share(person(hire_date=dt.date(2026, 11, 16)), Q4) == Fraction(1, 2)
    # Leaves on 1 November (last day 31 October): 31 of 92 days.
    assert period_share(person(leave_date=dt.date(2026, 11, 1)), Q4) == Fraction(31, 92)
    assert period_share(person(hire_date=dt.date(2027, 1, 5)), Q4) == 0


@pytest.mark.parametrize(
    ("employee", "rule", "reason"),
    [
        (person(), Eligibility(), None),
        (person(is_active=False), Eligibility(), "left"),
        (person(leave_date=dt.date(2026, 9, 30)), Eligibility(), "left"),
        (person(on_leave=True), Eligibility(), "on_leave"),
        (person(on_leave=True), Eligibility(on_leave="include"), None),
        (person(probation_end=dt.date(2027, 1, 15)), Eligibility(), "probation"),
        (person(probation_end=dt.date(2026, 12, 31)), Eligibility(), None),  # ends in time
        (person(probation_end=dt.date(2027, 1, 15)), Eligibility(probation="include"), None),
        # At least 2 months: joined 1 November has exactly 2 (Nov, Dec); 2 November does not.
        (person(hire_date=dt.date(2026, 11, 1)), Eligibility(min_months=2), None),
        (person(hire_date=dt.date(2026, 11, 2)), Eligibility(min_months=2), "too_short"),
        (person(leave_date=dt.date(2026, 12, 1)), Eligibility(min_months=3), "too_short"),
    ],
)
def test_why_not_assessed(employee, rule, reason):
    assert why_not_assessed(employee, Q4, rule) == reason


def test_add_months_keeps_the_day_or_the_months_end():
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2026, 11, 15), 3) == dt.date(2027, 2, 15)


def test_reason_texts_in_both_languages():
    rule = Eligibility(min_months=3)
    assert reason_text("too_short", rule, "zh-CN") == "本期在职不足 3 个月"
    assert reason_text("probation", rule, "en") == "Still in probation at the period's end"


def test_nobody_rates_a_person_not_assessed_but_they_rate_their_manager(small_plan):
    people = list(small_plan.roster.employees)
    people[1] = people[1].model_copy(update={"probation_end": dt.date(2027, 3, 1)})  # E002
    plan = small_plan.model_copy(
        update={"roster": small_plan.roster.model_copy(update={"employees": people})}
    )
    assert not_assessed(plan) == {"E002": "probation"}
    assert "E002" not in {e.id for e in assessed(plan)}
    pairs = {(a.rater, a.ratee, a.type) for a in build_assignments(plan)}
    assert not [p for p in pairs if p[1] == "E002"]  # no self, manager or peer form about E002
    assert ("E002", "E001", "subordinate") in pairs  # E002 still rates the manager
    assert any(p[0] == "E002" and p[2] == "peer" for p in pairs)  # and colleagues as a peer
