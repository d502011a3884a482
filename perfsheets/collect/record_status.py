"""The rejected interview-record and PIP workbooks still to be sent back, from the ledger: one
entry per rejected file, to the manager who wrote it, with the sheets (one per employee) to fix
and the located problems, until a later version is accepted.

A rejected sheet is outstanding until a record of its employee saved after it (the workbook's
saved time, then arrival) is accepted; a file rejected whole until any record of its form saved
after it is. Sheets left empty are not rejections: record forms come back as interviews and
checkpoints happen, so "not returned yet" is the interview and PIP status's to tell
(:mod:`perfsheets.interview.status`, :mod:`perfsheets.pip.status`), not the send-back list's.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict

from perfsheets.collect.outcome import SendBack, fix_line
from perfsheets.core.i18n import tr
from perfsheets.core.model import Lang
from perfsheets.core.problems import Problem
from perfsheets.ledger.interviews import StoredRecord, interview_form_records, records_of
from perfsheets.ledger.pips import StoredPipRecord, pip_form_records, pip_records_of
from perfsheets.ledger.records import RecordRejection, record_rejections
from perfsheets.ledger.returns import problems_by_file

Order = tuple[str, str]
People = dict[str, tuple[str, str, str]]  # id -> (name, department, email)


class _Accepted:
    """The latest save of the records accepted, per (kind, employee) and per (kind, form)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.employee: dict[tuple[str, str], Order] = {}
        self.form: dict[tuple[str, str], Order] = {}
        found: list[tuple[str, StoredRecord | StoredPipRecord]] = [
            *(("interview", r) for r in records_of(conn)),
            *(("pip", r) for r in pip_records_of(conn)),
        ]
        for kind, record in found:
            for key, latest in (
                ((kind, record.employee_id), self.employee),
                ((kind, record.form_id), self.form),
            ):
                latest[key] = max(latest.get(key, record.order), record.order)


def record_send_back(conn: sqlite3.Connection, people: People, lang: Lang) -> list[SendBack]:
    """Every rejected record file not yet corrected, by department, manager and file."""
    rejected = record_rejections(conn)
    if not rejected:
        return []
    employees = _sheet_employees(conn)
    accepted = _Accepted(conn)
    problems = problems_by_file(conn, {r.file for r in rejected})
    by_file: dict[str, list[RecordRejection]] = defaultdict(list)
    for r in rejected:
        if not _corrected(r, employees, accepted):
            by_file[r.file].append(r)
    items = [_item(rows, problems.get(file, []), people, lang) for file, rows in by_file.items()]
    return sorted(items, key=lambda i: (i.department, i.rater_id, i.since, i.file))


def _sheet_employees(conn: sqlite3.Connection) -> dict[tuple[str, str], str]:
    """(form id, sheet) -> the employee of that sheet, for every record form."""
    found = {(f.form_id, s.sheet): s.employee_id for f in pip_form_records(conn) for s in f.sheets}
    for form in interview_form_records(conn):
        found.update({(form.form_id, s.sheet): s.employee_id for s in form.sheets})
    return found


def _corrected(
    r: RecordRejection, employees: dict[tuple[str, str], str], accepted: _Accepted
) -> bool:
    form = r.form_id or ""  # always set for a record file (ledger.records)
    if r.sheet:
        employee = employees.get((form, r.sheet), "")
        later = accepted.employee.get((r.kind, employee))
    else:
        later = accepted.form.get((r.kind, form))
    return later is not None and later > r.order


def _item(
    rows: list[RecordRejection], problems: list[Problem], people: People, lang: Lang
) -> SendBack:
    """One send-back entry: the file's rejected sheets ([] = all of it) and what to fix."""
    first = rows[0]
    whole = any(r.sheet == "" for r in rows)
    sheets = [] if whole else [r.sheet for r in rows]
    fixes = [fix_line(p, lang) for p in problems if whole or p.sheet in sheets]
    hr = (tr(lang, "人力资源部", "HR"), "", "")
    manager = first.rater_id or ""
    name, department, email = people.get(manager, hr) if manager else hr
    return SendBack(
        manager,
        name,
        department,
        email,
        first.file,
        fixes,
        sheets,
        min(r.since for r in rows),
        kind=first.kind,
    )
