"""Pure scoring functions: no I/O, no pandas, just the arithmetic HR must be able to explain.

The assessment forms carry Excel formulas that must give the same numbers (see
:mod:`perfsheets.forms.formulas`), so rounding follows Excel: half away from zero, via ``decimal``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal

from perfsheets.core.model import (
    BandsRule,
    ChangeBandsRule,
    DeductionRule,
    Direction,
    Grade,
    Kpi,
    LinearRule,
    PassFailRule,
    RaterTypeId,
    Scale,
    ScoringRule,
)


def round_half_up(value: float, places: int = 2) -> float:
    """Round like Excel's ROUND (half away from zero), not like Python's round()."""
    if not math.isfinite(value):
        return value
    quantum = Decimal(1).scaleb(-places)
    # repr() gives the shortest decimal that round-trips, i.e. the number the user sees.
    d = Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP)
    return float(d)


def clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


# --- KPI item scores --------------------------------------------------------------------------


def completion_ratio(actual: float, target: float, direction: Direction) -> float | None:
    """Completion ratio: actual/target, or target/actual when lower is better.

    Returns None when the ratio is undefined (zero or negative target). A lower-is-better actual
    of zero (or below) means the target was beaten completely: the ratio is infinite and the
    rule's cap applies.
    """
    if target <= 0:
        return None
    if direction == "higher":
        return actual / target
    if actual <= 0:
        return math.inf
    return target / actual


def change_rate(actual: float, baseline: float, direction: Direction) -> float | None:
    """(actual - baseline)/baseline, or (baseline - actual)/baseline when lower is better."""
    if baseline == 0:
        return None
    diff = actual - baseline if direction == "higher" else baseline - actual
    return diff / abs(baseline)


BAND_DECIMALS = 10


def band_score(measure: float, bands: Sequence, otherwise: float, at_most: bool = False) -> float:
    """Score of the first band the measure falls in.

    Normally a band's ``min`` is a lower bound (measure >= min), best band first. With
    ``at_most`` (raw values where lower is better, e.g. response time) it is an upper bound.
    The measure is rounded to 10 decimals first, so float noise does not drop a result on a
    boundary into the band below ((13.2 - 12) / 12 is 0.0999999999999999, meant as 10%).
    """
    if math.isfinite(measure):
        measure = round(measure, BAND_DECIMALS)
    if at_most:
        for band in sorted(bands, key=lambda b: b.min):
            if measure <= band.min:
                return band.score
        return otherwise
    for band in sorted(bands, key=lambda b: b.min, reverse=True):
        if measure >= band.min:
            return band.score
    return otherwise


def rule_score(
    rule: ScoringRule,
    actual: float,
    target: float | None,
    baseline: float | None = None,
    direction: Direction = "higher",
) -> float | None:
    """Item score (0..100, above 100 where a cap allows) for one KPI actual; None if undefined."""
    if isinstance(rule, LinearRule):
        ratio = completion_ratio(actual, target or 0.0, direction)
        return None if ratio is None else 100.0 * clamp(ratio, rule.floor, rule.cap)
    if isinstance(rule, BandsRule):
        if rule.on == "value":
            return band_score(actual, rule.bands, rule.otherwise, at_most=direction == "lower")
        ratio = completion_ratio(actual, target or 0.0, direction)
        return None if ratio is None else band_score(ratio, rule.bands, rule.otherwise)
    if isinstance(rule, DeductionRule):
        return max(rule.floor, rule.base - rule.per_unit * max(actual, 0.0))
    if isinstance(rule, PassFailRule):
        if target is None:
            return None
        met = actual >= target if direction == "higher" else actual <= target
        return rule.pass_score if met else rule.fail_score
    if isinstance(rule, ChangeBandsRule):
        rate = change_rate(actual, baseline if baseline is not None else 0.0, direction)
        return None if rate is None else band_score(rate, rule.bands, rule.otherwise)
    raise TypeError(f"unknown scoring rule {rule!r}")


def kpi_score(
    kpi: Kpi,
    actual: float,
    target: float | None = None,
    baseline: float | None = None,
    places: int = 2,
) -> float | None:
    """Rounded item score of a KPI; individual target/baseline override the role's defaults."""
    raw = rule_score(
        kpi.rule,
        actual,
        kpi.target if target is None else target,
        kpi.baseline if baseline is None else baseline,
        kpi.direction,
    )
    return None if raw is None else round_half_up(raw, places)


