"""The summary of a consolidation run: distributions, department figures, the rules in words."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from perfsheets.consolidation import fairness
from perfsheets.consolidation.history import (
    CycleRecord,
)
from perfsheets.core.i18n import term, tr
from perfsheets.core.model import Lang, Plan
from perfsheets.core.results import EmployeeResult
from perfsheets.core.statistics import department_figures, grade_codes, group_figures
from perfsheets.ledger.workspace import now

if TYPE_CHECKING:
    import pandas as pd


# --- summary and storage ------------------------------------------------------------------------


def build_summary(
    plan: Plan,
    results: list[EmployeeResult],
    ratings: pd.DataFrame,
    leniency: pd.DataFrame,
    cal: fairness.Calibration,
    quota: dict[str, Any],
    history: Sequence[CycleRecord],
    lang: Lang,
) -> dict[str, Any]:
    """The run's summary (``runs.summary_json``; read it with ``results.run_summary``).

    Keys: ``cycle`` {id, name, period, start, end, company}; ``computed_at``; ``employees``;
    ``complete`` (count); ``incomplete`` [{employee_id, missing_types, flags}];
    ``distribution`` and ``distribution_before_quota`` {grade: count}, best grade first;
    ``company`` and ``departments`` (in the plan's order) {department, employees, complete, mean,
    median, std, min, max, grades, grades_before_quota} (:mod:`perfsheets.core.statistics`);
    ``calibration`` {method, pool_mean, pool_std, calibrated_raters, uncalibrated_raters,
    min_ratees}; ``leniency`` [{rater, rtype, ratings, ratees, mean_rating, others_mean,
    difference, flagged}]; ``reliability`` {rater type: {alpha, units, ratings}};
    ``quota`` {enabled, mode, group_by, min_group_size, tie_rule, groups, unforced,
    moves [{employee_id, group, from, to, total_score}]}; ``previous_cycles``; and, added by
    :func:`compute`, ``ignored_entries``, ``anonymity`` {hidden_groups} and ``rules``
    {topic: sentence in the plan's language}.
    """
    company = group_figures(results, grade_codes(plan))
    c = plan.cycle
    return {
        "cycle": {
            "id": c.id,
            "name": c.label(lang),
            "period": c.period,
            "start": c.start.isoformat(),
            "end": c.end.isoformat(),
            "company": plan.company.name,
        },
        "computed_at": now(),
        "employees": len(results),
        "complete": sum(1 for r in results if r.complete),
        "incomplete": [
            {
                "employee_id": r.employee_id,
                "missing_types": list(r.missing_types),
                "flags": [f for f in r.flags if f != "incomplete"],
            }
            for r in results
            if not r.complete
        ],
        "distribution": company.grades,
        "distribution_before_quota": company.grades_before_quota,
        "company": company.as_dict(),
        "departments": [d.as_dict() for d in department_figures(results, plan)],
        "calibration": cal.as_dict(),
        "leniency": _records(leniency),
        "reliability": fairness.reliability_by_type(ratings) if len(ratings) else {},
        "quota": quota,
        "previous_cycles": [
            {
                "cycle_id": h.cycle.id,
                "name": h.cycle.label(lang),
                "period": h.cycle.period,
                "end": h.cycle.end.isoformat(),
                "workspace": str(h.workspace),
            }
            for h in history
        ],
    }


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in df.to_dict("records"):
        out.append({str(k): (v.item() if hasattr(v, "item") else v) for k, v in row.items()})
    return out


def rules_text(plan: Plan, calibration: str, count_hidden: bool, lang: Lang) -> dict[str, str]:
    """The rules this run used, in words HR can read out to an employee."""
    a, fd = plan.aggregation, plan.grading.forced_distribution
    levels = sorted(plan.grading.levels, key=lambda g: g.min_score, reverse=True)
    quotas = [g.quota for g in levels]
    mode = fairness.quota_mode(quotas, [g.quota_kind for g in levels])
    t = lambda zh, en: tr(lang, zh, en)  # noqa: E731
    order = [term(rtype, lang) for rtype in a.kpi_actual_priority]
    rules = {
        "kpi": t(
            f"KPI 得分按指标的计分规则由实际值计算；导入的实际值优先，其次按 {'、'.join(order)} 的顺序取填写值",
            f"KPI scores follow each KPI's rule from the actual; imported actuals win, then typed ones in the order {', '.join(order)}",
        ),
        "trim": t(
            f"同一类评价人达到 {a.trim_min_count} 人及以上时，去掉一个最高分和一个最低分后取平均",
            f"With {a.trim_min_count} or more raters of one type, the single highest and lowest are dropped before the mean",
        ),
        "types": t(
            "各类评价人的得分按权重加权，权重在实际有评分的类型间重新归一；缺少必需的评价人类型时结果不完整、不评等级",
            "Rater types are weighted by their weights, renormalised over the types present; a missing required type leaves the result incomplete and ungraded",
        ),
        "rounding": t(
            f"每一级得分先四舍五入到 {a.decimals} 位小数再参与下一步计算",
            f"Every figure is rounded half up to {a.decimals} decimals before the next step uses it",
        ),
        "anonymity": t(
            "人数低于最少人数的匿名评价组不单独显示、评语不显示，"
            + ("但仍计入得分" if count_hidden else "也不计入得分（以免由总分反推）"),
            "Rater groups below their minimum count are not shown and their comments are withheld; "
            + (
                "they still count in the score"
                if count_hidden
                else "they do not count in the score either (it could be worked back from the total)"
            ),
        ),
        "calibration": t(
            "未做评价人校准"
            if calibration == "none"
            else f"Z 分数校准：评价了至少 {a.calibration_min_ratees} 人的评价人，其评分换算到全体评分的均值和标准差",
            "No rater calibration"
            if calibration == "none"
            else f"Z-score calibration: raters who rated at least {a.calibration_min_ratees} people are put on the pooled mean and spread",
        ),
        "leniency": t(
            f"评价了至少 {a.calibration_min_ratees} 人（且有他人同评）的评价人列入宽严度表；其平均分与同一批被评人其他评价人的平均分相差 {a.leniency_flag} 分（量表分）及以上时标记",
            f"Raters who rated at least {a.calibration_min_ratees} people that others rated too are listed; flagged when their mean rating differs from the other raters of the same people by {a.leniency_flag} scale points or more",
        ),
        "disagreement": t(
            f"同一项目他评分数的标准差达到 {a.disagreement_flag} 时标记为分歧较大",
            f"An item is flagged for disagreement when the others' ratings have a standard deviation of {a.disagreement_flag} or more",
        ),
        "gap": t(
            f"某项目自评比他评高 {a.blind_spot_gap} 分及以上、且超出他评人之间的标准差时为盲点，低同样多为潜在优势；至少 {a.blind_spot_min_items} 个项目如此时才标记此人",
            f"An item where self is {a.blind_spot_gap} scale points or more above the others, and beyond the others' own spread, is a blind spot (as far below: a hidden strength); a person is flagged with {a.blind_spot_min_items} or more such items",
        ),
    }
    if fd.enabled:
        how = t(
            "按名次和固定比例分配（各等级人数由最大余数法计算，可上可下）"
            if mode == "exact"
            else "比例上限：等级人数不超过上限（超出者按分数降到下一等级，不会有人被调高）；"
            "比例下限：人数不足时从相邻等级按名次调入最少的人数",
            "ranked and split by fixed shares (head counts by largest remainder; people can move up or down)"
            if mode == "exact"
            else "a maximum share caps a grade (the lowest scores move down a grade; nobody is lifted); "
            "a minimum share, where not met, takes the fewest people needed from the next grade by rank",
        )
        tie = t(
            "同分者都保留在较好的等级" if fd.tie_rule == "favour_employee" else "同分按工号排序",
            "equal scores all stay in the better grade"
            if fd.tie_rule == "favour_employee"
            else "equal scores are ordered by employee id",
        )
        unit_zh = {"department": "部门", "role": "岗位", "all": "全公司"}[fd.group_by]
        unit_en = {"department": "department", "role": "role", "all": "whole company"}[fd.group_by]
        rules["forced_distribution"] = t(
            f"强制分布：按{unit_zh}分组，不足 {fd.min_group_size} 人的组合并；{how}；{tie}",
            f"Forced distribution per {unit_en}, groups under {fd.min_group_size} pooled; {how}; {tie}",
        )
    return rules
