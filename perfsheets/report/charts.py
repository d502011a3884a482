"""Charts for the reports, drawn as inline SVG by code (nothing is fetched, nothing is rasterised).

Every function returns :class:`markupsafe.Markup` ready to drop into a Jinja template; every text
that goes into a chart (competency names, department names ...) is escaped here. Values that are
``None`` are left out of the drawing rather than drawn as zero.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

FONT = "Noto Sans CJK SC"
INK = "#333333"
GRID = "#d5d9de"
MUTED = "#6b7280"
# Colour-blind safe pair first (Okabe-Ito blue and orange), then a few more.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#999999")
TINTS = ("#dbeaf5", "#fbefd6", "#d6efe6", "#f5e6ef", "#e0f0fa", "#f8e0d3", "#ebebeb")


@dataclass(frozen=True)
class Series:
    """One line of values in a chart (e.g. self ratings, others' ratings)."""

    label: str
    values: Sequence[float | None]
    color: str = PALETTE[0]
    dashed: bool = False
    # Solid tints, not opacity: transparency would make WeasyPrint emit a group XObject per
    # shape, which bloats PDFs and slows cutting a batch into per-employee files.
    fill: str = "none"


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _svg(width: float, height: float, body: list[str], font: str, cls: str = "chart") -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{cls}" width="{_num(width)}" '
        f'height="{_num(height)}" viewBox="0 0 {_num(width)} {_num(height)}" '
        f'font-family="{escape(font)}" font-size="9" fill="{INK}">'
    )
    return Markup(head + "".join(body) + "</svg>")


def text_width(text: str, size: float = 9) -> float:
    """Estimated width of a text in Noto Sans CJK: CJK glyphs are 1 em, Latin about 0.56 em."""
    wide = sum(1 for ch in text if unicodedata.east_asian_width(ch) in "WF")
    return size * (wide + 0.56 * (len(text) - wide))


def _text(x: float, y: float, text: object, anchor: str = "middle", **attrs: object) -> str:
    # Centred or right-aligned SVG text makes WeasyPrint wrap every label in its own PDF form
    # XObject (slow to cut into per-employee files), so place it ourselves from its width.
    label = str(text)
    size = float(attrs.get("font_size", 9))  # type: ignore[arg-type]
    if anchor != "start":
        x -= text_width(label, size) / (2 if anchor == "middle" else 1)
    extra = "".join(f' {k.replace("_", "-")}="{escape(v)}"' for k, v in attrs.items())
    return f'<text x="{_num(x)}" y="{_num(y)}"{extra}>{escape(label)}</text>'


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _legend(series: Sequence[Series], x: float, y: float) -> list[str]:
    parts = []
    for s in series:
        dash = ' stroke-dasharray="4 2"' if s.dashed else ""
        parts.append(
            f'<line x1="{_num(x)}" y1="{_num(y - 3)}" x2="{_num(x + 16)}" y2="{_num(y - 3)}" '
            f'stroke="{s.color}" stroke-width="2"{dash}/>'
        )
        parts.append(_text(x + 20, y, s.label, anchor="start"))
        x += 32 + text_width(s.label)
    return parts


