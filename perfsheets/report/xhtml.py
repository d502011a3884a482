"""Hand perfsheets' report markup to WeasyPrint without its pure-Python HTML5 parser.

WeasyPrint parses every document with tinyhtml5, which costs ~14 ms per employee report (5% of
rendering one). perfsheets' own templates produce well-formed XHTML, which the C XML parser
(expat) reads in a tenth of that time into the same ElementTree; the only difference an HTML5
parser makes there, the implied ``<tbody>`` around table rows, is added here. Markup that is
not well-formed (a user's ``--templates`` file, say) goes through WeasyPrint's parser as before.

Both kinds of document get a leaner user-agent stylesheet (``data/report_ua.css``): WeasyPrint's
own, less the rules reports never use that cost it 12-14% of a report's CPU (see that file).
"""

from __future__ import annotations

import functools
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

_DOCTYPE = re.compile(r"^\s*<!DOCTYPE[^>]*>", re.IGNORECASE)
_SVG = "{http://www.w3.org/2000/svg}svg"
_XMLNS = "{http://www.w3.org/2000/xmlns/}xmlns"
REPORT_UA = Path(__file__).resolve().parent / "data" / "report_ua.css"


def parse_tree(markup: str) -> ET.Element | None:
    """The element tree of well-formed markup as an HTML5 parser builds it; None otherwise."""
    try:
        root = ET.fromstring(_DOCTYPE.sub("", markup, count=1))
    except ET.ParseError:
        return None
    if root.tag != "html":  # XHTML namespace or a fragment: leave it to the HTML5 parser
        return None
    for table in root.iter("table"):
        _wrap_rows(table)
    for svg in root.iter(_SVG):  # the HTML5 parser keeps the declaration as an attribute
        svg.attrib = {_XMLNS: "http://www.w3.org/2000/svg", **svg.attrib}
    return root


def _wrap_rows(table: ET.Element) -> None:
    """Put each run of rows directly inside a table into a tbody, as HTML5 parsing does (the
    UA stylesheet's vertical-align: middle reaches the cells through it)."""
    children = list(table)
    if not any(child.tag == "tr" for child in children):
        return
    for child in children:
        table.remove(child)
    body: ET.Element | None = None
    for child in children:
        if child.tag == "tr":
            if body is None:
                body = ET.SubElement(table, "tbody")
            body.append(child)
        else:
            body = None
            table.append(child)


def html_document(markup: str, base_url: str, url_fetcher: Any, *, lean_ua: bool = True) -> Any:
    """A ``weasyprint.HTML`` for the markup, parsed by expat when it is well-formed.

    ``lean_ua=False`` keeps WeasyPrint's own user-agent stylesheet (tests compare the two)."""
    from weasyprint import HTML

    cls = report_html_class() if lean_ua else HTML
    root = parse_tree(markup)
    document = None if root is None else _from_tree(cls, root, base_url, url_fetcher)
    return document or cls(string=markup, base_url=base_url, url_fetcher=url_fetcher)


@functools.cache
def report_html_class() -> type:
    """``weasyprint.HTML`` with perfsheets' user-agent stylesheet instead of WeasyPrint's."""
    from weasyprint import CSS, HTML

    ua = CSS(string=REPORT_UA.read_text(encoding="utf-8"))

    class ReportHTML(HTML):
        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            return [ua]

    return ReportHTML


def _from_tree(cls: type, root: ET.Element, base_url: str, url_fetcher: Any) -> Any | None:
    """An HTML object around an already parsed tree: what ``HTML.__init__`` sets after parsing
    (WeasyPrint 53-70). None if this WeasyPrint is built differently: then parse normally."""
    import cssselect2  # type: ignore[import-untyped]
    import weasyprint

    html: Any = object.__new__(cls)
    try:
        html.base_url = weasyprint._find_base_url(root, base_url)  # honours <base href>
        html.url_fetcher = url_fetcher
        html.media_type = "print"
        html.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
        html.etree_element = html.wrapper_element.etree_element
    except AttributeError:  # pragma: no cover - another WeasyPrint
        return None
    return html
