"""What storing an interview-record and a PIP workbook share, once each accepted sheet was
stored (:mod:`perfsheets.collect.interview_store`, :mod:`perfsheets.collect.pip_store`): the
file's outcome from what became of its sheets, and its problems and rejections replacing those
of its earlier checks.

A rejected record file of this cycle is the manager's to fix: its rejected sheets (or the whole
file) go to ``record_rejections`` with the record form and the manager, so the send-back list
(:mod:`perfsheets.collect.record_status`) names them. A file that cannot be tied to a record form
of this cycle (another cycle's, unknown form, damaged ``_meta``) is nobody's, as an assessment
form would be: it is rejected whole and left for HR to check.
"""

from __future__ import annotations

import sqlite3

from perfsheets.collect.outcome import CheckedReturn, FileOutcome, Outcome
from perfsheets.collect.problems import UNKNOWN_FORM, WRONG_CYCLE
from perfsheets.core.model import Lang
from perfsheets.ledger.records import RecordRejection, replace_record_rejections
from perfsheets.ledger.returns import FileIdentity, replace_problems, replace_rejections

# a form of another cycle may carry any id, even one of this cycle's: it is nobody's here
FOREIGN = frozenset({WRONG_CYCLE.code, UNKNOWN_FORM.code})
_PRECEDENCE: tuple[Outcome, ...] = (
    "superseded",
    "accepted",
    "older",
)  # the file's outcome, from its sheets'


def settle_record_file(
    conn: sqlite3.Connection,
    item: CheckedReturn,
    outcome: FileOutcome,
    sheet_results: list[str],
    *,
    run_at: str,
    lang: Lang,
) -> FileOutcome:
    """The outcome of a checked record file whose accepted sheets ended as ``sheet_results``
    (accepted, superseded, older, unchanged); its problems and rejections stored."""
    outcome.kind = item.kind
    outcome.rejected_sheets = len(item.rejected_sheets) if item.valid else 0
    found = [state for state in _PRECEDENCE if state in sheet_results]
    if found:
        outcome.outcome = found[0]
    elif sheet_results:
        outcome.outcome = "unchanged"
    who = _identity(item)
    if who.form_id is None:
        outcome.rater_id = outcome.rater_name = None
    replace_problems(conn, who, item.problems, run_at=run_at, lang=lang)
    _store_rejections(conn, item, who, run_at)
    outcome.errors, outcome.warnings = item.errors, item.warnings
    return outcome


def _identity(item: CheckedReturn) -> FileIdentity:
    if item.form_id is None or any(p.code in FOREIGN for p in item.problems):
        return FileIdentity(item.source.name, None, None)
    return FileIdentity(item.source.name, item.form_id, item.rater_id or "")


def _store_rejections(
    conn: sqlite3.Connection, item: CheckedReturn, who: FileIdentity, run_at: str
) -> None:
    """Into record_rejections for a record form of this cycle, else (nobody's file) into the
    rejections every unidentified file goes to; the other table is cleared for the file."""
    sheets = rejected_record_sheets(item)
    mine = who.form_id is not None
    replace_rejections(
        conn,
        FileIdentity(who.file, None, None),
        [] if mine or not sheets else [("", "")],
        saved_at=item.saved_at,
        checked_at=run_at,
    )
    rejected = RecordRejection(
        who.file, "", "", who.form_id, who.rater_id, item.saved_at, "", kind=item.kind
    )
    replace_record_rejections(conn, rejected, sheets if mine else [], checked_at=run_at)


def rejected_record_sheets(item: CheckedReturn) -> list[str]:
    """The sheets to send back ('' = the whole file). Unlike an assessment form, a record file
    with no sheet accepted is still sent back sheet by sheet: its other sheets were simply not
    filled in yet."""
    if item.file_error or not item.sheet_states:
        return [""] if item.errors else []
    return [s.sheet for s in item.sheet_states if not s.accepted]
