"""Blind-spot and hidden-strength flags fire on a pattern, not on one item off by a point.

E002 hand-worked (tests/consolidation/test_consolidate.py, scale points): self T1 5, C1 5, C2 4;
manager T1 4, C1 4, C2 3; peers C1 3/4/5, C2 3/3/4. Others combined (manager 60, peer 20):
T1 4 (gap +1, one other rater: no spread), C1 4 (gap +1, others' spread 0.71), C2 3.08 (gap
+0.92, under the 1.0 threshold).
"""

from __future__ import annotations

from ledger_builder import LedgerBuilder
from test_consolidate import result_of

from perfsheets.consolidation.run import consolidate


def rate(lb: LedgerBuilder, c1_peers: tuple[int, int, int] = (3, 4, 5)) -> None:
    lb.rate(
        "E001",
        "E002",
        "manager",
        {"task:T1": 4, "competency:C1": 4, "competency:C2": 3},
        {"kpi:S01": 110, "kpi:S02": 90, "kpi:S03": 1},
    )
    lb.rate("E002", "E002", "self", {"task:T1": 5, "competency:C1": 5, "competency:C2": 4})
    for peer, c1, c2 in zip(("E003", "E004", "E005"), c1_peers, (3, 3, 4), strict=True):
        lb.rate(peer, "E002", "peer", {"competency:C1": c1, "competency:C2": c2})


def gap_kinds(result) -> dict[str, str | None]:
    return {g.code: g.kind for g in result.gaps}


def with_min_items(plan, n: int):
    return plan.model_copy(
        update={"aggregation": plan.aggregation.model_copy(update={"blind_spot_min_items": n})}
    )


def test_two_items_beyond_the_threshold_and_the_spread_flag_a_blind_spot(tmp_path, small_plan):
    lb = LedgerBuilder(tmp_path / "ws", with_min_items(small_plan, 2))
    rate(lb)
    consolidate(lb.root, previous=[])
    e002 = result_of(lb.root, "E002")
    assert gap_kinds(e002) == {"T1": "blind_spot", "C1": "blind_spot", "C2": None}
    assert "blind_spot" in e002.flags


def test_by_default_three_items_make_a_pattern(tmp_path, small_plan):
    assert small_plan.aggregation.blind_spot_min_items == 3
    lb = LedgerBuilder(tmp_path / "ws", small_plan)
    rate(lb)
    consolidate(lb.root, previous=[])
    e002 = result_of(lb.root, "E002")
    assert gap_kinds(e002)["C1"] == "blind_spot"  # the items still show their gap
    assert "blind_spot" not in e002.flags


def test_a_gap_within_the_others_spread_is_no_blind_spot(tmp_path, small_plan):
    # C1 others: manager 4, peers 2/5/5 -> combined 4 (gap +1) but their spread is 1.22
    lb = LedgerBuilder(tmp_path / "ws", with_min_items(small_plan, 1))
    rate(lb, c1_peers=(2, 5, 5))
    consolidate(lb.root, previous=[])
    e002 = result_of(lb.root, "E002")
    assert gap_kinds(e002) == {"T1": "blind_spot", "C1": None, "C2": None}
    assert "blind_spot" in e002.flags  # T1 alone, with the plan asking for one item
