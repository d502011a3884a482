"""The state of the cycle's returns, from the ledger: who has returned, whose return (or which
sheets of it) is rejected and not yet corrected, who has not returned at all — with what to fix
and since when. ``perfsheets status`` shows it, and collect writes it as the send-back list, so
both say the same whatever files the latest run looked at.

A sheet of a rater's current form is *outstanding* when its latest rejection (of the sheet, or
of a whole file of this rater) was saved after the version in force, or nothing is in force; it
is *missing* when nothing was ever received for it. Versions are compared as collect orders
them (the workbook's saved time, then arrival): a correction removes the entry.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import perfsheets.collect.problems  # noqa: F401  (registers collect's codes: stored problems
from perfsheets.collect.context import FormIndex  # are then shown in the reader's language)
from perfsheets.collect.outcome import SendBack, fix_line
from perfsheets.collect.record_status import record_send_back
from perfsheets.core.i18n import tr
from perfsheets.core.model import Lang, Plan
from perfsheets.core.problems import Problem
from perfsheets.ledger.forms import FormRecord, form_records
from perfsheets.ledger.returns import (
    Rejection,
    SheetInForce,
    form_created,
    problems_by_file,
    rejections,
    sheets_in_force,
)
from perfsheets.ledger.workspace import Workspace
from perfsheets.plan.io import load_plan

RaterState = Literal["returned", "rejected", "missing"]
STATE_WORDS: dict[str, tuple[str, str]] = {
    "returned": ("已交回", "returned"),
    "rejected": ("被退回", "rejected"),
    "missing": ("未交回", "not returned"),
}


@dataclass
class RaterStatus:
    rater_id: str
    name: str
    department: str
    forms: int
    returned: int
    rejected: int
    missing: int
    last_received: str | None = None
    email: str = ""
    outstanding: list[SendBack] = field(default_factory=list)  # what to send back, per file

    @property
    def state(self) -> RaterState:
        if self.returned == self.forms:
            return "returned"
        return "rejected" if self.rejected else "missing"

    @property
    def since(self) -> str:
        """Since when something of this rater is outstanding ('' when nothing is)."""
        return min((o.since for o in self.outstanding if o.since), default="")


@dataclass
class DepartmentStatus:
    department: str
    raters: int
    returned: int
    rejected: int
    missing: int

    @property
    def rate(self) -> float:
        """Share of raters whose forms are all returned."""
        return self.returned / self.raters if self.raters else 0.0


@dataclass
class StatusResult:
    raters: list[RaterStatus] = field(default_factory=list)
    departments: list[DepartmentStatus] = field(default_factory=list)
    unidentified_rejected: int = 0  # rejected files that could not be tied to a form
    lang: Lang = "zh-CN"
    # rejected interview-record and PIP workbooks not yet corrected, to their managers
    # (collect.record_status); kept out of send_back, which is what remind chases with forms
    record_send_back: list[SendBack] = field(default_factory=list)

    @property
    def returned(self) -> int:
        return sum(r.state == "returned" for r in self.raters)

    @property
    def rejected(self) -> int:
        return sum(r.state == "rejected" for r in self.raters)

    @property
    def missing(self) -> int:
        return sum(r.state == "missing" for r in self.raters)

    @property
    def send_back(self) -> list[SendBack]:
        """Every outstanding assessment return: one entry per rejected file (first: they need a
        fix), then one per form never returned; by department and rater. (What ``remind``
        chases: it re-attaches each rater's assessment form.)"""
        items = [item for r in self.raters for item in r.outstanding]
        return sorted(items, key=lambda i: (i.state != "rejected", i.department, i.rater_id))

    @property
    def every_send_back(self) -> list[SendBack]:
        """The whole send-back list: the assessment returns outstanding, then the rejected
        record workbooks (interview records, PIPs) not yet corrected."""
        return [*self.send_back, *self.record_send_back]

    def rows(self) -> list[dict[str, object]]:
        """One table row per rater, for printing or CSV."""
        return [
            {
                "rater_id": r.rater_id,
                "name": r.name,
                "department": r.department,
                "email": r.email,
                "state": r.state,
                "forms": r.forms,
                "returned": r.returned,
                "rejected": r.rejected,
                "missing": r.missing,
                "since": r.since,
                "last_received": r.last_received or "",
            }
            for r in self.raters
        ]

    def outstanding_rows(
        self, lang: Lang | None = None, *, brief: bool = False
    ) -> list[dict[str, str]]:
        """The raters still to chase, in words for the user (headings in their language);
        ``brief``: without the file and the list of fixes (a terminal's width)."""
        lang = lang or self.lang
        heads = send_back_heads(lang)
        rows = []
        for item in self.every_send_back:
            state = tr(lang, *STATE_WORDS[item.state])
            fixes = "; ".join(item.fixes)
            values = (
                item.rater_id,
                item.rater_name,
                item.department,
                item.email,
                state,
                item.file,
                fix_summary(item, lang),
                fixes,
                item.since,
            )
            row = dict(zip(heads, values, strict=True))
            if brief:
                del row[heads[5]], row[heads[7]]
                row[heads[8]] = item.since[:16].replace("T", " ")
            rows.append(row)
        return rows

    def department_rows(self) -> list[dict[str, object]]:
        return [
            {
                "department": d.department,
                "raters": d.raters,
                "returned": d.returned,
                "rejected": d.rejected,
                "missing": d.missing,
                "rate": round(d.rate, 4),
            }
            for d in self.departments
        ]


def send_back_heads(lang: Lang) -> list[str]:
    """Column heads of the send-back list (status, send_back.csv, validation.xlsx)."""
    return [
        tr(lang, "评价人工号", "Rater id"),
        tr(lang, "评价人", "Rater"),
        tr(lang, "部门", "Department"),
        tr(lang, "邮箱", "Email"),
        tr(lang, "状态", "State"),
        tr(lang, "文件", "File"),
        tr(lang, "需重交", "To send again"),
        tr(lang, "需修改", "What to fix"),
        tr(lang, "起始时间", "Since"),
    ]


def fix_summary(item: SendBack, lang: Lang) -> str:
    """Which part of the return is to be sent again, in words."""
    if item.state == "missing":
        return tr(lang, "整份考核表（尚未交回）", "the whole form (not returned yet)")
    if not item.sheets:
        return tr(lang, "整个文件", "the whole file")
    return tr(lang, "工作表：", "sheets: ") + ", ".join(item.sheets)


def return_status(
    workspace: str | Path, *, plan: Plan | None = None, lang: Lang | None = None
) -> StatusResult:
    """Returned / rejected / missing forms per rater and per department, from the ledger,
    with every outstanding return (what to fix, since when) in ``lang`` (default: the plan's).

    Each rater's current form counts (the latest generation). It is *returned* when every sheet
    has values in force and no newer rejection; *rejected* when a rejected file or sheet of the
    rater is not yet corrected; else *missing* (nothing received).
    """
    ws = Workspace(Path(workspace))
    plan = plan or load_plan(ws.plan_path())
    lang = lang or plan.cycle.language
    with ws.ledger() as conn:
        return cycle_state(conn, plan, lang)


def cycle_state(conn: sqlite3.Connection, plan: Plan, lang: Lang) -> StatusResult:
    """:func:`return_status` on an open ledger."""
    people = _people(plan, lang)
    index = FormIndex.of(form_records(conn))
    held: dict[str, dict[str, SheetInForce]] = defaultdict(dict)
    for sheet in sheets_in_force(conn):
        held[sheet.form_id][sheet.sheet] = sheet
    rejected = rejections(conn)
    by_rater: dict[str, list[Rejection]] = defaultdict(list)
    for rejection in rejected:
        if rejection.rater_id:
            by_rater[rejection.rater_id].append(rejection)
    created = form_created(conn)
    open_files = {r.file for r in rejected if r.rater_id}
    problems = problems_by_file(conn, open_files)
    raters = []
    for rater_id, form_id in index.current.items():
        name, department, email = people.get(rater_id, ("", "", ""))
        status = RaterStatus(rater_id, name, department, 1, 0, 0, 0, email=email)
        form = index.forms[form_id]
        group = index.equivalents(form_id)
        in_force = {k: v for f in group for k, v in held.get(f, {}).items()}
        if in_force:
            status.last_received = max(s.received_at for s in in_force.values())
        status.outstanding = _outstanding(
            form, set(group), in_force, by_rater.get(rater_id, []), problems, lang
        )
        if any(o.state == "rejected" for o in status.outstanding):
            status.rejected = 1
        elif status.outstanding:
            status.missing = 1
            for item in status.outstanding:
                item.since = created.get(form_id, "")
                item.file = form.file
        else:
            status.returned = 1
        for item in status.outstanding:
            item.rater_id, item.rater_name = rater_id, name
            item.department, item.email = department, email
        raters.append(status)
    raters.sort(key=lambda r: (r.department, r.rater_id))
    unidentified = len({r.file for r in rejected if not r.rater_id})
    records = record_send_back(conn, people, lang)
    return StatusResult(raters, _by_department(raters), unidentified, lang, records)


def _outstanding(
    form: FormRecord,
    group: set[str],
    in_force: dict[str, SheetInForce],
    rejected: list[Rejection],
    problems: dict[str, list[Problem]],
    lang: Lang,
) -> list[SendBack]:
    """What of this form is still to be sent back: per rejected file, the sheets whose latest
    version is that rejection; or the whole form when nothing was ever received."""
    per_file: dict[str, list[str]] = defaultdict(list)
    whole: dict[str, bool] = {}
    since: dict[str, str] = {}
    never = 0
    for record in form.sheets:
        have = in_force.get(record.sheet)
        candidates = [
            r for r in rejected if r.sheet == "" or (r.sheet == record.sheet and r.form_id in group)
        ]
        latest = max(candidates, key=lambda r: r.order, default=None)
        if latest is not None and (have is None or latest.order > have.order):
            per_file[latest.file].append(record.sheet)
            whole[latest.file] = latest.sheet == ""
            since[latest.file] = latest.since
        elif have is None and latest is None:
            never += 1
    items = []
    for file, sheets in per_file.items():
        every = whole[file] and len(sheets) == len(form.sheets)
        mine = [r for r in rejected if r.file == file]
        fixes = _fixes(problems.get(file, []), None if whole[file] else sheets, mine, lang)
        items.append(SendBack("", "", "", "", file, fixes, [] if every else sheets, since[file]))
    if never and not items:
        fix = tr(
            lang, f"请填写并交回考核表 {form.file}", f"fill in and return the form {form.file}"
        )
        items.append(SendBack("", "", "", "", "", [fix], state="missing"))
    return sorted(items, key=lambda i: (i.since, i.file))


def _fixes(
    problems: list[Problem], sheets: list[str] | None, rejected: list[Rejection], lang: Lang
) -> list[str]:
    """The errors to fix: all of a file rejected whole, else those of the rejected sheets."""
    if sheets is not None:
        names = {r.file_sheet or r.sheet for r in rejected if r.sheet in sheets}
        problems = [p for p in problems if p.sheet in names]
    return [fix_line(p, lang) for p in problems]


def _people(plan: Plan, lang: Lang) -> dict[str, tuple[str, str, str]]:
    people = {e.id: (e.name, e.department, e.email) for e in plan.roster.employees}
    outside = tr(lang, "外部评价人", "External raters")  # one group, not per firm
    for x in plan.roster.external_raters:
        people[x.id] = (x.name, outside, x.email)
    return people


def _by_department(raters: Iterable[RaterStatus]) -> list[DepartmentStatus]:
    departments: dict[str, DepartmentStatus] = {}
    for r in raters:
        d = departments.setdefault(r.department, DepartmentStatus(r.department, 0, 0, 0, 0))
        d.raters += 1
        setattr(d, r.state, getattr(d, r.state) + 1)
    return sorted(departments.values(), key=lambda d: d.department)
