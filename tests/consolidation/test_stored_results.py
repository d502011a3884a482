"""What the ledger keeps of a result (codes and numbers) and how outputs name it again.

The plan's words (item names and units, role names, consequences, development goals) are not
stored: they are resolved from the plan version frozen with the run when an output is written,
in the output's language. Results stored with their names by earlier versions still read.
"""

from __future__ import annotations

import openpyxl
import pytest
from ledger_builder import LedgerBuilder
from test_consolidate import rate_e002

from perfsheets.consolidation import book_writer
from perfsheets.consolidation.run import consolidate
from perfsheets.core.naming import Namer
from perfsheets.core.results import EmployeeResult, Gap, RatedItemResult
from perfsheets.ledger.results import load_results, stored_results
from perfsheets.ledger.workspace import Workspace


@pytest.fixture
def lb(tmp_path, small_plan) -> LedgerBuilder:
    builder = LedgerBuilder(tmp_path / "2026Q4", small_plan)
    rate_e002(builder)
    return builder


def e002(results: list[EmployeeResult]) -> EmployeeResult:
    return next(r for r in results if r.employee_id == "E002")


def test_the_ledger_keeps_codes_and_numbers_not_the_plans_words(lb):
    out = consolidate(lb.root, previous=[])
    with Workspace(lb.root).ledger() as conn:
        stored = e002(stored_results(conn))
        named = e002(load_results(conn))
        english = e002(load_results(conn, lang="en"))
    assert [k.name for k in stored.kpis] == ["", "", ""] and stored.kpis[0].unit == ""
    assert {i.name for i in [*stored.tasks, *stored.competencies, *stored.gaps]} == {""}
    assert (stored.role_name, stored.consequence, stored.development_goals) == ("", "", [])
    assert (stored.name, stored.manager_name) == ("", None)  # people are named from the roster
    assert (named.name, named.manager_name) == ("李娜", "王经理")
    assert stored.strengths == ["kpi:S01", "task:T1", "competency:C1"]
    assert stored.development_areas == ["competency:C2", "kpi:S02", "kpi:S03"]
    assert stored.total_score == named.total_score and stored.grade == "A"
    # read back, a result is named from the frozen plan: as consolidate's own results were
    assert named == e002(out.results)
    assert named.strengths == ["销售额完成率", "开拓华东市场", "团队合作"]
    assert named.kpis[0].unit == "万元" and named.role_name == "销售"
    assert english.role_name == "Sales" and english.strengths[2] == "Teamwork"
    assert [c.name for c in english.competencies] == ["Teamwork", "Communication"]


def test_results_stored_with_their_names_still_read(lb):
    """An older version stored names: they read, the names the plan knows are put in the
    language asked (strengths and development areas too), the others are kept."""
    consolidate(lb.root, previous=[])
    with Workspace(lb.root).ledger() as conn:
        old = e002(load_results(conn))  # named in Chinese: the shape older versions stored
    gone = old.kpis[2].model_copy(update={"code": "X99", "name": "旧指标"})
    old.kpis[2] = gone
    old.development_areas[2] = "旧指标"
    lb.rewrite_details({"E002": old.model_dump_json()})
    with Workspace(lb.root).ledger() as conn:
        english = e002(load_results(conn, lang="en"))
    assert [c.name for c in english.competencies] == ["Teamwork", "Communication"]
    assert english.strengths == ["销售额完成率", "开拓华东市场", "Teamwork"]  # S01, T1: no English
    assert english.development_areas == ["Communication", "回款率", "旧指标"]
    assert english.kpis[2].name == "旧指标" and english.role_name == "Sales"
    assert [g.name for g in english.gaps] == ["开拓华东市场", "Teamwork", "Communication"]


def test_a_gap_takes_the_name_of_its_own_item_when_codes_repeat(small_plan):
    """A task and a competency may share a code: gaps follow the items' order."""
    sales = small_plan.role_map()["sales"]
    task = sales.tasks[0].model_copy(update={"code": "C1", "name": "任务 C1"})
    role = sales.model_copy(update={"tasks": [task]})
    plan = small_plan.model_copy(update={"roles": [role]})
    result = EmployeeResult(
        employee_id="E002",
        name="李娜",
        department="销售部",
        role="sales",
        complete=True,
        tasks=[RatedItemResult(code="C1", weight=100)],
        competencies=[RatedItemResult(code="C1", weight=50), RatedItemResult(code="C2", weight=50)],
        gaps=[
            Gap(code="C1", self_rating=5, others_rating=3, gap=2),
            Gap(code="C1", self_rating=4, others_rating=4, gap=0),
        ],
        strengths=["task:C1", "competency:C1"],
    )
    named = Namer(plan, "zh-CN").name(result)
    assert [g.name for g in named.gaps] == ["任务 C1", "团队合作"]
    assert named.strengths == ["任务 C1", "团队合作"]


def book_values(path) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(path, read_only=True)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


def test_the_worker_names_its_book_as_the_run_does(lb, monkeypatch):
    """results.xlsx from a worker (large runs: forked before the results are named) shows the
    same names and wording as written in-process."""
    here = book_values(consolidate(lb.root, previous=[]).results_xlsx)
    monkeypatch.setattr(book_writer, "BACKGROUND_MIN_EMPLOYEES", 1)
    worker = book_values(consolidate(lb.root, previous=[]).results_xlsx)
    computed_at = "计算时间"
    for rows in (here["计算规则"], worker["计算规则"]):
        rows[:] = [r for r in rows if r[0] != computed_at]
    assert worker == here
    assert "销售" in [r[3] for r in here["汇总"]]  # role names, from the plan