def radar(
    axes: Sequence[str],
    series: Sequence[Series],
    low: float,
    high: float,
    *,
    size: float = 260,
    font: str = FONT,
) -> Markup:
    """Radar (spider) chart of ratings on a scale ``low..high``, one polygon per series.

    Needs at least three axes; use :func:`compare_bars` for fewer.
    """
    n = len(axes)
    if n < 3:
        raise ValueError("a radar chart needs at least three axes")
    width = size + 80
    labels = [_wrap(name, _AXIS_LABEL_W, _AXIS_FONT) for name in axes]
    # Room for the widest label beside the chart: the radius gives way (never the label).
    side = max(
        (
            max(text_width(line, _AXIS_FONT) for line in lines)
            for i, lines in enumerate(labels)
            if abs(math.cos(-math.pi / 2 + 2 * math.pi * i / n)) > 0.05
        ),
        default=0.0,
    )
    cx, cy = width / 2, size / 2 + 8
    radius = max(60.0, min(size / 2 - 22, (width / 2 - side - 6) / 1.12))
    span = (high - low) or 1.0

    def point(i: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / n
        r = radius * max(0.0, min(1.0, (value - low) / span))
        return cx + r * math.cos(angle), cy + r * math.sin(angle)

    body: list[str] = []
    levels = round(high - low) if float(high - low).is_integer() and high - low <= 10 else 4
    # Rings and spokes as one path each: every SVG element costs layout time in WeasyPrint.
    grid, ticks = [], []
    for k in range(1, levels + 1):
        value = low + span * k / levels
        ring = [point(i, value) for i in range(n)]
        grid.append("M" + " L".join(f"{_num(x)},{_num(y)}" for x, y in ring) + " Z")
        x, y = ring[0]
        ticks.append(_text(x + 3, y + 3, _num(value), anchor="start", fill=MUTED, font_size=7))
    for i in range(n):
        x, y = point(i, high)
        grid.append(f"M{_num(cx)},{_num(cy)} L{_num(x)},{_num(y)}")
    body.insert(0, f'<path d="{" ".join(grid)}" fill="none" stroke="{GRID}" stroke-width="0.7"/>')
    for i, lines in enumerate(labels):
        x, y = point(i, high)
        lx, ly = cx + (x - cx) * 1.12, cy + (y - cy) * 1.12 + 3
        anchor = "middle" if abs(lx - cx) < 8 else ("start" if lx > cx else "end")
        step = _AXIS_FONT + 1.5
        if y < cy - 1:  # above the centre: a two-line label grows upwards
            ly -= step * (len(lines) - 1)
        elif abs(y - cy) <= 1:
            ly -= step * (len(lines) - 1) / 2
        for k, line in enumerate(lines):
            body.append(_text(lx, ly + k * step, line, anchor=anchor, font_size=_AXIS_FONT))
    for s in series:
        pts = [point(i, v) for i, v in enumerate(s.values) if v is not None]
        if len(pts) < 2:
            continue
        dash = ' stroke-dasharray="4 2"' if s.dashed else ""
        coords = " ".join(f"{_num(x)},{_num(y)}" for x, y in pts)
        body.append(
            f'<polygon points="{coords}" fill="{s.fill}" '
            f'stroke="{s.color}" stroke-width="1.6"{dash}/>'
        )
    body.extend(ticks)  # over the polygons, so they stay readable
    body.extend(_legend(series, 12, size + 26))
    return _svg(width, size + 34, body, font)


_AXIS_FONT = 8.0
_AXIS_LABEL_W = 84.0  # widest line of a radar axis label


def _wrap(text: str, width: float, size: float, lines: int = 2) -> list[str]:
    """A label in at most ``lines`` lines of ``width``: broken between words (English) or
    anywhere (Chinese); only what still does not fit is shortened with an ellipsis."""
    words = text.split(" ") if " " in text else list(text)
    sep = " " if " " in text else ""
    out: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current}{sep}{word}" if current else word
        if current and text_width(candidate, size) > width:
            out.append(current)
            current = word
        else:
            current = candidate
    out.append(current)
    if len(out) > lines:
        out = [*out[: lines - 1], sep.join(out[lines - 1 :])]
    last = out[-1]
    while text_width(last, size) > width and len(last) > 1:
        last = last.rstrip("…")[:-1] + "…"
    return [*out[:-1], last]


