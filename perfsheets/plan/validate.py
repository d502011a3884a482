"""Plan validation: every problem of a plan at once, each with its location and a plain message.

The model (:mod:`perfsheets.core.model`) checks the shape of a plan (:mod:`.schema` explains its
errors); :func:`validate_plan` checks what the model cannot: weights that do not sum to 100,
references to unknown roles, scales, competencies, managers or KPIs, reporting lines that loop,
employees without a rater of a required type, ratio rules without a usable target, thresholds
that are not monotonic, quotas over 100% ... The rules of the plan's structure are here, those of
the roster in :mod:`.roster`; the problem types are in :mod:`.problems`.

Locations are model paths (``roles[2].kpis[0].weight``); when the plan was read from a file, the
:class:`~perfsheets.plan.source.PlanSource` turns them into ``plan.yaml:45`` or a sheet and cell.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from pathlib import Path

from perfsheets.core.eligibility import pro_rata_conflict
from perfsheets.core.model import CompetencyRef, KeyTask, Kpi, Plan, Role, SectionKind
from perfsheets.core.problems import Problem, Report
from perfsheets.core.rules import BandsRule, ChangeBandsRule, LinearRule, ThresholdRule
from perfsheets.plan.checker import TOLERANCE, Checker, plain_number
from perfsheets.plan.io import read_plan
from perfsheets.plan.partial import partial_check
from perfsheets.plan.problems import (
    ADJUSTMENT_CODE_TAKEN,
    ADJUSTMENT_NO_RATER,
    ANCHOR_COUNT,
    BANDS_NOT_MONOTONIC,
    CAP_UNUSED,
    CONFIRMATION_BEFORE_DUE,
    DATES_ORDER,
    DUE_BEFORE_START,
    DUPLICATE_ID,
    EMPLOYEE_DATES,
    EMPTY_SECTION,
    FLOOR_ABOVE_CAP,
    NAME_PLACEHOLDER,
    NAME_PLACEHOLDER_EN,
    NAME_PLACEHOLDER_ZH,
    PRO_RATA_IGNORED,
    PRO_RATA_NO_WAY,
    QUOTA_MISSING,
    QUOTA_OVER_100,
    QUOTA_UNUSED,
    ROLLUP_OVERLAP,
    SCALE_NOT_MONOTONIC,
    SECTION_UNRATED,
    THRESHOLD_ORDER,
    THRESHOLDS_NOT_MONOTONIC,
    UNKNOWN_COMPETENCY,
    UNKNOWN_DEPARTMENT,
    UNKNOWN_EMPLOYEE,
    UNKNOWN_GRADE,
    UNKNOWN_RATER_TYPE,
    ZERO_POINTS,
)
from perfsheets.plan.roster import check_roster
from perfsheets.plan.source import LoadedPlan, PathKey, PlanSource


def partial_problems(loaded: LoadedPlan) -> list[Problem]:
    """Cross-field problems of a plan whose data the model refused in part."""
    return partial_check(loaded, validate_plan)


def validate_plan(plan: Plan, source: PlanSource | None = None) -> Report:
    """Every cross-field problem of the plan, located in ``source`` when given."""
    ck = Checker(plan, source)
    _check_cycle(ck)
    _check_scales(ck)
    _check_rater_types(ck)
    _check_competencies(ck)
    for i, role in enumerate(plan.roles):
        _check_role(ck, i, role)
    _check_grading(ck)
    _check_rollup(ck)
    _check_goals(ck)
    _check_pay(ck)
    _check_consequences(ck)
    check_roster(ck)
    _check_employee_dates(ck)
    report = Report()
    report.extend(ck.problems)
    return report


def check_plan_file(path: str | Path) -> tuple[Plan | None, Report]:
    """Read a plan file and check it in full: reading, schema and cross-field problems."""
    loaded = read_plan(path)
    report = loaded.report
    if loaded.plan is not None:
        report.extend(validate_plan(loaded.plan, loaded.source))
    else:
        report.extend(partial_check(loaded, validate_plan))
    return loaded.plan, report


SECTION_NAMES = {
    "kpi": ("关键绩效指标", "KPIs"),
    "task": ("重点工作", "key tasks"),
    "competency": ("能力素质", "competencies"),
}


def _check_cycle(ck: Checker) -> None:
    c = ck.plan.cycle
    if c.end < c.start:
        ck.add(DATES_ORDER, ("cycle", "end"), start=c.start, end=c.end)
    if c.due < c.start:
        ck.add(DUE_BEFORE_START, ("cycle", "due"), start=c.start, due=c.due)
    if c.confirmation_deadline is not None and c.confirmation_deadline < c.due:
        ck.add(
            CONFIRMATION_BEFORE_DUE,
            ("cycle", "confirmation_deadline"),
            deadline=c.confirmation_deadline,
            due=c.due,
        )
    for key, name in (("name", c.name), ("name_en", c.name_en)):
        if name and name.startswith((NAME_PLACEHOLDER_ZH, NAME_PLACEHOLDER_EN)):
            ck.add(NAME_PLACEHOLDER, ("cycle", key), name=name)


def _check_scales(ck: Checker) -> None:
    ck.unique(ck.plan.scales, "id", ("scales",), ("量表", "Scale"))
    for i, scale in enumerate(ck.plan.scales):
        base = ("scales", i, "levels")
        ck.unique(scale.levels, "value", base, (f"量表 {scale.id} 的等级", "Scale level"))
        ordered = sorted(enumerate(scale.levels), key=lambda p: p[1].value)
        for (_, low), (j, high) in itertools.pairwise(ordered):
            if high.value > low.value and high.points <= low.points:
                ck.add(SCALE_NOT_MONOTONIC, (*base, j, "points"), scale=scale.id, level=high.value)


def _check_rater_types(ck: Checker) -> None:
    types = ck.plan.rater_types
    ck.unique(types, "id", ("rater_types",), ("评价人类型", "Rater type"))
    ck.sum_100((t.weight for t in types), ("rater_types",), "评价人类型", "the rater types")


def _check_competencies(ck: Checker) -> None:
    comps = ck.plan.competencies
    ck.unique(comps, "code", ("competencies",), ("能力项", "Competency"))
    for i, comp in enumerate(comps):
        ck.known_scale(comp.scale, ("competencies", i, "scale"))
        scale = ck.scales.get(comp.scale)
        for attr in ("anchors", "anchors_en"):
            anchors = getattr(comp, attr)
            if scale is not None and anchors and len(anchors) != len(scale.levels):
                ck.add(
                    ANCHOR_COUNT,
                    ("competencies", i, attr),
                    code=comp.code,
                    count=len(anchors),
                    scale=scale.id,
                    levels=len(scale.levels),
                )


def _check_role(ck: Checker, i: int, role: Role) -> None:
    base: PathKey = ("roles", i)
    first = next(j for j, r in enumerate(ck.plan.roles) if r.id == role.id)
    if first != i:
        ck.add(
            DUPLICATE_ID,
            (*base, "id"),
            what="岗位",
            what_en="Role",
            id=role.id,
            first=ck.where(("roles", first, "id")),
        )
    _check_sections(ck, base, role)
    name = role.name
    ck.unique(role.kpis, "code", (*base, "kpis"), (f"岗位“{name}”的指标", "KPI"))
    ck.unique(role.tasks, "code", (*base, "tasks"), (f"岗位“{name}”的重点工作", "Task"))
    ck.unique(role.competencies, "code", (*base, "competencies"), (f"岗位“{name}”的能力项", "Item"))
    for k, kpi in enumerate(role.kpis):
        _check_kpi(ck, role, (*base, "kpis", k), kpi)
    for t, task in enumerate(role.tasks):
        ck.known_scale(task.scale, (*base, "tasks", t, "scale"))
        ck.known_goal(task.goal, (*base, "tasks", t, "goal"))
    library = ck.plan.competency_map()
    for c, ref in enumerate(role.competencies):
        if ref.code not in library:
            ck.add(UNKNOWN_COMPETENCY, (*base, "competencies", c, "code"), code=ref.code)
    _check_role_raters(ck, base, role)
    _check_adjustments(ck, base, role)


def _check_adjustments(ck: Checker, base: PathKey, role: Role) -> None:
    """加减分项: codes unique and apart from the KPIs', worth something, entered by someone."""
    path: PathKey = (*base, "adjustments")
    ck.unique(
        role.adjustments, "code", path, (f"岗位“{role.name}”的加减分项", "Bonus/penalty item")
    )
    kpis = {k.code for k in role.kpis}
    managers = "manager" in ck.plan.rater_type_map()
    for a, adj in enumerate(role.adjustments):
        if adj.points_per_unit == 0:
            ck.add(
                ZERO_POINTS,
                (*path, a, "points_per_unit"),
                code=adj.code,
                name=adj.name,
                unit=adj.unit or "次",
            )
        if adj.code in kpis:
            ck.add(
                ADJUSTMENT_CODE_TAKEN,
                (*path, a, "code"),
                role=role.name,
                role_en=role.label("en"),
                code=adj.code,
            )
        if adj.source == "rater" and not managers:
            ck.add(
                ADJUSTMENT_NO_RATER,
                (*path, a, "source"),
                role=role.name,
                role_en=role.label("en"),
                code=adj.code,
            )
    for attr, bonus, zh, en in (
        ("bonus_cap", True, ("加分上限", "加分"), ("bonus cap", "bonus")),
        ("penalty_cap", False, ("减分上限", "减分"), ("penalty cap", "penalty")),
    ):
        if getattr(role, attr) is not None and not any(
            a.is_bonus == bonus and a.points_per_unit != 0 for a in role.adjustments
        ):
            ck.add(
                CAP_UNUSED,
                (*base, attr),
                role=role.name,
                role_en=role.label("en"),
                cap=zh[0],
                kind=zh[1],
                cap_en=en[0],
                kind_en=en[1],
            )


