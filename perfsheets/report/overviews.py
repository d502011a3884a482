"""What the manager packs' overviews and the HR summary show: a team or the whole company's
results as plain template contexts (pure, like :mod:`perfsheets.report.views`)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from perfsheets.core.calibration import decision_reason
from perfsheets.core.consequences import COMPANY, training_needs
from perfsheets.core.flags import FLAG_TEXT, flag_text
from perfsheets.core.i18n import tr
from perfsheets.core.pip import STATES as PIP_STATES
from perfsheets.core.pip import state_word as pip_state_word
from perfsheets.core.quotas import grade_quota_kinds, quota_text
from perfsheets.core.results import EmployeeResult
from perfsheets.core.statistics import (
    department_figures,
    grade_codes,
    group_figures,
    population_note,
)
from perfsheets.report import charts
from perfsheets.report.context import (
    APPEAL_STATUS,
    HR_ROW_LIMIT,
    Context,
    fmt_num,
    fmt_pct,
    fmt_plain,
)
from perfsheets.report.views import consequence


def _grade_counts(results: Iterable[EmployeeResult], ctx: Context) -> list[dict[str, Any]]:
    counts = Counter(r.grade for r in results if r.grade)
    total = sum(counts.values())
    kinds = grade_quota_kinds(ctx.plan.grading.levels)
    return [
        {
            "code": g.code,
            "name": g.label(ctx.lang),
            "min_score": fmt_plain(g.min_score),
            "coefficient": fmt_num(g.coefficient),
            "quota": quota_text(g.quota, kinds[g.code], ctx.lang),
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


_FLAG_ORDER = {code: i for i, code in enumerate(FLAG_TEXT)}


def _flag_counts(results: Iterable[EmployeeResult], ctx: Context) -> list[dict[str, Any]]:
    """How many people carry each kind of flag, in the catalogue's order."""
    counts = Counter(flag for r in results for flag in set(r.flags))
    return [
        {"flag": flag_text(code, ctx.lang), "count": counts[code]}
        for code in sorted(counts, key=lambda c: _FLAG_ORDER.get(c, 99))
    ]


def _provisional(ctx: Context) -> str:
    """The warning an HR output carries while forms are outstanding (empty when final)."""
    if not ctx.provisional:
        return ""
    out = ctx.outstanding
    depts = out.get("departments", {})
    external = tr(ctx.lang, "外部评价人", "external raters")  # raters outside the roster
    where = ("、" if ctx.lang != "en" else ", ").join(
        f"{d or external} {n}" for d, n in depts.items()
    )
    return tr(
        ctx.lang,
        f"临时结果：汇总时还有 {out.get('forms', 0)} 份评价表未收回或被退回（{where}），"
        "强制分布是按已收回的结果做的，收齐后请重新汇总。",
        f"Provisional: {out.get('forms', 0)} forms were still missing or rejected when this was"
        f" consolidated ({where}); the forced distribution covers the returns collected so far."
        " Consolidate again once all are in.",
    )


def _flags(codes: Iterable[str], ctx: Context) -> str:
    """Flag codes in words (core's catalogue, so every output says the same)."""
    sep = "; " if ctx.lang == "en" else "、"
    # The short form ("盲点", not "盲点（自评明显高于他评）"): these sit in narrow columns.
    return sep.join(re.split(r"（| \(", flag_text(code, ctx.lang))[0] for code in codes)


def _status(r: EmployeeResult, ctx: Context) -> str:
    if r.complete:
        return ctx.t["complete"]
    missing = ctx.type_list(r.missing_types) if r.missing_types else ctx.t["missing_scores"]
    return ctx.t["missing"].format(missing)


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
            "grade": r.grade or ctx.t["grade_pending"],
            # The grade the score earned before the forced distribution (managers see both).
            "grade_before": r.grade_before_quota or r.grade or "—",
            "moved": bool(r.grade_before_quota and r.grade_before_quota != r.quota_grade),
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
        "average": fmt_num(group_figures(team, grade_codes(ctx.plan)).mean),
        "rows": rows,
        "distribution": dist,
        "chart": _distribution_chart(dist, ctx, width=260),
        "follow_up": [r for r in rows if r["consequence"]],
        "any_moved": any(r["moved"] for r in rows),
    }


# --- the HR summary ---------------------------------------------------------------------------


