"""Build a workspace ledger by hand for consolidation tests (no forms, no collect needed).

>>> lb = LedgerBuilder(tmp_path / "ws", plan)
>>> lb.rate("E001", "E002", "manager", ratings={"competency:C1": 4}, actuals={"kpi:S01": 110})
"""

from __future__ import annotations

from pathlib import Path

from perfsheets.core.model import Plan
from perfsheets.ledger.forms import FormSheet, form_files, store_form
from perfsheets.ledger.returns import NewReturn, insert_return, returns_of
from perfsheets.ledger.returns import supersede as supersede_return
from perfsheets.ledger.workspace import Workspace, freeze_plan, now
from perfsheets.plan.io import dump_plan


class LedgerBuilder:
    """A workspace with the plan written to plan.yaml and helpers that insert ledger rows."""

    def __init__(self, root: Path, plan: Plan) -> None:
        self.ws = Workspace(Path(root)).create()
        self.plan = plan
        dump_plan(plan, self.ws.root / "plan.yaml")
        with self.ws.ledger() as conn:
            self.version = freeze_plan(conn, plan.model_dump_json())
        self.generated_at = now()  # one generation of forms, as generate makes them

    @property
    def root(self) -> Path:
        return self.ws.root

    def rate(
        self,
        rater: str,
        ratee: str,
        rtype: str,
        ratings: dict[str, float] | None = None,
        actuals: dict[str, float] | None = None,
        comments: dict[str, str] | None = None,
        supersede: bool = True,
    ) -> int:
        """One accepted return of rater's form for ratee; an earlier return of the same form
        is superseded (like a corrected file). Returns the return id."""
        form_id = f"{rater}>{ratee}"
        rows = [(f"{k}", "rating", v, None) for k, v in (ratings or {}).items()]
        rows += [(f"{k}", "actual", v, None) for k, v in (actuals or {}).items()]
        rows += [(f"comment:{k}", "comment", None, v) for k, v in (comments or {}).items()]
        with self.ws.ledger() as conn:
            if f"{form_id}.xlsx" not in form_files(conn):
                sheet = FormSheet(ratee, ratee, rtype, "{}")
                at = self.generated_at
                store_form(conn, form_id, self.version, rater, f"{form_id}.xlsx", "d", at, [sheet])
            new = NewReturn(form_id, rater, f"{form_id}.xlsx", "sha", "hash", "", now())
            entries = [(ratee, rtype, k, f, n, t) for k, f, n, t in rows]
            return_id = insert_return(conn, new, entries)
            if supersede:
                for old in returns_of(conn, [form_id]):
                    if old.return_id != return_id and old.superseded_by is None:
                        supersede_return(conn, old.return_id, return_id)
        return return_id

    def import_actual(self, employee: str, kpi: str, value: float) -> None:
        with self.ws.ledger() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO imported_actuals VALUES (?, ?, ?, ?, ?)",
                (employee, kpi, value, "erp.csv", now()),
            )

    def change_target(self, employee: str, kpi: str, old: float | None, new: float) -> None:
        with self.ws.ledger() as conn:
            conn.execute(
                "INSERT INTO target_changes (employee_id, kpi_code, old_target, new_target,"
                " reason, approved_by, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (employee, kpi, old, new, "市场变化", "HR", now()),
            )

    def appeal(self, employee: str, status: str = "open") -> None:
        with self.ws.ledger() as conn:
            conn.execute(
                "INSERT INTO appeals (employee_id, reason, opened_at, status) VALUES (?, ?, ?, ?)",
                (employee, "评分不公", now(), status),
            )

    def rewrite_details(self, details: dict[str, str]) -> None:
        """Replace the stored detail JSON of employees' results in every run (to stand in for
        results an older version stored)."""
        with self.ws.ledger() as conn:
            conn.executemany(
                "UPDATE results SET detail_json=? WHERE employee_id=?",
                [(detail, emp) for emp, detail in details.items()],
            )


def rate_everyone(lb: LedgerBuilder, level: dict[str, int]) -> None:
    """Each person rated at one level by their manager (E001, who has none, by themself),
    with actuals that make every total different."""
    people = lb.plan.employee_map()
    roles = lb.plan.role_map()
    for emp_id, value in level.items():
        emp = people[emp_id]
        role = roles[emp.role]
        ratings = {f"task:{t.code}": value for t in role.tasks}
        ratings |= {f"competency:{c.code}": value for c in role.competencies}
        actuals = {f"kpi:{k.code}": (k.target or 1) * (0.5 + value / 10) for k in role.kpis}
        rater, rtype = (emp.manager, "manager") if emp.manager else (emp_id, "self")
        lb.rate(rater, emp_id, rtype, ratings, actuals)
