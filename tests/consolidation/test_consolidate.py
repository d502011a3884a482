"""Consolidation on hand-worked cases: every step of the computation, on a real ledger.

The small plan (tests/conftest.py): sales weights KPI 60 / task 20 / competency 20; rater
weights self 10, manager 60 (required), peer 20 (min 3, anonymous), subordinate 10 (min 3);
scale 1..5 -> 40, 60, 75, 90, 100 points.
"""

from __future__ import annotations

import pytest
from ledger_builder import LedgerBuilder

from perfsheets.consolidation.run import consolidate
from perfsheets.core.model import Grade, Grading
from perfsheets.core.problems import PerfsheetsError
from perfsheets.core.scoring import round_half_up
from perfsheets.ledger.results import load_results, run_summary

MANAGER_E002 = {"task:T1": 4, "competency:C1": 4, "competency:C2": 3}
ACTUALS_E002 = {"kpi:S01": 110, "kpi:S02": 90, "kpi:S03": 1}


def rate_e002(lb: LedgerBuilder, manager: bool = True) -> None:
    """The case worked by hand in test_hand_worked_total."""
    if manager:
        lb.rate(
            "E001",
            "E002",
            "manager",
            MANAGER_E002,
            ACTUALS_E002,
            comments={"strengths": "客户关系维护得好"},
        )
    lb.rate(
        "E002",
        "E002",
        "self",
        {"task:T1": 5, "competency:C1": 5, "competency:C2": 4},
        {"kpi:S01": 120, "kpi:S02": 95, "kpi:S03": 0},
        comments={"summary": "完成了华东市场开拓"},
    )
    for peer, c1, c2 in (("E003", 3, 3), ("E004", 4, 3), ("E005", 5, 4)):
        lb.rate(
            peer,
            "E002",
            "peer",
            {"competency:C1": c1, "competency:C2": c2},
            comments={"strengths": f"同事{peer}的评语"},
        )


def result_of(ws, employee: str):
    from perfsheets.ledger.workspace import Workspace

    with Workspace(ws).ledger() as conn:
        return load_results(conn, [employee])[0]


@pytest.fixture
def lb(tmp_path, small_plan) -> LedgerBuilder:
    return LedgerBuilder(tmp_path / "2026Q4", small_plan)


def test_hand_worked_total(lb):
    rate_e002(lb)
    out = consolidate(lb.root, previous=[])
    r = next(x for x in out.results if x.employee_id == "E002")
    # KPIs from the manager's actuals: 110/100 -> 110; 90/95 = 0.947 -> band 0.9 -> 80;
    # one complaint -> 100 - 10 = 90. Section: (110*50 + 80*30 + 90*20) / 100 = 97.
    assert [(k.actual, k.actual_source, k.score) for k in r.kpis] == [
        (110, "manager", 110),
        (90, "manager", 80),
        (1, "manager", 90),
    ]
    assert r.section_scores["kpi"] == 97
    # Task: self 5 -> 100, manager 4 -> 90; (100*10 + 90*60) / 70 = 91.43.
    assert r.tasks[0].score == 91.43
    # C1: self 100, manager 90, peers 75/90/100 -> 88.33; (1000 + 5400 + 88.33*20) / 90.
    c1, c2 = r.competencies
    assert c1.by_type["peer"].points == 88.33
    assert c1.by_type["peer"].mean_rating == 4
    assert c1.score == 90.74
    # C2: self 90, manager 75, peers 75/75/90 -> 80; (900 + 4500 + 1600) / 90 = 77.78.
    assert c2.score == 77.78
    assert r.section_scores["competency"] == 84.26  # (90.74 + 77.78) / 2
    # Total: (97*60 + 91.43*20 + 84.26*20) / 100 = 93.338 -> 93.34, grade A (85..95).
    assert r.total_score == 93.34
    assert (r.grade, r.coefficient, r.complete) == ("A", 1.2, True)
    assert r.kpis[0].weighted == 55 and c1.weighted == 45.37


