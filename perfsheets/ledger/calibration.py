"""The calibration committee's decisions and the release of a cycle's results in the ledger:
the only SQL about them (tables in :mod:`perfsheets.ledger.schema`, version 5).

A calibration workbook is recorded when written (:func:`store_book`): its id is the digest in its
``_meta`` sheet and the locked cells it was written with, so a decision file is checked against
what was sent, not against what it says of itself. Applying a file records its decisions
(:func:`record_decisions`): a person's earlier decision in force is superseded, never deleted, and
every step is audited. :func:`ensure_open` is the check every stage that changes results runs
first: after :func:`release`, they refuse until the release is reopened with a reason.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from dataclasses import dataclass

from perfsheets.core.i18n import tr
from perfsheets.core.model import Lang
from perfsheets.core.problems import PerfsheetsError
from perfsheets.core.results import CalibrationStep
from perfsheets.ledger.workspace import actor, audit, now


@dataclass(frozen=True)
class Book:
    """A calibration workbook as written."""

    book_id: str
    run_id: int
    lang: str
    locked: dict[str, list]  # employee id -> [name, total, consolidated grade]


@dataclass(frozen=True)
class Decision:
    """One decision read from a file, to record."""

    employee_id: str
    consolidated_grade: str | None
    committee_grade: str | None
    potential: str | None
    reason: str
    decided_by: str
    quota_breach: str = ""

    def same_as(self, step: CalibrationStep) -> bool:
        return (self.committee_grade, self.potential, self.reason, self.decided_by) == (
            step.to_grade,
            step.potential,
            step.reason,
            step.decided_by,
        )


def store_book(
    conn: sqlite3.Connection, book_id: str, run_id: int, lang: str, file: str, locked: dict
) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO calibration_books VALUES (?, ?, ?, ?, ?, ?)",
        (book_id, run_id, lang, file, json.dumps(locked, ensure_ascii=False), now()),
    )
    audit(conn, "calibration.book", file, run_id=run_id, book_id=book_id, people=len(locked))


def book(conn: sqlite3.Connection, book_id: str) -> Book | None:
    row = conn.execute(
        "SELECT run_id, lang, locked_json FROM calibration_books WHERE book_id=?", (book_id,)
    ).fetchone()
    return None if row is None else Book(book_id, int(row[0]), str(row[1]), json.loads(row[2]))


def file_applied(conn: sqlite3.Connection, sha256: str) -> bool:
    row = conn.execute("SELECT 1 FROM calibration_files WHERE sha256=?", (sha256,)).fetchone()
    return row is not None


def trails(
    conn: sqlite3.Connection, in_force_only: bool = False
) -> dict[str, list[CalibrationStep]]:
    """Every person's decisions, oldest first (superseded ones marked ``in_force=False``)."""
    sql = (
        "SELECT employee_id, consolidated_grade, committee_grade, potential, reason, decided_by,"
        " decided_at, superseded_by IS NULL, quota_breach, appeal_id FROM calibration_decisions"
    )
    if in_force_only:
        sql += " WHERE superseded_by IS NULL"
    out: dict[str, list[CalibrationStep]] = defaultdict(list)
    for emp, before, after, pot, reason, by, at, live, breach, appeal in conn.execute(
        sql + " ORDER BY decision_id"
    ):
        out[emp].append(
            CalibrationStep(
                from_grade=before,
                to_grade=after,
                potential=pot,
                reason=reason,
                decided_by=by,
                decided_at=at,
                in_force=bool(live),
                quota_breach=breach,
                appeal_id=appeal,
            )
        )
    return dict(out)


def record_decisions(
    conn: sqlite3.Connection,
    run_id: int,
    book_id: str,
    file: str,
    sha256: str,
    decisions: list[Decision],
    archived: str = "",
) -> int:
    """Record a checked decision file (inside the caller's transaction): each decision that
    differs from the person's decision in force supersedes it. Returns how many were recorded.
    ``archived``: where the file was archived, relative to the workspace."""
    current = {emp: steps[-1] for emp, steps in trails(conn, in_force_only=True).items()}
    at = now()
    recorded = 0
    for d in decisions:
        old = current.get(d.employee_id)
        if old is not None and d.same_as(old):
            continue  # the same decision again (a later file carrying it forward)
        _insert(conn, run_id, d, at, superseded=old is not None, file=file, sha256=sha256)
        recorded += 1
    conn.execute(
        "INSERT INTO calibration_files (sha256, book_id, file, applied_at, applied_by, decisions,"
        " archived) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (sha256, book_id, file, at, actor(), recorded, archived),
    )
    audit(
        conn,
        "calibration.apply",
        file,
        sha256=sha256,
        book_id=book_id,
        decisions=recorded,
        archived=archived,
    )
    return recorded


def record_appeal_decision(
    conn: sqlite3.Connection, run_id: int, appeal_id: int, decision: Decision
) -> int:
    """Record the grade an upheld appeal sets (inside the caller's transaction, with the
    appeal's own decision): it supersedes the person's decision in force like a file's would.
    Returns the decision's id."""
    superseded = decision.employee_id in trails(conn, in_force_only=True)
    return _insert(conn, run_id, decision, now(), superseded=superseded, appeal_id=appeal_id)


