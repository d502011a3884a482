"""Where the PIPs stand: each one's state (进行中 → 已达成 / 未达成, or 超期 when still open after
its end date), counted, and the list of overdue PIPs. The state itself is
:func:`perfsheets.core.pip.pip_state`; this module only reads the ledger for it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from perfsheets.core import pip as pp
from perfsheets.core.i18n import tr
from perfsheets.core.model import Lang
from perfsheets.ledger.pips import pips_in_force
from perfsheets.ledger.workspace import Workspace
from perfsheets.plan.io import load_plan


@dataclass(frozen=True)
class EmployeePip:
    employee_id: str
    name: str
    department: str
    owner: str
    end: str
    recorded: int  # checkpoints with a result
    checkpoints: int
    state: pp.State


@dataclass
class PipStatus:
    employees: list[EmployeePip]
    today: dt.date
    lang: Lang = "zh-CN"

    def count(self, state: pp.State) -> int:
        return sum(e.state == state for e in self.employees)

    @property
    def overdue(self) -> list[EmployeePip]:
        return [e for e in self.employees if e.state == "overdue"]

    def rows(self) -> list[dict[str, object]]:
        lang = self.lang
        return [
            {
                tr(lang, "工号", "employee id"): e.employee_id,
                tr(lang, "姓名", "name"): e.name,
                tr(lang, "部门", "department"): e.department,
                tr(lang, "负责人", "owner"): e.owner,
                tr(lang, "结束日期", "end"): e.end,
                tr(lang, "已检查", "checkpoints done"): f"{e.recorded}/{e.checkpoints}",
                tr(lang, "状态", "state"): pp.state_word(e.state, lang)
                + (" ⚠" if e.state == "overdue" else ""),
            }
            for e in self.employees
        ]

    def count_row(self) -> dict[str, object]:
        return {pp.state_word(s, self.lang): self.count(s) for s in pp.STATES}


def pip_status(
    workspace: str | Path, *, today: dt.date | None = None, lang: Lang | None = None
) -> PipStatus:
    """Every PIP's state from the ledger, as of ``today`` (default: today)."""
    ws = Workspace(Path(workspace))
    plan = load_plan(ws.plan_path())
    day = today or dt.date.today()
    lang = lang or plan.lang
    people = plan.employee_map()
    with ws.ledger() as conn:
        found = pips_in_force(conn)
    rows = []
    for emp, p in sorted(found.items()):
        person, boss = people.get(emp), people.get(p.manager_id)
        rows.append(
            EmployeePip(
                employee_id=emp,
                name=person.name if person else emp,
                department=person.department if person else "",
                owner=f"{boss.name} {boss.id}" if boss else tr(lang, "人力资源部", "HR"),
                end=p.end,
                recorded=sum(r is not None for r in p.results),
                checkpoints=len(p.checkpoints),
                state=pp.stored_state(p.results, p.end, day),
            )
        )
    return PipStatus(rows, day, lang)


def has_pip_forms(workspace: str | Path) -> bool:
    """Whether PIP forms were written in this workspace (False without a ledger)."""
    ws = Workspace(Path(workspace))
    if not ws.ledger_path.is_file():
        return False
    with ws.ledger() as conn:
        return bool(pips_in_force(conn))
