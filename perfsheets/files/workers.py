"""Worker processes that end with the process that started them.

A killed ``perfsheets report`` (Ctrl-C twice, kill -9, a closed terminal) must not leave its
render workers running: they would go on writing PDFs nobody waits for and hold hundreds of MB
each. Every stage's pool initialiser calls :func:`die_with_parent`.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
import threading
import time

_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(poll_seconds: float = 1.0) -> None:
    """End this worker when its parent ends: the kernel's parent-death signal on Linux, and a
    watcher thread everywhere (it also covers a parent that died before the signal was set)."""
    # The process that started this one, even if it is already gone (a spawned worker takes
    # seconds to import before its initialiser runs): then os.getppid() is init's.
    started_by = multiprocessing.parent_process()
    parent = started_by.pid if started_by is not None and started_by.pid else os.getppid()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    threading.Thread(target=_watch, args=(parent, poll_seconds), daemon=True).start()


def _watch(parent: int, poll_seconds: float) -> None:
    while os.getppid() == parent:
        time.sleep(poll_seconds)
    os._exit(1)  # the parent is gone: nothing waits for this worker's results
