"""Atomic file writes: a result file is either the old one or the complete new one."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def temp_beside(path: Path) -> Path:
    """A new empty temporary file next to ``path``, with the permissions of a normal new file.

    mkstemp creates files readable by their owner only; results are shared with colleagues,
    so the user's umask decides, as for any file they create.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
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