def test_agreement_and_self_vs_others(lb):
    rate_e002(lb)
    r = next(x for x in consolidate(lb.root, previous=[]).results if x.employee_id == "E002")
    c1, c2 = r.competencies
    # others on C1: 4 (manager), 3, 4, 5 -> population std 0.71; C2: 3, 3, 3, 4 -> 0.43
    assert (c1.spread, c2.spread) == (0.71, 0.43)
    assert not c1.high_disagreement
    gaps = {g.code: g for g in r.gaps}
    # C1: self 5, others (4*60 + 4*20) / 80 = 4 -> gap 1.0 = blind spot threshold
    assert (gaps["C1"].others_rating, gaps["C1"].gap, gaps["C1"].kind) == (4, 1, "blind_spot")
    # C2: others (3*60 + 3.33*20) / 80 = 3.08 -> gap 0.92: no flag
    assert (gaps["C2"].others_rating, gaps["C2"].gap, gaps["C2"].kind) == (3.08, 0.92, None)
    # two such items (T1 and C1): under the plan's default of three, no flag on the person
    assert "blind_spot" not in r.flags  # (tests/consolidation/test_flags.py)


def test_missing_required_manager_makes_result_incomplete(lb):
    rate_e002(lb, manager=False)
    out = consolidate(lb.root, previous=[])
    r = next(x for x in out.results if x.employee_id == "E002")
    assert r.complete is False and r.grade is None and r.coefficient is None
    assert r.missing_types == ["manager"]
    assert r.flags[:1] == ["incomplete"] and "missing_type" in r.flags
    # The self-entered actuals count when there is no manager entry: a provisional total only
    assert r.kpis[0].actual_source == "self" and r.kpis[0].score == 120
    with lb.ws.ledger() as conn:
        summary = run_summary(conn)
    listed = {i["employee_id"]: i for i in summary["incomplete"]}
    assert listed["E002"]["missing_types"] == ["manager"]
    assert out.distribution == {"S": 0, "A": 0, "B": 0, "C": 0, "D": 0}


def test_the_ceo_without_a_manager_is_not_missing_one(lb):
    # E001 has no manager in the roster: no manager rating is expected.
    lb.rate(
        "E001",
        "E001",
        "self",
        {"task:T1": 4, "competency:C1": 4, "competency:C2": 4},
        {"kpi:S01": 100, "kpi:S02": 95, "kpi:S03": 0},
    )
    r = result_of(consolidate(lb.root, previous=[]).workspace, "E001")
    assert r.missing_types == [] and r.complete and r.grade is not None


def test_trimmed_mean_with_five_raters_of_one_type(lb):
    rate_e002(lb)
    for peer, c1 in (("E006", 1), ("E007", 5)):
        lb.rate(peer, "E002", "peer", {"competency:C1": c1, "competency:C2": 3})
    r = result_of(consolidate(lb.root, previous=[]).workspace, "E002")
    c1 = r.competencies[0]
    # peers' C1 ratings 3, 4, 5, 1, 5 -> points 75, 90, 100, 40, 100: drop 100 and 40 once
    # -> (75 + 90 + 100) / 3 = 88.33; scale mean (3 + 4 + 5) / 3 = 4
    assert c1.by_type["peer"].count == 5
    assert c1.by_type["peer"].points == 88.33 and c1.by_type["peer"].mean_rating == 4


def test_small_anonymous_group_is_hidden_and_not_counted(lb):
    rate_e002(lb)
    # E003 gets only two peers: below the minimum of 3
    lb.rate(
        "E001",
        "E003",
        "manager",
        {"task:T1": 3, "competency:C1": 3, "competency:C2": 3},
        {"kpi:S01": 100, "kpi:S02": 95, "kpi:S03": 0},
    )
    for peer in ("E004", "E005"):
        lb.rate(
            peer,
            "E003",
            "peer",
            {"competency:C1": 5, "competency:C2": 5},
            comments={"improvements": f"来自{peer}"},
        )
    r = result_of(consolidate(lb.root, previous=[]).workspace, "E003")
    peer = r.competencies[0].by_type["peer"]
    assert (peer.count, peer.shown, peer.points, peer.mean_rating) == (2, False, None, None)
    assert r.competencies[0].score == 75  # the manager's 3 alone: the hidden 5s do not count
    assert [g.rater_type for g in r.comments] == []  # and their comments are withheld
    counted = result_of(
        consolidate(lb.root, previous=[], count_hidden=True).workspace, "E003"
    ).competencies[0]
    assert counted.score == 81.25  # manager 75 (weight 60), peers 100 (20): 6500 / 80


def test_comments_authors_only_for_self_and_manager(lb):
    rate_e002(lb)
    r = result_of(consolidate(lb.root, previous=[]).workspace, "E002")
    groups = {g.rater_type: g.comments for g in r.comments}
    assert groups["self"][0].author == "李娜" and groups["self"][0].field == "summary"
    assert groups["manager"][0].author == "王经理"
    assert {c.author for c in groups["peer"]} == {None}
    assert sorted(c.text for c in groups["peer"]) == [
        "同事E003的评语",
        "同事E004的评语",
        "同事E005的评语",
    ]
    again = result_of(consolidate(lb.root, previous=[]).workspace, "E002")
    assert [c.text for c in groups["peer"]] == [
        c.text for g in again.comments if g.rater_type == "peer" for c in g.comments
    ]


