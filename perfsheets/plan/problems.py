"""The problems a plan can have, in Chinese and English: reading its file, fitting the model, and
the cross-field rules of :mod:`perfsheets.plan.validate`; and :class:`PlanError`, which carries
them when a plan cannot be loaded."""

from __future__ import annotations

from perfsheets.core.problems import PerfsheetsError, problem_type


class PlanError(PerfsheetsError):
    """A plan file that cannot be read or does not fit the model; ``report`` lists every problem."""


# --- reading the file and fitting the model ------------------------------------------------

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
PLAN_TOO_LARGE = problem_type(
    "plan-too-large",
    "error",
    "方案文件过大",
    "Plan file too large",
    "方案文件有 {size} MB，超过上限 {limit} MB；考核方案不会这么大，请检查是否选错了文件",
    "The plan file is {size} MB, over the {limit} MB limit; a plan is never that large — is "
    "this the right file?",
)
YAML_ALIASES = problem_type(
    "yaml-aliases",
    "error",
    "YAML 引用过多",
    "Too many YAML aliases",
    "YAML 的锚点/引用（&、*）展开后超过 {limit} 个值（{reason}），已拒绝读取；请直接写出各项内容",
    "The YAML anchors/aliases (&, *) expand beyond {limit} values ({reason}); refused — write "
    "the values out instead",
)
TEXT_TOO_LONG = problem_type(
    "plan-text-too-long",
    "error",
    "文字过长",
    "Text too long",
    "{field} 的文字有 {length} 个字符，最多 {limit} 个",
    "The text of {field} is {length} characters long; at most {limit} are allowed",
)
SCHEMA = problem_type(
    "schema",
    "error",
    "方案格式错误",
    "Plan format error",
    "{detail}",
    "{detail_en}",
)

