"""The Excel plan workbook: the whole plan as sheets HR can edit, and back.

One sheet per part of the plan (settings and cycle, scales, rater types, roles, KPIs, key tasks,
competencies, grades, roll-up, goals, roster, rater relations, individual targets, external
raters), with an instructions sheet, header notes and drop-down lists. Reading turns the sheets
into the same plain data as a YAML plan, plus a map from every model path to its sheet and cell so
that problems point at the cell to fix. Headers are matched by their Chinese or English label (or
the field key), so a workbook written in one language reads in the other, and columns HR adds for
their own notes are ignored.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perfsheets.core.cells import sheet_text
from perfsheets.core.layout import cell_ref
from perfsheets.core.model import Lang, Plan
from perfsheets.core.problems import Report
from perfsheets.plan.io import PathKey, PlanSource

MAX_UNZIPPED = 300 * 1024 * 1024  # a plan workbook inflating beyond this is not a plan
SPARE_ROWS = 200  # drop-downs reach this far below the data, for rows HR adds

# --- the layout -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Col:
    key: str  # field key; dotted for nested values ("weights.kpi", "rule.cap")
    zh: str
    en: str
    kind: str = "str"  # str | num | int | bool | date | list | lines | bands
    width: int = 14
    choices: tuple[str, ...] = ()
    ref: str | None = None  # drop-down from another sheet's first column
    required: bool = False
    note_zh: str = ""
    note_en: str = ""

    def label(self, lang: Lang) -> str:
        text = self.en if lang == "en" else self.zh
        return text + ("*" if self.required else "")


@dataclass(frozen=True)
class SheetSpec:
    key: str
    zh: str
    en: str
    cols: tuple[Col, ...]
    required: bool = False

    def title(self, lang: Lang) -> str:
        return self.en if lang == "en" else self.zh


RATER_IDS = ("self", "manager", "peer", "subordinate", "customer")
RULE_TYPES = ("linear", "bands", "deduction", "pass_fail", "change_bands")
BOOL = ("TRUE", "FALSE")
# Parameters of each scoring rule (the rule columns of the KPI sheet).
RULE_PARAMS = {
    "linear": ("floor", "cap"),
    "bands": ("on", "bands", "otherwise"),
    "deduction": ("base", "per_unit", "floor"),
    "pass_fail": ("pass_score", "fail_score"),
    "change_bands": ("bands", "otherwise"),
}

SETTINGS = SheetSpec(
    "settings",
    "周期与设置",
    "Cycle & settings",
    (
        Col("label", "项目", "Setting", width=40),
        Col("value", "值", "Value", width=36),
        Col(
            "key",
            "字段",
            "Field",
            width=40,
            note_zh="程序用的字段名，请勿修改",
            note_en="The field's name for perfsheets; do not change it",
        ),
    ),
    required=True,
)

# (path, zh, en, kind, choices)
SETTING_ROWS: tuple[tuple[PathKey, str, str, str, tuple[str, ...]], ...] = (
    (("schema_version",), "方案格式版本", "Plan format version", "int", ()),
    (("company", "name"), "公司名称", "Company name", "str", ()),
    (("company", "name_en"), "公司英文名称", "Company name (English)", "str", ()),
    (("company", "logo"), "公司标志文件（PNG/SVG，相对路径）", "Logo file (PNG/SVG)", "str", ()),
    (("cycle", "id"), "考核周期编号", "Cycle id", "str", ()),
    (("cycle", "name"), "考核周期名称", "Cycle name", "str", ()),
    (("cycle", "name_en"), "考核周期英文名称", "Cycle name (English)", "str", ()),
    (
        ("cycle", "period"),
        "周期类型",
        "Period type",
        "str",
        ("month", "quarter", "half-year", "year"),
    ),
    (("cycle", "start"), "开始日期", "Start date", "date", ()),
    (("cycle", "end"), "结束日期", "End date", "date", ()),
    (("cycle", "due"), "考核表提交截止日期", "Forms due", "date", ()),
    (("cycle", "language"), "语言", "Language", "str", ("zh-CN", "en")),
    (("cycle", "form_password"), "考核表保护密码（可空）", "Form protection password", "str", ()),
    (
        ("cycle", "target_change_band"),
        "允许的目标调整幅度（0.15 = 15%）",
        "Allowed target change (0.15 = 15%)",
        "num",
        (),
    ),
    (
        ("grading", "forced_distribution", "enabled"),
        "启用强制分布",
        "Forced distribution on",
        "bool",
        BOOL,
    ),
    (
        ("grading", "forced_distribution", "group_by"),
        "强制分布分组",
        "Forced distribution groups",
        "str",
        ("department", "role", "all"),
    ),
    (
        ("grading", "forced_distribution", "min_group_size"),
        "强制分布最小组人数",
        "Smallest group for forced distribution",
        "int",
        (),
    ),
    (
        ("grading", "forced_distribution", "tie_rule"),
        "比例边界同分处理",
        "Ties at a quota boundary",
        "str",
        ("favour_employee", "employee_id"),
    ),
    (
        ("grading", "promotion_after"),
        "连续几次最高等级提示晋升",
        "Top grade this many cycles running suggests promotion",
        "int",
        (),
    ),
    (
        ("aggregation", "trim_min_count"),
        "达到此人数时去掉最高分和最低分",
        "Drop highest and lowest from this many raters",
        "int",
        (),
    ),
    (
        ("aggregation", "kpi_actual_priority"),
        "KPI 实际值采用顺序",
        "Whose KPI actual counts, in order",
        "list",
        (),
    ),
    (
        ("aggregation", "calibration"),
        "评分校准",
        "Rater calibration",
        "str",
        ("none", "zscore"),
    ),
    (
        ("aggregation", "calibration_min_ratees"),
        "校准所需最少被评人数",
        "Fewest ratees for calibration",
        "int",
        (),
    ),
    (("aggregation", "decimals"), "分数小数位", "Decimals of scores", "int", ()),
    (
        ("aggregation", "leniency_flag"),
        "宽松/严格提示阈值（量表分）",
        "Leniency flag (scale points)",
        "num",
        (),
    ),
    (
        ("aggregation", "disagreement_flag"),
        "评分分歧提示阈值（量表分）",
        "Disagreement flag (scale points)",
        "num",
        (),
    ),
    (
        ("aggregation", "blind_spot_gap"),
        "自评盲区阈值（量表分）",
        "Blind-spot gap (scale points)",
        "num",
        (),
    ),
    (("roster", "peers", "count"), "每人同事评价人数", "Peers per person", "int", ()),
    (
        ("roster", "peers", "scope"),
        "同事范围",
        "Peers drawn from",
        "str",
        ("department", "role"),
    ),
    (("roster", "peers", "seed"), "同事抽取随机种子", "Seed of the peer draw", "int", ()),
)

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
            "development_goals",
            "能力发展方向（每行一条）",
            "Development goals (one per line)",
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
                "pass_fail 达标/不达标；change_bands 变化率分档"
            ),
            note_en=(
                "linear (completion × 100 with floor/cap); bands; deduction (per incident); "
                "pass_fail; change_bands (change rate against the baseline)"
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
        Col("min_value", "实际值下限", "Lowest actual", "num", width=9),
        Col("max_value", "实际值上限", "Highest actual", "num", width=9),
        Col("goal", "支撑目标", "Goal", ref="goals", width=8),
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
            choices=("month", "quarter", "half-year", "year"),
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
GUIDE = ("说明", "Guide")


def _guide(lang: Lang) -> list[str]:
    if lang == "en":
        return [
            "perfsheets plan workbook",
            "",
            "Edit the sheets, save, then run `perfsheets check WORKSPACE`: every problem is "
            "listed with its sheet and cell.",
            "Columns marked * are required. Pick values from the drop-down lists where offered.",
            "Weights are percentages: each role's section weights, its KPI, task and competency "
            "weights, and the rater weights must each add up to 100.",
            "Dates are dates (YYYY-MM-DD). Several values in one cell: separate with commas; "
            "lists of sentences: one per line (Alt+Enter).",
            "",
            "Sheets:",
            "Cycle & settings — cycle, company, grading and aggregation settings, peer rule.",
            "Scales — rating scales, one row per level.",
            "Rater types — self, manager, peers, direct reports, customers: weights, minimum "
            "count (anonymity), sections they rate.",
            "Roles — section weights and rater-weight overrides per role.",
            "KPIs — one row per KPI of a role, with its scoring rule.",
            "Key tasks — one row per key task of a role.",
            "Competencies — the competency library; Role competencies — which a role uses, "
            "with weights.",
            "Grades — S/A/B/C/D thresholds, bonus coefficients, forced-distribution quotas.",
            "Roll-up — how period results combine (e.g. monthly 40% + annual 60%).",
            "Goals — company and department goals KPIs serve.",
            "Roster — employees and reporting lines; Rater relations — extra raters; "
            "Individual targets — per-person targets that override the role's; External "
            "raters — customers and others outside the roster.",
        ]
    return [
        "perfsheets 考核方案工作簿",
        "",
        "修改各工作表并保存后，运行 `perfsheets check 工作区`：所有问题都会列出所在的工作表和单元格。",
        "带 * 的列为必填项。有下拉列表的单元格请从列表中选择。",
        "权重均为百分数：每个岗位的各部分权重、KPI/重点工作/能力项权重、评价人权重，各自之和必须为 100。",
        "日期请填写日期（YYYY-MM-DD）。一个单元格中的多个取值用逗号分隔；多条语句每行一条（Alt+Enter 换行）。",
        "",
        "各工作表：",
        "周期与设置 —— 考核周期、公司、等级与汇总设置、同事抽取规则。",
        "评分量表 —— 评分量表，每个等级一行。",
        "评价人类型 —— 自评、上级、同事、下属、客户：默认权重、最少人数（匿名保护）、评价哪些部分。",
        "岗位 —— 各岗位的考核部分权重及评价人权重（可覆盖默认）。",
        "KPI指标 —— 每行一个岗位指标及其计分规则。",
        "重点工作 —— 每行一项岗位重点工作。",
        "能力素质库 —— 能力项及行为锚定；岗位能力项 —— 各岗位选用的能力项及权重。",
        "绩效等级 —— S/A/B/C/D 分数线、绩效系数、强制分布比例。",
        "周期汇总 —— 各周期结果如何合成（如月度 40% + 年度 60%）。",
        "目标分解 —— KPI 所支撑的公司及部门目标。",
        "员工名册 —— 员工及汇报关系；评价关系 —— 额外的评价人；个人目标 —— 覆盖岗位默认值的个人目标；"
        "外部评价人 —— 名册以外的客户等评价人。",
    ]


# --- writing ----------------------------------------------------------------------------------


def _get(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if obj is None:
            return None
        obj = obj.get(part) if isinstance(obj, dict) else getattr(obj, part, None)
    return obj


def _num_text(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 2**53 else repr(float(x))


def _cell_value(col_kind: str, value: Any) -> Any:
    """The model value as what goes in the cell (None for an empty cell)."""
    if value is None:
        return None
    if col_kind == "list":
        return ", ".join(value) if value else None
    if col_kind == "lines":
        return "\n".join(value) if value else None
    if col_kind == "bands":
        return "; ".join(f"{_num_text(b.min)}:{_num_text(b.score)}" for b in value)
    return value


def _kpi_rows(plan: Plan) -> Iterable[dict[str, Any]]:
    for role in plan.roles:
        for kpi in role.kpis:
            row = {c.key: _get(kpi, c.key) for c in KPIS.cols if not c.key.startswith("rule.")}
            row["role"] = role.id
            rule = kpi.rule
            row["rule.type"] = rule.type
            for param in RULE_PARAMS[rule.type]:
                row[f"rule.{param}"] = getattr(rule, param)
            yield row


def _rows(plan: Plan, spec: SheetSpec) -> Iterable[dict[str, Any]]:
    """Rows of one sheet as {column key: model value}."""
    keys = [c.key for c in spec.cols]
    if spec is SCALES:
        for scale in plan.scales:
            for level in scale.levels:
                row = {k: _get(level, k) for k in keys[3:]}
                row.update(scale_id=scale.id, scale_name=scale.name, scale_name_en=scale.name_en)
                yield row
    elif spec is KPIS:
        yield from _kpi_rows(plan)
    elif spec is TASKS:
        for role in plan.roles:
            for task in role.tasks:
                yield {"role": role.id, **{k: _get(task, k) for k in keys[1:]}}
    elif spec is ROLE_COMPETENCIES:
        for role in plan.roles:
            for ref in role.competencies:
                yield {"role": role.id, "code": ref.code, "weight": ref.weight}
    elif spec is ROLLUP:
        for n, rollup in enumerate(plan.rollup, start=1):
            for part in rollup.parts:
                yield {
                    "group": n,
                    "roles": rollup.roles,
                    "period": part.period,
                    "weight": part.weight,
                }
    else:
        items = {
            "rater_types": plan.rater_types,
            "roles": plan.roles,
            "competencies": plan.competencies,
            "grades": plan.grading.levels,
            "goals": plan.goals,
            "employees": plan.roster.employees,
            "relations": plan.roster.relations,
            "targets": plan.roster.targets,
            "external": plan.roster.external_raters,
        }[spec.key]
        for item in items:
            yield {k: _get(item, k) for k in keys}


class _Writer:
    """Writes one plan workbook with xlsxwriter (fast, with drop-downs and notes)."""

    def __init__(self, plan: Plan, path: Path) -> None:
        import xlsxwriter

        self.plan = plan
        self.lang = plan.lang
        self.book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
        self.head = self.book.add_format(
            {"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True, "valign": "top"}
        )
        self.date = self.book.add_format({"num_format": "yyyy-mm-dd", "valign": "top"})
        self.wrap = self.book.add_format({"text_wrap": True, "valign": "top"})
        self.top = self.book.add_format({"valign": "top"})
        self.title = self.book.add_format({"bold": True, "font_size": 14})
        self.sizes: dict[str, int] = {}

    def write(self) -> None:
        self.guide()
        rows = {spec.key: list(_rows(self.plan, spec)) for spec in SHEETS if spec is not SETTINGS}
        self.sizes = {key: len(r) for key, r in rows.items()}
        self.settings()
        for spec in SHEETS:
            if spec is not SETTINGS:
                self.table(spec, rows[spec.key])
        self.book.close()

    def guide(self) -> None:
        ws = self.book.add_worksheet(GUIDE[1] if self.lang == "en" else GUIDE[0])
        ws.set_column(0, 0, 120)
        for r, line in enumerate(_guide(self.lang)):
            ws.write_string(r, 0, line, self.title if r == 0 else self.wrap)

    def put(self, ws: Any, r: int, c: int, kind: str, value: Any) -> None:
        value = _cell_value(kind, value)
        if value is None:
            return
        if isinstance(value, bool):
            ws.write_boolean(r, c, value, self.top)
        elif isinstance(value, int | float):
            ws.write_number(r, c, value, self.top)
        elif isinstance(value, dt.date):
            ws.write_datetime(r, c, dt.datetime(value.year, value.month, value.day), self.date)
        else:
            text = sheet_text(str(value))
            ws.write_string(r, c, text, self.wrap if "\n" in text else self.top)

    def header(self, ws: Any, spec: SheetSpec) -> None:
        ws.freeze_panes(1, 0)
        for c, col in enumerate(spec.cols):
            ws.set_column(c, c, col.width)
            ws.write_string(0, c, col.label(self.lang), self.head)
            note = col.note_en if self.lang == "en" else col.note_zh
            key_note = f"[{col.key}]"
            ws.write_comment(0, c, f"{note}\n{key_note}" if note else key_note)

    def settings(self) -> None:
        ws = self.book.add_worksheet(SETTINGS.title(self.lang))
        self.header(ws, SETTINGS)
        for r, (path, zh, en, kind, choices) in enumerate(SETTING_ROWS, start=1):
            ws.write_string(r, 0, en if self.lang == "en" else zh, self.top)
            self.put(ws, r, 1, kind, _get(self.plan, ".".join(map(str, path))))
            ws.write_string(r, 2, ".".join(map(str, path)), self.top)
            if choices:
                ws.data_validation(r, 1, r, 1, {"validate": "list", "source": list(choices)})

    def table(self, spec: SheetSpec, rows: list[dict[str, Any]]) -> None:
        ws = self.book.add_worksheet(spec.title(self.lang))
        self.header(ws, spec)
        for r, row in enumerate(rows, start=1):
            for c, col in enumerate(spec.cols):
                self.put(ws, r, c, col.kind, row.get(col.key))
        last = len(rows) + SPARE_ROWS
        for c, col in enumerate(spec.cols):
            source = self.dropdown(col)
            if source is not None:
                ws.data_validation(1, c, last, c, {"validate": "list", "source": source})
        if len(rows) > 20:
            ws.autofilter(0, 0, len(rows), len(spec.cols) - 1)
        note = {"roles": ROLES_NOTE, "relations": RELATIONS_NOTE}.get(spec.key)
        if note:
            c = len(spec.cols) + 1
            ws.set_column(c, c, 60)
            ws.write_string(0, c, note[1] if self.lang == "en" else note[0], self.wrap)

    def dropdown(self, col: Col) -> list[str] | str | None:
        if col.choices:
            return list(col.choices)
        if col.ref:
            spec = next(s for s in SHEETS if s.key == col.ref)
            last = self.sizes.get(spec.key, 0) + SPARE_ROWS + 1
            return f"='{spec.title(self.lang)}'!$A$2:$A${last}"
        return None


def write_workbook(plan: Plan, path: str | Path) -> Path:
    """Write the plan as an Excel plan workbook (sheets in the plan's language)."""
    _Writer(plan, Path(path)).write()
    return Path(path)


# --- reading ----------------------------------------------------------------------------------


def _a1(row: int, col: int) -> str:
    """Zero-based (row, col) → "B7"."""
    return cell_ref(row, col)


def _norm(text: Any) -> str:
    return str(text).strip().rstrip("*").strip().lower().replace(" ", "")


class _Where(Mapping[str, str]):
    """{field key: A1 cell} of one table row, computed on demand (a plan can have 100k cells)."""

    __slots__ = ("cols", "row")

    def __init__(self, row: int, cols: dict[str, int]) -> None:
        self.row = row
        self.cols = cols

    def __getitem__(self, key: str) -> str:
        if key == "@row":
            return _a1(self.row, 0)
        return _a1(self.row, self.cols[key])

    def __contains__(self, key: object) -> bool:
        return key in self.cols

    def __iter__(self) -> Iterator[str]:
        return iter(self.cols)

    def __len__(self) -> int:
        return len(self.cols)


class _Reader:
    """Reads the sheets into plain plan data, a location map and reading problems."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.source = PlanSource(file=path.name, kind="excel")
        self.report = Report()
        self.cells = self.source.cells

    def problem(self, ptype: Any, sheet: str, cell: str = "", **params: Any) -> None:
        self.report.add(ptype(file=self.path.name, sheet=sheet, cell=cell, **params))

    def read(self) -> dict[str, Any] | None:
        from python_calamine import CalamineWorkbook

        from perfsheets.plan.validate import UNREADABLE_FILE

        try:
            _guard_zip(self.path)
            book = CalamineWorkbook.from_path(str(self.path))
            names = book.sheet_names
            self.grids = {}
            for spec in SHEETS:
                name = self.find_sheet(spec, names)
                if name is not None:
                    grid = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
                    self.grids[spec.key] = (name, grid)
        except Exception as exc:  # calamine raises its own types for corrupt/encrypted files
            self.problem(UNREADABLE_FILE, "", reason=f"{type(exc).__name__}: {exc}")
            return None
        if not self.has_required_sheets():
            return None
        return self.build()

    def find_sheet(self, spec: SheetSpec, names: list[str]) -> str | None:
        wanted = {_norm(spec.zh), _norm(spec.en), _norm(spec.key)}
        return next((n for n in names if _norm(n) in wanted), None)

    def has_required_sheets(self) -> bool:
        from perfsheets.plan.validate import MISSING_SHEET

        ok = True
        for spec in SHEETS:
            if spec.required and spec.key not in self.grids:
                self.problem(MISSING_SHEET, "", name=spec.zh, name_en=spec.en)
                ok = False
        return ok

    # -- tables --------------------------------------------------------------------------------

    def table(self, spec: SheetSpec) -> tuple[str, list[tuple[int, dict[str, Any], _Where]]]:
        """(sheet name, [(row index, {key: value}, {key: A1 cell})]) of a table sheet; dotted
        keys ("weights.kpi") come back nested."""
        from perfsheets.plan.validate import MISSING_COLUMN

        if spec.key not in self.grids:
            return spec.zh, []
        name, grid = self.grids[spec.key]
        if not grid:
            return name, []
        columns: dict[int, Col] = {}
        by_label = {}
        for col in spec.cols:
            for label in (col.zh, col.en, col.key):
                by_label[_norm(label)] = col
        for c, head in enumerate(grid[0]):
            col = by_label.get(_norm(head))
            if col is not None and col not in columns.values():
                columns[c] = col
        for col in spec.cols:
            if col.required and col not in columns.values():
                self.problem(MISSING_COLUMN, name, "1", column=f"{col.zh} / {col.en}", key=col.key)
                self.source.missing_columns.add((name, col.key.rsplit(".", 1)[-1]))
        cols = {col.key: c for c, col in columns.items()}
        nested = any("." in key for key in cols)
        out = []
        for r in range(1, len(grid)):
            cells = grid[r]
            values: dict[str, Any] = {}
            for c, col in columns.items():
                raw = cells[c] if c < len(cells) else ""
                if raw == "" or raw is None:
                    continue
                value = self.convert(col.kind, raw, name, r, c)
                if value is not None:
                    values[col.key] = value
            if values:
                out.append((r, _nest(values) if nested else values, _Where(r, cols)))
        return name, out

    def convert(self, kind: str, raw: Any, sheet: str, r: int, c: int) -> Any:
        """A cell value as plan data; None for an empty cell. Bad text is left for the schema
        to report, so the message names the field."""
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        if isinstance(raw, dt.datetime):
            raw = raw.date() if kind != "str" else raw
        if kind == "str":
            return _text(raw)
        if kind in ("num", "int"):
            if isinstance(raw, str):
                try:
                    return float(raw.strip().replace(",", ""))
                except ValueError:
                    return raw
            return raw
        if kind == "bool":
            return _boolean(raw)
        if kind == "date":
            return raw
        if kind == "list":
            return [p.strip() for p in _split_list(_text(raw)) if p.strip()]
        if kind == "lines":
            return [p.strip() for p in _text(raw).splitlines() if p.strip()]
        if kind == "bands":
            return self.bands(_text(raw), sheet, r, c)
        return raw

    def bands(self, text: str, sheet: str, r: int, c: int) -> Any:
        from perfsheets.plan.validate import BAD_CELL

        bands = []
        for part in _split_list(text.replace("；", ";"), seps=";\n"):
            part = part.strip()
            if not part:
                continue
            low, _, score = part.replace("：", ":").replace("≥", "").partition(":")
            try:
                bands.append({"min": float(low), "score": float(score)})
            except ValueError:
                self.problem(
                    BAD_CELL,
                    sheet,
                    _a1(r, c),
                    value=text,
                    expected="分档应写作“下限:得分; 下限:得分”，如 1:100; 0.9:80",
                    expected_en="bands are written 'min:score; min:score', e.g. 1:100; 0.9:80",
                )
                return None
        return bands

    # -- building the plan data ----------------------------------------------------------------

    def at(self, path: PathKey, sheet: str, cell: str) -> None:
        self.cells[path] = (sheet, cell)

    def rows_to_items(self, spec: SheetSpec, base: PathKey) -> list[dict[str, Any]]:
        """The rows of a sheet that maps one row to one item of the list at ``base``."""
        name, rows = self.table(spec)
        for i, (_, _, where) in enumerate(rows):
            self.map_row((*base, i), name, where)
        if rows:
            self.at(base, name, _a1(rows[0][0], 0))
        return [values for _, values, _ in rows]

    def map_row(self, path: PathKey, sheet: str, where: _Where) -> None:
        self.source.rows[path] = (sheet, where)

    def build(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        self.read_settings(data)
        data["scales"] = self.read_scales()
        data["rater_types"] = self.rows_to_items(RATER_TYPES, ("rater_types",))
        weights_range = self.column_range(RATER_TYPES, "weight")
        if weights_range:
            self.at(("rater_types",), *weights_range)
        data["competencies"] = self.rows_to_items(COMPETENCIES, ("competencies",))
        data["roles"] = self.read_roles()
        grades = self.rows_to_items(GRADES, ("grading", "levels"))
        quota_range = self.column_range(GRADES, "quota")
        if quota_range:
            self.at(("grading", "levels"), *quota_range)
        data.setdefault("grading", {})["levels"] = grades
        data["rollup"] = self.read_rollup()
        data["goals"] = self.rows_to_items(GOALS, ("goals",))
        roster = data.setdefault("roster", {})
        roster["employees"] = self.rows_to_items(EMPLOYEES, ("roster", "employees"))
        roster["relations"] = self.rows_to_items(RELATIONS, ("roster", "relations"))
        roster["targets"] = self.rows_to_items(TARGETS, ("roster", "targets"))
        roster["external_raters"] = self.rows_to_items(EXTERNAL, ("roster", "external_raters"))
        return data

    def column_range(self, spec: SheetSpec, key: str) -> tuple[str, str] | None:
        """(sheet, "D2:D6") of a column over a table's data rows."""
        if spec.key not in self.grids:
            return None
        name, grid = self.grids[spec.key]
        header = [_norm(h) for h in grid[0]] if grid else []
        col = next(c for c in spec.cols if c.key == key)
        idx = next(
            (i for i, h in enumerate(header) if h in {_norm(col.zh), _norm(col.en), key}), None
        )
        if idx is None or len(grid) < 2:
            return None
        return name, f"{_a1(1, idx)}:{_a1(len(grid) - 1, idx)}"

    def read_settings(self, data: dict[str, Any]) -> None:
        if "settings" not in self.grids:
            return
        name, grid = self.grids["settings"]
        kinds = {".".join(map(str, p)): (p, kind) for p, _, _, kind, _ in SETTING_ROWS}
        header = [_norm(h) for h in grid[0]] if grid else []
        k_col = _find(header, SETTINGS.cols[2], 2)
        v_col = _find(header, SETTINGS.cols[1], 1)
        for r in range(1, len(grid)):
            cells = grid[r]
            key = _text(cells[k_col]).strip() if k_col < len(cells) else ""
            if key not in kinds:
                continue  # HR's own notes, or a row we do not know
            path, kind = kinds[key]
            raw = cells[v_col] if v_col < len(cells) else ""
            self.at(path, name, _a1(r, v_col))
            if len(path) > 1:
                self.cells.setdefault(path[:1], (name, _a1(r, v_col)))
            value = self.convert(kind, raw, name, r, v_col)
            if value is None:
                continue
            target = data
            for part in path[:-1]:
                target = target.setdefault(str(part), {})
            target[str(path[-1])] = value

    def read_scales(self) -> list[dict[str, Any]]:
        name, rows = self.table(SCALES)
        scales: dict[str, dict[str, Any]] = {}
        for r, values, where in rows:
            scale_id = values.get("scale_id", "")
            scale = scales.get(scale_id)
            if scale is None:
                i = len(scales)
                scale = {"id": scale_id, "levels": []}
                for key, field in (("scale_name", "name"), ("scale_name_en", "name_en")):
                    if key in values:
                        scale[field] = values[key]
                scales[scale_id] = scale
                self.at(("scales", i), name, _a1(r, 0))
                self.at(("scales", i, "id"), name, where["scale_id"])
                if "scale_name" in where:
                    self.at(("scales", i, "name"), name, where["scale_name"])
                if "scale_name_en" in where:
                    self.at(("scales", i, "name_en"), name, where["scale_name_en"])
            i = list(scales).index(scale_id)
            j = len(scale["levels"])
            level = {k: v for k, v in values.items() if not k.startswith("scale_")}
            scale["levels"].append(level)
            self.map_row(("scales", i, "levels", j), name, where)
        return list(scales.values())

    def read_roles(self) -> list[dict[str, Any]]:
        roles = self.rows_to_items(ROLES, ("roles",))
        index: dict[Any, int] = {}
        for i, role in enumerate(roles):
            index.setdefault(role.get("id"), i)
            role.setdefault("weights", {})
            row = self.source.rows.get(("roles", i))
            for attr, first, last in (
                ("weights", "kpi", "competency"),
                ("rater_weights", "self", "customer"),
            ):
                if row is not None and f"{attr}.{first}" in row[1] and f"{attr}.{last}" in row[1]:
                    sheet, where = row
                    cells = f"{where[f'{attr}.{first}']}:{where[f'{attr}.{last}']}"
                    self.at(("roles", i, attr), sheet, cells)
        for spec, attr in ((KPIS, "kpis"), (TASKS, "tasks"), (ROLE_COMPETENCIES, "competencies")):
            self.attach(spec, attr, roles, index)
        return roles

    def attach(
        self, spec: SheetSpec, attr: str, roles: list[dict[str, Any]], index: dict[Any, int]
    ) -> None:
        """Rows of a per-role sheet (KPIs, tasks, role competencies) into their roles."""
        from perfsheets.plan.validate import UNKNOWN_ROLE

        name, rows = self.table(spec)
        if (name, "role") in self.source.missing_columns:
            return  # reported once as a missing column, not once per row
        weight_rows: dict[int, list[str]] = {}
        for r, values, where in rows:
            role_id = values.pop("role", None)
            i = index.get(role_id)
            if i is None:
                known = ", ".join(str(k) for k in index)
                self.problem(
                    UNKNOWN_ROLE, name, where.get("role", _a1(r, 0)), role=role_id, known=known
                )
                continue
            items = roles[i].setdefault(attr, [])
            j = len(items)
            item = values
            if spec is KPIS:
                item = _kpi_item(item)
            items.append(item)
            self.map_row(("roles", i, attr, j), name, where)
            if "weight" in where:
                weight_rows.setdefault(i, []).append(where["weight"])
        for i, cells in weight_rows.items():
            self.at(
                ("roles", i, attr), name, f"{cells[0]}:{cells[-1]}" if len(cells) > 1 else cells[0]
            )

    def read_rollup(self) -> list[dict[str, Any]]:
        name, rows = self.table(ROLLUP)
        groups: dict[Any, dict[str, Any]] = {}
        for r, values, where in rows:
            key = values.get("group")
            group = groups.get(key)
            if group is None:
                i = len(groups)
                group = groups[key] = {"roles": values.get("roles", []), "parts": []}
                self.at(("rollup", i), name, _a1(r, 0))
                if "roles" in where:
                    self.at(("rollup", i, "roles"), name, where["roles"])
            i = list(groups).index(key)
            j = len(group["parts"])
            group["parts"].append({k: values[k] for k in ("period", "weight") if k in values})
            self.at(("rollup", i, "parts", j), name, _a1(r, 0))
            for k in ("period", "weight"):
                if k in where:
                    self.at(("rollup", i, "parts", j, k), name, where[k])
            if j == 0 and "weight" in where:
                self.at(("rollup", i, "parts"), name, where["weight"])
        return list(groups.values())


def _find(header: list[str], col: Col, default: int) -> int:
    """Index of a column in a normalised header row (its default place if not found)."""
    labels = {_norm(col.zh), _norm(col.en), _norm(col.key)}
    return next((i for i, h in enumerate(header) if h in labels), default)


def _kpi_item(item: dict[str, Any]) -> dict[str, Any]:
    """The rule columns of a KPI row as its rule (only the parameters HR filled in)."""
    rule = item.get("rule")
    if isinstance(rule, dict) and "type" not in rule and rule:
        rule = {"type": "linear", **rule}
    if isinstance(rule, dict) and rule:
        item["rule"] = rule
    return item


def _nest(values: dict[str, Any]) -> dict[str, Any]:
    """{"weights.kpi": 60} → {"weights": {"kpi": 60}}."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        target = out
        parts = key.split(".")
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    return out


def _text(raw: Any) -> str:
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))  # an id typed as a number: 1001, not 1001.0
    if isinstance(raw, dt.date | dt.datetime):
        return raw.isoformat()
    if isinstance(raw, bool):
        return "TRUE" if raw else "FALSE"
    return str(raw)


def _boolean(raw: Any) -> Any:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float):
        return bool(raw)
    text = str(raw).strip().lower()
    if text in ("true", "yes", "y", "1", "是", "对", "√", "✓"):
        return True
    if text in ("false", "no", "n", "0", "否", "不", "×", "✗"):
        return False
    return raw


def _split_list(text: str, seps: str = ",，、;；\n") -> list[str]:
    parts = [text]
    for sep in seps:
        parts = [p for chunk in parts for p in chunk.split(sep)]
    return parts


def _guard_zip(path: Path) -> None:
    """Refuse a workbook that would inflate to an absurd size (zip bomb) before parsing it."""
    from perfsheets.core.problems import PerfsheetsError

    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        if len(infos) > 10_000 or sum(i.file_size for i in infos) > MAX_UNZIPPED:
            raise PerfsheetsError(f"{path.name}: workbook too large to be a plan")


def read_workbook(path: str | Path) -> tuple[dict[str, Any] | None, PlanSource, Report]:
    """Plain plan data of an Excel plan workbook, where each value sits, and reading problems."""
    reader = _Reader(Path(path))
    data = reader.read()
    return data, reader.source, reader.report
