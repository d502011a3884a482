"""Plan validation: every problem of a plan at once, each with its location and a plain message.

The model (:mod:`perfsheets.model`) checks the shape of a plan; :func:`schema_problems` turns its
errors into located problems. :func:`validate_plan` checks what the model cannot: weights that do
not sum to 100, references to unknown roles, scales, competencies, managers or KPIs, reporting
lines that loop, employees without a rater of a required type, ratio rules without a usable
target, thresholds that are not monotonic, quotas over 100% ...

Locations are model paths (``roles[2].kpis[0].weight``); when the plan was read from a file, the
:class:`~perfsheets.plan_io.PlanSource` turns them into ``plan.yaml:45`` or a sheet and cell.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from .problems import Problem, Report, problem_type

if TYPE_CHECKING:
    from .model import Plan
    from .plan_io import PathKey, PlanSource

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
    "方案工作簿缺少工作表“{sheet}”",
    "The plan workbook has no sheet '{sheet}'",
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
        out.append(
            _at(SCHEMA, source, path, detail=f"{field_name}：{zh}", detail_en=f"{field_name}: {en}")
        )
    return out


def _at(ptype, source: PlanSource | None, path: PathKey, **params: Any) -> Problem:
    """A problem of ``ptype`` located at a model path."""
    if source is None:
        from .plan_io import format_path

        return ptype(cell=format_path(path), **params)
    file, sheet, cell = source.locate(path)
    return ptype(file=file, sheet=sheet, cell=cell, **params)


# --- cross-field validation -------------------------------------------------------------------


def validate_plan(plan: Plan, source: PlanSource | None = None) -> Report:
    """Every cross-field problem of the plan, located in ``source`` when given."""
    report = Report()
    report.extend(_Checker(plan, source).run())
    return report


class _Checker:
    def __init__(self, plan: Plan, source: PlanSource | None) -> None:
        self.plan = plan
        self.source = source
        self.problems: list[Problem] = []

    def add(self, ptype, path: PathKey, **params: Any) -> None:
        self.problems.append(_at(ptype, self.source, path, **params))

    def run(self) -> list[Problem]:
        return self.problems


_ = (math, Counter, defaultdict)
