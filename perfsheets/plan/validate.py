"""Plan validation: every problem of a plan at once, each with its location and a plain message.

The model (:mod:`perfsheets.core.model`) checks the shape of a plan; :func:`schema_problems` turns its
errors into located problems. :func:`validate_plan` checks what the model cannot: weights that do
not sum to 100, references to unknown roles, scales, competencies, managers or KPIs, reporting
lines that loop, employees without a rater of a required type, ratio rules without a usable
target, thresholds that are not monotonic, quotas over 100% ...

Locations are model paths (``roles[2].kpis[0].weight``); when the plan was read from a file, the
:class:`~perfsheets.plan.io.PlanSource` turns them into ``plan.yaml:45`` or a sheet and cell.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from perfsheets.core.problems import Problem, Report, problem_type

if TYPE_CHECKING:
    from pathlib import Path

    from perfsheets.core.model import Employee, Kpi, Plan, Role
    from perfsheets.plan.io import PathKey, PlanSource

# --- problem types ----------------------------------------------------------------------------
# Reading the file

UNREADABLE_FILE = problem_type(
    "unreadable-file",
    "error",
    "文件无法读取",
    "Unreadable file",
    "无法读取方案文件：{reason}",
    "The plan file cannot be read: {reason}",
)
YAML_SYNTAX = problem_type(
    "yaml-syntax",
    "error",
    "YAML 格式错误",
    "YAML syntax error",
    "YAML 格式错误：{reason}（检查缩进、冒号和引号）",
    "YAML syntax error: {reason} (check indentation, colons and quotes)",
)
DUPLICATE_KEY = problem_type(
    "duplicate-key",
    "error",
    "重复的键",
    "Duplicate key",
    "键“{key}”在同一处出现了两次，只有最后一个会生效",
    "The key '{key}' appears twice in the same place; only the last one would count",
)
NOT_A_PLAN = problem_type(
    "not-a-plan",
    "error",
    "不是考核方案",
    "Not a plan",
    "文件内容不是考核方案（应为 cycle、scales、roles 等键组成的映射）",
    "The file is not a plan (expected a mapping with cycle, scales, roles ...)",
)
MISSING_SHEET = problem_type(
    "missing-sheet",
    "error",
    "缺少工作表",
    "Missing sheet",
    "方案工作簿缺少工作表“{name}”",
    "The plan workbook has no sheet '{name_en}'",
)
MISSING_COLUMN = problem_type(
    "missing-column",
    "error",
    "缺少列",
    "Missing column",
    "工作表缺少“{column}”列",
    "The sheet has no '{column}' column",
)
BAD_CELL = problem_type(
    "bad-cell",
    "error",
    "单元格内容无效",
    "Invalid cell",
    "“{value}”无效：{expected}",
    "'{value}' is not valid: {expected_en}",
)
SCHEMA = problem_type(
    "schema",
    "error",
    "方案格式错误",
    "Plan format error",
    "{detail}",
    "{detail_en}",
)

# Cross-field rules

WEIGHTS_NOT_100 = problem_type(
    "weights-not-100",
    "error",
    "权重之和不是 100",
    "Weights do not sum to 100",
    "{what}的权重之和为 {total}，应为 100",
    "The weights of {what_en} sum to {total}, not 100",
)
EMPTY_SECTION = problem_type(
    "empty-section",
    "error",
    "考核项为空",
    "Empty section",
    "岗位“{role}”的{section}权重为 {weight}，但没有任何考核项",
    "Role '{role}' gives {section_en} a weight of {weight} but lists no items",
)
DUPLICATE_ID = problem_type(
    "duplicate-id",
    "error",
    "编号重复",
    "Duplicate id",
    "{what}编号“{id}”重复出现（首次出现在 {first}）",
    "{what_en} id '{id}' is used more than once (first at {first})",
)
DUPLICATE_EMPLOYEE = problem_type(
    "duplicate-employee",
    "error",
    "工号重复",
    "Duplicate employee id",
    "工号“{id}”重复出现（首次出现在 {first}）",
    "Employee id '{id}' is used more than once (first at {first})",
)
UNKNOWN_ROLE = problem_type(
    "unknown-role",
    "error",
    "未知岗位",
    "Unknown role",
    "岗位“{role}”未在方案中定义（已定义：{known}）",
    "Role '{role}' is not defined in the plan (defined: {known})",
)
UNKNOWN_SCALE = problem_type(
    "unknown-scale",
    "error",
    "未知量表",
    "Unknown scale",
    "量表“{scale}”未在方案中定义（已定义：{known}）",
    "Scale '{scale}' is not defined in the plan (defined: {known})",
)
UNKNOWN_COMPETENCY = problem_type(
    "unknown-competency",
    "error",
    "未知能力项",
    "Unknown competency",
    "能力项“{code}”不在能力素质库中",
    "Competency '{code}' is not in the competency library",
)
UNKNOWN_RATER_TYPE = problem_type(
    "unknown-rater-type",
    "error",
    "未定义的评价人类型",
    "Undefined rater type",
    "评价人类型“{type}”未在方案的评价人类型中定义",
    "Rater type '{type}' is not defined in the plan's rater types",
)
UNKNOWN_MANAGER = problem_type(
    "unknown-manager",
    "error",
    "上级不存在",
    "Unknown manager",
    "员工 {id}（{name}）的上级工号“{manager}”不在名册中",
    "The manager '{manager}' of employee {id} ({name}) is not on the roster",
)
INACTIVE_MANAGER = problem_type(
    "inactive-manager",
    "warning",
    "上级已离职",
    "Inactive manager",
    "员工 {id}（{name}）的上级 {manager} 已标记为不在职，上级评价将缺失",
    "The manager {manager} of employee {id} ({name}) is inactive; no manager rating will come",
)
CIRCULAR_MANAGER = problem_type(
    "circular-manager",
    "error",
    "汇报关系循环",
    "Circular reporting line",
    "汇报关系形成循环：{chain}",
    "Reporting lines form a loop: {chain}",
)
MISSING_REQUIRED_RATER = problem_type(
    "missing-required-rater",
    "error",
    "缺少必需的评价人",
    "Missing required rater",
    "员工 {id}（{name}）的{type}评价人为 {count} 人，至少需要 {need} 人",
    "Employee {id} ({name}) has {count} {type_en} rater(s); at least {need} required",
)
TOP_WITHOUT_MANAGER = problem_type(
    "top-without-manager",
    "warning",
    "最高负责人无上级评价",
    "Top of organisation has no manager rating",
    "员工 {id}（{name}）没有直接上级，因此没有上级评价；如需评价，请在评价关系中添加评价人"
    "（如董事会，类型 manager）",
    "Employee {id} ({name}) has no manager, so no manager rating; to have one, add a rater "
    "relation (e.g. the board, as manager)",
)
FEW_RATERS = problem_type(
    "few-raters",
    "warning",
    "评价人数不足匿名要求",
    "Too few raters for anonymity",
    "员工 {id}（{name}）只有 {count} 名{type}评价人，少于匿名所需的 {need} 人，该类评价将不计入",
    "Employee {id} ({name}) has only {count} {type_en} rater(s), fewer than the {need} "
    "anonymity needs; those ratings will not count",
)
UNKNOWN_EMPLOYEE = problem_type(
    "unknown-employee",
    "error",
    "员工不存在",
    "Unknown employee",
    "{what}中的工号“{id}”不在名册中",
    "Employee id '{id}' in {what_en} is not on the roster",
)
UNKNOWN_RATER = problem_type(
    "unknown-rater",
    "error",
    "评价人不存在",
    "Unknown rater",
    "评价人“{id}”既不在名册中，也不是外部评价人",
    "Rater '{id}' is neither on the roster nor an external rater",
)
UNKNOWN_KPI = problem_type(
    "unknown-kpi",
    "error",
    "指标不存在",
    "Unknown KPI",
    "员工 {employee} 的岗位“{role}”没有指标“{kpi}”",
    "The role '{role}' of employee {employee} has no KPI '{kpi}'",
)
ZERO_TARGET = problem_type(
    "zero-target",
    "error",
    "目标值无效",
    "Unusable target",
    "{who}指标 {kpi}（{name}）按比例计分，目标值必须大于 0（现为 {target}）",
    "{who_en}KPI {kpi} ({name}) is scored as a ratio, so its target must be above 0 (it is "
    "{target})",
)
ZERO_BASELINE = problem_type(
    "zero-baseline",
    "error",
    "基期值无效",
    "Unusable baseline",
    "{who}指标 {kpi}（{name}）按变化率计分，基期值不能为空或 0（现为 {baseline}）",
    "{who_en}KPI {kpi} ({name}) is scored as a change rate, so it needs a baseline other than "
    "0 (it is {baseline})",
)
FLOOR_ABOVE_CAP = problem_type(
    "floor-above-cap",
    "error",
    "下限高于上限",
    "Floor above cap",
    "指标 {kpi} 的计分下限 {floor} 高于上限 {cap}",
    "The scoring floor {floor} of KPI {kpi} is above its cap {cap}",
)
BANDS_NOT_MONOTONIC = problem_type(
    "bands-not-monotonic",
    "warning",
    "分档得分不单调",
    "Band scores not monotonic",
    "指标 {kpi} 的分档中，更好的档位得分反而更低",
    "In the bands of KPI {kpi}, a better band gives a lower score",
)
THRESHOLDS_NOT_MONOTONIC = problem_type(
    "thresholds-not-monotonic",
    "error",
    "等级分数线不单调",
    "Grade thresholds not monotonic",
    "等级应从高到低排列，分数线逐级降低：{grade} 的分数线 {score} 不低于上一等级 {prev} 的 "
    "{prev_score}",
    "Grades go best first with falling thresholds: {grade} starts at {score}, not below {prev} "
    "at {prev_score}",
)
SCALE_NOT_MONOTONIC = problem_type(
    "scale-not-monotonic",
    "error",
    "量表不单调",
    "Scale not monotonic",
    "量表“{scale}”的等级值和分数应同时递增（{level} 不满足）",
    "The levels of scale '{scale}' must rise in both value and points ({level} does not)",
)
ANCHOR_COUNT = problem_type(
    "anchor-count",
    "warning",
    "行为描述数量不符",
    "Anchor count mismatch",
    "能力项 {code} 有 {count} 条行为描述，而量表“{scale}”有 {levels} 个等级",
    "Competency {code} has {count} behaviour anchors but scale '{scale}' has {levels} levels",
)
QUOTA_OVER_100 = problem_type(
    "quota-over-100",
    "error",
    "强制分布比例超过 100%",
    "Quotas over 100%",
    "各等级强制分布比例之和为 {total}%，不能超过 100%",
    "The forced-distribution quotas add up to {total}%, more than 100%",
)
QUOTA_UNUSED = problem_type(
    "quota-unused",
    "warning",
    "比例未启用",
    "Quotas not in use",
    "已填写等级比例，但未启用强制分布（forced_distribution.enabled）",
    "Grade quotas are set but forced distribution is not enabled",
)
DATES_ORDER = problem_type(
    "dates-order",
    "error",
    "日期顺序错误",
    "Dates out of order",
    "考核周期结束日期 {end} 早于开始日期 {start}",
    "The cycle ends ({end}) before it starts ({start})",
)
DUE_BEFORE_START = problem_type(
    "due-before-start",
    "warning",
    "截止日期过早",
    "Due date too early",
    "提交截止日期 {due} 早于考核周期开始日期 {start}",
    "The due date {due} is before the cycle starts ({start})",
)
SECTION_UNRATED = problem_type(
    "section-unrated",
    "error",
    "考核项无人评分",
    "Section nobody rates",
    "岗位“{role}”有{section}，但没有任何评价人类型评这一部分",
    "Role '{role}' has {section_en}, but no rater type rates that section",
)
MISSING_TARGET = problem_type(
    "missing-target",
    "error",
    "缺少目标值",
    "Missing target",
    "{who}指标 {kpi}（{name}）按是否达标计分，必须有目标值",
    "{who_en}KPI {kpi} ({name}) is scored pass/fail, so it needs a target",
)
QUOTA_MISSING = problem_type(
    "quota-missing",
    "warning",
    "未设置分布比例",
    "No quotas set",
    "已启用强制分布，但没有任何等级设置了比例（quota），将不做强制分布",
    "Forced distribution is enabled but no grade has a quota; nothing will be enforced",
)
UNKNOWN_GOAL = problem_type(
    "unknown-goal",
    "error",
    "目标不存在",
    "Unknown goal",
    "目标“{goal}”未在方案的目标中定义",
    "Goal '{goal}' is not defined in the plan's goals",
)
ROLLUP_OVERLAP = problem_type(
    "rollup-overlap",
    "error",
    "汇总规则重复",
    "Overlapping roll-up rules",
    "岗位“{role}”出现在多条周期汇总规则中",
    "Role '{role}' is in more than one roll-up rule",
)
EMPTY_ROSTER = problem_type(
    "empty-roster",
    "warning",
    "名册为空",
    "Empty roster",
    "员工名册为空，不会生成任何考核表",
    "The roster is empty; no forms will be generated",
)
BAD_EMAIL = problem_type(
    "bad-email",
    "warning",
    "邮箱格式可疑",
    "Suspicious e-mail",
    "员工 {id} 的邮箱“{email}”格式不正确",
    "The e-mail '{email}' of employee {id} does not look valid",
)

PLAN_CHANGED = problem_type(
    "plan-changed",
    "warning",
    "方案已修改",
    "Plan changed",
    "方案在生成考核表（方案版本 {version}）之后被修改；已发出的考核表仍按旧方案填写，"
    "如需生效请重新生成考核表",
    "The plan changed after the forms were generated (plan version {version}); forms already "
    "sent follow the old plan — generate them again for the change to apply",
)

# --- pydantic errors → problems ---------------------------------------------------------------

_RULE_TAGS = {"linear", "bands", "deduction", "pass_fail", "change_bands"}

# pydantic error type → (Chinese, English) explanation; {ctx keys} are filled in.
_SCHEMA_TEXT: dict[str, tuple[str, str]] = {
    "missing": ("缺少必填项", "a required value is missing"),
    "extra_forbidden": (
        "不认识这一项（拼写错误，或不适用于此处）",
        "unknown field (a typo, or not allowed here)",
    ),
    "literal_error": ("取值必须是 {expected} 之一", "must be one of {expected}"),
    "enum": ("取值必须是 {expected} 之一", "must be one of {expected}"),
    "float_parsing": ("应为数字", "must be a number"),
    "float_type": ("应为数字", "must be a number"),
    "int_parsing": ("应为整数", "must be a whole number"),
    "int_type": ("应为整数", "must be a whole number"),
    "int_from_float": ("应为整数", "must be a whole number"),
    "bool_parsing": ("应为 true/false（是/否）", "must be true or false"),
    "bool_type": ("应为 true/false（是/否）", "must be true or false"),
    "string_type": ("应为文本", "must be text"),
    "date_parsing": ("应为日期（YYYY-MM-DD）", "must be a date (YYYY-MM-DD)"),
    "date_from_datetime_parsing": ("应为日期（YYYY-MM-DD）", "must be a date (YYYY-MM-DD)"),
    "date_from_datetime_inexact": ("应为日期，不含时间", "must be a date without a time"),
    "date_type": ("应为日期（YYYY-MM-DD）", "must be a date (YYYY-MM-DD)"),
    "list_type": ("应为列表", "must be a list"),
    "dict_type": ("应为映射（键: 值）", "must be a mapping (key: value)"),
    "model_type": ("应为映射（键: 值）", "must be a mapping (key: value)"),
    "model_attributes_type": ("应为映射（键: 值）", "must be a mapping (key: value)"),
    "greater_than": ("应大于 {gt}", "must be greater than {gt}"),
    "greater_than_equal": ("应不小于 {ge}", "must be at least {ge}"),
    "less_than": ("应小于 {lt}", "must be less than {lt}"),
    "less_than_equal": ("应不大于 {le}", "must be at most {le}"),
    "too_short": ("至少需要 {min_length} 项", "needs at least {min_length} item(s)"),
    "too_long": ("最多 {max_length} 项", "allows at most {max_length} item(s)"),
    "union_tag_invalid": (
        "计分规则类型“{tag}”无效，可选：{expected_tags}",
        "scoring rule type '{tag}' is not valid; choose {expected_tags}",
    ),
    "union_tag_not_found": (
        "缺少计分规则类型 type（可选：linear, bands, deduction, pass_fail, change_bands）",
        "the scoring rule needs a type (linear, bands, deduction, pass_fail, change_bands)",
    ),
    "finite_number": ("应为有限的数字", "must be a finite number"),
}


def error_path(loc: Iterable[Any]) -> PathKey:
    """A pydantic error location as a model path (discriminator tags dropped)."""
    parts: list[str | int] = []
    for part in loc:
        if isinstance(part, str) and part in _RULE_TAGS and parts and parts[-1] == "rule":
            continue
        parts.append(part if isinstance(part, int) else str(part))
    return tuple(parts)


def _shown(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f"“{value}”"
    return text if len(text) <= 40 else text[:37] + "..."


def schema_problems(exc: ValidationError, source: PlanSource | None = None) -> list[Problem]:
    """One located problem per pydantic error, in Chinese and English."""
    out: list[Problem] = []
    for err in exc.errors(include_url=False):
        path = error_path(err["loc"])
        ctx = {k: v for k, v in (err.get("ctx") or {}).items()}
        zh, en = _SCHEMA_TEXT.get(err["type"], ("格式不正确：" + err["msg"], err["msg"]))
        try:
            zh, en = zh.format(**ctx), en.format(**ctx)
        except (KeyError, IndexError, ValueError):
            zh, en = zh + f"（{err['msg']}）", err["msg"]
        if err["type"] not in ("missing", "extra_forbidden", "union_tag_not_found"):
            zh += f"，实际为 {_shown(err.get('input'))}"
            en += f", got {_shown(err.get('input'))}"
        field_name = next((p for p in reversed(path) if isinstance(p, str)), "")
        detail = {"detail": f"{field_name}：{zh}", "detail_en": f"{field_name}: {en}"}
        out.append(_at(SCHEMA, source, path, field=field_name, error=err["type"], **detail))
    return _without_missing_column_echoes(out, source)


def _without_missing_column_echoes(
    problems: list[Problem], source: PlanSource | None
) -> list[Problem]:
    """Drop "missing value" errors of a column already reported missing from its sheet: one
    problem for a deleted column, not one per row."""
    gone = getattr(source, "missing_columns", set())
    if not gone:
        return problems
    return [
        p
        for p in problems
        if not (p.params.get("error") == "missing" and (p.sheet, p.params.get("field")) in gone)
    ]


def _at(ptype, source: PlanSource | None, path: PathKey, **params: Any) -> Problem:
    """A problem of ``ptype`` located at a model path."""
    if source is None:
        from perfsheets.plan.io import format_path

        return ptype(cell=format_path(path), **params)
    file, sheet, cell = source.locate(path)
    return ptype(file=file, sheet=sheet, cell=cell, **params)


# --- cross-field validation -------------------------------------------------------------------


def validate_plan(plan: Plan, source: PlanSource | None = None) -> Report:
    """Every cross-field problem of the plan, located in ``source`` when given."""
    report = Report()
    report.extend(_Checker(plan, source).run())
    return report


SECTION_NAMES = {
    "kpi": ("关键绩效指标", "KPIs"),
    "task": ("重点工作", "key tasks"),
    "competency": ("能力素质", "competencies"),
}
RATER_NAMES = {
    "self": ("自评", "self"),
    "manager": ("上级", "manager"),
    "peer": ("同事", "peer"),
    "subordinate": ("下属", "direct-report"),
    "customer": ("客户", "customer"),
}
TOLERANCE = 1e-6


def _num(x: float) -> str:
    """A number as HR typed it: 100 rather than 100.0, no float noise."""
    return f"{round(x, 6):g}"


class _Checker:
    """Runs every cross-field check; each check adds located problems and never stops early."""

    def __init__(self, plan: Plan, source: PlanSource | None) -> None:
        self.plan = plan
        self.source = source
        self.problems: list[Problem] = []
        self.roles = plan.role_map()
        self.scales = plan.scale_map()
        self.goal_ids = {g.id for g in plan.goals}
        self.employee_index: dict[str, int] = {}
        for i, e in enumerate(plan.roster.employees):
            self.employee_index.setdefault(e.id, i)
        self.targets = plan.target_map()
        self.by_role: dict[str, list[Employee]] = {}
        for e in plan.roster.employees:
            self.by_role.setdefault(e.role, []).append(e)

    def add(self, ptype, path: PathKey, **params: Any) -> None:
        self.problems.append(_at(ptype, self.source, path, **params))

    def where(self, path: PathKey) -> str:
        if self.source is None:
            from perfsheets.plan.io import format_path

            return format_path(path)
        file, sheet, cell = self.source.locate(path)
        return " ".join(p for p in (sheet and f"[{sheet}]", cell) if p) or file

    def run(self) -> list[Problem]:
        self.check_cycle()
        self.check_scales()
        self.check_rater_types()
        self.check_competencies()
        for i, role in enumerate(self.plan.roles):
            self.check_role(i, role)
        self.check_grading()
        self.check_rollup()
        self.check_goals()
        self.check_roster()
        return self.problems

    # -- helpers -------------------------------------------------------------------------------

    def unique(self, items: Iterable[Any], attr: str, base: PathKey, what: tuple[str, str]):
        """Report every repeated id/code among ``items`` at its own location."""
        first: dict[Any, int] = {}
        for i, item in enumerate(items):
            key = getattr(item, attr)
            if key in first:
                self.add(
                    DUPLICATE_ID,
                    (*base, i, attr),
                    what=what[0],
                    what_en=what[1],
                    id=key,
                    first=self.where((*base, first[key], attr)),
                )
            else:
                first[key] = i

    def sum_100(self, weights: Iterable[float], path: PathKey, what: str, what_en: str) -> None:
        total = math.fsum(weights)
        if abs(total - 100) > TOLERANCE:
            self.add(WEIGHTS_NOT_100, path, what=what, what_en=what_en, total=_num(total))

    def known_scale(self, scale: str, path: PathKey) -> None:
        if scale not in self.scales:
            self.add(UNKNOWN_SCALE, path, scale=scale, known=", ".join(self.scales) or "-")

    def known_goal(self, goal: str | None, path: PathKey) -> None:
        if goal is not None and goal not in self.goal_ids:
            self.add(UNKNOWN_GOAL, path, goal=goal)

    # -- plan parts ----------------------------------------------------------------------------

    def check_cycle(self) -> None:
        c = self.plan.cycle
        if c.end < c.start:
            self.add(DATES_ORDER, ("cycle", "end"), start=c.start, end=c.end)
        if c.due < c.start:
            self.add(DUE_BEFORE_START, ("cycle", "due"), start=c.start, due=c.due)

    def check_scales(self) -> None:
        self.unique(self.plan.scales, "id", ("scales",), ("量表", "Scale"))
        for i, scale in enumerate(self.plan.scales):
            base = ("scales", i, "levels")
            self.unique(scale.levels, "value", base, (f"量表 {scale.id} 的等级", "Scale level"))
            ordered = sorted(enumerate(scale.levels), key=lambda p: p[1].value)
            for (_, low), (j, high) in itertools.pairwise(ordered):
                if high.value > low.value and high.points <= low.points:
                    self.add(
                        SCALE_NOT_MONOTONIC, (*base, j, "points"), scale=scale.id, level=high.value
                    )

    def check_rater_types(self) -> None:
        types = self.plan.rater_types
        self.unique(types, "id", ("rater_types",), ("评价人类型", "Rater type"))
        self.sum_100((t.weight for t in types), ("rater_types",), "评价人类型", "the rater types")

    def check_competencies(self) -> None:
        comps = self.plan.competencies
        self.unique(comps, "code", ("competencies",), ("能力项", "Competency"))
        for i, comp in enumerate(comps):
            self.known_scale(comp.scale, ("competencies", i, "scale"))
            scale = self.scales.get(comp.scale)
            for attr in ("anchors", "anchors_en"):
                anchors = getattr(comp, attr)
                if scale is not None and anchors and len(anchors) != len(scale.levels):
                    self.add(
                        ANCHOR_COUNT,
                        ("competencies", i, attr),
                        code=comp.code,
                        count=len(anchors),
                        scale=scale.id,
                        levels=len(scale.levels),
                    )

    def check_role(self, i: int, role: Role) -> None:
        base: PathKey = ("roles", i)
        if i != next(j for j, r in enumerate(self.plan.roles) if r.id == role.id):
            first = next(j for j, r in enumerate(self.plan.roles) if r.id == role.id)
            self.add(
                DUPLICATE_ID,
                (*base, "id"),
                what="岗位",
                what_en="Role",
                id=role.id,
                first=self.where(("roles", first, "id")),
            )
        name = role.name
        w = role.weights
        self.sum_100(
            (w.kpi, w.task, w.competency),
            (*base, "weights"),
            f"岗位“{name}”各考核部分",
            f"the sections of role '{role.id}'",
        )
        items = {"kpi": role.kpis, "task": role.tasks, "competency": role.competencies}
        attrs = {"kpi": "kpis", "task": "tasks", "competency": "competencies"}
        for kind, listed in items.items():
            zh, en = SECTION_NAMES[kind]
            if w.of(kind) > 0 and not listed:
                self.add(
                    EMPTY_SECTION,
                    (*base, "weights", kind),
                    role=name,
                    section=zh,
                    section_en=en,
                    weight=_num(w.of(kind)),
                )
            elif listed:
                self.sum_100(
                    (x.weight for x in listed),
                    (*base, attrs[kind]),
                    f"岗位“{name}”的{zh}",
                    f"the {en} of role '{role.id}'",
                )
        self.unique(role.kpis, "code", (*base, "kpis"), (f"岗位“{name}”的指标", "KPI"))
        self.unique(role.tasks, "code", (*base, "tasks"), (f"岗位“{name}”的重点工作", "Task"))
        self.unique(
            role.competencies, "code", (*base, "competencies"), (f"岗位“{name}”的能力项", "Item")
        )
        for k, kpi in enumerate(role.kpis):
            self.check_kpi(role, (*base, "kpis", k), kpi)
        for t, task in enumerate(role.tasks):
            self.known_scale(task.scale, (*base, "tasks", t, "scale"))
            self.known_goal(task.goal, (*base, "tasks", t, "goal"))
        library = self.plan.competency_map()
        for c, ref in enumerate(role.competencies):
            if ref.code not in library:
                self.add(UNKNOWN_COMPETENCY, (*base, "competencies", c, "code"), code=ref.code)
        self.check_role_raters(base, role)

    def check_role_raters(self, base: PathKey, role: Role) -> None:
        types = self.plan.rater_type_map()
        for type_id in role.rater_weights:
            if type_id not in types:
                self.add(UNKNOWN_RATER_TYPE, (*base, "rater_weights", type_id), type=type_id)
        if role.rater_weights:
            weights = self.plan.rater_weights(role)
            self.sum_100(
                (weights[t] for t in types),
                (*base, "rater_weights"),
                f"岗位“{role.name}”的评价人",
                f"the raters of role '{role.id}'",
            )
        weights = self.plan.rater_weights(role)
        for kind in role.sections():
            if kind == "kpi" and all(k.source == "import" for k in role.kpis):
                continue  # actuals come from business systems, nobody needs to enter them
            raters = [
                t for t in self.plan.rater_types if kind in t.sections and weights.get(t.id, 0) > 0
            ]
            if not raters:
                zh, en = SECTION_NAMES[kind]
                self.add(
                    SECTION_UNRATED,
                    (*base, "weights", kind),
                    role=role.name,
                    section=zh,
                    section_en=en,
                )

    def check_kpi(self, role: Role, path: PathKey, kpi: Kpi) -> None:
        from perfsheets.core.model import BandsRule, ChangeBandsRule, LinearRule

        rule = kpi.rule
        if isinstance(rule, LinearRule) and rule.floor > rule.cap:
            self.add(
                FLOOR_ABOVE_CAP,
                (*path, "rule", "floor"),
                kpi=kpi.code,
                floor=_num(rule.floor),
                cap=_num(rule.cap),
            )
        if isinstance(rule, BandsRule | ChangeBandsRule) and not _bands_monotonic(kpi):
            self.add(BANDS_NOT_MONOTONIC, (*path, "rule", "bands"), kpi=kpi.code)
        self.known_goal(kpi.goal, (*path, "goal"))
        # Role-level target/baseline only matter for employees without an individual one.
        people = self.by_role.get(role.id, [])
        uncovered = any((e.id, kpi.code) not in self.targets for e in people)
        if uncovered or not people:
            who = (f"岗位“{role.name}”的", f"Role '{role.id}': ")
            self.check_target(kpi, kpi.target, kpi.baseline, path, who)

    def check_target(
        self,
        kpi: Kpi,
        target: float | None,
        baseline: float | None,
        path: PathKey,
        who: tuple[str, str],
    ) -> None:
        from perfsheets.core.model import BandsRule, ChangeBandsRule, LinearRule, PassFailRule

        rule = kpi.rule
        ratio = isinstance(rule, LinearRule) or (isinstance(rule, BandsRule) and rule.on == "ratio")
        common = {"who": who[0], "who_en": who[1], "kpi": kpi.code, "name": kpi.name}
        if ratio and (target is None or target <= 0):
            shown = "空" if target is None else _num(target)
            self.add(ZERO_TARGET, (*path, "target"), target=shown, **common)
        elif isinstance(rule, PassFailRule) and target is None:
            self.add(MISSING_TARGET, (*path, "target"), **common)
        elif isinstance(rule, ChangeBandsRule) and (baseline is None or baseline == 0):
            shown = "空" if baseline is None else _num(baseline)
            self.add(ZERO_BASELINE, (*path, "baseline"), baseline=shown, **common)

    def check_grading(self) -> None:
        grading = self.plan.grading
        levels = grading.levels
        base: PathKey = ("grading", "levels")
        self.unique(levels, "code", base, ("等级", "Grade"))
        for j in range(1, len(levels)):
            prev, grade = levels[j - 1], levels[j]
            if grade.min_score >= prev.min_score:
                self.add(
                    THRESHOLDS_NOT_MONOTONIC,
                    (*base, j, "min_score"),
                    grade=grade.code,
                    score=_num(grade.min_score),
                    prev=prev.code,
                    prev_score=_num(prev.min_score),
                )
        quotas = [g.quota for g in levels if g.quota is not None]
        total = math.fsum(quotas)
        if total > 1 + TOLERANCE:
            self.add(QUOTA_OVER_100, base, total=_num(total * 100))
        if quotas and not grading.forced_distribution.enabled:
            self.add(QUOTA_UNUSED, ("grading", "forced_distribution", "enabled"))
        if grading.forced_distribution.enabled and not quotas:
            self.add(QUOTA_MISSING, ("grading", "forced_distribution", "enabled"))

    def check_rollup(self) -> None:
        seen: set[str] = set()
        for i, rollup in enumerate(self.plan.rollup):
            for j, role in enumerate(rollup.roles):
                if role not in self.roles:
                    self.unknown_role(role, ("rollup", i, "roles", j))
                elif role in seen:
                    self.add(ROLLUP_OVERLAP, ("rollup", i, "roles", j), role=role)
                seen.add(role)
            self.sum_100(
                (p.weight for p in rollup.parts),
                ("rollup", i, "parts"),
                "周期汇总规则",
                "the roll-up rule",
            )

    def unknown_role(self, role: str, path: PathKey) -> None:
        known = ", ".join(self.roles)
        self.add(UNKNOWN_ROLE, path, role=role, known=known if len(known) < 200 else "…")

    def check_goals(self) -> None:
        goals = self.plan.goals
        self.unique(goals, "id", ("goals",), ("目标", "Goal"))
        for i, goal in enumerate(goals):
            self.known_goal(goal.parent, ("goals", i, "parent"))
            if goal.owner is not None and goal.owner not in self.employee_index:
                self.add(
                    UNKNOWN_EMPLOYEE,
                    ("goals", i, "owner"),
                    what="目标负责人",
                    what_en="the goal owner",
                    id=goal.owner,
                )

    # -- roster --------------------------------------------------------------------------------

    def check_roster(self) -> None:
        roster = self.plan.roster
        if not roster.employees:
            self.add(EMPTY_ROSTER, ("roster", "employees"))
            return
        employees = roster.employees
        base: PathKey = ("roster", "employees")
        by_id = self.plan.employee_map()
        for i, e in enumerate(employees):
            first = self.employee_index[e.id]
            if first != i:
                self.add(
                    DUPLICATE_EMPLOYEE,
                    (*base, i, "id"),
                    id=e.id,
                    first=self.where((*base, first, "id")),
                )
            if e.role not in self.roles:
                self.unknown_role(e.role, (*base, i, "role"))
            if e.manager is not None:
                boss = by_id.get(e.manager)
                info = {"id": e.id, "name": e.name, "manager": e.manager}
                if boss is None:
                    self.add(UNKNOWN_MANAGER, (*base, i, "manager"), **info)
                elif not boss.is_active and e.is_active:
                    self.add(INACTIVE_MANAGER, (*base, i, "manager"), **info)
            if e.email and ("@" not in e.email or " " in e.email.strip()):
                self.add(BAD_EMAIL, (*base, i, "email"), id=e.id, email=e.email)
        self.check_cycles()
        self.check_external_raters()
        self.check_relations()
        self.check_individual_targets()
        self.check_required_raters()

    def check_cycles(self) -> None:
        """Report each loop in the reporting lines once, at its first member's manager cell."""
        manager = {e.id: e.manager for e in self.plan.roster.employees}
        state: dict[str, int] = {}  # 1 = on the current walk, 2 = done
        for start in manager:
            walk: list[str] = []
            node: str | None = start
            while node is not None and node in manager and state.get(node) is None:
                state[node] = 1
                walk.append(node)
                node = manager[node]
            if node is not None and state.get(node) == 1:
                loop = walk[walk.index(node) :]
                first = min(loop, key=lambda x: self.employee_index[x])
                k = loop.index(first)
                chain = [*loop[k:], *loop[:k], first]
                self.add(
                    CIRCULAR_MANAGER,
                    ("roster", "employees", self.employee_index[first], "manager"),
                    chain=" → ".join(chain),
                )
            for w in walk:
                state[w] = 2

    def check_external_raters(self) -> None:
        raters = self.plan.roster.external_raters
        self.unique(raters, "id", ("roster", "external_raters"), ("外部评价人", "External rater"))
        for i, r in enumerate(raters):
            if r.id in self.employee_index:
                self.add(
                    DUPLICATE_ID,
                    ("roster", "external_raters", i, "id"),
                    what="外部评价人",
                    what_en="External rater",
                    id=r.id,
                    first=self.where(("roster", "employees", self.employee_index[r.id], "id")),
                )

    def check_relations(self) -> None:
        external = {r.id for r in self.plan.roster.external_raters}
        types = self.plan.rater_type_map()
        for i, rel in enumerate(self.plan.roster.relations):
            path: PathKey = ("roster", "relations", i)
            if rel.rater not in self.employee_index and rel.rater not in external:
                self.add(UNKNOWN_RATER, (*path, "rater"), id=rel.rater)
            if rel.ratee not in self.employee_index:
                self.add(
                    UNKNOWN_EMPLOYEE,
                    (*path, "ratee"),
                    what="评价关系",
                    what_en="the rater relations",
                    id=rel.ratee,
                )
            if rel.type not in types:
                self.add(UNKNOWN_RATER_TYPE, (*path, "type"), type=rel.type)

    def check_individual_targets(self) -> None:
        seen: dict[tuple[str, str], int] = {}
        by_id = self.plan.employee_map()
        for i, t in enumerate(self.plan.roster.targets):
            path: PathKey = ("roster", "targets", i)
            key = (t.employee, t.kpi)
            if key in seen:
                self.add(
                    DUPLICATE_ID,
                    (*path, "kpi"),
                    what=f"员工 {t.employee} 的个人目标",
                    what_en="Individual target",
                    id=t.kpi,
                    first=self.where(("roster", "targets", seen[key], "kpi")),
                )
            seen.setdefault(key, i)
            e = by_id.get(t.employee)
            if e is None:
                self.add(
                    UNKNOWN_EMPLOYEE,
                    (*path, "employee"),
                    what="个人目标",
                    what_en="the individual targets",
                    id=t.employee,
                )
                continue
            role = self.roles.get(e.role)
            kpi = role.kpi(t.kpi) if role is not None else None
            if kpi is None:
                if role is not None:
                    self.add(UNKNOWN_KPI, (*path, "kpi"), employee=e.id, role=role.id, kpi=t.kpi)
                continue
            baseline = kpi.baseline if t.baseline is None else t.baseline
            who = (f"员工 {e.id}（{e.name}）的", f"Employee {e.id} ({e.name}): ")
            self.check_target(kpi, t.target, baseline, path, who)

    def check_required_raters(self) -> None:
        """Employees lacking a rater of a required type, or too few for anonymity."""
        from perfsheets.core.raters import build_assignments

        counts: Counter[tuple[str, str]] = Counter(
            (a.ratee, a.type) for a in build_assignments(self.plan)
        )
        types = self.plan.rater_types
        role_weights = {r.id: self.plan.rater_weights(r) for r in self.plan.roles}
        for i, e in enumerate(self.plan.roster.employees):
            if not e.is_active:
                continue
            weights = role_weights.get(e.role, {})
            for t in types:
                count = counts[(e.id, t.id)]
                need = max(1, t.min_count)
                if count >= need:
                    continue
                zh, en = RATER_NAMES[t.id]
                params = {
                    "id": e.id,
                    "name": e.name,
                    "type": zh,
                    "type_en": en,
                    "count": count,
                    "need": need,
                }
                path = ("roster", "employees", i, "manager" if t.id == "manager" else "id")
                if t.id == "manager" and e.manager is None and count == 0:
                    # The top of the organisation has nobody above them: that is a fact, not a
                    # mistake; say how to get them a manager rating if one is wanted.
                    self.add(TOP_WITHOUT_MANAGER, path, id=e.id, name=e.name)
                elif t.required:
                    self.add(MISSING_REQUIRED_RATER, path, **params)
                elif count > 0 and weights.get(t.id, 0) > 0:
                    self.add(FEW_RATERS, ("roster", "employees", i, "id"), **params)


def _bands_monotonic(kpi: Kpi) -> bool:
    """Better bands never score lower (for raw lower-is-better values, smaller bounds are
    better)."""
    rule = kpi.rule
    at_most = getattr(rule, "on", "ratio") == "value" and kpi.direction == "lower"
    bands = sorted(rule.bands, key=lambda b: b.min, reverse=not at_most)  # best first
    return all(a.score >= b.score for a, b in itertools.pairwise(bands))


def check_plan_file(path: str | Path) -> tuple[Plan | None, Report]:
    """Read a plan file and check it in full: reading, schema and cross-field problems."""
    from perfsheets.plan.io import read_plan

    loaded = read_plan(path)
    report = loaded.report
    if loaded.plan is not None:
        report.extend(validate_plan(loaded.plan, loaded.source))
    return loaded.plan, report
