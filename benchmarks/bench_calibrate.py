"""The calibration meeting at scale: write the committee's workbook and apply a filled one.

    python benchmarks/bench_calibrate.py [employees] [--decisions 500]

Builds a consolidated workspace of the built-in example (synthetic returns straight into the
ledger, as bench_consolidate does; default 10,000 people), then times
:func:`perfsheets.calibration.run.calibrate` (ledger read, calibration.xlsx written, book
recorded) and :func:`perfsheets.calibration.run.apply_file` on a copy filled with openpyxl
(``--decisions`` grade changes with reasons; read, every row checked against the recorded book,
quotas re-checked, decisions recorded) followed, as ``calibrate --apply`` does, by
:func:`perfsheets.consolidation.final.write_final_books` (scores.csv and results.xlsx rewritten
with the final grades). Goal: each ≤ 10 s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from bench_consolidate import build_workspace  # noqa: E402

from perfsheets.calibration.book import COL  # noqa: E402
from perfsheets.calibration.run import apply_file, calibrate  # noqa: E402
from perfsheets.consolidation.final import write_final_books  # noqa: E402
from perfsheets.consolidation.run import consolidate  # noqa: E402


def fill(book: Path, out: Path, decisions: int) -> int:
    """Move ``decisions`` people from B to C (a grade without a quota), with reasons."""
    import openpyxl

    wb = openpyxl.load_workbook(book)
    ws = wb.worksheets[0]
    done = 0
    for row in range(2, ws.max_row + 1):
        if done >= decisions:
            break
        if ws.cell(row, COL["grade"] + 1).value == "B":
            ws.cell(row, COL["committee_grade"] + 1, "C")
            ws.cell(row, COL["reason"] + 1, "项目延期，校准会复核")
            ws.cell(row, COL["decided_by"] + 1, "绩效委员会")
            ws.cell(row, COL["potential"] + 1, "中")
            done += 1
    wb.save(out)
    return done


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("employees", nargs="?", type=int, default=10_000)
    parser.add_argument("--decisions", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        print(f"building a consolidated workspace of {args.employees:,} employees ...")
        build_workspace(root, args.employees)
        consolidate(root, previous=[])
        started = time.perf_counter()
        book = calibrate(root)
        write_s = time.perf_counter() - started
        size = book.path.stat().st_size / 1e6
        print(f"calibrate: {write_s:.2f} s for {book.employees:,} people ({size:.1f} MB)")
        filled = Path(tmp) / "filled.xlsx"
        changed = fill(book.path, filled, args.decisions)
        started = time.perf_counter()
        result = apply_file(root, filled)
        record_s = time.perf_counter() - started
        assert result.valid, result.report.rows()[:5]
        write_final_books(root)
        apply_s = time.perf_counter() - started
        print(
            f"apply: {apply_s:.2f} s for {book.employees:,} rows, {result.applied} decisions"
            f" (recorded in {record_s:.2f} s, the run's files rewritten in"
            f" {apply_s - record_s:.2f} s)"
        )
        started = time.perf_counter()
        again = apply_file(root, filled)
        print(f"re-apply (no-op): {time.perf_counter() - started:.2f} s, {again.already_applied=}")
        goal = "met" if max(write_s, apply_s) <= 10 else "NOT met"
        print(f"goal ≤ 10 s each: {goal} ({changed} changes filled)")


if __name__ == "__main__":
    main()
