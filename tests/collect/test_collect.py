"""collect as HR runs it: batches, re-runs, corrections, archives, outputs, status."""

from __future__ import annotations

import csv
import hashlib
import os
import time
from pathlib import Path

import pytest
from collect_support import find_cell, ledger_rows, returned

from perfsheets.collect import run as collect_module
from perfsheets.collect.run import collect_returns, return_status
from perfsheets.ledger.workspace import Workspace

RATERS = ("E001", "E002", "E003", "E004", "E005", "E006", "E007")


def fill(ws: Workspace, rater: str, name: str = "", edits=None) -> Path:
    return returned(ws, rater, edits, name)


def rate_peer(value: int):
    def edit(wb) -> None:
        sheet = wb["张伟 E003"]
        sheet[find_cell(sheet, "competency:C1", "rating")].value = value

    return edit


def snapshot(ws: Workspace) -> dict[str, list[tuple]]:
    return {
        "returns": ledger_rows(ws, "SELECT * FROM returns ORDER BY return_id"),
        "entries": ledger_rows(ws, "SELECT * FROM entries ORDER BY rowid"),
        "audit": ledger_rows(
            ws, "SELECT action, subject, detail FROM audit WHERE action LIKE 'return.%'"
        ),
    }


def folder_digest(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() + str(p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_every_return_is_stored_with_hash_and_archived(ws, plan):
    for rater in RATERS:
        fill(ws, rater)
    before = folder_digest(ws.returns)
    seen: list[tuple[int, int]] = []
    result = collect_returns(ws.root, plan=plan, progress=lambda d, t: seen.append((d, t)))
    assert (result.accepted, result.rejected, result.exit_code) == (7, 0, 0)
    assert seen[-1] == (7, 7)
    for name, sha, archived in ledger_rows(ws, "SELECT file, sha256, archived FROM returns"):
        original = (ws.root / name).read_bytes()
        assert hashlib.sha256(original).hexdigest() == sha
        assert (ws.root / archived).read_bytes() == original
    assert folder_digest(ws.returns) == before  # the user's files are never modified
    # E002 rated E003 as a peer: both competencies and one comment per filled cell
    rows = ledger_rows(
        ws,
        "SELECT item_key, field, value_num, value_text FROM entries "
        "WHERE rater_id='E002' AND ratee_id='E003' ORDER BY item_key",
    )
    assert rows == [
        ("comment:improvements", "comment", None, "很好"),
        ("comment:strengths", "comment", None, "很好"),
        ("competency:C1", "rating", 4.0, None),
        ("competency:C2", "rating", 4.0, None),
    ]


def test_running_again_changes_nothing(ws, plan):
    for rater in RATERS[:4]:
        fill(ws, rater)
    collect_returns(ws.root, plan=plan)
    first = snapshot(ws)
    again = collect_returns(ws.root, plan=plan)
    assert (again.accepted, again.unchanged, again.superseded) == (0, 4, 0)
    assert snapshot(ws) == first


def test_a_resaved_identical_file_is_ignored(ws, plan):
    path = fill(ws, "E002")
    collect_returns(ws.root, plan=plan)
    first = snapshot(ws)

    def resave(wb) -> None:
        wb.properties.lastModifiedBy = "someone else"

    fill(ws, "E002", name="E002 copy.xlsx", edits=resave)  # same values, different bytes
    assert path.read_bytes() != (ws.returns / "E002 copy.xlsx").read_bytes()
    result = collect_returns(ws.root, plan=plan)
    assert result.unchanged == 2 and result.report.codes() == []
    assert snapshot(ws) == first


def test_a_corrected_file_supersedes_and_the_audit_says_so(ws, plan):
    first = fill(ws, "E002", name="v1.xlsx", edits=rate_peer(2))
    collect_returns(ws.root, plan=plan)
    fill(ws, "E002", name="v2.xlsx", edits=rate_peer(5))
    os.utime(first, (time.time() - 60, time.time() - 60))  # v1 is the older file
    result = collect_returns(ws.root, plan=plan)
    outcomes = {f.file: f.outcome for f in result.files}
    assert outcomes == {"returns/v1.xlsx": "unchanged", "returns/v2.xlsx": "superseded"}
    warning = [p for p in result.report if p.code == "duplicate-return"]
    assert len(warning) == 1 and "returns/v1.xlsx" in warning[0].message()
    assert result.exit_code == 0
    (_, by), (v2, none) = ledger_rows(
        ws, "SELECT return_id, superseded_by FROM returns ORDER BY return_id"
    )
    assert by == v2 and none is None
    audit = ledger_rows(ws, "SELECT detail FROM audit WHERE action='return.supersede'")
    assert len(audit) == 1 and '"replaced_file": "returns/v1.xlsx"' in audit[0][0]
    current = ledger_rows(
        ws,
        "SELECT e.value_num FROM entries e JOIN returns r USING (return_id) "
        "WHERE r.superseded_by IS NULL AND e.ratee_id='E003' AND e.item_key='competency:C1'",
    )
    assert current == [(5.0,)]
    # Both versions stay in the folder: the next runs never flip back to the old one.
    assert collect_returns(ws.root, plan=plan).superseded == 0
    assert len(ledger_rows(ws, "SELECT * FROM returns")) == 2  # nothing deleted


def test_two_versions_in_one_batch_the_newer_wins(ws, plan):
    old = fill(ws, "E002", name="b.xlsx", edits=rate_peer(1))
    fill(ws, "E002", name="a.xlsx", edits=rate_peer(3))
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    result = collect_returns(ws.root, plan=plan)
    assert [(f.file, f.outcome) for f in result.files] == [
        ("returns/b.xlsx", "accepted"),
        ("returns/a.xlsx", "superseded"),
    ]


def test_zip_archive_of_returns_with_chinese_names(ws, plan, tmp_path):
    """Windows' zip tool stores GBK names without the UTF-8 flag; members are named properly."""
    import zipfile

    archive = tmp_path / "returns.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for rater in ("E003", "E004"):
            zf.write(ws.root / "filled" / f"{rater}.xlsx", f"XXXXXX/{rater}.xlsx")
    raw = archive.read_bytes().replace(b"XXXXXX", "第一批".encode("gbk"))
    archive.write_bytes(raw)
    result = collect_returns(ws.root, [archive], plan=plan)
    assert result.accepted == 2
    assert sorted(f.file for f in result.files) == [
        f"{archive}/第一批/E003.xlsx",
        f"{archive}/第一批/E004.xlsx",
    ]


def test_workers_and_progress(ws, plan, monkeypatch):
    monkeypatch.setattr(collect_module, "PARALLEL_FROM", 1)
    for rater in RATERS:
        fill(ws, rater)
    (ws.returns / "junk.xlsx").write_bytes(b"junk")
    result = collect_returns(ws.root, plan=plan, workers=2)
    assert (result.accepted, result.rejected) == (7, 1)
    assert len(ledger_rows(ws, "SELECT DISTINCT return_id FROM entries")) == 7


def test_a_killed_run_leaves_the_ledger_consistent(ws, plan, monkeypatch):
    for rater in RATERS:
        fill(ws, rater)
    monkeypatch.setattr(collect_module, "COMMIT_EVERY_FILES", 2)
    real = collect_module.ReturnStore.record
    calls = {"n": 0}

    def dying(self, item):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt  # the user pressed Ctrl+C
        return real(self, item)

    monkeypatch.setattr(collect_module.ReturnStore, "record", dying)
    with pytest.raises(KeyboardInterrupt):
        collect_returns(ws.root, plan=plan, workers=0)
    kept = ledger_rows(ws, "SELECT return_id FROM returns")
    assert len(kept) == 2  # the committed batch, not the half-done one
    orphans = ledger_rows(
        ws, "SELECT COUNT(*) FROM entries WHERE return_id NOT IN (SELECT return_id FROM returns)"
    )
    assert orphans == [(0,)]
    monkeypatch.setattr(collect_module.ReturnStore, "record", real)
    result = collect_returns(ws.root, plan=plan, workers=0)
    assert (result.accepted, result.unchanged) == (5, 2)


def test_validation_files(ws, plan, tmp_path, monkeypatch):
    import openpyxl

    fill(ws, "E001")
    fill(ws, "E002", edits=rate_peer(9))
    (tmp_path / "=HYPERLINK(1).xlsx").write_bytes(b"not a workbook")
    monkeypatch.chdir(tmp_path)
    result = collect_returns(ws.root, [ws.returns, "=HYPERLINK(1).xlsx"], plan=plan)
    raw = result.validation_csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert list(rows[0]) == ["file", "sheet", "cell", "severity", "code", "message"]
    assert {r["code"] for r in rows} == {"not-allowed", "not-workbook", "partly-accepted"}
    assert "'=HYPERLINK(1).xlsx" in {r["file"] for r in rows}  # formula-injection safe
    assert all(not r[k].startswith(("=", "+", "-", "@")) for r in rows for k in r)

    book = openpyxl.load_workbook(result.validation_xlsx)
    assert book.sheetnames == ["概况", "问题", "文件", "退回清单"]
    problems = list(book["问题"].iter_rows(min_row=2, values_only=True))
    assert len(problems) == len(rows)
    send_back = list(book["退回清单"].iter_rows(min_row=2, values_only=True))
    by_rater = {row[0]: row for row in send_back}
    assert by_rater["E002"][1] == "李娜" and by_rater["E002"][4] == "被退回"
    assert by_rater["E002"][6] == "工作表：张伟 E003"  # only the faulty sheet goes back
    assert "张伟 E003" in by_rater["E002"][7] and "1, 2, 3, 4, 5" in by_rater["E002"][7]
    # E002, the five raters who returned nothing, and the unidentified file
    assert sorted(by_rater) == [
        "E002",
        "E003",
        "E004",
        "E005",
        "E006",
        "E007",
        "（无法识别，请 HR 核对）",
    ]
    assert {by_rater[r][4] for r in ("E003", "E007")} == {"未交回"}
    assert all(c.data_type != "f" for row in book["问题"].iter_rows() for c in row)


def test_validation_book_in_english(ws, plan):
    import openpyxl

    fill(ws, "E002", edits=rate_peer(9))
    result = collect_returns(ws.root, plan=plan, lang="en")
    book = openpyxl.load_workbook(result.validation_xlsx)
    assert book.sheetnames == ["Summary", "Problems", "Files", "To send back"]
    fix = next(book["To send back"].iter_rows(min_row=2, values_only=True))[7]
    assert "not an allowed choice" in fix


def test_status_per_rater_and_department(ws, plan):
    fill(ws, "E001")
    fill(ws, "E006")
    fill(ws, "E002", edits=rate_peer(9))
    collect_returns(ws.root, plan=plan)
    status = return_status(ws.root, plan=plan)
    states = {r["rater_id"]: r["state"] for r in status.rows()}
    assert states == {
        "E001": "returned",
        "E006": "returned",
        "E002": "rejected",
        "E003": "missing",
        "E004": "missing",
        "E005": "missing",
        "E007": "missing",
    }
    departments = {d["department"]: d for d in status.department_rows()}
    assert departments["销售部"] == {
        "department": "销售部",
        "raters": 5,
        "returned": 1,
        "rejected": 1,
        "missing": 3,
        "rate": 0.2,
    }
    assert departments["行政部"]["returned"] == 1
    # the corrected file arrives: E002 is returned
    fill(ws, "E002")
    collect_returns(ws.root, plan=plan)
    states = {r.rater_id: r.state for r in return_status(ws.root, plan=plan).raters}
    assert states["E002"] == "returned"


def test_no_forms_is_a_configuration_error(tmp_path, plan):
    from perfsheets.core.problems import PerfsheetsError

    Workspace(tmp_path / "empty").create()
    with pytest.raises(PerfsheetsError, match="generate"):
        collect_returns(tmp_path / "empty", plan=plan)


def test_a_known_file_is_not_read_again_and_keeps_its_warnings(ws, plan, monkeypatch):
    def typed_label(wb) -> None:
        sheet = wb["张伟 E003"]
        sheet[find_cell(sheet, "competency:C1", "rating")].value = "优秀"

    fill(ws, "E002", edits=typed_label)
    first = collect_returns(ws.root, plan=plan)
    assert first.report.codes() == ["value-normalised"]

    def never(*args, **kwargs):
        raise AssertionError("a stored file was parsed again")

    monkeypatch.setattr("perfsheets.collect.check.Book", never)
    again = collect_returns(ws.root, plan=plan)
    assert [f.outcome for f in again.files] == ["unchanged"]
    assert again.files[0].rater_id == "E002" and again.files[0].warnings == 1
    assert [p.as_row() for p in again.report] == [p.as_row() for p in first.report]
