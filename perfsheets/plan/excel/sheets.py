"""The sheets of the plan workbook and their columns: labels in Chinese and English, the kind of
value each column holds, header notes and drop-down lists. Writing and reading both follow it."""

from __future__ import annotations

from perfsheets.core.pacing import PACES
from perfsheets.core.periods import PERIODS
from perfsheets.plan.excel.layout import (
    BOOL,
    RATER_IDS,
    RULE_TYPES,
    Col,
    SheetSpec,
)
from perfsheets.plan.excel.settings import SETTING_ROWS, SETTINGS
from perfsheets.plan.source import PathKey

SCALES = SheetSpec(
    "scales",
    "评分量表",
    "Scales",
    (
        Col("scale_id", "量表编号", "Scale id", required=True, width=12),
        Col("scale_name", "量表名称", "Scale name", width=14),
        Col("scale_name_en", "量表英文名称", "Scale name (English)", width=16),
        Col("value", "等级值", "Value", "int", required=True, width=8),
        Col("name", "等级名称", "Level", required=True, width=12),
        Col("name_en", "英文名称", "Level (English)", width=16),
        Col("points", "对应分数", "Points", "num", required=True, width=9),
        Col("anchor", "行为描述", "Anchor", width=30),
        Col("anchor_en", "英文行为描述", "Anchor (English)", width=30),
    ),
    required=True,
)

RATER_TYPES = SheetSpec(
    "rater_types",
    "评价人类型",
    "Rater types",
    (
        Col("id", "类型", "Type", required=True, choices=RATER_IDS, width=12),
        Col("name", "名称", "Name", required=True, width=12),
        Col("name_en", "英文名称", "Name (English)", width=14),
        Col("weight", "默认权重(%)", "Default weight (%)", "num", required=True, width=10),
        Col(
            "min_count",
            "最少人数",
            "Minimum raters",
            "int",
            width=10,
            note_zh="少于此人数时该类评价不计入（匿名保护）",
            note_en="Fewer raters than this and the type does not count (anonymity)",
        ),
        Col("required", "必须", "Required", "bool", choices=BOOL, width=8),
        Col("anonymous", "匿名", "Anonymous", "bool", choices=BOOL, width=8),
        Col(
            "sections",
            "评价部分",
            "Sections rated",
            "list",
            width=24,
            note_zh="kpi, task, competency 中的一项或多项，用逗号分隔",
            note_en="One or more of kpi, task, competency, separated by commas",
        ),
    ),
    required=True,
)

_RW = tuple(
    Col(f"rater_weights.{t}", f"{zh}权重", f"{en} weight", "num", width=9)
    for t, zh, en in (
        ("self", "自评", "Self"),
        ("manager", "上级", "Manager"),
        ("peer", "同事", "Peer"),
        ("subordinate", "下属", "Report"),
        ("customer", "客户", "Customer"),
    )
)
ROLES = SheetSpec(
    "roles",
    "岗位",
    "Roles",
    (
        Col("id", "岗位编号", "Role id", required=True, width=12),
        Col("name", "岗位名称", "Role", required=True, width=12),
        Col("name_en", "英文名称", "Role (English)", width=16),
        Col("weights.kpi", "KPI权重", "KPI weight", "num", width=9),
        Col("weights.task", "重点工作权重", "Task weight", "num", width=9),
        Col("weights.competency", "能力权重", "Competency weight", "num", width=10),
        *_RW,
        Col(
            "bonus_cap",
            "加分上限",
            "Bonus cap",
            "num",
            width=9,
            note_zh="加分项合计最多加几分（如 10）；空 = 不设上限",
            note_en="At most this many bonus points in all (e.g. 10); blank = no cap",
        ),
        Col(
            "penalty_cap",
            "减分上限",
            "Penalty cap",
            "num",
            width=9,
            note_zh="减分项合计最多减几分，填正数（如 20）；空 = 不设上限",
            note_en="At most this many penalty points in all, a positive number (e.g. 20); blank = no cap",
        ),
        Col(
            "development_goals",
            "能力发展方向（每行一条）",
            "Development goals (one per line)",
            "lines",
            width=36,
        ),
        Col(
            "development_goals_en",
            "能力发展方向（英文，每行一条）",
            "Development goals in English (one per line)",
            "lines",
            width=36,
        ),
    ),
    required=True,
)
ROLES_NOTE = (
    "评价人权重留空表示使用“评价人类型”表的默认权重",
    "Leave rater weights empty to use the defaults of the Rater types sheet",
)

