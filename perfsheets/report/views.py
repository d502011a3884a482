"""What the report templates show: consolidated results + plan -> plain template contexts.

Pure functions, no I/O and no WeasyPrint, so every rule a reader relies on is testable here:
which rater groups may be shown (anonymity), who may be named, what counts as a strength, which
consequence a grade has. Templates only lay the data out. Nothing here invents content: every
sentence is either a fixed label or derived from a figure in the results.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from perfsheets.core.flags import flag_text
from perfsheets.core.i18n import TERMS, term
from perfsheets.core.model import RATER_TYPE_ORDER, Grade, Lang, Plan, RaterTypeId
from perfsheets.core.results import EmployeeResult, RatedItemResult, TypeScore
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
    "task_table": ("重点工作", "Key tasks"),
    "competency_table": ("能力与态度（360° 评价）", "Competencies and behaviours (360°)"),
    "numerals": ("一|二|三|四|五|六|七|八|九|十", "1|2|3|4|5|6|7|8|9|10"),
    "numeral_sep": ("、", ". "),
    "colon": ("：", ": "),
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
    "hidden_note": (
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
    "trend_cycle": ("考核周期", "Cycle"),
    "current_cycle": ("（本期）", "(this cycle)"),
    "notes": ("结果说明", "Notes on this result"),
    "incomplete": (
        "结果不完整：缺少{types}评价，已按现有评价人重新分配权重计算。",
        "Incomplete result: no {types} rating; weights were spread over the raters present.",
    ),
    "forced": (
        "按强制分布比例，等级由 {before} 调整为 {after}。",
        "Under the forced distribution the grade moved from {before} to {after}.",
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
    "next_goals": ("下期目标", "Goals for next cycle"),
    "next_goal": ("目标", "Goal"),
    "measure": ("衡量标准 / 目标值", "Measure / target"),
    "own_goals": ("员工填写的个人发展目标", "Development goals the employee wrote"),
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
    "min_score": ("分数线", "Threshold"),
    "people": ("人数", "People"),
    "share": ("占比", "Share"),
    "quota": ("比例上限", "Quota"),
    "by_department": ("按部门分布", "Distribution by department"),
    "incomplete_list": ("结果不完整的员工", "Employees with incomplete results"),
    "missing_types": ("缺少的评价", "Missing ratings"),
    "flag_list": ("需关注的提示", "Flags to look at"),
    "forced_list": ("强制分布调整", "Grades moved by the forced distribution"),
    "grade_before": ("调整前", "Before"),
    "grade_after": ("调整后", "After"),
    "open_appeals": ("申诉", "Appeals"),
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

    @classmethod
    def build(
        cls, plan: Plan, lang: Lang, *, font: str = charts.FONT, logo_url: str | None = None
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
        )

    def grade_label(self, code: str | None) -> str:
        if not code:
            return "—"
        grade = self.grades.get(code)
        return f"{code} {grade.label(self.lang)}" if grade else code

    def type_list(self, types: Iterable[str]) -> str:
        sep = ", " if self.lang == "en" else "、"
        return sep.join(self.type_names.get(t, t) for t in types)


def _competency_scale(plan: Plan):
    scales = plan.scale_map()
    for comp in plan.competencies:
        if comp.scale in scales:
            return scales[comp.scale]
    return plan.scales[0] if plan.scales else None


def _ordered_types(types: Iterable[str]) -> list[RaterTypeId]:
    present = set(types)
    return [t for t in RATER_TYPE_ORDER if t in present]


def group_visibility(result: EmployeeResult, ctx: Context) -> dict[RaterTypeId, tuple[bool, int]]:
    """For each rater type that rated this employee: (may be shown, how many raters).

    Consolidation already marks small groups ``shown=False``; this defends again: an anonymous
    group below the plan's minimum count is hidden even if a result says otherwise.
    """
    counts: dict[str, int] = defaultdict(int)
    shown: dict[str, bool] = defaultdict(lambda: True)
    for item in [*result.tasks, *result.competencies]:
        for t, ts in item.by_type.items():
            counts[t] = max(counts[t], ts.count)
            shown[t] = shown[t] and ts.shown
    for group in result.comments:
        counts.setdefault(group.rater_type, 0)
    out: dict[RaterTypeId, tuple[bool, int]] = {}
    for t in _ordered_types(counts):
        visible = shown[t]
        if t in ANONYMOUS_TYPES and counts[t] < ctx.min_counts.get(t, 3):
            visible = False
        out[t] = (visible, counts[t])
    return out


# --- the employee report ----------------------------------------------------------------------


def _type_cell(ts: TypeScore | None, visible: bool) -> dict[str, Any]:
    if ts is None:
        return {"text": "", "hidden": False}
    if not visible or not ts.shown:
        return {"text": "—", "hidden": True}
    return {"text": fmt_num(ts.mean_rating, 1), "hidden": False}


def _rated_rows(
    items: Sequence[RatedItemResult], types: list[RaterTypeId], vis: dict
) -> list[dict[str, Any]]:
    rows = []
    for item in items:
        rows.append(
            {
                "code": item.code,
                "name": item.name,
                "weight": fmt_weight(item.weight),
                "cells": [_type_cell(item.by_type.get(t), vis[t][0]) for t in types],
                "score": fmt_num(item.score),
                "weighted": fmt_num(item.weighted),
                "disagreement": item.high_disagreement,
            }
        )
    return rows


def _ids(types: list[RaterTypeId], items: Sequence[RatedItemResult]) -> list[RaterTypeId]:
    """The rater types that rated at least one of these items (the table's columns)."""
    return [t for t in types if any(t in item.by_type for item in items)]


def _present(
    types: list[RaterTypeId], items: Sequence[RatedItemResult], heads: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    wanted = set(_ids(types, items))
    return [h for h in heads if h["id"] in wanted]


def _kpi_rows(result: EmployeeResult) -> list[dict[str, Any]]:
    changed = {c.kpi_code for c in result.target_changes}
    rows = []
    for k in result.kpis:
        was_changed = k.code in changed or (
            k.original_target is not None and k.original_target != k.target
        )
        rows.append(
            {
                "code": k.code,
                "name": k.name,
                "unit": k.unit,
                "target": fmt_plain(k.target),
                "changed": was_changed,
                "actual": fmt_plain(k.actual),
                "completion": fmt_pct(k.completion),
                "score": fmt_num(k.score),
                "weight": fmt_weight(k.weight),
                "weighted": fmt_num(k.weighted),
            }
        )
    return rows


def _others_rating(item: RatedItemResult, vis: dict) -> float | None:
    """Mean rating of everyone but self, from the groups that may be shown, by rater count."""
    pairs = [
        (ts.mean_rating, ts.count)
        for t, ts in item.by_type.items()
        if t != "self" and ts.shown and vis.get(t, (False, 0))[0] and ts.mean_rating is not None
    ]
    total = sum(c for _, c in pairs)
    return None if total == 0 else sum(m * c for m, c in pairs) / total


def competency_chart(result: EmployeeResult, ctx: Context, vis: dict) -> Any:
    """Radar (three or more competencies) or bars: self against others."""
    items = result.competencies
    if not items:
        return None
    gaps = {g.code: g for g in result.gaps}
    self_values, other_values = [], []
    for item in items:
        ts = item.by_type.get("self")
        self_ok = ts is not None and ts.shown and vis.get("self", (False, 0))[0]
        self_values.append(ts.mean_rating if ts is not None and self_ok else None)
        gap = gaps.get(item.code)
        other_values.append(gap.others_rating if gap else _others_rating(item, vis))
    series = [
        charts.Series(ctx.t["chart_others"], other_values, charts.PALETTE[0], fill=charts.TINTS[0])
    ]
    if any(v is not None for v in self_values):
        series.append(charts.Series(ctx.t["chart_self"], self_values, charts.PALETTE[1], True))
    names = [i.name for i in items]
    if len(items) >= 3:
        return charts.radar(names, series, ctx.scale_low, ctx.scale_high, font=ctx.font)
    return charts.compare_bars(names, series, ctx.scale_low, ctx.scale_high, font=ctx.font)


def _gap_rows(result: EmployeeResult, ctx: Context) -> list[dict[str, str]]:
    rows = []
    for g in result.gaps:
        if g.kind not in ("blind_spot", "hidden_strength"):
            continue
        values = {
            "self": fmt_num(g.self_rating, 1),
            "others": fmt_num(g.others_rating, 1),
            "gap": fmt_num(abs(g.gap), 1),
        }
        rows.append(
            {
                "kind": g.kind,
                "label": ctx.t[g.kind],
                "name": g.name,
                "text": ctx.t[f"{g.kind}_text"].format(**values),
            }
        )
    return rows


def comment_groups(result: EmployeeResult, ctx: Context, vis: dict) -> list[dict[str, Any]]:
    """Comments by rater type; anonymous groups unnamed, small groups left out (with a note)."""
    groups = []
    by_type = {g.rater_type: g for g in result.comments}
    for t in _ordered_types(by_type):
        group = by_type[t]
        visible, _count = vis.get(t, (t not in ANONYMOUS_TYPES, 0))
        name = ctx.type_names.get(t, t)
        if not visible:
            note = ctx.t["comments_hidden"].format(group=name, n=ctx.min_counts.get(t, 3))
            groups.append({"type": t, "label": name, "hidden": True, "note": note, "entries": []})
            continue
        anonymous = t in ANONYMOUS_TYPES
        items = []
        for c in group.comments:
            if not c.text.strip():
                continue
            author = None
            if not anonymous:
                author = c.author or (
                    result.name if t == "self" else result.manager_name if t == "manager" else None
                )
            items.append(
                {
                    "key": c.field,
                    "field": _field_label(c.field, ctx.lang),
                    "text": c.text,
                    "author": author,
                }
            )
        # Same order on every report: summary first for self, then strengths, then the rest.
        items.sort(key=lambda e: _FIELD_ORDER.get(str(e["key"]), 9))
        groups.append(
            {
                "type": t,
                "label": name,
                "hidden": False,
                "anonymous": anonymous,
                "note": ctx.t["comments_anonymous"] if anonymous else "",
                "entries": items,
            }
        )
    return groups


# Comment fields as consolidation stores them (perfsheets.core.layout.COMMENT_FIELDS).
_FIELD_TERMS = {
    "strengths": "strengths",
    "improvements": "improvements",
    "summary": "summary",
    "development": "development_goal",
    "development_goal": "development_goal",
}
_FIELD_ORDER = {"summary": 0, "strengths": 1, "improvements": 2, "development": 3}


def _field_label(field_name: str, lang: Lang) -> str:
    key = _FIELD_TERMS.get(field_name)
    return term(key, lang) if key else field_name


def _trend(result: EmployeeResult, ctx: Context) -> dict[str, Any] | None:
    # Earlier cycles only (consolidation may end the trend with this cycle: it is added below).
    points = [p for p in result.trend if p.cycle_id != ctx.plan.cycle.id]
    if not points:
        return None
    rows = [
        {"cycle": p.cycle_name or p.cycle_id, "score": fmt_num(p.total_score), "grade": p.grade}
        for p in points
    ]
    rows.append(
        {
            "cycle": ctx.plan.cycle.label(ctx.lang) + ctx.t["current_cycle"],
            "score": fmt_num(result.total_score),
            "grade": result.grade,
        }
    )
    values = [p.total_score for p in points] + [result.total_score]
    known = [v for v in values if v is not None]
    low = max(0.0, math.floor((min(known, default=60) - 10) / 10) * 10)
    high = min(120.0, math.ceil((max(known, default=100) + 5) / 10) * 10)
    chart = charts.line(
        [str(r["cycle"]) for r in rows[:-1]] + [ctx.plan.cycle.label(ctx.lang)],
        values,
        low,
        high,
        notes=[
            f"{fmt_num(v, 1)} {r['grade'] or ''}".strip() for v, r in zip(values, rows, strict=True)
        ],
        width=min(560, 160 + 110 * len(values)),
        height=130,
        font=ctx.font,
    )
    return {"rows": rows, "chart": chart}


def _notes(result: EmployeeResult, ctx: Context) -> list[str]:
    t = ctx.t
    notes = []
    if not result.complete and result.missing_types:
        notes.append(t["incomplete"].format(types=ctx.type_list(result.missing_types)))
    if result.grade_before_quota and result.grade_before_quota != result.grade:
        notes.append(
            t["forced"].format(
                before=ctx.grade_label(result.grade_before_quota),
                after=ctx.grade_label(result.grade),
            )
        )
    if result.calibration and result.calibration != "none":
        notes.append(t["calibrated"].format(method=result.calibration))
    disputed = [i.name for i in [*result.tasks, *result.competencies] if i.high_disagreement]
    if disputed:
        sep = ", " if ctx.lang == "en" else "、"
        notes.append(t["disagreement"].format(items=sep.join(disputed)))
    return notes


def consequence(result: EmployeeResult, ctx: Context) -> str:
    if result.consequence:
        return result.consequence
    grade = ctx.grades.get(result.grade or "")
    return grade.consequence_text(ctx.lang) if grade else ""


def _needs_attention(result: EmployeeResult, ctx: Context) -> bool:
    """Highlight the grade only in the lower half of the plan's grades (with a consequence):
    plans give every grade a consequence, but only the low ones ask for action."""
    codes = [g.code for g in ctx.plan.grading.levels]  # best first
    if result.grade not in codes or not consequence(result, ctx):
        return False
    return codes.index(result.grade) > len(codes) / 2


def _sections(result: EmployeeResult, ctx: Context) -> list[dict[str, str]]:
    rows = []
    for kind in ("kpi", "task", "competency"):
        weight = result.section_weights.get(kind)
        if not weight:
            continue
        score = result.section_scores.get(kind)
        rows.append(
            {
                "name": term(kind, ctx.lang),
                "weight": fmt_weight(weight),
                "score": fmt_num(score),
                "contribution": fmt_num(None if score is None else score * weight / 100),
            }
        )
    return rows


def employee_view(result: EmployeeResult, ctx: Context, anchor: str = "") -> dict[str, Any]:
    """Everything the employee report template shows, already formatted."""
    t = ctx.t
    vis = group_visibility(result, ctx)
    types = list(vis)
    hidden_any = any(not v for v, _ in vis.values())
    dev_areas = list(result.development_areas)
    type_heads = [
        {
            "id": tp,
            "label": ctx.type_names.get(tp, tp),
            "visible": vis[tp][0],
            "count": (
                t["raters_count"].format(vis[tp][1])
                if vis[tp][0]
                else t["raters_hidden"].format(ctx.min_counts.get(tp, 3))
            ),
        }
        for tp in types
    ]
    plan_rows = [t["improve_prefix"] + a for a in dev_areas[:3]]
    plan_rows += [""] * max(0, 4 - len(plan_rows))
    return {
        "anchor": anchor,
        # Only what the page prints: templates never see raw comments or hidden groups.
        "r": {
            "employee_id": result.employee_id,
            "name": result.name,
            "department": result.department,
            "role_name": result.role_name,
            "manager_name": result.manager_name,
        },
        "grade_label": ctx.grade_label(result.grade),
        "grade_class": (result.grade or "none").lower(),
        "total": fmt_num(result.total_score),
        "coefficient": fmt_num(result.coefficient),
        "rank": (
            t["rank_value"].format(result.rank_in_department, result.department_size)
            if result.rank_in_department and result.department_size
            else "—"
        ),
        "percentile": fmt_pct(result.percentile, 0),
        "sections": _sections(result, ctx),
        "kpis": _kpi_rows(result),
        "target_changes": [
            {
                "kpi": next((k.name for k in result.kpis if k.code == c.kpi_code), c.kpi_code),
                "old": fmt_plain(c.old_target),
                "new": fmt_plain(c.new_target),
                "reason": c.reason,
                "approved_by": c.approved_by,
                "changed_at": c.changed_at[:10],
            }
            for c in result.target_changes
        ],
        "types": type_heads,
        "task_types": _present(types, result.tasks, type_heads),
        "tasks": _rated_rows(result.tasks, _ids(types, result.tasks), vis),
        "competency_types": _present(types, result.competencies, type_heads),
        "competencies": _rated_rows(result.competencies, _ids(types, result.competencies), vis),
        "ratings_note": t["ratings_note"].format(
            low=fmt_plain(ctx.scale_low), high=fmt_plain(ctx.scale_high)
        ),
        "hidden_note": (
            t["hidden_note"].format(n=max(ctx.min_counts.get(tp, 3) for tp in ANONYMOUS_TYPES))
            if hidden_any
            else ""
        ),
        "chart": competency_chart(result, ctx, vis),
        "gaps": _gap_rows(result, ctx),
        "strengths": list(result.strengths),
        "development_areas": dev_areas,
        "comments": comment_groups(result, ctx, vis),
        "trend": _trend(result, ctx),
        "notes": _notes(result, ctx),
        "appeals": [
            {
                "status": APPEAL_STATUS.get(a.status, (a.status, a.status))[ctx.lang == "en"],
                "reason": a.reason,
                "outcome": a.note or "",  # the decision itself is the status column
                "decided_at": (a.decided_at or "")[:10],
            }
            for a in result.appeals
        ],
        "agenda": t["agenda_items"].split("|"),
        "consequence": consequence(result, ctx),
        "alert": _needs_attention(result, ctx),
        "plan_grid": charts.writing_grid(
            [t["goal"], t["actions"], t["support"], t["deadline"]],
            [0.24, 0.36, 0.24, 0.16],
            plan_rows,
            font=ctx.font,
        ),
        "goals_grid": charts.writing_grid(
            [t["next_goal"], t["measure"], t["deadline"]], [0.4, 0.4, 0.2], 4, font=ctx.font
        ),
        "notes_grid": charts.writing_grid([], [1.0], 5, row_height=24, font=ctx.font),
        "development_goals": list(result.development_goals),
    }


# --- the manager's team overview ---------------------------------------------------------------


def _grade_counts(results: Iterable[EmployeeResult], ctx: Context) -> list[dict[str, Any]]:
    counts = Counter(r.grade for r in results if r.grade)
    total = sum(counts.values())
    return [
        {
            "code": g.code,
            "name": g.label(ctx.lang),
            "min_score": fmt_plain(g.min_score),
            "coefficient": fmt_num(g.coefficient),
            "quota": fmt_pct(g.quota, 0) if g.quota is not None else "—",
            "count": counts.get(g.code, 0),
            "share": fmt_pct(counts.get(g.code, 0) / total if total else None),
        }
        for g in ctx.plan.grading.levels
    ]


def _distribution_chart(rows: list[dict[str, Any]], ctx: Context, width: float = 300) -> Any:
    return charts.bars(
        [r["code"] for r in rows],
        [r["count"] for r in rows],
        notes=[f"{r['count']} ({r['share']})" if r["count"] else "0" for r in rows],
        width=width,
        font=ctx.font,
    )


def _mean(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.fmean(known) if known else None


def _flags(codes: Iterable[str], ctx: Context) -> str:
    """Flag codes in words (core's catalogue, so every output says the same)."""
    sep = "; " if ctx.lang == "en" else "、"
    # The short form ("盲点", not "盲点（自评明显高于他评）"): these sit in narrow columns.
    return sep.join(re.split(r"（| \(", flag_text(code, ctx.lang))[0] for code in codes)


def _status(r: EmployeeResult, ctx: Context) -> str:
    if r.complete or not r.missing_types:
        return ctx.t["complete"]
    return ctx.t["missing"].format(ctx.type_list(r.missing_types))


def team_view(
    manager_id: str, manager_name: str, team: Sequence[EmployeeResult], ctx: Context
) -> dict[str, Any]:
    """The one-page overview that opens a manager's pack."""
    rows = [
        {
            "id": r.employee_id,
            "name": r.name,
            "role": r.role_name,
            "total": fmt_num(r.total_score),
            "grade": r.grade or "—",
            "coefficient": fmt_num(r.coefficient),
            "rank": (
                f"{r.rank_in_department}/{r.department_size}"
                if r.rank_in_department and r.department_size
                else "—"
            ),
            "status": _status(r, ctx),
            "complete": r.complete,
            "consequence": consequence(r, ctx),
            "flags": _flags(r.flags, ctx),
        }
        for r in sorted(team, key=lambda r: (-(r.total_score or -1), r.employee_id))
    ]
    dist = _grade_counts(team, ctx)
    return {
        "manager_id": manager_id,
        "manager_name": manager_name,
        "size": len(team),
        "average": fmt_num(_mean(r.total_score for r in team)),
        "rows": rows,
        "distribution": dist,
        "chart": _distribution_chart(dist, ctx, width=260),
        "follow_up": [r for r in rows if r["consequence"]],
    }


# --- the HR summary ---------------------------------------------------------------------------


def hr_view(results: Sequence[EmployeeResult], ctx: Context) -> dict[str, Any]:
    """Distribution by grade and department, incomplete results, flags, quota moves, appeals."""
    t = ctx.t
    scores = [r.total_score for r in results if r.total_score is not None]
    dist = _grade_counts(results, ctx)
    by_dept: dict[str, list[EmployeeResult]] = defaultdict(list)
    for r in results:
        by_dept[r.department].append(r)
    codes = [g.code for g in ctx.plan.grading.levels]
    departments = sorted(by_dept)
    dept_rows: list[dict[str, Any]] = []
    for dept in departments:
        members = by_dept[dept]
        counts = Counter(r.grade for r in members)
        dept_rows.append(
            {
                "department": dept,
                "size": len(members),
                "average": fmt_num(_mean(r.total_score for r in members)),
                "counts": [counts.get(c, 0) for c in codes],
                "incomplete": sum(1 for r in members if not r.complete),
            }
        )
    series = [
        charts.Series(code, [row["counts"][i] for row in dept_rows], _grade_color(i, len(codes)))
        for i, code in enumerate(codes)
    ]
    incomplete = [r for r in results if not r.complete]
    flagged = [r for r in results if r.flags]
    moved = [r for r in results if r.grade_before_quota and r.grade_before_quota != r.grade]
    appeals = [(r, a) for r in results for a in r.appeals]
    return {
        "size": len(results),
        "complete": len(results) - len(incomplete),
        "incomplete_count": len(incomplete),
        "average": fmt_num(_mean(scores)),
        "median": fmt_num(statistics.median(scores) if scores else None),
        "distribution": dist,
        "chart": _distribution_chart(dist, ctx, width=320),
        "codes": codes,
        "departments": dept_rows,
        "dept_chart": charts.stacked_bars(departments, series, font=ctx.font)
        if departments
        else None,
        "incomplete": [
            {
                "id": r.employee_id,
                "name": r.name,
                "department": r.department,
                "manager": r.manager_name or "",
                "missing": ctx.type_list(r.missing_types),
            }
            for r in incomplete[:HR_ROW_LIMIT]
        ],
        "incomplete_more": max(0, len(incomplete) - HR_ROW_LIMIT),
        "flagged": [
            {
                "id": r.employee_id,
                "name": r.name,
                "department": r.department,
                "flags": _flags(r.flags, ctx),
            }
            for r in flagged[:HR_ROW_LIMIT]
        ],
        "flagged_more": max(0, len(flagged) - HR_ROW_LIMIT),
        "moved": [
            {
                "id": r.employee_id,
                "name": r.name,
                "department": r.department,
                "total": fmt_num(r.total_score),
                "before": r.grade_before_quota,
                "after": r.grade,
            }
            for r in moved[:HR_ROW_LIMIT]
        ],
        "moved_more": max(0, len(moved) - HR_ROW_LIMIT),
        "appeals": [
            {
                "id": r.employee_id,
                "name": r.name,
                "status": APPEAL_STATUS.get(a.status, (a.status, a.status))[ctx.lang == "en"],
                "reason": a.reason,
            }
            for r, a in appeals[:HR_ROW_LIMIT]
        ],
        "more_rows": t["more_rows"],
    }


def _grade_color(index: int, count: int) -> str:
    """Best grade dark blue through to the lowest in dark orange: readable in grey print too."""
    ramp = ("#08519c", "#3182bd", "#6baed6", "#fdae6b", "#e6550d", "#a63603")
    if count > len(ramp):
        return charts.PALETTE[index % len(charts.PALETTE)]
    return ramp[round(index * (len(ramp) - 1) / max(count - 1, 1))]
