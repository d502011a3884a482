"""Interview-record forms at scale, beside the assessment forms' rate per sheet.

    python benchmarks/bench_interview.py                    # 10,000 employees
    python benchmarks/bench_interview.py --employees 2000 --no-forms

A workspace of the built-in example with a synthetic consolidation stored straight in the
ledger (every employee a total and a grade), then ``write_interview_forms`` timed end to end
(results read, workbooks written in worker processes, ledger rows, index); beside it the
assessment forms' ``generate_forms`` on the same plan, both as sheets per second.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from perfsheets.core.results import EmployeeResult
from perfsheets.forms.generate import generate_forms
from perfsheets.interview.generate import write_interview_forms
from perfsheets.ledger.results import store_run
from perfsheets.ledger.workspace import Workspace, freeze_plan, now
from perfsheets.plan.example import example_plan
from perfsheets.plan.io import dump_plan


def synthetic_workspace(root: Path, employees: int, seed: int = 1) -> Workspace:
    plan = example_plan(employees)
    ws = Workspace(root).create()
    dump_plan(plan, root / "plan.yaml")
    rng = random.Random(seed)
    grades = [(g.code, g.min_score) for g in plan.grading.levels]
    results = []
    for e in plan.roster.employees:
        score = round(rng.uniform(55, 98), 2)
        grade = next(code for code, low in grades if score >= low)
        results.append(
            EmployeeResult(
                employee_id=e.id,
                department=e.department,
                role=e.role,
                manager_id=e.manager,
                complete=True,
                total_score=score,
                grade=grade,
            )
        )
    with ws.ledger() as conn:
        version = freeze_plan(conn, plan.model_dump_json())
        store_run(conn, version, now(), "{}", results)
    return ws


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--no-forms", action="store_true", help="skip the assessment forms")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ws = synthetic_workspace(Path(tmp) / "ws", args.employees)
        started = time.perf_counter()
        records = write_interview_forms(ws.root, workers=args.workers)
        seconds = time.perf_counter() - started
        print(
            f"interview records: {args.employees} employees, {records.forms} workbooks, "
            f"{records.sheets} sheets in {seconds:.1f} s = {records.sheets / seconds:.0f} sheets/s"
        )
        if not args.no_forms:
            started = time.perf_counter()
            forms = generate_forms(ws.root, workers=args.workers)
            seconds = time.perf_counter() - started
            print(
                f"assessment forms:  {forms.forms} workbooks, {forms.sheets} sheets in "
                f"{seconds:.1f} s = {forms.sheets / seconds:.0f} sheets/s"
            )


if __name__ == "__main__":
    main()
