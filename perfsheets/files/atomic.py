"""Atomic file writes: a result file is either the old one or the complete new one."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path


def temp_beside(path: Path) -> Path:
    """A new empty temporary file next to ``path``, with the permissions of a normal new file.

    mkstemp creates files readable by their owner only; results are shared with colleagues,
    so the user's umask decides, as for any file they create.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The writer's process id in the name lets a later run tell a killed writer's leftovers
    # (see clean_stale_temps) from a file another run is writing right now.
    prefix = f".{path.stem}.{os.getpid()}."
    fd, tmp_name = tempfile.mkstemp(prefix=prefix, suffix=path.suffix, dir=path.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp_name, 0o666 & ~umask)
    return Path(tmp_name)


def atomic_write(path: Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)`` and move tmp over ``path`` only when it succeeded.

    Readers never see a half-written results file, and a crash leaves the old one intact.
    """
    path = Path(path)
    tmp = temp_beside(path)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def atomic_write_text(path: Path, text: str, encoding: str = "utf-8-sig") -> Path:
    """Write text atomically; UTF-8 with BOM by default so Excel opens CSV files correctly."""
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding=encoding, newline=""))


# --- files that are replaced together ----------------------------------------------------------

SWITCH_JOURNAL = ".switch.json"


class SwitchBlocked(OSError):
    """A staged file could not be put in place (a folder or a locked file in its way)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: could not be written ({reason})")
        self.path = path


_TEMP = re.compile(r"^\.(?:.+?)\.(?P<pid>\d+)\.[^/]+$")
_STAGING = re.compile(r"^\.staging-(?P<pid>\d+)-[^/]+$")
STALE_SECONDS = 24 * 3600  # a leftover of another machine (shared folder) after a day


def atomic_write_csv(path: Path, fields: Sequence[str], rows: Sequence[dict[str, str]]) -> Path:
    """A CSV (UTF-8 with BOM, CRLF) of ``rows`` under ``fields``, every value neutralised
    against formula injection (:func:`perfsheets.core.cells.csv_safe`), written atomically."""
    import csv
    import io

    from perfsheets.core.cells import csv_safe

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(fields), lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: csv_safe(v) for k, v in row.items()})
    return atomic_write_text(path, buf.getvalue())


def stage(folder: Path) -> Path:
    """A new hidden folder inside ``folder`` where the files of one run are written before
    :func:`switch_in` puts them in place together."""
    folder.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".staging-{os.getpid()}-", dir=folder))


def switch_in(staged: Path, folder: Path, names: Sequence[str]) -> list[Path]:
    """Move the staged files into ``folder`` as one set: a journal names them first, so a run
    killed half-way is completed by the next :func:`recover` (roll forward), and a reader never
    sees a mix of two runs' files once it has run."""
    journal = folder / SWITCH_JOURNAL
    atomic_write_text(journal, json.dumps({"staged": staged.name, "names": list(names)}), "utf-8")
    _finish(folder, staged, names)
    return [folder / name for name in names]


def _finish(folder: Path, staged: Path, names: Sequence[str]) -> None:
    for name in names:
        if (staged / name).exists():
            try:
                os.replace(staged / name, folder / name)
            except OSError as exc:
                raise SwitchBlocked(folder / name, exc.strerror or str(exc)) from exc
    (folder / SWITCH_JOURNAL).unlink(missing_ok=True)
    shutil.rmtree(staged, ignore_errors=True)


def abandon(staged: Path) -> None:
    """A run that failed before its switch: its staged files go, the old set stays."""
    shutil.rmtree(staged, ignore_errors=True)


def recover(folder: Path) -> None:
    """Finish a switch a killed run left half-done, and remove what killed writers left:
    staging folders without a journal and temporary files (their writer is gone)."""
    journal = folder / SWITCH_JOURNAL
    if journal.is_file():
        try:
            pending = json.loads(journal.read_text("utf-8"))
            _finish(folder, folder / pending["staged"], pending["names"])
        except (ValueError, KeyError, TypeError):  # a journal cut short: the switch never began
            journal.unlink(missing_ok=True)
    clean_stale_temps(folder)


def clean_stale_temps(folder: Path) -> list[Path]:
    """Delete the temporary files and staging folders of writers that are gone (killed, or on
    another machine a day ago); files being written right now stay. Returns what went."""
    gone: list[Path] = []
    if not folder.is_dir():
        return gone
    for path in folder.iterdir():
        found = (_STAGING if path.is_dir() else _TEMP).match(path.name)
        if found is None or not _stale(path, int(found["pid"])):
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        gone.append(path)
    return gone


def _stale(path: Path, pid: int) -> bool:
    with contextlib.suppress(OSError):
        if time.time() - path.stat().st_mtime > STALE_SECONDS:
            return True
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False
