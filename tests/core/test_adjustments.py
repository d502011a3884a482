"""加分项 / 减分项: points outside the 100, capped per item and in all (worked by hand)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from perfsheets.core.model import Adjustment
from perfsheets.core.scoring import adjusted_points, adjusted_total, item_adjustment

PATENT = Adjustment(code="J1", name="发明专利", unit="项", points_per_unit=2, cap=6)
PAPER = Adjustment(code="J2", name="核心期刊论文", unit="篇", points_per_unit=1.5)
COMPLAINT = Adjustment(code="K1", name="客户投诉升级", unit="次", points_per_unit=-5, cap=15)
LATE = Adjustment(code="K2", name="迟交报告", unit="次", points_per_unit=-0.25)


def test_item_points_are_count_times_points_per_unit():
    assert item_adjustment(PATENT, 2) == (Decimal(4), Decimal(4))
    assert item_adjustment(COMPLAINT, 1) == (Decimal(-5), Decimal(-5))
    assert item_adjustment(PAPER, 3) == (Decimal("4.5"), Decimal("4.5"))
    assert item_adjustment(PATENT, 0) == (Decimal(0), Decimal(0))


def test_item_over_its_cap_counts_the_cap():
    # 4 patents × 2 = 8 points, capped at 6; 4 complaints × −5 = −20, capped at −15
    assert item_adjustment(PATENT, 4) == (Decimal(8), Decimal(6))
    assert item_adjustment(COMPLAINT, 4) == (Decimal(-20), Decimal(-15))
    assert item_adjustment(PATENT, 3) == (Decimal(6), Decimal(6))  # at the cap: not over


def test_item_points_round_half_away_from_zero():
    # 3 × −0.25 = −0.75; with one decimal Excel's ROUND gives −0.8 (Python's round: −0.8 too,
    # but 0.125 → 0.13 where round() gives 0.12)
    assert item_adjustment(LATE, 3, places=1) == (Decimal("-0.8"), Decimal("-0.8"))
    eighth = Adjustment(code="X", name="x", points_per_unit=0.125)
    assert item_adjustment(eighth, 1) == (Decimal("0.13"), Decimal("0.13"))


def test_bonus_over_the_total_cap():
    # patents 4 → 8 capped 6; papers 4 → 6: bonus 12 > cap 10 → 10; a complaint −5
    points = adjusted_points([PATENT, PAPER, COMPLAINT], [4, 4, 1], bonus_cap=10, penalty_cap=20)
    assert [c for _, c in points.items] == [6, 6, -5]
    assert points.bonus == 10 and points.bonus_capped
    assert points.penalty == 5 and not points.penalty_capped
    assert points.net == 5
    assert adjusted_total(Decimal("86.37"), points.net) == Decimal("91.37")


def test_penalty_over_the_total_cap():
    # complaints 3 → −15 (its cap); late 24 → −6: penalty 21 > 20 → 20
    points = adjusted_points([PATENT, COMPLAINT, LATE], [1, 3, 24], bonus_cap=10, penalty_cap=20)
    assert points.bonus == 2 and points.penalty == 20 and points.penalty_capped
    assert points.net == -18
    assert adjusted_total(Decimal("70.5"), points.net) == Decimal("52.5")


def test_bonus_and_penalty_are_capped_separately():
    # a bonus over its cap does not soak up a penalty: 14 → 10 bonus, 5 penalty, net +5
    points = adjusted_points([PAPER, COMPLAINT], [10, 1], bonus_cap=10, penalty_cap=None)
    assert (points.bonus, points.penalty, points.net) == (10, 5, 5)


def test_no_caps_and_missing_counts():
    points = adjusted_points([PATENT, PAPER, COMPLAINT], [None, 2, None], None, None)
    assert points.net == 3 and not points.bonus_capped and not points.penalty_capped


def test_total_may_exceed_100_but_not_fall_below_0():
    assert adjusted_total(Decimal("98.5"), Decimal(6)) == Decimal("104.5")
    assert adjusted_total(Decimal("12"), Decimal(-20)) == 0


@pytest.mark.parametrize("count", [0, 1, 2, 3])
def test_bonus_cap_zero_allows_no_bonus(count):
    points = adjusted_points([PATENT], [count], bonus_cap=0, penalty_cap=None)
    assert points.bonus == 0 and points.bonus_capped == (count > 0)
