"""Untrusted cell text: formula injection in CSV files, control characters in sheets."""

from perfsheets.core.cells import csv_safe, sheet_text


def test_formula_injection_and_control_characters():
    assert csv_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert csv_safe("@SUM(A1)") == "'@SUM(A1)"
    assert csv_safe("张三") == "张三" and csv_safe(5) == 5
    assert sheet_text("a\x00b\x07c\nd") == "ab" + "c\nd"
