"""Sending speed and memory of ``send_forms``: 10,000 messages to a local SMTP server.

    python benchmarks/bench_mail.py
    python benchmarks/bench_mail.py --messages 1000 10000

Builds a small workspace once (example plan → generate_forms), then writes a forms/index.csv of
N raters that cycles through its real forms (each with its own id and address), and sends them
all with the real code (templates, attachment, one ledger record committed per message) to
aiosmtpd running in a child process on 127.0.0.1 (which counts and discards what it gets), so
this process's memory is the sender's alone. Prints messages per second and the peak of
Python allocations (tracemalloc) during the send: the peak must not grow with N, since the
index is read one row at a time and nothing is kept per message. tracemalloc roughly halves
the throughput; ``--no-trace`` measures the speed alone.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

SERVER = """
import asyncio, sys, time
from aiosmtpd.controller import Controller
class Count:
    n = 0
    async def handle_DATA(self, server, session, envelope):
        Count.n += 1
        return "250 OK"
c = Controller(Count(), hostname="127.0.0.1", port=int(sys.argv[1]))
c.start()
print("ready", flush=True)
sys.stdin.read()
c.stop()
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def build(base: Path) -> Path:
    from perfsheets.cycle.setup import init_workspace
    from perfsheets.forms.generate import generate_forms

    root = base / "template"
    init_workspace(root, employees=20, seed=1)
    generate_forms(root, workers=1)
    return root


def workspace_of(template: Path, base: Path, count: int, port: int) -> Path:
    root = base / f"ws-{count}"
    shutil.copytree(template, root)
    with (template / "forms" / "index.csv").open(encoding="utf-8-sig") as handle:
        rows = [r for r in csv.DictReader(handle) if r["email"]]
    with (root / "forms" / "index.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for i in range(count):
            row = dict(rows[i % len(rows)])
            row["rater_id"] = f"B{i:06d}"
            row["email"] = f"rater{i}@example.com"
            writer.writerow(row)
    (root / "mail.yaml").write_text(
        f"host: 127.0.0.1\nport: {port}\nsecurity: none\nsender: hr@example.com\nbatch_size: 100\n",
        encoding="utf-8",
    )
    return root


def measure(root: Path, trace: bool) -> tuple[int, float, float]:
    from perfsheets.mail.send import send_forms

    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    result = send_forms(root)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    tracemalloc.stop()
    return result.sent, seconds, peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument(
        "--no-trace",
        action="store_true",
        help="no tracemalloc (it slows allocation-heavy code): throughput only",
    )
    args = parser.parse_args()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None and server.stdout.readline().strip() == "ready"
    base = Path(tempfile.mkdtemp(prefix="bench-mail-"))
    try:
        template = build(base)
        print(f"{'messages':>9} {'seconds':>8} {'msg/s':>7} {'peak MiB':>9}")
        for count in args.messages:
            sent, seconds, peak = measure(
                workspace_of(template, base, count, port), not args.no_trace
            )
            assert sent == count, (sent, count)
            print(
                f"{count:>9} {seconds:>8.1f} {count / seconds:>7.0f} {f'{peak:.2f}' if peak else '-':>9}"
            )
    finally:
        server.communicate("", timeout=10)
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
