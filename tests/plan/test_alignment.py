"""Goal cascade: warnings, per-person aligned weight, the goal-tree workbook."""

from __future__ import annotations

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from perfsheets.core.model import Goal, Plan
from perfsheets.plan.alignment import alignment, write_alignment_xlsx


def with_goals(plan: Plan, goals: list[Goal], links: dict[str, str | None]) -> Plan:
    """The plan with these goals, and KPIs/tasks linked by code (role-independent here)."""
    roles = []
    for role in plan.roles:
        kpis = [k.model_copy(update={"goal": links.get(k.code, k.goal)}) for k in role.kpis]
        tasks = [t.model_copy(update={"goal": links.get(t.code, t.goal)}) for t in role.tasks]
        roles.append(role.model_copy(update={"kpis": kpis, "tasks": tasks}))
    return plan.model_copy(update={"goals": goals, "roles": roles})


@pytest.fixture
def cascade(small_plan) -> Plan:
    goals = [
        Goal(id="G1", name="营业收入增长 20%", level="company"),
        Goal(id="G2", name="运营成本降低 5%", level="company"),
        Goal(id="D1", name="华东销售额 6000 万", level="department", parent="G1",
             department="销售部", owner="E001"),
        Goal(id="D2", name="行政服务支持销售", level="department", parent="G1",
             department="行政部"),
    ]  # fmt: skip
    return with_goals(small_plan, goals, {"S01": "D1", "T1": "D1", "S03": "DX", "A01": "G2"})


def test_cascade_warnings(cascade):
    result = alignment(cascade)
    assert result.report.valid  # warnings only
    found = {(p.code, p.cell) for p in result.report}
    assert found == {
        ("goal-no-owner", "goals[1]"),  # G2: no department goal under it
        ("goal-owner-missing", "goals[3].owner"),  # D2
        ("goal-not-carried", ""),  # D2: nobody's KPI or task serves it
        ("kpi-serves-nothing", "roles[0].kpis[1].goal"),  # S02
        ("goal-link-unknown", "roles[0].kpis[2].goal"),  # S03 -> DX
    }
    serves_nothing = next(p for p in result.report if p.code == "kpi-serves-nothing")
    assert "5 人" in serves_nothing.message() and "5 people" in serves_nothing.message("en")
    not_carried = next(p for p in result.report if p.code == "goal-not-carried")
    assert "D2" in not_carried.message()


def test_aligned_weight_per_person(cascade):
    people = {p.employee_id: p for p in alignment(cascade).people}
    sales = people["E002"]
    # S01: 50% of the KPI section (60) = 30; T1: all of the task section (20) = 20.
    assert sales.aligned_weight == pytest.approx(0.5)
    assert sales.results_weight == pytest.approx(0.8)
    assert sales.aligned_share == pytest.approx(0.625)
    assert (sales.goals, sales.unaligned) == (["D1"], ["S02", "S03"])
    admin = people["E007"]
    assert (admin.aligned_weight, admin.aligned_share, admin.goals) == (0.5, 1.0, ["G2"])


def test_tree(cascade):
    result = alignment(cascade)
    assert [n.goal.id for n in result.tree] == ["G1", "G2"]
    g1 = result.tree[0]
    assert [c.goal.id for c in g1.children] == ["D1", "D2"]
    d1 = g1.children[0]
    assert {(c.employee_id, c.code) for c in d1.carriers} == {
        (e, code) for e in ("E001", "E002", "E003", "E004", "E005") for code in ("S01", "T1")
    }
    assert g1.carried() and not g1.children[1].carried()
    assert {c.code for c in result.unaligned} == {"S02", "S03"}


def test_broken_goal_structure():
    from plan_support import make_small_plan

    goals = [
        Goal(id="G1", name="a"),
        Goal(id="G1", name="a again"),
        Goal(id="D1", name="b", level="department", parent="GX", owner="E001"),
        Goal(id="D2", name="c", level="department", owner="E404"),
        Goal(id="L1", name="d", level="department", parent="L2", owner="E001"),
        Goal(id="L2", name="e", level="department", parent="L1", owner="E001"),
    ]
    result = alignment(with_goals(make_small_plan(), goals, {"S01": "L1"}))
    codes = result.report.codes()
    assert codes.count("goal-duplicate-id") == 1
    assert "goal-parent-unknown" in codes and "goal-orphan" in codes
    assert "goal-owner-unknown" in codes and codes.count("goal-loop") == 1
    loop = next(p for p in result.report if p.code == "goal-loop")
    assert "L1 → L2 → L1" in loop.message() or "L2 → L1 → L2" in loop.message()
    assert {n.goal.id for n in result.tree} >= {"L1", "L2", "D1", "D2"}  # loops become roots


def test_plan_without_goals_gets_no_warnings(small_plan):
    result = alignment(small_plan)
    assert len(result.report) == 0 and not result.has_goals
    assert all(p.aligned_weight == 0 for p in result.people)


def test_workbook_shows_the_tree(cascade, tmp_path):
    path = write_alignment_xlsx(cascade, tmp_path / "results" / "alignment.xlsx")
    wb = CalamineWorkbook.from_path(str(path))
    assert wb.sheet_names == ["目标树", "个人对齐度", "问题"]
    tree = wb.get_sheet_by_name("目标树").to_python()
    ids = [str(r[1]).strip("\u3000") for r in tree[3:]]
    assert ids.index("G1") < ids.index("D1") < ids.index("D2") < ids.index("G2")
    first_carrier = tree[3 + ids.index("D1") + 1]
    assert first_carrier[1].strip("\u3000") == "S01" and first_carrier[5] == pytest.approx(0.3)
    people = wb.get_sheet_by_name("个人对齐度").to_python()
    row = next(r for r in people if r[1] == "E002")
    assert row[4:7] == [pytest.approx(0.5), pytest.approx(0.8), pytest.approx(0.625)]
    assert row[7] == "D1" and row[8] == "S02, S03"
    warnings = wb.get_sheet_by_name("问题").to_python()
    assert len(warnings) == 1 + 5
    wb.close()
    sheet = openpyxl.load_workbook(path)["目标树"]  # the tree is an Excel outline
    levels = [sheet.row_dimensions[r].outline_level for r in range(4, 4 + 4)]
    assert levels == [0, 1, 2, 2]  # G1, D1, then D1's carriers


def test_example_plan(tmp_path):
    from perfsheets.plan.example import example_plan

    plan = example_plan(60)
    result = alignment(plan)
    active = [e for e in plan.roster.employees if e.is_active]
    assert len(result.people) == len(active)
    for p in result.people:
        assert 0 <= p.aligned_weight <= p.results_weight <= 1 + 1e-9
    assert "goal-link-unknown" not in result.report.codes()
    unlinked = sum(k.goal is None for r in plan.roles for k in r.kpis)
    assert result.report.codes().count("kpi-serves-nothing") == unlinked
    sales = next(p for p in result.people if p.role == "sales")
    assert sales.aligned_weight > 0
    path = write_alignment_xlsx(plan, tmp_path / "alignment.xlsx", lang="en")
    tree = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Goal tree").to_python()
    assert {g.id for g in plan.goals} <= {str(r[1]).strip("\u3000") for r in tree}