KPIS = SheetSpec(
    "kpis",
    "KPI指标",
    "KPIs",
    (
        Col("role", "岗位编号", "Role id", required=True, ref="roles", width=12),
        Col("code", "指标编号", "Code", required=True, width=9),
        Col("name", "指标名称", "KPI", required=True, width=18),
        Col("name_en", "英文名称", "KPI (English)", width=20),
        Col("definition", "指标定义", "Definition", width=28),
        Col("definition_en", "英文定义", "Definition (English)", width=28),
        Col("formula", "计算公式", "Formula", width=26),
        Col("formula_en", "英文公式", "Formula (English)", width=26),
        Col("unit", "单位", "Unit", width=7),
        Col("unit_en", "英文单位", "Unit (English)", width=9),
        Col("baseline", "基期值", "Baseline", "num", width=9),
        Col("target", "目标值", "Target", "num", width=9),
        Col("weight", "权重(%)", "Weight (%)", "num", required=True, width=8),
        Col("direction", "方向", "Direction", choices=("higher", "lower"), width=9),
        Col(
            "source",
            "实际值来源",
            "Actual from",
            choices=("rater", "import"),
            width=10,
            note_zh="rater = 评价人在考核表中填写；import = 从业务系统导入",
            note_en="rater = typed on the form; import = imported from business systems",
        ),
        Col(
            "rule.type",
            "计分规则",
            "Scoring rule",
            choices=RULE_TYPES,
            width=13,
            note_zh=(
                "linear 线性（完成率×100，下限/上限）；bands 分档；deduction 扣分制；"
                "pass_fail 达标/不达标；change_bands 变化率分档；threshold 门槛值/目标值/挑战值"
            ),
            note_en=(
                "linear (completion × 100 with floor/cap); bands; deduction (per incident); "
                "pass_fail; change_bands (change rate against the baseline); threshold "
                "(threshold / target / stretch)"
            ),
        ),
        Col("rule.floor", "下限", "Floor", "num", width=7),
        Col(
            "rule.cap",
            "上限",
            "Cap",
            "num",
            width=7,
            note_zh="完成率上限，如 1.2 表示最多 120%",
            note_en="Completion cap, e.g. 1.2 = at most 120%",
        ),
        Col(
            "rule.on",
            "分档依据",
            "Bands on",
            choices=("ratio", "value"),
            width=9,
            note_zh="ratio = 完成率；value = 实际值本身",
            note_en="ratio = completion ratio; value = the actual itself",
        ),
        Col(
            "rule.bands",
            "分档（下限:得分; …）",
            "Bands (min:score; …)",
            "bands",
            width=26,
            note_zh="如 1:100; 0.9:80; 0.8:60 表示 ≥1 得 100，≥0.9 得 80 …",
            note_en="e.g. 1:100; 0.9:80; 0.8:60 means ≥1 scores 100, ≥0.9 scores 80 …",
        ),
        Col("rule.otherwise", "其余得分", "Otherwise", "num", width=8),
        Col("rule.base", "基础分", "Base", "num", width=7),
        Col("rule.per_unit", "每次扣分", "Per incident", "num", width=8),
        Col("rule.pass_score", "达标得分", "Pass score", "num", width=8),
        Col("rule.fail_score", "未达标得分", "Fail score", "num", width=8),
        Col(
            "rule.threshold",
            "门槛值（×目标）",
            "Threshold (× target)",
            "num",
            width=9,
            note_zh="threshold 规则：门槛值=目标值×此数，如 0.8；越低越好的指标大于 1，如 1.1",
            note_en="threshold rule: threshold = target × this, e.g. 0.8 (above 1 when lower is better)",
        ),
        Col(
            "rule.stretch",
            "挑战值（×目标）",
            "Stretch (× target)",
            "num",
            width=9,
            note_zh="threshold 规则：挑战值=目标值×此数，如 1.2；越低越好的指标小于 1，如 0.9",
            note_en="threshold rule: stretch = target × this, e.g. 1.2 (below 1 when lower is better)",
        ),
        Col("rule.threshold_score", "门槛得分", "Threshold score", "num", width=8),
        Col("rule.target_score", "目标得分", "Target score", "num", width=8),
        Col("rule.stretch_score", "挑战得分", "Stretch score", "num", width=8),
        Col("rule.below", "未达门槛得分", "Below threshold", "num", width=8),
        Col("min_value", "实际值下限", "Lowest actual", "num", width=9),
        Col("max_value", "实际值上限", "Highest actual", "num", width=9),
        Col("goal", "支撑目标", "Goal", ref="goals", width=8),
        Col(
            "veto.grade",
            "一票否决等级",
            "Veto grade",
            ref="grades",
            width=9,
            note_zh="一票否决：此指标未达标（扣分/越低越好的指标：发生 1 次及以上）时，等级直接定为此等级",
            note_en="Veto: when this KPI fails (incidents: one or more), the grade is set to this",
        ),
        Col(
            "veto.at",
            "否决触发值",
            "Veto at",
            "num",
            width=9,
            note_zh="空 = 越低越好/扣分指标 1 次，越高越好指标低于目标值；填写则以此值为界",
            note_en="Blank = one incident (lower is better), below the target (higher); else this value",
        ),
        Col(
            "pace",
            "进度口径",
            "Paced as",
            choices=PACES,
            width=11,
            note_zh=(
                "期中进度怎么算（空 = 按单位和计分规则自动判断）：cumulative 累计值按时间进度；"
                "average 比率/平均值对比目标；point 时点值对比目标；allowance 越低越好，"
                "预测期末对比上限；deduction 扣分项，看至今事件"
            ),
            note_en=(
                "How progress is paced mid-period (blank = from the unit and rule): cumulative "
                "(pro-rated); average (rate, against the target); point (level today); allowance "
                "(lower is better, projected vs the allowance); deduction (incidents so far)"
            ),
        ),
    ),
)

