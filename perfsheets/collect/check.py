"""Checking one returned workbook: identify its form, read every sheet by the form layout,
validate every input, keep the entries.

This is the per-file half of collect. It runs in worker processes, so it touches no ledger: the
ledger's knowledge (which forms exist, the locked values each sheet was generated with) and the
plan's rules (scales, KPI bounds, who must fill what) arrive in a
:class:`~perfsheets.collect.context.CheckContext`. Problems are data: their parameters are
values and :class:`~perfsheets.core.problems.Text`, rendered in a language only when shown.

Reading follows :mod:`perfsheets.core.layout`: the ``_meta`` sheet identifies the form
(:mod:`perfsheets.collect.identify`), each sheet listed for the form in the ledger is found by
name, and every value is located by the item keys in the hidden column A and the column meanings
of the ``@columns`` row, so inserted rows or columns, re-ordered sheets and renamed files do not
matter. Scores are never read: formula cells are only checked for being where a person should
have typed a value.

**Who must fill what** (``required-missing`` when empty):

* a rating for every key task and competency on the sheet, when the sheet's rater type rates
  that section in the plan (``RaterType.sections``);
* the actual of every KPI whose ``source`` is ``rater``, for the **manager** only: the manager's
  figure is the one that counts, a self-appraisal may leave actuals blank; imported actuals are
  locked, not inputs;
* comments are never required; nor are the counts of 加减分项 (blank means none), which must
  be whole numbers, 0 or more (``not-a-count``).

Values are read by :mod:`perfsheets.collect.values`, normalised only where the meaning is
unambiguous (each time with a ``value-normalised`` warning); anything else that is not clearly a
valid value is an error.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from perfsheets.collect.book import Book
from perfsheets.collect.context import CheckContext
from perfsheets.collect.files import Rejected, Source, read_source
from perfsheets.collect.identify import identify, place_sheets
from perfsheets.collect.interview import check_interview_book
from perfsheets.collect.outcome import CheckedReturn, SheetState
from perfsheets.collect.pip import check_pip_book
from perfsheets.collect.problems import (
    DUPLICATE_ITEM,
    DUPLICATE_MEMBER,
    FORMULA_IN_INPUT,
    ITEM_MISSING,
    KEYS_MISSING,
    LOCKED_CHANGED,
    MANY_NOT_RATED,
    NOT_A_COUNT,
    NOT_A_NUMBER,
    NOT_ALLOWED,
    OUT_OF_RANGE,
    RATEE_NOT_IN_ROSTER,
    REQUIRED_MISSING,
    RESULTS_RELEASED,
    TEXT_TOO_LONG,
    VALUE_NORMALISED,
    rejection,
)
from perfsheets.collect.record_sheets import meta_kind
from perfsheets.collect.values import (
    ItemSpec,
    blank,
    choices,
    field_text,
    read_number,
    read_rating,
    read_text,
    reasons_text,
    same_value,
    show,
    within,
)
from perfsheets.core import layout
from perfsheets.core.i18n import TERMS
from perfsheets.core.layout import cell_ref
from perfsheets.core.problems import ProblemType, Text
from perfsheets.core.scoring import is_not_rated
from perfsheets.ledger.forms import SheetRecord

# --- checking a file ---------------------------------------------------------------------------


def check_return(source: Source, ctx: CheckContext) -> CheckedReturn:
    """Read and check one returned file. Never raises for a bad file: it reports it."""
    result = CheckedReturn(source)
    try:
        data = read_source(source, ctx.limits)
        result.sha256 = hashlib.sha256(data).hexdigest()
        if result.sha256 in ctx.known:
            result.known_return, result.form_id = ctx.known[result.sha256]
            return result
        if source.twins:
            name = source.member.rsplit("/", 1)[-1] if source.member else source.name
            result.problems.append(DUPLICATE_MEMBER(source.name, name=name, others=source.twins))
        book = Book(data, ctx.limits)
    except Rejected as exc:
        result.problems.append(rejection(exc, source.name))
        return result
    try:
        _check_book(book, result, ctx)
    except Rejected as exc:
        result.problems.append(rejection(exc, source.name))
    finally:
        book.close()
    if result.valid:
        result.content = result.content_hash()
        if ctx.archive_dir is not None:
            result.archived = archive_file(ctx.archive_dir, result.sha256, data)
    return result


def archive_file(archive_dir: Path, sha256: str, data: bytes) -> str:
    """Store an accepted file by its hash (idempotent, atomic); the name under archive_dir."""
    name = f"{sha256[:2]}/{sha256}.xlsx"
    folder = os.path.join(archive_dir, sha256[:2])
    target = os.path.join(folder, f"{sha256}.xlsx")
    if not os.path.exists(target):
        # made each time (one stat): a folder cached as made may have been removed since
        os.makedirs(folder, exist_ok=True)
        tmp = f"{target}.{os.getpid()}.tmp"
        with open(tmp, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    return name


def _check_book(book: Book, result: CheckedReturn, ctx: CheckContext) -> None:
    result.saved_at = book.saved_at()
    kind = meta_kind(book)
    if kind == "interview":
        check_interview_book(book, result, ctx.interviews, ctx.cycle_id, ctx.today)
        return
    if kind == "pip":
        check_pip_book(book, result, ctx.pips, ctx.cycle_id, ctx.today)
        return
    if ctx.results_frozen:
        result.problems.append(RESULTS_RELEASED(result.source.name))
        return
    form = identify(book, result, ctx)
    if form is None:
        return
    placement = place_sheets(book, form, result)
    for record in form.sheets:
        sheet = placement.get(record.sheet)
        accepted = False
        if sheet is not None:
            before = len(result.problems)
            SheetCheck(book, sheet, record, form.rater_id, result, ctx).run()
            accepted = not any(p.is_error for p in result.problems[before:])
        result.sheet_states.append(
            SheetState(record.sheet, sheet or "", record.ratee_id, record.rater_type, accepted)
        )
    result.sheets = len(placement)
    # Only the values of accepted sheets are kept: a faulty sheet is sent back on its own.
    accepted_keys = {(s.ratee_id, s.rater_type) for s in result.sheet_states if s.accepted}
    result.entries = [e for e in result.entries if (e[0], e[1]) in accepted_keys]


@dataclass(slots=True)
class ItemRow:
    row: int
    columns: dict[str, int]  # column meaning -> 0-based column
    values: Sequence[object]

    def cell(self, meaning: str) -> tuple[int, object] | None:
        col = self.columns.get(meaning)
        if col is None:
            return None
        return col, self.values[col] if col < len(self.values) else ""


def read_items(rows: Sequence[Sequence[object]]) -> tuple[dict[str, list[ItemRow]], bool]:
    """Item key -> its rows (normally one), and whether an ``@columns`` row was found.

    The ``@columns`` row nearest above an item names its columns, so sections may each have
    their own header row.
    """
    columns: dict[str, int] | None = None
    items: dict[str, list[ItemRow]] = {}
    for r, row in enumerate(rows):
        key = row[0] if row else ""
        if not key or type(key) is not str:
            continue
        if key[0] == " " or key[-1] == " ":
            key = key.strip()
        if key == layout.COLUMNS_KEY:
            columns = {
                v.strip().lower(): c
                for c, v in enumerate(row)
                if c > 0 and isinstance(v, str) and v.strip()
            }
        elif (
            columns is not None and key.startswith(_ITEM_PREFIXES) and key.find(":") < len(key) - 1
        ):
            items.setdefault(key, []).append(ItemRow(r, columns, row))
    return items, columns is not None


_ITEM_PREFIXES = tuple(f"{kind}:" for kind in layout.INPUT_COLUMNS)
_NO_ITEMS = Text("没有考核项", "no items")
_COLUMN_DELETED = Text("（列已删除）", "(column deleted)")


class SheetCheck:
    """Checks one assessment sheet against its ledger record and the plan."""

    def __init__(
        self,
        book: Book,
        sheet: str,
        record: SheetRecord,
        rater_id: str,
        result: CheckedReturn,
        ctx: CheckContext,
    ) -> None:
        self.book, self.sheet, self.record, self.rater_id = book, sheet, record, rater_id
        self.result, self.ctx = result, ctx
        self._formulas: set[tuple[int, int]] | None = None
        self._rated_items = self._not_rated = 0  # rated items read, and answered N/A

    def problem(
        self, ptype: ProblemType, row: int | None = None, col: int | None = None, **params: object
    ) -> None:
        cell = cell_ref(row, col) if row is not None and col is not None else ""
        self.result.problems.append(ptype(self.result.source.name, self.sheet, cell, **params))

    def run(self) -> None:
        ratee = self.record.ratee_id
        role = self.ctx.ratee_roles.get(ratee)
        if role is None:
            self.problem(RATEE_NOT_IN_ROSTER, ratee=ratee)
            return
        items, has_columns = read_items(self.book.values(self.sheet))
        if not has_columns or not items:
            detail = "@columns" if not has_columns else _NO_ITEMS
            self.problem(KEYS_MISSING, detail=detail)
            return
        specs = self.ctx.role_items.get(role, {})
        locked: dict[str, dict[str, object]] = json.loads(self.record.locked_json or "{}")
        sections = self.ctx.rater_sections.get(self.record.rater_type, ())
        for key, expected in locked.items():
            rows = items.get(key)
            kind, code = layout.parse_item_key(key) or ("", key)
            spec = specs.get(key) or ItemSpec(kind, code, "")
            if not rows:
                self.problem(ITEM_MISSING, item=spec.label())
                continue
            row = self._single_row(key, rows, spec)
            if row is None:
                continue
            self._check_locked(row, spec, expected or {})
            if layout.INPUT_COLUMNS.get(kind) not in (expected or {}):
                required = self._required(spec, sections)
                self._read_input(row, key, spec, required)
        for key, rows in items.items():
            if key.startswith("comment:"):
                row = self._single_row(key, rows, ItemSpec("comment", key[8:], ""))
                if row is not None:
                    self._read_comment(row, key)
        self._check_not_rated_share()

    def _check_not_rated_share(self) -> None:
        share = self.ctx.na_warn_share
        if share is None or not self._not_rated or self._not_rated <= share * self._rated_items:
            return
        self.problem(
            MANY_NOT_RATED,
            count=self._not_rated,
            items=self._rated_items,
            ratee=self.record.ratee_id,
        )

    def _single_row(self, key: str, rows: list[ItemRow], spec: ItemSpec) -> ItemRow | None:
        """The item's row; a copied row is harmless while it is left empty."""
        if len(rows) == 1:
            return rows[0]
        meaning = layout.INPUT_COLUMNS.get(spec.kind, "")
        filled = [r for r in rows if (c := r.cell(meaning)) is not None and not blank(c[1])]
        if len(filled) <= 1:
            return filled[0] if filled else rows[0]
        label = spec.label() if spec.name else key
        self.problem(DUPLICATE_ITEM, item=label, rows=", ".join(str(r.row + 1) for r in filled))
        return None

    def _required(self, spec: ItemSpec, sections: tuple[str, ...]) -> bool:
        if spec.kind in ("task", "competency"):
            return spec.kind in sections
        if spec.kind == "kpi":
            return (
                "kpi" in sections and self.record.rater_type == "manager" and spec.source == "rater"
            )
        return False

    # locked cells ------------------------------------------------------------------------------

    def _check_locked(self, row: ItemRow, spec: ItemSpec, expected: dict[str, object]) -> None:
        for meaning, want in expected.items():
            cell = row.cell(meaning)
            got = cell[1] if cell else None
            if same_value(want, got):
                continue
            col = cell[0] if cell else None
            found = show(got) if cell else _COLUMN_DELETED
            self.problem(
                LOCKED_CHANGED,
                row.row,
                col,
                item=spec.label(),
                field=field_text(meaning),
                expected=show(want),
                found=found,
            )

    # inputs -------------------------------------------------------------------------------------

    def _input_cell(self, row: ItemRow, meaning: str) -> tuple[int, object] | None:
        cell = row.cell(meaning)
        if cell is None:
            self.problem(KEYS_MISSING, detail=f"@columns: {meaning}")
        return cell

    def _is_formula(self, row: int, col: int) -> bool:
        if self._formulas is None:
            self._formulas = self.book.formula_cells(self.sheet)
        return (row, col) in self._formulas

    def _read_input(self, row: ItemRow, key: str, spec: ItemSpec, required: bool) -> None:
        meaning = layout.INPUT_COLUMNS[spec.kind]
        cell = self._input_cell(row, meaning)
        if cell is None:
            return
        col, raw = cell
        where = (row.row, col)
        field_name = field_text(meaning)
        if self._is_formula(*where):
            self.problem(FORMULA_IN_INPUT, *where, item=spec.label(), field=field_name)
            return
        if spec.kind == "adjustment":
            self._read_count(row, key, spec, col, raw)
            return
        if spec.kind != "kpi":
            self._rated_items += 1
            if spec.na_allowed and is_not_rated(raw):
                self._not_rated += 1
                self._entry(key, "na", None, None)  # answered, scored from the other raters
                return
        if spec.kind == "kpi":
            value, notes, bad = read_number(raw, unit=spec.unit)
            if type(raw) is float and self._typed_as_percent(spec, raw, where):
                value, notes = round(raw * 100, 9), ("percent_format",)
        else:
            value, notes, bad = read_rating(raw, spec)
        if bad is not None:
            label, typed = spec.label(), show(raw)
            if spec.kind == "kpi":
                self.problem(NOT_A_NUMBER, *where, item=label, field=field_name, value=typed)
            else:
                allowed = choices(spec)
                self.problem(
                    NOT_ALLOWED, *where, allowed=allowed, item=label, field=field_name, value=typed
                )
            return
        if value is None:
            if required:
                self.problem(REQUIRED_MISSING, *where, item=spec.label(), field=field_name)
            return
        if notes:
            self.problem(
                VALUE_NORMALISED,
                *where,
                item=spec.label(),
                field=field_name,
                value=show(raw),
                normalised=show(value),
                reasons=reasons_text(notes),
            )
        if spec.kind == "kpi" and not within(value, spec.min_value, spec.max_value):
            self.problem(
                OUT_OF_RANGE,
                *where,
                item=spec.label(),
                field=field_name,
                value=show(value),
                low=show(spec.min_value) if spec.min_value is not None else "-∞",
                high=show(spec.max_value) if spec.max_value is not None else "+∞",
            )
            return
        self._entry(key, meaning, value, None)

    def _read_count(self, row: ItemRow, key: str, spec: ItemSpec, col: int, raw: object) -> None:
        """A 加减分项's count: a whole number, 0 or more; blank is none (nothing stored)."""
        value, notes, bad = read_number(raw, unit=spec.unit)
        if bad is None and value is None:
            return
        if bad is not None or value is None or value < 0 or not value.is_integer():
            self.problem(
                NOT_A_COUNT,
                row.row,
                col,
                item=spec.label(),
                field=field_text(layout.COL_COUNT),
                value=show(raw),
            )
            return
        if notes:
            self.problem(
                VALUE_NORMALISED,
                row.row,
                col,
                item=spec.label(),
                field=field_text(layout.COL_COUNT),
                value=show(raw),
                normalised=show(value),
                reasons=reasons_text(notes),
            )
        self._entry(key, layout.COL_COUNT, value, None)

    def _typed_as_percent(self, spec: ItemSpec, raw: float, where: tuple[int, int]) -> bool:
        """85% typed in Excel is stored as 0.85 with a percent format (looked up only for
        small numbers in percent KPIs)."""
        return spec.percent and abs(raw) <= 10 and self.book.shows_percent(self.sheet, *where)

    def _read_comment(self, row: ItemRow, key: str) -> None:
        cell = self._input_cell(row, layout.COL_TEXT)
        if cell is None:
            return
        col, raw = cell
        label = self._comment_label(key)
        if self._is_formula(row.row, col):
            self.problem(FORMULA_IN_INPUT, row.row, col, item=label, field=field_text("text"))
            return
        text = read_text(raw)
        if not text:
            return
        if len(text) > layout.COMMENT_MAX_CHARS:
            self.problem(
                TEXT_TOO_LONG,
                row.row,
                col,
                item=label,
                length=len(text),
                limit=layout.COMMENT_MAX_CHARS,
            )
            return
        self._entry(key, "comment", None, text)

    def _comment_label(self, key: str) -> Text | str:
        name = key.partition(":")[2]
        words = TERMS.get("development_goal" if name == "development" else name)
        return Text(*words) if words else name

    def _entry(self, key: str, meaning: str, num: float | None, text: str | None) -> None:
        field_name = {"text": "comment"}.get(meaning, meaning)
        self.result.entries.append(
            (self.record.ratee_id, self.record.rater_type, key, field_name, num, text)
        )
