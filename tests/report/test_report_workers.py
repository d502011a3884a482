"""Killing `perfsheets report` ends its render workers too (they would go on writing PDFs
nobody waits for, hundreds of MB each)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ledger_builder import LedgerBuilder, rate_everyone

from perfsheets.consolidation.run import consolidate

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
def test_render_workers_end_when_report_is_killed(tmp_path, small_plan):
    lb = LedgerBuilder(tmp_path / "ws", small_plan)
    rate_everyone(lb, dict.fromkeys(["E001", "E002", "E003", "E004", "E005", "E006", "E007"], 4))
    consolidate(lb.root, previous=[])
    report = subprocess.Popen(
        [sys.executable, "-m", "perfsheets", "report", str(lb.root), "--workers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while time.monotonic() < deadline and report.poll() is None:
        # the pool's workers (spawned: a resource tracker is a child too, and ends anyway)
        workers = [c for c in children(report.pid) if "spawn_main" in _cmdline(c)]
        if len(workers) >= 2:
            break
        time.sleep(0.05)
    assert len(workers) >= 2, "the report ended before its workers could be seen"
    os.kill(report.pid, signal.SIGKILL)
    report.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(alive(w) for w in workers):
        time.sleep(0.1)
    left = [w for w in workers if alive(w)]
    for w in left:  # do not leave them behind for the next test either
        os.kill(w, signal.SIGKILL)
    assert not left


def _cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""
