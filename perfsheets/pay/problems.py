"""Problems of a salaries file and of a pay export, as data (rendered in the reader's language).

Positions: the salaries file, its sheet (empty for CSV) and the cell as a spreadsheet names it
(``C7``: column C of the file's row 7, for CSV too, which HR opens in Excel).
"""

from __future__ import annotations

from perfsheets.core.problems import problem_type

UNREADABLE = problem_type(
    "pay-unreadable",
    "error",
    "无法读取工资文件",
    "Salaries file unreadable",
    "无法读取该文件：{reason}",
    "cannot read this file: {reason}",
)
MISSING_COLUMN = problem_type(
    "pay-missing-column",
    "error",
    "缺少必需的列",
    "Required column missing",
    "前 {rows} 行中找不到“{column}”列（可用的表头：{accepted}）",
    "no '{column}' column in the first {rows} rows (accepted headers: {accepted})",
)
NO_ROWS = problem_type(
    "pay-no-rows",
    "error",
    "文件中没有数据",
    "No data in the file",
    "表头下面没有任何数据行",
    "there are no data rows below the header",
)
EMPTY = problem_type(
    "pay-empty",
    "error",
    "单元格为空",
    "Empty cell",
    "第 {row} 行：{column}为空",
    "row {row}: {column} is empty",
)
NOT_A_NUMBER = problem_type(
    "pay-not-a-number",
    "error",
    "不是数字",
    "Not a number",
    "第 {row} 行：工号 {employee} 的{column}“{value}”不是数字",
    "row {row}: the {column} '{value}' of employee {employee} is not a number",
)
NEGATIVE = problem_type(
    "pay-negative",
    "error",
    "数值为负",
    "Negative value",
    "第 {row} 行：工号 {employee} 的{column} {value} 为负数",
    "row {row}: the {column} {value} of employee {employee} is negative",
)
OUT_OF_RANGE = problem_type(
    "pay-out-of-range",
    "error",
    "超出考核周期",
    "Longer than the period",
    "第 {row} 行：工号 {employee} 的{column} {value} 超过考核周期的 {limit}",
    "row {row}: the {column} {value} of employee {employee} is more than the period's {limit}",
)
UNKNOWN_EMPLOYEE = problem_type(
    "pay-unknown-employee",
    "error",
    "工号不在本周期结果中",
    "Employee not in this cycle",
    "第 {row} 行：工号 {employee} 不在本周期的名册和考核结果中",
    "row {row}: employee {employee} is neither on this cycle's roster nor in its results",
)
NOT_ASSESSED = problem_type(
    "pay-not-assessed",
    "warning",
    "本期未考核",
    "Not assessed this cycle",
    "第 {row} 行：工号 {employee} 在名册中，但本期未参加考核（如试用期、休假、离职）：未计算奖金",
    "row {row}: employee {employee} is on the roster but was not assessed this cycle (probation, "
    "leave, left ...): no bonus computed",
)
DUPLICATE_ID = problem_type(
    "pay-duplicate-id",
    "error",
    "工号重复",
    "Duplicate employee id",
    "第 {row} 行：工号 {employee} 在第 {first} 行已经出现过，请只保留一行",
    "row {row}: employee {employee} already appears in row {first}; keep one row only",
)
NOT_IN_FILE = problem_type(
    "pay-not-in-file",
    "warning",
    "工资文件中没有此人",
    "Not in the salaries file",
    "工号 {employee}（{name}）有考核结果，但不在工资文件中：未计算奖金",
    "employee {employee} ({name}) has a result but is not in the salaries file: no bonus computed",
)
NO_GRADE = problem_type(
    "pay-no-grade",
    "warning",
    "没有最终等级",
    "No final grade",
    "工号 {employee}（{name}）的考核结果不完整，没有等级：未计算奖金",
    "employee {employee} ({name}) has an incomplete result and no grade: no bonus computed",
)
OVER_BUDGET = problem_type(
    "pay-over-budget",
    "warning",
    "超出奖金池",
    "Over the bonus pool",
    "{pool}的奖金合计 {total}，超出奖金池 {amount}，超支 {over}（{people} 人）",
    "the bonuses of {pool} total {total}, over its pool of {amount} by {over} ({people} people)",
)
