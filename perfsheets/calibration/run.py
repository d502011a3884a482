"""Entry points of the calibration stage: write the committee's workbook, apply a filled one,
release (freeze) the cycle's results.

The consolidated results come from the ledger (named from the plan frozen with their run), with
the decisions in force applied; so does everything that shows results afterwards. Applying a
file is all-or-nothing: its decisions are recorded only when it has no error and the quotas
after them hold (or the plan allows the committee to exceed them).
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from perfsheets.calibration import problems as P
from perfsheets.calibration.book import (
    BookData,
    calibration_group,
    consolidated,
    ordered,
    write_book,
)
from perfsheets.calibration.decisions import ReadFile, read_meta, read_rows
from perfsheets.core.cells import file_part
from perfsheets.core.i18n import tr
from perfsheets.core.model import Lang, Plan
from perfsheets.core.problems import PerfsheetsError, Report, Text, no_results
from perfsheets.core.quotas import KIND_WORDS, QuotaBreach, quota_breaches, quota_group_text
from perfsheets.core.results import EmployeeResult
from perfsheets.files.atomic import atomic_write
from perfsheets.ledger import calibration as ledger
from perfsheets.ledger.results import frozen_plan, latest_run, result_overview, run_summary
from perfsheets.ledger.workspace import Workspace, now

BOOK_NAME = "calibration.xlsx"
GROUP_FOLDER = "groups"  # calibration/groups/: a workbook per calibration group (plan's choice)


@dataclass
class CalibrationBook:
    path: Path
    run_id: int
    book_id: str
    employees: int
    decisions_in_force: int
    group_books: list[Path] = field(default_factory=list)


@dataclass
class ApplyResult:
    file: Path
    applied: int = 0  # decisions recorded
    already_applied: bool = False
    report: Report = field(default_factory=Report)

    @property
    def valid(self) -> bool:
        return self.report.valid


def results_context(ws: Workspace, lang: Lang | None) -> tuple[Plan, Lang, int]:
    with ws.ledger() as conn:
        plan = frozen_plan(conn)
        run = latest_run(conn)
    if plan is None or run is None:
        raise no_results(lang or "zh-CN")
    return plan, lang or plan.lang, run


def calibrate(
    workspace: str | Path, *, lang: Lang | None = None, reopen_reason: str | None = None
) -> CalibrationBook:
    """Write calibration/calibration.xlsx for the latest consolidation and record it."""
    ws = Workspace(Path(workspace))
    plan, lang, run = results_context(ws, lang)
    with ws.ledger() as conn:
        ledger.ensure_open(conn, "calibrate", lang, reopen_reason)
        results = overview(conn, plan, lang)
        summary = run_summary(conn)
    leniency = {
        str(row.get("rater")): (row.get("difference"), bool(row.get("flagged")))
        for row in summary.get("leniency") or []
        if row.get("rtype") == "manager"
    }
    data = BookData(plan, lang, run, results, leniency, now())
    folder = ws.root / "calibration"
    ident, locked = write_book(folder / BOOK_NAME, data)
    books = [(folder / BOOK_NAME, ident, locked)]
    if plan.grading.calibration.group_books:
        books += _group_books(folder / GROUP_FOLDER, data)
    with ws.ledger() as conn:
        for path, book_id, cells in books:
            ledger.store_book(conn, book_id, run, lang, str(path.relative_to(ws.root)), cells)
    return CalibrationBook(
        folder / BOOK_NAME,
        run,
        ident,
        len(results),
        sum(1 for r in results if r.calibration_trail),
        [path for path, _, _ in books[1:]],
    )


def _group_books(folder: Path, data: BookData) -> list[tuple[Path, str, dict[str, list]]]:
    """A workbook per calibration group (its people ranked as in the whole company's), each
    with an id of its own; workbooks of groups that are gone are removed."""
    groups: dict[str, list] = {}
    for row in ordered(data.results):
        groups.setdefault(calibration_group(row[0]), []).append(row)
    stem = tr(data.lang, "校准", "calibration")
    written = []
    for group, rows in sorted(groups.items()):
        part = BookData(**{**data.__dict__, "results": [r for r, _ in rows]})
        path = folder / f"{stem}_{file_part(quota_group_text(group, data.lang))}.xlsx"
        written.append((path, *write_book(path, part, rows)))
    keep = {path for path, _, _ in written}
    for old in folder.glob(f"{stem}_*.xlsx"):
        if old not in keep:
            old.unlink()
    return written


def apply_file(
    workspace: str | Path,
    file: str | Path,
    *,
    lang: Lang | None = None,
    reopen_reason: str | None = None,
) -> ApplyResult:
    """Check a filled calibration workbook and record its decisions (all or nothing).

    The run's files (scores.csv, results.xlsx) are consolidation's: rewrite them with the final
    grades by :func:`perfsheets.consolidation.final.write_final_books` (the CLI and the demo
    do, after a file with decisions)."""
    ws = Workspace(Path(workspace))
    path = Path(file)
    plan, lang, run = results_context(ws, lang)
    out = ApplyResult(path)
    name = path.name
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    with ws.ledger() as conn:
        ledger.ensure_open(conn, "calibrate --apply", lang, reopen_reason)
        if ledger.file_applied(conn, sha):
            out.already_applied = True
            return out
    read = _read(ws, path, name, plan, run)
    out.report = read.report
    if not read.report.valid:
        return out
    with ws.ledger() as conn:
        results = overview(conn, plan, lang)
        _check_quotas(plan, results, read, name)
        out.report = read.report
        if not read.report.valid:
            return out
        book_id = read.meta["book_id"]
        archived = _archive(ws, sha, data)
        out.applied = ledger.record_decisions(
            conn, run, book_id, name, sha, read.decisions, archived
        )
    return out


def _archive(ws: Workspace, sha: str, data: bytes) -> str:
    """Keep the applied file as it was (archive/calibration/<sha256>.xlsx, like collect's
    archive): the decisions' evidence, checked by ``perfsheets verify``."""
    relative = f"archive/calibration/{sha}.xlsx"
    target = ws.root / relative
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, lambda tmp: tmp.write_bytes(data))
    return relative


