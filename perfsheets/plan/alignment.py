"""Goal cascade (战略目标 → 部门目标 → 个人目标): is everyone's work tied to the strategy?

The plan's ``goals`` hold company goals and department goals (a department goal names the
company goal it breaks down as ``parent``, its department and its owner). Each KPI or key task
of a role may name the goal it serves (``goal``). :func:`alignment` checks the cascade and
measures it:

* company goals no department goal takes on (``goal-no-owner``),
* department goals no one's KPI or task carries (``goal-not-carried``),
* KPIs and tasks that serve no goal (``kpi-serves-nothing``, ``task-serves-nothing``),
* broken links (unknown goals or parents, loops, department goals under no company goal),
* for each person, the share of their total score that rests on items serving a goal.

These are warnings: an unaligned plan can still be run. A plan that uses no goals at all (none
defined, none named) gets no warnings — the cascade is optional. :func:`write_alignment_xlsx` writes the
tree (company goal → department goal → each person's item) for a strategy review.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from perfsheets.core.cells import sheet_text
from perfsheets.core.i18n import term, tr
from perfsheets.core.model import (
    SECTION_ORDER,
    Employee,
    Goal,
    KeyTask,
    Kpi,
    Lang,
    Plan,
    Role,
    SectionKind,
)
from perfsheets.core.problems import ProblemType, Report, problem_type
from perfsheets.files.atomic import atomic_write

GOAL_NO_OWNER = problem_type(
    "goal-no-owner",
    "warning",
    "公司目标无部门承接",
    "Company goal without a department owner",
    "公司目标 {goal} “{name}” 没有任何部门目标承接",
    "Company goal {goal} '{name}' is not taken on by any department goal",
)
GOAL_NOT_CARRIED = problem_type(
    "goal-not-carried",
    "warning",
    "部门目标无人承担",
    "Department goal carried by no one",
    "部门目标 {goal} “{name}” 没有任何人的 KPI 或重点工作支撑",
    "Department goal {goal} '{name}' is served by no one's KPI or key task",
)
KPI_SERVES_NOTHING = problem_type(
    "kpi-serves-nothing",
    "warning",
    "KPI 未对齐目标",
    "KPI serves no goal",
    "岗位“{role}”的 KPI {code} “{name}” 没有对应的部门或公司目标（涉及 {people} 人）",
    "KPI {code} '{name}' of role '{role}' serves no department or company goal ({people} people)",
)
TASK_SERVES_NOTHING = problem_type(
    "task-serves-nothing",
    "warning",
    "重点工作未对齐目标",
    "Key task serves no goal",
    "岗位“{role}”的重点工作 {code} “{name}” 没有对应的部门或公司目标（涉及 {people} 人）",
    "Key task {code} '{name}' of role '{role}' serves no department or company goal "
    "({people} people)",
)
GOAL_LINK_UNKNOWN = problem_type(
    "goal-link-unknown",
    "warning",
    "引用了不存在的目标",
    "Link to an unknown goal",
    "岗位“{role}”的 {code} 引用的目标 {goal} 在方案的目标列表中不存在",
    "{code} of role '{role}' names goal {goal}, which is not among the plan's goals",
)
GOAL_PARENT_UNKNOWN = problem_type(
    "goal-parent-unknown",
    "warning",
    "上级目标不存在",
    "Unknown parent goal",
    "目标 {goal} 的上级目标 {parent} 不存在",
    "The parent {parent} of goal {goal} does not exist",
)
GOAL_ORPHAN = problem_type(
    "goal-orphan",
    "warning",
    "部门目标未承接公司目标",
    "Department goal under no company goal",
    "部门目标 {goal} “{name}” 没有指明承接哪个公司目标（parent）",
    "Department goal {goal} '{name}' names no company goal it serves (parent)",
)
GOAL_LOOP = problem_type(
    "goal-loop",
    "warning",
    "目标层级循环",
    "Goals form a loop",
    "目标的上级关系形成了循环：{chain}",
    "The goals' parent links form a loop: {chain}",
)
GOAL_DUPLICATE = problem_type(
    "goal-duplicate-id",
    "warning",
    "目标编号重复",
    "Duplicate goal id",
    "目标编号 {goal} 出现了 {count} 次",
    "Goal id {goal} appears {count} times",
)
GOAL_OWNER_UNKNOWN = problem_type(
    "goal-owner-unknown",
    "warning",
    "目标负责人不在名单中",
    "Goal owner not in the roster",
    "目标 {goal} 的负责人 {owner} 不在考核名单中",
    "The owner {owner} of goal {goal} is not in the roster",
)
GOAL_OWNER_MISSING = problem_type(
    "goal-owner-missing",
    "warning",
    "部门目标没有负责人",
    "Department goal without an owner",
    "部门目标 {goal} “{name}” 没有指定负责人（owner）",
    "Department goal {goal} '{name}' has no owner",
)


@dataclass(frozen=True)
class Carrier:
    """One person's KPI or key task serving a goal."""

    employee_id: str
    name: str
    department: str
    kind: str  # 'kpi' | 'task'
    code: str
    item_name: str
    weight: float  # share of the person's total score, 0..1


