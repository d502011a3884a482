"""Opening returned files safely and fast: guards first, then sniffing, then calamine.

Nothing here knows what a perfsheets form looks like. This module answers three questions about
an untrusted file, in this order, without ever parsing more than it must:

1. Is it safe to open? File size, zip entry count, uncompressed total and compression ratio are
   checked from the zip's central directory *before* any XML is parsed; XML parts that declare a
   DOCTYPE or ENTITY (billion laughs, XXE) are refused.
2. What is it? Formats are told by magic bytes, never by the file name: xlsx, the legacy formats
   (.xls, .xlsb, .ods, WPS .et), password-protected workbooks (OLE files holding an
   ``EncryptedPackage``), plain zip archives, RAR and 7z archives (refused, saying how to send
   the files instead), and everything else.
3. What does it hold? :class:`perfsheets.collect.book.Book` reads cell values with python-calamine (fast) and, on demand,
   tells which cells hold a formula by scanning a sheet's XML for ``<f>`` elements (calamine does
   not report formulas, and files saved by scripts carry no cached formula values).

Archives of returns (:func:`archive_members`) are opened once: each member is then read by its
central-directory record with one seek and checked against its CRC-32; a .zip inside is looked
into one level deep; names that point outside the archive are refused by name; members of the
same name are all read, told apart by their position.

Problems are raised as :class:`Rejected` with a stable problem code; the caller turns them into
reported problems. The user's files are only ever read.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO, Literal

WORKBOOK_PART = "xl/workbook.xml"
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


# Why a file is refused: the codes of the problems collect reports for it.
RejectionCode = Literal[
    "not-workbook",
    "corrupt-file",
    "unreadable-return",
    "password-protected",
    "legacy-format",
    "file-too-large",
    "zip-bomb",
    "unsafe-xml",
    "other-archive",
    "unsafe-member-name",
    "nested-archive",
]


class Rejected(Exception):
    """A file that cannot be used, with the problem code and its message parameters."""

    def __init__(self, code: RejectionCode, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


# --- where bytes come from ---------------------------------------------------------------------


@dataclass(frozen=True)
class ZipEntry:
    """Where a member's bytes are in its archive, from the central directory read once: a
    member is then read with one seek, never by opening the archive again (reopening parses
    the whole directory, so a 10,000-entry zip cost quadratic time)."""

    offset: int  # of the local header
    compressed: int
    size: int
    method: int
    crc: int
    flags: int

    @classmethod
    def of(cls, info: zipfile.ZipInfo) -> ZipEntry:
        return cls(
            info.header_offset,
            info.compress_size,
            info.file_size,
            info.compress_type,
            info.CRC,
            info.flag_bits,
        )


@dataclass(frozen=True)
class Source:
    """One returned file: on disk, or a member of a .zip archive on disk (or of a .zip inside
    that archive, one level deep)."""

    name: str  # as shown to HR (relative to the workspace when inside it)
    path: str  # the file on disk (the archive for members)
    member: str | None = None  # raw member name inside the archive
    mtime: float = 0.0
    size: int = 0
    entry: ZipEntry | None = None  # the member in the archive (in ``outer`` when nested)
    outer: ZipEntry | None = None  # the .zip member of the archive this member is inside
    twins: str = ""  # positions of other members of the same name ("#2, #5"), if any


def read_source(source: Source, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """The file's bytes, refusing oversized files before reading them."""
    if source.size > limits.max_file_bytes:
        raise Rejected("file-too-large", size=_mb(source.size), limit=_mb(limits.max_file_bytes))
    try:
        if source.entry is not None:
            with open(source.path, "rb") as fh:
                if source.outer is None:
                    data = read_entry(fh, source.entry)
                else:
                    data = read_entry(io.BytesIO(read_entry(fh, source.outer)), source.entry)
        else:
            with open(source.path, "rb") as fh:
                data = fh.read(limits.max_file_bytes + 1)
    except Rejected:
        raise
    except Exception as exc:  # zlib.error, permissions ...: the file is unreadable
        raise Rejected("unreadable-return", reason=f"{type(exc).__name__}: {exc}") from None
    if len(data) > limits.max_file_bytes:
        raise Rejected("file-too-large", size=_mb(len(data)), limit=_mb(limits.max_file_bytes))
    return data


