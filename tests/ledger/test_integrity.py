"""A ledger that shows tampering: hand edits of entries, audit rows or archived files are found
by `perfsheets verify` (and by consolidation, for the entries it reads); untouched, all is well."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest
from collect_support import make_workspace, returned

from perfsheets.collect.run import collect_returns
from perfsheets.consolidation.run import consolidate
from perfsheets.core.problems import PerfsheetsError
from perfsheets.cycle.verify import verify_workspace
from perfsheets.plan.io import dump_plan


@pytest.fixture(scope="module")
def collected(tmp_path_factory, small_plan_module):
    ws = make_workspace(tmp_path_factory.mktemp("integrity") / "cycle", small_plan_module)
    dump_plan(small_plan_module, ws.root / "plan.yaml")
    for rater in ("E001", "E002", "E003"):
        returned(ws, rater)
    collect_returns(ws.root, plan=small_plan_module, workers=1)
    return ws


@pytest.fixture(scope="module")
def small_plan_module():
    from plan_support import make_small_plan

    return make_small_plan()


@pytest.fixture
def ws(collected, tmp_path):
    import shutil

    shutil.copytree(collected.root, tmp_path / "copy")
    from perfsheets.ledger.workspace import Workspace

    return Workspace(tmp_path / "copy")


def edit(ws, sql: str) -> None:
    with sqlite3.connect(ws.ledger_path) as conn:  # as a database browser would
        conn.execute(sql)


def problems(ws, lang="en") -> list[tuple[str, str]]:
    return [
        (f["subject"].split(" (")[0], f["problem"])
        for f in verify_workspace(ws.root, lang).findings
    ]


def test_an_untouched_ledger_checks_out(ws):
    result = verify_workspace(ws.root)
    assert result.ok and result.returns == 3 and result.audit_rows >= 3


def test_a_changed_rating_is_found_and_consolidation_refuses(ws):
    edit(
        ws,
        "UPDATE entries SET value_num = 5 WHERE rowid = (SELECT MIN(rowid) FROM entries"
        " WHERE field = 'rating' AND value_num < 5)",
    )
    assert [p[1] for p in problems(ws)] == [
        "its entries in the ledger were changed or deleted (they no longer match their digest)"
    ]
    with pytest.raises(PerfsheetsError, match="no longer match what was collected"):
        consolidate(ws.root, previous=[])


def test_a_deleted_entry_and_deleted_audit_rows_are_found(ws):
    edit(ws, "DELETE FROM entries WHERE rowid = (SELECT MAX(rowid) FROM entries)")
    edit(ws, "DELETE FROM audit WHERE audit_id = 2")
    found = problems(ws, "zh-CN")
    assert len(found) == 2
    assert found[0][1].startswith("回执的评分数据在账本中被改动或删除")
    assert found[1] == ("audit row 3", "审计记录被改动，或其前面的记录被删除（哈希链断开）")


def test_a_changed_archive_file_is_found(ws):
    archived = sorted((ws.root / "archive").rglob("*.xlsx"))[0]
    archived.write_bytes(archived.read_bytes() + b"\0")
    assert [p[1] for p in problems(ws)] == ["the archived file was changed (SHA-256)"]


def test_verify_on_the_command_line_exits_1_and_names_what_does_not_match(ws):
    edit(ws, "UPDATE audit SET detail = '{}' WHERE audit_id = 1")
    done = subprocess.run(
        [sys.executable, "-m", "perfsheets", "verify", str(ws.root)], capture_output=True, text=True
    )
    assert done.returncode == 1 and "哈希链断开" in done.stdout and "Traceback" not in done.stderr
