"""Scoring rules on hand-worked values."""

import math

import pytest

from perfsheets.core.model import Kpi
from perfsheets.core.rules import (
    Band,
    BandsRule,
    ChangeBandsRule,
    DeductionRule,
    LinearRule,
    PassFailRule,
)
from perfsheets.core.scoring import (
    combine_rater_types,
    kpi_score,
    largest_remainder,
    round_half_up,
    rule_score,
    trimmed_mean,
)


def test_round_half_up_matches_excel_not_python():
    assert round(81.955, 2) == 81.95  # Python: half to even on the binary value
    assert round_half_up(81.955, 2) == 81.96
    assert round_half_up(-2.5, 0) == -3.0
    assert round_half_up(2.675, 2) == 2.68


@pytest.mark.parametrize(
    ("actual", "target", "expected"),
    [(100, 100, 100), (90, 100, 90), (130, 100, 120), (0, 100, 0), (-5, 100, 0)],
)
def test_linear_caps_and_floors(actual, target, expected):
    assert rule_score(LinearRule(cap=1.2), actual, target) == pytest.approx(expected)


def test_linear_zero_target_is_undefined():
    assert rule_score(LinearRule(), 5, 0) is None


def test_reverse_ratio_lower_is_better():
    # defect rate target 0.3%, actual 0.4% -> 75; actual 0.2% -> 150 capped at 120
    assert rule_score(LinearRule(), 0.4, 0.3, direction="lower") == pytest.approx(75)
    assert rule_score(LinearRule(cap=1.2), 0.2, 0.3, direction="lower") == pytest.approx(120)
    assert rule_score(LinearRule(cap=1.2), 0, 0.3, direction="lower") == pytest.approx(120)


def test_bands_on_ratio():
    rule = BandsRule(
        bands=[Band(min=1.0, score=100), Band(min=0.9, score=85), Band(min=0.8, score=70)]
    )
    assert rule_score(rule, 100, 100) == 100
    assert rule_score(rule, 95, 100) == 85
    assert rule_score(rule, 80, 100) == 70
    assert rule_score(rule, 79.9, 100) == 0


def test_bands_on_value_lower_is_better():
    # repair response time (hours): <=2 -> 100, <=4 -> 80, <=8 -> 60
    rule = BandsRule(
        on="value", bands=[Band(min=2, score=100), Band(min=4, score=80), Band(min=8, score=60)]
    )
    assert rule_score(rule, 1.5, None, direction="lower") == 100
    assert rule_score(rule, 4, None, direction="lower") == 80
    assert rule_score(rule, 9, None, direction="lower") == 0


def test_deduction_from_base():
    rule = DeductionRule(base=100, per_unit=10)
    assert rule_score(rule, 0, None) == 100
    assert rule_score(rule, 3, None) == 70
    assert rule_score(rule, 15, None) == 0


def test_pass_fail():
    assert rule_score(PassFailRule(), 30, 30) == 100
    assert rule_score(PassFailRule(), 29, 30) == 0
    assert rule_score(PassFailRule(), 0.2, 0.3, direction="lower") == 100


def test_change_bands_cost_reduction():
    rule = ChangeBandsRule(
        bands=[Band(min=0.05, score=100), Band(min=0.03, score=80), Band(min=0, score=60)]
    )
    # (previous - current) / previous = (100 - 96) / 100 = 4% -> 80
    assert rule_score(rule, 96, None, 100, "lower") == 80
    assert rule_score(rule, 101, None, 100, "lower") == 0
    assert rule_score(rule, 96, None, 0, "lower") is None


def test_kpi_score_uses_individual_target_and_rounds():
    kpi = Kpi(code="S01", name="销售额完成率", weight=40, target=100)
    assert kpi_score(kpi, 91.955, target=100) == 91.96
    assert kpi_score(kpi, 50, target=200) == 25


def test_trimmed_mean_drops_extremes_from_five():
    assert trimmed_mean([1, 2, 3, 4]) == 2.5
    assert trimmed_mean([1, 4, 4, 4, 10]) == 4
    assert trimmed_mean([]) is None


def test_rater_types_renormalise_over_present():
    weights = {"self": 10, "manager": 60, "peer": 30}
    assert combine_rater_types({"manager": 80, "peer": 90}, weights) == pytest.approx(
        (80 * 60 + 90 * 30) / 90
    )
    assert combine_rater_types({}, weights) is None


def test_largest_remainder():
    assert largest_remainder([0.1, 0.2, 0.4, 0.2, 0.1], 13) == [1, 3, 5, 3, 1]
    assert sum(largest_remainder([0.1, 0.2, 0.4, 0.2, 0.1], 7)) == 7
    assert math.isclose(sum(largest_remainder([0.1, 0.2], 10)), 10)