def _check_sections(ck: Checker, base: PathKey, role: Role) -> None:
    """Section weights summing to 100, and each weighted section's items summing to 100."""
    name = role.name
    w = role.weights
    ck.sum_100(
        (w.kpi, w.task, w.competency),
        (*base, "weights"),
        f"岗位“{name}”各考核部分",
        f"the sections of role '{role.id}'",
    )
    items: dict[SectionKind, Sequence[Kpi | KeyTask | CompetencyRef]] = {
        "kpi": role.kpis,
        "task": role.tasks,
        "competency": role.competencies,
    }
    attrs = {"kpi": "kpis", "task": "tasks", "competency": "competencies"}
    for kind, listed in items.items():
        zh, en = SECTION_NAMES[kind]
        if w.of(kind) > 0 and not listed:
            ck.add(
                EMPTY_SECTION,
                (*base, "weights", kind),
                role=name,
                section=zh,
                section_en=en,
                weight=plain_number(w.of(kind)),
            )
        elif listed:
            ck.sum_100(
                (x.weight for x in listed),
                (*base, attrs[kind]),
                f"岗位“{name}”的{zh}",
                f"the {en} of role '{role.id}'",
            )


def _check_role_raters(ck: Checker, base: PathKey, role: Role) -> None:
    types = ck.plan.rater_type_map()
    for type_id in role.rater_weights:
        if type_id not in types:
            ck.add(UNKNOWN_RATER_TYPE, (*base, "rater_weights", type_id), type=type_id)
    if role.rater_weights:
        weights = ck.plan.rater_weights(role)
        ck.sum_100(
            (weights[t] for t in types),
            (*base, "rater_weights"),
            f"岗位“{role.name}”的评价人",
            f"the raters of role '{role.id}'",
        )
    weights = ck.plan.rater_weights(role)
    for kind in role.sections():
        if kind == "kpi" and all(k.source == "import" for k in role.kpis):
            continue  # actuals come from business systems, nobody needs to enter them
        raters = [t for t in ck.plan.rater_types if kind in t.sections and weights.get(t.id, 0) > 0]
        if not raters:
            zh, en = SECTION_NAMES[kind]
            ck.add(
                SECTION_UNRATED,
                (*base, "weights", kind),
                role=role.name,
                section=zh,
                section_en=en,
            )


