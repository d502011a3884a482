"""Collect speed beside two floors: python-calamine reading the values, and openpyxl.

    python benchmarks/bench_collect.py                      # the 10,000-employee example
    python benchmarks/bench_collect.py --employees 1000 --openpyxl-sample 50

The first run builds a workspace (example plan → generate_forms → simulate_returns) in
``--workspace`` (default: a folder under the system temp dir) and keeps a pristine copy of its
ledger, so later runs measure the same first collect again. It prints, side by side:

* perfsheets ``collect_returns``: reading, checking every file, archiving, ledger, validation
  outputs (first run on a fresh ledger), and a second, idempotent run;
* python-calamine opening every returned file and reading every sheet's values, nothing more,
  with the same number of worker processes, and in one process;
* a plain ``openpyxl.load_workbook`` loop reading every sheet's values, measured on a sample
  of files and extrapolated to all of them by sheet count (said so in the output).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PRISTINE = "ledger.pristine.sqlite"


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (workers are joined before reading)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def measured(fn, *args, **kwargs):
    """(result, wall seconds, CPU seconds)."""
    cpu, wall = cpu_seconds(), time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - wall, cpu_seconds() - cpu


def build(root: Path, employees: int) -> None:
    from perfsheets.forms.generate import generate_forms
    from perfsheets.forms.simulate import simulate_returns
    from perfsheets.plan.example import example_plan
    from perfsheets.plan.io import dump_plan

    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    plan = example_plan(employees)
    dump_plan(plan, root / "plan.yaml")
    started = time.perf_counter()
    generated = generate_forms(root, plan=plan)
    print(
        f"setup: generate_forms {generated.forms:,} forms, {generated.sheets:,} sheets "
        f"in {time.perf_counter() - started:.1f} s"
    )
    started = time.perf_counter()
    simulated = simulate_returns(root, seed=1, missing=0.03, mistakes=0.02)
    print(
        f"setup: simulate_returns {simulated.returned:,} returns "
        f"in {time.perf_counter() - started:.1f} s"
    )
    shutil.copyfile(root / "ledger.sqlite", root / PRISTINE)


def reset(root: Path) -> None:
    """Back to the state right after simulate: no return collected yet."""
    for suffix in ("", "-wal", "-shm"):
        (root / f"ledger.sqlite{suffix}").unlink(missing_ok=True)
    shutil.copyfile(root / PRISTINE, root / "ledger.sqlite")
    shutil.rmtree(root / "archive", ignore_errors=True)
    (root / "archive").mkdir()


def _calamine_file(path: str) -> int:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(path)
    cells = 0
    for name in book.sheet_names:
        rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        cells += sum(len(r) for r in rows)
    book.close()
    return cells


def calamine_floor(files: list[str], workers: int) -> float:
    started = time.perf_counter()
    if workers <= 1:
        for f in files:
            _calamine_file(f)
    else:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            pool.map(_calamine_file, files, chunksize=16)
    return time.perf_counter() - started


def openpyxl_sample(files: list[str], sample: int) -> tuple[float, int, int]:
    """Seconds for a plain load_workbook loop on a sample, sheets in the sample."""
    import openpyxl

    chosen = random.Random(0).sample(files, min(sample, len(files)))
    sheets = 0
    started = time.perf_counter()
    for f in chosen:
        book = openpyxl.load_workbook(f)
        for ws in book.worksheets:
            for _ in ws.iter_rows(values_only=True):
                pass
            sheets += 1
    return time.perf_counter() - started, len(chosen), sheets


def count_sheets(files: list[str]) -> int:
    from python_calamine import CalamineWorkbook

    return sum(len(CalamineWorkbook.from_path(f).sheet_names) for f in files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--workspace", type=Path, default=None)
    parser.add_argument("--workers", type=int, default=None, help="default: one per CPU")
    parser.add_argument("--openpyxl-sample", type=int, default=200)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--setup-only", action="store_true", help="build the workspace, stop")
    args = parser.parse_args()

    from perfsheets.collect.run import collect_returns, default_workers
    from perfsheets.plan.io import load_plan

    root = (
        args.workspace or Path(tempfile.gettempdir()) / f"perfsheets-bench-collect-{args.employees}"
    )
    if args.rebuild or not (root / PRISTINE).exists():
        build(root, args.employees)
    if args.setup_only:
        return
    workers = args.workers or default_workers()
    files = sorted(str(p) for p in (root / "returns").rglob("*.xlsx"))
    sheets = count_sheets(files)
    plan = load_plan(root / "plan.yaml")
    print(
        f"\n{len(files):,} returned files, {sheets:,} sheets (incl. instructions and _meta); "
        f"{os.cpu_count()} CPUs, {workers} worker processes\n"
    )

    reset(root)
    first, collect_s, collect_cpu = measured(collect_returns, root, plan=plan, workers=workers)
    again, again_s, again_cpu = measured(collect_returns, root, plan=plan, workers=workers)
    _, cal_s, cal_cpu = measured(calamine_floor, files, workers)
    _, cal1_s, cal1_cpu = measured(calamine_floor, files, 1)
    (opx_s, opx_files, opx_sheets), _, opx_cpu = measured(
        openpyxl_sample, files, args.openpyxl_sample
    )
    scale = sheets / max(opx_sheets, 1)
    opx_all, opx_all_cpu = opx_s * scale, opx_cpu * scale

    rows = [
        (
            f"perfsheets collect_returns, first run ({workers} processes)",
            collect_s,
            collect_cpu,
            f"{first.accepted:,} accepted, {first.rejected:,} rejected",
        ),
        (
            f"perfsheets collect_returns, run again ({workers} processes)",
            again_s,
            again_cpu,
            f"{again.unchanged:,} unchanged, {again.accepted + again.superseded} stored",
        ),
        (f"python-calamine, values only ({workers} processes)", cal_s, cal_cpu, "floor"),
        ("python-calamine, values only (1 process)", cal1_s, cal1_cpu, ""),
        (
            "openpyxl load_workbook loop (1 process)",
            opx_all,
            opx_all_cpu,
            f"extrapolated from {opx_files} sampled files ({opx_s:.1f} s, {opx_sheets:,} sheets)",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'':<{width}}  {'wall':>8}   {'CPU':>8}")
    for label, seconds, cpu, note in rows:
        print(f"{label:<{width}}  {seconds:8.1f} s {cpu:8.1f} s   {note}")
    print()
    print(
        f"collect time           {collect_s:6.1f} s    target ≤ 30 s "
        f"(CPU {collect_cpu:.1f} s = {collect_cpu / workers:.1f} s on {workers} idle cores)"
    )
    print(
        f"collect / calamine     {collect_s / cal_s:6.2f} ×    target ≤ 3 × "
        f"(same process count; CPU ratio {collect_cpu / cal_cpu:.2f} ×)"
    )
    print(f"collect / calamine 1p  {collect_s / cal1_s:6.2f} ×")
    print(
        f"openpyxl / collect     {opx_all / collect_s:6.1f} ×    target ≥ 20 × (openpyxl "
        f"extrapolated from a {opx_files}-file sample; CPU ratio {opx_all_cpu / collect_cpu:.1f} ×)"
    )
    load = os.getloadavg()[0]
    if load > (os.cpu_count() or 1):
        print(
            f"note: load average {load:.1f} on {os.cpu_count()} CPUs during the run: other "
            "processes shared the cores, so wall times are inflated; compare ratios and CPU"
        )


if __name__ == "__main__":
    main()
