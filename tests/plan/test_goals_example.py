"""The example's goal cascade, and the cascade in ``check``: warnings, counts, alignment.xlsx."""

from __future__ import annotations

import pytest
from python_calamine import CalamineWorkbook

from perfsheets.core.model import Plan
from perfsheets.core.problems import PerfsheetsError
from perfsheets.cycle.setup import check_workspace, init_workspace
from perfsheets.plan.alignment import alignment
from perfsheets.plan.example import DEPARTMENTS, example_plan
from perfsheets.plan.io import dump_plan, load_plan, workspace_plan

SERVES_NOTHING = {"kpi-serves-nothing", "task-serves-nothing"}
DEPARTMENT_GOALS = {  # id: (parent, department)
    "D-SAL": ("G1", "销售部"),
    "D-SVC": ("G1", "客服部"),
    "D-RND": ("G2", "研发部"),
    "D-PRD": ("G2", "生产部"),
    "D-QC": ("G2", "质量部"),
    "D-PUR": ("G3", "采购部"),
    "D-ADM": ("G3", "行政部"),
}
LINKS = {
    "sales": {"S01": "D-SAL", "S02": "D-SAL", "S03": "D-SAL", "S05": "G1", "T1": "D-SAL"},
    "service": {"CS01": "D-SVC", "CS02": "D-SVC", "CS03": "D-SVC"},
    "rnd": {"R01": "D-RND", "R03": "D-RND", "T1": "D-RND"},
    "production": {"P02": "D-PRD", "T1": "D-PRD", "P04": "G3"},
    "qc": {"Q01": "D-QC", "Q02": "D-QC", "Q04": "D-QC"},
    "purchasing": {"PU01": "D-PUR", "PU03": "G2", "T1": "D-PUR"},
    "admin": {"AD03": "D-ADM"},
    "manager": {"M03": "G3"},
}


def links(plan: Plan) -> dict[str, dict[str, str]]:
    return {
        r.id: {i.code: i.goal for i in (*r.kpis, *r.tasks) if i.goal is not None}
        for r in plan.roles
    }


def department_heads(plan: Plan) -> dict[str, str]:
    heads: dict[str, str] = {}
    for e in plan.roster.employees:
        if e.role == "manager":
            heads.setdefault(e.department, e.id)
    return heads


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_example_cascade_has_no_structural_warnings(lang):
    plan = example_plan(200, lang=lang)
    goals = {g.id: g for g in plan.goals}
    assert set(goals) == {"G1", "G2", "G3", *DEPARTMENT_GOALS}
    assert links(plan) == LINKS
    english = {zh: en for _, zh, en, _ in DEPARTMENTS}
    heads = department_heads(plan)
    gm = plan.roster.employees[0]
    for gid, (parent, department) in DEPARTMENT_GOALS.items():
        goal = goals[gid]
        assert (goal.level, goal.parent) == ("department", parent)
        assert goal.department == (department if lang == "zh-CN" else english[department])
        assert goal.owner == heads[goal.department] and goal.owner != gm.id
        assert goal.name_en and goal.name_en.isascii()
    assert all(goals[g].owner == gm.id and goals[g].name_en for g in ("G1", "G2", "G3"))
    result = alignment(plan)
    assert result.report.valid and set(result.report.codes()) == SERVES_NOTHING
    assert all(node.carried() for root in result.tree for node in root.children)
    sales = next(p for p in result.people if p.role == "sales")
    # S01 30 + S02 20 + S03 15 + S05 10 of the KPIs (60 of 100), T1 60 of the tasks (20).
    assert sales.aligned_weight == pytest.approx(0.75 * 0.6 + 0.6 * 0.2)


def test_small_company_keeps_only_its_departments_goals():
    plan = example_plan(12)  # a general manager, sales and production
    departments = {e.department for e in plan.roster.employees}
    kept = {g.id for g in plan.goals if g.level == "department"}
    assert kept == {"D-SAL", "D-PRD"} and {"销售部", "生产部"} <= departments
    # the KPIs of departments the company lacks serve the company goal instead
    assert links(plan)["service"] == {"CS01": "G1", "CS02": "G1", "CS03": "G1"}
    assert links(plan)["qc"] == {"Q01": "G2", "Q02": "G2", "Q04": "G2"}
    codes = set(alignment(plan).report.codes())
    assert codes == SERVES_NOTHING | {"goal-no-owner"}  # G3: no department of the company owns it


def test_check_writes_the_goal_tree_and_counts_alignment(tmp_path):
    ws = init_workspace(tmp_path / "w", employees=40)
    result = check_workspace(ws.root)
    assert result.valid
    assert (result.goals, result.department_goals) == (10, 7)
    assert 0.3 < result.aligned_share < 0.9
    cascade = [p for p in result.report if p.code in SERVES_NOTHING]
    assert result.alignment_warnings == len(cascade) > 0 and result.warnings >= len(cascade)
    s04 = next(p for p in cascade if "S04" in p.message())
    text = ws.plan_path().read_text(encoding="utf-8").splitlines()
    line = int(s04.file.removeprefix("plan.yaml:"))
    assert text[line - 1].strip() == "- code: S04" and s04.cell == "roles[0].kpis[3].goal"
    assert result.alignment_file == ws.root / "results" / "alignment.xlsx"
    book = CalamineWorkbook.from_path(str(result.alignment_file))
    assert book.sheet_names == ["目标树", "个人对齐度", "问题"]
    tree = book.get_sheet_by_name("目标树").to_python()
    row = next(r for r in tree if str(r[1]).strip("\u3000") == "D-SAL")
    head = department_heads(load_plan(ws.plan_path()))["销售部"]
    assert row[2] == "全年销售额与回款双达标" and row[4].endswith(head)
    assert len(book.get_sheet_by_name("个人对齐度").to_python()) == 1 + 40


