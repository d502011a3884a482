"""Where the interview step stands: each employee's state (待面谈 → 已面谈待确认 → 已确认 /
有异议, or 超期 past the plan's ``cycle.confirmation_deadline``), counted per department, and the
list of who is overdue. The state itself is :func:`perfsheets.core.interview.interview_state`;
this module only reads the ledger for it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from perfsheets.core.i18n import tr
from perfsheets.core.interview import STATES, State, StateInputs, interview_state, state_word
from perfsheets.core.model import Lang
from perfsheets.ledger.interviews import interviewed_employees, records_in_force
from perfsheets.ledger.workspace import Workspace
from perfsheets.plan.io import load_plan


@dataclass(frozen=True)
class EmployeeInterview:
    employee_id: str
    name: str
    department: str
    manager_id: str
    manager_name: str
    state: State
    interview_date: str | None = None
    record_file: str = ""
    appeal_id: int | None = None


@dataclass
class InterviewStatus:
    """The state of every employee who has an interview record form."""

    employees: list[EmployeeInterview]
    deadline: dt.date | None
    today: dt.date
    lang: Lang = "zh-CN"
    departments: dict[str, dict[State, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for e in self.employees:
            counts = self.departments.setdefault(e.department, dict.fromkeys(STATES, 0))
            counts[e.state] += 1

    def count(self, state: State) -> int:
        return sum(e.state == state for e in self.employees)

    @property
    def overdue(self) -> list[EmployeeInterview]:
        return [e for e in self.employees if e.state == "overdue"]

    def department_rows(self) -> list[dict[str, object]]:
        lang = self.lang
        rows: list[dict[str, object]] = []
        for dept, counts in self.departments.items():
            row: dict[str, object] = {tr(lang, "部门", "department"): dept}
            row.update({state_word(s, lang): counts[s] for s in STATES})
            rows.append(row)
        total: dict[str, object] = {tr(lang, "部门", "department"): tr(lang, "合计", "total")}
        total.update({state_word(s, lang): self.count(s) for s in STATES})
        return [*rows, total] if rows else []

    def overdue_rows(self) -> list[dict[str, object]]:
        lang = self.lang
        return [
            {
                tr(lang, "工号", "employee id"): e.employee_id,
                tr(lang, "姓名", "name"): e.name,
                tr(lang, "部门", "department"): e.department,
                tr(lang, "上级", "manager"): f"{e.manager_name} {e.manager_id}".strip(),
                tr(lang, "面谈日期", "interview date"): e.interview_date or "—",
            }
            for e in self.overdue
        ]


def interview_status(
    workspace: str | Path, *, today: dt.date | None = None, lang: Lang | None = None
) -> InterviewStatus:
    """Each employee's interview state from the ledger, as of ``today`` (default: today)."""
    ws = Workspace(Path(workspace))
    plan = load_plan(ws.plan_path())
    day = today or dt.date.today()
    deadline = plan.cycle.confirmation_deadline
    people = plan.employee_map()
    with ws.ledger() as conn:
        assigned = interviewed_employees(conn)
        records = records_in_force(conn)
    rows = []
    for emp, (manager, _form) in sorted(assigned.items()):
        record = records.get(emp)
        inputs = None
        if record is not None:
            date = dt.date.fromisoformat(record.interview_date) if record.interview_date else None
            view = record.view if record.view in ("agree", "disagree") else None
            inputs = StateInputs(date, view, record.confirmed)  # type: ignore[arg-type]
        person = people.get(emp)
        boss = people.get(manager)
        rows.append(
            EmployeeInterview(
                employee_id=emp,
                name=person.name if person else emp,
                department=person.department if person else "",
                manager_id=manager,
                manager_name=boss.name if boss else tr(lang or plan.lang, "人力资源部", "HR"),
                state=interview_state(inputs, deadline, day),
                interview_date=record.interview_date if record else None,
                record_file=record.file if record else "",
                appeal_id=record.appeal_id if record else None,
            )
        )
    return InterviewStatus(rows, deadline, day, lang or plan.lang)


def has_interview_forms(workspace: str | Path) -> bool:
    """Whether interview record forms were written in this workspace (False without a ledger)."""
    ws = Workspace(Path(workspace))
    if not ws.ledger_path.is_file():
        return False
    with ws.ledger() as conn:
        return bool(interviewed_employees(conn))
