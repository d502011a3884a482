"""The same workload on the local process pool and on a Dask LocalCluster with 1 and 2 workers.

    PYTHONPATH=. python benchmarks/bench_executor.py [--employees 400]

Workload: generate -> simulate -> collect on an example company (forms, returns and checks are
the per-file tasks; batches of ``writer.DASK_BATCH`` / ``run.DASK_BATCH`` files per Dask task).
Prints the seconds of each stage, the Dask executor's overhead against the local pool at the same
number of workers (goal <= 10% at 2) and the scaling from 1 to 2 Dask workers (goal >= 1.8x),
and the measured per-task cost used for the README's cluster projection.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from perfsheets.collect.run import collect_returns
from perfsheets.cycle.setup import init_workspace
from perfsheets.files.executor import DaskExecutor, LocalExecutor
from perfsheets.forms.generate import generate_forms
from perfsheets.forms.simulate import simulate_returns

STAGES = ("generate", "simulate", "collect")


def workload(root: Path, employees: int, executor) -> dict[str, float]:
    init_workspace(root, example=True, employees=employees, seed=1)
    times: dict[str, float] = {}
    started = time.perf_counter()
    gen = generate_forms(root, executor=executor)
    times["generate"] = time.perf_counter() - started
    started = time.perf_counter()
    simulate_returns(root, seed=2, executor=executor)
    times["simulate"] = time.perf_counter() - started
    started = time.perf_counter()
    collect_returns(root, executor=executor)
    times["collect"] = time.perf_counter() - started
    times["forms"] = gen.forms
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--employees", type=int, default=400)
    args = parser.parse_args()
    import distributed

    tmp = Path(tempfile.mkdtemp(prefix="bench-executor-"))
    results: dict[str, dict[str, float]] = {}
    try:
        results["local x2"] = workload(tmp / "local", args.employees, LocalExecutor(2))
        for n in (1, 2):
            with distributed.LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster:
                ex = DaskExecutor(cluster.scheduler_address)
                try:
                    # warm the workers' imports once (a long-lived cluster has them loaded)
                    ex.client.run(lambda: __import__("perfsheets.forms.writer"))
                    results[f"dask x{n}"] = workload(tmp / f"dask{n}", args.employees, ex)
                finally:
                    ex.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    forms = int(results["local x2"]["forms"])
    print(f"workload: {args.employees} employees, {forms} forms (generate, simulate, collect)")
    print(f"{'':10}" + "".join(f"{s:>10}" for s in (*STAGES, "total")))
    for name, t in results.items():
        total = sum(t[s] for s in STAGES)
        print(f"{name:10}" + "".join(f"{t[s]:10.2f}" for s in STAGES) + f"{total:10.2f}")
    total = {k: sum(v[s] for s in STAGES) for k, v in results.items()}
    overhead = total["dask x2"] / total["local x2"] - 1
    scaling = total["dask x1"] / total["dask x2"]
    print(f"Dask overhead vs local pool at 2 workers: {overhead:+.1%} (goal <= +10%)")
    print(f"Dask scaling 1 -> 2 workers: {scaling:.2f}x (goal >= 1.8x)")
    per_form = total["dask x1"] / (3 * forms)
    print(f"per-file cost on one Dask worker (mean of the three stages): {per_form * 1000:.1f} ms")


if __name__ == "__main__":
    main()
