"""results.xlsx written beside a consolidation run: in a forked worker for large runs, while
the ledger and the CSV files are written (xlsxwriter is the slowest step at scale), else
in-process; put in place only when the whole run succeeded."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from perfsheets.consolidation.decided import decide
from perfsheets.consolidation.results_book import write_book_file
from perfsheets.core.model import Lang, Plan
from perfsheets.core.naming import Namer
from perfsheets.core.problems import PerfsheetsError
from perfsheets.files.atomic import temp_beside

if TYPE_CHECKING:
    from perfsheets.consolidation.inputs import Computation
    from perfsheets.core.results import CalibrationStep

# Below this many employees the book is written in-process; above, a forked worker writes it
# while the ledger and the CSV files are written (xlsxwriter is the slowest step at scale).
BACKGROUND_MIN_EMPLOYEES = 2_000


class BookWriter:
    """results.xlsx of a run, written into a temporary file next to it and put in place by
    :meth:`finish` only, so a failed run leaves the previous book untouched.

    Started with the results as computed (codes and numbers), before the ledger is written: for
    large runs a forked worker names its own copy of them (:class:`Namer`) and writes the book
    meanwhile. Otherwise (small runs, no ``fork`` on Windows or macOS) :meth:`finish` writes it
    in-process from the results as the caller has named them by then.
    """

    def __init__(
        self,
        path: Path,
        comp: Computation,
        plan: Plan,
        lang: Lang,
        trails: Mapping[str, Sequence[CalibrationStep]] | None = None,
    ) -> None:
        self.path = Path(path)
        self.tmp = temp_beside(self.path)
        self.comp, self.plan, self.lang = comp, plan, lang
        self.process = None
        background = (
            len(comp.results) >= BACKGROUND_MIN_EMPLOYEES
            and (os.cpu_count() or 1) > 1
            and "fork" in multiprocessing.get_all_start_methods()
        )
        if not background:
            return
        ctx = multiprocessing.get_context("fork")
        self.errors, child_end = ctx.Pipe(duplex=False)
        self.process = ctx.Process(
            target=_book_worker,
            args=(child_end, self.tmp, comp, plan, lang, trails or {}),
            daemon=True,
        )
        self.process.start()
        child_end.close()

    def _write_here(self) -> None:
        try:
            write_book_file(self.tmp, self.comp, self.plan, self.lang)
        except BaseException:
            self.tmp.unlink(missing_ok=True)
            raise

    def finish(self) -> Path:
        """Write the book (in-process) or wait for the worker, then move the book into place."""
        if self.process is None:
            self._write_here()
        else:
            self.process.join()
            if self.process.exitcode != 0:
                message = (
                    self.errors.recv() if self.errors.poll() else f"exit {self.process.exitcode}"
                )
                self.tmp.unlink(missing_ok=True)
                raise PerfsheetsError(f"{self.path}: could not be written ({message})")
        try:
            os.replace(self.tmp, self.path)
        except OSError as exc:  # e.g. a folder or a locked file where the book goes
            self.tmp.unlink(missing_ok=True)
            raise PerfsheetsError(f"{self.path}: could not be written ({exc.strerror})") from exc
        return self.path

    def abandon(self) -> None:
        """The run failed elsewhere: stop waiting and leave the previous book in place."""
        if self.process is not None:
            self.process.join()
        self.tmp.unlink(missing_ok=True)


def _book_worker(errors, tmp: Path, comp: Computation, plan: Plan, lang: Lang, trails) -> None:
    try:
        # this process's copy, forked before the store: decided and named here as the caller
        # does with its own after the store
        decide(comp, trails, plan)
        Namer(plan, lang).name_all(comp.results)
        write_book_file(tmp, comp, plan, lang)
    except BaseException as exc:
        errors.send(f"{type(exc).__name__}: {exc}")
        raise