def test_imported_actual_and_target_change_win(lb):
    rate_e002(lb)
    lb.import_actual("E002", "S01", 90)
    lb.change_target("E002", "S01", 100, 80)
    lb.appeal("E002", "upheld")
    r = result_of(consolidate(lb.root, previous=[]).workspace, "E002")
    s01 = r.kpis[0]
    assert (s01.actual, s01.actual_source) == (90, "import")
    assert (s01.target, s01.original_target, s01.score) == (80, 100, 112.5)
    assert s01.completion == 1.125
    assert [c.new_target for c in r.target_changes] == [80]
    assert [a.status for a in r.appeals] == ["upheld"]
    assert {"target_changed", "appeal_decided"} <= set(r.flags)


def test_superseded_return_is_ignored(lb):
    rate_e002(lb)
    lb.rate("E001", "E002", "manager", {**MANAGER_E002, "task:T1": 5}, ACTUALS_E002)
    r = result_of(consolidate(lb.root, previous=[]).workspace, "E002")
    assert r.tasks[0].by_type["manager"].mean_rating == 5
    assert r.tasks[0].by_type["manager"].count == 1


def test_strengths_and_development_come_from_scores(lb):
    rate_e002(lb)
    r = result_of(consolidate(lb.root, previous=[]).workspace, "E002")
    # item scores: S01 110, S02 80, S03 90, T1 91.43, C1 90.74, C2 77.78 -> top 3, bottom 3
    assert r.strengths == ["销售额完成率", "开拓华东市场", "团队合作"]
    assert r.development_areas == ["沟通能力", "回款率", "客户投诉"]


def test_unknown_calibration_is_a_configuration_error(lb):
    with pytest.raises(PerfsheetsError, match="zscore"):
        consolidate(lb.root, calibration="median", previous=[])


def test_grade_thresholds_and_consequence(tmp_path, small_plan):
    levels = [
        Grade(code="A", name="好", min_score=90, coefficient=1.3),
        Grade(code="C", name="差", min_score=0, coefficient=0.5, consequence="需制定绩效改进计划"),
    ]
    plan = small_plan.model_copy(update={"grading": Grading(levels=levels)})
    lb = LedgerBuilder(tmp_path / "ws", plan)
    rate_e002(lb)
    r = result_of(consolidate(lb.root, previous=[]).workspace, "E002")
    assert (r.grade, r.coefficient, r.consequence) == ("A", 1.3, "")


def test_kpi_actual_priority(tmp_path, small_plan):
    lb = LedgerBuilder(tmp_path / "ws", small_plan)
    lb.rate("E002", "E002", "self", {"task:T1": 4}, {"kpi:S01": 120})
    lb.rate("E003", "E002", "peer", {"competency:C1": 4}, {"kpi:S01": 50})
    r = result_of(consolidate(lb.root, previous=[]).workspace, "E002")
    assert (r.kpis[0].actual, r.kpis[0].actual_source) == (120, "self")  # self before peers
    agg = small_plan.aggregation.model_copy(update={"kpi_actual_priority": ["self", "manager"]})
    lb2 = LedgerBuilder(tmp_path / "ws2", small_plan.model_copy(update={"aggregation": agg}))
    rate_e002(lb2)
    r = result_of(consolidate(lb2.root, previous=[]).workspace, "E002")
    assert [k.actual_source for k in r.kpis] == ["self"] * 3
    assert [k.actual for k in r.kpis] == [120, 95, 0]


