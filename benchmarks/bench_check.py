"""``perfsheets check`` of a large plan and ``perfsheets --help``, as a person runs them.

    python benchmarks/bench_check.py                     # 10,000 employees, 5 runs each
    python benchmarks/bench_check.py --employees 2000 --runs 3

Each figure is a fresh ``python -m perfsheets ...`` process (interpreter start-up and imports
included, as HR waits for them), timed by wall clock and by CPU (user + system of the child), the
median of ``--runs``. Targets (issue #15): check of 10,000 employees ≤ 1.5 s, --help ≤ 0.5 s.
It also prints ``check --alignment`` (which writes results/alignment.xlsx, only when asked).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGETS = {"check": 1.5, "--help": 0.5}


def timed(args: list[str]) -> tuple[float, float, int]:
    """(wall s, CPU s, exit code) of one ``python -m perfsheets`` run."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "perfsheets", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.returncode


def median_of(args: list[str], runs: int) -> tuple[float, float, int]:
    figures = [timed(args) for _ in range(runs)]
    return (
        statistics.median(f[0] for f in figures),
        statistics.median(f[1] for f in figures),
        figures[-1][2],
    )


def phases(folder: Path) -> None:
    """CPU seconds of each part of a check, in this process (imports already paid)."""
    from perfsheets.cycle.setup import check_workspace
    from perfsheets.plan.alignment import alignment
    from perfsheets.plan.checker import plan_assignments
    from perfsheets.plan.io import read_plan
    from perfsheets.plan.validate import validate_plan

    clock = time.process_time
    started = clock()
    loaded = read_plan(folder / "plan.yaml")
    read = clock()
    assert loaded.plan is not None
    plan_assignments(loaded.plan)
    assigned = clock()
    validate_plan(loaded.plan, loaded.source)
    validated = clock()
    alignment(loaded.plan, every_carrier=False)
    aligned = clock()
    check_workspace(folder)
    whole = clock()
    print(
        f"in one process, CPU s: read plan {read - started:.2f}, rater assignments "
        f"{assigned - read:.2f}, other validation {validated - assigned:.2f}, goal cascade "
        f"{aligned - validated:.2f}; check_workspace {whole - aligned:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workspace", type=Path, default=None)
    options = parser.parse_args()

    folder = options.workspace or Path(tempfile.gettempdir()) / f"bench-check-{options.employees}"
    if not (folder / "plan.yaml").exists():
        from perfsheets.cycle.setup import init_workspace

        init_workspace(folder, employees=options.employees, force=True)
    size = (folder / "plan.yaml").stat().st_size / 2**20
    print(f"workspace {folder} ({options.employees:,} employees, plan.yaml {size:.1f} MB)")
    print(f"{'command':<28} {'wall s':>8} {'CPU s':>8} {'target s':>9}  exit")
    rows = (
        ("--help", ["--help"], options.runs),
        ("check --help", ["check", "--help"], options.runs),
        ("check", ["check", str(folder)], options.runs),
        ("check --lang en", ["check", str(folder), "--lang", "en"], options.runs),
        ("check --alignment", ["check", str(folder), "--alignment"], 1),
    )
    failed = False
    for name, args, runs in rows:
        wall, cpu, code = median_of(args, runs)
        target = TARGETS.get(name)
        mark = "" if target is None else (" ok" if wall <= target else " OVER")
        failed |= target is not None and wall > target
        shown = f"{target:.1f}" if target is not None else "-"
        print(f"{name:<28} {wall:>8.2f} {cpu:>8.2f} {shown:>9}  {code}{mark}")
    print(f"median of {options.runs} runs (check --alignment: one run)")
    phases(folder)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
