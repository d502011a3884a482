"""Every stage of a cycle on the built-in example, beside the bare-library floor for the same work.

    python benchmarks/run_all.py                       # 1,000 and 10,000 employees
    python benchmarks/run_all.py --employees 1000 --report-sample 200

For each company size it runs init → check → generate → simulate → collect → consolidate →
report through the public API, each stage in its own forked process so its peak memory (main
process and largest worker) is its own, and prints per stage: wall time, throughput, peak
memory, and the floor with the ratio:

* generate: xlsxwriter alone replaying the same calls for the same workbooks (bench_generate);
* collect: python-calamine reading every returned file's values, same worker count (bench_collect);
* report: bare WeasyPrint rendering the same HTML, one document per report, one process, as
  seconds per page; perfsheets' figure is CPU seconds per page over all workers (bench_report).
  At sizes above ``--report-sample`` only that many employee reports are rendered and the
  full-size time is projected linearly (said so in the table).

Stage benchmarks in this folder measure each stage in more depth.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import perfsheets as ps


def _in_child(fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run fn in a forked process; return its figures plus wall time and peak memory (MiB)."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)

    def target() -> None:
        started = time.perf_counter()
        figures = fn()
        figures["wall"] = time.perf_counter() - started
        figures["rss_main"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        figures["rss_worker"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        child.send(figures)

    proc = ctx.Process(target=target)
    proc.start()
    figures = parent.recv()
    proc.join()
    return figures


def _returned_files(ws: Path) -> list[str]:
    return sorted(str(p) for p in (ws / "returns").glob("*.xlsx"))


def run_size(employees: int, root: Path, workers: int, report_sample: int) -> list[dict[str, Any]]:
    ws = root / f"cycle-{employees}"
    rows: list[dict[str, Any]] = []

    def stage(name: str, unit: str, fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        figures = _in_child(fn)
        figures.update(stage=name, unit=unit, employees=employees)
        rows.append(figures)
        print(_line(figures), flush=True)
        return figures

    def init() -> dict[str, Any]:
        ps.init_workspace(ws, example=True, employees=employees, seed=1, force=True)
        return {"count": employees}

    def check() -> dict[str, Any]:
        result = ps.check_workspace(ws)
        return {"count": result.employees}

    def generate() -> dict[str, Any]:
        from bench_generate import baseline

        started = time.perf_counter()
        result = ps.generate_forms(ws, workers=workers)
        seconds = time.perf_counter() - started
        plan = ps.load_plan(ws / "plan.yaml")
        with tempfile.TemporaryDirectory() as tmp:
            floor, _ = baseline(plan, workers, Path(tmp))
        return {
            "count": result.sheets,
            "floor": floor,
            "floor_what": "xlsxwriter same calls",
            "own": seconds,
        }

    def simulate() -> dict[str, Any]:
        result = ps.simulate_returns(ws, seed=1, missing=0.03, mistakes=0.02)
        return {"count": result.returned}

    def collect() -> dict[str, Any]:
        from bench_collect import calamine_floor

        started = time.perf_counter()
        result = ps.collect_returns(ws, workers=workers)
        seconds = time.perf_counter() - started
        floor = calamine_floor(_returned_files(ws), workers)
        return {
            "count": result.accepted + result.rejected,
            "floor": floor,
            "floor_what": "calamine read values",
            "own": seconds,
        }

    def consolidate() -> dict[str, Any]:
        result = ps.consolidate(ws)
        return {"count": result.employees}

    def report() -> dict[str, Any]:
        from bench_report import bare_weasyprint

        from perfsheets.ledger.results import load_results
        from perfsheets.ledger.workspace import Workspace

        with Workspace(ws).ledger() as conn:
            everyone = [r.employee_id for r in load_results(conn)]
        chosen = everyone[:report_sample] if len(everyone) > report_sample else None
        result = ps.render_reports(ws, employees=chosen, workers=workers)
        plan = ps.load_plan(ws / "plan.yaml")
        bare_wall, _bare_cpu, bare_pages = bare_weasyprint(Workspace(ws), plan, 12)
        scale = len(everyone) / result.employees if result.employees else 1.0
        return {
            "count": result.employees,
            "pages": result.pages,
            "per_page": result.cpu_seconds / max(result.pages, 1),
            "floor_per_page": bare_wall / max(bare_pages, 1),
            "floor_what": "bare WeasyPrint s/page",
            "projected": result.seconds * scale if chosen else None,
            "own": result.seconds,
        }

    stage("init", "employees", init)
    stage("check", "employees", check)
    stage("generate", "sheets", generate)
    stage("simulate", "returns", simulate)
    stage("collect", "files", collect)
    stage("consolidate", "employees", consolidate)
    stage("report", "reports", report)
    return rows


def _line(r: dict[str, Any]) -> str:
    own = r.get("own", r["wall"])  # the perfsheets call alone, without its floor measurement
    rate = r["count"] / own if r.get("count") and own else 0
    text = (
        f"| {r['employees']:>6,} | {r['stage']:<11} | {own:8.1f} s | "
        f"{rate:9,.0f} {r['unit']}/s | {r['rss_main']:6.0f} / {r['rss_worker']:5.0f} MiB |"
    )
    if "per_page" in r:
        ratio = r["per_page"] / r["floor_per_page"]
        text += f" {r['per_page']:.3f} s/page CPU vs {r['floor_per_page']:.3f} ({r['floor_what']}): {ratio:.2f}× |"
        if r.get("projected"):
            text += f" {r['count']} rendered; all reports ≈ {r['projected'] / 60:.1f} min |"
    elif "floor" in r:
        text += f" {r['floor']:.1f} s ({r['floor_what']}): {own / r['floor']:.2f}× |"
    else:
        text += " — |"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--employees", default="1000,10000", help="comma-separated sizes")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--report-sample", type=int, default=400, help="reports rendered per size at most"
    )
    parser.add_argument("--keep", type=Path, default=None, help="keep the workspaces here")
    args = parser.parse_args()
    sizes = [int(s) for s in args.employees.split(",")]
    print(f"perfsheets {ps.__version__}; {args.workers} workers; load {os.getloadavg()[0]:.1f}")
    print("| employees | stage | wall | throughput | peak memory main / worker | floor and ratio |")
    print("|---:|---|---:|---:|---:|---|")
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        for size in sizes:
            run_size(size, root, args.workers, args.report_sample)


if __name__ == "__main__":
    main()
