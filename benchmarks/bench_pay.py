"""Pay export and consequences at scale.

    python benchmarks/bench_pay.py [employees] [--xlsx]

Builds a workspace of the built-in example's company (default 10,000 people) with a stored
consolidation run of synthetic graded results and a plan that pays pro rata by days (a tenth of
the people joined during the period) with a pool per department and one for the company, writes
a salaries file (CSV, UTF-8 with BOM; ``--xlsx``: a workbook), then times
:func:`perfsheets.pay.run.export_pay` (load the plan and the frozen plan, read and check the
salaries file, exact bonuses, pools, payroll.csv and payroll.xlsx) and
:func:`perfsheets.pay.run.write_consequences`. The issue's goal: pay export ≤ 5 s at 10,000.
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

from perfsheets.core.model import Plan
from perfsheets.core.results import EmployeeResult
from perfsheets.ledger.results import store_run
from perfsheets.ledger.workspace import Workspace, freeze_plan, now
from perfsheets.pay.run import export_pay, write_consequences
from perfsheets.plan.example import example_plan
from perfsheets.plan.io import dump_plan


def build(root: Path, employees: int, xlsx: bool) -> tuple[Path, Path]:
    rng = random.Random(1)
    base = example_plan(employees, seed=1)
    start = base.cycle.start
    span = (base.cycle.end - start).days
    people = [
        e.model_copy(update={"hire_date": start + dt.timedelta(days=rng.randrange(span))})
        if rng.random() < 0.1
        else e
        for e in base.roster.employees
    ]
    data = base.model_copy(update={"roster": base.roster.model_copy(update={"employees": people})}).model_dump()  # fmt: skip
    departments = sorted({e.department for e in people})
    data["pay"] = {
        "bonus_months": 2,
        "pro_rata": "days",
        "pools": [{"department": d, "amount": 150_000} for d in departments]
        + [{"department": "*", "amount": 10_000 * employees}],
    }
    plan = Plan.model_validate(data)
    ws = Workspace(root).create()
    dump_plan(plan, ws.root / "plan.yaml")
    grades = [(g.code, g.coefficient) for g in plan.grading.levels]
    results = []
    for e in people:
        grade, coefficient = rng.choices(grades, weights=(1, 2, 5, 2, 1)[: len(grades)])[0]
        results.append(
            EmployeeResult(
                employee_id=e.id,
                department=e.department,
                role=e.role,
                complete=True,
                total_score=round(rng.uniform(55, 99), 2),
                grade=grade,
                coefficient=coefficient,
            )
        )
    with ws.ledger() as conn:
        version = freeze_plan(conn, plan.model_dump_json())
        store_run(conn, version, now(), "{}", results)
    bases = [(e.id, f"{rng.randrange(500_000, 5_000_000) / 100:.2f}") for e in people]
    if xlsx:
        import xlsxwriter

        salaries = root.parent / "salaries.xlsx"
        book = xlsxwriter.Workbook(str(salaries), {"constant_memory": True})
        sheet = book.add_worksheet("工资")
        sheet.write_row(0, 0, ["工号", "奖金基数"])
        for r, (emp, amount) in enumerate(bases, start=1):
            sheet.write_string(r, 0, emp)
            sheet.write_number(r, 1, float(amount))
        book.close()
    else:
        salaries = root.parent / "salaries.csv"
        lines = ["工号,奖金基数", *(f"{emp},{amount}" for emp, amount in bases)]
        salaries.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8-sig")
    return ws.root, salaries


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("employees", nargs="?", type=int, default=10_000)
    parser.add_argument("--xlsx", action="store_true", help="salaries as a workbook")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        root, salaries = build(Path(tmp) / "ws", args.employees, args.xlsx)
        print(f"setup: {args.employees:,} employees in {time.perf_counter() - started:.1f} s")
        started, cpu = time.perf_counter(), time.process_time()
        paid = export_pay(root, salaries)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(
            f"export-pay: {paid.paid:,} bonuses from {salaries.suffix} ({paid.total:,} in total, "
            f"{paid.over_budget} pools over) in {wall:.2f} s wall, {cpu:.2f} s CPU (goal ≤ 5 s)"
        )
        started, cpu = time.perf_counter(), time.process_time()
        lists = write_consequences(root)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(
            f"consequences: {lists.graded:,} graded, {lists.pip:,} PIP, {lists.honours:,} honours "
            f"in {wall:.2f} s wall, {cpu:.2f} s CPU"
        )


if __name__ == "__main__":
    main()