@dataclass
class GoalNode:
    goal: Goal
    children: list[GoalNode] = field(default_factory=list)
    carriers: list[Carrier] = field(default_factory=list)

    def carried(self) -> bool:
        """Served by someone's item, directly or through a goal below it."""
        return bool(self.carriers) or any(c.carried() for c in self.children)


@dataclass(frozen=True)
class PersonAlignment:
    employee_id: str
    name: str
    department: str
    role: str
    aligned_weight: float  # share of the total score on items serving a goal, 0..1
    results_weight: float  # share of the total score on KPIs and key tasks, 0..1
    goals: list[str]  # goal ids served
    unaligned: list[str]  # codes of KPIs and tasks serving no (known) goal

    @property
    def aligned_share(self) -> float | None:
        """Aligned share of the KPI and task weight (competencies are not goals)."""
        return self.aligned_weight / self.results_weight if self.results_weight else None


@dataclass
class AlignmentResult:
    report: Report
    tree: list[GoalNode]  # company goals, then department goals with no valid parent
    people: list[PersonAlignment]
    unaligned: list[Carrier]  # items serving no known goal, per person

    @property
    def has_goals(self) -> bool:
        return bool(self.tree)


def alignment(plan: Plan, *, every_carrier: bool = True) -> AlignmentResult:
    """Check the goal cascade of a plan and measure each person's alignment.

    Without ``every_carrier`` the tree keeps one carrier per role's item (the first person in
    the role), enough to know which goals are carried: what ``check`` needs, at a fraction of
    the time for 10,000 people; the goal-tree workbook needs them all."""
    report = Report()
    goals = _unique_goals(plan.goals, report)
    _check_goals(plan, goals, report)
    nodes = {gid: GoalNode(g) for gid, g in goals.items()}
    roots = _link(nodes, report)
    people = [e for e in plan.roster.employees if e.is_active]
    roles = plan.role_map()
    unaligned: list[Carrier] = []
    rows: list[PersonAlignment] = []
    # A role's items and shares are the same for everyone in it: worked out once per role
    # (10,000 people took 0.7 s item by item).
    by_role: dict[str, tuple[list[_Item], _Shares]] = {}
    for person in people:
        role = roles.get(person.role)
        if role is None:
            continue
        first = role.id not in by_role
        if first:
            weights = _item_weights(role)
            by_role[role.id] = (weights, _shares(weights, nodes))
        weights, shares = by_role[role.id]
        rows.append(_person_row(person, role, shares))
        if not (first or every_carrier):
            continue
        for kind, code, name, goal_id, share in weights:
            carrier = Carrier(person.id, person.name, person.department, kind, code, name, share)
            node = nodes.get(goal_id) if goal_id else None
            (node.carriers if node else unaligned).append(carrier)
    if uses_goals(plan):
        _check_items(plan, people, goals, report)
        _check_carried(roots, report)
    return AlignmentResult(report, roots, rows, unaligned)


def uses_goals(plan: Plan) -> bool:
    """Whether the plan uses the cascade at all: goals defined or named by a KPI or task."""
    return bool(plan.goals) or any(
        any(k.goal for k in r.kpis) or any(t.goal for t in r.tasks) for r in plan.roles
    )


# --- the goals themselves ---------------------------------------------------------------------


