"""Atomic writes: a result file is either the old one or the complete new one."""

import os

import pytest

from perfsheets.files.atomic import atomic_write, atomic_write_text


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

    with pytest.raises(RuntimeError):
        atomic_write(target, boom)
    assert target.read_text(encoding="utf-8-sig") == "old\n"
    assert len(list(tmp_path.iterdir())) == 1