def compare_bars(
    items: Sequence[str],
    series: Sequence[Series],
    low: float,
    high: float,
    *,
    width: float = 340,
    font: str = FONT,
) -> Markup:
    """Horizontal grouped bars: one group per item, one bar per series (e.g. self vs others)."""
    label_w, bar_h, gap = 90, 9, 8
    group_h = bar_h * len(series) + gap
    plot_w = width - label_w - 30
    span = (high - low) or 1.0
    body: list[str] = []
    for i, name in enumerate(items):
        top = 6 + i * group_h
        body.append(
            _text(label_w - 6, top + group_h / 2, _wrap(name, label_w - 8, 9, 1)[0], anchor="end")
        )
        for j, s in enumerate(series):
            value = s.values[i] if i < len(s.values) else None
            if value is None:
                continue
            w = plot_w * max(0.0, min(1.0, (value - low) / span))
            y = top + j * bar_h
            body.append(
                f'<rect x="{label_w}" y="{_num(y)}" width="{_num(w)}" height="{bar_h - 2}" '
                f'fill="{s.color}"/>'
            )
            body.append(_text(label_w + w + 3, y + bar_h - 3, _num(value), anchor="start"))
    height = 6 + len(items) * group_h + 18
    body.extend(_legend(series, label_w, height - 4))
    return _svg(width, height, body, font)


def bars(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    notes: Sequence[str] | None = None,
    width: float = 300,
    height: float = 150,
    color: str = PALETTE[0],
    font: str = FONT,
) -> Markup:
    """Vertical bars (e.g. people per grade), each labelled with its value or its note."""
    n = max(len(labels), 1)
    top, bottom = 14, 18
    plot_h = height - top - bottom
    slot = width / n
    peak = max([v for v in values if v is not None] + [1])
    body = [
        f'<line x1="0" y1="{_num(height - bottom)}" x2="{_num(width)}" '
        f'y2="{_num(height - bottom)}" stroke="{GRID}"/>'
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = plot_h * (value or 0) / peak
        x = i * slot + slot * 0.2
        y = height - bottom - h
        body.append(
            f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(slot * 0.6)}" height="{_num(h)}" '
            f'fill="{color}"/>'
        )
        note = notes[i] if notes else _num(value or 0)
        body.append(_text(x + slot * 0.3, y - 3, note))
        body.append(_text(x + slot * 0.3, height - 5, _shorten(label, 8)))
    return _svg(width, height, body, font)


def stacked_bars(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    width: float = 480,
    font: str = FONT,
) -> Markup:
    """Horizontal 100% stacked bars: one bar per category (department), one segment per series
    (grade), so departments of different sizes compare at a glance."""
    label_w, bar_h, gap = 100, 12, 6
    plot_w = width - label_w - 10
    body: list[str] = []
    for i, name in enumerate(categories):
        y = 4 + i * (bar_h + gap)
        total = sum(s.values[i] or 0 for s in series) or 1
        # Shortened by its printed width, not its length: ten letters are half ten 汉字.
        body.append(
            _text(label_w - 6, y + bar_h - 2, _wrap(name, label_w - 8, 9, 1)[0], anchor="end")
        )
        x = float(label_w)
        for s in series:
            v = s.values[i] or 0
            w = plot_w * v / total
            if w <= 0:
                continue
            body.append(
                f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(w)}" height="{bar_h}" '
                f'fill="{s.color}"/>'
            )
            if w > 14:
                body.append(_text(x + w / 2, y + bar_h - 3, _num(v), fill="#ffffff", font_size=8))
            x += w
    height = 4 + len(categories) * (bar_h + gap) + 18
    legend_x = float(label_w)
    for s in series:
        body.append(
            f'<rect x="{_num(legend_x)}" y="{_num(height - 11)}" width="9" height="9" '
            f'fill="{s.color}"/>'
        )
        body.append(_text(legend_x + 12, height - 3, s.label, anchor="start"))
        legend_x += 22 + text_width(s.label)
    return _svg(width, height, body, font)


