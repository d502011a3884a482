"""The KPI scoring rules (linear, bands, deduction, pass/fail, change against a baseline,
threshold/target/stretch) and the veto, as plan data."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from perfsheets.core.base import Model

# Each rule turns (actual, target, baseline) into an item score on 0..100 (or above 100 where a
# cap allows it). The arithmetic lives in perfsheets.core.scoring; these classes only hold parameters.


class LinearRule(Model):
    """Completion ratio actual/target (or target/actual for lower-is-better), clamped."""

    type: Literal["linear"] = "linear"
    floor: float = 0.0
    cap: float = 1.2


class Band(Model):
    # Bound of the band (inclusive) on the measured quantity: a lower bound, or an upper bound
    # for raw values where lower is better (``on: value`` with ``direction: lower``).
    min: float
    score: float


class BandsRule(Model):
    """Completion ratio (or raw value with ``on: value``) looked up in bands, best first."""

    type: Literal["bands"] = "bands"
    on: Literal["ratio", "value"] = "ratio"
    bands: list[Band] = Field(min_length=1)
    otherwise: float = 0.0


class DeductionRule(Model):
    """扣分制: start from ``base`` and deduct ``per_unit`` for every incident entered as actual."""

    type: Literal["deduction"] = "deduction"
    base: float = 100.0
    per_unit: float = Field(gt=0)
    floor: float = 0.0


class PassFailRule(Model):
    """Full marks when the target is met (>= for higher, <= for lower-is-better), else ``fail``."""

    type: Literal["pass_fail"] = "pass_fail"
    pass_score: float = 100.0
    fail_score: float = 0.0


class ChangeBandsRule(Model):
    """Change rate against the baseline, looked up in bands.

    higher-is-better: (actual - baseline) / baseline; lower-is-better (e.g. cost reduction):
    (baseline - actual) / baseline.
    """

    type: Literal["change_bands"] = "change_bands"
    bands: list[Band] = Field(min_length=1)
    otherwise: float = 0.0


class ThresholdRule(Model):
    """门槛值 / 目标值 / 挑战值: scores at three points, linear in the actual between them.

    ``threshold`` and ``stretch`` are multiples of the target (so individual and changed targets
    carry them): 0.8 and 1.2 put the threshold at 80% and the stretch at 120% of the target; for
    lower-is-better KPIs threshold > 1 > stretch (a cost 10% over budget, 10% under). Worse than
    the threshold scores ``below``; beyond the stretch, ``stretch_score``.
    """

    type: Literal["threshold"] = "threshold"
    threshold: float = Field(gt=0)
    stretch: float = Field(gt=0)
    threshold_score: float = 60.0
    target_score: float = 100.0
    stretch_score: float = 120.0
    below: float = 0.0


ScoringRule = Annotated[
    LinearRule | BandsRule | DeductionRule | PassFailRule | ChangeBandsRule | ThresholdRule,
    Field(discriminator="type"),
]


class Veto(Model):
    """一票否决: when the KPI fails, the person's grade is ``grade`` whatever the score.

    Fails: lower is better or a deduction rule (incidents) — an actual of ``at`` or more (default
    1, one incident); a pass/fail rule — the target not met; higher is better — an actual below
    ``at`` (default the target).
    """

    grade: str
    at: float | None = None
