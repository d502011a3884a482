"""Storing a checked interview record workbook: each accepted sheet becomes the employee's
record in force, unless a version saved later is already in force; a disagreement opens an
appeal linked to the record. Written through :mod:`perfsheets.ledger.interviews` inside the
caller's batch, like returns (:mod:`perfsheets.collect.store`).

Versions are ordered as they were saved (the workbook's saved time, then arrival): a newer
record with other values supersedes the one in force (``record-superseded`` warning,
``interview.supersede`` audit entry); one saved before the record in force is kept, not used
(``older-record``); the same values again change nothing. Every record stored gets an
``interview.record`` audit entry; an appeal opened from a record ``appeal.open`` with the record.
"""

from __future__ import annotations

import json
import sqlite3

from perfsheets.collect.interview import RecordRead
from perfsheets.collect.outcome import CheckedReturn, FileOutcome
from perfsheets.collect.record_store import settle_record_file
from perfsheets.core.model import Lang
from perfsheets.core.problems import problem_type
from perfsheets.ledger import interviews as ledger
from perfsheets.ledger.changes import insert_appeal, open_appeal_of
from perfsheets.ledger.workspace import audit

RECORD_SUPERSEDED = problem_type(
    "record-superseded",
    "warning",
    "面谈记录已更新",
    "Interview record replaced",
    "{employee} 的面谈记录此前已收到（{previous_file}，{previous_at}）；此文件较新，替换之前的记录",
    "The interview record of {employee} was received before ({previous_file}, {previous_at}); "
    "this file is newer and replaces it",
)
OLDER_RECORD = problem_type(
    "older-record",
    "warning",
    "较旧的面谈记录未采用",
    "Older interview record not used",
    "{employee} 的此面谈记录保存于 {saved_at}，早于现行记录（{current_file}）：未采用",
    "This interview record of {employee} was saved at {saved_at}, before the record in force "
    "({current_file}): not used",
)
APPEAL_OPENED = problem_type(
    "appeal-opened",
    "warning",
    "已提交申诉",
    "Appeal opened",
    "{employee} 对结果有异议：已自动提交申诉 #{appeal}（理由：{reason}），请 HR 处理",
    "{employee} disagrees with the result: appeal #{appeal} was opened (reason: {reason}); HR "
    "decides it",
)


def appeal_reason(reason: str) -> str:
    return f"面谈记录有异议 / disagrees in the interview record: {reason}"


class InterviewStore:
    """Writes a checked interview record workbook into the ledger."""

    def __init__(self, conn: sqlite3.Connection, run_at: str, lang: Lang) -> None:
        self.conn, self.run_at, self.lang = conn, run_at, lang

    def record(self, item: CheckedReturn, outcome: FileOutcome) -> FileOutcome:
        results = [self._store(item, read) for read in item.records] if item.valid else []
        return settle_record_file(
            self.conn, item, outcome, results, run_at=self.run_at, lang=self.lang
        )

    def _store(self, item: CheckedReturn, read: RecordRead) -> str:
        values = read.values
        content = read.content_hash()
        current = ledger.record_in_force(self.conn, read.employee_id)
        if current is not None and current.content_hash == content:
            return "unchanged"
        new = ledger.NewRecord(
            form_id=item.form_id or "",
            employee_id=read.employee_id,
            file=item.source.name,
            sheet=read.sheet,
            sha256=item.sha256,
            archived=f"archive/{item.archived}" if item.archived else "",
            saved_at=item.saved_at,
            received_at=self.run_at,
            content_hash=content,
            interview_date=values.interview_date.isoformat() if values.interview_date else None,
            view=values.view,
            confirmed=values.confirmed_by_both,
            values_json=json.dumps(read.data, ensure_ascii=False, sort_keys=True),
        )
        record_id = ledger.insert_record(self.conn, new)
        where = (item.source.name, read.file_sheet)
        if current is not None and (item.saved_at, self.run_at) < current.order:
            ledger.supersede_record(self.conn, record_id, current.record_id)
            item.problems.append(
                OLDER_RECORD(
                    *where,
                    employee=read.employee_id,
                    saved_at=item.saved_at or "?",
                    current_file=current.file,
                )
            )
            self._audit("interview.older", item, read, record_id, in_force=current.record_id)
            return "older"
        state = "accepted"
        if current is not None:
            ledger.supersede_record(self.conn, current.record_id, record_id)
            item.problems.append(
                RECORD_SUPERSEDED(
                    *where,
                    employee=read.employee_id,
                    previous_file=current.file,
                    previous_at=current.received_at,
                )
            )
            state = "superseded"
        self._audit(
            "interview.supersede" if current else "interview.record",
            item,
            read,
            record_id,
            replaces=current.record_id if current else None,
            view=values.view,
            confirmed=values.confirmed_by_both,
        )
        if values.view == "disagree":
            self._appeal(item, read, record_id)
        return state

    def _appeal(
        self,
        item: CheckedReturn,
        read: RecordRead,
        record_id: int,
    ) -> None:
        """Open an appeal for the disagreement (or link the employee's open one to it)."""
        employee = read.employee_id
        appeal_id = open_appeal_of(self.conn, employee)
        if appeal_id is None:
            reason = read.values.reason
            appeal_id = insert_appeal(self.conn, employee, appeal_reason(reason))
            audit(
                self.conn,
                "appeal.open",
                employee,
                appeal_id=appeal_id,
                reason=appeal_reason(reason),
                interview_record=record_id,
                file=item.source.name,
            )
            item.problems.append(
                APPEAL_OPENED(
                    item.source.name,
                    read.file_sheet,
                    employee=employee,
                    appeal=appeal_id,
                    reason=reason,
                )
            )
        ledger.link_appeal(self.conn, record_id, appeal_id)

    def _audit(
        self, action: str, item: CheckedReturn, read: RecordRead, record_id: int, **detail: object
    ) -> None:
        audit(
            self.conn,
            action,
            read.employee_id,
            file=item.source.name,
            sheet=read.sheet,
            form_id=item.form_id,
            record_id=record_id,
            sha256=item.sha256,
            saved_at=item.saved_at,
            **detail,
        )
