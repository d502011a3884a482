"""Pacing a KPI part-way through a period, by the kind of quantity it measures (hand-worked)."""

from __future__ import annotations

import pytest

from perfsheets.core.model import Kpi
from perfsheets.core.pacing import default_pace, pace_kpi, pace_status
from perfsheets.core.rules import (
    Band,
    BandsRule,
    ChangeBandsRule,
    DeductionRule,
    LinearRule,
    PassFailRule,
)
from perfsheets.plan.example import example_plan


def kpi(**kw) -> Kpi:
    return Kpi(**{"code": "K", "name": "指标", "weight": 10, **kw})


SALES = kpi(unit="万元", target=500, rule=LinearRule(cap=1.2))
ON_TIME = kpi(unit="%", target=95)
HEADCOUNT = kpi(unit="人", target=50, pace="point")
INCIDENTS = kpi(unit="次", target=10, direction="lower")
BUDGET = kpi(
    unit="万元",
    baseline=200,
    direction="lower",
    rule=ChangeBandsRule(bands=[Band(min=0.05, score=100), Band(min=0, score=90)]),
)
SAFETY = kpi(unit="次", direction="lower", rule=DeductionRule(per_unit=25))


@pytest.mark.parametrize(
    ("gone", "actual", "done", "status"),
    [
        (0.25, 100, 0.2, "behind"),  # 100 of 500 is 20% with a quarter gone
        (0.50, 320, 0.64, "ahead"),  # 64% done at half-time: more than 10 points ahead
        (0.90, 460, 0.92, "on_track"),
    ],
)
def test_cumulative_total_is_pro_rated(gone, actual, done, status):
    p = pace_kpi(SALES, actual, 500, None, gone)
    assert (p.pace, p.done, p.status) == ("cumulative", pytest.approx(done), status)
    assert p.expected == pytest.approx(500 * gone)
    assert p.projected == pytest.approx(actual / gone)


@pytest.mark.parametrize("gone", [0.25, 0.5, 0.9])
def test_a_rate_is_compared_with_the_target_itself(gone):
    # The case: 60% on time against 95% used to show "ahead" at mid-year.
    p = pace_kpi(ON_TIME, 60, 95, None, gone)
    assert (p.pace, p.status, p.expected, p.projected) == ("average", "behind", 95, 60)
    assert p.done == pytest.approx(gone * 60 / 95)
    met = pace_kpi(ON_TIME, 96, 95, None, gone)
    assert met.status == "on_track" and met.done == pytest.approx(gone)  # capped at the pace


@pytest.mark.parametrize("gone", [0.25, 0.5, 0.9])
def test_a_point_in_time_level_is_what_it_is_today(gone):
    short = pace_kpi(HEADCOUNT, 48, 50, None, gone)
    assert (short.pace, short.status, short.projected) == ("point", "behind", 48)
    assert short.done == pytest.approx(gone * 0.96)
    assert pace_kpi(HEADCOUNT, 56, 50, None, gone).status == "ahead"  # 112% of the level


@pytest.mark.parametrize(
    ("gone", "actual", "projected", "status"),
    [
        (0.25, 3, 12, "behind"),  # 3 in a quarter → 12 by the end, over the allowance of 10
        (0.50, 4, 8, "ahead"),  # → 8: 10/8 = 125% of the allowance left unused
        (0.90, 9, 10, "on_track"),  # → exactly 10
    ],
)
def test_lower_is_better_is_projected_against_the_allowance(gone, actual, projected, status):
    p = pace_kpi(INCIDENTS, actual, 10, None, gone)
    assert (p.pace, p.status) == ("allowance", status)
    assert p.projected == pytest.approx(projected)
    assert p.expected == pytest.approx(10 * gone)
    assert p.done == pytest.approx(gone * min(10 / projected, 1))


def test_spending_against_a_budget_baseline():
    # 90 spent at half-time → 180 by the end against a budget of 200: on course to save 10%.
    p = pace_kpi(BUDGET, 90, None, 200, 0.5)
    assert (p.pace, p.projected, p.expected, p.status) == ("allowance", 180, 100, "ahead")
    assert pace_kpi(BUDGET, 110, None, 200, 0.5).status == "behind"  # → 220


@pytest.mark.parametrize("gone", [0.25, 0.5, 0.9])
def test_deduction_counts_the_incidents_so_far(gone):
    clean = pace_kpi(SAFETY, 0, None, None, gone)
    assert (clean.pace, clean.status, clean.done) == ("deduction", "on_track", pytest.approx(gone))
    one = pace_kpi(SAFETY, 1, None, None, gone)  # 25 of 100 points gone for good
    assert (one.status, one.done) == ("behind", pytest.approx(gone * 0.75))
    assert one.projected == pytest.approx(1 / gone)


def test_no_actual_or_no_target_is_no_data():
    assert pace_kpi(SALES, None, 500, None, 0.5).status == "no_data"
    assert pace_kpi(kpi(unit="万元"), 10, None, None, 0.5).status == "no_data"
    assert pace_status(None, 0.5) == "no_data"


def test_defaults_from_unit_and_rule():
    assert default_pace(SALES) == "cumulative"
    assert default_pace(ON_TIME) == "average"
    assert default_pace(kpi(unit="人")) == "cumulative"  # the plan says when a count is a level
    assert default_pace(INCIDENTS) == "allowance"
    assert default_pace(BUDGET) == "allowance"
    assert default_pace(SAFETY) == "deduction"
    assert default_pace(kpi(unit="家", target=1, rule=PassFailRule())) == "average"
    share = kpi(unit="%", baseline=12, rule=ChangeBandsRule(bands=[Band(min=0.1, score=100)]))
    assert default_pace(share) == "point"
    assert HEADCOUNT.pace == "point" and default_pace(HEADCOUNT) == "cumulative"


def test_example_plan_kpis_get_sensible_kinds():
    kinds = {
        k.code: k.pace or default_pace(k) for role in example_plan(40).roles for k in role.kpis
    }
    assert kinds["S01"] == "cumulative"  # sales
    assert kinds["S02"] == "average"  # collection rate, bands on the value
    assert kinds["S05"] == "point"  # market share, scored on its growth
    assert kinds["S06"] == "average"  # complaint rate, lower is better
    assert kinds["AD03"] == "allowance"  # spending against the budget
    assert kinds["AD04"] == "average"  # response time in hours


def test_a_level_without_target_uses_its_score():
    # Market share scored on growth over 12%: 12.6 is +5%, 85 points of 100 → behind.
    share = kpi(
        unit="%",
        baseline=12,
        rule=ChangeBandsRule(bands=[Band(min=0.1, score=100), Band(min=0.05, score=85)]),
    )
    p = pace_kpi(share, 12.6, None, 12, 0.5)
    assert (p.pace, p.status, p.done) == ("point", "behind", pytest.approx(0.5 * 0.85))
    by_value = kpi(
        unit="小时", direction="lower", rule=BandsRule(on="value", bands=[Band(min=2, score=100)])
    )
    assert pace_kpi(by_value, 1.5, None, None, 0.5).status == "on_track"