def _unique_goals(goals: list[Goal], report: Report) -> dict[str, Goal]:
    by_id: dict[str, Goal] = {}
    counts: dict[str, int] = {}
    for g in goals:
        counts[g.id] = counts.get(g.id, 0) + 1
        by_id.setdefault(g.id, g)
    for gid, count in counts.items():
        if count > 1:
            report.add(GOAL_DUPLICATE(cell=_goal_path(goals, gid), goal=gid, count=count))
    return by_id


def _goal_path(goals: list[Goal], goal_id: str) -> str:
    index = next(i for i, g in enumerate(goals) if g.id == goal_id)
    return f"goals[{index}]"


def _check_goals(plan: Plan, goals: dict[str, Goal], report: Report) -> None:
    employees = plan.employee_map()
    for gid, g in goals.items():
        where = _goal_path(plan.goals, gid)
        if g.parent is not None and g.parent not in goals:
            report.add(GOAL_PARENT_UNKNOWN(cell=f"{where}.parent", goal=gid, parent=g.parent))
        elif g.level == "department" and g.parent is None:
            report.add(GOAL_ORPHAN(cell=f"{where}.parent", goal=gid, name=g.name))
        if g.owner is not None and g.owner not in employees:
            report.add(GOAL_OWNER_UNKNOWN(cell=f"{where}.owner", goal=gid, owner=g.owner))
        elif g.level == "department" and g.owner is None:
            report.add(GOAL_OWNER_MISSING(cell=f"{where}.owner", goal=gid, name=g.name))
    _check_loops(plan, goals, report)
    for gid, g in goals.items():
        if g.level == "company" and not any(
            c.parent == gid and c.level == "department" for c in goals.values()
        ):
            report.add(GOAL_NO_OWNER(cell=_goal_path(plan.goals, gid), goal=gid, name=g.name))


def _check_loops(plan: Plan, goals: dict[str, Goal], report: Report) -> None:
    reported: set[str] = set()
    for start in goals:
        chain: list[str] = []
        gid: str | None = start
        while gid is not None and gid in goals and gid not in chain:
            chain.append(gid)
            gid = goals[gid].parent
        if gid is not None and gid in chain and gid not in reported:
            loop = chain[chain.index(gid) :]
            reported.update(loop)
            report.add(GOAL_LOOP(cell=_goal_path(plan.goals, gid), chain=" → ".join([*loop, gid])))


def _link(nodes: dict[str, GoalNode], report: Report) -> list[GoalNode]:
    """Attach each goal under its parent; goals without a usable parent become roots."""
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.goal.parent) if node.goal.parent else None
        if parent is None or _in_loop(nodes, node.goal.id):
            roots.append(node)
        else:
            parent.children.append(node)
    roots.sort(key=lambda n: n.goal.level != "company")  # stable: company goals first
    return roots


def _in_loop(nodes: dict[str, GoalNode], start: str) -> bool:
    seen: set[str] = set()
    gid: str | None = start
    while gid is not None and gid in nodes and gid not in seen:
        seen.add(gid)
        gid = nodes[gid].goal.parent
    return gid in seen


def _check_carried(roots: list[GoalNode], report: Report) -> None:
    def visit(node: GoalNode) -> None:
        if node.goal.level == "department" and not node.carried():
            report.add(GOAL_NOT_CARRIED(goal=node.goal.id, name=node.goal.name))
        for child in node.children:
            visit(child)

    for root in roots:
        visit(root)


# --- personal items ---------------------------------------------------------------------------


_Item = tuple[str, str, str, str | None, float]  # kind, code, name, goal, share of the score
_Shares = tuple[float, float, list[str], list[str]]  # aligned, results, goals, unaligned codes


def _item_weights(role: Role) -> list[_Item]:
    """(kind, code, name, goal, share of the total score) of a role's KPIs and tasks."""
    sections = math.fsum(role.weights.of(s) for s in SECTION_ORDER)
    out: list[_Item] = []
    parts: tuple[tuple[SectionKind, Sequence[Kpi | KeyTask]], ...] = (
        ("kpi", role.kpis),
        ("task", role.tasks),
    )
    for kind, items in parts:
        section = role.weights.of(kind)
        total = math.fsum(i.weight for i in items)
        for i in items:
            share = section / sections * i.weight / total if sections and total else 0.0
            out.append((kind, i.code, i.name, i.goal, share))
    return out


