"""The trend of an employee's report: earlier cycles of the same kind of period as a table and
a line chart, and a note naming the cycles of other kinds it leaves out."""

from __future__ import annotations

import math
from typing import Any

from perfsheets.core.periods import period_name, period_order
from perfsheets.core.results import EmployeeResult
from perfsheets.report import charts
from perfsheets.report.context import Context, fmt_num


def trend_view(result: EmployeeResult, ctx: Context) -> dict[str, Any] | None:
    # Earlier cycles only (consolidation may end the trend with this cycle: it is added below),
    # of this cycle's kind: a monthly score and an annual one on one axis would mislead.
    current = ctx.plan.cycle.period
    earlier = [p for p in result.trend if p.cycle_id != ctx.plan.cycle.id]
    points = [p for p in earlier if p.period in (None, current)]
    others = [p for p in earlier if p.period not in (None, current)]
    if not earlier:
        return None
    t = ctx.t
    title = t["trend_of"].format(kind=period_name(current, ctx.lang, in_sentence=True))
    note = ""
    if others:
        kinds = sorted({p.period for p in others if p.period}, key=period_order)
        note = t["trend_other_periods"].format(
            n=len(others),
            kinds=t["kinds_sep"].join(period_name(k, ctx.lang, in_sentence=True) for k in kinds),
            cycles=t["list_sep"].join(p.cycle_name or p.cycle_id for p in others),
        )
    if not points:
        return {"title": title, "rows": [], "chart": "", "note": note}
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
    return {"title": title, "rows": rows, "chart": chart, "note": note}
