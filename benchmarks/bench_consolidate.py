"""Consolidation of the built-in example at scale: synthetic returns straight into the ledger.

    python benchmarks/bench_consolidate.py [employees] [--calibration zscore]

Builds the example plan's company (default 10,000 people), writes one accepted return per rater
with ratings, actuals and some comments for every assignment (raters.build_assignments), then
times :func:`perfsheets.consolidation.run.consolidate` (ledger read, scores, grades, forced
distribution, fairness statistics, ledger write, scores.csv, ratings.csv, results.xlsx) and,
for comparison, the computation alone.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from perfsheets.consolidation.run import compute, consolidate, read_inputs
from perfsheets.core.model import Plan
from perfsheets.core.raters import build_assignments
from perfsheets.ledger import integrity
from perfsheets.ledger.workspace import Workspace, freeze_plan, now
from perfsheets.plan.example import example_plan
from perfsheets.plan.io import dump_plan


def synthetic_entries(plan: Plan, seed: int = 1):
    """(form rows, return rows, entry rows) like collect would store them."""
    rng = random.Random(seed)
    roles = plan.role_map()
    people = plan.employee_map()
    types = plan.rater_type_map()
    targets = plan.target_map()
    level = {e: rng.gauss(0, 0.8) for e in people}  # how good each person really is
    bias: dict[str, float] = {}
    forms, returns, entries, sheets = {}, [], [], []
    for a in build_assignments(plan):
        role = roles[people[a.ratee].role]
        sections = types[a.type].sections
        if a.rater not in forms:
            forms[a.rater] = len(forms) + 1
            returns.append((forms[a.rater], f"F{forms[a.rater]}"))
        rid = forms[a.rater]
        sheets.append((f"F{rid}", f"S{len(sheets)}", a.ratee, a.type, "{}"))
        lean = bias.setdefault(a.rater, rng.gauss(0, 0.4))
        if "kpi" in sections:
            for kpi in role.kpis:
                t = targets.get((a.ratee, kpi.code))
                target = t.target if t else kpi.target
                base = target or kpi.baseline or 3
                value = (
                    round(base * rng.uniform(0.7, 1.25), 2)
                    if target or kpi.baseline
                    else rng.randint(0, 4)
                )
                entries.append(
                    (rid, a.ratee, a.rater, a.type, f"kpi:{kpi.code}", "actual", value, None)
                )
        items = []
        if "task" in sections:
            items += [(f"task:{t.code}", t.scale) for t in role.tasks]
        if "competency" in sections:
            items += [(f"competency:{c.code}", "five") for c in role.competencies]
        scales = plan.scale_map()
        comps = plan.competency_map()
        for key, scale in items:
            if key.startswith("competency:"):
                scale = comps[key.split(":", 1)[1]].scale
            values = scales[scale].values
            mid = (len(values) - 1) / 2
            pos = round(mid + 0.6 + level[a.ratee] + lean + rng.gauss(0, 0.6))
            value = values[max(0, min(len(values) - 1, pos))]
            entries.append((rid, a.ratee, a.rater, a.type, key, "rating", value, None))
        if rng.random() < 0.3:
            entries.append(
                (
                    rid,
                    a.ratee,
                    a.rater,
                    a.type,
                    "comment:strengths",
                    "comment",
                    None,
                    "工作认真负责，沟通顺畅",
                )
            )
    return forms, returns, entries, sheets


def build_workspace(root: Path, employees: int) -> tuple[Workspace, Plan, int]:
    plan = example_plan(employees, seed=1)
    ws = Workspace(root).create()
    dump_plan(plan, root / "plan.yaml")
    forms, returns, entries, sheets = synthetic_entries(plan)
    with ws.ledger() as conn:
        version = freeze_plan(conn, plan.model_dump_json())
        at = now()  # one generation of forms
        conn.executemany(
            "INSERT INTO forms VALUES (?, ?, ?, ?, ?, ?)",
            [(f"F{i}", version, rater, f"F{i}.xlsx", "d", at) for rater, i in forms.items()],
        )
        conn.executemany("INSERT INTO form_sheets VALUES (?, ?, ?, ?, ?)", sheets)
        conn.executemany(
            "INSERT INTO returns (return_id, form_id, file, sha256, content_hash, archived,"
            " received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(i, f, f"{f}.xlsx", "s", "h", "a", now()) for i, f in returns],
        )
        conn.executemany("INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?)", entries)
        integrity.seal_all(conn)  # digests, as collect stores them: consolidation checks them
    return ws, plan, len(entries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("employees", nargs="?", type=int, default=10_000)
    parser.add_argument("--calibration", default="none")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        ws, plan, n_entries = build_workspace(Path(tmp) / "ws", args.employees)
        print(
            f"setup: {args.employees} employees, {n_entries:,} entries "
            f"in {time.perf_counter() - started:.1f} s"
        )

        started = time.perf_counter()
        with ws.ledger() as conn:
            inputs = read_inputs(conn)
        read = time.perf_counter() - started
        started = time.perf_counter()
        compute(plan, inputs, calibration=args.calibration)
        computed = time.perf_counter() - started
        print(f"read ledger: {read:.2f} s; compute alone: {computed:.2f} s")

        started, cpu = time.perf_counter(), time.process_time()
        result = consolidate(ws.root, plan=plan, calibration=args.calibration, previous=[])
        total, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(f"machine load average (1 min): {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(
            f"consolidate (everything, files and ledger included): {total:.2f} s wall, "
            f"{cpu:.2f} s CPU "
            f"for {result.employees} employees ({result.complete} complete, "
            f"{result.moved_by_quota} moved by quota, calibration {result.calibration})"
        )
        print("  steps: " + ", ".join(f"{k} {v:.2f} s" for k, v in result.timings.items()))
        for name in ("scores.csv", "ratings.csv", "results.xlsx"):
            size = (ws.results / name).stat().st_size
            print(f"  results/{name}: {size / 1e6:.1f} MB")
        print(f"distribution: {result.distribution}")
        verdict = (
            "OK" if total < 10 else "SLOW" + (" (CPU time OK: busy machine)" if cpu < 10 else "")
        )
        print("target: < 10 s for 10,000 employees:", verdict)


if __name__ == "__main__":
    main()
