"""Where a stage's per-file tasks run: a local process pool or a Dask distributed cluster.

A stage describes its work as a :class:`TaskSpec` (a worker initialiser with its arguments, a
function applied to one batch, the start method a local pool needs) and hands batches to an
:class:`Executor`; it does not know which executor runs them. Results come back as
:class:`Done` records, as tasks finish (or in submission order with ``ordered=True``), with a
bounded number of tasks in flight so the driver's memory does not grow with the workload.

Workers never open the ledger: tasks return small records and the driver stores them.

``distributed`` is imported only inside :class:`DaskExecutor` (``pip install perfsheets[dask]``).
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from perfsheets.core.problems import PerfsheetsError
from perfsheets.files.workers import die_with_parent

SCHEDULER_ENV = "PERFSHEETS_SCHEDULER"
EXECUTORS = ("local", "dask")
DASK_RETRIES = 3  # a task is run again this many times when its worker is lost or it raises


@dataclass(frozen=True)
class TaskSpec:
    """A stage's work: ``init(*initargs)`` once per worker process, then ``fn(batch)`` per task."""

    fn: Callable[[Any], Any]
    init: Callable[..., None] | None = None
    initargs: tuple[Any, ...] = ()
    start_method: str = "spawn"  # of a local pool: "fork" or "spawn" (see each stage's comment)
    name: str = "task"


@dataclass
class Done:
    """The outcome of one batch: its value, or the exception it raised (``error``)."""

    index: int  # position of the batch in submission order
    batch: Any
    value: Any = None
    error: BaseException | None = None

    def where(self) -> str:
        return f"batch {self.index + 1}"


class Executor(Protocol):
    kind: str

    def workers(self) -> int: ...

    def check_workspace(self, root: Path) -> None: ...

    def map_batches(
        self, spec: TaskSpec, batches: Iterable[Any], *, ordered: bool = False
    ) -> Generator[Done, None, None]: ...


def cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))  # the cores this process may use
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


# --- the local process pool -------------------------------------------------------------------


def _local_init(init: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    die_with_parent()  # a killed driver must not leave its pool running
    if init is not None:
        init(*initargs)


def _call(fn: Callable[[Any], Any], batch: Any) -> Any:
    return fn(batch)


class LocalExecutor:
    """Today's process pool on this machine; ``workers <= 1`` runs the tasks in this process."""

    kind = "local"

    def __init__(self, workers: int | None = None, *, in_flight_per_worker: int = 3) -> None:
        self._workers = workers
        self.in_flight_per_worker = in_flight_per_worker

    def workers(self) -> int:
        return self._workers or cores()

    def check_workspace(self, root: Path) -> None:
        return None  # the workers are this machine's processes

    def map_batches(
        self, spec: TaskSpec, batches: Iterable[Any], *, ordered: bool = False
    ) -> Generator[Done, None, None]:
        workers = self.workers()
        if workers <= 1:
            yield from self._inline(spec, batches)
            return
        import multiprocessing

        method = spec.start_method
        if method not in multiprocessing.get_all_start_methods():
            method = "spawn"
        pool = ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context(method),
            initializer=_local_init,
            initargs=(spec.init, spec.initargs),
        )
        try:
            yield from _bounded(
                lambda b: pool.submit(_call, spec.fn, b),
                batches,
                workers * self.in_flight_per_worker,
                ordered,
                lambda pending: wait(pending, return_when=FIRST_COMPLETED)[0],
            )
        finally:  # an error or Ctrl-C: do not start the batches still waiting
            pool.shutdown(wait=True, cancel_futures=True)

    @staticmethod
    def _inline(spec: TaskSpec, batches: Iterable[Any]) -> Iterator[Done]:
        if spec.init is not None:
            spec.init(*spec.initargs)
        for i, batch in enumerate(batches):
            try:
                yield Done(i, batch, spec.fn(batch))
            except PerfsheetsError:
                raise
            except Exception as exc:
                yield Done(i, batch, error=exc)


def _bounded(
    submit: Callable[[Any], Any],
    batches: Iterable[Any],
    limit: int,
    ordered: bool,
    finished: Callable[[set[Any]], Iterable[Any]],
) -> Iterator[Done]:
    """Submit batches keeping at most ``limit`` in flight; yield their outcomes."""
    it = enumerate(batches)
    pending: dict[Any, tuple[int, Any]] = {}
    ready: dict[int, Done] = {}
    next_out = 0

    def fill() -> None:
        while len(pending) < limit:
            item = next(it, None)
            if item is None:
                return
            pending[submit(item[1])] = item

    fill()
    while pending:
        for fut in list(finished(set(pending))):
            index, batch = pending.pop(fut)
            try:
                done = Done(index, batch, fut.result())
            except PerfsheetsError:
                raise  # the user's error (a template, a plan): every task would fail alike
            except Exception as exc:
                done = Done(index, batch, error=exc)
            if not ordered:
                yield done
                continue
            ready[index] = done
            while next_out in ready:
                yield ready.pop(next_out)
                next_out += 1
        fill()