TASKS = SheetSpec(
    "tasks",
    "重点工作",
    "Key tasks",
    (
        Col("role", "岗位编号", "Role id", required=True, ref="roles", width=12),
        Col("code", "编号", "Code", required=True, width=8),
        Col("name", "工作事项", "Task", required=True, width=20),
        Col("name_en", "英文名称", "Task (English)", width=20),
        Col("standard", "完成标准", "Completion standard", width=30),
        Col("standard_en", "英文完成标准", "Standard (English)", width=30),
        Col("deadline", "完成时限", "Deadline", "date", width=11),
        Col("weight", "权重(%)", "Weight (%)", "num", required=True, width=8),
        Col("scale", "评分量表", "Scale", ref="scales", width=11),
        Col("goal", "支撑目标", "Goal", ref="goals", width=8),
    ),
)

ADJUSTMENTS = SheetSpec(
    "adjustments",
    "加减分项",
    "Bonus and penalty points",
    (
        Col("role", "岗位编号", "Role id", required=True, ref="roles", width=12),
        Col("code", "编号", "Code", required=True, width=8),
        Col("name", "项目名称", "Item", required=True, width=18),
        Col("name_en", "英文名称", "Item (English)", width=20),
        Col("definition", "计分说明", "What counts", width=28),
        Col("definition_en", "英文计分说明", "What counts (English)", width=28),
        Col("unit", "单位", "Unit", width=7),
        Col("unit_en", "英文单位", "Unit (English)", width=9),
        Col(
            "points_per_unit",
            "每单位分值",
            "Points per unit",
            "num",
            required=True,
            width=9,
            note_zh="正数为加分（如 2：每项专利加 2 分），负数为减分（如 -5：每次投诉升级减 5 分）",
            note_en="Positive: a bonus (2 = +2 per patent); negative: a penalty (-5 per complaint)",
        ),
        Col(
            "cap",
            "单项上限",
            "Item cap",
            "num",
            width=8,
            note_zh="本项最多加（减）几分，填正数；空 = 不设上限",
            note_en="At most this many points from this item, a positive number; blank = no cap",
        ),
        Col(
            "source",
            "次数来源",
            "Count from",
            choices=("rater", "import"),
            width=9,
            note_zh="rater = 上级在考核表中填写；import = HR 用 import-actuals 导入",
            note_en="rater = the manager enters it on the form; import = HR imports it (import-actuals)",
        ),
    ),
)

