"""Tables people export from other systems (payroll, ERP): CSV in the encodings Chinese systems
write, and workbooks read with python-calamine, as rows of cell values.

The zip-bomb guard runs before a workbook is parsed (see FACTS.md). python-calamine is imported
where a workbook is read (``# lazy: start-up``).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
MAX_TABLE_BYTES = 100 * 1024 * 1024
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_ZIP_ENTRIES = 10_000
HEADER_SCAN_ROWS = 10


class UnreadableTable(ValueError):
    """The file is no table perfsheets can read (the message says why)."""


@dataclass(frozen=True)
class Table:
    sheet: str  # '' for CSV
    rows: Sequence[Sequence[object]]  # as read: rows[0] is the file's row 1


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of GBK)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    if data.startswith(b"\xef\xbb\xbf"):  # says UTF-8: not to be read as GBK when it is not
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise UnreadableTable("a UTF-8 byte-order mark, but not UTF-8 text") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise UnreadableTable("not UTF-8 or GBK text") from exc


def read_csv(data: bytes) -> Table:
    text = decode(data)
    head = text.splitlines()[:HEADER_SCAN_ROWS]
    delimiter = max(",\t;", key=lambda d: sum(line.count(d) for line in head))
    return Table("", [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)])


def _check_zip(path: Path, max_unzipped: int | None = None) -> None:
    if not zipfile.is_zipfile(path):
        return  # .xls (OLE) and encrypted files: calamine says what they are
    limit = MAX_UNZIPPED_BYTES if max_unzipped is None else max_unzipped
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        if len(infos) > MAX_ZIP_ENTRIES or sum(i.file_size for i in infos) > limit:
            raise UnreadableTable("the workbook unpacks to an implausible size (zip bomb?)")


def read_excel(path: Path, *, max_unzipped: int | None = None) -> list[Table]:
    """Every visible sheet of a workbook (refused when it unpacks to more than
    ``max_unzipped`` bytes, by default :data:`MAX_UNZIPPED_BYTES`). An error of python-calamine
    opening it is the cause of the :class:`UnreadableTable` raised."""
    from python_calamine import CalamineWorkbook, SheetVisibleEnum  # lazy: start-up

    _check_zip(path, max_unzipped)
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine's own errors (password, corrupt file ...)
        raise UnreadableTable(f"{type(exc).__name__}: {exc}") from exc
    try:
        return [
            Table(meta.name, wb.get_sheet_by_name(meta.name).to_python(skip_empty_area=False))
            for meta in wb.sheets_metadata
            if meta.visible == SheetVisibleEnum.Visible
        ]
    finally:
        wb.close()


def read_table(path: Path, *, max_unzipped: int | None = None) -> list[Table]:
    """The tables of a CSV file (one) or a workbook (its visible sheets); a file that is none
    raises :class:`UnreadableTable` (caused by the decoder's or calamine's error, if any)."""
    suffix = path.suffix.lower()
    if suffix not in EXCEL_SUFFIXES + CSV_SUFFIXES:
        raise UnreadableTable(f"{suffix or 'no suffix'}: expected .csv or .xlsx")
    try:
        if path.stat().st_size > MAX_TABLE_BYTES:
            raise UnreadableTable(f"larger than {MAX_TABLE_BYTES // 2**20} MB")
        if suffix in CSV_SUFFIXES:
            return [read_csv(path.read_bytes())]
    except OSError as exc:
        raise UnreadableTable(str(exc)) from exc
    return read_excel(path, max_unzipped=max_unzipped)
