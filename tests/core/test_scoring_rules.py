"""Scoring rules on hand-worked values: caps, floors, reverse indicators, zero and negatives."""

from __future__ import annotations

import math

import pytest

from perfsheets.core.model import Grade, Kpi
from perfsheets.core.rules import (
    Band,
    BandsRule,
    ChangeBandsRule,
    DeductionRule,
    LinearRule,
    PassFailRule,
    ThresholdRule,
)
from perfsheets.core.scoring import (
    combine_rater_types,
    grade_for,
    kpi_completion,
    kpi_score,
    largest_remainder,
    round_half_up,
    rule_score,
    trimmed_mean,
)

# --- linear (completion ratio) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "target", "rule", "expected"),
    [
        (150, 100, LinearRule(cap=1.2), 120),  # over-achievement capped at 120%
        (120, 100, LinearRule(cap=1.2), 120),  # exactly at the cap
        (110, 100, LinearRule(cap=1.0), 100),  # no credit above target
        (300, 200, LinearRule(cap=2.0), 150),
        (50, 100, LinearRule(floor=0.6), 60),  # floor lifts a poor result
        (70, 100, LinearRule(floor=0.6), 70),
        (-20, 100, LinearRule(), 0),  # a negative actual (a loss) scores the floor
        (0, 100, LinearRule(), 0),
        (1, 3, LinearRule(), 100 / 3),
    ],
)
def test_linear(actual, target, rule, expected):
    assert rule_score(rule, actual, target) == pytest.approx(expected)


@pytest.mark.parametrize("target", [0, -10, None])
def test_linear_without_a_positive_target_is_undefined(target):
    assert rule_score(LinearRule(), 50, target) is None
    assert rule_score(LinearRule(), 50, target, direction="lower") is None


# --- reverse (lower is better) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        (2.0, 100),  # on target
        (4.0, 50),  # twice the failure rate: half the score
        (2.5, 80),
        (1.0, 120),  # half the rate would be 200%: capped at 120
        (0.0, 120),  # no failures at all: the cap, not a division by zero
        (-1.0, 120),  # a negative rate (data error) still cannot exceed the cap
        (100.0, 2),
    ],
)
def test_reverse_linear_equipment_failure_rate(actual, expected):
    assert rule_score(LinearRule(cap=1.2), actual, 2.0, direction="lower") == pytest.approx(
        expected
    )


def test_reverse_linear_with_floor():
    assert rule_score(LinearRule(floor=0.5, cap=1.0), 10, 2, direction="lower") == 50


# --- bands ------------------------------------------------------------------------------------


def test_bands_on_ratio_are_inclusive_and_order_free():
    rule = BandsRule(
        bands=[Band(min=0.8, score=60), Band(min=1.0, score=100), Band(min=0.9, score=80)]
    )
    assert [rule_score(rule, a, 100) for a in (130, 100, 99.99, 90, 80, 79.99)] == [
        100,
        100,
        80,
        80,
        60,
        0,
    ]
    assert rule_score(rule, 50, 0) is None  # a ratio needs a target


def test_bands_on_ratio_lower_is_better():
    rule = BandsRule(bands=[Band(min=1.0, score=100), Band(min=0.8, score=70)], otherwise=10)
    # complaint rate target 1%: actual 1.2% -> ratio 0.833 -> 70; 2% -> 0.5 -> otherwise
    assert rule_score(rule, 1.2, 1.0, direction="lower") == 70
    assert rule_score(rule, 2.0, 1.0, direction="lower") == 10
    assert rule_score(rule, 0.0, 1.0, direction="lower") == 100


def test_bands_on_value_higher_is_better():
    rule = BandsRule(on="value", bands=[Band(min=95, score=100), Band(min=90, score=80)])
    assert [rule_score(rule, v, None) for v in (100, 95, 94.9, 90, 89.99, -5)] == [
        100,
        100,
        80,
        80,
        0,
        0,
    ]


def test_bands_on_value_need_no_target_even_zero():
    rule = BandsRule(on="value", bands=[Band(min=2, score=100)], otherwise=40)
    assert rule_score(rule, 2, 0, direction="lower") == 100
    assert rule_score(rule, 2.01, 0, direction="lower") == 40


