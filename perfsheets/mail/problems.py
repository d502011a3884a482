"""Problems of the mail stage, as data (code + parameters, worded when shown)."""

from __future__ import annotations

from perfsheets.core.problems import problem_type

REPORT_NOT_WRITTEN = problem_type(
    "report-not-written",
    "error",
    "报告未生成",
    "Report not written",
    "{person} {name} 的{what}还没有生成，未发送：请先运行 perfsheets report",
    "The {what} of {person} {name} has not been written, so it was not sent: run perfsheets "
    "report first",
)

REPORT_OUTDATED = problem_type(
    "report-outdated",
    "error",
    "报告不是发布的结果",
    "Report not of the released results",
    "{person} {name} 的{what}（{path}）不是按已发布的结果生成的，未发送：请重新运行 "
    "perfsheets report",
    "The {what} of {person} {name} ({path}) does not show the released results, so it was not "
    "sent: run perfsheets report again",
)

REPORT_CHANGED = problem_type(
    "report-changed",
    "error",
    "报告文件已改动",
    "Report file changed",
    "{person} {name} 的{what}（{path}）在生成后被改动或删除，未发送：请重新运行 perfsheets report",
    "The {what} of {person} {name} ({path}) was changed or removed after it was written, so it "
    "was not sent: run perfsheets report again",
)
