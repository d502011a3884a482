"""Atomic writes: a result file is either the old one or the complete new one."""

import json
import os

import pytest

from perfsheets.files.atomic import (
    SWITCH_JOURNAL,
    atomic_write,
    atomic_write_text,
    recover,
    stage,
    switch_in,
    temp_beside,
)


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


# --- files replaced together -------------------------------------------------------------------


def dead_pid() -> int:
    """The id of a process that has ended."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout)


def write_set(folder, text: str, names=("scores.csv", "ratings.csv", "results.xlsx")) -> None:
    for name in names:
        (folder / name).write_text(f"{text} {name}")


def texts(folder) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(folder.iterdir())}


NAMES = ("scores.csv", "ratings.csv", "results.xlsx")


def test_a_set_of_files_is_switched_in_together(tmp_path):
    write_set(tmp_path, "old")
    staged = stage(tmp_path)
    write_set(staged, "new")
    switch_in(staged, tmp_path, NAMES)
    assert texts(tmp_path) == {n: f"new {n}" for n in sorted(NAMES)}  # no journal, no staging


def test_a_switch_cut_off_half_way_is_finished_by_the_next_run(tmp_path):
    write_set(tmp_path, "old")
    staged = tmp_path / f".staging-{dead_pid()}-abc"
    staged.mkdir()
    write_set(staged, "new")
    # the killed run had written its journal and moved the first file
    (tmp_path / SWITCH_JOURNAL).write_text(json.dumps({"staged": staged.name, "names": NAMES}))
    os.replace(staged / "scores.csv", tmp_path / "scores.csv")
    recover(tmp_path)
    assert texts(tmp_path) == {n: f"new {n}" for n in sorted(NAMES)}


def test_a_run_killed_before_its_switch_leaves_the_old_set_and_its_leftovers_go(tmp_path):
    write_set(tmp_path, "old")
    gone = dead_pid()
    staged = tmp_path / f".staging-{gone}-abc"
    staged.mkdir()
    write_set(staged, "new", names=("scores.csv",))  # killed while writing: no journal
    (tmp_path / f".validation.{gone}.x1y2.xlsx").write_bytes(b"half")
    busy = temp_beside(tmp_path / "validation.xlsx")  # this process is writing it right now
    recover(tmp_path)
    assert texts(tmp_path) == {busy.name: "", **{n: f"old {n}" for n in sorted(NAMES)}}
