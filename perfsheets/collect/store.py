"""Storing one checked file: what becomes of it (accepted, superseded, unchanged, rejected) and
its ledger rows, written through :mod:`perfsheets.ledger.returns` inside the caller's batch.

A file whose bytes are already stored is *unchanged* and keeps the problems of its last check. A
valid file whose content equals any earlier return of its form (or an equivalent earlier form)
is *unchanged* too; new content is *accepted* as the form's first return or *supersedes* the
current one (a ``duplicate-return`` warning and a ``return.supersede`` audit entry). Every other
file's problems replace those of its earlier checks.
"""

from __future__ import annotations

import sqlite3

from perfsheets.collect.context import CheckContext, FormIndex
from perfsheets.collect.outcome import CheckedReturn, FileOutcome
from perfsheets.collect.problems import DUPLICATE_RETURN
from perfsheets.core.model import Lang
from perfsheets.ledger import returns as ledger
from perfsheets.ledger.returns import Batch, FileIdentity, NewReturn
from perfsheets.ledger.workspace import audit


class ReturnStore:
    """Writes one checked file's outcome into the ledger (inside the caller's transaction)."""

    def __init__(self, batch: Batch, run_at: str, ctx: CheckContext, lang: Lang = "zh-CN") -> None:
        self.batch = batch
        self.conn: sqlite3.Connection = batch.conn
        self.run_at = run_at
        self.lang = lang  # of the fallback message stored with each problem
        self.forms: FormIndex = ctx.forms
        self.names = ctx.raters

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
        with self.batch.file():
            if item.valid:
                self._accept(item, outcome)
            who = FileIdentity(item.source.name, item.form_id, item.rater_id)
            ledger.replace_problems(
                self.conn, who, item.problems, run_at=self.run_at, lang=self.lang
            )
        outcome.errors, outcome.warnings = item.errors, item.warnings
        return outcome

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

    def _accept(self, item: CheckedReturn, outcome: FileOutcome) -> None:
        content = item.content or item.content_hash()
        earlier = ledger.returns_of(self.conn, self.forms.equivalents(item.form_id or ""))
        same = next((r for r in earlier if r.content_hash == content), None)
        if same is not None:
            outcome.outcome = "unchanged"
            outcome.return_id = same.return_id
            return
        current = next((r for r in earlier if r.superseded_by is None), None)
        return_id = ledger.insert_return(self.conn, self._new_return(item, content), item.entries)
        outcome.return_id = return_id
        if current is None:
            outcome.outcome = "accepted"  # the returns row is its record; no audit entry needed
            return
        outcome.outcome = "superseded"
        outcome.replaced_return_id = current.return_id
        ledger.supersede(self.conn, current.return_id, return_id)
        item.problems.append(
            DUPLICATE_RETURN(
                item.source.name,
                form_id=item.form_id,
                previous_file=current.file,
                previous_at=current.received_at,
            )
        )
        audit(
            self.conn,
            "return.supersede",
            item.form_id or "",
            file=item.source.name,
            return_id=return_id,
            replaces=current.return_id,
            replaced_file=current.file,
            sha256=item.sha256,
        )

    def _new_return(self, item: CheckedReturn, content: str) -> NewReturn:
        return NewReturn(
            form_id=item.form_id or "",
            rater_id=item.rater_id or "",
            file=item.source.name,
            sha256=item.sha256,
            content_hash=content,
            archived=f"archive/{item.archived}" if item.archived else "",
            received_at=self.run_at,
        )
