"""Excel twins of the scoring rules: the live formulas on the assessment forms.

Each function here builds the Excel formula for one rule of :mod:`perfsheets.core.scoring`, and
:func:`score_sheet` computes what those formulas give with scoring's own functions, so the
cached results written into a form (and the scores perfsheets computes) equal what Excel, WPS or
LibreOffice show after recalculation. Keep every formula next to the rule it mirrors:

================================  =========================================
scoring.py                        formula here
================================  =========================================
``rule_score`` / ``kpi_score``    :func:`kpi_score_formula`
``rating_points``                 :func:`rating_points_formula`
``weighted_mean`` (a section)     :func:`section_formula` / :func:`section_score`
``form_total``                    :func:`total_formula` / :func:`sheet_total`
``item_points`` (加减分项)          :func:`adjustment_formula` / :func:`adjustment_item`
``adjusted_points``               :func:`adjustments_formula` / :func:`adjustments_net`
``adjusted_total``                :func:`total_formula` with ``adjustment``
``round_half_up``                 Excel ``ROUND`` (half away from zero)
================================  =========================================

A blank or non-numeric input gives ``""`` in Excel and ``None`` here (the item is left out), so a
half-filled form shows the total of what has been entered.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from perfsheets.core.model import Kpi, Scale
from perfsheets.core.rules import (
    BandsRule,
    ChangeBandsRule,
    DeductionRule,
    LinearRule,
    PassFailRule,
    ThresholdRule,
)
from perfsheets.core.scoring import (
    adjusted_total,
    exact,
    form_total,
    item_points,
    rating_points,
    round_half_up,
    rule_score,
    weighted_mean,
)
from perfsheets.files.formbook import is_number


def num(value: float) -> str:
    """A number as Excel formula text (shortest round-trip form, no exponent for usual sizes)."""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


# Excel computes a ratio in floats: rounded to 10 decimals, exactly 10% growth computed as
# 0.0999999… lands in the same band as perfsheets' exact decimal ratio.
BAND_DECIMALS = 10


def _bands_if(
    measure: str, bands: Sequence, otherwise: float, at_most: bool = False, computed: bool = True
) -> str:
    """Nested IFs in the order :func:`scoring.band_score` tries the bands.

    A ``computed`` measure (a ratio or change rate) is rounded to BAND_DECIMALS against float
    noise; a value the person typed is compared as typed, as perfsheets does.
    """
    if computed:
        measure = f"ROUND({measure},{BAND_DECIMALS})"
    if at_most:
        ordered = sorted(bands, key=lambda b: b.min)
        op = "<="
    else:
        ordered = sorted(bands, key=lambda b: b.min, reverse=True)
        op = ">="
    expr = num(otherwise)
    for band in reversed(ordered):
        expr = f"IF({measure}{op}{num(band.min)},{num(band.score)},{expr})"
    return expr


def _top_band_score(bands: Sequence) -> float:
    """Score of an infinite ratio (lower-is-better actual of zero): the highest band."""
    return sorted(bands, key=lambda b: b.min, reverse=True)[0].score


def _rule_expr(kpi: Kpi, a: str, t: str, b: str) -> tuple[str, str | None]:
    """(expression, guard) for ``scoring.rule_score``; the guard must hold for a score."""
    rule, lower = kpi.rule, kpi.direction == "lower"
    if isinstance(rule, LinearRule):
        floor, cap = num(rule.floor), num(rule.cap)
        clamp = f"MAX({floor},MIN({cap},{{}}))"
        if lower:
            inf = num(max(rule.floor, rule.cap))
            return f"100*IF({a}<=0,{inf},{clamp.format(f'{t}/{a}')})", f"{t}>0"
        return "100*" + clamp.format(f"{a}/{t}"), f"{t}>0"
    if isinstance(rule, BandsRule):
        if rule.on == "value":
            return _bands_if(a, rule.bands, rule.otherwise, at_most=lower, computed=False), None
        if lower:
            top = num(_top_band_score(rule.bands))
            return f"IF({a}<=0,{top},{_bands_if(f'{t}/{a}', rule.bands, rule.otherwise)})", (
                f"{t}>0"
            )
        return _bands_if(f"{a}/{t}", rule.bands, rule.otherwise), f"{t}>0"
    if isinstance(rule, DeductionRule):
        return f"MAX({num(rule.floor)},{num(rule.base)}-{num(rule.per_unit)}*MAX({a},0))", None
    if isinstance(rule, PassFailRule):
        op = "<=" if lower else ">="
        return f"IF({a}{op}{t},{num(rule.pass_score)},{num(rule.fail_score)})", f"ISNUMBER({t})"
    if isinstance(rule, ChangeBandsRule):
        rate = f"({b}-{a})/ABS({b})" if lower else f"({a}-{b})/ABS({b})"
        return _bands_if(rate, rule.bands, rule.otherwise), f"AND(ISNUMBER({b}),{b}<>0)"
    if isinstance(rule, ThresholdRule):
        return _threshold_if(rule, f"{a}/{t}", lower), f"{t}>0"
    raise TypeError(f"unknown scoring rule {rule!r}")


def _threshold_if(rule: ThresholdRule, share: str, lower: bool) -> str:
    """Twin of :func:`scoring.threshold_score`: the comparisons on the share rounded like a
    band's ratio, the interpolation on the share itself."""
    worse = ">" if lower else "<"
    cut = f"ROUND({share},{BAND_DECIMALS})"
    low, high = num(rule.threshold), num(rule.stretch)
    at_low, at_target = num(rule.threshold_score), num(rule.target_score)
    at_high = num(rule.stretch_score)
    to_target = f"{at_low}+({share}-{low})*({at_target}-{at_low})/(1-{low})"
    to_stretch = f"{at_target}+({share}-1)*({at_high}-{at_target})/({high}-1)"
    return (
        f"IF({cut}{worse}{low},{num(rule.below)},IF({cut}{worse}1,{to_target},"
        f"IF({cut}{worse}{high},{to_stretch},{at_high})))"
    )


