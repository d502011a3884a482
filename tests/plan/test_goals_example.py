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
    "sales": {
        **{"S01": "D-SAL", "S02": "D-SAL", "S03": "D-SAL", "S04": "D-SAL", "S05": "G1"},
        **{"S06": "D-SAL", "T1": "D-SAL", "T2": "D-SAL"},
    },
    "service": {"CS01": "D-SVC", "CS02": "D-SVC", "CS03": "D-SVC", "CS04": "D-SVC", "T1": "D-SVC"},
    "rnd": {"R01": "D-RND", "R02": "D-RND", "R03": "D-RND", "R04": "D-RND"}
    | {"T1": "D-RND", "T2": "D-RND"},
    "production": {"P01": "D-PRD", "P02": "D-PRD", "P03": "G3", "P04": "G3", "P05": "D-PRD"}
    | {"T1": "D-PRD"},
    "qc": {"Q01": "D-QC", "Q02": "D-QC", "Q03": "D-QC", "Q04": "D-QC", "T1": "D-QC"},
    "purchasing": {"PU01": "D-PUR", "PU02": "D-PUR", "PU03": "G2", "PU04": "D-PUR"}
    | {"T1": "D-PUR"},
    "admin": {"AD01": "D-ADM", "AD02": "D-ADM", "AD03": "D-ADM", "AD04": "D-ADM", "T1": "D-ADM"},
    "manager": {"M01": "G1", "M02": "G2", "M03": "G3", "M04": "G1", "T1": "G1", "T2": "G3"},
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
def test_example_cascade_has_no_warnings(lang):
    """The untouched example is a model plan: every KPI and task serves a goal."""
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
    assert len(result.report) == 0
    assert all(node.carried() for root in result.tree for node in root.children)
    sales = next(p for p in result.people if p.role == "sales")
    # every KPI (60 of 100) and every task (20 of 100); the competencies serve no goal
    assert sales.aligned_weight == pytest.approx(0.6 + 0.2)


def test_small_company_keeps_only_its_departments_goals():
    plan = example_plan(12)  # a general manager, sales and production
    departments = {e.department for e in plan.roster.employees}
    kept = {g.id for g in plan.goals if g.level == "department"}
    assert kept == {"D-SAL", "D-PRD"} and {"销售部", "生产部"} <= departments
    # the KPIs of departments the company lacks serve the company goal instead
    assert links(plan)["service"] == dict.fromkeys(LINKS["service"], "G1")
    assert links(plan)["qc"] == dict.fromkeys(LINKS["qc"], "G2")
    codes = set(alignment(plan).report.codes())
    assert codes == {"goal-no-owner"}  # G3: no department of the company owns it


def test_check_writes_the_goal_tree_only_when_asked_and_counts_alignment(tmp_path):
    ws = init_workspace(tmp_path / "w", employees=40)
    plan = relinked(load_plan(ws.plan_path()), "sales", "S04", None)
    dump_plan(plan, ws.plan_path())
    result = check_workspace(ws.root)
    assert result.valid and result.alignment_file is None
    assert not (ws.results / "alignment.xlsx").exists()
    result = check_workspace(ws.root, write_alignment=True)
    assert (result.goals, result.department_goals) == (10, 7)
    assert 0.8 < result.aligned_share < 1
    cascade = [p for p in result.report if p.code in SERVES_NOTHING]
    assert result.alignment_warnings == len(cascade) == 1
    (s04,) = cascade
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
    dump_plan(relinked(load_plan(ws.plan_path()), "sales", "S04", None), ws.plan_path())
    result = check_workspace(ws.root, write_alignment=True)
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
    for code in ("AD01", "AD02", "AD03", "AD04"):  # nobody serves D-ADM any more
        plan = relinked(plan, "admin", code, None)
    plan = relinked_task(plan, "admin", "T1", None)
    dump_plan(plan, ws.plan_path())
    result = check_workspace(ws.root, write_alignment=True)
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


def relinked_task(plan: Plan, role_id: str, code: str, goal: str | None) -> Plan:
    roles = []
    for role in plan.roles:
        if role.id == role_id:
            tasks = [
                t.model_copy(update={"goal": goal}) if t.code == code else t for t in role.tasks
            ]
            role = role.model_copy(update={"tasks": tasks})
        roles.append(role)
    return plan.model_copy(update={"roles": roles})


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
    result = check_workspace(ws.root, write_alignment=True)
    assert result.valid and result.alignment_file is None
    assert "alignment-not-written" in result.report.codes()


def test_workspace_plan(tmp_path, small_plan):
    ws = init_workspace(tmp_path / "w", employees=10)
    assert workspace_plan(ws.root, small_plan) is small_plan
    assert workspace_plan(ws.root) == load_plan(ws.plan_path())
    assert workspace_plan(str(ws.root)).roster.employees[0].id == "E0001"
    with pytest.raises(PerfsheetsError, match="no plan"):
        workspace_plan(tmp_path)


def test_check_cascade_without_every_carrier_finds_the_same():
    """check builds one carrier per role's item: the same warnings and shares as the full tree."""
    plan = relinked(example_plan(120), "sales", "S04", None)
    for code in ("AD01", "AD02", "AD03", "AD04"):
        plan = relinked(plan, "admin", code, None)
    plan = relinked_task(plan, "admin", "T1", None)
    full, brief = alignment(plan), alignment(plan, every_carrier=False)
    assert brief.report.rows() == full.report.rows() and len(full.report) > 1
    assert brief.people == full.people
    assert [n.carried() for r in brief.tree for n in r.children] == [
        n.carried() for r in full.tree for n in r.children
    ]
