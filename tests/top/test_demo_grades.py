"""The demo prints its own distribution figures, and they describe a believable cycle."""

from __future__ import annotations

import csv

import pytest

from perfsheets.demo import run_demo


@pytest.mark.slow
def test_the_demo_distribution_is_shaped_like_a_real_one(tmp_path):
    demo = run_demo(tmp_path / "demo", employees=200, seed=1, report_limit=1)
    grades = demo.grades()
    with open(demo.workspace / "results" / "scores.csv", encoding="utf-8-sig") as f:
        rows = [r for r in csv.DictReader(f) if r["grade"]]
    # The figures are the ones scores.csv holds.
    assert grades["graded"] == len(rows) == sum(grades["final"].values())
    assert grades["final"] == {g: sum(r["grade"] == g for r in rows) for g in grades["final"]}
    before = grades["before_quota"]
    assert sum(before.values()) == len(rows)
    # Most people B, fewer A and C, few S and D; quotas move a minority; totals rarely above 100.
    assert before["B"] == max(before.values())
    assert before.get("S", 0) < before["A"] and before.get("D", 0) < before["C"]
    assert grades["share_moved"] <= 0.15
    assert sum(float(r["total_score"]) > 100 for r in rows) <= len(rows) * 0.05
