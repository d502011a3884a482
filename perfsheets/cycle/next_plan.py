"""``perfsheets init NEXT --from WS``: the next cycle's workspace, seeded from a finished one.

The new plan is WS's plan with the cycle advanced (:mod:`perfsheets.cycle.advance`), the roster
without the people who have left (inactive, or a leave date before the new start; whoever
reported to them reports to the next manager up who stays), roles, relations and settings as
they are, and the next-cycle goals agreed in the interview records (面谈记录) in force in WS's
ledger: a goal naming a KPI of the person's role (its code or name, exact after trimming) with a
target that reads as a number becomes that person's individual target (``roster.targets``,
replacing the one carried over). Every goal agreed, with what was done with it, is written to
``NEXT/agreed_goals.csv``; whatever HR should look at (people dropped, goals that are no KPI,
targets that are no number, weights that differ from the role's, disputed records …) is a
warning in the result's report (code + parameters).

The next cycle finds WS for its trend and earlier PIPs the way every cycle finds its
predecessors (:mod:`perfsheets.consolidation.history`): a sibling folder of the same company
that ended before it starts. NEXT beside WS needs nothing more; elsewhere, a warning says to
move it or to name WS with ``consolidate --previous``.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from perfsheets.core.i18n import tr
from perfsheets.core.interview import StateInputs, interview_state, state_word
from perfsheets.core.model import Employee, IndividualTarget, Kpi, Lang, Plan, Role
from perfsheets.core.problems import PerfsheetsError, Problem, Report, Text, problem_type
from perfsheets.cycle.advance import next_cycle
from perfsheets.files.atomic import atomic_write_csv
from perfsheets.files.workspace import PLAN_NAMES
from perfsheets.ledger.interviews import StoredRecord, earlier_records
from perfsheets.ledger.results import NotALedger
from perfsheets.ledger.workspace import LEDGER_NAME, Workspace, audit, freeze_plan
from perfsheets.plan.io import dump_plan, load_plan, plan_json

GOALS_FILE = "agreed_goals.csv"

# --- refusals ------------------------------------------------------------------------------------

NEXT_NOT_EMPTY = problem_type(
    "next-not-empty",
    "error",
    "新工作区不是空文件夹",
    "New workspace not empty",
    "{next} 已存在且不是空文件夹（其中有 {found}）：请为下一周期指定一个新的或空的文件夹",
    "{next} exists and is not empty (it holds {found}): name a new or empty folder for the "
    "next cycle",
)
NEXT_NOT_FOLDER = problem_type(
    "next-not-folder",
    "error",
    "新工作区不是文件夹",
    "New workspace not a folder",
    "{next} 已存在且不是文件夹",
    "{next} exists and is not a folder",
)
FROM_NOT_WORKSPACE = problem_type(
    "from-not-workspace",
    "error",
    "不是考核周期工作区",
    "Not a cycle workspace",
    "{source} 不是考核周期工作区（没有 {ledger}）：--from 须指定上一周期的工作区文件夹",
    "{source} is not a cycle workspace (no {ledger}): --from names the previous cycle's "
    "workspace folder",
)
FROM_NO_PLAN = problem_type(
    "from-no-plan",
    "error",
    "上一周期没有方案文件",
    "Previous cycle has no plan",
    "{source} 中没有方案文件（{names}）",
    "{source} has no plan file ({names})",
)
FROM_LEDGER_UNREADABLE = problem_type(
    "from-ledger-unreadable",
    "error",
    "上一周期的账本无法读取",
    "Previous cycle's ledger unreadable",
    "无法读取 {ledger}（不是 perfsheets 账本、文件已损坏，或来自不同版本）",
    "{ledger} cannot be read (not a perfsheets ledger, damaged, or from another version)",
)
START_TOO_EARLY = problem_type(
    "next-start-too-early",
    "error",
    "下一周期的开始日期过早",
    "Next cycle starts too early",
    "开始日期 {start} 不晚于上一周期的结束日期 {end}：两个周期不能重叠",
    "The start {start} is not after the previous cycle's end {end}: cycles must not overlap",
)


class InitFromRefused(PerfsheetsError):
    """``init --from`` refused (nothing written); ``problem`` says why, as data."""

    def __init__(self, problem: Problem, lang: Lang) -> None:
        super().__init__(problem.message(lang))
        self.problem = problem


# --- what HR should look at ------------------------------------------------------------------------

LEFT = problem_type(
    "next-left",
    "warning",
    "已离职，未带入",
    "Left, not carried",
    "{employee} {name} 已离职（{why}），不在下一周期的名册中",
    "{employee} {name} has left ({why}) and is not in the next cycle's roster",
)
MANAGER_CHANGED = problem_type(
    "next-manager-changed",
    "warning",
    "上级已离职",
    "Manager has left",
    "{employee} {name} 的上级 {old} 已离职，改为 {new}，请核对",
    "{employee} {name}'s manager {old} has left; now {new}: please check",
)
GOAL_OWNER_CLEARED = problem_type(
    "next-goal-owner-cleared",
    "warning",
    "目标负责人已离职",
    "Goal owner has left",
    "目标 {goal} 的负责人 {owner} 已离职，负责人已清空，请指定",
    "The owner {owner} of goal {goal} has left; the owner is cleared: name a new one",
)
GOALS_DISPUTED = problem_type(
    "next-goals-disputed",
    "warning",
    "面谈记录有异议",
    "Interview record disputed",
    "{employee} {name} 对考核结果有异议，其面谈记录中的下期目标仍已带入，请确认",
    "{employee} {name} disputes the result; the next-cycle goals of the record are carried "
    "all the same: please confirm them",
)
GOALS_NOT_INTERVIEWED = problem_type(
    "next-goals-not-interviewed",
    "warning",
    "面谈记录没有面谈日期",
    "Interview record without a date",
    "{employee} {name} 的面谈记录没有面谈日期，其中的下期目标未带入",
    "{employee} {name}'s interview record has no interview date; its goals are not carried",
)
GOAL_NOT_KPI = problem_type(
    "next-goal-not-kpi",
    "warning",
    "下期目标不是指标",
    "Goal is not a KPI",
    "{employee} {name} 的下期目标“{goal}”（{target}）不是其岗位 {role} 的 KPI，请在方案中安排"
    "（重点工作或发展目标）",
    "{employee} {name}'s goal '{goal}' ({target}) is not a KPI of the role {role}: arrange it "
    "in the plan (a key task or a development goal)",
)
TARGET_NOT_NUMBER = problem_type(
    "next-target-not-number",
    "warning",
    "目标值无法识别",
    "Target not a number",
    "{employee} {name} 的 {kpi} 目标“{target}”不是数字（单位 {unit}），请在方案中填写个人目标值",
    "{employee} {name}'s target '{target}' for {kpi} is not a number (unit {unit}): enter the "
    "individual target in the plan",
)
GOAL_REPEATED = problem_type(
    "next-goal-repeated",
    "warning",
    "同一指标的目标重复",
    "KPI agreed twice",
    "{employee} {name} 的面谈记录中 {kpi} 出现了不止一次；采用的是第一个目标 {used}",
    "{employee} {name}'s record names {kpi} more than once; the first target {used} is used",
)
WEIGHT_DIFFERS = problem_type(
    "next-weight-differs",
    "warning",
    "商定的权重与岗位不同",
    "Agreed weight differs from the role's",
    "{employee} {name} 商定 {kpi} 的权重为 {agreed}%，岗位 {role} 中为 {weight}%；岗位权重未改动",
    "{employee} {name} agreed a weight of {agreed}% for {kpi}; the role {role} weighs it "
    "{weight}%; the role's weights are not changed",
)
ID_NOT_DERIVED = problem_type(
    "next-id-not-derived",
    "warning",
    "周期编号无法顺推",
    "Cycle id not advanced",
    "无法从 {old} 推出下一周期的编号，已设为 {new}，如需请修改",
    "The next cycle's id cannot be derived from {old}; it is {new}: edit it if needed",
)
NAME_NOT_DERIVED = problem_type(
    "next-name-not-derived",
    "warning",
    "周期名称无法顺推",
    "Cycle name not advanced",
    "无法从“{old}”推出下一周期的名称，已写入占位名称“{new}”，请修改",
    "The next cycle's name cannot be derived from '{old}'; the placeholder '{new}' is "
    "written: edit it",
)
HISTORY_NOT_SIBLING = problem_type(
    "next-history-not-sibling",
    "warning",
    "不在上一周期旁边",
    "Not beside the previous cycle",
    "{next} 与 {source} 不在同一文件夹下：汇总时不会自动找到上一周期（趋势、上期绩效改进计划），"
    "请移到同一文件夹，或运行 consolidate --previous {source}",
    "{next} is not in the same folder as {source}: consolidate will not find the previous "
    "cycle by itself (trend, earlier PIPs); move it there or run consolidate --previous {source}",
)

# --- the result ----------------------------------------------------------------------------------


@dataclass
class InitFromResult:
    workspace: Path
    plan: Path
    from_workspace: Path
    cycle_id: str
    cycle_name: str
    start: dt.date
    end: dt.date
    due: dt.date
    employees: int  # in the new roster
    left: int  # dropped from the roster
    agreed_targets: int  # individual targets from agreed goals
    other_goals: int  # agreed goals that did not become a target (see the CSV)
    goals_file: Path | None  # NEXT/agreed_goals.csv (None: no agreed goals)
    lang: Lang = "zh-CN"
    report: Report = field(default_factory=Report)


# --- targets from text ------------------------------------------------------------------------------

_NUMBER = re.compile(r"(?P<num>[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)(?P<unit>.*)")
# Money units one can be written in for another (a KPI in 万元 agreed as "5,000,000 元").
_MONEY = {"元": 1, "万": 10**4, "万元": 10**4, "亿": 10**8, "亿元": 10**8}


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def parse_target(text: object, kpi: Kpi) -> float | None:
    """A target as agreed ("95%", "1,200", "500 万元", "20 家") in the KPI's unit, or None.

    A number (thousands separated by commas or not) alone, or followed by the KPI's own unit
    (``%`` only for a KPI measured in %), or by another money unit when the KPI's is one
    (元 / 万 / 万元 / 亿 / 亿元: converted exactly). Anything else is not guessed."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        return float(text)
    match = _NUMBER.fullmatch(_fold(str(text)))
    if match is None:
        return None
    try:
        number = Decimal(match["num"].replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern only lets numbers through
        return None
    unit = match["unit"]
    if unit:
        own = {_fold(u) for u in (kpi.unit, kpi.unit_en or "") if _fold(u)}
        kpi_unit = _fold(kpi.unit)
        if unit in own or unit.casefold() in {u.casefold() for u in own}:
            pass
        elif unit in _MONEY and kpi_unit in _MONEY:
            number = number * _MONEY[unit] / _MONEY[kpi_unit]
        else:
            return None
    return float(number)


def match_kpi(goal: str, role: Role) -> Kpi | None:
    """The role's KPI a goal names: its code, or its name (Chinese or English), exact after
    trimming."""
    text = goal.strip()
    for kpi in role.kpis:
        if text in {kpi.code.strip(), kpi.name.strip(), (kpi.name_en or "").strip()} - {""}:
            return kpi
    return None


# --- building the plan -----------------------------------------------------------------------------


@dataclass
class _Carried:
    employees: list[Employee]
    left: list[Employee]
    report: Report = field(default_factory=Report)


def _carry_roster(plan: Plan, start: dt.date, file: str) -> _Carried:
    """The people who stay; who reported to someone who left reports to the next one up."""
    people = plan.roster.employees
    gone = {
        e.id: e
        for e in people
        if not e.is_active or (e.leave_date is not None and e.leave_date < start)
    }
    by_id = {e.id: e for e in people}
    carried = _Carried([], list(gone.values()))
    for e in gone.values():
        why = (
            Text("已离职（在职标记为否）", "inactive")
            if not e.is_active
            else Text(f"离职日期 {e.leave_date}", f"leave date {e.leave_date}")
        )
        carried.report.add(LEFT(file=file, employee=e.id, name=e.name, why=why))
    for e in people:
        if e.id in gone:
            continue
        boss, seen = e.manager, set()
        while boss is not None and boss in gone and boss not in seen:
            seen.add(boss)
            boss = by_id[boss].manager
        if boss != e.manager:
            carried.report.add(
                MANAGER_CHANGED(
                    file=file,
                    employee=e.id,
                    name=e.name,
                    old=e.manager,
                    new=boss or Text("（无）", "(none)"),
                )
            )
            e = e.model_copy(update={"manager": boss})
        carried.employees.append(e)
    return carried


@dataclass
class _Goals:
    targets: dict[tuple[str, str], IndividualTarget] = field(default_factory=dict)
    rows: list[dict[str, object]] = field(default_factory=list)
    other: int = 0
    report: Report = field(default_factory=Report)


_OUTCOMES = {
    "target": ("个人目标值", "individual target"),
    "not-kpi": ("未对应到指标，请在方案中安排", "not a KPI: arrange it in the plan"),
    "not-number": (
        "目标值无法识别，请在方案中填写个人目标值",
        "target not a number: enter the individual target in the plan",
    ),
    "repeated": ("重复，未采用", "repeated, not used"),
}


def _record_state(record: StoredRecord) -> str:
    inputs = StateInputs(
        interview_date=dt.date.fromisoformat(record.interview_date)
        if record.interview_date
        else None,
        view=record.view if record.view in ("agree", "disagree") else None,  # type: ignore[arg-type]
        confirmed_by_both=record.confirmed,
    )
    return interview_state(inputs, None, dt.date.today())


def _agreed_goals(
    plan: Plan, employees: list[Employee], records: dict[str, tuple[StoredRecord, dict]]
) -> _Goals:
    """Individual targets from the agreed goals, every goal as a CSV row, and warnings."""
    roles = plan.role_map()
    lang = plan.lang
    out = _Goals()
    for e in employees:
        found = records.get(e.id)
        if found is None:
            continue
        record, values = found
        goals = values.get("goals") or []
        if not goals:
            continue
        state = _record_state(record)
        if state == "pending":
            out.report.add(GOALS_NOT_INTERVIEWED(file=GOALS_FILE, employee=e.id, name=e.name))
            continue
        if state == "disputed":
            out.report.add(GOALS_DISPUTED(file=GOALS_FILE, employee=e.id, name=e.name))
        role = roles.get(e.role)
        for row in goals:
            text, target, weight = [*row, None, None, None][:3]
            text = str(text or "").strip()
            target_text = "" if target is None else str(target).strip()
            kpi = match_kpi(text, role) if role is not None else None
            outcome = "not-kpi"
            common = {"file": GOALS_FILE, "employee": e.id, "name": e.name}
            if kpi is None:
                out.report.add(GOAL_NOT_KPI(**common, goal=text, target=target_text, role=e.role))
            elif (e.id, kpi.code) in out.targets:
                outcome = "repeated"
                out.report.add(
                    GOAL_REPEATED(**common, kpi=kpi.code, used=out.targets[(e.id, kpi.code)].target)
                )
            else:
                value = parse_target(target, kpi)
                if value is None:
                    outcome = "not-number"
                    unit = kpi.unit_text(lang) or Text("无", "none")
                    out.report.add(
                        TARGET_NOT_NUMBER(**common, kpi=kpi.code, target=target_text, unit=unit)
                    )
                else:
                    outcome = "target"
                    out.targets[(e.id, kpi.code)] = IndividualTarget(
                        employee=e.id, kpi=kpi.code, target=value
                    )
                    if isinstance(weight, int | float) and abs(weight - kpi.weight) > 1e-9:
                        out.report.add(
                            WEIGHT_DIFFERS(
                                **common,
                                kpi=kpi.code,
                                agreed=f"{weight:g}",
                                role=e.role,
                                weight=f"{kpi.weight:g}",
                            )
                        )
            if outcome != "target":
                out.other += 1
            out.rows.append(
                {
                    "employee_id": e.id,
                    "name": e.name,
                    "record": state_word(state, lang),  # type: ignore[arg-type]
                    "goal": text,
                    "target": target_text,
                    "weight": "" if weight is None else f"{weight:g}",
                    "kpi": kpi.code if kpi is not None else "",
                    "outcome": tr(lang, *_OUTCOMES[outcome]),
                }
            )
    return out


_CSV_HEADERS = {
    "employee_id": ("工号", "Employee ID"),
    "name": ("姓名", "Name"),
    "record": ("面谈记录状态", "Interview record"),
    "goal": ("下期目标", "Next-cycle goal"),
    "target": ("目标", "Target"),
    "weight": ("权重 (%)", "Weight (%)"),
    "kpi": ("对应指标", "KPI"),
    "outcome": ("处理", "What was done"),
}


def _write_goals_csv(path: Path, rows: list[dict[str, object]], lang: Lang) -> Path:
    heads = {k: tr(lang, *v) for k, v in _CSV_HEADERS.items()}
    return atomic_write_csv(
        path,
        list(heads.values()),
        [{heads[k]: "" if v is None else str(v) for k, v in row.items()} for row in rows],
    )


# --- the command -------------------------------------------------------------------------------------


def _refuse(problem: Problem, lang: Lang) -> InitFromRefused:
    return InitFromRefused(problem, lang)


def init_from(
    path: str | Path,
    source: str | Path,
    *,
    start: dt.date | None = None,
    excel: bool | None = None,
    lang: Lang | None = None,
) -> InitFromResult:
    """Create the next cycle's workspace at ``path`` from the workspace ``source``.

    ``start``: the new cycle's first day (default: the day after ``source``'s cycle ends).
    ``excel``: write ``plan.xlsx`` (True) or ``plan.yaml`` (False); None: as ``source`` does.
    ``lang``: the language of refusals (default: ``source``'s plan's, else Chinese). Raises
    :class:`InitFromRefused` (nothing written) when ``path`` is a non-empty folder, ``source``
    is no workspace or has no plan; PlanError when ``source``'s plan does not load.
    """
    new = Workspace(Path(path))
    old = Workspace(Path(source))
    say: Lang = lang or "zh-CN"
    if not old.root.is_dir() or not old.ledger_path.is_file():
        raise _refuse(FROM_NOT_WORKSPACE(source=str(old.root), ledger=LEDGER_NAME), say)
    plan_files = [old.root / n for n in PLAN_NAMES if (old.root / n).is_file()]
    if not plan_files:
        raise _refuse(FROM_NO_PLAN(source=str(old.root), names=", ".join(PLAN_NAMES)), say)
    plan_file = plan_files[0]
    plan = load_plan(plan_file)
    say = lang or plan.lang
    if new.root.exists() and not new.root.is_dir():
        raise _refuse(NEXT_NOT_FOLDER(next=str(new.root)), say)
    if new.root.is_dir():
        inside = sorted(p.name for p in new.root.iterdir())
        if inside:
            shown = "、".join(inside[:3]) + ("…" if len(inside) > 3 else "")
            raise _refuse(NEXT_NOT_EMPTY(next=str(new.root), found=shown), say)
    if start is not None and start <= plan.cycle.end:
        raise _refuse(START_TOO_EARLY(start=start, end=plan.cycle.end), say)
    try:
        records = earlier_records(old.ledger_path)
    except NotALedger:
        raise _refuse(FROM_LEDGER_UNREADABLE(ledger=str(old.ledger_path)), say) from None

    target = new.root / (
        "plan.xlsx" if (plan_file.suffix == ".xlsx" if excel is None else excel) else "plan.yaml"
    )
    report = Report()
    advanced = next_cycle(plan.cycle, start)
    cycle = advanced.cycle
    if not advanced.id_derived:
        report.add(
            ID_NOT_DERIVED(file=target.name, cell="cycle.id", old=plan.cycle.id, new=cycle.id)
        )
    if not advanced.name_derived:
        report.add(
            NAME_NOT_DERIVED(
                file=target.name, cell="cycle.name", old=plan.cycle.name, new=cycle.name
            )
        )
    if not advanced.name_en_derived:
        report.add(
            NAME_NOT_DERIVED(
                file=target.name, cell="cycle.name_en", old=plan.cycle.name_en, new=cycle.name_en
            )
        )
    carried = _carry_roster(plan, cycle.start, target.name)
    report.extend(carried.report)
    staying = {e.id for e in carried.employees}
    goals = _agreed_goals(plan, carried.employees, records)
    report.extend(goals.report)
    shift = dt.timedelta(days=advanced.shift_days)
    targets = [
        t
        for t in plan.roster.targets
        if t.employee in staying and (t.employee, t.kpi) not in goals.targets
    ]
    kept_baselines = {(t.employee, t.kpi): t.baseline for t in plan.roster.targets}
    targets += [
        t.model_copy(update={"baseline": kept_baselines.get(key)})
        for key, t in goals.targets.items()
    ]
    roster = plan.roster.model_copy(
        update={
            "employees": carried.employees,
            "relations": [
                r
                for r in plan.roster.relations
                if r.rater not in {e.id for e in carried.left}
                and r.ratee not in {e.id for e in carried.left}
            ],
            "targets": targets,
        }
    )
    plan_goals = []
    for g in plan.goals:
        if g.owner is not None and g.owner not in staying:
            report.add(GOAL_OWNER_CLEARED(file=target.name, goal=g.id, owner=g.owner))
            g = g.model_copy(update={"owner": None})
        plan_goals.append(g)
    roles = [
        role.model_copy(
            update={
                "tasks": [
                    t.model_copy(update={"deadline": t.deadline + shift})
                    if t.deadline is not None
                    else t
                    for t in role.tasks
                ]
            }
        )
        for role in plan.roles
    ]
    next_plan = Plan.model_validate(
        plan.model_copy(
            update={"cycle": cycle, "roster": roster, "goals": plan_goals, "roles": roles}
        ).model_dump()
    )
    if new.root.resolve().parent != old.root.resolve().parent:
        report.add(HISTORY_NOT_SIBLING(next=str(new.root), source=str(old.root)))

    new.create()
    dump_plan(next_plan, target)
    goals_file = (
        _write_goals_csv(new.root / GOALS_FILE, goals.rows, next_plan.lang) if goals.rows else None
    )
    with new.ledger() as conn:
        version = freeze_plan(conn, plan_json(next_plan))
        audit(
            conn,
            "workspace.init",
            str(new.root),
            plan=target.name,
            plan_version=version,
            source=str(old.root.resolve()),
            source_cycle=plan.cycle.id,
            employees=len(carried.employees),
            left=len(carried.left),
            agreed_targets=len(goals.targets),
            language=next_plan.lang,
        )
    return InitFromResult(
        workspace=new.root,
        plan=target,
        from_workspace=old.root,
        cycle_id=cycle.id,
        cycle_name=cycle.name,
        start=cycle.start,
        end=cycle.end,
        due=cycle.due,
        employees=len(carried.employees),
        left=len(carried.left),
        agreed_targets=len(goals.targets),
        other_goals=goals.other,
        goals_file=goals_file,
        lang=say,
        report=report,
    )
