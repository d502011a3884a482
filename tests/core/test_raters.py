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


def test_peer_choice_is_stable(small_plan):
    assert build_assignments(small_plan) == build_assignments(small_plan)
