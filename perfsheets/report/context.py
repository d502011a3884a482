"""The report context: labels in both languages, number formats, and what every view needs
to know of the plan (grades, rater types, scales). Pure: no I/O."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from perfsheets.core.i18n import TERMS, term
from perfsheets.core.model import RATER_TYPE_ORDER, Grade, Lang, Plan, RaterTypeId
from perfsheets.report import charts

# Rater groups whose members must never be named, whatever the plan says.
ANONYMOUS_TYPES: frozenset[str] = frozenset({"peer", "subordinate", "customer"})

LABELS: dict[str, tuple[str, str]] = {
    "title": ("绩效面谈报告", "Performance review report"),
    "confidential": ("保密", "Confidential"),
    "page": ("第 {} 页", "Page {}"),
    "report_date": ("报告日期", "Report date"),
    "period": ("考核期间", "Period"),
    "manager": ("直接上级", "Manager"),
    "total_score": ("综合得分", "Total score"),
    "grade": ("绩效等级", "Grade"),
    "coefficient": ("绩效系数", "Bonus coefficient"),
    "rank": ("部门排名", "Rank in department"),
    "percentile": ("百分位", "Percentile"),
    "rank_value": ("第 {} 名 / 共 {} 人", "{} of {}"),
    "section_scores": ("得分构成", "Score composition"),
    "section": ("考核维度", "Part"),
    "section_weight": ("维度权重", "Part weight"),
    "section_score": ("维度得分", "Part score"),
    "contribution": ("计入总分", "Counts toward total"),
    "kpi_table": ("关键绩效指标（KPI）", "Key performance indicators (KPI)"),
    "adjustment_table": ("加减分项", "Bonus and penalty points"),
    "adjustment_note": (
        "加减分项在权重之外另行加减：总分 = 加权得分 + 加分 − 减分。",
        "Bonus and penalty points are outside the weights: total = weighted score + bonus − penalty.",
    ),
    "weighted_score": ("加权得分", "weighted score"),
    "bonus": ("加分", "bonus"),
    "penalty": ("减分", "penalty"),
    "count": ("次数", "Count"),
    "per_unit": ("每单位分值", "Points per unit"),
    "adj_points": ("分值", "Points"),
    "adj_counted": ("计入", "Counted"),
    "comma": ("，", ", "),
    "task_table": ("重点工作", "Key tasks"),
    "competency_table": ("能力与态度（360° 评价）", "Competencies and behaviours (360°)"),
    "numerals": ("一|二|三|四|五|六|七|八|九|十|十一|十二", "1|2|3|4|5|6|7|8|9|10|11|12"),
    "numeral_sep": ("、", ". "),
    "colon": ("：", ": "),
    "list_sep": ("；", "; "),
    "paren": ("（{}）", " ({})"),
    "unit": ("单位", "Unit"),
    "name_unit": ("名称（单位）", "Name (unit)"),
    "completion": ("完成率", "Completion"),
    "item_score": ("单项得分", "Item score"),
    "weighted": ("加权得分", "Weighted"),
    "combined": ("综合得分", "Combined"),
    "target_changes": ("考核期内目标调整", "Target changes during the cycle"),
    "old_target": ("原目标", "Old target"),
    "new_target": ("新目标", "New target"),
    "reason": ("原因", "Reason"),
    "approved_by": ("批准人", "Approved by"),
    "changed_at": ("调整日期", "Date"),
    "target_changed_note": (
        "* 目标在考核期内经批准调整，详见下表。",
        "* Target changed during the cycle with approval; see below.",
    ),
    "ratings_note": (
        "评分为各类评价人的平均分（量表 {low}–{high}），综合得分换算为百分制。",
        "Ratings are each rater group's mean on the {low}–{high} scale; combined scores are "
        "on 0–100.",
    ),
    "disagreement_note": (
        "† 评价人之间分歧较大（评分的标准差不低于 {flag}），面谈时宜了解原因。",
        "† Raters disagree widely (standard deviation of the ratings {flag} or more): worth "
        "asking why in the interview.",
    ),
    "not_rated_note": (
        "‡ 有评价人选择“无法评价”：该项按作出评分的评价人计算。",
        "‡ Some raters answered N/A: the item is scored from those who rated it.",
    ),
    "left_out_note": (
        "无人评分的项目不计分，本部分得分按其余项目的权重计算。",
        "An item nobody rated is left out; the section score is weighted over the other items.",
    ),
    "not_rated": ("无法评价", "N/A"),
    "hidden_note": (
        "— 表示该类评价人少于 {n} 人，为保护匿名不单独显示，其评分也未计入综合得分（以免由总分反推）。",
        "— means fewer than {n} raters of that group: not shown, and their ratings are not "
        "counted in the combined score either (so they cannot be worked out from it).",
    ),
    "hidden_note_counted": (
        "— 表示该类评价人少于 {n} 人，为保护匿名不单独显示（其评分已计入综合得分）。",
        "— means fewer than {n} raters of that group: not shown separately to protect anonymity "
        "(their ratings count in the combined score).",
    ),
    "raters": ("评价人", "Raters"),
    "raters_count": ("{} 人", "{}"),
    "raters_hidden": ("不足 {} 人，不单独显示", "fewer than {}, not shown"),
    "chart_self": ("自评", "Self"),
    "chart_others": ("他评（上级、同事等）", "Others (manager, peers ...)"),
    "gaps": ("自我认知对比", "Self-perception"),
    "blind_spot": ("盲点", "Blind spot"),
    "hidden_strength": ("潜在优势", "Hidden strength"),
    "blind_spot_text": (
        "自评 {self} 明显高于他人评价 {others}（相差 {gap}）",
        "self {self} well above others' {others} (gap {gap})",
    ),
    "hidden_strength_text": (
        "他人评价 {others} 明显高于自评 {self}（相差 {gap}）",
        "others' {others} well above self {self} (gap {gap})",
    ),
    "no_gaps": (
        "自评与他人评价基本一致，未发现明显盲点或潜在优势。",
        "Self and others broadly agree: no blind spot or hidden strength.",
    ),
    "no_self_review": (
        "没有收到自评，无法对比自我认知。",
        "No self-review was returned: self and others cannot be compared.",
    ),
    "no_others_review": (
        "没有可显示的他人评价，无法对比自我认知。",
        "No ratings by others can be shown: self and others cannot be compared.",
    ),
    "strengths": ("优势（得分最高的项目）", "Strengths (highest-scored items)"),
    "development_areas": (
        "待发展领域（得分最低的项目）",
        "Development areas (lowest-scored items)",
    ),
    "comments": ("评语", "Comments"),
    "comments_anonymous": (
        "（匿名，顺序已打乱）",
        "(anonymous, in shuffled order)",
    ),
    "comments_hidden": (
        "{group}评价人少于 {n} 人，为保护匿名不显示其评语。",
        "Fewer than {n} {group} raters: their comments are not shown to protect anonymity.",
    ),
    "no_comments": ("没有评语。", "No comments."),
    "trend": ("历史趋势", "Trend over cycles"),
    "training_needs": ("培训需求", "Training needs"),
    "training_rank": ("排名", "Rank"),
    "competency": ("能力", "Competency"),
    "training_below": ("低于阈值 / 有得分", "Below threshold / scored"),
    "company_scope": ("全公司", "Company"),
    "training_note": (
        "全公司和每个部门平均分最低的 {top} 项能力（综合得分，百分制）；“低于阈值”为该项得分低于 {threshold} 分的人数。",
        "The {top} competencies with the lowest mean for the company and each department "
        "(combined scores, 0-100); 'below threshold' counts the people scoring under {threshold}.",
    ),
    "trend_of": ("历史趋势（{kind}考核）", "Trend over {kind} cycles"),
    "kinds_sep": ("、", " or "),
    "trend_other_periods": (
        "另有 {n} 个{kinds}考核周期的结果未画入：周期类型不同，分数不宜直接比较（{cycles}）。",
        "{n} {kinds} cycle(s) not drawn: a different kind of period, whose scores do not compare "
        "directly ({cycles}).",
    ),
    "trend_cycle": ("考核周期", "Cycle"),
    "current_cycle": ("（本期）", "(this cycle)"),
    "notes": ("结果说明", "Notes on this result"),
    "incomplete": (
        "结果不完整：缺少{types}。综合得分按现有评价人重新分配权重计算，仅供参考。",
        "Incomplete result: missing {types}. The total spreads the weights over the raters "
        "present and is provisional.",
    ),
    "incomplete_no_total": (
        "结果不完整：缺少{types}，无法计算综合得分。",
        "Incomplete result: missing {types}, so no total can be worked out.",
    ),
    "missing_scores": ("部分评分", "some ratings"),
    "grade_pending": ("待定", "Pending"),
    "grade_pending_text": (
        "等级待定：结果不完整（缺少{types}），补齐后确定等级及其后续安排。",
        "Grade pending: the result is incomplete (missing {types}); the grade and what it means "
        "follow once it is complete.",
    ),
    "bonus_capped": (
        "加分合计 {total} 分，超过岗位上限 {cap} 分，按 {cap} 分计入总分。",
        "The bonus points add up to {total}, over the role's cap of {cap}: {cap} count.",
    ),
    "penalty_capped": (
        "减分合计 {total} 分，超过岗位上限 {cap} 分，按 {cap} 分计入总分。",
        "The penalty points add up to {total}, over the role's cap of {cap}: {cap} count.",
    ),
    "item_capped": (
        "{item}：{points} 分超过单项上限，按 {counted} 分计。",
        "{item}: {points} points, over the item's cap: {counted} count.",
    ),
    "vetoed": (
        "一票否决：{items}触发否决条件，等级定为 {after}（按得分应为 {before}）。",
        "Veto: {items} met the veto condition, so the grade is {after} "
        "(the score alone gives {before}).",
    ),
    "vetoed_same": (
        "一票否决：{items}触发否决条件，等级为 {after}，不论得分。",
        "Veto: {items} met the veto condition, so the grade is {after} whatever the score.",
    ),
    "forced": (
        "按强制分布比例，等级由 {before} 调整为 {after}。",
        "Under the forced distribution the grade moved from {before} to {after}.",
    ),
    "committee": (
        "绩效评定委员会在校准会上将等级由 {before} 调整为 {after}。",
        "At calibration the appraisal committee changed the grade from {before} to {after}.",
    ),
    "calibrated": (
        "评分已按评价人尺度校准（{method}）。",
        "Ratings were calibrated for rater leniency ({method}).",
    ),
    "disagreement": (
        "评价人之间分歧较大的项目：{items}。",
        "Raters disagreed strongly on: {items}.",
    ),
    "appeals": ("申诉记录", "Appeals"),
    "previous_pip": ("上期绩效改进计划", "Improvement plan of the previous cycle"),
    "pip_line": (
        "{cycle}：因等级 {grade} 制定绩效改进计划（{start} 至 {end}），已完成检查点 {recorded}/{total}，结论：{state}。",
        "{cycle}: improvement plan after grade {grade} ({start} to {end}); checkpoints recorded "
        "{recorded}/{total}; outcome: {state}.",
    ),
    "pip_counts": ("上期绩效改进计划", "Improvement plans of the previous cycle"),
    "pip_state": ("结论", "Outcome"),
    "pip_count": ("人数", "People"),
    "appeal_status": ("状态", "Status"),
    "appeal_outcome": ("处理结果", "Outcome"),
    "interview": ("绩效面谈", "Review meeting"),
    "agenda": ("面谈议程", "Agenda"),
    "agenda_items": (
        "回顾本期结果：逐项确认 KPI、重点工作和能力评价|分析原因：做得好的地方和差距的原因"
        "|制定改进计划：明确目标、行动、所需支持和完成时间|确定下期目标：KPI、重点工作和个人发展目标",
        "Review the results: KPIs, key tasks and competency ratings|Discuss causes: what went "
        "well and why gaps arose|Agree an improvement plan: goals, actions, support, deadlines"
        "|Set next cycle's goals: KPIs, key tasks and a development goal",
    ),
    "meeting_notes": (
        "面谈记录（原因分析、双方意见）",
        "Meeting notes (causes, both sides' views)",
    ),
    "consequence": ("等级结果", "What the grade means"),
    "no_consequence": ("无特别要求。", "No special action required."),
    "improvement_plan": ("改进计划", "Improvement plan"),
    "goal": ("改进目标", "Goal"),
    "actions": ("具体行动", "Actions"),
    "support": ("所需支持", "Support needed"),
    "deadline": ("完成时间", "Deadline"),
    "improve_prefix": ("提升：", "Improve: "),
    "reduce_prefix": ("降低：", "Reduce: "),
    "lower_better": ("越低越好", "lower is better"),
    "item_points": ("{} 分", "{} pts"),
    "change_table": ("与基期对比的指标", "Indicators measured against a baseline"),
    "change_rate": ("变化率", "Change rate"),
    "change_note": (
        "变化率 =（实际值 − 基期值）÷ 基期值；越低越好的指标为（基期值 − 实际值）÷ 基期值。",
        "Change rate = (actual − baseline) ÷ baseline; for lower-is-better indicators "
        "(baseline − actual) ÷ baseline.",
    ),
    "next_goals": ("下期目标", "Goals for next cycle"),
    "next_goal": ("目标", "Goal"),
    "measure": ("衡量标准 / 目标值", "Measure / target"),
    "own_goals": ("员工填写的个人发展目标", "Development goals the employee wrote"),
    "plan_goals": (
        "本岗位的发展重点（考核方案）",
        "Development focus for the role (from the plan)",
    ),
    "signatures": ("确认签字", "Signatures"),
    "sign_employee": ("员工签字", "Employee"),
    "sign_manager": ("上级签字", "Manager"),
    "sign_date": ("日期", "Date"),
    "sign_note": (
        "签字表示双方已完成面谈并知悉结果；如有异议，员工可按公司制度提出申诉。",
        "Signing confirms that the meeting took place and the result is known; the employee may "
        "appeal under company policy.",
    ),
    "none": ("无", "None"),
    # manager pack
    "team_title": ("团队绩效概览", "Team overview"),
    "team_size": ("团队人数", "Team size"),
    "team_average": ("团队平均分", "Team average"),
    "team_distribution": ("等级分布", "Grade distribution"),
    "status": ("状态", "Status"),
    "complete": ("完整", "Complete"),
    "missing": ("缺少：{}", "Missing: {}"),
    "flags": ("提示", "Flags"),
    "action_needed": ("等级结果与后续安排", "What the grades mean"),
    "grade_pre_quota": ("分布前等级", "Grade by score"),
    "grade_final": ("最终等级", "Final grade"),
    "moved_note": (
        "* 按强制分布比例调整后的等级；分布前等级为按得分所得的等级。",
        "* Moved by the forced distribution; 'grade by score' is the grade before it.",
    ),
    "reports_follow": (
        "以下各页为团队成员的面谈报告。",
        "The team members' review reports follow.",
    ),
    # HR summary
    "hr_title": ("绩效结果汇总（人力资源）", "Appraisal results summary (HR)"),
    "employees": ("参评人数", "Employees"),
    "complete_count": ("结果完整", "Complete results"),
    "incomplete_count": ("结果不完整", "Incomplete results"),
    "average": ("平均分", "Average"),
    "median": ("中位数", "Median"),
    "by_grade": ("按等级分布", "Distribution by grade"),
    "min_score": ("分数线", "Min. score"),
    "people": ("人数", "People"),
    "share": ("占比", "Share"),
    "quota": ("比例", "Quota"),
    "by_department": ("按部门分布", "Distribution by department"),
    "incomplete_list": ("结果不完整的员工", "Employees with incomplete results"),
    "missing_types": ("缺少的评价", "Missing ratings"),
    "flag_list": ("需关注的提示", "Flags to look at"),
    "forced_list": ("强制分布调整", "Grades moved by the forced distribution"),
    "grade_before": ("调整前", "Before"),
    "grade_after": ("调整后", "After"),
    "open_appeals": ("申诉", "Appeals"),
    "calibration_list": ("绩效评定委员会的校准决定", "Calibration committee's decisions"),
    "calibration_note": (
        "“汇总等级”为汇总（含强制分布）给出的等级；“校准后”为委员会定的等级，未被取代的即为最终等级。"
        "已被后续决定取代的决定保留在列表中，标为“已取代”。",
        "'Consolidated' is the grade consolidation (with the forced distribution) gave; "
        "'Committee' is the grade the committee set, the final grade unless superseded. "
        "Decisions superseded by a later file stay listed, marked 'superseded'.",
    ),
    "consolidated_grade": ("汇总等级", "Consolidated"),
    "committee_grade": ("校准后", "Committee"),
    "decided_by": ("决定人", "Decided by"),
    "decided_at": ("日期", "Date"),
    "superseded": ("已取代", "superseded"),
    "beyond_quota": ("超出比例（计划允许）", "beyond the quota (the plan allows it)"),
    "more_rows": (
        "……另有 {} 行，完整名单见 results/results.xlsx。",
        "... {} more rows: see results/results.xlsx for the full list.",
    ),
    "nothing": ("无。", "None."),
}

APPEAL_STATUS = {
    "open": ("处理中", "Open"),
    "upheld": ("申诉成立", "Upheld"),
    "rejected": ("维持原结果", "Rejected"),
}

HR_ROW_LIMIT = 300


def labels(lang: Lang) -> dict[str, str]:
    """All report labels in one language (templates read ``t.key``)."""
    index = 1 if lang == "en" else 0
    words = {key: pair[index] for key, pair in TERMS.items()}
    words.update({key: pair[index] for key, pair in LABELS.items()})
    return words


# --- number formatting (also Jinja filters) -----------------------------------------------------


def fmt_num(value: float | None, places: int = 2) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    text = f"{value:,.{places}f}"
    return text


def fmt_plain(value: float | None) -> str:
    """A target or actual as HR typed it: no trailing zeros, thousands separated."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def fmt_pct(value: float | None, places: int = 1, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    sign = "+" if signed and value > 0 else ""
    return f"{sign}{value * 100:.{places}f}%"