def hr_view(results: Sequence[EmployeeResult], ctx: Context) -> dict[str, Any]:
    """Distribution by grade and department, incomplete results, flags, quota moves, appeals.

    Department and company figures are :mod:`perfsheets.core.statistics`'s, as in results.xlsx.
    """
    dist = _grade_counts(results, ctx)
    codes = grade_codes(ctx.plan)
    company = group_figures(results, codes)
    figures = department_figures(results, ctx.plan)
    dept_rows: list[dict[str, Any]] = [
        {
            "department": d.department,
            "size": d.employees,
            "complete": d.complete,
            "average": fmt_num(d.mean),
            "counts": [d.grades.get(c, 0) for c in codes],
            "incomplete": d.incomplete,
        }
        for d in figures
    ]
    departments = [d.department for d in figures]
    series = [
        charts.Series(code, [row["counts"][i] for row in dept_rows], _grade_color(i, len(codes)))
        for i, code in enumerate(codes)
    ]
    incomplete = [r for r in results if not r.complete]
    flagged = sorted(
        (r for r in results if r.flags), key=lambda r: (_FLAG_ORDER.get(r.flags[0], 99),)
    )
    # moved by the quota; a committee's change is listed with the calibration trail instead
    moved = [r for r in results if r.grade_before_quota and r.grade_before_quota != r.quota_grade]
    appeals = [(r, a) for r in results for a in r.appeals]
    decisions = _decision_rows(results, ctx)
    pips = [r.previous_pip.state for r in results if r.previous_pip is not None]
    return {
        "pip_counts": [
            {"state": pip_state_word(s, ctx.lang), "count": pips.count(s)} for s in PIP_STATES
        ]
        if pips
        else [],
        "size": company.employees,
        "complete": company.complete,
        "incomplete_count": company.incomplete,
        "average": fmt_num(company.mean),
        "median": fmt_num(company.median),
        "population": population_note(ctx.lang),
        "provisional": _provisional(ctx),
        "distribution": dist,
        # English grade names need a wider table beside the chart (style.css).
        "chart": _distribution_chart(dist, ctx, width=250 if ctx.lang == "en" else 320),
        "codes": codes,
        "departments": dept_rows,
        "dept_chart": charts.stacked_bars(departments, series, font=ctx.font)
        if departments
        else None,
        "flag_counts": _flag_counts(results, ctx),
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
                "after": r.quota_grade,
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
        "decisions": decisions[:HR_ROW_LIMIT],
        "decisions_more": max(0, len(decisions) - HR_ROW_LIMIT),
        "more_rows": ctx.t["more_rows"],
        "training": _training_rows(results, ctx),
        "training_note": ctx.t["training_note"].format(
            top=ctx.plan.consequences.training_top,
            threshold=fmt_plain(ctx.plan.consequences.training_threshold),
        ),
    }


def _decision_rows(results: Sequence[EmployeeResult], ctx: Context) -> list[dict[str, Any]]:
    """The calibration trail: every committee decision that set a grade, oldest first per
    person (superseded ones kept and marked), for the people whose grade it concerns."""
    rows = []
    for r in results:
        for step in r.calibration_trail:
            if step.to_grade is None:
                continue  # potential only: shown in calibration.xlsx, not a grade change
            notes = [] if step.in_force else [ctx.t["superseded"]]
            if step.quota_breach:
                notes.append(ctx.t["beyond_quota"])
            rows.append(
                {
                    "id": r.employee_id,
                    "name": r.name,
                    "department": r.department,
                    "total": fmt_num(r.total_score),
                    "before": step.from_grade or "—",
                    "after": step.to_grade,
                    "reason": decision_reason(step, ctx.lang),
                    "decided_by": step.decided_by,
                    "decided_at": step.decided_at[:10],
                    "notes": ("; " if ctx.lang == "en" else "；").join(notes),
                    "in_force": step.in_force,
                }
            )
    return rows


def _training_rows(results: Sequence[EmployeeResult], ctx: Context) -> list[dict[str, Any]]:
    """培训需求: the lowest-scoring competencies, the company's first, then each department's."""
    options = ctx.plan.consequences
    needs = training_needs(
        results, ctx.plan, ctx.lang, options.training_threshold, options.training_top
    )
    rows = [
        {
            "scope": ctx.t["company_scope"] if n.scope == COMPANY else n.scope,
            "rank": n.rank,
            "name": n.name,
            "mean": fmt_num(float(n.mean)),
            "below": f"{n.below} / {n.rated}",
            "whole": n.scope == COMPANY,
        }
        for n in needs
    ]
    return [r for r in rows if r["whole"]] + [r for r in rows if not r["whole"]]


def _grade_color(index: int, count: int) -> str:
    """Best grade dark blue through to the lowest in dark orange: readable in grey print too."""
    ramp = ("#08519c", "#3182bd", "#6baed6", "#fdae6b", "#e6550d", "#a63603")
    if count > len(ramp):
        return charts.PALETTE[index % len(charts.PALETTE)]
    return ramp[round(index * (len(ramp) - 1) / max(count - 1, 1))]
