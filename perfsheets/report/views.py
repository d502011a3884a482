"""What the employee report shows: consolidated results + plan -> a plain template context.

Pure functions, no I/O and no WeasyPrint, so every rule a reader relies on is testable here:
which rater groups may be shown (anonymity), who may be named, what counts as a strength, which
consequence a grade has. Templates only lay the data out. Nothing here invents content: every
sentence is either a fixed label or derived from a figure in the results.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from perfsheets.core.i18n import term
from perfsheets.core.model import Kpi, Lang, RaterTypeId
from perfsheets.core.pip import STATES as PIP_STATES
from perfsheets.core.pip import state_word as pip_state_word
from perfsheets.core.results import EmployeeResult, RatedItemResult, TypeScore
from perfsheets.report import charts
from perfsheets.report.context import (
    ANONYMOUS_TYPES,
    APPEAL_STATUS,
    Context,
    _ordered_types,
    fmt_num,
    fmt_pct,
    fmt_plain,
    fmt_weight,
)
from perfsheets.report.trend import trend_view


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
    items: Sequence[RatedItemResult], types: list[RaterTypeId], vis: dict, not_rated: str
) -> list[dict[str, Any]]:
    rows = []
    for item in items:
        rows.append(
            {
                "code": item.code,
                "name": item.name,
                "weight": fmt_weight(item.weight),
                "cells": [_type_cell(item.by_type.get(t), vis[t][0]) for t in types],
                "score": not_rated if item.left_out else fmt_num(item.score),
                "weighted": fmt_num(item.weighted),
                "disagreement": item.high_disagreement,
                "not_rated": item.not_rated > 0,
            }
        )
    return rows


def marks_note(items: Sequence[RatedItemResult], ctx: Context) -> str:
    """The footnote for the marks a rated-item table uses (only those it uses)."""
    t = ctx.t
    notes = []
    if any(i.high_disagreement for i in items):
        flag = fmt_plain(ctx.plan.aggregation.disagreement_flag)
        notes.append(t["disagreement_note"].format(flag=flag))
    if any(i.not_rated for i in items):
        notes.append(
            t["not_rated_note"] + (t["left_out_note"] if any(i.left_out for i in items) else "")
        )
    return " ".join(notes)


def _ids(types: list[RaterTypeId], items: Sequence[RatedItemResult]) -> list[RaterTypeId]:
    """The rater types that rated at least one of these items (the table's columns)."""
    return [t for t in types if any(t in item.by_type for item in items)]


def _present(
    types: list[RaterTypeId], items: Sequence[RatedItemResult], heads: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    wanted = set(_ids(types, items))
    return [h for h in heads if h["id"] in wanted]


def plan_kpis(result: EmployeeResult, ctx: Context) -> dict[str, Kpi]:
    """The plan's KPIs of this person's role by code (direction, rule, English unit)."""
    role = ctx.plan.role_map().get(result.role)
    return {k.code: k for k in role.kpis} if role else {}


def _lower_is_better(kpi: Kpi | None) -> bool:
    """Fewer is better: the plan says so, or the rule deducts per incident (事故、投诉)."""
    return kpi is not None and (kpi.direction == "lower" or kpi.rule.type == "deduction")


def _is_change(kpi: Kpi | None) -> bool:
    return kpi is not None and kpi.rule.type == "change_bands"


def _kpi_rows(result: EmployeeResult, ctx: Context) -> list[dict[str, Any]]:
    changed = {c.kpi_code for c in result.target_changes}
    plan = plan_kpis(result, ctx)
    rows = []
    for k in result.kpis:
        was_changed = k.code in changed or (
            k.original_target is not None and k.original_target != k.target
        )
        kpi = plan.get(k.code)
        rows.append(
            {
                "code": k.code,
                "name": k.name,
                "unit": kpi.unit_text(ctx.lang) if kpi else k.unit,
                "target": fmt_plain(k.target),
                "baseline": fmt_plain(k.baseline),
                "changed": was_changed,
                "actual": fmt_plain(k.actual),
                # A change rule's completion is the change rate against the baseline.
                "change": _is_change(kpi),
                "completion": fmt_pct(k.completion, signed=_is_change(kpi)),
                "lower": _lower_is_better(kpi),
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


def _gaps_empty_text(result: EmployeeResult, ctx: Context, vis: dict) -> str:
    """Why no gap is listed: "they agree" only when there was something to compare."""
    items = [*result.tasks, *result.competencies]
    self_shown = vis.get("self", (False, 0))[0]
    if not self_shown or not any(
        (ts := i.by_type.get("self")) is not None and ts.mean_rating is not None for i in items
    ):
        return ctx.t["no_self_review"]
    if not any(_others_rating(i, vis) is not None for i in items):
        return ctx.t["no_others_review"]
    return ctx.t["no_gaps"]


def _scored_items(result: EmployeeResult, ctx: Context) -> dict[str, tuple[float | None, bool]]:
    """Item name -> (item score, lower is better), as strengths and development areas name
    them (consolidation ranks items by these scores, never by raw values)."""
    plan = plan_kpis(result, ctx)
    out: dict[str, tuple[float | None, bool]] = {}
    for item in [*result.tasks, *result.competencies]:
        out.setdefault(item.name, (item.score, False))
    for k in result.kpis:  # KPIs first where a name is shared
        out[k.name] = (k.score, _lower_is_better(plan.get(k.code)))
    return out


def _ranked(names: Sequence[str], scored: dict, ctx: Context) -> list[dict[str, Any]]:
    """Strengths or development areas with the score that put them there."""
    rows = []
    for name in names:
        score, lower = scored.get(name, (None, False))
        rows.append(
            {
                "name": name,
                "lower": ctx.t["lower_better"] if lower else "",
                "score": "" if score is None else ctx.t["item_points"].format(fmt_num(score, 1)),
                "prefix": ctx.t["reduce_prefix" if lower else "improve_prefix"],
            }
        )
    return rows


def own_development_goals(result: EmployeeResult, vis: dict) -> list[str]:
    """What the employee wrote as a development goal in the self-review (none without one)."""
    if not vis.get("self", (False, 0))[0]:
        return []
    return [
        c.text.strip()
        for g in result.comments
        if g.rater_type == "self"
        for c in g.comments
        if c.field in ("development", "development_goal") and c.text.strip()
    ]


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


def _missing(result: EmployeeResult, ctx: Context) -> str:
    if not result.missing_types:
        return ctx.t["missing_scores"]
    return ctx.type_list(result.missing_types, in_sentence=True)


def _notes(result: EmployeeResult, ctx: Context) -> list[str]:
    t = ctx.t
    notes = []
    if not result.complete:
        key = "incomplete" if result.total_score is not None else "incomplete_no_total"
        notes.append(t[key].format(types=_missing(result, ctx)))
    if result.vetoed_by:
        role = ctx.plan.role_map().get(result.role)
        names = {k.code: k.label(ctx.lang) for k in role.kpis} if role else {}
        sep = ", " if ctx.lang == "en" else "、"
        items = sep.join(names.get(c, c) for c in result.vetoed_by)
        key = "vetoed" if result.grade_by_score else "vetoed_same"
        notes.append(
            t[key].format(
                items=items,
                before=ctx.grade_label(result.grade_by_score),
                after=ctx.grade_label(result.grade),
            )
        )
    notes += _adjustment_notes(result, ctx)
    # The quota's move ends at the consolidated grade; a committee's change is its own note.
    moved = result.grade_before_quota and result.grade_before_quota != result.quota_grade
    if moved and ctx.plan.report.show_quota_move:
        notes.append(
            t["forced"].format(
                before=ctx.grade_label(result.grade_before_quota),
                after=ctx.grade_label(result.quota_grade),
            )
        )
    if result.committee_grade and result.consolidated_grade != result.grade:
        notes.append(
            t["committee"].format(
                before=ctx.grade_label(result.consolidated_grade),
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


def consequence_line(result: EmployeeResult, ctx: Context) -> str:
    """The interview's grade line: the grade and what it means, or why it is still pending."""
    if not result.grade:
        return ctx.t["grade_pending_text"].format(types=_missing(result, ctx))
    text = consequence(result, ctx) or ctx.t["no_consequence"]
    return f"{ctx.grade_label(result.grade)} — {text}"


def _adjustment_notes(result: EmployeeResult, ctx: Context) -> list[str]:
    """What a cap did to this person's 加减分 (nothing when no cap cut anything)."""
    t, notes = ctx.t, []
    role = ctx.plan.role_map().get(result.role)
    for adj in result.adjustments:
        if adj.capped:
            item = adj.name or adj.code
            notes.append(
                t["item_capped"].format(
                    item=item, points=fmt_signed(adj.points), counted=fmt_signed(adj.counted)
                )
            )
    for kind, capped, cap in (
        ("bonus", result.bonus_capped, role.bonus_cap if role else None),
        ("penalty", result.penalty_capped, role.penalty_cap if role else None),
    ):
        if capped and cap is not None:
            total = sum(
                a.counted for a in result.adjustments if (a.counted > 0) == (kind == "bonus")
            )
            notes.append(
                t[f"{kind}_capped"].format(total=fmt_plain(abs(total)), cap=fmt_plain(cap))
            )
    return notes


def fmt_signed(value: float) -> str:
    """+6, −5, 0."""
    text = fmt_plain(abs(value))
    return f"+{text}" if value > 0 else f"−{text}" if value < 0 else text


def _adjustments(result: EmployeeResult) -> dict[str, Any] | None:
    """The person's 加减分项 with a count (None when there are none: nothing is said)."""
    rows = [
        {
            "code": a.code,
            "name": a.name or a.code,
            "unit": a.unit,
            "count": fmt_plain(a.count),
            "per_unit": fmt_signed(a.points_per_unit),
            "points": fmt_signed(a.points),
            "counted": fmt_signed(a.counted),
            "capped": a.capped,
        }
        for a in result.adjustments
        if a.count
    ]
    if not rows:
        return None
    bonus, penalty = result.bonus_points or 0, result.penalty_points or 0
    return {
        "rows": rows,
        "bonus": fmt_plain(bonus) if bonus else "",
        "penalty": fmt_plain(penalty) if penalty else "",
        "net": fmt_signed(result.adjustment_points or 0),
        "weighted": fmt_num(result.weighted_score),
        "has_total": result.weighted_score is not None and result.total_score is not None,
    }


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


def _previous_pip(result: EmployeeResult, ctx: Context) -> str:
    """One line on the PIP an earlier cycle gave this person and its outcome ('' if none)."""
    found = result.previous_pip
    if found is None:
        return ""
    state = pip_state_word(found.state, ctx.lang) if found.state in PIP_STATES else found.state
    return ctx.t["pip_line"].format(
        cycle=(found.cycle_name_en if ctx.lang == "en" else "") or found.cycle_name,
        grade=found.grade,
        start=found.start,
        end=found.end,
        recorded=found.recorded,
        total=found.checkpoints,
        state=state,
    )


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
    scored = _scored_items(result, ctx)
    development = _ranked(dev_areas, scored, ctx)
    plan_rows = [d["prefix"] + d["name"] for d in development[:3]]
    plan_rows += [""] * max(0, 4 - len(plan_rows))
    kpis = _kpi_rows(result, ctx)
    hidden_key = "hidden_note_counted" if ctx.count_hidden else "hidden_note"
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
        "grade_label": ctx.grade_label(result.grade) if result.grade else t["grade_pending"],
        # The card: the code large, the grade's name beside it small (never wrapped).
        "grade_code": result.grade or t["grade_pending"],
        "grade_name": ctx.grades[result.grade].label(ctx.lang)
        if result.grade in ctx.grades
        else "",
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
        "adjusted": _adjustments(result),
        "kpis": [k for k in kpis if not k["change"]],
        "change_kpis": [k for k in kpis if k["change"]],
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
        "tasks": _rated_rows(result.tasks, _ids(types, result.tasks), vis, t["not_rated"]),
        "task_note": marks_note(result.tasks, ctx),
        "competency_types": _present(types, result.competencies, type_heads),
        "competencies": _rated_rows(
            result.competencies, _ids(types, result.competencies), vis, t["not_rated"]
        ),
        "competency_note": marks_note(result.competencies, ctx),
        "ratings_note": t["ratings_note"].format(
            low=fmt_plain(ctx.scale_low), high=fmt_plain(ctx.scale_high)
        ),
        "hidden_note": (
            t[hidden_key].format(n=max(ctx.min_counts.get(tp, 3) for tp in ANONYMOUS_TYPES))
            if hidden_any
            else ""
        ),
        "chart": competency_chart(result, ctx, vis),
        "gaps": _gap_rows(result, ctx),
        "no_gaps": _gaps_empty_text(result, ctx, vis),
        "strengths": _ranked(result.strengths, scored, ctx),
        "development_areas": development,
        "comments": comment_groups(result, ctx, vis),
        "trend": trend_view(result, ctx),
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
        "previous_pip": _previous_pip(result, ctx),
        "agenda": t["agenda_items"].split("|"),
        "consequence": consequence(result, ctx),
        "consequence_line": consequence_line(result, ctx),
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
        "notes_grid": charts.writing_grid([], [1.0], 4, row_height=24, font=ctx.font),
        "own_goals": own_development_goals(result, vis),
        "plan_goals": list(result.development_goals),  # the role's, from the plan
    }


# --- the manager's team overview ---------------------------------------------------------------
