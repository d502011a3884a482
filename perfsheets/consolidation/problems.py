"""Problems of a year roll-up, as data (rendered in the reader's language)."""

from __future__ import annotations

from perfsheets.core.problems import problem_type

MISSING_PERIODS = problem_type(
    "rollup-missing-periods",
    "error",
    "缺少考核周期",
    "Periods missing",
    "{employee}（{name}）缺少 {periods} 的结果：年度汇总规则要求 {expected}",
    "{employee} ({name}) has no result for {periods}: the roll-up rule asks for {expected}",
)
UNRELATED_CYCLES = problem_type(
    "rollup-unrelated-cycles",
    "error",
    "周期不属于同一年度",
    "Cycles of different years or companies",
    "{cycle}（{company}，{year} 年）与其他周期（{expected_company}，{expected_year} 年）不属于同一公司的同一年度",
    "{cycle} ({company}, {year}) is not of the same company and year as the others "
    "({expected_company}, {expected_year})",
)
DUPLICATE_PERIOD = problem_type(
    "rollup-duplicate-period",
    "error",
    "同一期间有两个周期",
    "Two cycles for one period",
    "{period} 有两个周期：{first} 和 {second}，只能保留一个",
    "{period} has two cycles, {first} and {second}: keep one",
)
