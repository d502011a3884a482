"""What every record workbook returned after the results (interview records, PIPs) shares:
its kind read from the ``_meta`` sheet, the checks of the workbook against the form it was
written as, and one sheet's inputs read cell by cell (text, dates, formulas typed into inputs),
each problem located."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from perfsheets.collect.book import Book
from perfsheets.collect.outcome import CheckedReturn, SheetState
from perfsheets.collect.problems import (
    FORMULA_IN_INPUT,
    META_INVALID,
    SHEET_MISSING,
    TEXT_TOO_LONG,
    UNKNOWN_FORM,
    WRONG_CYCLE,
)
from perfsheets.collect.values import blank, read_text, show
from perfsheets.core import interview as iv
from perfsheets.core import layout
from perfsheets.core.layout import cell_ref
from perfsheets.core.problems import ProblemType, Text, problem_type


def field_label(name: str) -> Text:
    """The label of an interview record's field (its place in problems)."""
    return Text(*iv.FIELDS[name])


BAD_DATE = problem_type(
    "bad-date",
    "error",
    "不是日期",
    "Not a date",
    "{item}应为日期（如 2027-01-20），填写的是“{value}”",
    "{item} must be a date (e.g. 2027-01-20), not '{value}'",
)

DATE_OUT_OF_RANGE = problem_type(
    "date-out-of-range",
    "error",
    "日期不合理",
    "Date out of range",
    "{item} {value} 不在 {low} 至 {high} 之间",
    "{item} {value} is not between {low} and {high}",
)

ROW_INCOMPLETE = problem_type(
    "row-incomplete",
    "error",
    "行未填完整",
    "Row incomplete",
    "{section}第 {n} 行填写了部分内容：请填写{item}，或清空整行",
    "Row {n} of {section} is partly filled: fill in {item} or clear the row",
)


def meta_kind(book: Book) -> str | None:
    """The ``form_kind`` a workbook's ``_meta`` sheet names (interview, pip), or None."""
    if layout.META_SHEET not in book.sheet_names:
        return None
    for row in book.values(layout.META_SHEET)[:40]:
        if len(row) >= 2 and row[0] == iv.KIND_KEY:
            return str(row[1]).strip()
    return None


class _SheetOfForm(Protocol):
    @property
    def sheet(self) -> str: ...
    @property
    def employee_id(self) -> str: ...
    @property
    def locked_json(self) -> str: ...


class _FormOfRecords(Protocol):
    @property
    def manager_id(self) -> str: ...
    @property
    def sheets(self) -> Sequence[_SheetOfForm]: ...


def check_record_book(
    book: Book,
    result: CheckedReturn,
    *,
    kind: str,
    schema_version: int,
    meta_fields: Sequence[str],
    forms: Mapping[str, _FormOfRecords] | None,
    cycle_id: str,
    check_sheet: Callable[[str, str, dict], object | None],
) -> None:
    """Identify a record form by its ``_meta`` (an interview record or a PIP: one sheet per
    employee) and check each of its sheets with ``check_sheet(sheet, employee, locked)``, which
    returns what it read (None: nothing, or errors) and appends its problems to ``result``."""
    file = result.source.name
    result.kind = kind
    meta, _sheets = _read_meta(book.values(layout.META_SHEET), meta_fields)
    where = (file, layout.META_SHEET)
    missing = [k for k in ("schema_version", "form_id", "cycle_id") if not meta.get(k)]
    if missing or meta.get("schema_version") != str(schema_version):
        detail = "missing " + ", ".join(missing) if missing else "schema_version"
        result.problems.append(META_INVALID(*where, detail=detail))
        return
    result.form_id = meta["form_id"]
    result.rater_id = meta.get("manager_id") or None
    result.rater_name = meta.get("manager_name") or None
    if meta["cycle_id"] != cycle_id:
        result.problems.append(WRONG_CYCLE(*where, found=meta["cycle_id"], expected=cycle_id))
        return
    form = forms.get(meta["form_id"]) if forms else None
    if form is None:
        result.problems.append(UNKNOWN_FORM(*where, form_id=meta["form_id"]))
        return
    result.rater_id = form.manager_id
    present = set(book.sheet_names)
    for record in form.sheets:
        if record.sheet not in present:
            result.problems.append(
                SHEET_MISSING(file, record.sheet, name=record.sheet, ratee=record.employee_id)
            )
            result.sheet_states.append(
                SheetState(record.sheet, "", record.employee_id, kind, False)
            )
            continue
        before = len(result.problems)
        read = check_sheet(record.sheet, record.employee_id, json.loads(record.locked_json))
        if read is None and len(result.problems) == before:
            continue  # left empty: not returned yet
        accepted = read is not None and not any(p.is_error for p in result.problems[before:])
        result.sheet_states.append(
            SheetState(record.sheet, record.sheet, record.employee_id, kind, accepted)
        )
        if accepted and read is not None:
            result.records.append(read)
    result.sheets = len(result.sheet_states)