# --- Dask distributed -------------------------------------------------------------------------

_DASK_STATE: dict[str, Any] = {"token": None}
_DASK_LOCK = threading.Lock()


def _dask_call(token: str, spec: TaskSpec, initargs: tuple[Any, ...], batch: Any) -> Any:
    """On a Dask worker: initialise this process for the run (once), then run the batch."""
    with _DASK_LOCK:
        if _DASK_STATE["token"] != token:
            if spec.init is not None:
                spec.init(*initargs)
            _DASK_STATE["token"] = token
    return spec.fn(batch)


class DaskExecutor:
    """Tasks on a Dask distributed cluster (``tcp://HOST:PORT``), with retries on worker loss.

    The workspace must be on storage every worker sees: :meth:`check_workspace` writes a probe
    file and asks every worker whether it sees it, before any work.
    """

    kind = "dask"

    def __init__(
        self,
        scheduler: str | Any,
        *,
        retries: int = DASK_RETRIES,
        in_flight_per_worker: int = 4,
    ) -> None:
        try:
            import distributed
        except ImportError:
            raise PerfsheetsError(
                "--executor dask needs Dask distributed: pip install 'perfsheets[dask]'"
            ) from None
        self.retries, self.in_flight_per_worker = retries, in_flight_per_worker
        if isinstance(scheduler, distributed.Client):
            self.client, self._own = scheduler, False
        else:
            try:
                self.client = distributed.Client(scheduler, timeout="20s", set_as_default=False)
            except OSError as exc:
                raise PerfsheetsError(
                    f"cannot reach the Dask scheduler {scheduler}: {exc}"
                ) from None
            self._own = True

    def close(self) -> None:
        if self._own:
            self.client.close()

    def workers(self) -> int:
        return max(1, len(self.client.scheduler_info(n_workers=-1)["workers"]))

    def check_workspace(self, root: Path) -> None:
        root = Path(root).resolve()
        probe = root / f".perfsheets-probe-{secrets.token_hex(4)}"
        probe.write_text("perfsheets\n", encoding="utf-8")
        try:
            seen = self.client.run(os.path.isfile, str(probe))
        finally:
            probe.unlink(missing_ok=True)
        blind = sorted(w for w, ok in seen.items() if not ok)
        if not seen:
            raise PerfsheetsError("the Dask cluster has no workers")
        if blind:
            raise PerfsheetsError(
                f"the workspace {root} is not visible to Dask worker(s) {', '.join(blind)}: "
                "put it on storage every worker mounts at the same path (a shared filesystem)"
            )

    def map_batches(
        self, spec: TaskSpec, batches: Iterable[Any], *, ordered: bool = False
    ) -> Generator[Done, None, None]:
        from distributed import as_completed

        token = secrets.token_hex(8)
        # Sent once to every worker, not with every task (a plan can be megabytes).
        [initargs] = self.client.scatter([spec.initargs], broadcast=True, hash=False)
        stream = as_completed(loop=self.client.loop)
        limit = self.workers() * self.in_flight_per_worker

        def submit(batch: Any) -> Any:
            fut = self.client.submit(
                _dask_call, token, spec, initargs, batch, pure=False, retries=self.retries
            )
            stream.add(fut)
            return fut

        def finished(pending: set[Any]) -> list[Any]:
            return [next(stream)]

        try:
            yield from _bounded(submit, batches, limit, ordered, finished)
        finally:
            stream.clear()


def executor_from(
    name: str | None = None, scheduler: str | None = None, *, workers: int | None = None
) -> Executor:
    """``local`` (default) or ``dask`` (scheduler from ``scheduler`` or $PERFSHEETS_SCHEDULER)."""
    name = (name or "local").lower()
    if name == "local":
        return LocalExecutor(workers)
    if name == "dask":
        address = scheduler or os.environ.get(SCHEDULER_ENV)
        if not address:
            raise PerfsheetsError(
                f"--executor dask needs --scheduler tcp://HOST:PORT (or ${SCHEDULER_ENV})"
            )
        return DaskExecutor(address)
    raise PerfsheetsError(f"unknown executor {name!r}: choose one of {', '.join(EXECUTORS)}")


def close_executor(executor: Executor) -> None:
    close = getattr(executor, "close", None)
    if close is not None:
        close()