# --- cross-field rules (perfsheets.plan.validate, perfsheets.plan.roster) -------------------

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
ZERO_POINTS = problem_type(
    "adjustment-zero-points",
    "error",
    "加减分项每单位分值为 0",
    "Bonus or penalty item worth nothing",
    "加减分项 {code}（{name}）的每{unit}分值为 0：正数为加分，负数为减分",
    "The bonus/penalty item {code} ({name}) is worth 0 points per unit: positive for a bonus, "
    "negative for a penalty",
)
ADJUSTMENT_CODE_TAKEN = problem_type(
    "adjustment-code-taken",
    "error",
    "加减分项编号与指标重复",
    "Bonus or penalty code used by a KPI",
    "岗位“{role}”的加减分项编号 {code} 与该岗位的 KPI 指标编号相同（导入实际值时无法区分）",
    "Role '{role_en}': the bonus/penalty item code {code} is also a KPI code of the role (an "
    "import of actuals could not tell them apart)",
)
ADJUSTMENT_NO_RATER = problem_type(
    "adjustment-no-rater",
    "error",
    "加减分项无人填写",
    "Bonus or penalty count nobody enters",
    "岗位“{role}”的加减分项 {code} 由上级填写次数，但方案没有上级评价（manager）；"
    "请增加上级评价或改为 HR 导入（source: import）",
    "Role '{role_en}': the count of bonus/penalty item {code} is entered by the manager, but the "
    "plan has no manager rater type; add one or let HR import it (source: import)",
)
CAP_UNUSED = problem_type(
    "adjustment-cap-unused",
    "warning",
    "加减分上限无对应项目",
    "Cap without items",
    "岗位“{role}”设了{cap}，但没有{kind}项",
    "Role '{role_en}' sets a {cap_en} but has no {kind_en} item",
)
EMPLOYEE_DATES = problem_type(
    "employee-dates",
    "error",
    "日期先后不对",
    "Dates out of order",
    "员工 {id}（{name}）的{later}（{later_date}）早于{earlier}（{earlier_date}）",
    "Employee {id} ({name}): the {later_en} ({later_date}) is before the {earlier_en} "
    "({earlier_date})",
)
THRESHOLD_ORDER = problem_type(
    "threshold-order",
    "error",
    "门槛值、挑战值顺序不对",
    "Threshold and stretch out of order",
    "指标 {kpi}（{name}）{direction}：门槛值（目标×{threshold}）、目标值（目标×1）、挑战值"
    "（目标×{stretch}）须依次{order}，得分须依次不减（现为 {scores}）",
    "KPI {kpi} ({name}), {direction_en}: the threshold (target × {threshold}), the target "
    "(× 1) and the stretch (target × {stretch}) must be in {order_en} order, with scores that "
    "do not fall (they are {scores})",
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
CONFIRMATION_BEFORE_DUE = problem_type(
    "confirmation-before-due",
    "error",
    "确认截止日期过早",
    "Confirmation deadline too early",
    "面谈结果确认截止日期 {deadline} 早于考核表提交截止日期 {due}：结果出来之前无法确认",
    "The interview confirmation deadline {deadline} is before the forms are due ({due}): "
    "results cannot be confirmed before they exist",
)
# What ``perfsheets init NEXT --from WS`` puts before a cycle name it could not advance.
NAME_PLACEHOLDER_ZH = "待修改："
NAME_PLACEHOLDER_EN = "TO EDIT: "
NAME_PLACEHOLDER = problem_type(
    "cycle-name-placeholder",
    "warning",
    "考核周期名称待修改",
    "Cycle name to edit",
    "考核周期名称“{name}”是自动生成的占位名称，请改为正式名称（表格和报告上会显示）",
    "The cycle name '{name}' is a placeholder written by init --from: give the cycle its real "
    "name (forms and reports show it)",
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
UNKNOWN_GRADE = problem_type(
    "unknown-grade",
    "error",
    "未知等级",
    "Unknown grade",
    "{what}中的等级“{grade}”未在方案的等级中定义（已定义：{known}）",
    "Grade '{grade}' in {what_en} is not defined in the plan's grades (defined: {known})",
)
UNKNOWN_DEPARTMENT = problem_type(
    "unknown-department",
    "error",
    "部门不存在",
    "Unknown department",
    "{what}中的部门“{department}”不在名册中（名册中的部门：{known}；公司整体写 *）",
    "Department '{department}' in {what_en} is not on the roster (departments: {known}; "
    "* for the whole company)",
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

# --- the workspace's plan (perfsheets check) ----------------------------------------------

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


# --- pay: the two pro-rata rules (perfsheets.core.eligibility.pro_rata_conflict) -----------

PRO_RATA_IGNORED = problem_type(
    "pro-rata-ignored",
    "warning",
    "折算方式不生效",
    "Pro-rata way ignored",
    "pay.pro_rata 为 {way}，但 eligibility.partial_period 为 full（不满整期也按整期）："
    "奖金不折算。要折算请把 partial_period 设为 pro_rata，否则把 pay.pro_rata 设为 none",
    "pay.pro_rata is {way} but eligibility.partial_period is full (a part of the period counts "
    "as the whole): bonuses are not pro-rated. To pro-rate, set partial_period to pro_rata; "
    "else set pay.pro_rata to none",
)
PRO_RATA_NO_WAY = problem_type(
    "pro-rata-no-way",
    "warning",
    "未设折算方式",
    "No pro-rata way",
    "eligibility.partial_period 为 pro_rata（按在职时间折算），但 pay.pro_rata 为 none："
    "{count} 名不满整期的员工（{ids}）将拿全额奖金。请把 pay.pro_rata 设为 months 或 days，"
    "或把 partial_period 设为 full",
    "eligibility.partial_period is pro_rata but pay.pro_rata is none: {count} employee(s) "
    "employed for part of the period ({ids}) would get the full bonus. Set pay.pro_rata to "
    "months or days, or partial_period to full",
)