# --- deduction (扣分制) ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("incidents", "expected"), [(0, 100), (1, 75), (2.5, 37.5), (4, 0), (9, 0), (-3, 100)]
)
def test_deduction_per_incident(incidents, expected):
    assert rule_score(DeductionRule(per_unit=25), incidents, None) == expected


def test_deduction_with_a_floor_and_other_base():
    rule = DeductionRule(base=120, per_unit=30, floor=20)
    assert [rule_score(rule, n, None) for n in (0, 1, 3, 10)] == [120, 90, 30, 20]


# --- pass/fail --------------------------------------------------------------------------------


def test_pass_fail_edges():
    rule = PassFailRule(pass_score=100, fail_score=20)
    assert rule_score(rule, 2, 2) == 100
    assert rule_score(rule, 1.999, 2) == 20
    assert rule_score(rule, 0, 0, direction="lower") == 100  # zero accidents allowed: met
    assert rule_score(rule, 1, 0, direction="lower") == 20
    assert rule_score(rule, -1, 0) == 20  # negative actual, higher is better
    assert rule_score(rule, 5, None) is None


# --- change rates (e.g. cost reduction) -------------------------------------------------------


COST = ChangeBandsRule(
    bands=[Band(min=0.05, score=100), Band(min=0.03, score=85), Band(min=0, score=60)],
    otherwise=30,
)


@pytest.mark.parametrize(
    ("current", "expected"),
    [(950, 100), (900, 100), (960, 85), (970, 85), (999, 60), (1000, 60), (1001, 30), (0, 100)],
)
def test_cost_reduction_rate(current, expected):
    # (previous - current) / previous with previous = 1000
    assert rule_score(COST, current, None, 1000, "lower") == expected


def test_growth_rate_higher_is_better():
    growth = ChangeBandsRule(bands=[Band(min=0.1, score=100), Band(min=0, score=70)])
    assert rule_score(growth, 13.2, None, 12, "higher") == 100  # +10%
    assert rule_score(growth, 12.5, None, 12, "higher") == 70
    assert rule_score(growth, 11, None, 12, "higher") == 0


def test_change_rate_against_a_negative_baseline():
    # a loss of 100 last year, 50 this year: (−50 − −100) / |−100| = +50% improvement
    growth = ChangeBandsRule(bands=[Band(min=0.5, score=100)], otherwise=0)
    assert rule_score(growth, -50, None, -100, "higher") == 100
    assert rule_score(growth, -150, None, -100, "higher") == 0


@pytest.mark.parametrize("baseline", [0, None])
def test_change_rate_without_baseline_is_undefined(baseline):
    assert rule_score(COST, 950, None, baseline, "lower") is None


# --- KPI level: overrides, rounding, completion -----------------------------------------------


def test_kpi_score_individual_target_and_baseline_override_role_defaults():
    quota = Kpi(code="S01", name="销售额", weight=30, target=500, rule=LinearRule(cap=1.2))
    assert kpi_score(quota, 400) == 80  # role default 500
    assert kpi_score(quota, 400, target=320) == 120  # own quota 320: 125% capped
    assert kpi_score(quota, 400, target=0) is None  # an individual target of 0 is undefined
    cost = Kpi(code="PU01", name="成本", weight=35, baseline=1000, direction="lower", rule=COST)
    assert kpi_score(cost, 960) == 85
    assert kpi_score(cost, 960, baseline=1020) == 100  # own baseline: 5.9% cheaper


def test_kpi_score_rounds_half_up_like_excel():
    kpi = Kpi(code="K", name="k", weight=10, target=3)
    assert kpi_score(kpi, 2) == 66.67
    assert kpi_score(kpi, 2, places=0) == 67
    kpi = Kpi(code="K", name="k", weight=10, target=200)
    assert kpi_score(kpi, 163.91) == 81.96  # 81.955 -> 81.96, not 81.95


def test_kpi_completion():
    reverse = Kpi(code="R", name="r", weight=10, target=0.3, direction="lower")
    assert kpi_completion(reverse, 0.6) == pytest.approx(0.5)
    assert kpi_completion(reverse, 0) is None  # infinitely good: nothing sensible to show
    deduction = Kpi(code="D", name="d", weight=10, rule=DeductionRule(per_unit=10))
    assert kpi_completion(deduction, 2) is None
    cost = Kpi(code="C", name="c", weight=10, baseline=1000, direction="lower", rule=COST)
    assert kpi_completion(cost, 960) == pytest.approx(0.04)


