"""Who rates whom: reporting lines, peers from the same department, the same choice every run."""

from perfsheets.core.raters import build_assignments


def test_assignments_follow_reporting_lines(small_plan):
    pairs = {(a.rater, a.ratee): a.type for a in build_assignments(small_plan)}
    assert pairs[("E002", "E002")] == "self"
    assert pairs[("E001", "E002")] == "manager"
    assert pairs[("E002", "E001")] == "subordinate"
    assert pairs[("E006", "E007")] == "manager"
    peers = [p for p, t in pairs.items() if t == "peer" and p[1] == "E003"]
    assert len(peers) == 3  # three of the other sales people (the manager is excluded)
    assert all(small_plan.employee_map()[r].department == "销售部" for r, _ in peers)


def test_peer_choice_is_stable(under_two_hash_seeds):
    # The same peers in every run means: in every process, whatever its hash seed (a choice made
    # from a set or by hash() differs between processes, never within one).
    code = (
        "from plan_support import make_small_plan\n"
        "from perfsheets.core.raters import build_assignments\n"
        "for a in build_assignments(make_small_plan()): print(a.rater, a.ratee, a.type)\n"
    )
    (listing,) = under_two_hash_seeds(code)
    assert listing.count(" peer\n") == 4 * 3  # the four sales people below E001: three peers each
