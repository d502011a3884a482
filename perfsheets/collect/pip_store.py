"""Storing a checked PIP workbook: each accepted sheet becomes the employee's PIP record in
force, unless a version saved later is already in force (as interview records are stored,
:mod:`perfsheets.collect.interview_store`).

A newer return with other values supersedes the record in force (``pip-superseded`` warning,
``pip.supersede`` audit entry); one saved before it is kept, not used (``older-pip``); the same
values again change nothing. Every record stored gets a ``pip.record`` audit entry.
"""

from __future__ import annotations

import json
import sqlite3

from perfsheets.collect.outcome import CheckedReturn, FileOutcome
from perfsheets.collect.pip import PipRead
from perfsheets.collect.record_store import settle_record_file
from perfsheets.core.model import Lang
from perfsheets.core.problems import problem_type
from perfsheets.ledger import pips as ledger
from perfsheets.ledger.workspace import audit

PIP_SUPERSEDED = problem_type(
    "pip-superseded",
    "warning",
    "改进计划记录已更新",
    "PIP record replaced",
    "{employee} 的绩效改进计划此前已收到（{previous_file}，{previous_at}）；此文件较新，替换之前的记录",
    "The improvement plan of {employee} was received before ({previous_file}, {previous_at}); "
    "this file is newer and replaces it",
)
OLDER_PIP = problem_type(
    "older-pip",
    "warning",
    "较旧的改进计划未采用",
    "Older PIP record not used",
    "{employee} 的此改进计划保存于 {saved_at}，早于现行记录（{current_file}）：未采用",
    "This improvement plan of {employee} was saved at {saved_at}, before the record in force "
    "({current_file}): not used",
)


class PipStore:
    """Writes a checked PIP workbook into the ledger."""

    def __init__(self, conn: sqlite3.Connection, run_at: str, lang: Lang) -> None:
        self.conn, self.run_at, self.lang = conn, run_at, lang

    def record(self, item: CheckedReturn, outcome: FileOutcome) -> FileOutcome:
        results = [self._store(item, read) for read in item.records] if item.valid else []
        return settle_record_file(
            self.conn, item, outcome, results, run_at=self.run_at, lang=self.lang
        )

    def _store(self, item: CheckedReturn, read: PipRead) -> str:
        content = read.content_hash()
        current = ledger.pip_record_in_force(self.conn, read.employee_id)
        if current is not None and current.form_id != item.form_id:
            current = None  # the record of an earlier PIP form: this one is a new PIP
        if current is not None and current.content_hash == content:
            return "unchanged"
        record_id = ledger.insert_pip_record(
            self.conn,
            ledger.NewPipRecord(
                form_id=item.form_id or "",
                employee_id=read.employee_id,
                file=item.source.name,
                sheet=read.sheet,
                sha256=item.sha256,
                archived=f"archive/{item.archived}" if item.archived else "",
                saved_at=item.saved_at,
                received_at=self.run_at,
                content_hash=content,
                results=read.results,
                values_json=json.dumps(read.data, ensure_ascii=False, sort_keys=True),
            ),
        )
        where = (item.source.name, read.file_sheet)
        detail = {
            "file": item.source.name,
            "sheet": read.sheet,
            "form_id": item.form_id,
            "record_id": record_id,
            "sha256": item.sha256,
            "saved_at": item.saved_at,
        }
        if current is not None and (item.saved_at, self.run_at) < current.order:
            ledger.supersede_pip_record(self.conn, record_id, current.record_id)
            item.problems.append(
                OLDER_PIP(
                    *where,
                    employee=read.employee_id,
                    saved_at=item.saved_at or "?",
                    current_file=current.file,
                )
            )
            audit(self.conn, "pip.older", read.employee_id, in_force=current.record_id, **detail)
            return "older"
        if current is not None:
            ledger.supersede_pip_record(self.conn, current.record_id, record_id)
            item.problems.append(
                PIP_SUPERSEDED(
                    *where,
                    employee=read.employee_id,
                    previous_file=current.file,
                    previous_at=current.received_at,
                )
            )
        audit(
            self.conn,
            "pip.supersede" if current else "pip.record",
            read.employee_id,
            replaces=current.record_id if current else None,
            results=list(read.results),
            **detail,
        )
        return "superseded" if current else "accepted"