def _check_kpi(ck: Checker, role: Role, path: PathKey, kpi: Kpi) -> None:
    rule = kpi.rule
    if isinstance(rule, LinearRule) and rule.floor > rule.cap:
        ck.add(
            FLOOR_ABOVE_CAP,
            (*path, "rule", "floor"),
            kpi=kpi.code,
            floor=plain_number(rule.floor),
            cap=plain_number(rule.cap),
        )
    if isinstance(rule, ThresholdRule) and not _threshold_ordered(rule, kpi):
        lower = kpi.direction == "lower"
        ck.add(
            THRESHOLD_ORDER,
            (*path, "rule", "threshold"),
            kpi=kpi.code,
            name=kpi.name,
            direction="越低越好" if lower else "越高越好",
            direction_en="lower is better" if lower else "higher is better",
            threshold=plain_number(rule.threshold),
            stretch=plain_number(rule.stretch),
            order="递减" if lower else "递增",
            order_en="decreasing" if lower else "increasing",
            scores=" / ".join(
                plain_number(v)
                for v in (rule.threshold_score, rule.target_score, rule.stretch_score)
            ),
        )
    if isinstance(rule, BandsRule | ChangeBandsRule) and not _bands_monotonic(rule, kpi):
        ck.add(BANDS_NOT_MONOTONIC, (*path, "rule", "bands"), kpi=kpi.code)
    ck.known_goal(kpi.goal, (*path, "goal"))
    codes = [g.code for g in ck.plan.grading.levels]
    if kpi.veto is not None and kpi.veto.grade not in codes:
        ck.add(
            UNKNOWN_GRADE,
            (*path, "veto", "grade"),
            what=f"指标 {kpi.code} 的一票否决",
            what_en=f"the veto of KPI {kpi.code}",
            grade=kpi.veto.grade,
            known=", ".join(codes),
        )
    # Role-level target/baseline only matter for employees without an individual one.
    people = ck.by_role.get(role.id, [])
    uncovered = any((e.id, kpi.code) not in ck.targets for e in people)
    if uncovered or not people:
        who = (f"岗位“{role.name}”的", f"Role '{role.id}': ")
        ck.check_target(kpi, kpi.target, kpi.baseline, path, who)