def kpi_score_formula(kpi: Kpi, actual: str, target: str, baseline: str, places: int) -> str:
    """``=`` formula of a KPI item score, twin of :func:`scoring.kpi_score`.

    ``actual``, ``target`` and ``baseline`` are cell references on the same row; the target and
    baseline cells hold the effective (individual or changed) values the form was generated with.
    """
    expr, guard = _rule_expr(kpi, actual, target, baseline)
    scored = f"ROUND({expr},{places})"
    if guard:
        scored = f'IF({guard},{scored},"")'
    return f'=IF(ISNUMBER({actual}),{scored},"")'


def kpi_item_score(
    kpi: Kpi, actual: object, target: float | None, baseline: float | None, places: int
) -> float | None:
    """What :func:`kpi_score_formula` gives: :func:`scoring.kpi_score` of a numeric actual.

    The target and baseline are the ones on the form; a blank one never falls back to the role's.
    """
    if not is_number(actual):
        return None
    raw = rule_score(kpi.rule, float(actual), target, baseline, kpi.direction)
    return None if raw is None else round_half_up(raw, places)


def rating_points_formula(scale: Scale, rating: str) -> str:
    """``=`` formula of a rating's points, twin of :func:`scoring.rating_points`."""
    values = ",".join(num(v) for v in scale.values)
    points = ",".join(num(lv.points) for lv in scale.levels)
    return (
        f'=IF(ISNUMBER({rating}),IFERROR(INDEX({{{points}}},MATCH({rating},{{{values}}},0)),""),"")'
    )


def rated_item_points(scale: Scale, rating: object) -> float | None:
    """What :func:`rating_points_formula` gives."""
    if not is_number(rating) or not float(rating).is_integer():
        return None
    return rating_points(scale, int(rating))


def section_formula(scores: str, weights: str, places: int) -> str:
    """``=`` formula of a section score: weighted mean over the items scored so far."""
    return (
        f'=IF(COUNT({scores})=0,"",ROUND(SUMPRODUCT({scores},{weights})'
        f"/SUMPRODUCT(ISNUMBER({scores})*{weights}),{places}))"
    )