def read_entry(fh: BinaryIO, entry: ZipEntry) -> bytes:
    """A member's bytes by its central-directory record, checked against its CRC-32. Never
    more than the declared size is inflated."""
    if entry.flags & 0x1:
        raise Rejected("password-protected", kind="zip")
    fh.seek(entry.offset)
    head = fh.read(30)
    if len(head) < 30 or head[:4] != b"PK\x03\x04":
        raise Rejected("unreadable-return", reason="bad local header")
    name_len, extra_len = struct.unpack("<HH", head[26:30])
    fh.seek(entry.offset + 30 + name_len + extra_len)
    raw = fh.read(entry.compressed)
    if entry.method == zipfile.ZIP_STORED:
        data = raw
    elif entry.method == zipfile.ZIP_DEFLATED:
        data = zlib.decompressobj(-15).decompress(raw, entry.size + 1)
    else:  # bzip2, lzma ...: rare in returns; zipfile reads them
        fh.seek(0)
        with zipfile.ZipFile(fh) as archive:
            info = next(i for i in archive.infolist() if i.header_offset == entry.offset)
            return archive.read(info)
    if len(data) != entry.size or zlib.crc32(data) != entry.crc:
        raise Rejected("unreadable-return", reason="CRC-32 check failed (damaged file)")
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


@dataclass
class ArchiveContents:
    """What a .zip of returns holds: the files to check, and members refused by name."""

    sources: list[Source]
    refused: list[tuple[str, Rejected]]  # (display name, why)