def _read_meta(
    rows: Sequence[Sequence[object]], fields: Sequence[str] = iv.META_FIELDS
) -> tuple[dict[str, str], dict[str, str]]:
    meta: dict[str, str] = {}
    sheets: dict[str, str] = {}
    in_sheets = False
    for row in rows:
        if len(row) < 2 or not isinstance(row[0], str):
            continue
        key = row[0].strip()
        if key == layout.SHEETS_KEY:
            in_sheets = True
        elif in_sheets:
            sheets[key] = str(row[1]).strip()
        elif key in fields:
            value = row[1]
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            meta[key] = "" if value is None else str(value).strip()
    return meta, sheets


_DATE_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def read_date(raw: object) -> tuple[dt.date | None, bool]:
    """(date, ok): a real date, an Excel serial number, or text such as 2027-01-20, 2027/1/20 or
    2027年1月20日; ok is False for anything else that is not blank."""
    if blank(raw):
        return None, True
    if isinstance(raw, dt.datetime):
        return raw.date(), True
    if isinstance(raw, dt.date):
        return raw, True
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        if math.isfinite(raw) and 1 <= raw < 2958466 and float(raw).is_integer():
            return _EXCEL_EPOCH + dt.timedelta(days=int(raw)), True
        return None, False
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    match = _DATE_TEXT.fullmatch(text)
    if match:
        try:
            return dt.date(*map(int, match.groups())), True
        except ValueError:
            return None, False
    return None, False


class SheetReader:
    """Reads the inputs of one sheet of a record form (interview record, PIP): text, dates,
    formulas typed into inputs; each problem located (file, sheet, cell)."""

    def __init__(
        self,
        book: Book,
        sheet: str,
        result: CheckedReturn,
        today: dt.date,
        earliest: dt.date | None,
    ) -> None:
        self.book, self.sheet, self.result = book, sheet, result
        self.today, self.earliest = today, earliest
        self._formulas: set[tuple[int, int]] | None = None
        self.errors = 0

    def problem(self, ptype: ProblemType, row: int, col: int | None, **params: object) -> None:
        cell = cell_ref(row, col) if col is not None else ""
        self.result.problems.append(ptype(self.result.source.name, self.sheet, cell, **params))
        if ptype.severity == "error":
            self.errors += 1

    def _formula(self, row: int, col: int) -> bool:
        if self._formulas is None:
            self._formulas = self.book.formula_cells(self.sheet)
        return (row, col) in self._formulas

    def _text(
        self, spot: tuple[int, int, object] | None, name: str | Text, limit: int = iv.TEXT_MAX_CHARS
    ) -> str:
        if spot is None:
            return ""
        row, col, raw = spot
        label = field_label(name) if isinstance(name, str) else name
        if self._formula(row, col):
            self.problem(FORMULA_IN_INPUT, row, col, item=label, field=Text("内容", "text"))
            return ""
        text = read_text(raw)
        if len(text) > limit:
            self.problem(TEXT_TOO_LONG, row, col, item=label, length=len(text), limit=limit)
            return ""
        return text

    def _date(
        self, spot: tuple[int, int, object] | None, label: Text, future: bool = False
    ) -> dt.date | None:
        if spot is None:
            return None
        row, col, raw = spot
        if self._formula(row, col):
            self.problem(FORMULA_IN_INPUT, row, col, item=label, field=Text("日期", "date"))
            return None
        value, ok = read_date(raw)
        if not ok:
            self.problem(BAD_DATE, row, col, item=label, value=show(raw))
            return None
        low = self.earliest or dt.date(2000, 1, 1)
        high = dt.date(2100, 12, 31) if future else self.today + dt.timedelta(days=1)
        if value is not None and not low <= value <= high:
            self.problem(DATE_OUT_OF_RANGE, row, col, item=label, value=value, low=low, high=high)
            return None
        return value