def section_score(items: Iterable[tuple[float | None, object]], places: int) -> float | None:
    """Twin of :func:`section_formula`: ``round_half_up(weighted_mean(...))`` of scored items."""
    pairs = [(s, float(w)) for s, w in items if s is not None and is_number(w)]
    mean = weighted_mean(pairs)
    return None if mean is None else round_half_up(mean, places)


def total_formula(
    sections: Sequence[tuple[str, float]], places: int, adjustment: str | None = None
) -> str:
    """``=`` formula of the sheet total, twin of :func:`scoring.form_total`.

    ``sections`` are (cell of the section score, section weight of the role); weights are
    renormalised over the sections that have a score. ``adjustment``: the cell of the 加减分
    points, added to the rounded weighted score (never below 0, twin of
    :func:`scoring.adjusted_total`).
    """
    live = [(ref, w) for ref, w in sections if w > 0]
    if not live:
        return '=""'
    refs = ",".join(ref for ref, _ in live)
    top = "+".join(f"IF(ISNUMBER({ref}),{ref}*{num(w)},0)" for ref, w in live)
    bottom = "+".join(f"IF(ISNUMBER({ref}),{num(w)},0)" for ref, w in live)
    total = f"ROUND(({top})/({bottom}),{places})"
    if adjustment is not None:
        total = f"MAX(0,ROUND({total}+N({adjustment}),{places}))"
    return f'=IF(COUNT({refs})=0,"",{total})'


def sheet_total(
    section_scores: Mapping[str, float | None],
    section_weights: Mapping[str, float],
    places: int,
    adjustment: float | None = None,
) -> float | None:
    """Twin of :func:`total_formula`: the rounded :func:`scoring.form_total` (plus the
    加减分 points)."""
    total = form_total(section_scores, section_weights)
    if total is None:
        return None
    weighted = round_half_up(total, places)
    if adjustment is None:
        return weighted
    return round_half_up(adjusted_total(weighted, adjustment), places)


# --- 加减分项 ------------------------------------------------------------------------------------


def adjustment_formula(count: str, per_unit: str, cap: str, capped: bool, places: int) -> str:
    """``=`` formula of one 加减分项's points, twin of :func:`scoring.item_points`: the count
    times the points per unit, rounded, at most the cap in size (the cells of the row)."""
    points = f"ROUND({count}*{per_unit},{places})"
    if capped:
        points = f"SIGN({points})*MIN(ABS({points}),{cap})"
    return f'=IF(ISNUMBER({count}),{points},"")'


def adjustment_item(per_unit: object, cap: object, count: object, places: int) -> float | None:
    """What :func:`adjustment_formula` gives for the values on the form."""
    if not is_number(count) or not is_number(per_unit):
        return None
    _, counted = item_points(per_unit, cap if is_number(cap) else None, count, places)
    return float(counted)


def adjustments_formula(
    points: str, bonus_cap: float | None, penalty_cap: float | None, places: int
) -> str:
    """``=`` formula of the 加减分 a sheet adds, twin of :func:`scoring.adjusted_points`: the
    bonus (at most ``bonus_cap``) less the penalty (at most ``penalty_cap`` in size); 0 when
    nothing is counted."""
    bonus = f'SUMIF({points},">0")'
    penalty = f'-SUMIF({points},"<0")'
    if bonus_cap is not None:
        bonus = f"MIN({num(bonus_cap)},{bonus})"
    if penalty_cap is not None:
        penalty = f"MIN({num(penalty_cap)},{penalty})"
    return f"=ROUND({bonus}-{penalty},{places})"


def adjustments_net(
    items: Iterable[float | None],
    bonus_cap: float | None,
    penalty_cap: float | None,
    places: int,
) -> float:
    """What :func:`adjustments_formula` gives for the items' points on the form."""
    counted = [exact(v) for v in items if v is not None]
    bonus = sum((v for v in counted if v > 0), exact(0))
    penalty = -sum((v for v in counted if v < 0), exact(0))
    if bonus_cap is not None:
        bonus = min(exact(bonus_cap), bonus)
    if penalty_cap is not None:
        penalty = min(exact(penalty_cap), penalty)
    return round_half_up(bonus - penalty, places)
