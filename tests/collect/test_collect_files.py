"""Files that are not usable returns: each refused with its own code, none stopping the batch."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from collect_support import (
    copy_to,
    ledger_rows,
    returned,
    zip_files,
)

from perfsheets.collect.files import Limits
from perfsheets.collect.run import collect_returns
from perfsheets.ledger.workspace import Workspace

SAMPLES = Path(__file__).parents[1] / "samples"


@pytest.fixture
def good(ws: Workspace) -> Path:
    """A correctly filled return of E002, outside the returns folder."""
    return ws.root / "filled" / "E002.xlsx"


def collect_file(ws: Workspace, path: Path, plan, **kwargs):
    result = collect_returns(ws.root, [path], plan=plan, workers=0, **kwargs)
    assert [f.outcome for f in result.files] == ["rejected"]
    assert result.exit_code == 1
    return result


def codes(result) -> list[str]:
    return result.report.codes()


def rewrite_zip(src: Path, dst: Path, replace: dict[str, bytes], extra: dict[str, bytes] = {}):  # noqa: B006
    with zipfile.ZipFile(src) as old, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            new.writestr(info.filename, replace.get(info.filename, old.read(info)))
        for name, data in extra.items():
            new.writestr(name, data)
    return dst


def test_not_a_workbook(ws, plan):
    path = ws.returns / "scan.xlsx"
    path.write_bytes(b"%PDF-1.7\n% a scanned signature page\n")
    result = collect_file(ws, path, plan)
    assert codes(result) == ["not-workbook"]
    assert "PDF" in result.report.problems[0].message()


def test_truncated_file_is_corrupt(ws, plan, good):
    path = ws.returns / "cut.xlsx"
    path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    assert codes(collect_file(ws, path, plan)) == ["corrupt-file"]


def test_damaged_archive_member_is_unreadable(ws, plan, good):
    archive = zip_files(ws.returns / "batch.zip", {"e002.xlsx": good})
    data = bytearray(archive.read_bytes())
    start = data.index(b"e002.xlsx") + len("e002.xlsx")  # inside the member's deflated data
    data[start + 200 : start + 260] = bytes(60)
    archive.write_bytes(bytes(data))
    result = collect_file(ws, archive, plan)
    assert codes(result) == ["unreadable-return"]
    assert result.files[0].file.endswith("batch.zip/e002.xlsx")


@pytest.mark.parametrize("sample", ["encrypted.xlsx", "encrypted.xls"])
def test_password_protected(ws, plan, sample):
    result = collect_file(ws, SAMPLES / sample, plan)
    assert codes(result) == ["password-protected"]
    assert "密码" in result.report.problems[0].message()


@pytest.mark.parametrize("sample", ["legacy.xls", "legacy.ods"])
def test_legacy_formats_say_how_to_fix(ws, plan, sample):
    result = collect_file(ws, SAMPLES / sample, plan)
    assert codes(result) == ["legacy-format"]
    assert ".xlsx" in result.report.problems[0].message("en")


def test_xlsb_is_a_legacy_format(ws, plan):
    path = zip_files(
        ws.returns / "binary.xlsb",
        {"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"\x83\x01\x00"},
    )
    assert codes(collect_file(ws, path, plan)) == ["legacy-format"]


def test_oversized_file_is_not_read(ws, plan):
    path = ws.returns / "huge.xlsx"
    with path.open("wb") as fh:  # sparse: nothing is written, the size is what counts
        fh.truncate(Limits().max_file_bytes + 1)
    assert codes(collect_file(ws, path, plan)) == ["file-too-large"]


def test_zip_bomb_entry_is_refused_before_parsing(ws, plan, good):
    path = rewrite_zip(good, ws.returns / "bomb.xlsx", {}, {"xl/media/pad.bin": bytes(8 << 20)})
    assert path.stat().st_size < 200_000
    assert codes(collect_file(ws, path, plan)) == ["zip-bomb"]


def test_zip_bomb_by_total_size(ws, plan, good):
    result = collect_file(ws, good, plan, limits=Limits(max_uncompressed=50_000))
    assert codes(result) == ["zip-bomb"]


LAUGHS = b"""<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>"""


def with_entities(good: Path, dst: Path) -> Path:
    """The return with an entity-expansion (billion laughs) DOCTYPE in its workbook part."""
    with zipfile.ZipFile(good) as archive:
        xml = archive.read("xl/workbook.xml")
    end = xml.index(b"?>") + 2 if b"?>" in xml else 0
    return rewrite_zip(good, dst, {"xl/workbook.xml": xml[:end] + LAUGHS + xml[end:]})


def test_xml_entity_attack_is_refused(ws, plan, good):
    path = with_entities(good, ws.returns / "lol.xlsx")
    assert codes(collect_file(ws, path, plan)) == ["unsafe-xml"]


def test_workbook_that_is_not_a_form(ws, plan):
    import xlsxwriter

    path = ws.returns / "budget.xlsx"
    with xlsxwriter.Workbook(str(path)) as book:
        book.add_worksheet("Budget").write_string(0, 0, "Q4 budget")
    assert codes(collect_file(ws, path, plan)) == ["not-a-form"]


def test_bad_files_never_stop_the_batch(ws, plan, good):
    """Good returns among every kind of bad file all arrive; the bad ones are each reported."""
    for rater in ("E001", "E003", "E004", "E006"):
        returned(ws, rater)
    (ws.returns / "scan.xlsx").write_bytes(b"%PDF-1.4")
    (ws.returns / "cut.xlsx").write_bytes(good.read_bytes()[:3000])
    (ws.returns / "legacy.xls").write_bytes((SAMPLES / "legacy.xls").read_bytes())
    (ws.returns / "locked.xlsx").write_bytes((SAMPLES / "encrypted.xlsx").read_bytes())
    with_entities(good, ws.returns / "lol.xlsx")
    (ws.returns / "~$E001.xlsx").write_bytes(b"lock")  # Excel's lock file: passed over
    result = collect_returns(ws.root, plan=plan, workers=0)
    assert result.accepted == 4 and result.rejected == 5
    stored = {r[0] for r in ledger_rows(ws, "SELECT rater_id FROM entries")}
    assert stored == {"E001", "E003", "E004", "E006"}
    assert {f.file for f in result.files if f.outcome == "rejected"} == {
        "returns/scan.xlsx",
        "returns/cut.xlsx",
        "returns/legacy.xls",
        "returns/locked.xlsx",
        "returns/lol.xlsx",
    }


def test_a_failure_inside_perfsheets_is_reported_and_the_batch_goes_on(ws, plan, monkeypatch):
    import perfsheets.collect.run as collect_module

    real = collect_module.check_return

    def flaky(source, ctx):
        if "E003" in source.name:
            raise RuntimeError("bug")
        return real(source, ctx)

    monkeypatch.setattr(collect_module, "check_return", flaky)
    returned(ws, "E002")
    returned(ws, "E003")
    result = collect_returns(ws.root, plan=plan, workers=0)
    assert sorted(f.outcome for f in result.files) == ["accepted", "rejected"]
    assert codes(result) == ["check-failed"]


def test_every_problem_code_has_a_test_with_a_real_file():
    """Each code collect can report is asserted by name in these test files."""
    import perfsheets.collect.problems as checks
    from perfsheets.core.problems import ProblemType

    declared = {v.code for v in vars(checks).values() if isinstance(v, ProblemType)}
    here = Path(__file__).parent
    tested = "".join(p.read_text(encoding="utf-8") for p in here.glob("test_collect*.py"))
    assert declared and {c for c in declared if f'"{c}"' not in tested} == set()


def test_a_flipped_byte_that_still_parses_is_refused_by_its_crc(ws, plan, good):
    """A bit flipped in transit can leave a valid workbook with another value in it: the zip's
    CRC-32 says it is damaged, so the file is refused instead of changing a rating."""
    stored = ws.root / "stored.xlsx"
    with zipfile.ZipFile(good) as old, zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as new:
        for info in old.infolist():
            new.writestr(info.filename, old.read(info))
    intact = collect_returns(
        ws.root, [copy_to(stored, ws.returns / "ok.xlsx")], plan=plan, workers=0
    )
    assert [f.outcome for f in intact.files] == ["accepted"]  # stored members read fine
    data = bytearray(stored.read_bytes())
    with zipfile.ZipFile(stored) as z:
        sheet = next(
            i
            for i in z.infolist()
            if i.filename.startswith("xl/worksheets/sheet") and b"<v>" in z.read(i)
        )
        xml = z.read(sheet)
    at = xml.index(b"<v>") + 3  # the first number in the sheet's XML: flip one of its digits
    name_len, extra_len = (
        int.from_bytes(data[sheet.header_offset + 26 : sheet.header_offset + 28], "little"),
        int.from_bytes(data[sheet.header_offset + 28 : sheet.header_offset + 30], "little"),
    )
    pos = sheet.header_offset + 30 + name_len + extra_len + at
    data[pos] = ord("7") if data[pos] != ord("7") else ord("6")
    damaged = ws.returns / "damaged.xlsx"
    damaged.write_bytes(bytes(data))
    result = collect_file(ws, damaged, plan)
    assert codes(result) == ["corrupt-file"]
    assert "CRC-32" in result.report.problems[0].message("en")
