"""Which form a returned file is: by its hidden ``_meta`` sheet (never its file name), checked
against the ledger's forms; and where each of the form's sheets is in the file."""

from __future__ import annotations

from collections.abc import Sequence

from perfsheets.collect.book import Book
from perfsheets.collect.context import CheckContext
from perfsheets.collect.outcome import CheckedReturn
from perfsheets.collect.problems import (
    META_INVALID,
    META_MISSING,
    NOT_A_FORM,
    OUTDATED_FORM,
    RATER_NOT_IN_ROSTER,
    SHEET_MISSING,
    SHEET_RENAMED,
    UNKNOWN_FORM,
    WRONG_CYCLE,
    WRONG_PLAN_VERSION,
)
from perfsheets.core import layout
from perfsheets.ledger.forms import FormRecord


def identify(book: Book, result: CheckedReturn, ctx: CheckContext) -> FormRecord | None:
    """The current form this file is a return of (its identity set on ``result``), or None
    with the problem reported. A rater no longer in the roster is reported, not refused here."""
    file = result.source.name
    if layout.META_SHEET not in book.sheet_names:
        looks_like_form = any(has_columns_row(book.values(s)) for s in book.sheet_names[:20])
        if looks_like_form:
            result.problems.append(META_MISSING(file, layout.META_SHEET, name=layout.META_SHEET))
        else:
            result.problems.append(NOT_A_FORM(file))
        return None
    meta, detail = read_meta(book.values(layout.META_SHEET))
    if detail:
        result.problems.append(META_INVALID(file, layout.META_SHEET, detail=detail))
        return None
    result.form_id, result.rater_id = meta["form_id"], meta.get("rater_id") or None
    result.rater_name = meta.get("rater_name") or None
    form = _form_of(meta, result, ctx)
    if form is None:
        return None
    result.rater_id = form.rater_id
    if form.rater_id not in ctx.raters:
        result.problems.append(
            RATER_NOT_IN_ROSTER(file, rater_id=form.rater_id, rater_name=result.rater_name or "?")
        )
    else:
        result.rater_name = ctx.raters[form.rater_id]
    return form


def _form_of(meta: dict[str, str], result: CheckedReturn, ctx: CheckContext) -> FormRecord | None:
    """The ledger's form for this file's metadata, or None with the problem reported."""
    file = result.source.name
    where = (file, layout.META_SHEET)
    if meta.get("cycle_id") != ctx.cycle_id:
        result.problems.append(
            WRONG_CYCLE(*where, found=meta.get("cycle_id") or "?", expected=ctx.cycle_id)
        )
        return None
    form = ctx.forms.forms.get(meta["form_id"])
    if form is None:
        result.problems.append(UNKNOWN_FORM(*where, form_id=meta["form_id"]))
        return None
    found = meta.get("plan_version", "")
    digest = meta.get("plan_digest", "")
    if found != str(form.plan_version) or (
        form.plan_digest and digest and digest != form.plan_digest
    ):
        detail = f"plan_version {found or '?'} / {form.plan_version}"
        result.problems.append(META_INVALID(*where, detail=detail))
        return None
    if meta.get("rater_id") and meta["rater_id"] != form.rater_id:
        result.problems.append(
            META_INVALID(*where, detail=f"rater_id {meta['rater_id']} ≠ {form.rater_id}")
        )
        return None
    current = ctx.forms.current_for(form)
    if current.plan_version != form.plan_version:
        result.problems.append(
            WRONG_PLAN_VERSION(*where, found=form.plan_version, expected=current.plan_version)
        )
        return None
    if current.digest != form.digest:
        result.problems.append(OUTDATED_FORM(*where, form_id=form.form_id))
        return None
    return current


def read_meta(rows: Sequence[Sequence[object]]) -> tuple[dict[str, str], str]:
    """The form's metadata fields and, when unusable, why (else '')."""
    meta: dict[str, str] = {}
    for row in rows:
        if len(row) < 2 or not isinstance(row[0], str):
            continue
        key = row[0].strip()
        if key == layout.SHEETS_KEY:
            break
        if key in layout.META_FIELDS:
            meta[key] = _text(row[1])
    missing = [
        k for k in ("schema_version", "form_id", "cycle_id", "plan_version") if not meta.get(k)
    ]
    if missing:
        return meta, "missing " + ", ".join(missing)
    if meta["schema_version"] != str(layout.FORM_SCHEMA_VERSION):
        return meta, f"schema_version {meta['schema_version']}"
    return meta, ""


def _text(value: object) -> str:
    """Metadata as text; numbers written as text may come back as floats (1.0 -> '1')."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()


def has_columns_row(rows: Sequence[Sequence[object]]) -> bool:
    """Whether a sheet has the form layout (an ``@columns`` row near the top)."""
    return any(row and row[0] == layout.COLUMNS_KEY for row in rows[:200])


def place_sheets(book: Book, form: FormRecord, result: CheckedReturn) -> dict[str, str]:
    """Generated sheet name -> sheet in the file. One renamed sheet is found again when it is
    the only unexpected sheet that still has the form layout."""
    present = set(book.sheet_names)
    placement = {r.sheet: r.sheet for r in form.sheets if r.sheet in present}
    missing = [r for r in form.sheets if r.sheet not in present]
    if len(missing) == 1:
        expected = {r.sheet for r in form.sheets} | {layout.META_SHEET}
        candidates = [
            s for s in book.sheet_names if s not in expected and has_columns_row(book.values(s))
        ]
        if len(candidates) == 1:
            record = missing.pop()
            placement[record.sheet] = candidates[0]
            result.problems.append(
                SHEET_RENAMED(
                    result.source.name, candidates[0], name=record.sheet, found=candidates[0]
                )
            )
    for record in missing:
        result.problems.append(
            SHEET_MISSING(
                result.source.name, record.sheet, name=record.sheet, ratee=record.ratee_id
            )
        )
    return placement
