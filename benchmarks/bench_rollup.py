"""Year roll-up of twelve monthly cycles and the annual one, at scale.

    python benchmarks/bench_rollup.py [employees]

Builds thirteen cycle workspaces of the built-in example's company (default 10,000 people; the
sales role rolls up months 40% + year 60%, every other role's rule is pointed at the same
parts so everybody has twelve months and the year), each with a stored consolidation run of
synthetic results, then times :func:`perfsheets.consolidation.run.rollup_year` (read the
thirteen ledgers and frozen plans, check the periods, year scores and grades, year CSV).
The issue's goal: ≤ 30 s at 10,000 employees.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from perfsheets.consolidation.run import rollup_year
from perfsheets.core.model import Plan, Rollup, RollupPart
from perfsheets.core.results import EmployeeResult
from perfsheets.ledger.results import store_run
from perfsheets.ledger.workspace import Workspace, freeze_plan, now
from perfsheets.plan.example import example_plan

MONTHS_AND_YEAR = [RollupPart(period="month", weight=40), RollupPart(period="year", weight=60)]


def cycle_plan(plan: Plan, cycle_id: str, period: str, start: dt.date, end: dt.date) -> Plan:
    cycle = plan.cycle.model_copy(
        update={"id": cycle_id, "name": cycle_id, "period": period, "start": start, "end": end}
    )
    return plan.model_copy(update={"cycle": cycle})


def store_cycle(root: Path, plan: Plan, rng: random.Random) -> Path:
    ws = Workspace(root).create()
    results = [
        EmployeeResult(
            employee_id=e.id,
            department=e.department,
            role=e.role,
            complete=True,
            total_score=round(rng.uniform(55, 99), 2),
        )
        for e in plan.roster.employees
    ]
    with ws.ledger() as conn:
        version = freeze_plan(conn, plan.model_dump_json())
        store_run(conn, version, now(), "{}", results)
    return ws.root


def build(tmp: Path, employees: int) -> list[Path]:
    base = example_plan(employees, seed=1)
    plan = base.model_copy(update={"rollup": [Rollup(parts=MONTHS_AND_YEAR)]})
    rng = random.Random(1)
    roots = []
    for m in range(1, 13):
        start = dt.date(2026, m, 1)
        end = (dt.date(2026, m + 1, 1) if m < 12 else dt.date(2027, 1, 1)) - dt.timedelta(days=1)
        roots.append(
            store_cycle(
                tmp / f"2026-{m:02d}", cycle_plan(plan, f"2026-{m:02d}", "month", start, end), rng
            )
        )
    year = cycle_plan(plan, "2026", "year", dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    roots.append(store_cycle(tmp / "2026", year, rng))
    return roots


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("employees", nargs="?", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        roots = build(Path(tmp), args.employees)
        print(
            f"setup: 13 cycles × {args.employees:,} employees in {time.perf_counter() - started:.1f} s"
        )
        started, cpu = time.perf_counter(), time.process_time()
        year = rollup_year(roots, out=Path(tmp) / "year_scores.csv")
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        scored = sum(r.year_score is not None for r in year.results)
        print(
            f"rollup: {len(year.results):,} year results ({scored:,} scored) from 13 cycles "
            f"in {wall:.2f} s wall, {cpu:.2f} s CPU (goal ≤ 30 s)"
        )


if __name__ == "__main__":
    main()
