"""How far along a KPI should be part-way through a period, by the kind of quantity it measures.

Pure arithmetic for :mod:`perfsheets.midcycle.progress`. A sales total halfway through the year
should be about half its target; an on-time rate or a satisfaction score is compared with the
target itself (60% on time against 95% is behind at any point of the year, not "ahead because
half the year is gone"); a headcount or a market share is what it is today; incidents and costs
where lower is better are projected to the period's end and set against the allowance; a
deduction KPI has lost what its incidents so far have cost.

Every kind yields ``done``: the KPI's contribution to a person's progress as a share of the whole
period's target (0..1), so that kinds can be weighed together and compared with the share of the
period gone. A rate or point-in-time KPI exactly on its target is exactly on pace (``done`` =
share gone); a cumulative KPI is its completion so far.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from perfsheets.core.model import Kpi, Pace
from perfsheets.core.rules import BandsRule, ChangeBandsRule, DeductionRule, PassFailRule
from perfsheets.core.scoring import completion_ratio, rule_score

Status = Literal["ahead", "on_track", "behind", "no_data"]
PACES: tuple[Pace, ...] = get_args(Pace)
AHEAD_MARGIN = 0.10  # this far past where it should be counts as ahead

# Units of quantities that are rates, averages or scores: compared with the target as they are.
RATE_UNITS = frozenset({"%", "％", "‰", "分", "分钟", "小时", "秒", "天/次", "pts", "h", "min"})

PACE_TEXT: dict[Pace, tuple[str, str]] = {
    "cumulative": ("累计值（按时间进度）", "Cumulative (pro-rated)"),
    "average": ("比率/平均值（对比目标）", "Rate or average (against the target)"),
    "point": ("时点值（对比目标）", "Point in time (against the target)"),
    "allowance": ("越低越好（预测期末对比上限）", "Lower is better (projected vs allowance)"),
    "deduction": ("扣分项（至今事件）", "Deduction (incidents so far)"),
}


def default_pace(kpi: Kpi) -> Pace:
    """The kind a KPI measures when the plan does not say: from its scoring rule and unit."""
    if isinstance(kpi.rule, DeductionRule):
        return "deduction"
    rate_unit = kpi.unit.strip() in RATE_UNITS
    if isinstance(kpi.rule, ChangeBandsRule):
        # Spending against a budget (an amount, lower is better) accrues; a share is a level.
        return "allowance" if kpi.direction == "lower" and not rate_unit else "point"
    if rate_unit or isinstance(kpi.rule, PassFailRule):
        return "average"
    return "allowance" if kpi.direction == "lower" else "cumulative"


def kpi_pace(kpi: Kpi) -> Pace:
    return kpi.pace or default_pace(kpi)


@dataclass(frozen=True)
class Pacing:
    pace: Pace
    expected: float | None  # where the actual should be by now (units of the KPI)
    projected: float | None  # the period-end value if it goes on like this
    done: float | None  # share of the period's target done, 0..1, set against the share gone
    status: Status


def pace_kpi(
    kpi: Kpi,
    actual: float | None,
    target: float | None,
    baseline: float | None,
    elapsed: float,
) -> Pacing:
    """Pace of one KPI with ``elapsed`` (0..1) of the period gone; targets in force passed in."""
    pace = kpi_pace(kpi)
    if actual is None:
        return Pacing(pace, None, None, None, "no_data")
    if pace == "cumulative":
        return _cumulative(actual, target, elapsed)
    if pace == "allowance":
        return _allowance(kpi, actual, target, baseline, elapsed)
    if pace == "deduction":
        return _deduction(kpi, actual, target, baseline, elapsed)
    return _against_target(kpi, pace, actual, target, baseline, elapsed)


def _cumulative(actual: float, target: float | None, elapsed: float) -> Pacing:
    ratio = None if target is None else completion_ratio(actual, target, "higher")
    if ratio is None or target is None:
        return Pacing("cumulative", None, None, None, "no_data")
    done = min(max(ratio, 0.0), 1.0)
    projected = actual / elapsed if elapsed > 0 else None
    return Pacing("cumulative", target * elapsed, projected, done, pace_status(done, elapsed))


def _allowance(
    kpi: Kpi, actual: float, target: float | None, baseline: float | None, elapsed: float
) -> Pacing:
    # A change-rate rule on spending sets it against the baseline (the budget).
    allowance = baseline if isinstance(kpi.rule, ChangeBandsRule) else target
    if allowance is None or allowance <= 0:
        return Pacing("allowance", None, None, None, "no_data")
    if elapsed <= 0:
        return Pacing("allowance", 0.0, None, 0.0, "on_track")
    projected = actual / elapsed
    ratio = 1.0 + AHEAD_MARGIN * 2 if projected <= 0 else allowance / projected
    return Pacing(
        "allowance", allowance * elapsed, projected, elapsed * min(ratio, 1.0), _ratio_status(ratio)
    )


def _deduction(
    kpi: Kpi, actual: float, target: float | None, baseline: float | None, elapsed: float
) -> Pacing:
    rule = kpi.rule
    base = rule.base if isinstance(rule, DeductionRule) else 100.0
    score = rule_score(rule, actual, target, baseline, kpi.direction)
    share = 1.0 if score is None or base <= 0 else min(max(score / base, 0.0), 1.0)
    projected = actual / elapsed if elapsed > 0 else None
    # Points lost to an incident are not won back later in the period.
    return Pacing(
        "deduction", 0.0, projected, elapsed * share, "behind" if actual > 0 else "on_track"
    )


def _against_target(
    kpi: Kpi,
    pace: Pace,
    actual: float,
    target: float | None,
    baseline: float | None,
    elapsed: float,
) -> Pacing:
    """A rate, average or level: what it is now against what the period asks of it."""
    ratio: float | None = None
    if target is not None and not isinstance(kpi.rule, ChangeBandsRule):
        ratio = completion_ratio(actual, target, kpi.direction)
    if ratio is None:
        # No target to compare with (bands on the value, a change rate): the score it earns now
        # against full marks.
        score = rule_score(kpi.rule, actual, target, baseline, kpi.direction)
        ratio = None if score is None else score / _full_marks(kpi)
    if ratio is None:
        return Pacing(pace, target, actual, None, "no_data")
    ratio = min(ratio, 10.0)  # a lower-is-better zero beats the target "infinitely"
    return Pacing(pace, target, actual, elapsed * min(ratio, 1.0), _ratio_status(ratio))


def _full_marks(kpi: Kpi) -> float:
    rule = kpi.rule
    if isinstance(rule, BandsRule | ChangeBandsRule):
        return max(b.score for b in rule.bands) or 100.0
    if isinstance(rule, PassFailRule):
        return rule.pass_score or 100.0
    return 100.0


def _ratio_status(ratio: float) -> Status:
    if ratio < 1.0 - 1e-9:
        return "behind"
    return "ahead" if ratio >= 1.0 + AHEAD_MARGIN else "on_track"


def pace_status(done: float | None, elapsed: float) -> Status:
    """Done (share of the period's target) set against the share of the period gone."""
    if done is None:
        return "no_data"
    if done + 1e-9 < elapsed:
        return "behind"
    return "ahead" if done >= elapsed + AHEAD_MARGIN else "on_track"
