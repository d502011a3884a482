"""The year results workbook (``rollup --out year.xlsx``): one row per person with each
period's cycle score, the parts' means and weights, the year score and grades."""

from __future__ import annotations

from pathlib import Path

from perfsheets.consolidation.book_sheet import Sheet, page_footer
from perfsheets.consolidation.history import YearRollup
from perfsheets.core.i18n import term, tr
from perfsheets.core.model import Lang, Plan
from perfsheets.core.periods import period_name, period_order, slot_label
from perfsheets.files.atomic import atomic_write


def write_year_book(path: Path, rollup: YearRollup, plan: Plan, lang: Lang) -> Path:
    """The year results as a workbook: one row per person, each period's cycle score (12
    months, 4 quarters ... as the plan's rule names them), the parts' means and weights, the
    year score, the grade by score and the final grade (forced distribution), partial marks."""
    return atomic_write(path, lambda tmp: _write_year_book(tmp, rollup, plan, lang))


def _write_year_book(target: Path, rollup: YearRollup, plan: Plan, lang: Lang) -> None:
    import xlsxwriter  # heavy: loaded on first use, not at start-up

    book = xlsxwriter.Workbook(
        str(target), {"strings_to_formulas": False, "strings_to_urls": False}
    )
    company = (plan.company.name_en if lang == "en" else None) or plan.company.name
    title = f"{company} {rollup.year}".replace("&", "&&")
    page = (
        f"&L{title}&R{tr(lang, '年度绩效结果', 'Year results')}",
        page_footer(lang),
    )
    formats = {
        "head": book.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True}
        ),
        "num": book.add_format({"num_format": "0.00"}),
        "int": book.add_format({"num_format": "0"}),
        "page": page,
    }
    # Every slot any person's rule names, in the year's order: 2026年1月 ... 2026年度.
    slots = sorted(
        {
            (p.period, slot)
            for r in rollup.results
            for p in r.parts
            for slot in range(1, p.expected + 1)
        },
        key=lambda ps: (period_order(ps[0]), ps[1]),
    )
    periods = list(dict.fromkeys(p for p, _ in slots))
    header = [
        term("employee_id", lang),
        term("employee", lang),
        term("department", lang),
        term("role", lang),
        *(slot_label(p, rollup.year, slot, lang) for p, slot in slots),
        *(
            tr(lang, f"{period_name(p, lang)}平均分", f"{period_name(p, lang)} mean")
            for p in periods
        ),
        *(
            tr(lang, f"{period_name(p, lang)}权重", f"{period_name(p, lang)} weight")
            for p in periods
        ),
        tr(lang, "年度得分", "Year score"),
        tr(lang, "按得分的等级", "Grade by score"),
        tr(lang, "年度等级", "Year grade"),
        tr(lang, "绩效系数", "Coefficient"),
        tr(lang, "部分周期", "Partial"),
        tr(lang, "缺少的周期", "Missing periods"),
    ]
    widths = [10, 10, 12, 12, *([9] * (len(slots) + 2 * len(periods))), 10, 10, 10, 9, 8, 24]
    sheet = Sheet(book, tr(lang, "年度结果", "Year results"), header, formats, widths)
    sheet.ws.set_row(0, 32)  # two lines of heading: "2026年10月", "月度平均分"
    roles = {r.id: r.label(lang) for r in plan.roles}
    for r in rollup.results:
        by_slot = {
            (p.period, slot): score
            for p in r.parts
            for slot, score in zip(p.slots, p.scores, strict=False)
        }
        parts = {p.period: p for p in r.parts}
        sheet.write(
            [
                r.employee_id,
                r.name,
                r.department,
                roles.get(r.role, r.role),
                *(by_slot.get(ps) for ps in slots),
                *(parts[p].mean if p in parts else None for p in periods),
                *(parts[p].weight if p in parts else None for p in periods),
                r.year_score,
                r.grade_by_score or r.grade,
                r.grade,
                r.coefficient,
                tr(lang, "是", "yes") if r.partial else None,
                tr(lang, "、", ", ").join(r.missing_periods) or None,
            ]
        )
    sheet.close()
    sheet.write([])
    sheet.write(
        [
            tr(
                lang,
                "各期得分为该期的完整结果；每类周期取平均，按方案权重加权为年度得分；"
                "年度等级按方案的等级线，启用强制分布时再按比例调整（“按得分的等级”为调整前）。",
                "Each period's score is that cycle's complete result; each kind of period is "
                "averaged and weighted by the plan into the year score; the year grade follows "
                "the plan's thresholds, then its forced distribution where enabled ('grade by "
                "score' is the grade before it).",
            )
        ]
    )
    book.close()