def _shares(items: list[_Item], nodes: dict) -> _Shares:
    """What a role's items give each person in it: aligned and results weight, goals served,
    items serving none."""
    aligned = [(goal, share) for _, _, _, goal, share in items if goal in nodes]
    return (
        math.fsum(share for _, share in aligned),
        math.fsum(item[4] for item in items),
        sorted({goal for goal, _ in aligned if goal}),
        [code for _, code, _, goal, _ in items if goal not in nodes],
    )


def _person_row(person: Employee, role: Role, shares: _Shares) -> PersonAlignment:
    aligned, results, goals, unaligned = shares
    return PersonAlignment(
        employee_id=person.id,
        name=person.name,
        department=person.department,
        role=role.id,
        aligned_weight=aligned,
        results_weight=results,
        goals=list(goals),
        unaligned=list(unaligned),
    )


def _check_items(
    plan: Plan, people: list[Employee], goals: dict[str, Goal], report: Report
) -> None:
    headcount: dict[str, int] = {}
    for e in people:
        headcount[e.role] = headcount.get(e.role, 0) + 1
    for r, role in enumerate(plan.roles):
        parts: tuple[tuple[str, Sequence[Kpi | KeyTask], ProblemType], ...] = (
            ("kpis", role.kpis, KPI_SERVES_NOTHING),
            ("tasks", role.tasks, TASK_SERVES_NOTHING),
        )
        for kind, items, ptype in parts:
            for i, item in enumerate(items):
                where = f"roles[{r}].{kind}[{i}].goal"
                if item.goal is None:
                    report.add(
                        ptype(
                            cell=where,
                            role=role.name,
                            code=item.code,
                            name=item.name,
                            people=headcount.get(role.id, 0),
                        )
                    )
                elif item.goal not in goals:
                    report.add(
                        GOAL_LINK_UNKNOWN(
                            cell=where, role=role.name, code=item.code, goal=item.goal
                        )
                    )


# --- Excel ------------------------------------------------------------------------------------


def write_alignment_xlsx(
    plan: Plan, path: str | Path, *, lang: Lang | None = None, result: AlignmentResult | None = None
) -> Path:
    """Write the goal tree, each person's aligned weight and the warnings, atomically."""
    lang = lang or plan.lang
    result = result or alignment(plan)
    return atomic_write(Path(path), lambda tmp: _write_book(plan, result, tmp, lang))


def _write_book(plan: Plan, result: AlignmentResult, path: Path, lang: Lang) -> None:
    # Imported here: xlsxwriter is heavy and only writing the workbook needs it.
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    fmt = {
        "title": wb.add_format({"bold": True, "font_size": 14}),
        "head": wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1}),
        "company": wb.add_format({"bold": True, "bg_color": "#FFF2CC", "border": 1}),
        "department": wb.add_format({"bold": True, "border": 1}),
        "text": wb.add_format({"border": 1}),
        "pct": wb.add_format({"border": 1, "num_format": "0.0%"}),
        "warn": wb.add_format({"border": 1, "font_color": "#9C0006"}),
    }
    names = {e.id: e.name for e in plan.roster.employees}
    _tree_sheet(wb, fmt, plan, result, names, lang)
    _people_sheet(wb, fmt, result, lang)
    _problems_sheet(wb, fmt, result, lang)
    wb.close()


def _text(ws, row: int, col: int, value: object, style) -> None:
    ws.write_string(row, col, sheet_text("" if value is None else str(value)), style)