def archive_members(
    path: Path, display: str, limits: Limits = DEFAULT_LIMITS
) -> ArchiveContents | None:
    """The files inside a .zip archive of returns (folders inside are walked; a .zip inside is
    opened one level deep), or None when the .zip is a workbook renamed (told by content). The
    archive is opened once. A member whose name points outside the archive, or an archive
    nested deeper, is refused by name; members of the same name are all read, each under its
    own name."""
    try:
        with open(path, "rb") as fh, zipfile.ZipFile(fh) as archive:
            if WORKBOOK_PART in archive.NameToInfo:
                return None
            infos = archive.infolist()
            if len(infos) > limits.max_archive_members:
                raise Rejected("zip-bomb", reason=f"{len(infos)} entries")
            contents = ArchiveContents([], [])
            for info, name, twins in _named(infos, display, contents):
                if info.filename.lower().endswith(".zip"):
                    _nested(fh, info, name, str(path), limits, contents)
                else:
                    source = _member(path, info, name, None)
                    contents.sources.append(replace(source, twins=twins) if twins else source)
    except (OSError, zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise Rejected("corrupt-file", reason=f"{type(exc).__name__}: {exc}") from None
    return contents


def _named(
    infos: list[zipfile.ZipInfo], display: str, contents: ArchiveContents
) -> Iterator[tuple[zipfile.ZipInfo, str, str]]:
    """(member, the name shown for it, its twins) for every member to collect. Unsafe names
    are refused; members of one name are each shown with their position ("a.xlsx #3"), so
    none is lost and HR can tell them apart."""
    named = [(info, member_display_name(info)) for info in infos]
    positions: dict[str, list[int]] = {}
    for i, (info, name) in enumerate(named, start=1):
        if not info.is_dir():
            positions.setdefault(name, []).append(i)
    for i, (info, name) in enumerate(named, start=1):
        if unsafe_member_name(name):
            contents.refused.append(
                (f"{display}/{name}", Rejected("unsafe-member-name", name=name))
            )
        elif not (info.is_dir() or is_litter(name)):
            same = positions[name]
            if len(same) == 1:
                yield info, f"{display}/{name}", ""
            else:
                others = ", ".join(f"#{n}" for n in same if n != i)
                yield info, f"{display}/{name} #{i}", others


def unsafe_member_name(name: str) -> bool:
    """A name that would point outside the archive if extracted: a '..' part, an absolute
    path or a drive, with either slash (zip-slip). Nothing is ever extracted, but such an
    archive was not made by zipping returns, so it is refused and said so."""
    parts = name.replace("\\", "/").split("/")
    return ".." in parts or name.startswith(("/", "\\")) or bool(re.match(r"^[A-Za-z]:", name))


def _member(path: Path | str, info: zipfile.ZipInfo, name: str, outer: ZipEntry | None) -> Source:
    return Source(
        name=name,
        path=str(path),
        member=info.filename,
        mtime=_zip_mtime(info),
        size=info.file_size,
        entry=ZipEntry.of(info),
        outer=outer,
    )


def _nested(
    fh: BinaryIO,
    info: zipfile.ZipInfo,
    name: str,
    path: str,
    limits: Limits,
    contents: ArchiveContents,
) -> None:
    """The members of a .zip inside the archive, one level deep (its own .zip members are
    refused with a message saying so)."""
    outer = ZipEntry.of(info)
    try:
        data = read_entry(fh, outer) if info.file_size <= limits.max_uncompressed else b""
        inner = zipfile.ZipFile(io.BytesIO(data))
    except (Rejected, OSError, zipfile.BadZipFile, ValueError, EOFError, zlib.error) as exc:
        reason = exc.params.get("reason", exc.code) if isinstance(exc, Rejected) else exc
        contents.refused.append((name, Rejected("corrupt-file", reason=str(reason))))
        return
    with inner:
        infos = inner.infolist()
        if len(infos) > limits.max_archive_members:
            contents.refused.append((name, Rejected("zip-bomb", reason=f"{len(infos)} entries")))
            return
        for member, shown, twins in _named(infos, name, contents):
            if member.filename.lower().endswith(".zip"):
                refused = Rejected("nested-archive", name=name, inner=shown.rsplit("/", 1)[-1])
                contents.refused.append((shown, refused))
            else:
                source = _member(path, member, shown, outer)
                contents.sources.append(replace(source, twins=twins) if twins else source)


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
    try:
        return dt.datetime(*info.date_time).timestamp()
    except (ValueError, OverflowError):
        return 0.0


# --- what a file is ----------------------------------------------------------------------------


# Archives people send instead of a zip: told by magic bytes, named as users know them.
OTHER_ARCHIVES = {b"Rar!\x1a\x07": "RAR", b"7z\xbc\xaf\x27\x1c": "7z"}


def sniff(data: bytes) -> str:
    """The container by magic bytes: 'zip', 'ole', or a word for what it is instead."""
    if not data:
        return "empty"
    for magic, fmt in OTHER_ARCHIVES.items():
        if data.startswith(magic):
            return fmt
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
        raise Rejected("zip-bomb", reason=f"{len(infos)} entries > {limits.max_entries}")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise Rejected("password-protected", kind="zip")
        total += info.file_size
        if total > limits.max_uncompressed:
            raise Rejected(
                "zip-bomb",
                reason=f"inflates to more than {_mb(limits.max_uncompressed)}",
            )
        if info.file_size > limits.ratio_floor and (
            info.file_size > limits.max_ratio * max(info.compress_size, 1)
        ):
            ratio = info.file_size // max(info.compress_size, 1)
            raise Rejected("zip-bomb", reason=f"{info.filename} compressed {ratio}:1")


_DANGEROUS_XML = (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype", b"<!entity")
XML_HEAD = 8192


def check_xml_head(part: str, xml: bytes, size: int) -> None:
    """Refuse an XML part with a DOCTYPE or ENTITY declaration (entity expansion, XXE).

    Such a declaration can only stand in the prolog, so the head is enough; a prolog padded
    beyond the head is refused as well. ``xml`` is the part or its first XML_HEAD bytes.
    """
    head = xml[:XML_HEAD]
    if b"<!" in head and any(marker in head for marker in _DANGEROUS_XML):
        raise Rejected("unsafe-xml", part=part)
    if size > len(head) and re.search(rb"<[A-Za-z_]", head) is None:
        raise Rejected("unsafe-xml", part=part)


def check_xml_parts(archive: zipfile.ZipFile, names: list[str] | None = None) -> None:
    """check_xml_head on the named parts (default: every XML part) from their heads."""
    for info in archive.infolist():
        if names is not None and info.filename not in names:
            continue
        if not info.filename.endswith((".xml", ".rels", ".vml")) or info.file_size == 0:
            continue
        try:
            with archive.open(info) as fh:
                head = fh.read(XML_HEAD)
        except Exception as exc:  # zlib.error, bad CRC ...
            raise Rejected("corrupt-file", reason=f"{info.filename}: {exc}") from None
        check_xml_head(info.filename, head, info.file_size)
