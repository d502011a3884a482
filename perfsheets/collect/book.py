"""Reading a returned workbook that :mod:`perfsheets.collect.files` found safe: cell values with
python-calamine (fast) and, on demand, which cells hold a formula (scanned from a sheet's XML:
calamine does not report formulas), the workbook's own saved time, and cell addresses."""

from __future__ import annotations

import datetime as dt
import html
import io
import posixpath
import re
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook, PasswordError

from perfsheets.collect.files import (
    DEFAULT_LIMITS,
    OTHER_ARCHIVES,
    WORKBOOK_PART,
    XML_HEAD,
    Limits,
    Rejected,
    check_xml_head,
    check_zip,
    ole_kind,
    sniff,
    zip_kind,
)
from perfsheets.core.layout import cell_ref

# --- reading a workbook ------------------------------------------------------------------------

_FORMULA_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?<!/)>\s*<(?:\w+:)?f\b")
_REF_ATTR = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,7})"')
_STYLE_ATTR = re.compile(rb'\ss="([0-9]+)"')
_NUM_FMT = re.compile(rb'<(?:\w+:)?numFmt\b[^>]*?numFmtId="([0-9]+)"[^>]*?formatCode="([^"]*)"')
_CELL_XFS = re.compile(rb"<(?:\w+:)?cellXfs\b[^>]*>(.*?)</(?:\w+:)?cellXfs>", re.S)
_XF_FORMAT = re.compile(rb'<(?:\w+:)?xf\b(?:[^>]*?numFmtId="([0-9]+)")?')
_TAG = re.compile(rb"<(?:\w+:)?(sheet|Relationship)\b([^>]*)>")
_ATTR = re.compile(rb"""([\w:]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_CORE_PART = "docProps/core.xml"
_MODIFIED = re.compile(rb"<(?:\w+:)?modified\b[^>]*>\s*([^<]{4,40}?)\s*</")
_WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"


class Book:
    """A returned xlsx opened for reading: values by calamine, formulas by an XML scan.

    Every XML part a parser will read is checked for DOCTYPE/ENTITY declarations first: the
    workbook part and its relationships (read here), the shared parts they name (read by
    calamine), and each sheet before its values are read.
    """

    def __init__(self, data: bytes, limits: Limits = DEFAULT_LIMITS) -> None:
        kind = sniff(data)
        if kind in OTHER_ARCHIVES.values():
            raise Rejected("other-archive", format=kind)
        if kind == "ole":
            if ole_kind(data) == "encrypted":
                raise Rejected("password-protected", kind="office")
            _refuse_legacy(data, "xls")
        if kind != "zip":
            raise Rejected("not-workbook", kind=kind)
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise Rejected("corrupt-file", reason=f"{type(exc).__name__}: {exc}") from None
        check_zip(self._zip, limits)
        self._data = data
        self._full: dict[str, bytes] = {}
        self._verify_members()
        container = zip_kind(self._zip)
        if container in ("xlsb", "ods"):
            _refuse_legacy(data, container)
        if container != "xlsx":
            raise Rejected("not-workbook", kind=container)
        self._styles_part = ""
        self._percent_styles: set[int] | None = None
        self._parts, shared = self._read_structure()
        for name in shared:  # parsed by calamine: their heads must be safe
            info = self._zip.NameToInfo.get(name)
            if info is not None and info.file_size:
                check_xml_head(name, self._inflate(info, XML_HEAD), info.file_size)
        self._calamine = _open_calamine(data)
        self.sheet_names: list[str] = list(self._calamine.sheet_names)
        self._xml: dict[str, bytes] = {}

    def _verify_members(self) -> None:
        """Every member read in full against its CRC-32 (zip's own check): a bit flipped in
        transit or on a USB stick rejects the file instead of changing a rating. The inflated
        parts are kept, so nothing is inflated twice."""
        for info in self._zip.infolist():
            if info.is_dir():
                continue
            data = self._inflate(info)
            if zlib.crc32(data) != info.CRC or len(data) != info.file_size:
                raise Rejected(
                    "corrupt-file", reason=f"{info.filename}: CRC-32 check failed (damaged file)"
                )
            self._full[info.filename] = data

    def _read_structure(self) -> tuple[dict[str, str], list[str]]:
        """Sheet name -> part, and the other parts the workbook relates to (shared strings,
        styles ...), from workbook.xml and its relationships."""
        workbook = self._part(WORKBOOK_PART)
        rels = self._part(_WORKBOOK_RELS)
        targets: dict[str, str] = {}
        shared: list[str] = []
        for attrs in _tags(rels, b"Relationship"):
            target = attrs.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            targets[attrs.get("Id", "")] = posixpath.normpath(path)
            if attrs.get("Type", "").endswith(("/sharedStrings", "/styles")):
                shared.append(targets[attrs.get("Id", "")])
            if attrs.get("Type", "").endswith("/styles"):
                self._styles_part = targets[attrs.get("Id", "")]
        parts: dict[str, str] = {}
        for attrs in _tags(workbook, b"sheet"):
            rel_id = next((v for k, v in attrs.items() if k.endswith(":id")), "")
            if "name" in attrs and rel_id in targets:
                parts[attrs["name"]] = targets[rel_id]
        return parts, shared

    def _part(self, name: str) -> bytes:
        info = self._zip.NameToInfo.get(name)
        if info is None:
            raise Rejected("corrupt-file", reason=f"{name} missing")
        xml = self._inflate(info)
        check_xml_head(name, xml, info.file_size)
        return xml

    def _inflate(self, info: zipfile.ZipInfo, limit: int = 0) -> bytes:
        """A member's bytes (the first ``limit`` only, when given), inflated straight from the
        file's bytes: zipfile's reader costs more than the inflating for parts this small.
        Never more than the declared size is inflated, whatever the data says."""
        full = self._full.get(info.filename)
        if full is not None:
            return full[:limit] if limit else full
        try:
            off = info.header_offset
            if self._data[off : off + 4] != b"PK\x03\x04":
                raise ValueError("bad local header")
            name_len, extra_len = struct.unpack("<HH", self._data[off + 26 : off + 30])
            start = off + 30 + name_len + extra_len
            raw = self._data[start : start + info.compress_size]
            size = min(limit, info.file_size) if limit else info.file_size
            if info.compress_type == zipfile.ZIP_STORED:
                return raw[:size]
            if info.compress_type != zipfile.ZIP_DEFLATED:
                return self._zip.read(info)[:size]
            return zlib.decompressobj(-15).decompress(raw, size)
        except Exception as exc:  # zlib.error, truncated data ...
            raise Rejected("corrupt-file", reason=f"{info.filename}: {exc}") from None

    def sheet_xml(self, sheet: str) -> bytes:
        """The sheet's XML, checked (b'' when the workbook does not name its part)."""
        if sheet not in self._xml:
            part = self._parts.get(sheet)
            self._xml[sheet] = self._part(part) if part and part in self._zip.NameToInfo else b""
        return self._xml[sheet]

    def values(self, sheet: str) -> Sequence[Sequence[object]]:
        """The sheet's cell values from A1, rows of equal length ('' for empty cells)."""
        self.sheet_xml(sheet)  # refuse an unsafe part before calamine parses it
        try:
            return self._calamine.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        except (CalamineError, ValueError) as exc:
            raise Rejected("corrupt-file", reason=f"{sheet}: {exc}") from None

    def formula_cells(self, sheet: str) -> set[tuple[int, int]]:
        """(row, column), 0-based, of every cell of the sheet that holds a formula."""
        return formula_refs(self.sheet_xml(sheet))

    def shows_percent(self, sheet: str, row: int, col: int) -> bool:
        """Whether a cell is formatted as a percentage: typing 85% in Excel or LibreOffice
        stores 0.85 with a percent format. Read only for the few cells where it matters."""
        xml = self.sheet_xml(sheet)
        at = xml.find(f'r="{cell_ref(row, col)}"'.encode())
        if at == -1:
            return False
        style = _STYLE_ATTR.search(xml, at, xml.find(b">", at))
        return style is not None and int(style.group(1)) in self._percent_formats()

    def _percent_formats(self) -> set[int]:
        """Cell style indexes whose number format shows a percentage."""
        if self._percent_styles is None:
            self._percent_styles = set()
            if self._styles_part in self._zip.NameToInfo:
                styles = self._part(self._styles_part)
                custom = {
                    int(m.group(1)): "%" in html.unescape(m.group(2).decode("utf-8", "replace"))
                    for m in _NUM_FMT.finditer(styles)
                }
                cell_xfs = _CELL_XFS.search(styles)
                xfs = _XF_FORMAT.findall(cell_xfs.group(1)) if cell_xfs else []
                for index, fmt in enumerate(xfs):
                    number = int(fmt) if fmt else 0
                    if number in (9, 10) or custom.get(number, False):
                        self._percent_styles.add(index)
        return self._percent_styles

    def saved_at(self) -> str:
        """When the workbook was last saved, by its own record (``dcterms:modified`` in
        docProps/core.xml, written by Excel, WPS, LibreOffice and openpyxl), as UTC ISO 8601;
        '' when the file does not say. Unlike a file's mtime it survives mail and zip."""
        info = self._zip.NameToInfo.get(_CORE_PART)
        if info is None:
            return ""
        match = _MODIFIED.search(self._inflate(info, 64 * 1024))
        return iso_utc(match.group(1).decode("ascii", "replace")) if match else ""

    def close(self) -> None:
        self._zip.close()
        self._calamine.close()


def formula_refs(xml: bytes) -> set[tuple[int, int]]:
    """Cells holding a formula: a ``<f>`` element is the first child of its ``<c>`` element, so
    the cell is the last ``<c`` before each ``<f`` (found with bytes.find: ~10x a regex scan)."""
    if b"<sheetData" not in xml and b":sheetData" in xml:  # namespace prefixes: slower path
        return {
            (int(m.group(2)) - 1, column_index(m.group(1).decode()))
            for cell in _FORMULA_CELL.finditer(xml)
            if (m := _REF_ATTR.search(cell.group(1)))
        }
    cells: set[tuple[int, int]] = set()
    end = xml.find(b"</sheetData>")  # data validations after it hold <formula1> elements
    end = len(xml) if end == -1 else end
    pos = xml.find(b"<f", 0, end)
    while pos != -1:
        if xml[pos + 2 : pos + 3] in (b">", b" ", b"/"):
            start = xml.rfind(b"<c", 0, pos)
            ref = _REF_ATTR.search(xml, start, xml.find(b">", start)) if start != -1 else None
            if ref:
                cells.add((int(ref.group(2)) - 1, column_index(ref.group(1).decode())))
        pos = xml.find(b"<f", pos + 2, end)
    return cells


def _tags(xml: bytes, name: bytes) -> list[dict[str, str]]:
    """The attributes (unescaped) of elements named ``name``; the XML is already checked for
    DOCTYPE, and these parts are small and flat."""
    found = []
    for tag in _TAG.finditer(xml):
        if tag.group(1) == name:
            found.append(
                {key.decode(): _attr(dq or sq) for key, dq, sq in _ATTR.findall(tag.group(2))}
            )
    return found


def _attr(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    return html.unescape(text) if "&" in text else text


def _refuse_legacy(data: bytes, fmt: str) -> None:
    """Legacy formats are refused; one with a password says so, as that must be fixed too.

    calamine tells .xls and .ods by the file name only, hence the temporary copy (legacy
    files are rare; the fast path never gets here).
    """
    with tempfile.TemporaryDirectory(prefix="perfsheets-") as tmp:
        path = Path(tmp) / f"legacy.{fmt}"
        path.write_bytes(data)
        try:
            CalamineWorkbook.from_path(str(path)).close()
        except PasswordError:
            raise Rejected("password-protected", kind="office") from None
        except Exception:  # unreadable either way: the format is what to fix first
            pass
    raise Rejected("legacy-format", format=fmt)


def _open_calamine(data: bytes) -> CalamineWorkbook:
    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except PasswordError:
        raise Rejected("password-protected", kind="office") from None
    except (CalamineError, ValueError, OSError) as exc:
        raise Rejected("corrupt-file", reason=f"{type(exc).__name__}: {exc}") from None


def iso_utc(text: str) -> str:
    """An ISO 8601 time as UTC ``YYYY-MM-DDTHH:MM:SSZ`` (naive times are taken as UTC, as
    core.xml's W3CDTF says); '' when it is not a time."""
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return ""
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC).replace(tzinfo=None)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- cell addresses ----------------------------------------------------------------------------


def column_index(letters: str) -> int:
    """'A' -> 0, 'AA' -> 26."""
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index - 1