def line(
    labels: Sequence[str],
    values: Sequence[float | None],
    low: float,
    high: float,
    *,
    notes: Sequence[str] | None = None,
    width: float = 300,
    height: float = 120,
    color: str = PALETTE[0],
    font: str = FONT,
) -> Markup:
    """A trend line over cycles; points without a value are skipped."""
    n = len(labels)
    left, right, top, bottom = 28, 14, 14, 18
    plot_w, plot_h = width - left - right, height - top - bottom
    span = (high - low) or 1.0

    inset = 34  # room for the first and last cycle names under the axis

    def xy(i: int, v: float) -> tuple[float, float]:
        x = left + (inset + (plot_w - 2 * inset) * i / (n - 1) if n > 1 else plot_w / 2)
        return x, top + plot_h * (1 - max(0.0, min(1.0, (v - low) / span)))

    body: list[str] = []
    step = 10.0 if span > 30 else 5.0
    rules = []
    for k in range(int(span // step) + 1):
        v = low + step * k
        _, y = xy(0, v)
        rules.append(f"M{left},{_num(y)} H{_num(width - right)}")
        body.append(_text(left - 4, y + 3, _num(v), anchor="end", fill=MUTED, font_size=7))
    body.append(f'<path d="{" ".join(rules)}" stroke="{GRID}" stroke-width="0.6"/>')
    pts = [(i, xy(i, v)) for i, v in enumerate(values) if v is not None]
    if len(pts) > 1:
        coords = " ".join(f"{_num(x)},{_num(y)}" for _, (x, y) in pts)
        body.append(
            f'<polyline points="{coords}" fill="none" stroke="{color}" stroke-width="1.6"/>'
        )
    for i, (x, y) in pts:
        body.append(f'<circle cx="{_num(x)}" cy="{_num(y)}" r="2.5" fill="{color}"/>')
        note = notes[i] if notes else _num(values[i] or 0)
        body.append(_text(x, y - 5, note))
    for i, label in enumerate(labels):
        x, _ = xy(i, low)
        body.append(_text(x, height - 5, _shorten(label, 12), font_size=7.5))
    return _svg(width, height, body, font)


def writing_grid(
    headers: Sequence[str],
    widths: Sequence[float],
    rows: Sequence[str | None] | int,
    *,
    width: float = 680,
    row_height: float = 34,
    head_color: str = "#1f3a5f",
    font: str = FONT,
) -> Markup:
    """A ruled table to write in by hand (improvement plan, next goals, meeting notes).

    Drawn as one SVG rather than an HTML table: empty cells cost WeasyPrint as much layout time
    as full ones. ``rows`` gives the first column's pre-filled text (None/'' for blank) or a
    count of blank rows; ``widths`` are column shares summing to 1. Without headers it is a
    lined box.
    """
    texts = [r or "" for r in rows] if not isinstance(rows, int) else [""] * rows
    head = 22 if headers else 0
    height = head + row_height * len(texts)
    lines = [f"M0.5,{head} H{_num(width - 0.5)}"]
    lines += [
        f"M0.5,{_num(head + row_height * (i + 1))} H{_num(width - 0.5)}" for i in range(len(texts))
    ]
    xs, x = [], 0.0
    for share in widths[:-1]:
        x += share * width
        xs.append(x)
    lines += [f"M{_num(x)},{head} V{_num(height)}" for x in xs]
    body = [
        f'<rect x="0.5" y="0.5" width="{_num(width - 1)}" height="{_num(height - 1)}" '
        f'fill="none" stroke="#d1d5db"/>',
        f'<path d="{" ".join(lines)}" stroke="#d1d5db" stroke-width="0.8"/>',
    ]
    if headers:
        body.insert(0, f'<rect width="{_num(width)}" height="{head}" fill="{head_color}"/>')
        starts = [0.0, *xs]
        body += [
            _text(x0 + 6, 15.5, h, anchor="start", fill="#ffffff", font_size=11)
            for x0, h in zip(starts, headers, strict=False)
        ]
    body += [
        _text(6, head + 17 + row_height * i, t, anchor="start", font_size=11)
        for i, t in enumerate(texts)
        if t
    ]
    return _svg(width, height, body, font, cls="chart writing")
