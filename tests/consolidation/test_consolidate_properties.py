"""Invariants of consolidation (hypothesis), on in-memory ledger inputs for one salesperson.

E002 of the small plan: manager E001 (required), optional self, and any number of peers
(weight 20, at least 3 to be shown and counted).
"""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from plan_support import make_small_plan

from perfsheets.consolidation.run import LedgerInputs, compute, entries_frame
from perfsheets.core.scoring import combine_rater_types, round_half_up

PLAN = make_small_plan()
WEIGHTS = {"self": 10, "manager": 60}
rating = st.integers(1, 5)
rated_items = st.fixed_dictionaries(
    {"task:T1": rating, "competency:C1": rating, "competency:C2": rating}
)
actuals = st.fixed_dictionaries(
    {
        "kpi:S01": st.floats(0, 300, allow_nan=False),
        "kpi:S02": st.floats(0, 200, allow_nan=False),
        "kpi:S03": st.integers(0, 15).map(float),
    }
)
peer_ratings = st.lists(
    st.fixed_dictionaries({"competency:C1": rating, "competency:C2": rating}),
    max_size=7,
)
case = st.fixed_dictionaries(
    {
        "manager": rated_items,
        "actuals": actuals,
        "self": st.none() | rated_items,
        "peers": peer_ratings,
    }
)


def entry_rows(c: dict, peer_ids: list[str] | None = None, with_peers: bool = True) -> list:
    rows = [("E002", "E001", "manager", k, "rating", v, None, 1) for k, v in c["manager"].items()]
    rows += [("E002", "E001", "manager", k, "actual", v, None, 1) for k, v in c["actuals"].items()]
    if c["self"]:
        rows += [("E002", "E002", "self", k, "rating", v, None, 2) for k, v in c["self"].items()]
    ids = peer_ids or [f"P{i}" for i in range(len(c["peers"]))]
    if with_peers:
        for i, (pid, ratings) in enumerate(zip(ids, c["peers"], strict=False)):
            rows += [
                ("E002", pid, "peer", k, "rating", v, None, 10 + i) for k, v in ratings.items()
            ]
    return rows


def e002(rows, plan=PLAN):
    results = compute(plan, LedgerInputs(entries_frame(rows)), history=()).results
    return next(r for r in results if r.employee_id == "E002")


@pytest.mark.slow
@settings(max_examples=20, deadline=None)
@given(case, st.randoms(use_true_random=False))
def test_permutation_of_raters_changes_nothing(c, rnd: random.Random):
    base = e002(entry_rows(c))
    ids = [f"Q{i:02d}" for i in range(len(c["peers"]))]
    rnd.shuffle(ids)  # other ids, in another order: the sort order of the raters changes too
    rows = entry_rows(c, ids)
    rnd.shuffle(rows)
    assert e002(rows).model_dump() == base.model_dump()


@pytest.mark.slow
@settings(max_examples=15, deadline=None)
@given(case, st.sampled_from([0.5, 0.25, 0.1]))
def test_rater_weights_renormalise(c, factor):
    """Only the weights' ratios matter; an item's score is the weighted mean of the types
    present, weights divided by the sum of the present types' weights."""
    scaled = PLAN.model_copy(
        update={
            "rater_types": [
                t.model_copy(update={"weight": t.weight * factor}) for t in PLAN.rater_types
            ]
        }
    )
    base = e002(entry_rows(c))
    assert e002(entry_rows(c), scaled).model_dump() == base.model_dump()
    weights = {t.id: t.weight for t in PLAN.rater_types}
    for item in [*base.tasks, *base.competencies]:
        present = {t: s.points for t, s in item.by_type.items() if s.shown}
        total = sum(weights[t] for t in present)
        by_hand = sum(p * weights[t] / total for t, p in present.items())
        assert abs(item.score - by_hand) <= 0.005 + 1e-9


@pytest.mark.slow
@settings(max_examples=15, deadline=None)
@given(case)
def test_a_missing_optional_type_never_counts_as_zero(c):
    with_peers = e002(entry_rows(c))
    without = e002(entry_rows(c, with_peers=False))
    assert without.complete and "peer" not in without.missing_types
    for item in without.competencies:
        present = [s.points for s in item.by_type.values()]
        # the renormalised mean of the types present: never below the lowest of them
        assert min(present) - 0.005 <= item.score <= max(present) + 0.005
        points = {t: s.points for t, s in item.by_type.items()}
        assert item.score == round_half_up(combine_rater_types(points, WEIGHTS))
    assert with_peers.complete == without.complete


@pytest.mark.slow
@settings(max_examples=25, deadline=None)
@given(case)
def test_scores_stay_in_range(c):
    r = e002(entry_rows(c))
    assert r.complete and r.grade is not None
    for item in [*r.tasks, *r.competencies]:
        assert 40 <= item.score <= 100  # the scale's points
    for kpi in r.kpis:
        assert 0 <= kpi.score <= 120  # linear capped at 120%, bands and deductions <= 100
    assert 0 <= r.section_scores["kpi"] <= 120
    assert 0 <= r.total_score <= 0.6 * 120 + 0.4 * 100
    assert min(r.section_scores.values()) - 0.01 <= r.total_score
    assert r.total_score <= max(r.section_scores.values()) + 0.01


@settings(max_examples=15, deadline=None)
@given(case)
def test_hidden_groups_reveal_nothing(c):
    r = e002(entry_rows(c))
    for item in r.competencies:
        peer = item.by_type.get("peer")
        if peer is not None and not peer.shown:
            assert peer.count < 3 and peer.points is None and peer.mean_rating is None
            assert set(item.by_type) - {"peer"}  # the score comes from the others only
            present = {t: s.points for t, s in item.by_type.items() if t != "peer"}
            assert item.score == round_half_up(combine_rater_types(present, WEIGHTS))