def test_progress_reports_every_employee(lb):
    rate_e002(lb)
    calls = []
    consolidate(lb.root, previous=[], progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (7, 7)


def test_kpi_that_cannot_be_scored_leaves_the_result_incomplete(lb):
    rate_e002(lb)
    lb.change_target("E002", "S01", 100, 0)  # a ratio against zero means nothing
    r = result_of(consolidate(lb.root, previous=[]).workspace, "E002")
    assert r.kpis[0].actual == 110 and r.kpis[0].score is None
    assert r.section_scores["kpi"] is None and r.total_score is None and r.grade is None
    assert r.flags[0] == "incomplete" and "kpi_not_scored" in r.flags
    assert "missing_actual" not in r.flags


def test_zscore_calibration_is_used_in_the_scores(small_plan):
    import statistics

    from perfsheets.consolidation.run import LedgerInputs, compute, entries_frame

    # manager A rates three people 2, 3, 4 (60, 75, 90 points); B gives three others 5 (100)
    rows = [
        (e, "A", "manager", "competency:C1", v, None, 1)
        for e, v in (("E002", 2), ("E003", 3), ("E004", 4))
    ]
    rows += [(e, "B", "manager", "competency:C1", 5, None, 2) for e in ("E005", "E006", "E007")]
    rows = [
        (ratee, rater, t, item, "rating", v, txt, rid)
        for ratee, rater, t, item, v, txt, rid in rows
    ]
    comp = compute(small_plan, LedgerInputs(entries_frame(rows)), calibration="zscore")
    points = {
        r.employee_id: r.competencies[0].by_type["manager"].points
        for r in comp.results
        if r.employee_id != "E001"
    }
    pool = [60, 75, 90, 100, 100, 100]
    mean, std = statistics.fmean(pool), statistics.pstdev(pool)
    assert points["E005"] == points["E006"] == round_half_up(mean)  # B rates everyone alike
    a_std = statistics.pstdev([60, 75, 90])
    assert points["E002"] == round_half_up(mean + (60 - 75) / a_std * std)
    assert points["E003"] == round_half_up(mean)
    assert comp.summary["calibration"]["calibrated_raters"] == 2
    raw = compute(small_plan, LedgerInputs(entries_frame(rows)), calibration="none")
    e002 = next(r for r in raw.results if r.employee_id == "E002")
    assert e002.competencies[0].by_type["manager"].points == 60 and e002.calibration == "none"


def test_strengths_and_development_never_overlap_on_ties():
    from perfsheets.consolidation.scorecard import strengths_and_development

    scores = [116, 115, 100, 100, 100, 98.75, 100, 100]
    items = [{"name": f"i{n}", "score": s} for n, s in enumerate(scores)]
    assert strengths_and_development(items) == (["i0", "i1"], ["i5"])  # the 100s are the median
    same = [{"name": f"i{n}", "score": 90} for n in range(4)]
    assert strengths_and_development(same) == ([], [])


def test_a_required_manager_nobody_was_assigned_makes_the_result_incomplete(tmp_path, small_plan):
    # E002's manager E001 is inactive: no manager form was generated, so none can come back.
    people = [
        e.model_copy(update={"is_active": False}) if e.id == "E001" else e
        for e in small_plan.roster.employees
    ]
    plan = small_plan.model_copy(
        update={"roster": small_plan.roster.model_copy(update={"employees": people})}
    )
    lb = LedgerBuilder(tmp_path / "ws", plan)
    rate_e002(lb, manager=False)
    r = result_of(consolidate(lb.root, previous=[]).workspace, "E002")
    assert r.missing_types == ["manager"]
    assert (r.complete, r.grade) == (False, None)


def test_nothing_to_consolidate_without_an_accepted_return(lb):
    from perfsheets.core.problems import PerfsheetsError

    with pytest.raises(PerfsheetsError, match="collect") as caught:
        consolidate(lb.root, previous=[])
    assert caught.value.exit_code == 1
    assert not (lb.root / "results" / "scores.csv").exists()


def test_a_relation_removed_and_forms_generated_again_no_longer_counts(lb, small_plan):
    """E005's peer rating of E002 stays on record, but the forms generated after the relation
    was removed no longer hold it: it leaves the scores (and is listed)."""
    from perfsheets.ledger.forms import FormSheet, store_form

    rate_e002(lb)
    before = next(r for r in consolidate(lb.root, previous=[]).results if r.employee_id == "E002")
    peers = next(c for c in before.competencies if c.code == "C1").by_type["peer"]
    assert peers.count == 3
    with lb.ws.ledger() as conn:  # E005's new form (a later generation) rates E003 only
        sheet = FormSheet("E003", "E003", "peer", "{}")
        later = "2999-01-01T00:00:00+00:00"  # generated after the first forms
        store_form(conn, "E005-gen2", lb.version, "E005", "E005-gen2.xlsx", "d", later, [sheet])
    out = consolidate(lb.root, previous=[])
    after = next(r for r in out.results if r.employee_id == "E002")
    assert next(c for c in after.competencies if c.code == "C1").by_type["peer"].count == 2
    assert out.dropped_relations == 1
    with lb.ws.ledger() as conn:
        assert run_summary(conn)["dropped_relations"] == [
            {"rater": "E005", "ratee": "E002", "rater_type": "peer", "entries": 3}
        ]
