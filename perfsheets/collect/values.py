"""Reading what people type into a form: numbers, ratings and text, normalised only where the
meaning is unambiguous, and values shown back to them as they would write them.

Normalised (each time with a note, reported as a ``value-normalised`` warning): numbers stored as
text, full-width digits and signs (８５), thousands separators (1,234), surrounding spaces, a
trailing unit equal to the KPI's unit (85% in a percent KPI), a rating's label typed instead of
its value ("优秀" → 5). Anything else that is not clearly a valid value is refused.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from perfsheets.core import layout
from perfsheets.core.i18n import TERMS
from perfsheets.core.problems import Text
from perfsheets.core.scoring import NOT_RATED


@dataclass(frozen=True)
class ItemSpec:
    """What may be typed for one item of a role (from the plan)."""

    kind: str  # kpi | task | competency
    code: str
    name: str
    unit: str = ""
    source: str = "rater"
    min_value: float | None = None
    max_value: float | None = None
    scale_values: tuple[int, ...] = ()
    labels: tuple[tuple[str, int], ...] = ()  # casefolded level name -> value
    name_en: str = ""  # the English name, when the plan has one
    na_allowed: bool = False  # a rated item that may be answered 无法评价 / N/A

    def label(self) -> Text:
        """'S01 销售额' in both languages (the code alone for items the plan does not know)."""
        return Text(
            f"{self.code} {self.name}".strip(), f"{self.code} {self.name_en or self.name}".strip()
        )

    @property
    def percent(self) -> bool:
        """A KPI measured in percent (its actual is typed as 85 for 85%)."""
        return self.unit.strip() in ("%", "％")


_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_RATING_WITH_LABEL = re.compile(r"(\d+)\s*[-–—:：.、(（\s]\s*(.*?)\s*[)）]?")

Reading = tuple[float | None, tuple[str, ...], str | None]  # value, normalisations, error


def blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_number(raw: object, *, unit: str = "") -> Reading:
    """A typed number: (value, what was normalised, None) or (None, (), why not)."""
    if type(raw) is float:  # the common case, first
        return (raw, (), None) if math.isfinite(raw) else (None, (), "nan")
    if blank(raw):
        return None, (), None
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        return None, (), "type"
    if not isinstance(raw, str):
        value = float(raw)
        return (value, (), None) if math.isfinite(value) else (None, (), "nan")
    notes: list[str] = ["text"]
    text = raw.strip()
    if text != raw:
        notes.append("spaces")
    folded = unicodedata.normalize("NFKC", text).replace("\u2212", "-")
    if folded != text:
        notes.append("fullwidth")
    unit_folded = unicodedata.normalize("NFKC", unit).strip()
    if unit_folded and folded.lower().endswith(unit_folded.lower()) and folded != unit_folded:
        folded = folded[: -len(unit_folded)].rstrip()
        notes.append("unit")
    if "," in folded:
        if not _GROUPED.fullmatch(folded):
            return None, (), "separators"
        folded = folded.replace(",", "")
        notes.append("thousands")
    if not _NUMBER.fullmatch(folded):
        return None, (), "text"
    return float(folded), tuple(notes), None


def read_rating(raw: object, spec: ItemSpec) -> Reading:
    """A scale value: a number of the scale, or unambiguously its level name."""
    if blank(raw):
        return None, (), None
    number, notes, bad = read_number(raw)
    if bad is None and number is not None:
        if number.is_integer() and int(number) in spec.scale_values:
            return float(number), notes, None
        return None, (), "choice"
    if not isinstance(raw, str):
        return None, (), "choice"
    text = unicodedata.normalize("NFKC", raw).strip()
    labels = dict(spec.labels)
    if fold(text) in labels:
        return float(labels[fold(text)]), ("label",), None
    match = _RATING_WITH_LABEL.fullmatch(text)
    if match and int(match.group(1)) in spec.scale_values:
        named = labels.get(fold(match.group(2)))
        if named == int(match.group(1)):
            return float(named), ("label",), None
    return None, (), "choice"


def read_text(raw: object) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float):
        return show(raw)
    if isinstance(raw, dt.datetime | dt.date):
        return raw.isoformat()
    return str(raw).strip()


def fold(text: str) -> str:
    """Text compared without regard to width or case (level names)."""
    return unicodedata.normalize("NFKC", text).strip().casefold()


def choices(spec: ItemSpec) -> str:
    allowed = [str(v) for v in spec.scale_values] + (
        [NOT_RATED["zh-CN"]] if spec.na_allowed else []
    )
    return ", ".join(allowed) or "?"


def within(value: float, low: float | None, high: float | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def same_value(expected: object, found: object) -> bool:
    """Locked values compare by meaning: 30 equals 30.0 and '30'; empty equals None."""
    # the common case first (type(), not isinstance: True is no number here)
    if type(found) is float and (type(expected) is float or type(expected) is int):
        return math.isclose(expected, found, rel_tol=1e-9, abs_tol=1e-9)
    if blank(expected) or blank(found):
        return blank(expected) and blank(found)
    exp_num, _, exp_bad = read_number(expected)
    got_num, _, got_bad = read_number(found)
    if exp_bad is None and got_bad is None and exp_num is not None and got_num is not None:
        return math.isclose(exp_num, got_num, rel_tol=1e-9, abs_tol=1e-9)
    return str(expected).strip() == str(found).strip()


def show(value: object) -> str:
    """A value as a person reads it: 30.0 -> '30', 0.1 + 0.2 -> '0.3'."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(value, ".12g")
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


# --- words for messages -------------------------------------------------------------------------


@cache
def field_text(meaning: str) -> Text:
    """A column meaning in words: 'actual' -> 实际值 / Actual."""
    if meaning == layout.COL_TEXT:
        return Text("内容", "text")
    zh, en = TERMS.get(meaning, (meaning, meaning))
    return Text(zh, en)


_REASONS = {
    "text": ("以文本形式保存的数字", "number stored as text"),
    "fullwidth": ("全角字符", "full-width characters"),
    "thousands": ("千位分隔符", "thousands separators"),
    "spaces": ("首尾空格", "surrounding spaces"),
    "unit": ("单位", "unit typed with the number"),
    "label": ("填写了等级名称", "the level's name instead of its value"),
    "percent_format": ("按百分比格式输入，85% 即 0.85", "typed as a percentage: 85% is 0.85"),
}


def reasons_text(notes: tuple[str, ...]) -> Text:
    """What was normalised, in words ('以文本形式保存的数字、全角字符')."""
    return Text("、".join(_REASONS[n][0] for n in notes), ", ".join(_REASONS[n][1] for n in notes))
