"""Fairness tools of consolidation: forced distribution, rater calibration and statistics.

Pure functions: they take plain values or pandas DataFrames and return new ones, never read or
write files. :mod:`perfsheets.consolidation.run` feeds them the ledger's ratings. Every rule is stated
in a docstring in the words HR uses to explain it.

Ratings DataFrames have one row per rating with at least the columns ``ratee``, ``rater``,
``rtype`` (rater type), ``item`` (e.g. ``competency:C01``), ``value`` (the scale value) and
``points`` (the value mapped to points by the item's scale).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Literal

from perfsheets.core.quotas import POOLED, QuotaKind, quota_counts, quota_kinds, quota_mode
from perfsheets.core.scoring import exact, round_half_up

if TYPE_CHECKING:
    import pandas as pd

TieRule = Literal["favour_employee", "employee_id"]


# --- forced distribution ------------------------------------------------------------------------


def _ranked_ties(scores: Mapping[str, float], tie_rule: TieRule) -> list[list[str]]:
    """People best first, in tie groups: a group of equal scores under "favour_employee",
    one person per group (ties broken by employee id) under "employee_id"."""
    order = sorted(scores, key=lambda e: (-scores[e], e))
    if tie_rule == "employee_id":
        return [[e] for e in order]
    groups: list[list[str]] = []
    for emp in order:
        if groups and scores[groups[-1][0]] == scores[emp]:
            groups[-1].append(emp)
        else:
            groups.append([emp])
    return groups


def forced_distribution(
    scores: Mapping[str, float],
    threshold_levels: Mapping[str, int],
    quotas: Sequence[float | None],
    tie_rule: TieRule = "favour_employee",
    kinds: Sequence[QuotaKind | None] | None = None,
    minimums: Sequence[tuple[Sequence[int], float]] = (),
) -> dict[str, int]:
    """Grade level (0 = best) of each person of one group under forced distribution.

    ``threshold_levels`` are the levels the people reached by the score thresholds; ``quotas``
    the grades' shares, best first, ``kinds`` what each share means (see :func:`quota_mode`),
    ``minimums`` extra minimum shares of several levels together (e.g. C + D >= 5%).

    * exact (every grade): ranked best first, the first c0 people get level 0, the next c1
      level 1 ... (counts by largest remainder).
    * otherwise, maxima first: ranked best first, each person keeps the level their score
      reached unless that level is full, then the next level below with room; nobody moves up.
      Then each minimum (a "min" or "exact" grade alone, or a set of grades) that is not met
      takes the fewest people needed from next to it: the lowest-ranked people above a set that
      is not at the top move down into its best level; for a set at the top, the highest-ranked
      people below move up into its lowest level. A minimum is at least ceil(share × n) people.

    Ties at a boundary: "favour_employee" keeps everyone with the same score together (a full
    level then holds more than its count; a minimum may take a whole tie group); "employee_id"
    breaks ties by employee id, so the counts hold exactly.
    """
    n = len(scores)
    counts = quota_counts(quotas, n)
    groups = _ranked_ties(scores, tie_rule)
    if quota_mode(quotas, kinds) == "exact":
        return _split_by_rank(groups, counts)
    meaning = quota_kinds(quotas, kinds)
    out = _apply_maxima(groups, threshold_levels, counts, meaning)
    wanted = [
        ([i], q)
        for i, (k, q) in enumerate(zip(meaning, quotas, strict=True))
        if k in ("min", "exact") and q is not None
    ]
    for levels, share in [*wanted, *minimums]:
        _apply_minimum(groups, out, sorted(levels), Fraction(exact(share)), len(quotas) - 1)
    return out


def _split_by_rank(groups: list[list[str]], counts: Sequence[int | None]) -> dict[str, int]:
    bounds = list(_cumulative([c or 0 for c in counts]))
    out: dict[str, int] = {}
    position = 0
    for group in groups:
        level = next((i for i, b in enumerate(bounds) if position < b), len(bounds) - 1)
        for emp in group:
            out[emp] = level
        position += len(group)
    return out


def _apply_maxima(groups, threshold_levels, counts, meaning) -> dict[str, int]:
    room = [c if k in ("max", "exact") else math.inf for c, k in zip(counts, meaning, strict=True)]
    last = len(counts) - 1
    out: dict[str, int] = {}
    for group in groups:
        start = threshold_levels[group[0]]
        level = next((i for i in range(start, last + 1) if room[i] > 0), last)
        for emp in group:
            out[emp] = level
        room[level] -= len(group)
    return out


def _apply_minimum(
    groups: list[list[str]], out: dict[str, int], levels: list[int], share: Fraction, last: int
) -> None:
    need = math.ceil(share * len(out))
    have = sum(1 for level in out.values() if level in levels)
    best, worst = levels[0], levels[-1]
    from_above = best > 0  # a set not at the top fills from the people ranked above it
    order = reversed(groups) if from_above else iter(groups)
    for group in order:
        if have >= need:
            return
        movable = [e for e in group if (out[e] < best if from_above else out[e] > worst)]
        for emp in movable:
            out[emp] = best if from_above else worst
        have += len(movable)


def _cumulative(counts: Sequence[int]):
    total = 0
    for c in counts:
        total += c
        yield total


@dataclass(frozen=True)
class QuotaGroups:
    """Who is distributed together: ``groups`` maps a group label to its members.

    ``unforced`` lists the labels too small for quotas even after pooling.
    """

    groups: dict[str, list[str]]
    unforced: list[str] = field(default_factory=list)


def quota_groups(unit_of: Mapping[str, str], min_size: int) -> QuotaGroups:
    """Units (departments, roles) with at least ``min_size`` people are groups of their own;
    smaller units are pooled into one group; a pool still below ``min_size`` keeps the grades
    of the thresholds (no quota applies to it)."""
    units: dict[str, list[str]] = {}
    for emp, unit in unit_of.items():
        units.setdefault(unit, []).append(emp)
    groups: dict[str, list[str]] = {}
    pool: list[str] = []
    for unit in sorted(units):
        members = sorted(units[unit])
        if len(members) >= min_size:
            groups[unit] = members
        else:
            pool.extend(members)
    unforced: list[str] = []
    if pool:
        groups[POOLED] = sorted(pool)
        if len(pool) < min_size:
            unforced.append(POOLED)
    return QuotaGroups(groups, unforced)


# --- calibration --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Calibration:
    """How ratings were put on a common scale (``method`` "none" or "zscore")."""

    method: str
    pool_mean: float | None = None
    pool_std: float | None = None
    calibrated_raters: int = 0
    uncalibrated_raters: int = 0  # too few ratees (self ratings always)
    min_ratees: int = 0

    def as_dict(self) -> dict:
        return {
            "method": self.method,
            "pool_mean": self.pool_mean,
            "pool_std": self.pool_std,
            "calibrated_raters": self.calibrated_raters,
            "uncalibrated_raters": self.uncalibrated_raters,
            "min_ratees": self.min_ratees,
        }


def zscore_calibrate(ratings: pd.DataFrame, min_ratees: int) -> tuple[pd.Series, Calibration]:
    """Calibrated points of each rating: every rater put on the pool's mean and spread.

    A rater (per rater type: someone's self ratings are not mixed with their ratings as a
    manager) who rated at least ``min_ratees`` people has each rating replaced by
    ``pool mean + z * pool std``, z being the rating's z-score among that rater's own ratings
    (population std). The pool is all ratings of such raters. A rater who gave everyone the same
    points (std 0) gets the pool mean. Results are clamped to the item scale's points
    (columns ``low``/``high``). Other ratings (fewer ratees, self) keep their points.
    """
    import numpy as np  # heavy: loaded on first use, not at start-up

    key = [ratings["rater"], ratings["rtype"]]
    grouped = ratings.groupby(key, sort=False)["points"]
    ratees = ratings.groupby(key, sort=False)["ratee"].transform("nunique")
    eligible = (ratees >= min_ratees).to_numpy()
    mean = grouped.transform("mean").to_numpy()
    std = grouped.transform("std", ddof=0).fillna(0.0).to_numpy()
    points = ratings["points"].to_numpy(dtype=float)
    pool = points[eligible]
    if pool.size == 0:
        info = Calibration("zscore", None, None, 0, _count_raters(ratings), min_ratees)
        return ratings["points"].astype(float), info
    pool_mean, pool_std = float(pool.mean()), float(pool.std())
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(std > 0, (points - mean) / std, 0.0)
    calibrated = np.clip(
        pool_mean + z * pool_std, ratings["low"].to_numpy(), ratings["high"].to_numpy()
    )
    out = np.where(eligible, calibrated, points)
    n_cal = _count_raters(ratings[eligible])
    info = Calibration(
        "zscore",
        pool_mean,
        pool_std,
        n_cal,
        _count_raters(ratings) - n_cal,
        min_ratees,
    )
    import pandas as pd  # heavy: loaded on first use, not at start-up

    return pd.Series(out, index=ratings.index, name="points"), info


def _count_raters(ratings: pd.DataFrame) -> int:
    return int(ratings[["rater", "rtype"]].drop_duplicates().shape[0])


# --- rater leniency -----------------------------------------------------------------------------


LENIENCY_COLUMNS = (
    "rater",
    "rtype",
    "ratings",
    "ratees",
    "mean_rating",
    "others_mean",
    "difference",
    "flagged",
)


def leniency_table(ratings: pd.DataFrame, flag: float, min_ratees: int) -> pd.DataFrame:
    """Each rater's mean rating against the mean of everyone else who rated the same people.

    For every rating, "others" is the mean of the other raters' ratings of the same person and
    item (self ratings left out on both sides). A rater's difference is their mean rating minus
    the mean of those others' means, over the ratings that have others. Flagged when the
    difference is at least ``flag`` scale points either way and the rater rated at least
    ``min_ratees`` people that others rated too. Positive: lenient; negative: strict.
    """
    import pandas as pd  # heavy: loaded on first use, not at start-up

    df = ratings.loc[ratings["rtype"] != "self", ["ratee", "rater", "rtype", "item", "value"]]
    by_unit = df.groupby(["ratee", "item"], sort=False)["value"]
    total = by_unit.transform("sum")
    count = by_unit.transform("count")
    df = df.assign(others=(total - df["value"]) / (count - 1))
    df = df[count > 1]
    if df.empty:
        return pd.DataFrame(columns=list(LENIENCY_COLUMNS))
    table = df.groupby(["rater", "rtype"], sort=True).agg(
        ratings=("value", "size"),
        ratees=("ratee", "nunique"),
        mean_rating=("value", "mean"),
        others_mean=("others", "mean"),
    )
    # The sheet shows means to 2 places (half up, as Excel); the difference is the shown mean
    # minus the shown others' mean, so HR can check it by hand, and the flag judges that figure.
    for column in ("mean_rating", "others_mean"):
        table[column] = [round_half_up(v, 2) for v in table[column].tolist()]
    table["difference"] = [
        round_half_up(exact(m) - exact(o), 2)
        for m, o in zip(table["mean_rating"].tolist(), table["others_mean"].tolist(), strict=True)
    ]
    table["flagged"] = (table["difference"].abs() >= flag) & (table["ratees"] >= min_ratees)
    return table.reset_index()[list(LENIENCY_COLUMNS)]


# --- agreement ----------------------------------------------------------------------------------


# Distinct values the units x values matrix may have: the package builds a units x V x V array.
MAX_ALPHA_VALUES = 64


def krippendorff_alpha(
    ratings: pd.DataFrame, column: str = "points"
) -> dict[str, float | int | None]:
    """Krippendorff's alpha (interval) of one group of ratings, on ``column``.

    Units are (person, item); only units with two or more ratings carry information. Uses the
    maintained ``krippendorff`` package with a units × values count matrix, so sparse 360°
    data of any size stays small. Meant for the scales' points (a handful of values); more than
    :data:`MAX_ALPHA_VALUES` distinct values are rounded to whole points first. None when fewer
    than two such units exist or there is no variation at all.
    """
    import numpy as np  # heavy: loaded on first use, not at start-up

    keys = ["ratee", "item"]
    multi = ratings.groupby(keys, sort=False)[column].transform("size") > 1
    df = ratings.loc[multi, [*keys, column]]
    units = df.groupby(keys, sort=False).ngroups if len(df) else 0
    result: dict[str, float | int | None] = {"alpha": None, "units": units, "ratings": len(df)}
    if units < 2:
        return result
    values = df[column].to_numpy(dtype=float)
    domain = np.unique(values)
    if domain.size > MAX_ALPHA_VALUES:
        values = np.round(values)
        domain = np.unique(values)
    if domain.size < 2:
        return result
    import krippendorff  # heavy: loaded on first use, not at start-up

    unit_codes = df.groupby(keys, sort=False).ngroup().to_numpy()
    counts = np.zeros((units, domain.size))
    np.add.at(counts, (unit_codes, np.searchsorted(domain, values)), 1)
    alpha = float(
        krippendorff.alpha(
            value_counts=counts, value_domain=domain, level_of_measurement="interval"
        )
    )
    result["alpha"] = alpha if math.isfinite(alpha) else None
    return result


def reliability_by_type(ratings: pd.DataFrame) -> dict[str, dict[str, float | int | None]]:
    """Krippendorff's alpha per rater type (how far raters of one type agree on a person), on
    the ratings as given (``raw_points``, before any calibration, when the column exists).

    Self and manager usually give one rating per person and item, so their alpha is None.
    """
    column = "raw_points" if "raw_points" in ratings.columns else "points"
    return {
        str(rtype): krippendorff_alpha(group, column)
        for rtype, group in ratings.groupby("rtype", sort=True)
        if rtype != "self"
    }


def self_other_gap(
    self_rating: float, others_rating: float, threshold: float
) -> tuple[float, str | None]:
    """Gap (self minus others, scale points) and its kind.

    Blind spot: self at least ``threshold`` above others; hidden strength: at least
    ``threshold`` below.
    """
    gap = self_rating - others_rating
    if gap >= threshold - 1e-9:
        return gap, "blind_spot"
    if gap <= -threshold + 1e-9:
        return gap, "hidden_strength"
    return gap, None


def population_std(count: float, total: float, squares: float) -> float | None:
    """Standard deviation (population) from count, sum and sum of squares; None below 2."""
    if count < 2:
        return None
    mean = total / count
    return math.sqrt(max(0.0, squares / count - mean * mean))
