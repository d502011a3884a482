"""Earlier cycles: trends, promotion candidates and the year roll-up, from real ledgers."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from ledger_builder import LedgerBuilder
from test_consolidate import rate_e002

from perfsheets.consolidation.run import consolidate, rollup_year
from perfsheets.core.model import Grade, Grading, Rollup, RollupPart
from perfsheets.core.problems import PerfsheetsError
from perfsheets.core.scoring import round_half_up


def cycle_plan(plan, cycle_id: str, period: str, start: dt.date, end: dt.date, **extra):
    cycle = plan.cycle.model_copy(
        update={
            "id": cycle_id,
            "name": cycle_id,
            "period": period,
            "start": start,
            "end": end,
            "due": end,
        }
    )
    return plan.model_copy(update={"cycle": cycle, **extra})


@pytest.fixture
def s_at_90(small_plan):
    """E002's hand-worked 93.34 is an S when S starts at 90."""
    levels = [
        Grade(code="S", name="卓越", min_score=90, coefficient=1.5),
        Grade(code="B", name="良好", min_score=0, coefficient=1.0),
    ]
    return small_plan.model_copy(update={"grading": Grading(levels=levels, promotion_after=2)})


def test_trend_and_promotion_from_a_sibling_workspace(tmp_path, s_at_90):
    q3 = cycle_plan(s_at_90, "2026Q3", "quarter", dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    first = LedgerBuilder(tmp_path / "2026Q3", q3)
    rate_e002(first)
    r3 = next(r for r in consolidate(first.root).results if r.employee_id == "E002")
    assert r3.grade == "S" and "promotion_candidate" not in r3.flags  # one cycle only

    second = LedgerBuilder(tmp_path / "2026Q4", s_at_90)
    rate_e002(second)
    other = s_at_90.company.model_copy(update={"name": "别家公司"})
    q2 = cycle_plan(
        s_at_90, "2026Q2", "quarter", dt.date(2026, 4, 1), dt.date(2026, 6, 30), company=other
    )
    elsewhere = LedgerBuilder(tmp_path / "other-company", q2)
    rate_e002(elsewhere)
    consolidate(elsewhere.root, previous=[])
    out = consolidate(second.root)  # previous=None: siblings of the same company, earlier
    assert out.previous_cycles == ["2026Q3"]
    r4 = next(r for r in out.results if r.employee_id == "E002")
    assert [(t.cycle_id, t.total_score, t.grade) for t in r4.trend] == [
        ("2026Q3", 93.34, "S"),
        ("2026Q4", 93.34, "S"),
    ]
    assert "promotion_candidate" in r4.flags
    assert consolidate(second.root, previous=[]).previous_cycles == []


def test_explicit_previous_without_results_is_an_error(tmp_path, small_plan):
    empty = LedgerBuilder(tmp_path / "empty", small_plan)
    lb = LedgerBuilder(tmp_path / "ws", small_plan)
    with pytest.raises(PerfsheetsError, match="consolidate"):
        consolidate(lb.root, previous=[empty.root])


def test_year_rollup_by_period_weights(tmp_path, small_plan):
    rule = Rollup(
        parts=[RollupPart(period="quarter", weight=60), RollupPart(period="year", weight=40)]
    )
    plan = small_plan.model_copy(update={"rollup": [rule]})
    cycles = [
        ("2026Q3", "quarter", dt.date(2026, 7, 1), dt.date(2026, 9, 30), {"task:T1": 3}),
        ("2026Q4", "quarter", dt.date(2026, 10, 1), dt.date(2026, 12, 31), {"task:T1": 5}),
        ("2026", "year", dt.date(2026, 1, 1), dt.date(2026, 12, 31), {"task:T1": 4}),
    ]
    roots, totals = [], {}
    for cycle_id, period, start, end, task in cycles:
        lb = LedgerBuilder(tmp_path / cycle_id, cycle_plan(plan, cycle_id, period, start, end))
        rate_e002(lb)
        lb.rate(
            "E001",
            "E002",
            "manager",
            {"competency:C1": 4, "competency:C2": 3, **task},
            {"kpi:S01": 110, "kpi:S02": 90, "kpi:S03": 1},
        )
        if cycle_id != "2026":  # E006 has no year result
            lb.rate("E001", "E006", "manager", {"competency:C1": 4}, {"kpi:A01": 100})
        out = consolidate(lb.root, previous=[])
        totals[cycle_id] = {r.employee_id: r.total_score for r in out.results if r.complete}
        roots.append(lb.root)
    # Q1 and Q2 are missing: only a partial roll-up is possible (test_rollup.py: the refusal).
    year = rollup_year(roots, out=tmp_path / "year_scores.csv", allow_partial=True)
    by_id = {r.employee_id: r for r in year.results}
    e002 = by_id["E002"]
    quarter = (totals["2026Q3"]["E002"] + totals["2026Q4"]["E002"]) / 2
    assert e002.parts[0].cycles == ["2026Q3", "2026Q4"]
    assert e002.parts[0].mean == round_half_up(quarter)
    by_hand = (e002.parts[0].mean * 60 + totals["2026"]["E002"] * 40) / 100
    assert e002.year_score == round_half_up(by_hand)
    assert e002.grade is not None and (e002.complete, e002.partial) == (False, True)
    assert e002.missing_periods == ["2026年第1季度", "2026年第2季度"]
    e006 = by_id["E006"]  # no year result: scored over the quarters only, marked partial
    assert (e006.complete, e006.missing_parts, e006.partial) == (False, ["year"], True)
    assert e006.year_score == e006.parts[0].mean
    assert e006.missing_periods == ["2026年第1季度", "2026年第2季度", "2026年度"]
    text = (tmp_path / "year_scores.csv").read_text("utf-8-sig").splitlines()
    assert text[0] == (
        "employee_id,name,department,role,quarter_mean,year_mean,year_score,grade,coefficient,"
        "complete,partial,missing_parts,missing_periods,grade_by_score"
    )
    assert text[1].startswith("E001,")
    assert year.cycles == ["2026Q3", "2026", "2026Q4"]


def test_an_unreadable_sibling_is_skipped_with_a_warning(tmp_path, s_at_90):
    """A folder next to the cycle whose ledger is no database, or holds a plan this version
    cannot read (a newer perfsheets' plan), does not stop consolidation: it is named, skipped."""
    q3 = cycle_plan(s_at_90, "2026Q3", "quarter", dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    first = LedgerBuilder(tmp_path / "2026Q3", q3)
    rate_e002(first)
    consolidate(first.root)
    newer = LedgerBuilder(tmp_path / "2026Q2-newer", q3)
    rate_e002(newer)
    consolidate(newer.root, previous=[])
    with sqlite3.connect(newer.ws.ledger_path) as conn:  # a field this version does not know
        conn.execute("UPDATE plan_versions SET plan_json = json_set(plan_json, '$.future', 1)")
    garbage = tmp_path / "copied-from-usb"
    garbage.mkdir()
    (garbage / "ledger.sqlite").write_bytes(b"not a database" * 100)

    second = LedgerBuilder(tmp_path / "2026Q4", s_at_90)
    rate_e002(second)
    out = consolidate(second.root)
    assert out.previous_cycles == ["2026Q3"]
    assert out.skipped_workspaces == [str(newer.root), str(garbage)]  # folder-name order
    with pytest.raises(PerfsheetsError, match="无法读取其账本"):  # named explicitly: refused
        consolidate(second.root, previous=[newer.root])