def overview(conn: sqlite3.Connection, plan: Plan, lang: Lang) -> list[EmployeeResult]:
    """Everyone's result as the committee sees it: the ledger's overview (decisions in force
    applied) with the names and grade consequences of the frozen plan."""
    results = result_overview(conn)
    names = {e.id: e.name for e in plan.roster.employees}
    consequences = {g.code: g.consequence_text(lang) for g in plan.grading.levels}
    for r in results:
        r.name = names.get(r.employee_id, "")
        r.consequence = consequences.get(r.grade or "", "")
    return results


def _read(ws: Workspace, path: Path, name: str, plan: Plan, run: int) -> ReadFile:
    out = ReadFile()
    wb, meta = read_meta(path)
    if wb is None:
        out.report.add(P.NOT_A_BOOK(name, detail=str(meta)))
        return out
    assert isinstance(meta, dict)
    out.meta = meta
    if meta.get("cycle_id") != plan.cycle.id:
        out.report.add(
            P.WRONG_CYCLE(name, "_meta", "B3", found=meta.get("cycle_id"), expected=plan.cycle.id)
        )
        return out
    with ws.ledger() as conn:
        book = ledger.book(conn, meta.get("book_id", ""))
    if book is None:
        out.report.add(P.UNKNOWN_BOOK(name, "_meta", "B5", book_id=meta.get("book_id", "")))
        return out
    if book.run_id != run:
        out.report.add(P.OUTDATED_RUN(name, "_meta", "B4", found=book.run_id, expected=run))
        return out
    read_rows(wb, name, plan, book, out)
    return out


