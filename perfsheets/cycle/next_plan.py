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
from perfsheets.core.problems import PerfsheetsError, Problem, Report, Text
from perfsheets.cycle.advance import next_cycle
from perfsheets.cycle.next_problems import (
    FROM_LEDGER_UNREADABLE,
    FROM_NO_PLAN,
    FROM_NOT_WORKSPACE,
    GOAL_NOT_KPI,
    GOAL_OWNER_CLEARED,
    GOAL_REPEATED,
    GOALS_DISPUTED,
    GOALS_NOT_INTERVIEWED,
    HISTORY_NOT_SIBLING,
    ID_NOT_DERIVED,
    LEFT,
    MANAGER_CHANGED,
    NAME_NOT_DERIVED,
    NEXT_NOT_EMPTY,
    NEXT_NOT_FOLDER,
    START_TOO_EARLY,
    TARGET_NOT_NUMBER,
    WEIGHT_DIFFERS,
)
from perfsheets.files.atomic import atomic_write_csv
from perfsheets.files.workspace import PLAN_NAMES
from perfsheets.ledger.interviews import StoredRecord, earlier_records
from perfsheets.ledger.results import NotALedger
from perfsheets.ledger.workspace import LEDGER_NAME, Workspace, audit, freeze_plan
from perfsheets.plan.io import dump_plan, load_plan, plan_json

GOALS_FILE = "agreed_goals.csv"


class InitFromRefused(PerfsheetsError):
    """``init --from`` refused (nothing written); ``problem`` says why, as data."""

    def __init__(self, problem: Problem, lang: Lang) -> None:
        super().__init__(problem.message(lang))
        self.problem = problem


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