def _insert(
    conn: sqlite3.Connection,
    run_id: int,
    d: Decision,
    at: str,
    *,
    superseded: bool,
    file: str = "",
    sha256: str = "",
    appeal_id: int | None = None,
) -> int:
    cur = conn.execute(
        "INSERT INTO calibration_decisions (run_id, employee_id, consolidated_grade,"
        " committee_grade, potential, reason, decided_by, decided_at, source_sha256,"
        " quota_breach, appeal_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            run_id,
            d.employee_id,
            d.consolidated_grade,
            d.committee_grade,
            d.potential,
            d.reason,
            d.decided_by,
            at,
            sha256,
            d.quota_breach,
            appeal_id,
        ),
    )
    new_id = int(cur.lastrowid or 0)
    conn.execute(
        "UPDATE calibration_decisions SET superseded_by=? WHERE employee_id=?"
        " AND superseded_by IS NULL AND decision_id<>?",
        (new_id, d.employee_id, new_id),
    )
    where = {"appeal_id": appeal_id} if appeal_id is not None else {"file": file, "sha256": sha256}
    audit(
        conn,
        "calibration.decide",
        d.employee_id,
        decision_id=new_id,
        run_id=run_id,
        before=d.consolidated_grade,
        after=d.committee_grade,
        potential=d.potential,
        reason=d.reason,
        decided_by=d.decided_by,
        superseded=superseded,
        quota_breach=d.quota_breach,
        **where,
    )
    return new_id


# --- release -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReleaseState:
    released_at: str
    released_by: str
    run_id: int | None
    reopened_at: str | None
    reopen_reason: str | None

    @property
    def frozen(self) -> bool:
        return self.reopened_at is None


def release_state(conn: sqlite3.Connection) -> ReleaseState | None:
    """The latest release of the cycle, None before the first."""
    row = conn.execute(
        "SELECT released_at, released_by, run_id, reopened_at, reopen_reason FROM releases"
        " ORDER BY release_id DESC LIMIT 1"
    ).fetchone()
    return None if row is None else ReleaseState(*row)


def release(conn: sqlite3.Connection, run_id: int | None) -> ReleaseState:
    """Freeze the cycle's results (a cycle already frozen stays as it is)."""
    state = release_state(conn)
    if state is not None and state.frozen:
        return state
    conn.execute(
        "INSERT INTO releases (run_id, released_at, released_by) VALUES (?, ?, ?)",
        (run_id, now(), actor()),
    )
    audit(conn, "cycle.release", f"run {run_id}", run_id=run_id)
    found = release_state(conn)
    assert found is not None
    return found


def reopen(conn: sqlite3.Connection, reason: str, stage: str = "release") -> None:
    """Reopen a released cycle, with the reason (audited). Nothing to do when not frozen."""
    state = release_state(conn)
    if state is None or not state.frozen:
        return
    if not reason.strip():
        raise PerfsheetsError("a reason is needed to reopen a released cycle (--reason)")
    conn.execute(
        "UPDATE releases SET reopened_at=?, reopened_by=?, reopen_reason=?"
        " WHERE release_id=(SELECT MAX(release_id) FROM releases)",
        (now(), actor(), reason),
    )
    audit(conn, "cycle.reopen", stage, reason=reason, released_at=state.released_at)


def ensure_open(
    conn: sqlite3.Connection,
    stage: str,
    lang: Lang | None = None,
    reopen_reason: str | None = None,
) -> None:
    """Refuse to change the results of a released cycle; with ``reopen_reason`` reopen it first
    (audited). Every stage that changes results calls this before it writes anything."""
    state = release_state(conn)
    if state is None or not state.frozen:
        return
    if reopen_reason is not None and reopen_reason.strip():
        reopen(conn, reopen_reason, stage)
        return
    raise PerfsheetsError(
        tr(
            lang or "zh-CN",
            f"本周期结果已于 {state.released_at} 发布并冻结，{stage} 不能再修改结果；"
            '如确需修改，请加 --reopen --reason "原因"（将记入审计日志）',
            f"the cycle's results were released on {state.released_at} and are frozen: "
            f"{stage} cannot change them; to change them anyway, run with "
            '--reopen --reason "..." (audited)',
        )
    )


# --- the stage a cycle is in -----------------------------------------------------------------------

STAGES = ("setup", "forms_out", "collecting", "consolidated", "calibrating", "released")


def cycle_stage(conn: sqlite3.Connection) -> str:
    """Where the cycle is: setup → forms_out → collecting → consolidated → calibrating →
    released (a reopened cycle is back at the stage its ledger shows)."""
    state = release_state(conn)
    if state is not None and state.frozen:
        return "released"

    def has(sql: str) -> bool:
        return conn.execute(sql).fetchone() is not None

    if has("SELECT 1 FROM calibration_books LIMIT 1"):
        return "calibrating"
    if has("SELECT 1 FROM runs WHERE kind='consolidate' LIMIT 1"):
        return "consolidated"
    if has("SELECT 1 FROM returns LIMIT 1"):
        return "collecting"
    if has("SELECT 1 FROM forms LIMIT 1"):
        return "forms_out"
    return "setup"


STAGE_WORDS: dict[str, tuple[str, str]] = {
    "setup": ("准备中", "setting up"),
    "forms_out": ("已发放评估表", "forms out"),
    "collecting": ("回收中", "collecting"),
    "consolidated": ("已汇总", "consolidated"),
    "calibrating": ("校准中", "calibrating"),
    "released": ("已发布", "released"),
}
