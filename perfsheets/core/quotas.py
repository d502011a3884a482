"""What a grade's quota means (at most, at least, exactly) and how outputs say it."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from perfsheets.core.model import Grade, Lang
from perfsheets.core.scoring import exact, largest_remainder

QuotaKind = Literal["max", "min", "exact"]
QuotaMode = Literal["exact", "maximum"]

# Quota groups that are not a department or role: the pool of groups below the minimum size,
# and the whole company (when the plan groups nobody).
POOLED = "*pooled*"
ALL_GROUP = "*all*"


def quota_group_text(group: str, lang: Lang) -> str:
    """A quota group in words: a department or role, or the pool of the small ones."""
    if group == POOLED:
        return "small groups pooled" if lang == "en" else "合并的小组"
    if group == ALL_GROUP:
        return "whole company" if lang == "en" else "全公司"
    return group


KIND_WORDS: dict[str, tuple[str, str]] = {
    "max": ("上限", "at most"),
    "min": ("下限", "at least"),
    "exact": ("固定比例", "exactly"),
}


def quota_mode(
    quotas: Sequence[float | None], kinds: Sequence[QuotaKind | None] | None = None
) -> QuotaMode:
    """ "exact" when every grade's share is exact, else "maximum".

    exact: the group is ranked and split by the shares (强制分布), people can move up or down.
    maximum: a grade with a maximum holds at most its share (people move down only as far as
    that requires); minimum shares then pull in the fewest people needed. A plan that states no
    kinds reads as exact when every grade has a share and they add up to 100%.
    """
    given = [k for k in kinds or () if k is not None]
    if given:
        explicit = all(k == "exact" for k in given) and len(given) == len(quotas)
        return "exact" if explicit and all(q is not None for q in quotas) else "maximum"
    if all(q is not None for q in quotas) and abs(math.fsum(quotas) - 1) < 1e-6:  # type: ignore[arg-type]
        return "exact"
    return "maximum"


def quota_kinds(
    quotas: Sequence[float | None], kinds: Sequence[QuotaKind | None] | None = None
) -> list[QuotaKind | None]:
    """What each grade's share means (None: no share): as stated, else by :func:`quota_mode`."""
    mode = quota_mode(quotas, kinds)
    stated = list(kinds) if kinds is not None else [None] * len(quotas)
    default: QuotaKind = "exact" if mode == "exact" else "max"
    return [None if q is None else (k or default) for q, k in zip(quotas, stated, strict=True)]


def grade_quota_kinds(levels: Sequence[Grade]) -> dict[str, QuotaKind | None]:
    """Grade code -> what its quota means, for the plan's grades (best first)."""
    ordered = sorted(levels, key=lambda g: g.min_score, reverse=True)
    kinds = quota_kinds([g.quota for g in ordered], [g.quota_kind for g in ordered])
    return {g.code: k for g, k in zip(ordered, kinds, strict=True)}


def quota_text(share: float | None, kind: QuotaKind | None, lang: Lang) -> str:
    """ "上限 10%" / "at most 10%"; "—" for a grade without a quota."""
    if share is None or kind is None:
        return "—"
    zh, en = KIND_WORDS[kind]
    pct = f"{share * 100:g}%"
    return f"{en} {pct}" if lang == "en" else f"{zh} {pct}"


# --- counting a group's grades against the quotas (consolidation's forced distribution and the
# calibration committee's check use the same counts) -----------------------------------------


def quota_counts(quotas: Sequence[float | None], n: int) -> list[int | None]:
    """Head counts per grade for a group of n by largest remainder; None for grades without one.

    The share left over by the quotas is its own bucket in the rounding, so "10% S, 20% A" for
    7 people gives S 1, A 1 (0.7 and 1.4 round against the remaining 4.9).
    """
    given = [Fraction(exact(q)) for q in quotas if q is not None]
    rest = max(Fraction(0), 1 - sum(given, Fraction(0)))
    counts = largest_remainder([*given, rest], n)[: len(given)] if given else []
    it = iter(counts)
    return [next(it) if q is not None else None for q in quotas]


def minimum_count(share: float, n: int) -> int:
    """A minimum share of a group of n: at least ceil(share × n) people (exact fractions)."""
    return math.ceil(Fraction(exact(share)) * n)


@dataclass(frozen=True)
class QuotaBreach:
    """A group's count of one grade (or a set of grades) outside its quota."""

    group: str
    grades: tuple[str, ...]
    kind: QuotaKind
    count: int
    limit: int
    size: int


def quota_breaches(
    levels: Sequence[Grade],
    minimum_shares: Sequence[tuple[Sequence[str], float]],
    counts: Mapping[str, int],
    size: int,
    group: str,
) -> list[QuotaBreach]:
    """Where a group of ``size`` people with ``counts`` per grade code is outside the plan's
    quotas: above a maximum ("max", "exact"), below a minimum ("min", "exact", or a minimum
    share of several grades together)."""
    ordered = sorted(levels, key=lambda g: g.min_score, reverse=True)
    quotas = [g.quota for g in ordered]
    meaning = quota_kinds(quotas, [g.quota_kind for g in ordered])
    heads = quota_counts(quotas, size)
    out: list[QuotaBreach] = []
    for grade, kind, share, head in zip(ordered, meaning, quotas, heads, strict=True):
        if kind is None or share is None or head is None:
            continue
        have = counts.get(grade.code, 0)
        if kind in ("max", "exact") and have > head:
            out.append(QuotaBreach(group, (grade.code,), "max", have, head, size))
        low = head if kind == "exact" else minimum_count(share, size)
        if kind in ("min", "exact") and have < low:
            out.append(QuotaBreach(group, (grade.code,), "min", have, low, size))
    for codes, share in minimum_shares:
        have = sum(counts.get(c, 0) for c in codes)
        need = minimum_count(share, size)
        if have < need:
            out.append(QuotaBreach(group, tuple(codes), "min", have, need, size))
    return out
