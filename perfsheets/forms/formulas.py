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
``round_half_up``                 Excel ``ROUND`` (half away from zero)
================================  =========================================

A blank or non-numeric input gives ``""`` in Excel and ``None`` here (the item is left out), so a
half-filled form shows the total of what has been entered.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from perfsheets.core.model import (
    BandsRule,
    ChangeBandsRule,
    DeductionRule,
    Kpi,
    LinearRule,
    PassFailRule,
    Scale,
    ThresholdRule,
)
from perfsheets.core.scoring import (
    form_total,
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


def total_formula(sections: Sequence[tuple[str, float]], places: int) -> str:
    """``=`` formula of the sheet total, twin of :func:`scoring.form_total`.

    ``sections`` are (cell of the section score, section weight of the role); weights are
    renormalised over the sections that have a score.
    """
    live = [(ref, w) for ref, w in sections if w > 0]
    if not live:
        return '=""'
    refs = ",".join(ref for ref, _ in live)
    top = "+".join(f"IF(ISNUMBER({ref}),{ref}*{num(w)},0)" for ref, w in live)
    bottom = "+".join(f"IF(ISNUMBER({ref}),{num(w)},0)" for ref, w in live)
    return f'=IF(COUNT({refs})=0,"",ROUND(({top})/({bottom}),{places}))'


def sheet_total(
    section_scores: Mapping[str, float | None], section_weights: Mapping[str, float], places: int
) -> float | None:
    """Twin of :func:`total_formula`: the rounded :func:`scoring.form_total`."""
    total = form_total(section_scores, section_weights)
    return None if total is None else round_half_up(total, places)
