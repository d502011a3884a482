"""无法评价 / N/A: offered on the forms when the plan allows it, collected as an answer (not a
missing rating), scored from the raters who did rate, weights renormalised, said in the report."""

from __future__ import annotations

from pathlib import Path

import pytest
from collect_support import (
    bounded_plan,
    find_cell,
    form_path,
    ledger_rows,
    load_workbook,
    prepared_workspace,
    put,
)

from perfsheets.collect.run import collect_returns
from perfsheets.consolidation.run import consolidate
from perfsheets.core.model import Plan
from perfsheets.core.scoring import is_not_rated
from perfsheets.ledger.workspace import Workspace

SELF = "自评 李娜"  # E002's own sheet
MANAGED = "李娜 E002"  # E002's sheet in the forms of E001 (manager) and of E002's peers


def allowing_na(plan: Plan, **agg: object) -> Plan:
    update = {"allow_na": True, **agg}
    return plan.model_copy(update={"aggregation": plan.aggregation.model_copy(update=update)})


@pytest.fixture
def plan(small_plan) -> Plan:
    return allowing_na(bounded_plan(small_plan))


@pytest.fixture
def ws(tmp_path: Path, tmp_path_factory, plan) -> Workspace:
    return prepared_workspace(tmp_path_factory, "cycle-na", plan, tmp_path / "cycle")


def edited(ws: Workspace, rater: str, *edits) -> Path:
    """The rater's filled form, edited, dropped into returns/."""
    wb = load_workbook(ws.root / "filled" / f"{rater}.xlsx")
    for edit in edits:
        edit(wb)
    dst = ws.returns / form_path(ws, rater).name
    wb.save(dst)
    return dst


def peers_of_e002(ws: Workspace) -> list[str]:
    rows = ledger_rows(
        ws,
        "SELECT f.rater_id FROM form_sheets s JOIN forms f USING (form_id)"
        " WHERE s.ratee_id='E002' AND s.rater_type='peer' ORDER BY f.rater_id",
    )
    return [r for (r,) in rows]


def test_the_form_offers_na_and_explains_it(ws):
    wb = load_workbook(form_path(ws, "E002"))
    sheet = wb[SELF]
    cell = find_cell(sheet, "competency:C1", "rating")
    lists = [
        dv.formula1
        for dv in sheet.data_validations.dataValidation
        if dv.type == "list" and cell in dv.sqref
    ]
    assert lists == ['"5,4,3,2,1,无法评价"']
    texts = [
        str(c.value) for ws_ in wb.worksheets for row in ws_.iter_rows() for c in row if c.value
    ]
    assert any("无法评价" in t and "不要猜测" in t for t in texts)  # the instructions
    assert any(t.startswith("选“无法评价”的项目不计分") for t in texts)  # how scores are calculated


def test_na_is_an_answer_not_a_missing_rating(ws, plan):
    # The manager must rate; N/A (in any width or case, or 无法评价) counts as an answer.
    path = edited(ws, "E001", put(MANAGED, "competency:C1", "ｎ/ａ"))
    result = collect_returns(ws.root, [path], plan=plan, workers=0)
    assert result.files[0].outcome == "accepted"
    assert result.report.codes() == []
    rows = ledger_rows(
        ws,
        "SELECT item_key, field, value_num FROM entries WHERE ratee_id='E002'"
        " AND rater_type='manager' AND item_key IN ('competency:C1', 'task:T1')"
        " ORDER BY item_key",
    )
    assert rows == [("competency:C1", "na", None), ("task:T1", "rating", 4)]


def test_na_is_refused_where_the_plan_does_not_allow_it(ws, plan):
    strict = plan.model_copy(
        update={"aggregation": plan.aggregation.model_copy(update={"allow_na": False})}
    )
    path = edited(ws, "E001", put(MANAGED, "competency:C1", "无法评价"))
    result = collect_returns(ws.root, [path], plan=strict, workers=0)
    assert result.report.codes() == ["not-allowed", "partly-accepted"]
    problem = next(iter(result.report))
    assert problem.sheet == MANAGED
    assert "请选择 1, 2, 3, 4, 5" in problem.message("zh-CN")
    assert result.files[0].outcome == "accepted" and result.files[0].rejected_sheets == 1


