"""Pure scoring functions: no I/O, no pandas, just the arithmetic HR must be able to explain.

The assessment forms carry Excel formulas that must give the same numbers (see
:mod:`perfsheets.forms.formulas`), so rounding follows Excel: half away from zero. Every step is
computed exactly, in :class:`~decimal.Decimal` from the decimal text of its inputs (what a person
typed, or the rounded figure of the step before), never as float arithmetic that is rounded
afterwards: 84.5 / 80 * 100 is 105.625 and rounds to 105.63, as Excel's ROUND shows, while the
float 84.5 / 80 * 100 is 105.62499999999999. A step hands its exact result on as the float nearest
to it; since every figure here has far fewer than 15 significant digits, ``repr`` of that float is
the exact decimal again, so the next step starts from exactly what the person sees.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from typing import TypeVar

from perfsheets.core.model import Adjustment, Direction, Grade, Kpi, Lang, Scale
from perfsheets.core.rules import (
    BandsRule,
    ChangeBandsRule,
    DeductionRule,
    LinearRule,
    PassFailRule,
    ScoringRule,
    ThresholdRule,
)

Number = float | int | Decimal
TypeKey = TypeVar("TypeKey", bound=str)  # a rater type id (or a plain str key)


_EXACT: dict[float, Decimal] = {}  # float -> Decimal; ratings and weights repeat a lot
_EXACT_MAX = 65_536


def exact(value: Number) -> Decimal:
    """The exact decimal a figure stands for: a float's shortest round-trip text (``repr``),
    which is the number the user typed or saw."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    found = _EXACT.get(value)
    if found is None or not value:  # 0.0 and -0.0 are equal keys: never cached
        found = Decimal(repr(float(value)))
        if len(_EXACT) >= _EXACT_MAX:
            _EXACT.clear()
        _EXACT[value] = found
    return found


NOT_RATED: dict[Lang, str] = {"zh-CN": "无法评价", "en": "N/A"}
# What a rater may type for "cannot rate" (compared after NFKC and casefolding).
_NOT_RATED_TEXTS = frozenset({"无法评价", "不适用", "无法评估", "n/a", "na", "not applicable"})


def is_not_rated(raw: object) -> bool:
    """True of the "cannot rate" answer (无法评价 / N/A) in either language."""
    if not isinstance(raw, str):
        return False
    return unicodedata.normalize("NFKC", raw).strip().casefold() in _NOT_RATED_TEXTS


def round_half_up(value: Number, places: int = 2) -> float:
    """Round like Excel's ROUND (half away from zero), not like Python's round()."""
    if not isinstance(value, Decimal) and not math.isfinite(value):
        return float(value)
    quantum = Decimal(1).scaleb(-places)
    return float(exact(value).quantize(quantum, rounding=ROUND_HALF_UP))


def _exact_div(a: Decimal, b: Decimal) -> Decimal:
    # 34 significant digits: a quotient that does not terminate is far from any tie.
    with localcontext() as ctx:
        ctx.prec = 34
        return a / b


def clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


# --- KPI item scores --------------------------------------------------------------------------


def completion_ratio(actual: Number, target: Number, direction: Direction) -> float | None:
    """Completion ratio: actual/target, or target/actual when lower is better.

    Returns None when the ratio is undefined (zero or negative target). A lower-is-better actual
    of zero (or below) means the target was beaten completely: the ratio is infinite and the
    rule's cap applies.
    """
    ratio = _ratio(exact(actual), exact(target), direction)
    return None if ratio is None else float(ratio)


def _ratio(actual: Decimal, target: Decimal, direction: Direction) -> Decimal | None:
    if target <= 0:
        return None
    if direction == "higher":
        return _exact_div(actual, target)
    if actual <= 0:
        return Decimal("Infinity")
    return _exact_div(target, actual)


def change_rate(actual: Number, baseline: Number, direction: Direction) -> float | None:
    """(actual - baseline)/baseline, or (baseline - actual)/baseline when lower is better."""
    rate = _change(exact(actual), exact(baseline), direction)
    return None if rate is None else float(rate)


def _change(actual: Decimal, baseline: Decimal, direction: Direction) -> Decimal | None:
    if baseline == 0:
        return None
    diff = actual - baseline if direction == "higher" else baseline - actual
    return _exact_div(diff, abs(baseline))


def band_score(measure: Number, bands: Sequence, otherwise: float, at_most: bool = False) -> float:
    """Score of the first band the measure falls in.

    Normally a band's ``min`` is a lower bound (measure >= min), best band first. With
    ``at_most`` (raw values where lower is better, e.g. response time) it is an upper bound.
    The comparison is exact: a ratio computed in decimals has no float noise to guard against
    ((13.2 - 12) / 12 is exactly 10%), and a value a person typed is compared as typed
    (94.99999999999 does not reach a band starting at 95).
    """
    value = exact(measure)
    if at_most:
        for band in sorted(bands, key=lambda b: b.min):
            if value <= exact(band.min):
                return band.score
        return otherwise
    for band in sorted(bands, key=lambda b: b.min, reverse=True):
        if value >= exact(band.min):
            return band.score
    return otherwise


