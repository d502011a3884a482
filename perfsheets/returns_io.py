"""Opening returned files safely and fast: guards first, then sniffing, then calamine.

Nothing here knows what a perfsheets form looks like. This module answers three questions about
an untrusted file, in this order, without ever parsing more than it must:

1. Is it safe to open? File size, zip entry count, uncompressed total and compression ratio are
   checked from the zip's central directory *before* any XML is parsed; XML parts that declare a
   DOCTYPE or ENTITY (billion laughs, XXE) are refused.
2. What is it? Formats are told by magic bytes, never by the file name: xlsx, the legacy formats
   (.xls, .xlsb, .ods, WPS .et), password-protected workbooks (OLE files holding an
   ``EncryptedPackage``), plain zip archives, and everything else.
3. What does it hold? :class:`Book` reads cell values with python-calamine (fast) and, on demand,
   tells which cells hold a formula by scanning a sheet's XML for ``<f>`` elements (calamine does
   not report formulas, and files saved by scripts carry no cached formula values).

Problems are raised as :class:`Rejected` with a stable problem code; the caller turns them into
reported problems. The user's files are only ever read.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What a returned file may hold. A generated form is well under 1 MB."""

    max_file_bytes: int = 25 * MB
    max_entries: int = 5000  # zip entries of one workbook (about 2 per sheet)
    max_uncompressed: int = 200 * MB  # total inflated size of one workbook
    max_ratio: int = 200  # inflated / compressed, for entries above ratio_floor
    ratio_floor: int = 1 * MB
    max_archive_members: int = 100_000


DEFAULT_LIMITS = Limits()


class Rejected(Exception):
    """A file that cannot be used, with the problem code and its message parameters."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


# --- where bytes come from ---------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One returned file: on disk, or a member of a .zip archive on disk."""

    name: str  # as shown to HR (relative to the workspace when inside it)
    path: str  # the file on disk (the archive for members)
    member: str | None = None  # raw member name inside the archive
    mtime: float = 0.0
    size: int = 0