def test_many_na_answers_are_pointed_out(ws, plan):
    everything = [
        put(MANAGED, k, "无法评价") for k in ("task:T1", "competency:C1", "competency:C2")
    ]
    path = edited(ws, "E001", *everything)
    result = collect_returns(ws.root, [path], plan=plan, workers=0)
    assert result.files[0].outcome == "accepted"
    (problem,) = list(result.report)
    assert (problem.code, problem.severity, problem.sheet) == (
        "many-not-rated",
        "warning",
        MANAGED,
    )
    assert problem.message("zh-CN") == (
        "3/3 项评为“无法评价”（被评人 E002）：请确认是否确实无法评价"
    )
    assert problem.message("en") == (
        "3 of 3 items marked N/A (ratee E002): check that they really cannot be rated"
    )


def test_scores_come_from_those_who_rated(ws, plan):
    """E002's C1: self says N/A, the manager 5 (100 points), each peer 4 (90 points): the
    combined score is over manager and peers, their weights renormalised, (100·60 + 90·20) / 80
    = 97.5; C2 nobody could rate: left out of the section, C1 carries all of it."""
    peers = peers_of_e002(ws)
    assert len(peers) >= 3  # peers are shown and counted (min_count 3)
    paths = [
        edited(
            ws,
            "E002",
            put(SELF, "competency:C1", "无法评价"),
            put(SELF, "competency:C2", "无法评价"),
        ),
        edited(
            ws,
            "E001",
            put(MANAGED, "competency:C1", 5),
            put(MANAGED, "competency:C2", "无法评价"),
        ),
        *[edited(ws, p, put(MANAGED, "competency:C2", "N/A")) for p in peers],
    ]
    others = [ws.root / "filled" / f"{r}.xlsx" for r in ("E003", "E004", "E005", "E006", "E007")]
    collected = collect_returns(ws.root, paths, plan=plan, workers=0)
    assert all(f.outcome == "accepted" for f in collected.files)
    rest = [p for p in others if p.stem not in peers]
    collect_returns(ws.root, rest, plan=plan, workers=0)

    result = consolidate(ws.root, plan=plan, previous=[])
    e002 = next(r for r in result.results if r.employee_id == "E002")
    c1, c2 = e002.competencies
    assert c1.code == "C1" and set(c1.by_type) == {"manager", "peer"}
    assert c1.by_type["manager"].points == 100 and c1.by_type["peer"].points == 90
    assert (c1.score, c1.not_rated, c1.left_out) == (97.5, 1, False)
    # self and the manager said N/A on C2; so did the peers, but an anonymous group that is
    # not shown on an item (no peer rated it) is not told of, not even its N/A answers
    assert (c2.score, c2.not_rated, c2.left_out) == (None, 2, True)
    assert e002.section_scores["competency"] == 97.5
    assert (c1.weighted, c2.weighted) == (97.5, None)  # C1's weighted share is all of it
    assert e002.complete and "missing_rating" not in e002.flags
    assert not any(is_not_rated(r) for r in (c1.score, c2.score))


def test_a_hidden_groups_na_is_not_told(ws, plan):
    """Two of E002's peers rate C1, the third answers N/A: with fewer than 3 peer ratings the
    group is hidden, and so is that one of them could not rate (the report's ‡ would say it)."""
    peers = peers_of_e002(ws)
    paths = [edited(ws, peers[0], put(MANAGED, "competency:C1", "无法评价"))]
    paths += [ws.root / "filled" / f"{r}.xlsx" for r in ("E001", "E002", *peers[1:])]
    assert all(
        f.outcome == "accepted" for f in collect_returns(ws.root, paths, plan=plan, workers=0).files
    )
    result = consolidate(ws.root, plan=plan, previous=[])
    c1 = next(r for r in result.results if r.employee_id == "E002").competencies[0]
    assert c1.by_type["peer"].count == len(peers) - 1 and not c1.by_type["peer"].shown
    assert (c1.not_rated, c1.left_out) == (0, False)