def _tree_sheet(wb, fmt, plan: Plan, result: AlignmentResult, names: dict, lang: Lang) -> None:
    ws = wb.add_worksheet(tr(lang, "目标树", "Goal tree"))
    ws.outline_settings(symbols_below=False)
    _text(
        ws,
        0,
        0,
        tr(lang, "目标分解：公司 → 部门 → 个人", "Goal cascade: company → department → person"),
        fmt["title"],
    )
    heads = [
        tr(lang, "层级", "Level"),
        tr(lang, "目标 / 指标", "Goal / item"),
        term("name", lang),
        term("department", lang),
        tr(lang, "负责人 / 承担人", "Owner / carried by"),
        tr(lang, "占个人总分权重", "Weight in person's total"),
    ]
    for c, h in enumerate(heads):
        _text(ws, 2, c, h, fmt["head"])
    row = 3
    level_text = {
        "company": tr(lang, "公司目标", "Company goal"),
        "department": tr(lang, "部门目标", "Department goal"),
    }

    def goal_row(node: GoalNode, depth: int) -> None:
        nonlocal row
        g = node.goal
        style = fmt["company"] if g.level == "company" else fmt["department"]
        owner = f"{names.get(g.owner, '')} {g.owner}".strip() if g.owner else ""
        for c, v in enumerate(
            [level_text[g.level], g.id, g.label(lang), g.department or "", owner]
        ):
            _text(ws, row, c, ("　" * depth + v) if c == 1 else v, style)
        ws.write_blank(row, 5, None, style)
        ws.set_row(row, None, None, {"level": min(depth, 7)})
        row += 1
        for carrier in node.carriers:
            carrier_row(carrier, depth + 1, fmt["text"])
        for child in node.children:
            goal_row(child, depth + 1)

    def carrier_row(c: Carrier, depth: int, style) -> None:
        nonlocal row
        kind = term("kpi" if c.kind == "kpi" else "task", lang).split("（")[0]
        values = [
            kind,
            "　" * depth + c.code,
            c.item_name,
            c.department,
            f"{c.name} {c.employee_id}",
        ]
        for col, v in enumerate(values):
            _text(ws, row, col, v, style)
        ws.write_number(row, 5, c.weight, fmt["pct"])
        ws.set_row(row, None, None, {"level": min(depth, 7)})
        row += 1

    for root in result.tree:
        goal_row(root, 0)
    if result.unaligned:
        row += 1
        _text(
            ws,
            row,
            0,
            tr(lang, "未对齐任何目标的指标与重点工作", "Items serving no goal"),
            fmt["department"],
        )
        row += 1
        for carrier in result.unaligned:
            carrier_row(carrier, 1, fmt["warn"])
    ws.freeze_panes(3, 0)
    ws.set_column(0, 0, 12)
    ws.set_column(1, 1, 16)
    ws.set_column(2, 2, 28)
    ws.set_column(3, 4, 16)
    ws.set_column(5, 5, 14)


def _people_sheet(wb, fmt, result: AlignmentResult, lang: Lang) -> None:
    ws = wb.add_worksheet(tr(lang, "个人对齐度", "People"))
    heads = [
        term("department", lang),
        term("employee_id", lang),
        term("employee", lang),
        term("role", lang),
        tr(lang, "对齐目标的权重", "Weight on goals"),
        tr(lang, "KPI 与重点工作权重", "KPI and task weight"),
        tr(lang, "对齐比例", "Aligned share"),
        tr(lang, "支撑的目标", "Goals served"),
        tr(lang, "未对齐的项目", "Items serving no goal"),
    ]
    for c, h in enumerate(heads):
        _text(ws, 0, c, h, fmt["head"])
    for r, p in enumerate(result.people, 1):
        for c, v in enumerate([p.department, p.employee_id, p.name, p.role]):
            _text(ws, r, c, v, fmt["text"])
        ws.write_number(r, 4, p.aligned_weight, fmt["pct"])
        ws.write_number(r, 5, p.results_weight, fmt["pct"])
        share = p.aligned_share
        if share is None:
            ws.write_blank(r, 6, None, fmt["pct"])
        else:
            ws.write_number(r, 6, share, fmt["pct"])
        _text(ws, r, 7, ", ".join(p.goals), fmt["text"])
        _text(ws, r, 8, ", ".join(p.unaligned), fmt["text"])
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(result.people), 1), len(heads) - 1)
    ws.set_column(0, 3, 12)
    ws.set_column(4, 6, 14)
    ws.set_column(7, 8, 24)


def _problems_sheet(wb, fmt, result: AlignmentResult, lang: Lang) -> None:
    ws = wb.add_worksheet(tr(lang, "问题", "Warnings"))
    heads = [tr(lang, "位置", "Where"), tr(lang, "代码", "Code"), tr(lang, "说明", "Message")]
    for c, h in enumerate(heads):
        _text(ws, 0, c, h, fmt["head"])
    for r, p in enumerate(result.report, 1):
        for c, v in enumerate([p.cell, p.code, p.message(lang)]):
            _text(ws, r, c, v, fmt["text"])
    ws.set_column(0, 1, 24)
    ws.set_column(2, 2, 80)