def rule_score(
    rule: ScoringRule,
    actual: Number,
    target: Number | None,
    baseline: Number | None = None,
    direction: Direction = "higher",
) -> float | None:
    """Item score (0..100, above 100 where a cap allows) for one KPI actual; None if undefined."""
    score = exact_rule_score(rule, actual, target, baseline, direction)
    return None if score is None else float(score)


def exact_rule_score(
    rule: ScoringRule,
    actual: Number,
    target: Number | None,
    baseline: Number | None = None,
    direction: Direction = "higher",
) -> Decimal | None:
    """:func:`rule_score` as an exact decimal (before rounding)."""
    value = exact(actual)
    goal = None if target is None else exact(target)
    if isinstance(rule, LinearRule):
        ratio = _ratio(value, goal or Decimal(0), direction)
        if ratio is None:
            return None
        return 100 * max(exact(rule.floor), min(exact(rule.cap), ratio))
    if isinstance(rule, BandsRule):
        if rule.on == "value":
            at_most = direction == "lower"
            return exact(band_score(value, rule.bands, rule.otherwise, at_most=at_most))
        ratio = _ratio(value, goal or Decimal(0), direction)
        return None if ratio is None else exact(band_score(ratio, rule.bands, rule.otherwise))
    if isinstance(rule, DeductionRule):
        deducted = exact(rule.base) - exact(rule.per_unit) * max(value, Decimal(0))
        return max(exact(rule.floor), deducted)
    if isinstance(rule, PassFailRule):
        if goal is None:
            return None
        met = value >= goal if direction == "higher" else value <= goal
        return exact(rule.pass_score if met else rule.fail_score)
    if isinstance(rule, ChangeBandsRule):
        base = exact(baseline) if baseline is not None else Decimal(0)
        rate = _change(value, base, direction)
        return None if rate is None else exact(band_score(rate, rule.bands, rule.otherwise))
    if isinstance(rule, ThresholdRule):
        if goal is None or goal <= 0:
            return None
        return threshold_score(rule, _exact_div(value, goal), direction)
    raise TypeError(f"unknown scoring rule {rule!r}")


def threshold_score(rule: ThresholdRule, share: Decimal, direction: Direction) -> Decimal:
    """门槛值/目标值/挑战值: ``share`` = actual ÷ target, scored linearly between the points
    (threshold, threshold_score), (1, target_score), (stretch, stretch_score).

    The interpolation is the same line in both directions; only "worse than" turns round
    (lower is better: a share above the threshold is worse).
    """
    sign = 1 if direction == "higher" else -1
    low, high = exact(rule.threshold), exact(rule.stretch)
    at_low, at_target, at_high = (
        exact(rule.threshold_score),
        exact(rule.target_score),
        exact(rule.stretch_score),
    )
    if sign * share < sign * low:
        return exact(rule.below)
    if sign * share < sign:
        return at_low + _exact_div((share - low) * (at_target - at_low), 1 - low)
    if sign * share < sign * high:
        return at_target + _exact_div((share - 1) * (at_high - at_target), high - 1)
    return at_high


def kpi_score(
    kpi: Kpi,
    actual: float,
    target: float | None = None,
    baseline: float | None = None,
    places: int = 2,
) -> float | None:
    """Rounded item score of a KPI; individual target/baseline override the role's defaults."""
    raw = exact_rule_score(
        kpi.rule,
        actual,
        kpi.target if target is None else target,
        kpi.baseline if baseline is None else baseline,
        kpi.direction,
    )
    return None if raw is None else round_half_up(raw, places)


def veto_fails(kpi: Kpi, actual: float | None, target: float | None) -> bool:
    """Whether a KPI with a veto (一票否决) has failed on this actual (see :class:`Veto`)."""
    veto = kpi.veto
    if veto is None or actual is None:
        return False
    value = exact(actual)
    if isinstance(kpi.rule, PassFailRule) and veto.at is None:
        if target is None:
            return False
        goal = exact(target)
        return value < goal if kpi.direction == "higher" else value > goal
    if kpi.direction == "lower" or isinstance(kpi.rule, DeductionRule):
        return value >= exact(1 if veto.at is None else veto.at)
    limit = target if veto.at is None else veto.at
    return limit is not None and value < exact(limit)


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


# --- bonus and penalty points (加减分项) ------------------------------------------------------


@dataclass(frozen=True)
class AdjustedPoints:
    """The points of a person's 加减分项: per item (count × points per unit, rounded, capped
    in size at the item's cap), the bonus and the penalty (sizes, each capped at the role's
    cap) and the net points added to the weighted score."""

    items: tuple[tuple[Decimal, Decimal], ...]  # (points, points counted after the item cap)
    bonus: Decimal  # counted, after the role's bonus cap (>= 0)
    penalty: Decimal  # counted, after the role's penalty cap (>= 0, a size)
    bonus_capped: bool
    penalty_capped: bool

    @property
    def net(self) -> Decimal:
        return self.bonus - self.penalty