COMPETENCIES = SheetSpec(
    "competencies",
    "能力素质库",
    "Competencies",
    (
        Col("code", "编号", "Code", required=True, width=8),
        Col("name", "能力项", "Competency", required=True, width=12),
        Col("name_en", "英文名称", "Competency (English)", width=16),
        Col("description", "说明", "Description", width=28),
        Col("description_en", "英文说明", "Description (English)", width=28),
        Col("scale", "评分量表", "Scale", ref="scales", width=10),
        Col(
            "anchors",
            "行为锚定（每行一级，由低到高）",
            "Anchors (one per level, lowest first)",
            "lines",
            width=36,
        ),
        Col("anchors_en", "英文行为锚定", "Anchors (English)", "lines", width=36),
    ),
)

ROLE_COMPETENCIES = SheetSpec(
    "role_competencies",
    "岗位能力项",
    "Role competencies",
    (
        Col("role", "岗位编号", "Role id", required=True, ref="roles", width=12),
        Col("code", "能力项编号", "Competency code", required=True, ref="competencies", width=12),
        Col("weight", "权重(%)", "Weight (%)", "num", required=True, width=9),
    ),
)

GRADES = SheetSpec(
    "grades",
    "绩效等级",
    "Grades",
    (
        Col("code", "等级", "Grade", required=True, width=7),
        Col("name", "名称", "Name", required=True, width=10),
        Col("name_en", "英文名称", "Name (English)", width=16),
        Col(
            "min_score",
            "最低分",
            "From score",
            "num",
            required=True,
            width=8,
            note_zh="从高到低排列，分数线逐级降低",
            note_en="Best grade first; thresholds fall grade by grade",
        ),
        Col("coefficient", "绩效系数", "Bonus coefficient", "num", width=9),
        Col(
            "quota",
            "强制分布比例",
            "Quota",
            "num",
            width=9,
            note_zh="如 0.1 表示 10%，各等级合计不超过 1",
            note_en="e.g. 0.1 = 10%; all grades together at most 1",
        ),
        Col(
            "quota_kind",
            "比例类型",
            "Quota kind",
            choices=("max", "min", "exact"),
            width=9,
            note_zh="max 上限（默认）、min 下限、exact 固定比例",
            note_en="max = at most (default), min = at least, exact = exactly",
        ),
        Col("consequence", "结果应用", "Consequence", width=28),
        Col("consequence_en", "英文结果应用", "Consequence (English)", width=28),
    ),
    required=True,
)

ROLLUP = SheetSpec(
    "rollup",
    "周期汇总",
    "Roll-up",
    (
        Col(
            "group",
            "规则序号",
            "Rule no.",
            "int",
            required=True,
            width=8,
            note_zh="同一序号的行组成一条汇总规则",
            note_en="Rows with the same number form one roll-up rule",
        ),
        Col(
            "roles", "适用岗位（逗号分隔，空=全部）", "Roles (comma-separated; empty = all)", "list"
        ),
        Col(
            "period",
            "周期",
            "Period",
            choices=PERIODS,
            required=True,
            width=10,
        ),
        Col("weight", "权重(%)", "Weight (%)", "num", required=True, width=9),
    ),
)

