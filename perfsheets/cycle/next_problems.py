"""The problems of ``perfsheets init NEXT --from WS``: why a next cycle is refused, and what
HR should look at in the one written (people dropped, goals that are no KPI, names not derived)."""

from __future__ import annotations

from perfsheets.core.problems import problem_type

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
