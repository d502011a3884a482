"""Mid-cycle operations on a large example company: import, progress, alignment, appeals.

Run from the repository root:  python benchmarks/bench_midcycle.py [employees]

Prints the time of each operation beside a bare-library floor (reading the same CSV with the
csv module, writing a same-sized sheet with xlsxwriter), so the overhead of validation and
ledger work is visible.
"""

from __future__ import annotations

import csv
import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from perfsheets.ledger.workspace import Workspace
from perfsheets.midcycle.actuals import import_actuals, read_actuals
from perfsheets.midcycle.appeals import list_appeals, open_appeal
from perfsheets.midcycle.progress import progress, write_progress_xlsx
from perfsheets.midcycle.targets import adjust_target
from perfsheets.plan.alignment import alignment, write_alignment_xlsx
from perfsheets.plan.example import example_plan
from perfsheets.plan.io import dump_plan


def timed(fn: Callable[[], object], repeat: int = 3) -> tuple[float, object]:
    """Median seconds over ``repeat`` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def write_export(plan, path: Path) -> int:
    roles = plan.role_map()
    rows = [("工号", "指标编码", "实际值")]
    for e in plan.roster.employees:
        for k in roles[e.role].kpis:
            rows.append((e.id, k.code, str(round((k.target or 10) * 0.7, 2))))
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return len(rows) - 1


def floor_xlsx(path: Path, rows: int, cols: int) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    for r in range(rows):
        for c in range(cols):
            ws.write_number(r, c, r * c)
    wb.close()


def main(employees: int = 1000) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-midcycle-"))
    plan = example_plan(employees)
    ws = Workspace(tmp / "cycle").create()
    dump_plan(plan, ws.root / "plan.yaml")
    export = tmp / "erp.csv"
    n = write_export(plan, export)
    print(f"example company: {employees} employees, {n} imported actuals, 2 cores shared")

    def bare_csv() -> int:
        with export.open(encoding="utf-8-sig") as fh:
            return sum(1 for _ in csv.reader(fh))

    lines = []
    t, _ = timed(bare_csv)
    lines.append(("floor: csv.reader of the export", t))
    t, _ = timed(lambda: read_actuals(export, plan))
    lines.append(("read + validate the export (no ledger)", t))
    t, result = timed(lambda: import_actuals(ws.root, export, plan=plan))
    assert result.applied
    lines.append(("import-actuals (plan given, ledger + archive + audit)", t))
    t, _ = timed(lambda: import_actuals(ws.root, export), repeat=1)
    lines.append(("import-actuals (plan loaded from plan.yaml)", t))
    quota = plan.roster.targets[0]
    t, _ = timed(
        lambda: adjust_target(
            ws.root,
            employee=quota.employee,
            item=quota.kpi,
            target=quota.target * 1.05,
            reason="bench",
            approved_by="bench",
            plan=plan,
        ),
        repeat=1,
    )
    lines.append(("adjust one target", t))
    today = dt.date(2026, 7, 1)
    t, prog = timed(lambda: progress(ws.root, plan=plan, today=today))
    lines.append((f"progress ({len(prog.people)} people, {len(prog.kpis)} KPI rows)", t))
    t, _ = timed(lambda: write_progress_xlsx(ws.root, prog))
    lines.append(("write results/progress.xlsx", t))
    t, _ = timed(lambda: floor_xlsx(tmp / "floor.xlsx", len(prog.kpis), 12))
    lines.append(("floor: xlsxwriter, same number of cells as the KPI sheet", t))
    t, al = timed(lambda: alignment(plan))
    lines.append((f"alignment ({len(al.people)} people, {len(al.report)} warnings)", t))
    t, _ = timed(lambda: write_alignment_xlsx(plan, ws.results / "alignment.xlsx", result=al))
    lines.append(("write results/alignment.xlsx", t))
    emp = plan.roster.employees[3].id
    t, _ = timed(lambda: open_appeal(ws.root, employee=emp, reason="bench", plan=plan), repeat=1)
    lines.append(("open one appeal", t))
    t, _ = timed(lambda: list_appeals(ws.root))
    lines.append(("list appeals", t))
    width = max(len(label) for label, _ in lines)
    for label, seconds in lines:
        print(f"  {label:<{width}}  {seconds * 1000:8.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