def kpi_completion(
    kpi: Kpi, actual: float, target: float | None = None, baseline: float | None = None
) -> float | None:
    """Completion shown in reports: ratio, change rate, or None where it means nothing."""
    target = kpi.target if target is None else target
    baseline = kpi.baseline if baseline is None else baseline
    if isinstance(kpi.rule, ChangeBandsRule):
        return change_rate(actual, baseline or 0.0, kpi.direction)
    if isinstance(kpi.rule, DeductionRule) or target is None:
        return None
    ratio = completion_ratio(actual, target, kpi.direction)
    return None if ratio is None or math.isinf(ratio) else ratio


# --- rated items ------------------------------------------------------------------------------


def rating_points(scale: Scale, value: int) -> float | None:
    level = scale.level(value)
    return None if level is None else level.points


def trimmed_mean(values: Sequence[float], trim_min_count: int = 5) -> float | None:
    """Mean; with at least ``trim_min_count`` values drop one highest and one lowest."""
    if not values:
        return None
    vals = sorted(values)
    if len(vals) >= trim_min_count:
        vals = vals[1:-1]
    return math.fsum(vals) / len(vals)


def combine_rater_types(
    type_scores: Mapping[RaterTypeId, float], weights: Mapping[RaterTypeId, float]
) -> float | None:
    """Weighted mean over the rater types present, weights renormalised over those types.

    A type that is absent is left out (never counted as zero); a type with weight 0 does not
    count. Returns None when no weighted type is present.
    """
    present = [(s, weights.get(t, 0.0)) for t, s in type_scores.items() if weights.get(t, 0.0) > 0]
    total_weight = math.fsum(w for _, w in present)
    if total_weight <= 0:
        return None
    return math.fsum(s * w for s, w in present) / total_weight


def weighted_sum(scored: Iterable[tuple[float, float]], total_weight: float = 100.0) -> float:
    """Σ score·weight / total_weight (weights in percent by default)."""
    return math.fsum(s * w for s, w in scored) / total_weight


def weighted_mean(scored: Iterable[tuple[float, float]]) -> float | None:
    """Σ score·weight / Σ weight over the items given; None when there are none."""
    pairs = list(scored)
    total = math.fsum(w for _, w in pairs)
    return None if total <= 0 else math.fsum(s * w for s, w in pairs) / total


# --- grades -----------------------------------------------------------------------------------


def grade_for(score: float, levels: Sequence[Grade]) -> Grade:
    """The best grade whose threshold the score reaches (the lowest grade otherwise)."""
    for grade in sorted(levels, key=lambda g: g.min_score, reverse=True):
        if score >= grade.min_score:
            return grade
    return min(levels, key=lambda g: g.min_score)


def largest_remainder(quotas: Sequence[float], n: int) -> list[int]:
    """Split n people over shares (summing to <= 1) by the largest-remainder (Hamilton) method.

    Shares summing to less than 1 leave the rest unallocated: those counts go to the last level,
    which is how "at most 10% S, at most 20% A, the rest B or below" quotas read.
    """
    raw = [q * n for q in quotas]
    counts = [math.floor(r) for r in raw]
    rest = n - sum(counts)
    if math.fsum(quotas) >= 1 - 1e-9:
        order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - counts[i]), i))
        for i in order[:rest]:
            counts[i] += 1
    else:
        counts[-1] += rest
    return counts


def form_total(section_scores: Mapping[str, float | None], section_weights: Mapping[str, float]):
    """Total of one rater's form: sections that rater fills, weights renormalised over them.

    This is the "live total" a rater sees on the form; the consolidated total uses all raters.
    """
    present = [
        (s, section_weights[k])
        for k, s in section_scores.items()
        if s is not None and section_weights.get(k, 0) > 0
    ]
    return weighted_mean(present)
