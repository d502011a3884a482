"""Collect speed for one .zip holding many returns (2,000 and 10,000 entries by default).

    python benchmarks/bench_collect_zip.py
    python benchmarks/bench_collect_zip.py --entries 2000 10000 --employees 2000

Builds a workspace once (example plan → generate_forms → simulate_returns, as
bench_collect.py does), then packs its returned files into one archive per size (cycling
through the returns in folders batch1/, batch2/ ... when the archive holds more entries than
there are returns) and times a whole first ``collect_returns`` of each archive on a fresh
ledger: finding the members, reading and checking each, storing, validation outputs. Before,
every member reopened the archive (its whole central directory), so the time grew with the
square of the entries (issue #16: 2,000 entries 22 s, 10,000 entries 297 s); the target is
≤ 30 s for 10,000.
"""

from __future__ import annotations

import argparse
import tempfile
import zipfile
from pathlib import Path

from bench_collect import PRISTINE, build, measured, reset


def pack(root: Path, entries: int) -> Path:
    """An archive of ``entries`` returned files (stored as returns are: deflated)."""
    target = root.parent / f"{root.name}-returns-{entries}.zip"
    if target.exists():
        return target
    files = sorted((root / "returns").rglob("*.xlsx"))
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(entries):
            src = files[i % len(files)]
            archive.write(src, f"batch{i // len(files) + 1}/{src.name}")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, nargs="+", default=[2000, 10000])
    parser.add_argument("--employees", type=int, default=2000)
    parser.add_argument("--workspace", type=Path, default=None)
    parser.add_argument("--workers", type=int, default=None, help="default: one per CPU")
    args = parser.parse_args()

    from perfsheets.collect.run import collect_returns, default_workers
    from perfsheets.plan.io import load_plan

    root = args.workspace or Path(tempfile.gettempdir()) / f"perfsheets-bench-zip-{args.employees}"
    if not (root / PRISTINE).exists():
        build(root, args.employees)
    plan = load_plan(root / "plan.yaml")
    workers = args.workers or default_workers()
    print(f"\n{workers} worker processes\n")
    print(f"{'entries':>8}  {'wall':>8}  {'CPU':>8}   outcome")
    for entries in args.entries:
        archive = pack(root, entries)
        reset(root)
        result, wall, cpu = measured(collect_returns, root, [archive], plan=plan, workers=workers)
        counts = ", ".join(
            f"{result.count(o):,} {o}" for o in ("accepted", "unchanged", "rejected")
        )
        print(f"{entries:>8,}  {wall:7.1f} s {cpu:7.1f} s   {len(result.files):,} files: {counts}")
    print("\ntarget: 10,000 entries ≤ 30 s for the whole run")


if __name__ == "__main__":
    main()
