"""The data-validation rules of an assessment sheet's input cells, as xlsxwriter options: what
may be typed as an actual, a rating or a count, with the hint and the error in the form's
language (Excel, WPS and LibreOffice show both)."""

from __future__ import annotations

from typing import Any

from perfsheets.core.cells import sheet_text
from perfsheets.core.i18n import tr
from perfsheets.core.model import Kpi, Lang, Plan, SectionKind
from perfsheets.core.rules import ChangeBandsRule
from perfsheets.core.scoring import NOT_RATED
from perfsheets.forms.jobs import KpiValues
from perfsheets.forms.template import (
    Block,
    SheetTemplate,
    actual_bounds,
    fmt_number,
    paren,
    scale_hint,
)


def _rule(kind: dict[str, Any], title: str, hint: str, error_title: str, error: str) -> dict:
    # Excel caps a validation's title at 32 characters and its messages at 255.
    return {
        **kind,
        "input_title": sheet_text(title, 32),
        "input_message": sheet_text(hint, 255),
        "error_title": error_title,
        "error_message": sheet_text(error, 255),
    }


def count_rule(lang: Lang, unit: str) -> dict:
    """A 加减分 count is a whole number, 0 or more; blank means none."""
    return _rule(
        {"validate": "integer", "criteria": ">=", "value": 0},
        tr(lang, "次数", "Count") + (paren(lang, unit) if unit else ""),
        tr(lang, "填写 0 或正整数；没有则留空", "A whole number, 0 or more; blank if none"),
        tr(lang, "次数无效", "Invalid count"),
        tr(lang, "次数须为 0 或正整数。", "The count must be a whole number, 0 or more."),
    )


def actual_rule(lang: Lang, kpi: Kpi, v: KpiValues) -> dict:
    """Only a number within the KPI's bounds may be typed as its actual."""
    low, high = actual_bounds(kpi, v)
    unit_text = kpi.unit_text(lang)
    unit = paren(lang, unit_text) if unit_text else ""
    title = tr(lang, "实际值", "Actual")
    message = tr(
        lang,
        f"请输入数字，范围 {fmt_number(low)} ~ {fmt_number(high)}",
        f"A number from {fmt_number(low)} to {fmt_number(high)}",
    )
    if isinstance(kpi.rule, ChangeBandsRule):  # the rule computes the rate from the actual
        base = fmt_number(v.baseline)
        title = tr(lang, "本期实际值", "This period's actual")
        message = tr(
            lang,
            f"填本期实际值，与基期值 {base} 同口径，不要填变化率（由公式计算）。{message}",
            f"This period's actual, measured like the baseline {base}; not the rate "
            f"(computed). {message}",
        )
    return _rule(
        {"validate": "decimal", "criteria": "between", "minimum": low, "maximum": high},
        title + unit,
        message,
        tr(lang, "数值无效", "Invalid number"),
        tr(
            lang,
            f"实际值须为 {fmt_number(low)} ~ {fmt_number(high)} 之间的数字。",
            f"The actual must be a number from {fmt_number(low)} to {fmt_number(high)}.",
        ),
    )


def rating_rules(
    lang: Lang, tpl: SheetTemplate, block: Block[SectionKind], plan: Plan
) -> list[tuple[int, int, dict]]:
    """One dropdown per run of rows on the same scale: (first row, last row, rule)."""
    scales = (
        [s for _, s in tpl.tasks] if block.kind == "task" else [s for _, _, s in tpl.competencies]
    )
    rules = []
    start = 0
    for i in range(1, len(scales) + 1):
        if i < len(scales) and scales[i].id == scales[start].id:
            continue
        scale = scales[start]
        values = [str(v) for v in sorted(scale.values, reverse=True)]
        hint = scale_hint(scale, lang)
        if plan.aggregation.allow_na:
            values.append(NOT_RATED[lang])  # a text: the form's formulas skip it
            hint += "  " + tr(
                lang, f"{NOT_RATED[lang]}=未接触、无法判断", f"{NOT_RATED[lang]}=not seen"
            )
        rule = _rule(
            {"validate": "list", "source": values},
            tr(lang, "请选择评分", "Choose a rating"),
            hint,
            tr(lang, "评分无效", "Invalid rating"),
            tr(
                lang,
                f"请从下拉列表中选择：{'、'.join(values)}",
                f"Pick one of: {', '.join(values)}",
            ),
        )
        rules.append((block.first + start, block.first + i - 1, rule))
        start = i
    return rules
