"""Problems of a calibration decision file, as data (rendered in the reader's language)."""

from __future__ import annotations

from perfsheets.core.problems import problem_type

NOT_A_BOOK = problem_type(
    "calibration-not-a-book",
    "error",
    "不是校准表",
    "Not a calibration workbook",
    "文件无法读取或不是 perfsheets calibrate 生成的校准表（{detail}）",
    "the file cannot be read or was not written by 'perfsheets calibrate' ({detail})",
)
WRONG_CYCLE = problem_type(
    "calibration-wrong-cycle",
    "error",
    "其他周期的校准表",
    "Another cycle's workbook",
    "此校准表属于周期 {found}，本工作区是周期 {expected}",
    "this workbook belongs to cycle {found}; this workspace is cycle {expected}",
)
UNKNOWN_BOOK = problem_type(
    "calibration-unknown-book",
    "error",
    "未知的校准表",
    "Unknown calibration workbook",
    "本工作区没有生成过此校准表（标识 {book_id}）：请用 perfsheets calibrate 生成的文件",
    "this workspace never wrote this workbook (id {book_id}): use a file 'perfsheets calibrate' wrote",
)
OUTDATED_RUN = problem_type(
    "calibration-outdated-run",
    "error",
    "校准表已过期",
    "Outdated calibration workbook",
    "此校准表基于第 {found} 次汇总，最新汇总是第 {expected} 次：请重新运行 perfsheets calibrate",
    "this workbook is from consolidation run {found}, the latest is run {expected}: run 'perfsheets calibrate' again",
)
SHEET_MISSING = problem_type(
    "calibration-sheet-missing",
    "error",
    "缺少工作表",
    "Sheet missing",
    "找不到工作表 {sheet}",
    "sheet {sheet} not found",
)
LOCKED_CHANGED = problem_type(
    "calibration-locked-changed",
    "error",
    "锁定内容被修改",
    "Locked content changed",
    "锁定单元格被修改：应为 {expected}，实际为 {found}",
    "a locked cell was changed: expected {expected}, found {found}",
)
UNKNOWN_PERSON = problem_type(
    "calibration-unknown-person",
    "error",
    "不在本周期的人员",
    "Person not in this cycle",
    "工号 {employee} 不在本周期的校准表中",
    "employee {employee} is not in this cycle's calibration workbook",
)
GRADE_UNKNOWN = problem_type(
    "calibration-grade-unknown",
    "error",
    "等级不在计划中",
    "Grade not in the plan",
    "等级 {value} 不在计划的等级中（可选：{allowed}）",
    "grade {value} is not one of the plan's grades ({allowed})",
)
POTENTIAL_UNKNOWN = problem_type(
    "calibration-potential-unknown",
    "error",
    "潜力无效",
    "Invalid potential",
    "潜力 {value} 无效（可选：{allowed}）",
    "potential {value} is not valid ({allowed})",
)
REASON_MISSING = problem_type(
    "calibration-reason-missing",
    "error",
    "缺少调整理由",
    "Reason missing",
    "等级由 {before} 调整为 {after}，必须填写理由",
    "the grade changes from {before} to {after}: a reason is required",
)
DECIDER_MISSING = problem_type(
    "calibration-decider-missing",
    "error",
    "缺少决定人",
    "Decided by missing",
    "等级由 {before} 调整为 {after}，必须填写决定人",
    "the grade changes from {before} to {after}: who decided is required",
)
FORMULA = problem_type(
    "calibration-formula",
    "error",
    "输入单元格含公式",
    "Formula in an input cell",
    "输入单元格不能是公式：请填写值",
    "an input cell holds a formula: enter a value",
)
TEXT_TOO_LONG = problem_type(
    "calibration-text-too-long",
    "error",
    "文字过长",
    "Text too long",
    "文字超过 {limit} 个字符",
    "the text is longer than {limit} characters",
)
QUOTA_BREACH = problem_type(
    "calibration-quota-breach",
    "error",
    "超出分布比例",
    "Quota breached",
    "分布组 {group}（{size} 人）调整后 {grades} 为 {count} 人，{kind} {limit} 人；计划不允许校准突破比例",
    "group {group} ({size} people) would have {count} with {grades}, {kind} {limit}; the plan does not allow the committee to exceed quotas",
)
QUOTA_EXCEEDED = problem_type(
    "calibration-quota-exceeded",
    "warning",
    "超出分布比例（计划允许）",
    "Quota exceeded (plan allows)",
    "分布组 {group}（{size} 人）调整后 {grades} 为 {count} 人，{kind} {limit} 人（计划允许，已记录）",
    "group {group} ({size} people) has {count} with {grades}, {kind} {limit} (the plan allows it; recorded)",
)
