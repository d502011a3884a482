"""Plan stage timings: build the example, write and read YAML and Excel, validate.

    python benchmarks/bench_plan.py [--employees 10000] [--repeat 3]

Prints the median of each step and the figure the issue asks for: loading and validating a
plan with 10,000 employees (target: under 2 s), beside the bare-library floors (PyYAML's C
loader, calamine reading all sheets) so the overhead of perfsheets is visible.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from perfsheets.plan.example import example_plan
from perfsheets.plan.io import dump_plan, read_plan
from perfsheets.plan.validate import validate_plan

CPU: dict[str, float] = {}


def timed(fn: Callable[[], object], repeat: int, label: str = "") -> tuple[float, object]:
    """Median wall time of ``repeat`` runs (CPU time kept under ``label``: on a shared machine
    wall time includes waiting for a core, CPU time does not)."""
    times, cpu, value = [], [], None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        value = fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    if label:
        CPU[label] = statistics.median(cpu)
    return statistics.median(times), value


def load_and_validate(path: Path) -> int:
    loaded = read_plan(path)
    assert loaded.plan is not None, loaded.report.rows("en")[:3]
    report = validate_plan(loaded.plan, loaded.source)
    return len(report.errors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n, repeat = args.employees, args.repeat

    rows: list[tuple[str, float]] = []
    t, plan = timed(lambda: example_plan(n), repeat)
    rows.append((f"example_plan({n})", t))
    with tempfile.TemporaryDirectory() as tmp:
        yaml_path, xlsx_path = Path(tmp) / "plan.yaml", Path(tmp) / "plan.xlsx"
        rows.append(("dump_plan yaml", timed(lambda: dump_plan(plan, yaml_path), repeat)[0]))
        rows.append(("dump_plan xlsx", timed(lambda: dump_plan(plan, xlsx_path), repeat)[0]))
        t_yaml, errors_yaml = timed(lambda: load_and_validate(yaml_path), repeat, "yaml")
        t_xlsx, errors_xlsx = timed(lambda: load_and_validate(xlsx_path), repeat, "xlsx")
        rows.append(("validate_plan only", timed(lambda: validate_plan(plan), repeat)[0]))
        floor_yaml = timed(lambda: _pyyaml(yaml_path), 1)[0]
        floor_xlsx = timed(lambda: _calamine(xlsx_path), repeat)[0]
        size_yaml = yaml_path.stat().st_size / 1e6
        size_xlsx = xlsx_path.stat().st_size / 1e6

    load = os.getloadavg()[0]
    print(f"plan benchmark: {n} employees, median of {repeat}, load average {load:.1f}")
    for label, seconds in rows:
        print(f"  {label:<34} {seconds:7.3f} s")
    cy, cx = CPU["yaml"], CPU["xlsx"]
    print(
        f"  {'load + validate plan.yaml':<34} {t_yaml:7.3f} s   (CPU {cy:.3f} s, {size_yaml:.1f} MB)"
    )
    print(
        f"  {'load + validate plan.xlsx':<34} {t_xlsx:7.3f} s   (CPU {cx:.3f} s, {size_xlsx:.1f} MB)"
    )
    print(f"  {'floor: yaml.load (CSafeLoader)':<34} {floor_yaml:7.3f} s")
    print(f"  {'floor: calamine, all sheets':<34} {floor_xlsx:7.3f} s")
    assert errors_yaml == errors_xlsx == 0
    ok = max(t_yaml, t_xlsx) < 2.0
    print(
        f"RESULT: a {n}-employee plan loads and validates in {t_yaml:.2f} s (YAML) / "
        f"{t_xlsx:.2f} s (Excel) wall, {cy:.2f} / {cx:.2f} s CPU: "
        f"{'under' if ok else 'OVER'} the 2 s target"
    )


def _pyyaml(path: Path) -> object:
    import yaml

    return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)


def _calamine(path: Path) -> object:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    return [book.get_sheet_by_name(s).to_python() for s in book.sheet_names]


if __name__ == "__main__":
    main()