def fmt_weight(value: float | None) -> str:
    """A weight in percent, at most one decimal (16.6667 -> 16.7%)."""
    return "—" if value is None else f"{fmt_plain(round(value, 1))}%"


# --- shared helpers ---------------------------------------------------------------------------


@dataclass
class Context:
    """What every view needs from the plan, computed once per render."""

    plan: Plan
    lang: Lang
    t: dict[str, str]
    grades: dict[str, Grade]
    type_names: dict[str, str]
    min_counts: dict[str, int]
    scale_low: float
    scale_high: float
    font: str = charts.FONT
    today: dt.date = field(default_factory=dt.date.today)
    logo_url: str | None = None
    # The run's state, for the HR summary: forms still outstanding when it was consolidated.
    outstanding: dict[str, Any] = field(default_factory=dict)
    provisional: bool = False
    # Whether consolidation counted rater groups below the anonymity minimum (--count-hidden).
    count_hidden: bool = False

    @classmethod
    def build(
        cls,
        plan: Plan,
        lang: Lang,
        *,
        font: str = charts.FONT,
        logo_url: str | None = None,
        count_hidden: bool = False,
    ) -> Context:
        rater_types = plan.rater_type_map()
        names: dict[str, str] = {t: term(t, lang) for t in RATER_TYPE_ORDER}
        names.update({t.id: t.label(lang) for t in plan.rater_types})
        values = [v for s in plan.scales for v in s.values] or [1, 5]
        scale = _competency_scale(plan)
        low, high = (min(scale.values), max(scale.values)) if scale else (min(values), max(values))
        return cls(
            plan=plan,
            lang=lang,
            t=labels(lang),
            grades={g.code: g for g in plan.grading.levels},
            type_names=names,
            min_counts={t: rater_types[t].min_count if t in rater_types else 3 for t in names},
            scale_low=float(low),
            scale_high=float(high),
            font=font,
            logo_url=logo_url,
            count_hidden=count_hidden,
        )

    def grade_label(self, code: str | None) -> str:
        if not code:
            return "—"
        grade = self.grades.get(code)
        return f"{code} {grade.label(self.lang)}" if grade else code

    def type_list(self, types: Iterable[str], *, in_sentence: bool = False) -> str:
        """Rater types by name; ``in_sentence``: as English writes them mid-sentence ("missing
        self, manager"), acronyms kept."""
        sep = ", " if self.lang == "en" else "、"
        names = [self.type_names.get(t, t) for t in types]
        if in_sentence and self.lang == "en":
            names = [n if n[1:2].isupper() else n[:1].lower() + n[1:] for n in names]
        return sep.join(names)


def _competency_scale(plan: Plan):
    scales = plan.scale_map()
    for comp in plan.competencies:
        if comp.scale in scales:
            return scales[comp.scale]
    return plan.scales[0] if plan.scales else None


def _ordered_types(types: Iterable[str]) -> list[RaterTypeId]:
    present = set(types)
    return [t for t in RATER_TYPE_ORDER if t in present]