def read_source(source: Source, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """The file's bytes, refusing oversized files before reading them."""
    if source.size > limits.max_file_bytes:
        raise Rejected("file_too_large", size=_mb(source.size), limit=_mb(limits.max_file_bytes))
    try:
        if source.member is None:
            with open(source.path, "rb") as fh:
                data = fh.read(limits.max_file_bytes + 1)
        else:
            with zipfile.ZipFile(source.path) as archive:
                info = archive.getinfo(source.member)
                if info.flag_bits & 0x1:
                    raise Rejected("password_protected", kind="zip")
                with archive.open(info) as fh:
                    data = fh.read(limits.max_file_bytes + 1)
    except Rejected:
        raise
    except Exception as exc:  # zlib.error, bad CRC, permissions ...: the file is unreadable
        raise Rejected("unreadable_file", reason=f"{type(exc).__name__}: {exc}") from None
    if len(data) > limits.max_file_bytes:
        raise Rejected("file_too_large", size=_mb(len(data)), limit=_mb(limits.max_file_bytes))
    return data


def _mb(size: int) -> str:
    return f"{size / MB:.1f} MB"


# Files a folder scan passes over: Office/LibreOffice lock files and system litter.
_IGNORED_NAMES = {"thumbs.db", "desktop.ini", ".ds_store"}


def is_litter(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return (
        not base
        or base.startswith((".", "~$", ".~lock."))
        or base.lower() in _IGNORED_NAMES
        or name.startswith("__MACOSX/")
    )


def archive_members(path: Path, display: str, limits: Limits = DEFAULT_LIMITS) -> Iterator[Source]:
    """The files inside a .zip archive of returns (one level; folders inside are walked)."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (OSError, zipfile.BadZipFile, ValueError) as exc:
        raise Rejected("corrupt_file", reason=f"{type(exc).__name__}: {exc}") from None
    if len(infos) > limits.max_archive_members:
        raise Rejected("zip_bomb", reason=f"{len(infos)} entries")
    for info in infos:
        name = member_display_name(info)
        if info.is_dir() or is_litter(name):
            continue
        yield Source(
            name=f"{display}/{name}",
            path=str(path),
            member=info.filename,
            mtime=_zip_mtime(info),
            size=info.file_size,
        )


def member_display_name(info: zipfile.ZipInfo) -> str:
    """Member names from Chinese Windows zips are GBK without the UTF-8 flag; decode them."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def _zip_mtime(info: zipfile.ZipInfo) -> float:
    import datetime as dt

    try:
        return dt.datetime(*info.date_time).timestamp()
    except (ValueError, OverflowError):
        return 0.0


# --- what a file is ----------------------------------------------------------------------------


def sniff(data: bytes) -> str:
    """The container by magic bytes: 'zip', 'ole', or a word for what it is instead."""
    if not data:
        return "empty"
    if data.startswith(ZIP_MAGICS):
        return "zip"
    if data.startswith(OLE_MAGIC):
        return "ole"
    head = data[:512].lstrip().lower()
    if head.startswith(b"%pdf"):
        return "pdf"
    if head.startswith((b"<?xml", b"<html", b"<!doctype html", b"<table")):
        # Excel 2003 XML spreadsheets and "xls" files that are really HTML tables
        return "xml"
    return "other"


def ole_kind(data: bytes) -> str:
    """'encrypted' for a password-protected Office file, else 'xls' (legacy Excel or WPS)."""
    # OLE directory entries store stream names in UTF-16LE; an encrypted OOXML package is an
    # OLE file with EncryptionInfo and EncryptedPackage streams.
    if "EncryptedPackage".encode("utf-16-le") in data or (
        "EncryptionInfo".encode("utf-16-le") in data
    ):
        return "encrypted"
    return "xls"


def zip_kind(archive: zipfile.ZipFile) -> str:
    """'xlsx', 'xlsb', 'ods' or 'archive' (a plain zip of other files)."""
    names = set(archive.namelist())
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "xl/workbook.bin" in names:
        return "xlsb"
    if "mimetype" in names:
        try:
            mimetype = archive.read("mimetype")[:100]
        except (zipfile.BadZipFile, OSError, RuntimeError, ValueError):
            mimetype = b""
        if b"opendocument.spreadsheet" in mimetype:
            return "ods"
        if b"opendocument" in mimetype:
            return "odf"
    if "word/document.xml" in names or "ppt/presentation.xml" in names:
        return "office"
    return "archive"


def check_zip(archive: zipfile.ZipFile, limits: Limits = DEFAULT_LIMITS) -> None:
    """Refuse zip bombs from the central directory alone, before anything is inflated."""
    infos = archive.infolist()
    if len(infos) > limits.max_entries:
        raise Rejected("zip_bomb", reason=f"{len(infos)} entries > {limits.max_entries}")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise Rejected("password_protected", kind="zip")
        total += info.file_size
        if total > limits.max_uncompressed:
            raise Rejected(
                "zip_bomb",
                reason=f"inflates to more than {_mb(limits.max_uncompressed)}",
            )
        if info.file_size > limits.ratio_floor and (
            info.file_size > limits.max_ratio * max(info.compress_size, 1)
        ):
            ratio = info.file_size // max(info.compress_size, 1)
            raise Rejected("zip_bomb", reason=f"{info.filename} compressed {ratio}:1")


_DANGEROUS_XML = (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype", b"<!entity")


def check_xml_parts(archive: zipfile.ZipFile) -> None:
    """Refuse XML parts with a DOCTYPE or ENTITY declaration (entity expansion, XXE).

    Such a declaration can only stand in the prolog, so reading each part's head is enough;
    a prolog padded beyond that head is refused as well.
    """
    for info in archive.infolist():
        if not info.filename.endswith((".xml", ".rels", ".vml")) or info.file_size == 0:
            continue
        try:
            with archive.open(info) as fh:
                head = fh.read(8192)
        except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, EOFError) as exc:
            raise Rejected("corrupt_file", reason=f"{info.filename}: {exc}") from None
        if any(marker in head for marker in _DANGEROUS_XML):
            raise Rejected("unsafe_xml", part=info.filename)
        if info.file_size > len(head) and not _has_root(head):
            raise Rejected("unsafe_xml", part=info.filename)


def _has_root(head: bytes) -> bool:
    """Whether a root element starts within the head (not only <?xml ...?> and comments)."""
    return re.search(rb"<[A-Za-z_]", head) is not None


# --- reading a workbook ------------------------------------------------------------------------

_FORMULA_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?<!/)>\s*<(?:\w+:)?f\b")
_REF_ATTR = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,7})"')
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


