"""Form generation speed beside the floor: xlsxwriter alone writing the same cells.

    python benchmarks/bench_generate.py                       # 10,000 employees, all cores
    python benchmarks/bench_generate.py --employees 2000,10000   # memory stays flat?
    python benchmarks/bench_generate.py --employees 1000 --no-baseline

For each company size (each in a fresh process, so peak memory is its own) it prints:
* perfsheets ``generate_forms`` wall time (plan frozen, assignments, workbooks, ledger, index);
* the floor: every workbook's xlsxwriter calls recorded, then replayed straight into
  xlsxwriter (same cells, formats, merges, validations, print setup, and the same Workbook
  subclass with its formula cache) in the same number of processes; the floor is the replay
  time summed over forms, divided by the number of processes;
* peak memory of the main process and of the largest worker.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


# --- the floor: record perfsheets' xlsxwriter calls, replay them on plain xlsxwriter ----------


class _Recorder:
    """Stands in for an xlsxwriter Workbook/Worksheet/Format and logs every call."""

    def __init__(self, log: list, ident: int) -> None:
        self._log, self._id = log, ident

    def __getattr__(self, name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            result = None
            if name in ("add_worksheet", "add_format"):
                result = _Recorder(self._log, len(self._log) + 1)
            args = tuple(("@ref", a._id) if isinstance(a, _Recorder) else a for a in args)
            self._log.append((self._id, name, args, kwargs, result._id if result else None))
            return result

        return call

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)  # structure_password etc. are not cells


def _record(writer: Any, job: Any) -> tuple[list, dict]:
    import perfsheets.forms.writer as forms

    log: list = []
    options: dict = {}

    def factory(path: str, opts: dict) -> _Recorder:
        options.update(opts)
        return _Recorder(log, 0)

    real = forms.workbook_class
    forms.workbook_class = lambda: factory  # type: ignore[assignment]
    try:
        writer.write_workbook(Path("unused.xlsx"), job)
    finally:
        forms.workbook_class = real  # type: ignore[assignment]
    return log, options


def _replay(log: list, options: dict, path: str) -> tuple[float, float]:
    from perfsheets.forms.workbook import workbook_class

    started, cpu = time.perf_counter(), time.process_time()
    objects: dict[int, Any] = {0: workbook_class()(path, options)}
    for ident, name, args, kwargs, result in log:
        args = tuple(
            objects[a[1]] if isinstance(a, tuple) and a[:1] == ("@ref",) else a for a in args
        )
        value = getattr(objects[ident], name)(*args, **kwargs)
        if result is not None:
            objects[result] = value
    return time.perf_counter() - started, time.process_time() - cpu


_BASE: dict[str, Any] = {}


def _baseline_init(plan_json: str, out_dir: str) -> None:
    from perfsheets.core.model import Plan
    from perfsheets.forms.writer import FormWriter

    _BASE["writer"] = FormWriter(Plan.model_validate_json(plan_json), Path(out_dir))
    _BASE["out"] = out_dir


def _baseline_chunk(jobs: list) -> tuple[float, float]:
    wall = cpu = 0.0
    for job in jobs:
        log, options = _record(_BASE["writer"], job)
        w, c = _replay(log, options, os.path.join(_BASE["out"], job.file))
        wall, cpu = wall + w, cpu + c
    return wall, cpu


def baseline(plan: Any, workers: int, out_dir: Path) -> tuple[float, float]:
    """(replay seconds of every form summed and divided by the processes, replay CPU seconds)."""
    from concurrent.futures import ProcessPoolExecutor
    from itertools import islice

    from perfsheets.forms.jobs import plan_jobs

    _, jobs = plan_jobs(plan, generation="b", plan_version=1, plan_digest="-", generated_at="-")
    chunks = iter(lambda: list(islice(jobs, 16)), [])
    with ProcessPoolExecutor(
        workers, initializer=_baseline_init, initargs=(plan.model_dump_json(), str(out_dir))
    ) as pool:
        spent = list(pool.map(_baseline_chunk, chunks))
    return sum(w for w, _ in spent) / workers, sum(c for _, c in spent)


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the worker processes)."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


# --- one company size, in its own process -------------------------------------------------------


def run_one(employees: int, workers: int, with_baseline: bool) -> dict[str, Any]:
    from perfsheets.forms.generate import generate_forms
    from perfsheets.plan.example import example_plan

    plan = example_plan(employees=employees, seed=1)
    with tempfile.TemporaryDirectory(prefix="bench-forms-") as tmp:
        started, cpu0 = time.perf_counter(), _cpu()
        result = generate_forms(Path(tmp) / "ws", plan=plan, workers=workers)
        wall, cpu = time.perf_counter() - started, _cpu() - cpu0
        mb = 1024  # ru_maxrss is in KiB on Linux
        main_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / mb
        worker_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / mb
        floor = floor_cpu = None
        if with_baseline:
            floor_dir = Path(tmp) / "floor"
            floor_dir.mkdir()
            floor, floor_cpu = baseline(plan, workers, floor_dir)
    return {
        "employees": employees,
        "forms": result.forms,
        "sheets": result.sheets,
        "workers": workers,
        "perfsheets_s": round(wall, 1),
        "xlsxwriter_s": None if floor is None else round(floor, 1),
        "ratio": None if floor is None else round(wall / floor, 2),
        "perfsheets_cpu_s": round(cpu, 1),
        "xlsxwriter_cpu_s": None if floor_cpu is None else round(floor_cpu, 1),
        "cpu_ratio": None if floor_cpu is None else round(cpu / floor_cpu, 2),
        "main_peak_mb": round(main_peak),
        "worker_peak_mb": round(worker_peak),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", default="10000", help="comma-separated company sizes")
    parser.add_argument("--workers", type=int, default=None, help="default: all cores")
    parser.add_argument("--no-baseline", action="store_true", help="skip the xlsxwriter floor")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    from perfsheets.forms.writer import default_workers

    workers = args.workers or default_workers()
    if args.one:
        print(json.dumps(run_one(int(args.employees), workers, not args.no_baseline)))
        return
    print(f"Form generation, {workers} processes (wall: elapsed; CPU: all processes' CPU time)")
    print(
        f"{'employees':>9} {'forms':>6} {'sheets':>7} | {'perfsheets':>10} {'xlsxwriter':>10}"
        f" {'ratio':>6} | {'CPU perfs.':>10} {'CPU xlsxw.':>10} {'ratio':>6} |"
        f" {'main MB':>7} {'worker MB':>9}"
    )
    for size in args.employees.split(","):
        cmd = [sys.executable, __file__, "--one", "--employees", size, "--workers", str(workers)]
        if args.no_baseline:
            cmd.append("--no-baseline")
        row = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)

        def secs(key: str, row: dict = row) -> str:
            return "-" if row[key] is None else f"{row[key]:.1f} s"

        def times(key: str, row: dict = row) -> str:
            return "-" if row[key] is None else f"{row[key]:.2f}x"

        print(
            f"{row['employees']:>9} {row['forms']:>6} {row['sheets']:>7} |"
            f" {secs('perfsheets_s'):>10} {secs('xlsxwriter_s'):>10} {times('ratio'):>6} |"
            f" {secs('perfsheets_cpu_s'):>10} {secs('xlsxwriter_cpu_s'):>10}"
            f" {times('cpu_ratio'):>6} | {row['main_peak_mb']:>7} {row['worker_peak_mb']:>9}",
            flush=True,
        )


if __name__ == "__main__":
    main()
