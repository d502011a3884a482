"""The driver's side at very large scale: plan load and consolidation, time and peak memory.

    python benchmarks/bench_scale.py [--employees 100000]

On a cluster the workers write and read the files, but the driver alone loads the plan and
consolidates, so these two set how large an organisation one driver carries. Each phase runs in
a fresh process so its peak resident memory (``ru_maxrss``) is its own:

1. plan load + validate (the YAML plan ``example_plan(N)`` written beforehand);
2. consolidation of a ledger holding one accepted return per rater for every assignment (the
   synthetic returns of ``bench_consolidate.py``), everything included: ledger read, exact
   decimal scores, grades, forced distribution, ledger write, scores.csv, ratings.csv,
   results.xlsx.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import queue
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _children_peak_mib() -> float:
    """The largest helper process (consolidate writes results.xlsx in one)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _write_plan(path: Path, employees: int) -> None:
    from perfsheets.plan.example import example_plan
    from perfsheets.plan.io import dump_plan

    dump_plan(example_plan(employees, seed=1), path)


def _load_plan(path: Path, out: mp.Queue) -> None:
    from perfsheets.plan.io import read_plan
    from perfsheets.plan.validate import validate_plan

    started, cpu = time.perf_counter(), time.process_time()
    loaded = read_plan(path)
    assert loaded.plan is not None, loaded.report.rows("en")[:3]
    errors = len(validate_plan(loaded.plan, loaded.source).errors)
    out.put((time.perf_counter() - started, time.process_time() - cpu, _peak_mib(), errors))


def _build_ledger(root: Path, employees: int, out: mp.Queue) -> None:
    from bench_consolidate import build_workspace

    started = time.perf_counter()
    _, _, entries = build_workspace(root, employees)
    out.put((time.perf_counter() - started, entries))


def _consolidate(root: Path, out: mp.Queue) -> None:
    from perfsheets.consolidation.run import consolidate

    baseline = _peak_mib()
    started, cpu = time.perf_counter(), time.process_time()
    result = consolidate(root, previous=[])
    out.put(
        (
            time.perf_counter() - started,
            time.process_time() - cpu,
            _peak_mib(),
            baseline,
            _children_peak_mib(),
            result.employees,
            dict(result.timings),
        )
    )


def _in_child(target, *args):  # type: ignore[no-untyped-def]
    ctx = mp.get_context("spawn")  # a fresh interpreter: the peak is this phase's alone
    out = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, out))
    proc.start()
    while True:  # a phase that dies says so instead of leaving the parent waiting
        try:
            value = out.get(timeout=5)
            break
        except queue.Empty:
            if not proc.is_alive():
                raise SystemExit(f"{target.__name__} failed (exit code {proc.exitcode})") from None
    proc.join()
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=100_000)
    args = parser.parse_args()
    n = args.employees
    print(f"scale benchmark: {n:,} employees, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        plan_path = root / "plan.yaml"
        built, entries = _in_child(_build_ledger, root, n)
        print(f"  setup: plan + {entries:,} synthetic entries in the ledger in {built:.1f} s")
        size = plan_path.stat().st_size / 1e6
        wall, cpu, peak, errors = _in_child(_load_plan, plan_path)
        assert errors == 0
        print(
            f"  plan load + validate (plan.yaml {size:.1f} MB): {wall:.2f} s wall, "
            f"{cpu:.2f} s CPU, peak {peak:,.0f} MiB"
        )
        wall, cpu, peak, base, helper, people, steps = _in_child(_consolidate, root)
        print(
            f"  consolidate ({people:,} employees, {entries:,} entries): {wall:.2f} s wall, "
            f"{cpu:.2f} s CPU, peak {peak:,.0f} MiB (interpreter and imports: {base:,.0f} MiB; results.xlsx writer process: {helper:,.0f} MiB)"
        )
        print("    steps: " + ", ".join(f"{k} {v:.2f} s" for k, v in steps.items()))
        for name in ("scores.csv", "ratings.csv", "results.xlsx"):
            print(f"    results/{name}: {(root / 'results' / name).stat().st_size / 1e6:.1f} MB")
        ledger = (root / "ledger.sqlite").stat().st_size / 1e6
        print(f"    ledger.sqlite: {ledger:.0f} MB")
        print(
            f"RESULT: {n:,} employees: per employee {peak / n * 1024:.1f} KiB peak in consolidate"
        )


if __name__ == "__main__":
    main()
