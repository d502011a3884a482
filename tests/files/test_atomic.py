"""Atomic writes and formula-injection guards."""

import os

import pytest

from perfsheets.core.cells import csv_safe, sheet_text
from perfsheets.files.atomic import atomic_write_text


def test_atomic_write_gives_normal_permissions_and_replaces(tmp_path):
    target = tmp_path / "scores.csv"
    atomic_write_text(target, "a\n")
    atomic_write_text(target, "b\n")
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    assert target.read_text(encoding="utf-8-sig") == "b\n"
    assert [p.name for p in tmp_path.iterdir()] == ["scores.csv"]  # no temp file left


def test_failed_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "scores.csv"
    atomic_write_text(target, "old\n")

    def boom(tmp):
        tmp.write_text("half")
        raise RuntimeError("disk full")

    from perfsheets.files.atomic import atomic_write

    with pytest.raises(RuntimeError):
        atomic_write(target, boom)
    assert target.read_text(encoding="utf-8-sig") == "old\n"
    assert len(list(tmp_path.iterdir())) == 1


def test_formula_injection_and_control_characters():
    assert csv_safe("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert csv_safe("@SUM(A1)") == "'@SUM(A1)"
    assert csv_safe("张三") == "张三" and csv_safe(5) == 5
    assert sheet_text("a\x00b\x07c\nd") == "ab" + "c\nd"
