"""Return status: returned, rejected and missing forms per rater and per department, from the
ledger (``perfsheets status``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from perfsheets.collect.context import FormIndex
from perfsheets.core.i18n import tr
from perfsheets.core.model import Plan
from perfsheets.ledger.returns import form_records, return_facts
from perfsheets.ledger.workspace import Workspace
from perfsheets.plan.io import load_plan

RaterState = Literal["returned", "rejected", "missing"]


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

    @property
    def state(self) -> RaterState:
        if self.returned == self.forms:
            return "returned"
        return "rejected" if self.rejected else "missing"


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

    @property
    def returned(self) -> int:
        return sum(r.state == "returned" for r in self.raters)

    @property
    def rejected(self) -> int:
        return sum(r.state == "rejected" for r in self.raters)

    @property
    def missing(self) -> int:
        return sum(r.state == "missing" for r in self.raters)

    def rows(self) -> list[dict[str, object]]:
        """One table row per rater, for printing or CSV."""
        return [
            {
                "rater_id": r.rater_id,
                "name": r.name,
                "department": r.department,
                "state": r.state,
                "forms": r.forms,
                "returned": r.returned,
                "rejected": r.rejected,
                "missing": r.missing,
                "last_received": r.last_received or "",
            }
            for r in self.raters
        ]

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


def return_status(workspace: str | Path, *, plan: Plan | None = None) -> StatusResult:
    """Returned / rejected / missing forms per rater and per department, from the ledger.

    Each rater's current form counts (the latest generation). It is *returned* when it has an
    accepted return (or an equivalent earlier form has), *rejected* when it has none but a file
    from this rater was rejected in its latest check, else *missing*.
    """
    ws = Workspace(Path(workspace))
    plan = plan or load_plan(ws.plan_path())
    people = {e.id: (e.name, e.department) for e in plan.roster.employees}
    outside = tr(plan.cycle.language, "外部评价人", "External raters")  # one group, not per firm
    for x in plan.roster.external_raters:
        people[x.id] = (x.name, outside)
    with ws.ledger() as conn:
        index = FormIndex.of(form_records(conn))
        facts = return_facts(conn)
    by_rater: dict[str, RaterStatus] = {}
    for rater_id, form_id in index.current.items():
        name, department = people.get(rater_id, ("", ""))
        status = by_rater.setdefault(rater_id, RaterStatus(rater_id, name, department, 0, 0, 0, 0))
        status.forms += 1
        ids = index.equivalents(form_id)
        times = [facts.last_received[i] for i in ids if i in facts.last_received]
        if times:
            status.returned += 1
            status.last_received = max(times)
        elif rater_id in facts.raters_rejected:
            status.rejected += 1
        else:
            status.missing += 1
    raters = sorted(by_rater.values(), key=lambda r: (r.department, r.rater_id))
    return StatusResult(raters, _by_department(raters), facts.unidentified_rejected)


def _by_department(raters: list[RaterStatus]) -> list[DepartmentStatus]:
    departments: dict[str, DepartmentStatus] = {}
    for r in raters:
        d = departments.setdefault(r.department, DepartmentStatus(r.department, 0, 0, 0, 0))
        d.raters += 1
        setattr(d, r.state, getattr(d, r.state) + 1)
    return sorted(departments.values(), key=lambda d: d.department)