class Book:
    """A returned xlsx opened for reading: values by calamine, formulas by an XML scan."""

    def __init__(self, data: bytes, limits: Limits = DEFAULT_LIMITS) -> None:
        kind = sniff(data)
        if kind == "ole":
            if ole_kind(data) == "encrypted":
                raise Rejected("password_protected", kind="office")
            _refuse_legacy(data, "xls")
        if kind != "zip":
            raise Rejected("not_workbook", kind=kind)
        try:
            self._zip = zipfile.ZipFile(io.BytesIO(data))
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise Rejected("corrupt_file", reason=f"{type(exc).__name__}: {exc}") from None
        check_zip(self._zip, limits)
        container = zip_kind(self._zip)
        if container in ("xlsb", "ods"):
            _refuse_legacy(data, container)
        if container != "xlsx":
            raise Rejected("not_workbook", kind=container)
        check_xml_parts(self._zip)
        self._calamine = _open_calamine(data)
        self.sheet_names: list[str] = list(self._calamine.sheet_names)
        self._sheet_parts: dict[str, str] | None = None

    def values(self, sheet: str) -> list[list[object]]:
        """The sheet's cell values from A1, rows of equal length ('' for empty cells)."""
        from python_calamine import CalamineError

        try:
            return self._calamine.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        except (CalamineError, ValueError) as exc:
            raise Rejected("corrupt_file", reason=f"{sheet}: {exc}") from None

    def formula_cells(self, sheet: str) -> set[tuple[int, int]]:
        """(row, column), 0-based, of every cell of the sheet that holds a formula."""
        part = self._parts().get(sheet)
        if part is None:
            return set()
        try:
            xml = self._zip.read(part)
        except (KeyError, zipfile.BadZipFile, OSError, RuntimeError, ValueError, EOFError):
            return set()
        cells: set[tuple[int, int]] = set()
        for match in _FORMULA_CELL.finditer(xml):
            ref = _REF_ATTR.search(match.group(1))
            if ref:
                cells.add((int(ref.group(2)) - 1, column_index(ref.group(1).decode())))
        return cells

    def _parts(self) -> dict[str, str]:
        """Sheet name -> zip part, from workbook.xml and its relationships."""
        if self._sheet_parts is None:
            self._sheet_parts = _sheet_parts(self._zip)
        return self._sheet_parts

    def close(self) -> None:
        self._zip.close()
        self._calamine.close()


def _refuse_legacy(data: bytes, fmt: str) -> None:
    """Legacy formats are refused; one with a password says so, as that must be fixed too.

    calamine tells .xls and .ods by the file name only, hence the temporary copy (legacy
    files are rare; the fast path never gets here).
    """
    import tempfile

    from python_calamine import CalamineWorkbook, PasswordError

    with tempfile.TemporaryDirectory(prefix="perfsheets-") as tmp:
        path = Path(tmp) / f"legacy.{fmt}"
        path.write_bytes(data)
        try:
            CalamineWorkbook.from_path(str(path)).close()
        except PasswordError:
            raise Rejected("password_protected", kind="office") from None
        except Exception:  # unreadable either way: the format is what to fix first
            pass
    raise Rejected("legacy_format", format=fmt)


def _open_calamine(data: bytes):  # -> python_calamine.CalamineWorkbook
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError

    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except PasswordError:
        raise Rejected("password_protected", kind="office") from None
    except (CalamineError, ValueError, OSError) as exc:
        raise Rejected("corrupt_file", reason=f"{type(exc).__name__}: {exc}") from None


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    from defusedxml import ElementTree

    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except Exception:  # a broken part only disables the formula scan; calamine read the values
        return {}
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.iter() if rel.get("Id")}
    parts: dict[str, str] = {}
    for sheet in workbook.iter():
        if not sheet.tag.endswith("}sheet") and sheet.tag != "sheet":
            continue
        target = targets.get(sheet.get(f"{_REL_NS}id"))
        if sheet.get("name") is not None and target:
            path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            parts[sheet.get("name")] = posixpath.normpath(path)
    return parts


# --- cell addresses ----------------------------------------------------------------------------


def column_letter(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA'."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """'A' -> 0, 'AA' -> 26."""
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - 64
    return index - 1


def cell_ref(row: int, col: int) -> str:
    """0-based (row, col) -> 'B7'."""
    return f"{column_letter(col)}{row + 1}"