def item_adjustment(adj: Adjustment, count: Number, places: int = 2) -> tuple[Decimal, Decimal]:
    """(points, points counted): count × points per unit rounded half-up, then at most the
    item's cap in size (the sign kept)."""
    return item_points(adj.points_per_unit, adj.cap, count, places)


def item_points(
    per_unit: Number, cap: Number | None, count: Number, places: int = 2
) -> tuple[Decimal, Decimal]:
    """:func:`item_adjustment` from the figures themselves (as a form shows them)."""
    points = _round(exact(count) * exact(per_unit), places)
    if not points:
        points = abs(points)  # no -0 (0 × -5)
    counted = points
    if cap is not None and abs(points) > exact(cap):
        counted = exact(cap) if points > 0 else -exact(cap)
    return points, counted


def adjusted_points(
    adjustments: Sequence[Adjustment],
    counts: Sequence[Number | None],
    bonus_cap: Number | None,
    penalty_cap: Number | None,
    places: int = 2,
) -> AdjustedPoints:
    """The 加减分 of one person; a missing count is none (0)."""
    items = tuple(
        item_adjustment(a, c or 0, places) for a, c in zip(adjustments, counts, strict=True)
    )
    bonus = sum((c for _, c in items if c > 0), Decimal(0))
    penalty = -sum((c for _, c in items if c < 0), Decimal(0))
    bonus_capped = bonus_cap is not None and bonus > exact(bonus_cap)
    penalty_capped = penalty_cap is not None and penalty > exact(penalty_cap)
    return AdjustedPoints(
        items,
        exact(bonus_cap) if bonus_capped and bonus_cap is not None else bonus,
        exact(penalty_cap) if penalty_capped and penalty_cap is not None else penalty,
        bonus_capped,
        penalty_capped,
    )


def adjusted_total(weighted: Number, net: Number) -> Decimal:
    """The total with 加减分: the weighted score plus the net points, never below 0 (it may
    exceed 100: the points are outside the 100, limited by the caps)."""
    return max(Decimal(0), exact(weighted) + exact(net))


def _round(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


# --- rated items ------------------------------------------------------------------------------


def rating_points(scale: Scale, value: int) -> float | None:
    level = scale.level(value)
    return None if level is None else level.points


def trimmed_mean(values: Sequence[Number], trim_min_count: int = 5) -> float | None:
    """Mean; with at least ``trim_min_count`` values drop one highest and one lowest."""
    if not values:
        return None
    vals = sorted(exact(v) for v in values)
    if len(vals) >= trim_min_count:
        vals = vals[1:-1]
    return float(_exact_div(sum(vals, Decimal(0)), Decimal(len(vals))))


def combine_rater_types(
    type_scores: Mapping[TypeKey, Number], weights: Mapping[TypeKey, Number]
) -> float | None:
    """Weighted mean over the rater types present, weights renormalised over those types.

    A type that is absent is left out (never counted as zero); a type with weight 0 does not
    count. Returns None when no weighted type is present.
    """
    present = [(s, weights.get(t, 0.0)) for t, s in type_scores.items() if weights.get(t, 0.0) > 0]
    return weighted_mean(present)


def weighted_sum(scored: Iterable[tuple[Number, Number]], total_weight: Number = 100.0) -> float:
    """Σ score·weight / total_weight (weights in percent by default), exactly."""
    total = sum((exact(s) * exact(w) for s, w in scored), Decimal(0))
    return float(_exact_div(total, exact(total_weight)))


def weighted_mean(scored: Iterable[tuple[Number, Number]]) -> float | None:
    """Σ score·weight / Σ weight over the items given, exactly; None when there are none."""
    pairs = [(exact(s), exact(w)) for s, w in scored]
    total = sum((w for _, w in pairs), Decimal(0))
    if total <= 0:
        return None
    return float(_exact_div(sum((s * w for s, w in pairs), Decimal(0)), total))


# --- grades -----------------------------------------------------------------------------------


def grade_for(score: float, levels: Sequence[Grade]) -> Grade:
    """The best grade whose threshold the score reaches (the lowest grade otherwise)."""
    for grade in sorted(levels, key=lambda g: g.min_score, reverse=True):
        if score >= grade.min_score:
            return grade
    return min(levels, key=lambda g: g.min_score)


def largest_remainder(quotas: Sequence[Number | Fraction], n: int) -> list[int]:
    """Split n people over shares (summing to <= 1) by the largest-remainder (Hamilton) method.

    Computed on exact fractions: with shares 30/30/30/5/5 of 32 every remainder is exactly 0.6
    and the stated order breaks the tie (in floats 0.3 × 32 − 9 is 0.5999… and the order breaks).
    Equal remainders go to the earlier share (the better grade). Shares summing to less than 1
    leave the rest unallocated: those counts go to the last level, which is how "at most 10% S,
    at most 20% A, the rest B or below" quotas read.
    """
    shares = [q if isinstance(q, Fraction) else Fraction(exact(q)) for q in quotas]
    raw = [q * n for q in shares]
    counts = [math.floor(r) for r in raw]
    rest = n - sum(counts)
    if sum(shares) >= 1:
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
