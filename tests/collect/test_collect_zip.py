"""Archives of returns as people send them: same names twice, hostile paths, a zip inside a zip,
RAR and 7z files, and a large zip read in one pass. Real generated forms, filled with openpyxl."""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path

import pytest
from collect_support import put, returned, zip_files

from perfsheets.collect.run import collect_returns
from perfsheets.ledger.workspace import Workspace

PEER = "张伟 E003"


def filled(ws: Workspace, rater: str) -> Path:
    return ws.root / "filled" / f"{rater}.xlsx"


def outcomes(result) -> dict[str, str]:
    return {f.file.rsplit("/", 1)[-1] if "/" in f.file else f.file: f.outcome for f in result.files}


def test_two_members_of_the_same_name_are_both_read_and_named(ws, plan, tmp_path):
    v1 = returned(ws, "E002", put(PEER, "competency:C1", 2), name="v1.xlsx").read_bytes()
    v2 = returned(ws, "E002", put(PEER, "competency:C1", 5), name="v2.xlsx").read_bytes()
    archive = tmp_path / "batch.zip"
    with zipfile.ZipFile(archive, "w") as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name: that is the point
        zf.writestr("E002.xlsx", v1)
        zf.writestr("E003.xlsx", filled(ws, "E003").read_bytes())
        zf.writestr("E002.xlsx", v2)
    result = collect_returns(ws.root, [archive], plan=plan, workers=0)
    names = sorted(f.file.rsplit("/", 1)[-1] for f in result.files)
    assert names == ["E002.xlsx #1", "E002.xlsx #3", "E003.xlsx"]
    twins = [p for p in result.report if p.code == "duplicate-member"]
    assert sorted(p.file.rsplit("/", 1)[-1] for p in twins) == ["E002.xlsx #1", "E002.xlsx #3"]
    assert "#3" in twins[0].message("en") and "E002.xlsx" in twins[0].message()
    assert sum(f.outcome in ("accepted", "superseded") for f in result.files) == 3


@pytest.mark.parametrize("name", ["..\\..\\x.xlsx", "../x.xlsx", "/etc/x.xlsx", "C:/x.xlsx"])
def test_a_member_pointing_outside_the_archive_is_a_located_problem(ws, plan, tmp_path, name):
    archive = zip_files(
        tmp_path / "batch.zip", {name: filled(ws, "E002"), "ok/E003.xlsx": filled(ws, "E003")}
    )
    result = collect_returns(ws.root, [archive], plan=plan, workers=0)
    (problem,) = result.report.problems
    assert problem.code == "unsafe-member-name" and problem.file.endswith(f"batch.zip/{name}")
    assert name in problem.message("en") and "压缩包之外" in problem.message()
    assert outcomes(result)["E003.xlsx"] == "accepted"
    assert result.exit_code == 1


def test_a_zip_inside_a_zip_is_looked_into_one_level(ws, plan, tmp_path):
    deeper = zip_files(tmp_path / "deeper.zip", {"E004.xlsx": filled(ws, "E004")})
    inner = zip_files(
        tmp_path / "inner.zip", {"E003.xlsx": filled(ws, "E003"), "deeper.zip": deeper}
    )
    archive = zip_files(
        tmp_path / "all.zip", {"E002.xlsx": filled(ws, "E002"), "第二批.zip": inner}
    )
    result = collect_returns(ws.root, [archive], plan=plan, workers=0)
    files = {f.file: f.outcome for f in result.files}
    top = str(archive)
    assert files[f"{top}/E002.xlsx"] == "accepted"
    assert files[f"{top}/第二批.zip/E003.xlsx"] == "accepted"
    assert files[f"{top}/第二批.zip/deeper.zip"] == "rejected"
    (problem,) = result.report.problems
    assert problem.code == "nested-archive"
    assert "deeper.zip" in problem.message("en") and "一层" in problem.message()


@pytest.mark.parametrize(
    ("name", "magic", "word"),
    [("returns.rar", b"Rar!\x1a\x07\x01\x00", "RAR"), ("returns.7z", b"7z\xbc\xaf\x27\x1c", "7z")],
)
def test_rar_and_7z_say_what_they_are_and_how_to_send(ws, plan, tmp_path, name, magic, word):
    path = ws.returns / name
    path.write_bytes(magic + bytes(200))
    inside = zip_files(tmp_path / "mixed.zip", {f"also/{name}": path.read_bytes()})
    result = collect_returns(ws.root, [path, inside], plan=plan, workers=0)
    assert result.report.codes() == ["other-archive", "other-archive"]
    problem = result.report.problems[0]
    assert f"This is a {word} archive" in problem.message("en")
    assert ".xlsx" in problem.message("en") and ".zip" in problem.message("en")
    assert f"{word} 压缩包" in problem.message("zh-CN")


@pytest.mark.slow
def test_a_large_zip_is_opened_once(ws, plan, tmp_path, monkeypatch):
    data = filled(ws, "E002").read_bytes()
    archive = zip_files(tmp_path / "big.zip", {f"copies/{i:04}.xlsx": data for i in range(300)})
    opened: list[object] = []
    real = zipfile.ZipFile.__init__

    def counting(self, file, *args, **kwargs):
        if getattr(file, "name", file) in (archive, str(archive)):
            opened.append(file)
        real(self, file, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "__init__", counting)
    result = collect_returns(ws.root, [archive], plan=plan, workers=0)
    assert len(opened) == 1
    assert (result.accepted, result.unchanged, result.rejected) == (1, 299, 0)


def test_a_damaged_member_is_refused_by_its_crc(ws, plan, tmp_path):
    data = filled(ws, "E002").read_bytes()
    archive = tmp_path / "stored.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("E002.xlsx", data)
    raw = bytearray(archive.read_bytes())
    raw[raw.index(b"E002.xlsx") + 9 + 500] ^= 0x01  # one bit inside the stored member
    archive.write_bytes(bytes(raw))
    result = collect_returns(ws.root, [archive], plan=plan, workers=0)
    assert result.report.codes() == ["unreadable-return"]
    assert "CRC-32" in result.report.problems[0].message("en")