GOALS = SheetSpec(
    "goals",
    "目标分解",
    "Goals",
    (
        Col("id", "目标编号", "Goal id", required=True, width=9),
        Col("name", "目标", "Goal", required=True, width=24),
        Col("name_en", "英文目标", "Goal (English)", width=24),
        Col("level", "层级", "Level", choices=("company", "department"), width=11),
        Col("parent", "上级目标", "Parent goal", ref="goals", width=9),
        Col("department", "部门", "Department", width=12),
        Col("owner", "负责人工号", "Owner id", width=10),
    ),
)

EMPLOYEES = SheetSpec(
    "employees",
    "员工名册",
    "Roster",
    (
        Col("id", "工号", "Employee id", required=True, width=10),
        Col("name", "姓名", "Name", required=True, width=12),
        Col("department", "部门", "Department", required=True, width=14),
        Col("role", "岗位编号", "Role id", required=True, ref="roles", width=12),
        Col(
            "manager",
            "直接上级工号",
            "Manager id",
            width=12,
            note_zh="最高负责人留空",
            note_en="Empty for the top of the organisation",
        ),
        Col("email", "邮箱", "E-mail", width=28),
        Col("is_active", "在职", "Active", "bool", choices=BOOL, width=7),
        Col("hire_date", "入职日期", "Hire date", "date", width=11),
        Col("leave_date", "离职日期", "Leave date", "date", width=11),
        Col(
            "probation_end",
            "试用期结束",
            "Probation ends",
            "date",
            width=11,
            note_zh="期末仍在试用期的员工按方案规定不参加本期考核",
            note_en="People still in probation at the period's end are assessed as the plan says",
        ),
        Col("on_leave", "休假中", "On leave", "bool", choices=BOOL, width=7),
    ),
)

RELATIONS = SheetSpec(
    "relations",
    "评价关系",
    "Rater relations",
    (
        Col("rater", "评价人工号/编号", "Rater id", required=True, width=14),
        Col("ratee", "被评价人工号", "Ratee id", required=True, width=14),
        Col("type", "评价类型", "As", choices=RATER_IDS, required=True, width=12),
    ),
)
RELATIONS_NOTE = (
    "本人、上级、下属按汇报关系自动生成，同事按“周期与设置”中的规则抽取；此表只列额外的评价关系"
    "（如客户、跨部门同事）",
    "Self, manager and direct reports follow from the reporting lines and peers are drawn by the "
    "rule in Cycle & settings; list only extra relations here (customers, colleagues elsewhere)",
)

TARGETS = SheetSpec(
    "targets",
    "个人目标",
    "Individual targets",
    (
        Col("employee", "工号", "Employee id", required=True, width=12),
        Col("kpi", "指标编号", "KPI code", required=True, width=10),
        Col("target", "个人目标值", "Target", "num", required=True, width=12),
        Col("baseline", "个人基期值", "Baseline", "num", width=12),
    ),
)

EXTERNAL = SheetSpec(
    "external",
    "外部评价人",
    "External raters",
    (
        Col("id", "编号", "Id", required=True, width=10),
        Col("name", "姓名", "Name", required=True, width=14),
        Col("email", "邮箱", "E-mail", width=28),
        Col("organisation", "单位", "Organisation", width=24),
    ),
)

SHEETS: tuple[SheetSpec, ...] = (
    SETTINGS,
    SCALES,
    RATER_TYPES,
    ROLES,
    KPIS,
    TASKS,
    ADJUSTMENTS,
    COMPETENCIES,
    ROLE_COMPETENCIES,
    GRADES,
    ROLLUP,
    GOALS,
    EMPLOYEES,
    RELATIONS,
    TARGETS,
    EXTERNAL,
)


def column_words(sheet: str, path: PathKey, key: str) -> tuple[str, str] | None:
    """(Chinese, English) header of the column (or the label of the settings row) a value at
    ``path`` was read from, on the sheet of that name; None when it was not read from one."""
    spec = next((x for x in SHEETS if sheet in (x.zh, x.en)), None)
    if spec is None:
        return None
    if spec is SETTINGS:
        return next(((zh, en) for p, zh, en, _, _ in SETTING_ROWS if p == path), None)
    col = next((c for c in spec.cols if c.key.rsplit(".", 1)[-1] == key), None)
    return (col.zh, col.en) if col is not None else None