# --- aggregation and grades -------------------------------------------------------------------

GRADES = [
    Grade(code="S", name="S", min_score=95),
    Grade(code="A", name="A", min_score=85),
    Grade(code="B", name="B", min_score=75),
    Grade(code="C", name="C", min_score=60),
    Grade(code="D", name="D", min_score=0),
]


@pytest.mark.parametrize(
    ("score", "grade"),
    [(120, "S"), (95, "S"), (94.99, "A"), (85, "A"), (75, "B"), (60, "C"), (59.99, "D"), (-5, "D")],
)
def test_grade_thresholds_are_inclusive(score, grade):
    assert grade_for(score, GRADES).code == grade


def test_rater_type_with_zero_weight_is_ignored_even_if_present():
    weights = {"self": 0, "manager": 60, "peer": 40}
    assert combine_rater_types({"self": 100, "manager": 80, "peer": 70}, weights) == 76
    assert combine_rater_types({"self": 100}, weights) is None


def test_trimmed_mean_boundary():
    assert trimmed_mean([60, 70, 80, 90]) == 75  # four raters: nothing dropped
    assert trimmed_mean([10, 70, 80, 90, 100]) == 80  # five: highest and lowest dropped
    assert trimmed_mean([50], trim_min_count=3) == 50


def test_largest_remainder_edges():
    assert largest_remainder([0.1, 0.2, 0.4, 0.2, 0.1], 0) == [0, 0, 0, 0, 0]
    assert largest_remainder([0.1, 0.2, 0.4, 0.2, 0.1], 3) == [0, 1, 1, 1, 0]
    assert largest_remainder([0.1, 0.2], 7) == [0, 7]  # the rest goes to the last level


def test_round_half_up_edges():
    assert round_half_up(-81.955, 2) == -81.96
    assert round_half_up(1.005, 2) == 1.01
    assert round_half_up(0.0, 2) == 0.0
    assert math.isinf(round_half_up(math.inf))
    assert math.isnan(round_half_up(math.nan))


# --- threshold / target / stretch (门槛值 / 目标值 / 挑战值) ---------------------------------------

SALES_TTS = ThresholdRule(threshold=0.8, stretch=1.2)  # 60 at 80%, 100 at 100%, 120 at 120%
COST_TTS = ThresholdRule(threshold=1.1, stretch=0.9, threshold_score=50, stretch_score=110)


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        (399, 0),  # below the threshold of 400 (80% of 500)
        (400, 60),  # at the threshold
        (450, 80),  # half-way to the target: 60 + (0.9 − 0.8) / 0.2 × 40
        (487.3, 94.92),  # 60 + 0.1746 / 0.2 × 40 = 94.92
        (500, 100),  # at the target
        (550, 110),  # half-way to the stretch: 100 + 0.1 / 0.2 × 20
        (600, 120),  # at the stretch
        (750, 120),  # beyond the stretch: capped
    ],
)
def test_threshold_target_stretch_higher_is_better(actual, expected):
    assert kpi_score(
        Kpi(code="S", name="销售额", target=500, weight=10, rule=SALES_TTS), actual
    ) == (expected)


@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        (111, 0),  # over the threshold of 110 (budget 100 × 1.1)
        (110, 50),  # at the threshold
        (105, 75),  # half-way: 50 + (1.05 − 1.1) / (1 − 1.1) × 50 … = 75
        (100, 100),  # on budget
        (95, 105),  # half-way to the stretch of 90: 100 + (0.95 − 1) / (0.9 − 1) × 10
        (90, 110),  # at the stretch
        (0, 110),  # nothing spent: the stretch score, no division by zero
    ],
)
def test_threshold_target_stretch_lower_is_better(actual, expected):
    kpi = Kpi(code="C", name="费用", target=100, weight=10, direction="lower", rule=COST_TTS)
    assert kpi_score(kpi, actual) == expected


def test_threshold_needs_a_target():
    assert rule_score(SALES_TTS, 100, None) is None
    assert rule_score(SALES_TTS, 100, 0) is None
