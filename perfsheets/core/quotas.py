"""What a grade's quota means (at most, at least, exactly) and how outputs say it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

from perfsheets.core.model import Grade, Lang

QuotaKind = Literal["max", "min", "exact"]
QuotaMode = Literal["exact", "maximum"]

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
