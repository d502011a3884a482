"""Reading typed values: what is normalised (with a note), what is refused."""

from __future__ import annotations

import datetime as dt

import pytest

from perfsheets.collect.book import column_index, formula_refs
from perfsheets.collect.files import sniff
from perfsheets.collect.values import ItemSpec, read_number, read_rating, read_text
from perfsheets.core.layout import cell_ref, column_letter

FIVE = ItemSpec(
    "competency",
    "C1",
    "团队合作",
    scale_values=(1, 2, 3, 4, 5),
    labels=(("不合格", 1), ("unsatisfactory", 1), ("优秀", 5), ("outstanding", 5)),
)


@pytest.mark.parametrize(
    ("raw", "unit", "value", "notes"),
    [
        (85.0, "", 85.0, ()),
        (85, "", 85.0, ()),
        ("", "", None, ()),
        ("   ", "", None, ()),
        ("85", "", 85.0, ("text",)),
        (" 85 ", "", 85.0, ("text", "spaces")),
        ("８５", "", 85.0, ("text", "fullwidth")),
        ("８５．５", "", 85.5, ("text", "fullwidth")),
        ("－３", "", -3.0, ("text", "fullwidth")),
        ("1,234.5", "", 1234.5, ("text", "thousands")),
        ("1,234,567", "", 1234567.0, ("text", "thousands")),
        ("85%", "%", 85.0, ("text", "unit")),
        ("85 ％", "%", 85.0, ("text", "fullwidth", "unit")),
        ("120万元", "万元", 120.0, ("text", "unit")),
        (".5", "", 0.5, ("text",)),
    ],
)
def test_numbers_normalised(raw, unit, value, notes):
    assert read_number(raw, unit=unit) == (value, notes, None)


@pytest.mark.parametrize(
    ("raw", "unit"),
    [
        ("85%", ""),  # a percent sign where the KPI is not a percentage
        ("85%", "万元"),
        ("1,5", ""),  # a decimal comma or a mistyped separator: ambiguous
        ("12,34", ""),
        ("about 90", ""),
        ("约90", ""),
        ("90左右", ""),
        ("1e3", ""),
        ("inf", ""),
        ("nan", ""),
        (True, ""),
        (dt.datetime(2026, 12, 1), ""),
        ("%", "%"),
    ],
)
def test_ambiguous_numbers_refused(raw, unit):
    value, _, error = read_number(raw, unit=unit)
    assert value is None and error is not None


@pytest.mark.parametrize(
    ("raw", "value", "notes"),
    [
        (4.0, 4.0, ()),
        (5, 5.0, ()),
        ("3", 3.0, ("text",)),
        ("４", 4.0, ("text", "fullwidth")),
        ("优秀", 5.0, ("label",)),
        ("Outstanding", 5.0, ("label",)),
        ("5 优秀", 5.0, ("label",)),
        ("5-优秀", 5.0, ("label",)),
        ("1（不合格）", 1.0, ("label",)),
        ("", None, ()),
    ],
)
def test_ratings(raw, value, notes):
    assert read_rating(raw, FIVE) == (value, notes, None)


@pytest.mark.parametrize("raw", [6, 0, 3.5, "很好", "5 不合格", "A", True, "4,5"])
def test_ratings_refused(raw):
    value, _, error = read_rating(raw, FIVE)
    assert value is None and error is not None


def test_text():
    assert read_text("  很好 \n") == "很好"
    assert read_text(3.0) == "3"
    assert read_text(None) == ""


def test_cell_addresses():
    assert [column_letter(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]
    assert [column_index(s) for s in ("A", "Z", "AA", "ZZ", "AAA")] == [0, 25, 26, 701, 702]
    assert cell_ref(9, 9) == "J10"


def test_formula_cells_found_in_sheet_xml():
    xml = (
        b'<worksheet><sheetData><row r="1"><c r="A1" s="1"><v>1</v></c>'
        b'<c r="J10" t="str"><f>1+2</f><v>3</v></c><c r="K10"><f t="shared" si="0"/></c>'
        b'<c r="B2"/></row></sheetData><dataValidations><dataValidation sqref="J10">'
        b"<formula1>0</formula1></dataValidation></dataValidations></worksheet>"
    )
    assert formula_refs(xml) == {(9, 9), (9, 10)}
    prefixed = xml.replace(b"<", b"<x:").replace(b"<x:/", b"</x:")
    assert formula_refs(prefixed) == {(9, 9), (9, 10)}


def test_sniffing():
    assert sniff(b"PK\x03\x04rest") == "zip"
    assert sniff(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest") == "ole"
    assert sniff(b"%PDF-1.7") == "pdf"
    assert sniff(b"  <html><table>") == "xml"
    assert sniff(b"") == "empty"
    assert sniff(b"name,score\n") == "other"
