"""``perfsheets verify`` of the archived interview-record and PIP workbooks: real record files
simulated, collected and archived; a byte changed, a file deleted or an unknown file put into
archive/ is each one finding naming the file; untouched, verify exits 0."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from collect_support import copied, record_forms_workspace

from perfsheets.core.model import Lang
from perfsheets.cycle.verify import verify_workspace
from perfsheets.ledger.workspace import Workspace

START = dt.date.today() - dt.timedelta(days=100)


@pytest.fixture(scope="module")
def collected(tmp_path_factory, consolidated_example) -> Path:
    """The example (40 people), consolidated; interview records and PIPs simulated, collected."""
    root = tmp_path_factory.mktemp("verify-records") / "ws"
    return record_forms_workspace(
        root, consolidated_example, pips_from=START, collect_records=True, collect_pips=True
    )


@pytest.fixture
def ws(collected, tmp_path) -> Path:
    return copied(collected, tmp_path)


def archived(ws: Path, table: str, file_part: str) -> tuple[str, str, list[int]]:
    """(archived path, returned file, record ids) of one archived record workbook."""
    with Workspace(ws).ledger() as conn:
        rows = conn.execute(
            f"SELECT archived, file, record_id FROM {table} WHERE file LIKE ? ORDER BY record_id",
            (f"%{file_part}%",),
        ).fetchall()
    assert rows, file_part
    return rows[0][0], rows[0][1], [r[2] for r in rows if r[0] == rows[0][0]]


def findings(ws: Path, lang: Lang = "en") -> list[tuple[str, str]]:
    return [(f["subject"], f["problem"]) for f in verify_workspace(ws, lang).findings]


def test_untouched_archives_check_out(ws):
    result = verify_workspace(ws)
    assert result.ok and result.exit_code == 0 and result.findings == []
    with Workspace(ws).ledger() as conn:
        files = conn.execute(
            "SELECT COUNT(*) FROM (SELECT DISTINCT archived FROM interview_records UNION"
            " SELECT DISTINCT archived FROM pip_records)"
        ).fetchone()[0]
    assert result.record_files == files >= 2


def test_a_changed_byte_of_an_archived_record_is_found_with_its_path(ws):
    path, file, ids = archived(ws, "interview_records", "E0002")
    data = bytearray((ws / path).read_bytes())
    data[len(data) // 2] ^= 1
    (ws / path).write_bytes(bytes(data))
    subject = f"interview record {', '.join(map(str, ids))} ({file}): {path}"
    assert findings(ws) == [(subject, "the archived file was changed (SHA-256)")]
    assert findings(ws, "zh-CN") == [(subject, "归档文件被改动（SHA-256 不符）")]


def test_a_deleted_archived_pip_is_found(ws):
    path, file, ids = archived(ws, "pip_records", "E0012")
    (ws / path).unlink()
    subject = f"pip record {', '.join(map(str, ids))} ({file}): {path}"
    assert findings(ws) == [(subject, "the archived file is missing")]


def test_a_file_collect_did_not_archive_is_found(ws):
    stray = ws / "archive" / "ab" / "not-a-return.xlsx"
    stray.parent.mkdir(exist_ok=True)
    stray.write_bytes(b"PK\x03\x04 something")
    # a file named by its own SHA-256 is one collect archived (a valid version already in
    # force): not a finding
    data = b"a valid file whose values were already in force"
    sha = hashlib.sha256(data).hexdigest()
    (ws / "archive" / sha[:2]).mkdir(exist_ok=True)
    (ws / "archive" / sha[:2] / f"{sha}.xlsx").write_bytes(data)
    expected = "a file in the archive the ledger does not know (collect did not put it there)"
    assert findings(ws) == [("archive/ab/not-a-return.xlsx", expected)]


def test_verify_on_the_command_line_exits_1_for_a_tampered_record(ws):
    path, _file, _ids = archived(ws, "pip_records", "E0012")
    (ws / path).write_bytes((ws / path).read_bytes() + b"\0")
    done = subprocess.run(
        [sys.executable, "-m", "perfsheets", "verify", str(ws)], capture_output=True, text=True
    )
    assert done.returncode == 1 and "归档文件被改动" in done.stdout
    assert "Traceback" not in done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "perfsheets", "verify", str(ws), "--json"],
        capture_output=True,
        text=True,
    )
    found = json.loads(done.stdout)["findings"]
    assert done.returncode == 1 and [f["subject"].endswith(path) for f in found] == [True]