def _check_quotas(plan: Plan, results: list[EmployeeResult], read: ReadFile, name: str) -> None:
    """Quotas per group after the file's decisions: a breach the decisions cause (a count
    outside its quota that was not so before) is refused unless the plan allows it."""
    by_id = {r.employee_id: r for r in results}
    grades = {
        d.employee_id: d.committee_grade or consolidated(by_id[d.employee_id])
        for d in read.decisions
        if d.employee_id in by_id
    }
    allow = plan.grading.calibration.allow_quota_breach
    sheet = "Calibration" if read.meta.get("language") == "en" else "校准"
    for breach, moved in new_breaches(plan, results, grades):
        cell = next((read.cells[e] for e in sorted(moved) if e in read.cells), "")
        read.report.add(
            (P.QUOTA_EXCEEDED if allow else P.QUOTA_BREACH)(
                name, sheet, cell, **breach_params(breach)
            )
        )
        if allow:
            _mark_breach(read, breach, moved)


def new_breaches(
    plan: Plan, results: list[EmployeeResult], grades: Mapping[str, str | None]
) -> list[tuple[QuotaBreach, set[str]]]:
    """The quota breaches that setting these people's ``grades`` would cause (counts outside a
    quota that were not so before), each with the people of its group whose grade moves."""
    if not plan.grading.forced_distribution.enabled:
        return []
    before = {r.employee_id: r.grade for r in results}
    after = before | {e: g for e, g in grades.items() if e in before}
    groups: dict[str, list[str]] = {}
    for r in results:
        if r.quota_group:
            groups.setdefault(r.quota_group, []).append(r.employee_id)
    minimums = [(m.grades, m.share) for m in plan.grading.forced_distribution.minimum_shares]
    found = []
    for group in sorted(groups):
        members = groups[group]
        moved = {e for e in members if after[e] != before[e]}
        if not moved:
            continue
        old = {_key(b) for b in _breaches(plan, minimums, before, members, group)}
        found += [
            (b, moved)
            for b in _breaches(plan, minimums, after, members, group)
            if _key(b) not in old
        ]
    return found


def _breaches(plan, minimums, grades, members, group) -> list[QuotaBreach]:
    counts = Counter(grades[e] for e in members if grades[e] is not None)
    return quota_breaches(plan.grading.levels, minimums, counts, len(members), group)


def _key(b: QuotaBreach) -> tuple:
    return (b.grades, b.kind, b.count)


def breach_params(b: QuotaBreach) -> dict[str, object]:
    zh, en = KIND_WORDS[b.kind]
    return {
        "group": b.group,
        "size": b.size,
        "grades": "+".join(b.grades),
        "count": b.count,
        "limit": b.limit,
        "kind": Text(zh, en),
    }


def _mark_breach(read: ReadFile, b: QuotaBreach, moved: set[str]) -> None:
    text = breach_text(b)
    read.decisions = [
        d.__class__(**{**d.__dict__, "quota_breach": text}) if d.employee_id in moved else d
        for d in read.decisions
    ]


def breach_text(b: QuotaBreach) -> str:
    """How a decision records the quota it exceeds (shown in the HR outputs)."""
    return f"{b.group}: {'+'.join(b.grades)} {b.count}/{b.limit}"


def release_cycle(
    workspace: str | Path, *, reopen_reason: str | None = None, lang: Lang | None = None
) -> ledger.ReleaseState | None:
    """Release (freeze) the cycle's results; with ``reopen_reason`` reopen a released cycle."""
    ws = Workspace(Path(workspace))
    with ws.ledger() as conn:
        if reopen_reason is not None:
            ledger.reopen(conn, reopen_reason)
            return ledger.release_state(conn)
        run = latest_run(conn)
        if run is None:
            raise PerfsheetsError(
                tr(
                    lang or "zh-CN",
                    "还没有汇总结果，无法发布：请先运行 perfsheets consolidate",
                    "no consolidated results to release: run 'perfsheets consolidate' first",
                ),
                exit_code=1,
            )
        return ledger.release(conn, run)