def _check_employee_dates(ck: Checker) -> None:
    """Hire before leave and before the end of probation."""
    names = {
        "hire_date": ("入职日期", "hire date"),
        "leave_date": ("离职日期", "leave date"),
        "probation_end": ("试用期结束日期", "end of probation"),
    }
    for i, e in enumerate(ck.plan.roster.employees):
        if e.hire_date is None:
            continue
        for later in ("leave_date", "probation_end"):
            day = getattr(e, later)
            if day is not None and day < e.hire_date:
                ck.add(
                    EMPLOYEE_DATES,
                    ("roster", "employees", i, later),
                    id=e.id,
                    name=e.name,
                    later=names[later][0],
                    later_en=names[later][1],
                    later_date=day.isoformat(),
                    earlier=names["hire_date"][0],
                    earlier_en=names["hire_date"][1],
                    earlier_date=e.hire_date.isoformat(),
                )


def _check_grading(ck: Checker) -> None:
    grading = ck.plan.grading
    levels = grading.levels
    base: PathKey = ("grading", "levels")
    ck.unique(levels, "code", base, ("等级", "Grade"))
    for j in range(1, len(levels)):
        prev, grade = levels[j - 1], levels[j]
        if grade.min_score >= prev.min_score:
            ck.add(
                THRESHOLDS_NOT_MONOTONIC,
                (*base, j, "min_score"),
                grade=grade.code,
                score=plain_number(grade.min_score),
                prev=prev.code,
                prev_score=plain_number(prev.min_score),
            )
    quotas = [g.quota for g in levels if g.quota is not None]
    total = math.fsum(quotas)
    if total > 1 + TOLERANCE:
        ck.add(QUOTA_OVER_100, base, total=plain_number(total * 100))
    if quotas and not grading.forced_distribution.enabled:
        ck.add(QUOTA_UNUSED, ("grading", "forced_distribution", "enabled"))
    if grading.forced_distribution.enabled and not quotas:
        ck.add(QUOTA_MISSING, ("grading", "forced_distribution", "enabled"))
    _check_minimum_shares(ck)


def _check_minimum_shares(ck: Checker) -> None:
    """Every grade a minimum share names is one of the plan's grades."""
    codes = [g.code for g in ck.plan.grading.levels]
    base: PathKey = ("grading", "forced_distribution", "minimum_shares")
    for i, rule in enumerate(ck.plan.grading.forced_distribution.minimum_shares):
        for j, grade in enumerate(rule.grades):
            if grade not in codes:
                ck.add(
                    UNKNOWN_GRADE,
                    (*base, i, "grades", j),
                    what="多个等级合计的比例下限",
                    what_en="the minimum shares",
                    grade=grade,
                    known=", ".join(codes),
                )


