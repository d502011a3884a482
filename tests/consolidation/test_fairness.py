"""Fairness tools on hand-worked cases, and the invariants of forced distribution (hypothesis)."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from perfsheets.consolidation import fairness

EXAMPLE_QUOTAS = [0.1, 0.2, 0.55, 0.1, 0.05]  # S A B C D, the built-in plan's
THRESHOLDS = [95, 85, 75, 60, 0]


def threshold_level(score: float) -> int:
    return next(i for i, t in enumerate(THRESHOLDS) if score >= t)


def distribute(scores: dict[str, float], quotas, tie_rule="favour_employee") -> dict[str, int]:
    levels = {e: threshold_level(s) for e, s in scores.items()}
    return fairness.forced_distribution(scores, levels, quotas, tie_rule)


# --- forced distribution: hand-worked -----------------------------------------------------------


def test_quota_counts_by_largest_remainder():
    # 10 people: 1, 2, 5.5, 1, 0.5 -> floors 1, 2, 5, 1, 0; the one left goes to the first of
    # the equal remainders (B)
    assert fairness.quota_counts(EXAMPLE_QUOTAS, 10) == [1, 2, 6, 1, 0]
    # at most 10% S and 20% A of 7: 0.7, 1.4 and the rest 4.9 -> S 1, A 1, rest 5
    assert fairness.quota_counts([0.1, 0.2, None], 7) == [1, 1, None]


def test_exact_distribution_ranks_and_splits():
    scores = dict(zip("abcdefghij", [99, 97, 90, 88, 80, 79, 78, 77, 70, 50], strict=True))
    final = distribute(scores, EXAMPLE_QUOTAS)
    assert fairness.quota_mode(EXAMPLE_QUOTAS) == "exact"
    # S 1, A 2, B 6, C 1, D 0: b (97, S by threshold) moves down, j (50, D) moves up
    assert final == dict(a=0, b=1, c=1, d=2, e=2, f=2, g=2, h=2, i=2, j=3)


def test_exact_tie_at_a_boundary_favours_the_employees():
    scores = dict(zip("abcdefghij", [99, 99, 90, 88, 80, 79, 78, 77, 70, 50], strict=True))
    final = distribute(scores, EXAMPLE_QUOTAS)
    assert (final["a"], final["b"]) == (0, 0)  # both 99s keep S: S holds 2
    assert final["c"] == 1 and final["d"] == 2  # A then holds 1, so S + A = 3 as the quotas say
    by_id = distribute(scores, EXAMPLE_QUOTAS, "employee_id")
    assert [by_id[e] for e in "abcd"] == [0, 1, 1, 2]  # b drops to A, A is then full


def test_maximum_quotas_only_move_people_down():
    quotas = [0.1, 0.2, None, None, None]
    assert fairness.quota_mode(quotas) == "maximum"
    scores = dict(zip("abcdefghij", [99, 97, 90, 88, 80, 79, 78, 77, 70, 50], strict=True))
    final = distribute(scores, quotas)
    # S holds 1, A holds 2: b (S) and c (A) fill A, d (A by threshold) goes to B
    assert [final[e] for e in "abcd"] == [0, 1, 1, 2]
    assert [final[e] for e in "efghij"] == [2, 2, 2, 2, 3, 4]  # the rest keep their grades


def test_small_units_are_pooled():
    units = {f"s{i}": "销售部" for i in range(12)} | {
        "a1": "行政部",
        "a2": "行政部",
        "q1": "质量部",
    }
    groups = fairness.quota_groups(units, min_size=10)
    assert sorted(groups.groups) == [fairness.POOLED, "销售部"]
    assert groups.groups[fairness.POOLED] == ["a1", "a2", "q1"]
    assert groups.unforced == [fairness.POOLED]  # 3 < 10 even pooled: thresholds stand


# --- forced distribution: invariants ------------------------------------------------------------

scores_st = st.dictionaries(
    st.text("EFGH0123456789", min_size=1, max_size=4),
    st.sampled_from([50.0, 62.5, 70.0, 75.0, 80.0, 85.0, 88.0, 90.0, 95.0, 99.0, 100.0]),
    min_size=1,
    max_size=40,
)
quotas_st = st.lists(st.integers(0, 10), min_size=5, max_size=5).filter(any)


def _exact(weights: list[int]) -> list[float]:
    return [w / sum(weights) for w in weights]


@settings(max_examples=150, deadline=None)
@given(scores_st, quotas_st)
def test_exact_quotas_hold_with_id_tie_rule(scores, weights):
    quotas = _exact(weights)
    final = distribute(scores, quotas, "employee_id")
    counts = [sum(1 for v in final.values() if v == i) for i in range(5)]
    if fairness.quota_mode(quotas) == "exact":
        assert counts == fairness.quota_counts(quotas, len(scores))
    _assert_monotone(scores, final)


@settings(max_examples=150, deadline=None)
@given(scores_st, quotas_st)
def test_exact_quotas_hold_up_to_ties_when_favouring(scores, weights):
    quotas = _exact(weights)
    if fairness.quota_mode(quotas) != "exact":
        return
    final = distribute(scores, quotas)
    bounds = np.cumsum(fairness.quota_counts(quotas, len(scores)))
    for k, bound in enumerate(bounds):
        at_or_better = sum(1 for v in final.values() if v <= k)
        assert at_or_better >= bound  # never fewer in the better grades than the quotas give
        # ... and more only by people tied with someone inside the quota
        extra = [e for e, v in final.items() if v <= k]
        if at_or_better > bound:
            worst = min(scores[e] for e in extra)
            assert sum(1 for e in extra if scores[e] == worst) > at_or_better - bound
    _assert_monotone(scores, final)


@settings(max_examples=150, deadline=None)
@given(
    scores_st,
    st.floats(0.0, 0.5),
    st.floats(0.0, 0.5),
    st.sampled_from(["favour_employee", "employee_id"]),
)
def test_maximum_quotas_hold_and_never_promote(scores, s_share, a_share, tie_rule):
    quotas = [s_share, a_share, None, None, None]
    final = distribute(scores, quotas, tie_rule)
    caps = fairness.quota_counts(quotas, len(scores))
    for emp, level in final.items():
        assert level >= threshold_level(scores[emp])  # nobody moves up
    if tie_rule == "employee_id":
        for k in (0, 1):
            assert sum(1 for v in final.values() if v == k) <= caps[k]
    _assert_monotone(scores, final)


@settings(max_examples=50, deadline=None)
@given(scores_st, st.randoms())
def test_order_of_people_changes_nothing(scores, rnd):
    items = list(scores.items())
    rnd.shuffle(items)
    assert distribute(dict(items), EXAMPLE_QUOTAS) == distribute(scores, EXAMPLE_QUOTAS)


def _assert_monotone(scores, final):
    """A better score never gets a worse grade."""
    ordered = sorted(final, key=lambda e: -scores[e])
    levels = [final[e] for e in ordered]
    assert levels == sorted(levels)


# --- calibration ---------------------------------------------------------------------------------


def ratings_frame(rows) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["rater", "rtype", "ratee", "item", "value", "points"])
    return df.assign(low=40.0, high=100.0)


def test_zscore_calibration_by_hand():
    df = ratings_frame(
        [
            ("A", "manager", "p1", "competency:C1", 2, 60.0),
            ("A", "manager", "p2", "competency:C1", 3, 75.0),
            ("A", "manager", "p3", "competency:C1", 4, 90.0),
            ("B", "manager", "p4", "competency:C1", 4, 90.0),
            ("B", "manager", "p5", "competency:C1", 4, 90.0),
            ("B", "manager", "p6", "competency:C1", 5, 100.0),
            ("p1", "self", "p1", "competency:C1", 5, 100.0),  # one ratee: not calibrated
        ]
    ).assign(high=200.0)  # no clamping in this case (see the next test)
    calibrated, info = fairness.zscore_calibrate(df, min_ratees=3)
    pool = [60, 75, 90, 90, 90, 100]
    pool_mean, pool_std = statistics.fmean(pool), statistics.pstdev(pool)
    a_mean, a_std = 75, statistics.pstdev([60, 75, 90])
    assert info.method == "zscore" and (info.calibrated_raters, info.uncalibrated_raters) == (2, 1)
    assert info.pool_mean == pytest.approx(pool_mean) and info.pool_std == pytest.approx(pool_std)
    assert calibrated[0] == pytest.approx(pool_mean + (60 - a_mean) / a_std * pool_std)
    assert calibrated[1] == pytest.approx(pool_mean)  # A's average rating -> the pool's
    assert calibrated[6] == 100  # the self rating keeps its points
    # both strict A and lenient B now average the pool mean
    assert statistics.fmean(calibrated[:3]) == pytest.approx(statistics.fmean(calibrated[3:6]))


def test_calibration_of_a_rater_who_rates_everyone_alike_gives_the_pool_mean():
    df = ratings_frame(
        [("C", "peer", f"p{i}", "competency:C1", 4, 90.0) for i in range(3)]
        + [
            ("D", "peer", f"p{i}", "competency:C1", v, p)
            for i, (v, p) in enumerate([(1, 40.0), (3, 75.0), (5, 100.0)])
        ]
    )
    calibrated, _ = fairness.zscore_calibrate(df, min_ratees=3)
    assert list(calibrated[:3]) == pytest.approx([statistics.fmean([90] * 3 + [40, 75, 100])] * 3)
    assert calibrated.min() >= 40 and calibrated.max() <= 100  # clamped to the scale


# --- leniency and reliability --------------------------------------------------------------------


def test_leniency_by_hand():
    df = ratings_frame(
        [
            ("P1", "peer", "X", "c", 5, 100.0),
            ("P2", "peer", "X", "c", 3, 75.0),
            ("P3", "peer", "X", "c", 4, 90.0),
            ("P1", "peer", "Y", "c", 5, 100.0),
            ("P2", "peer", "Y", "c", 3, 75.0),
            ("Y", "self", "Y", "c", 1, 40.0),  # self ratings are left out on both sides
        ]
    )
    table = fairness.leniency_table(df, flag=0.75, min_ratees=2).set_index("rater")
    # P1: 5 and 5 against others' (3+4)/2 = 3.5 and 3 -> 5 - 3.25 = +1.75, lenient
    assert table.loc["P1", "difference"] == pytest.approx(1.75)
    assert table.loc["P2", "difference"] == pytest.approx(-1.75)
    assert table.loc["P3", "difference"] == pytest.approx(0)
    assert list(table["flagged"]) == [True, True, False]  # P3 rated one person only
    assert "Y" not in table.index


def test_krippendorff_alpha_matches_the_library_on_its_own_example():
    # reliability data from the krippendorff package documentation (interval alpha 0.810845)
    data = [
        [np.nan, np.nan, np.nan, np.nan, np.nan, 3, 4, 1, 2, 1, 1, 3, 3, np.nan, 3],
        [1, np.nan, 2, 1, 3, 3, 4, 3, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan],
        [np.nan, np.nan, 2, 1, 3, 4, 4, np.nan, 2, 1, 1, 3, 3, np.nan, 4],
    ]
    rows = [
        (f"r{i}", "peer", f"u{j}", "competency:C1", v, float(v))
        for i, line in enumerate(data)
        for j, v in enumerate(line)
        if not math.isnan(v)
    ]
    result = fairness.reliability_by_type(ratings_frame(rows))
    assert round(result["peer"]["alpha"], 6) == 0.810845
    assert result["peer"]["units"] == 12  # units rated by two or more raters


def test_alpha_is_none_without_pairable_ratings():
    rows = [("m", "manager", f"p{i}", "c", 3, 75.0) for i in range(4)]
    assert fairness.reliability_by_type(ratings_frame(rows))["manager"]["alpha"] is None


def test_self_other_gap_rule():
    assert fairness.self_other_gap(5, 4, 1.0) == (1, "blind_spot")
    assert fairness.self_other_gap(2, 3.5, 1.0) == (-1.5, "hidden_strength")
    assert fairness.self_other_gap(4, 3.2, 1.0)[1] is None


def test_alpha_is_computed_on_the_ratings_before_calibration():
    rows = [
        (f"r{i}", "peer", f"u{j}", "c", v, float(v))
        for i in range(3)
        for j, v in enumerate([1, 2, 3, 4, 5, 3])
    ]
    df = ratings_frame(rows)
    df = df.assign(raw_points=df["points"], points=df["points"] + np.linspace(0, 1, len(df)))
    assert fairness.reliability_by_type(df)["peer"]["alpha"] == pytest.approx(1.0)
    # thousands of distinct calibrated values stay cheap: rounded to whole points first
    wide = ratings_frame(
        [(f"r{i}", "peer", f"u{j}", "c", 3, 0.0) for i in range(3) for j in range(30)]
    )
    wide = wide.assign(points=np.linspace(40, 100, len(wide)))  # 90 distinct values
    result = fairness.krippendorff_alpha(wide)
    assert result["units"] == 30 and result["alpha"] is not None


def test_leniency_difference_is_the_shown_mean_minus_the_shown_others_mean():
    import random
    from decimal import Decimal

    import pandas as pd

    rng = random.Random(3)
    rows = [
        {
            "ratee": f"E{p}",
            "rater": f"R{r}",
            "rtype": "peer",
            "item": f"c{i}",
            "value": rng.randint(1, 5),
        }
        for p in range(12)
        for r in range(4)
        for i in range(5)
    ]
    table = fairness.leniency_table(pd.DataFrame(rows), flag=0.5, min_ratees=3)
    assert len(table) == 4
    for rec in table.itertuples():
        shown = [Decimal(repr(x)) for x in (rec.mean_rating, rec.others_mean, rec.difference)]
        assert all(s == s.quantize(Decimal("0.01")) for s in shown)
        assert shown[2] == shown[0] - shown[1]
        assert rec.flagged == (abs(shown[2]) >= Decimal("0.5"))


# --- quota kinds: maximum, minimum, exact (hand-worked) ------------------------------------------

TEN = {
    "E01": 98,
    "E02": 96,
    "E03": 95.5,
    "E04": 90,
    "E05": 88,
    "E06": 80,
    "E07": 78,
    "E08": 70,
    "E09": 65,
    "E10": 50,
}  # S S S A A B B C C D by thresholds
S, A, B, C, D = range(5)


def _kinds(scores, quotas, kinds, minimums=(), tie_rule="favour_employee"):
    levels = {e: threshold_level(s) for e, s in scores.items()}
    return fairness.forced_distribution(scores, levels, quotas, tie_rule, kinds, minimums)


def test_maxima_move_people_down_only_as_far_as_needed_and_nobody_up():
    # S at most 10% (1 of 10), A at most 20% (2): E02, E03 leave S for A, which then is full,
    # so E04 and E05 (A by score) move to B. Nobody is lifted; C and D stay as scored.
    final = _kinds(TEN, [0.1, 0.2, None, None, None], ["max", "max", None, None, None])
    assert [final[e] for e in sorted(TEN)] == [S, A, A, B, B, B, B, C, C, D]


def test_a_group_within_its_maxima_is_left_alone():
    scores = {
        "E1": 96,
        "E2": 90,
        "E3": 80,
        "E4": 79,
        "E5": 78,
        "E6": 77,
        "E7": 76,
        "E8": 70,
        "E9": 62.22,
        "E10": 55,
    }
    final = _kinds(scores, [0.1, 0.2, None, None, None], ["max", "max", None, None, None])
    assert final == {e: threshold_level(s) for e, s in scores.items()}


def test_nobody_is_lifted_to_a_grade_their_score_did_not_reach():
    scores = {f"E{i}": 80 + i for i in range(10)}  # 80..89: B and A, nobody reaches S (95)
    final = _kinds(scores, [0.1, 0.2, None, None, None], ["max", "max", None, None, None])
    assert S not in final.values()
    assert all(final[e] >= threshold_level(s) for e, s in scores.items())


def test_a_minimum_of_c_and_d_together_takes_the_lowest_ranked_above():
    # C + D at least 30% of 10 = 3; by score 3 are C or D already -> unchanged; at least 40% -> 4:
    # the lowest-ranked above C (E07, 78, B) moves down to C, the best grade of the set.
    unchanged = _kinds(TEN, [None] * 5, None, [([C, D], 0.3)])
    assert unchanged == {e: threshold_level(s) for e, s in TEN.items()}
    final = _kinds(TEN, [None] * 5, None, [([C, D], 0.4)])
    assert final["E07"] == C and [e for e in TEN if final[e] != threshold_level(TEN[e])] == ["E07"]


def test_a_minimum_share_of_the_top_grade_lifts_the_highest_ranked_below():
    scores = {f"E{i}": 80 + i for i in range(10)}  # nobody reaches S by score
    final = _kinds(scores, [0.1, None, None, None, None], ["min", None, None, None, None])
    assert [e for e in scores if final[e] == S] == ["E9"]  # 89, the best, moves up to S


def test_a_minimum_rounds_up_and_ties_move_together_in_favour_of_nobody_else():
    # D at least 5% of 10 -> ceil(0.5) = 1 person; the two lowest are tied at 60 (C): with
    # favour_employee both move (a tie is not split), by employee id only one.
    scores = {f"E{i}": 90 - i for i in range(8)} | {"E8": 60, "E9": 60}
    tied = _kinds(scores, [None, None, None, None, 0.05], [None, None, None, None, "min"])
    assert sorted(e for e in scores if tied[e] == D) == ["E8", "E9"]
    by_id = _kinds(
        scores,
        [None, None, None, None, 0.05],
        [None, None, None, None, "min"],
        tie_rule="employee_id",
    )
    assert [e for e in scores if by_id[e] == D] == ["E9"]


def test_exact_shares_rank_and_split_and_can_lift():
    quotas = [0.1, 0.2, 0.4, 0.2, 0.1]
    scores = {f"E{i}": 80 + i for i in range(10)}
    final = _kinds(scores, quotas, ["exact"] * 5)
    assert fairness.quota_mode(quotas, ["exact"] * 5) == "exact"
    assert [final[f"E{i}"] for i in range(9, -1, -1)] == [S, A, A, B, B, B, B, C, C, D]


def test_a_plan_without_kinds_reads_shares_adding_to_100_as_exact_else_as_maxima():
    assert fairness.quota_mode([0.1, 0.2, 0.4, 0.2, 0.1]) == "exact"
    assert fairness.quota_mode([0.1, 0.2, None, None, None]) == "maximum"
    assert fairness.quota_kinds([0.1, 0.2, None, None, None]) == ["max", "max", None, None, None]
