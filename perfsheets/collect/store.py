"""Storing one checked file: what becomes of it and its ledger rows, written through
:mod:`perfsheets.ledger.returns` inside the caller's batch.

A return is accepted **sheet by sheet**: a sheet with an error is rejected (and sent back) on its
own while the file's other sheets are accepted; an error that makes the whole file untrustworthy
rejects the file (:data:`perfsheets.collect.outcome.SHEET_ERRORS` tells the two apart).

Versions are ordered as the rater **saved** them: the workbook's own modified time, then when
it arrived (one run: the order of the files' modification times). For each accepted sheet the
later version wins, so

* a file newer than the return in force *supersedes* it for its sheets (``duplicate-return``);
  the sheets it does not hold, or holds in an older version, keep their values, carried into the
  new return, so the form's one return in force holds every sheet's values in force;
* a file saved before the return in force, whose values differ, is *older*: stored, not used
  (``older-return``);
* a file whose values equal the ones in force is *unchanged*; an identical re-send of an older
  version is not: v1, v2, then v1's values saved again puts v1's values back in force.

A file whose bytes are already stored is *unchanged* and keeps the problems of its last check.
Every other file's problems and rejections replace those of its earlier checks.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import defaultdict
from collections.abc import Iterable

from perfsheets.collect.context import CheckContext, FormIndex
from perfsheets.collect.interview_store import InterviewStore
from perfsheets.collect.outcome import CheckedReturn, FileOutcome, SheetState
from perfsheets.collect.pip_store import PipStore
from perfsheets.collect.problems import (
    DUPLICATE_RETURN,
    OLDER_RETURN,
    PARTLY_ACCEPTED,
    SAVED_IN_FUTURE,
)
from perfsheets.collect.record_store import FOREIGN
from perfsheets.core.model import Lang
from perfsheets.core.problems import Problem, Text
from perfsheets.ledger import returns as ledger
from perfsheets.ledger.returns import Batch, Entry, FileIdentity, NewReturn, ReturnSheet
from perfsheets.ledger.workspace import audit

_UNKNOWN_TIME = "?"


class ReturnStore:
    """Writes one checked file's outcome into the ledger (inside the caller's transaction)."""

    def __init__(self, batch: Batch, run_at: str, ctx: CheckContext, lang: Lang = "zh-CN") -> None:
        self.batch = batch
        self.conn: sqlite3.Connection = batch.conn
        self.run_at = run_at
        self.lang = lang  # of the fallback message stored with each problem
        self.forms: FormIndex = ctx.forms
        self.names = ctx.raters
        self._latest_save = _utc_text(run_at, dt.timedelta(days=1))

    def record(self, item: CheckedReturn) -> FileOutcome:
        outcome = FileOutcome(
            file=item.source.name,
            outcome="rejected",
            form_id=item.form_id,
            rater_id=item.rater_id,
            rater_name=item.rater_name,
            sheets=item.sheets,
            sha256=item.sha256,
        )
        if item.known_return is not None:
            return self._known(item, outcome)
        if item.kind == "interview":
            with self.batch.file():
                return InterviewStore(self.conn, self.run_at, self.lang).record(item, outcome)
        if item.kind == "pip":
            with self.batch.file():
                return PipStore(self.conn, self.run_at, self.lang).record(item, outcome)
        who = self._identity(item)
        if who.rater_id is None:  # another cycle's form names a person who is not in this one
            outcome.rater_id = outcome.rater_name = None
        with self.batch.file():
            if item.valid:
                self._accept(item, outcome)
            ledger.replace_problems(
                self.conn, who, item.problems, run_at=self.run_at, lang=self.lang
            )
            ledger.replace_rejections(
                self.conn,
                who,
                _rejected_sheets(item),
                saved_at=item.saved_at,
                checked_at=self.run_at,
            )
        outcome.errors, outcome.warnings = item.errors, item.warnings
        return outcome

    def _identity(self, item: CheckedReturn) -> FileIdentity:
        """Whom the file's problems are about: a form of this workspace and its rater, or
        nobody (another cycle's or an unknown form creates no entry for anyone)."""
        form = self.forms.forms.get(item.form_id or "")
        if form is None or any(p.code in FOREIGN for p in item.problems):
            return FileIdentity(item.source.name, None, None)
        return FileIdentity(item.source.name, form.form_id, form.rater_id)

    def _known(self, item: CheckedReturn, outcome: FileOutcome) -> FileOutcome:
        """Bytes already stored: nothing changes; the file's problems of its last check stand."""
        form = self.forms.forms.get(item.form_id or "")
        outcome.outcome = "unchanged"
        outcome.return_id = item.known_return
        if form is not None:
            outcome.rater_id = item.rater_id = form.rater_id
            outcome.rater_name = item.rater_name = self.names.get(form.rater_id)
            outcome.sheets = len(form.sheets)
        item.problems.extend(ledger.file_problems(self.conn, item.source.name))
        outcome.errors, outcome.warnings = item.errors, item.warnings
        return outcome

    # accepting ----------------------------------------------------------------------------------

    def _accept(self, item: CheckedReturn, outcome: FileOutcome) -> None:
        self._notes(item, outcome)
        form_id = item.form_id or ""
        current = ledger.in_force(self.conn, self.forms.equivalents(form_id))
        mine = _by_sheet(item.entries, item.sheet_states)
        own = [
            ReturnSheet(s.sheet, s.ratee_id, s.rater_type, None, item.saved_at, self.run_at)
            for s in item.sheet_states
            if s.accepted
        ]
        if current is None:
            outcome.outcome = "accepted"  # the returns row is its record; no audit entry needed
            outcome.return_id = self._insert(item, item.entries, own)
            return
        held = {s.sheet: s for s in ledger.return_sheets(self.conn, current.return_id)}
        theirs = _by_sheet(ledger.return_entries(self.conn, current.return_id), held.values())
        newer, older, changed = _compare(own, held, mine, theirs)
        if changed:
            self._supersede(item, outcome, current, newer, older, held, mine, theirs)
        elif older:
            self._older(item, outcome, current, older, held, own)
        else:
            outcome.outcome = "unchanged"
            outcome.return_id = current.return_id

    def _notes(self, item: CheckedReturn, outcome: FileOutcome) -> None:
        """A save time in the future is not trusted (a wrong clock would make the file win
        over every correction); sheets sent back while the rest is accepted are said so."""
        if item.saved_at and item.saved_at > self._latest_save:
            item.problems.append(SAVED_IN_FUTURE(item.source.name, saved_at=item.saved_at))
            item.saved_at = ""
        rejected = item.rejected_sheets
        outcome.rejected_sheets = len(rejected)
        if rejected:
            item.problems.append(
                PARTLY_ACCEPTED(
                    item.source.name,
                    accepted=len(item.sheet_states) - len(rejected),
                    rejected=len(rejected),
                    sheets=_names(s.sheet for s in rejected),
                )
            )

    def _supersede(
        self,
        item: CheckedReturn,
        outcome: FileOutcome,
        current: ledger.StoredReturn,
        newer: list[ReturnSheet],
        older: list[ReturnSheet],
        held: dict[str, ReturnSheet],
        mine: dict[str, list[Entry]],
        theirs: dict[str, list[Entry]],
    ) -> None:
        """The file's newer sheets replace the return in force; its other sheets are carried."""
        taken = {s.sheet for s in newer}
        carried = [s for name, s in held.items() if name not in taken]
        entries = [e for s in newer for e in mine.get(s.sheet, [])]
        entries += [e for s in carried for e in theirs.get(s.sheet, [])]
        return_id = self._insert(item, entries, [*newer, *carried])
        ledger.supersede(self.conn, current.return_id, return_id)
        outcome.outcome = "superseded"
        outcome.return_id, outcome.replaced_return_id = return_id, current.return_id
        item.problems.append(
            DUPLICATE_RETURN(
                item.source.name,
                form_id=item.form_id,
                previous_file=current.file,
                previous_at=current.received_at,
            )
        )
        if older:
            item.problems.append(self._older_problem(item, current, older, held))
        self._audit(
            "return.supersede",
            item,
            return_id,
            replaces=current.return_id,
            replaced_file=current.file,
            sheets=sorted(taken),
            carried=sorted(s.sheet for s in carried),
        )

    def _older(
        self,
        item: CheckedReturn,
        outcome: FileOutcome,
        current: ledger.StoredReturn,
        older: list[ReturnSheet],
        held: dict[str, ReturnSheet],
        own: list[ReturnSheet],
    ) -> None:
        """A version saved before the one in force: kept in the ledger (its bytes are then
        known), never in force."""
        return_id = self._insert(item, item.entries, own)
        ledger.supersede(self.conn, return_id, current.return_id)
        outcome.outcome = "older"
        outcome.return_id = return_id
        item.problems.append(self._older_problem(item, current, older, held))
        self._audit("return.older", item, return_id, in_force=current.return_id)

    def _audit(self, action: str, item: CheckedReturn, return_id: int, **detail: object) -> None:
        audit(
            self.conn,
            action,
            item.form_id or "",
            file=item.source.name,
            return_id=return_id,
            sha256=item.sha256,
            saved_at=item.saved_at,
            **detail,
        )

    def _older_problem(
        self,
        item: CheckedReturn,
        current: ledger.StoredReturn,
        older: list[ReturnSheet],
        held: dict[str, ReturnSheet],
    ) -> Problem:
        latest = max((held[s.sheet] for s in older if s.sheet in held), key=lambda s: s.order)
        return OLDER_RETURN(
            item.source.name,
            form_id=item.form_id,
            saved_at=item.saved_at or _UNKNOWN_TIME,
            current_file=current.file,
            current_saved_at=latest.saved_at or _UNKNOWN_TIME,
            sheets=_names(s.sheet for s in older),
        )

    def _insert(self, item: CheckedReturn, entries: list[Entry], sheets: list[ReturnSheet]) -> int:
        new = NewReturn(
            form_id=item.form_id or "",
            rater_id=item.rater_id or "",
            file=item.source.name,
            sha256=item.sha256,
            content_hash=item.content or item.content_hash(),
            archived=f"archive/{item.archived}" if item.archived else "",
            received_at=self.run_at,
            saved_at=item.saved_at,
        )
        return ledger.insert_return(self.conn, new, entries, sheets)


def _compare(
    own: list[ReturnSheet],
    held: dict[str, ReturnSheet],
    mine: dict[str, list[Entry]],
    theirs: dict[str, list[Entry]],
) -> tuple[list[ReturnSheet], list[ReturnSheet], bool]:
    """The file's sheets saved at or after those in force, those saved before whose values
    differ, and whether any newer sheet changes a value (equal save times: the later arrival
    wins)."""
    newer, older, changed = [], [], False
    for sheet in own:
        previous = held.get(sheet.sheet)
        same = mine.get(sheet.sheet, []) == theirs.get(sheet.sheet, [])
        if previous is None or sheet.order >= previous.order:
            newer.append(sheet)
            changed = changed or not same
        elif not same:
            older.append(sheet)
    return newer, older, changed


def _by_sheet(
    entries: Iterable[Entry], sheets: Iterable[SheetState | ReturnSheet]
) -> dict[str, list[Entry]]:
    """Entries per sheet name (a sheet is one ratee in one rater type), each list sorted so
    two versions compare by value."""
    names = {(s.ratee_id, s.rater_type): s.sheet for s in sheets}
    found: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        name = names.get((entry[0], entry[1]))
        if name is not None:
            found[name].append(entry)
    return {name: sorted(rows, key=_entry_order) for name, rows in found.items()}


def _names(sheets: Iterable[str]) -> Text:
    """Sheet names listed as each language lists them."""
    names = list(sheets)
    return Text("、".join(names), ", ".join(names))


def _entry_order(entry: Entry) -> tuple[str, str, str, str]:
    return entry[0], entry[1], entry[2], entry[3]


def _rejected_sheets(item: CheckedReturn) -> list[tuple[str, str]]:
    """(sheet, its name in the file) to send back; ('', '') for a file rejected whole."""
    if item.valid:
        return [(s.sheet, s.file_sheet) for s in item.rejected_sheets]
    if item.errors:
        return [("", "")]
    return []


def _utc_text(iso: str, ahead: dt.timedelta) -> str:
    """An ISO time plus ``ahead``, as the UTC text of :func:`perfsheets.collect.book.iso_utc`."""
    when = dt.datetime.fromisoformat(iso).astimezone(dt.UTC) + ahead
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")
