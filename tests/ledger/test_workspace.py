"""A ledger another program holds, or a file that is no ledger: one clear line, no traceback."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time

import pytest

from perfsheets.core.problems import PerfsheetsError
from perfsheets.ledger import workspace as ledger_workspace
from perfsheets.ledger.workspace import Workspace, audit
from perfsheets.plan.io import dump_plan


def test_a_ledger_locked_by_another_program_is_a_clear_error(ws, monkeypatch):
    monkeypatch.setattr(ledger_workspace, "LOCK_WAIT_SECONDS", 0.5)
    holder = sqlite3.connect(ws.ledger_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a writer that does not let go
    try:
        started = time.perf_counter()
        with (
            pytest.raises(PerfsheetsError, match="in use by another program"),
            Workspace(ws.root).ledger() as conn,
        ):
            audit(conn, "test.write", "x")
        assert time.perf_counter() - started < 5
    finally:
        holder.rollback()
        holder.close()
    with Workspace(ws.root).ledger() as conn:  # free again: nothing was half-written
        assert conn.execute("SELECT COUNT(*) FROM audit WHERE action='test.write'").fetchone() == (
            0,
        )


def test_a_file_that_is_no_ledger_is_one_line_on_the_command_line(ws, small_plan):
    dump_plan(small_plan, ws.root / "plan.yaml")
    ws.ledger_path.write_bytes(b"PK\x03\x04 not a database" * 64)
    for lang, words in (("zh-CN", "账本无法读取"), ("en", "the ledger cannot be read")):
        done = subprocess.run(
            [sys.executable, "-m", "perfsheets", "status", str(ws.root), "--lang", lang[:2]],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 2
        assert words in done.stderr and "Traceback" not in done.stderr + done.stdout
        assert len(done.stderr.strip().splitlines()) == 1