def _check_rollup(ck: Checker) -> None:
    seen: set[str] = set()
    for i, rollup in enumerate(ck.plan.rollup):
        for j, role in enumerate(rollup.roles):
            if role not in ck.roles:
                ck.unknown_role(role, ("rollup", i, "roles", j))
            elif role in seen:
                ck.add(ROLLUP_OVERLAP, ("rollup", i, "roles", j), role=role)
            seen.add(role)
        ck.sum_100(
            (p.weight for p in rollup.parts),
            ("rollup", i, "parts"),
            "周期汇总规则",
            "the roll-up rule",
        )


def _check_pay(ck: Checker) -> None:
    """Each bonus pool names a department of the roster (or "*", the company), once; the
    two pro-rata rules agree."""
    _check_pro_rata(ck)
    departments = ck.plan.departments()
    seen: dict[str, PathKey] = {}
    for i, pool in enumerate(ck.plan.pay.pools):
        path: PathKey = ("pay", "pools", i, "department")
        if pool.department in seen:
            ck.add(
                DUPLICATE_ID,
                path,
                what="奖金池",
                what_en="Bonus pool",
                id=pool.department,
                first=ck.where(seen[pool.department]),
            )
        seen.setdefault(pool.department, path)
        if pool.department != "*" and pool.department not in departments:
            ck.add(
                UNKNOWN_DEPARTMENT,
                path,
                what="奖金池",
                what_en="the bonus pools",
                department=pool.department,
                known=", ".join(departments),
            )


def _check_pro_rata(ck: Checker) -> None:
    conflict = pro_rata_conflict(ck.plan)
    if conflict is None:
        return
    what, ids = conflict
    path: PathKey = ("pay", "pro_rata")
    if what == "way_ignored":
        ck.add(PRO_RATA_IGNORED, path, way=ck.plan.pay.pro_rata)
    else:
        shown = ", ".join(ids[:5]) + (" …" if len(ids) > 5 else "")
        ck.add(PRO_RATA_NO_WAY, path, count=len(ids), ids=shown)


def _check_consequences(ck: Checker) -> None:
    """Every grade the consequence lists name is one of the plan's grades."""
    codes = [g.code for g in ck.plan.grading.levels]
    options = ck.plan.consequences
    words = {
        "pip_grades": ("绩效改进计划等级", "the PIP grades"),
        "honour_grades": ("优秀员工等级", "the honour grades"),
        "promotion_grades": ("晋升候选等级", "the promotion grades"),
    }
    for name, (zh, en) in words.items():
        for j, grade in enumerate(getattr(options, name) or []):
            if grade not in codes:
                ck.add(
                    UNKNOWN_GRADE,
                    ("consequences", name, j),
                    what=zh,
                    what_en=en,
                    grade=grade,
                    known=", ".join(codes),
                )


def _check_goals(ck: Checker) -> None:
    goals = ck.plan.goals
    ck.unique(goals, "id", ("goals",), ("目标", "Goal"))
    for i, goal in enumerate(goals):
        ck.known_goal(goal.parent, ("goals", i, "parent"))
        if goal.owner is not None and goal.owner not in ck.employee_index:
            ck.add(
                UNKNOWN_EMPLOYEE,
                ("goals", i, "owner"),
                what="目标负责人",
                what_en="the goal owner",
                id=goal.owner,
            )


def _threshold_ordered(rule: ThresholdRule, kpi: Kpi) -> bool:
    sign = 1 if kpi.direction == "higher" else -1
    points = sign * rule.threshold < sign < sign * rule.stretch
    return points and rule.below <= rule.threshold_score <= rule.target_score <= rule.stretch_score


def _bands_monotonic(rule: BandsRule | ChangeBandsRule, kpi: Kpi) -> bool:
    """Better bands never score lower (for raw lower-is-better values, smaller bounds are
    better)."""
    at_most = isinstance(rule, BandsRule) and rule.on == "value" and kpi.direction == "lower"
    bands = sorted(rule.bands, key=lambda b: b.min, reverse=not at_most)  # best first
    return all(a.score >= b.score for a, b in itertools.pairwise(bands))