def test_check_in_english_from_the_plan_workbook(tmp_path):
    ws = init_workspace(tmp_path / "en", employees=30, lang="en", excel=True)
    result = check_workspace(ws.root)
    assert result.valid and result.department_goals == 7
    located = next(p for p in result.report if p.code == "kpi-serves-nothing")
    assert located.file == "plan.xlsx" and located.sheet and located.cell[0].isalpha()
    book = CalamineWorkbook.from_path(str(result.alignment_file))
    tree = book.get_sheet_by_name("Goal tree").to_python()
    row = next(r for r in tree if str(r[1]).strip("\u3000") == "D-PUR")
    assert (row[2], row[3]) == ("Cut purchasing cost by 5%", "Purchasing")


def relinked(plan: Plan, role_id: str, code: str, goal: str | None) -> Plan:
    roles = []
    for role in plan.roles:
        if role.id == role_id:
            kpis = [k.model_copy(update={"goal": goal}) if k.code == code else k for k in role.kpis]
            role = role.model_copy(update={"kpis": kpis})
        roles.append(role)
    return plan.model_copy(update={"roles": roles})


def test_check_reports_a_link_to_an_unknown_goal_once_with_cascade_warnings(tmp_path):
    ws = init_workspace(tmp_path / "w", employees=40)
    plan = relinked(load_plan(ws.plan_path()), "sales", "S04", "G9")
    plan = relinked(plan, "admin", "AD03", None)  # nobody serves D-ADM any more
    dump_plan(plan, ws.plan_path())
    result = check_workspace(ws.root)
    assert not result.valid
    at_s04 = [p for p in result.report if p.cell == "roles[0].kpis[3].goal"]
    assert [p.code for p in at_s04] == ["unknown-goal"]  # not repeated as goal-link-unknown
    codes = result.report.codes()
    assert "goal-link-unknown" not in codes
    assert codes.count("goal-not-carried") == 1 and "kpi-serves-nothing" in codes
    not_carried = next(p for p in result.report if p.code == "goal-not-carried")
    assert "D-ADM" in not_carried.message() and not_carried.cell == "goals[9]"
    assert not_carried.file.startswith("plan.yaml:")
    assert result.alignment_warnings == sum(
        p.code in SERVES_NOTHING | {"goal-not-carried"} for p in result.report
    )
    book = CalamineWorkbook.from_path(str(result.alignment_file))
    listed = [r[1] for r in book.get_sheet_by_name("问题").to_python()[1:]]
    assert "goal-link-unknown" in listed and "goal-not-carried" in listed


def without_goals(plan: Plan) -> Plan:
    roles = [
        r.model_copy(
            update={
                "kpis": [k.model_copy(update={"goal": None}) for k in r.kpis],
                "tasks": [t.model_copy(update={"goal": None}) for t in r.tasks],
            }
        )
        for r in plan.roles
    ]
    return plan.model_copy(update={"goals": [], "roles": roles})


def test_check_without_goals_or_people_writes_no_goal_tree(tmp_path):
    ws = init_workspace(tmp_path / "blank", example=False)
    result = check_workspace(ws.root)
    assert result.alignment_file is None and result.report.codes() == ["empty-roster"]
    ws = init_workspace(tmp_path / "nogoals", employees=20)
    dump_plan(without_goals(load_plan(ws.plan_path())), ws.plan_path())
    result = check_workspace(ws.root)
    assert result.valid and result.alignment_warnings == 0 and result.goals == 0
    assert not set(result.report.codes()) & SERVES_NOTHING
    assert result.alignment_file is None and not (ws.results / "alignment.xlsx").exists()


def test_goal_tree_that_cannot_be_written_is_a_warning(tmp_path):
    ws = init_workspace(tmp_path / "w", employees=30)
    (ws.results / "alignment.xlsx").mkdir()  # in the way, like a file locked by Excel
    result = check_workspace(ws.root)
    assert result.valid and result.alignment_file is None
    assert "alignment-not-written" in result.report.codes()


def test_workspace_plan(tmp_path, small_plan):
    ws = init_workspace(tmp_path / "w", employees=10)
    assert workspace_plan(ws.root, small_plan) is small_plan
    assert workspace_plan(ws.root) == load_plan(ws.plan_path())
    assert workspace_plan(str(ws.root)).roster.employees[0].id == "E0001"
    with pytest.raises(PerfsheetsError, match="no plan"):
        workspace_plan(tmp_path)
