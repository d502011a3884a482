"""Cutting one laid-out document into its reports and packs, with pypdf: which pages are whose,
each part's title, bookmarks and language, and a pack's pages numbered across it."""

from __future__ import annotations

import bisect
import io
from collections.abc import Sequence
from typing import Any

from perfsheets.core.model import Lang
from perfsheets.core.problems import PerfsheetsError
from perfsheets.report.jobs import Job

# A bookmark: label, page within its PDF, children.
Outline = tuple[str, int, list[Any]]


def section_marks(document: Any) -> list[tuple[int, str]]:
    """(page, label) of every bookmarked heading (the reports' numbered sections)."""
    return [
        (number, label)
        for number, page in enumerate(document.pages)
        for _level, label, _pos, _state in page.bookmarks
    ]


def entries(marks: list[tuple[int, str]], start: int, end: int) -> list[Outline]:
    """The bookmarks on pages [start, end), as pages of a PDF that starts at ``start``."""
    return [(label, page - start, []) for page, label in marks if start <= page < end]


def page_ranges(
    document: Any, job: Job
) -> tuple[list[tuple[int, int]], list[tuple[Job, tuple[int, int]]]]:
    """Pages [start, end) of each employee report (anchor ``report-i`` on its first element)
    and of each team's pack (from its overview, anchor ``overview-k``, to the next team)."""
    found: dict[str, int] = {}
    for number, page in enumerate(document.pages):
        for anchor in page.anchors:
            if anchor.startswith(("report-", "overview-")):
                found.setdefault(anchor, number)
    firsts = [found.get(f"report-{i}") for i in range(job.size)]
    if None in firsts or firsts != sorted(set(firsts)):  # type: ignore[type-var]
        raise PerfsheetsError(
            "employee.html.j2: every report must start on a page of its own and keep "
            'id="{{ v.anchor }}" on its first element (<article class="report" ...>)'
        )
    starts: list[int] = firsts  # type: ignore[assignment]
    team_starts, i = [], 0
    for k, segment in enumerate(job.segments):
        first = starts[i]
        if segment.overview is not None:
            first = found.get(f"overview-{k}", 0 if k == 0 else -1)
            if first < 0:
                raise PerfsheetsError(
                    'manager_pack.html.j2: keep id="{{ anchor }}" on the overview\'s first '
                    'element (<article class="overview" ...>)'
                )
        team_starts.append(first)
        i += len(segment.employees)
    # A report ends where the next report or the next team's overview begins.
    bounds = sorted({*starts, *team_starts, len(document.pages)})
    ranges = [(start, bounds[bisect.bisect_right(bounds, start)]) for start in starts]
    team_ends = [*team_starts[1:], len(document.pages)]
    packs = [
        (segment, (first, end))
        for segment, first, end in zip(job.segments, team_starts, team_ends, strict=True)
        if segment.pack is not None
    ]
    return ranges, packs


def cut(
    pdf: bytes,
    ranges: list[tuple[int, int]],
    titles: list[str | None],
    outlines: list[list[Outline]],
    lang: Lang,
) -> list[bytes]:
    """Page ranges [start, end) of a PDF as PDFs of their own, sharing its font subset, each
    with its title (None keeps the document's), bookmarks and language.

    The PDF is parsed once; this is cheap because the templates avoid anything WeasyPrint would
    put in shared form XObjects (transparency, centred SVG text), which every cut would copy.
    """
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(pdf))
    info = {k: v for k, v in (reader.metadata or {}).items() if isinstance(v, str)}
    pieces = []
    for (start, end), title, outline in zip(ranges, titles, outlines, strict=True):
        writer = PdfWriter()
        for page in reader.pages[start:end]:
            writer.add_page(page)
        writer.add_metadata({**info, "/Title": title} if title else info)
        _finish(writer, outline, lang)
        buf = io.BytesIO()
        writer.write(buf)
        pieces.append(buf.getvalue())
    return pieces


def _finish(writer: Any, outline: list[Outline], lang: Lang, parent: Any = None) -> None:
    """Bookmarks (nested) and the document language of a PDF being written."""
    from pypdf.generic import NameObject, TextStringObject

    if parent is None:
        writer._root_object[NameObject("/Lang")] = TextStringObject(
            "en" if lang == "en" else "zh-CN"
        )
        if outline:
            writer.page_mode = "/UseOutlines"  # the reader opens with the bookmarks shown
    for label, page, children in outline:
        item = writer.add_outline_item(title=label, page_number=page, parent=parent)
        for child_label, child_page, _ in children:
            writer.add_outline_item(title=child_label, page_number=child_page, parent=item)


def pack_pdf(parts: Sequence[bytes], lang: Lang) -> bytes:
    """A manager's pack from its parts (in order): one outline, pages numbered across the pack
    (each report inside keeps its own page numbers), the document language."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for data in parts:
        writer.append(io.BytesIO(data))  # with the part's bookmarks
    info = PdfReader(io.BytesIO(parts[0])).metadata
    writer.add_metadata({k: v for k, v in (info or {}).items() if isinstance(v, str)})
    _number_pages(writer, lang)
    _finish(writer, [], lang)
    writer.page_mode = "/UseOutlines"
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


_PACK_FONT = "/PSPackNo"


def _number_pages(writer: Any, lang: Lang) -> None:
    """Stamp "k / n" at the foot of every page, centred, in a standard PDF font (digits only:
    no font to embed, and the same in both languages)."""
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
    )

    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
    )
    total = len(writer.pages)
    for number, page in enumerate(writer.pages, start=1):
        text = f"{number} / {total}"
        size = 7.5
        # Helvetica: digits 0.556 em, space and slash 0.278 em.
        width = sum(0.556 if ch.isdigit() else 0.278 for ch in text) * size
        x = (float(page.mediabox.width) - width) / 2
        y = 16 * 72 / 25.4 / 2 - size / 2  # the middle of the bottom margin (16 mm)
        resources = page["/Resources"].get_object()
        fonts = resources.get("/Font")
        if fonts is None:
            fonts = DictionaryObject()
            resources[NameObject("/Font")] = fonts
        fonts.get_object()[NameObject(_PACK_FONT)] = font

        def stream(code: str) -> Any:
            obj = DecodedStreamObject()
            obj.set_data(code.encode("ascii"))
            return writer._add_object(obj)

        contents = page.get("/Contents")
        old = contents.get_object() if contents is not None else ArrayObject()
        old = list(old) if isinstance(old, ArrayObject) else [contents]
        stamp = (
            f"Q q BT {_PACK_FONT} {size} Tf 0.42 0.45 0.5 rg {x:.2f} {y:.2f} Td ({text}) Tj ET Q"
        )
        # Wrapped in q/Q so whatever transform the page leaves in place does not move the stamp.
        page[NameObject("/Contents")] = ArrayObject([stream("q"), *old, stream(stamp)])
