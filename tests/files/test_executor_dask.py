"""The stages on a real Dask cluster (distributed.LocalCluster, 2 worker processes): the same
outputs as the local process pool, a lost worker's tasks run again, a failing task is a problem."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

from perfsheets.cycle.setup import init_workspace  # noqa: E402
from perfsheets.files.executor import DaskExecutor, LocalExecutor, TaskSpec  # noqa: E402
from perfsheets.forms.generate import generate_forms  # noqa: E402
from perfsheets.forms.simulate import simulate_returns  # noqa: E402

pytestmark = [pytest.mark.requires_dask, pytest.mark.slow]

EMPLOYEES = 40


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as c:
        yield c


@pytest.fixture
def dask(cluster, monkeypatch):
    from perfsheets.forms import writer

    monkeypatch.setattr(writer, "DASK_BATCH", 4)  # many tasks from a small company
    ex = DaskExecutor(cluster.scheduler_address)
    ex.in_flight_per_worker = 2
    yield ex
    ex.close()


def _digests(root: Path) -> dict[str, str]:
    with sqlite3.connect(root / "ledger.sqlite") as conn:
        rows = conn.execute("SELECT rater_id, digest FROM forms").fetchall()
    return dict(rows)


def _files(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:12]
        for p in sorted(folder.glob("*.xlsx"))
    }


def _cycle(root: Path, executor, **kw):
    init_workspace(root, example=True, employees=EMPLOYEES, seed=1)
    gen = generate_forms(root, executor=executor, **kw)
    sim = simulate_returns(root, seed=3, executor=executor)
    return gen, sim


def test_generate_and_simulate_same_as_local(tmp_path: Path, dask) -> None:
    local_gen, local_sim = _cycle(tmp_path / "local", LocalExecutor(2))
    gen, sim = _cycle(tmp_path / "dask", dask)
    assert gen.problems == [] and sim.problems == []
    assert gen.forms == local_gen.forms and sim.returned == local_sim.returned
    assert sorted(_digests(tmp_path / "dask").values()) == sorted(
        _digests(tmp_path / "local").values()
    )
    assert sorted(_files(tmp_path / "dask" / "returns")) == sorted(
        _files(tmp_path / "local" / "returns")
    )
    assert _index(tmp_path / "dask") == _index(tmp_path / "local")


def _pdf_texts(folder: Path) -> dict[str, str]:
    return {
        p.name: subprocess.run(
            ["pdftotext", "-layout", str(p), "-"], capture_output=True, text=True, check=True
        ).stdout
        for p in sorted(folder.glob("*.pdf"))
    }


@pytest.mark.requires_poppler
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler's pdftotext")
def test_whole_cycle_same_as_local(tmp_path: Path, dask, monkeypatch) -> None:
    """generate -> simulate -> collect -> consolidate -> report: same scores.csv, same reports."""
    from perfsheets.collect import run as collect_run
    from perfsheets.collect.run import collect_returns
    from perfsheets.consolidation.run import consolidate
    from perfsheets.report.render import render_reports

    monkeypatch.setattr(collect_run, "DASK_BATCH", 5)
    out = {}
    for name, executor in (("local", LocalExecutor(2)), ("dask", dask)):
        root = tmp_path / name
        _cycle(root, executor)
        collected = collect_returns(root, executor=executor)
        consolidate(root)
        rep = render_reports(root, executor=executor)
        assert not [w for w in rep.warnings if "not rendered" in w or "未生成" in w]
        out[name] = (
            sorted((f.outcome, f.file, f.rater_id) for f in collected.files),
            (root / "results" / "scores.csv").read_text(encoding="utf-8-sig"),
            _pdf_texts(root / "reports"),
            sorted(p.name for p in (root / "reports" / "managers").glob("*.pdf")),
        )
    assert out["dask"][0] == out["local"][0]
    assert out["dask"][1] == out["local"][1]
    assert out["dask"][2] == out["local"][2] and len(out["dask"][2]) >= EMPLOYEES
    assert out["dask"][3] == out["local"][3]


def _index(root: Path) -> list[list[str]]:
    """forms/index.csv without its last column (the form id carries the run's token)."""
    with (root / "forms" / "index.csv").open(encoding="utf-8-sig") as f:
        return sorted(row[:-1] for row in csv.reader(f))


def test_worker_lost_mid_run(tmp_path: Path, cluster, dask) -> None:
    """A worker killed while generating: its tasks run again elsewhere, nothing lost or doubled."""
    killed: list[str] = []
    killer = distributed.Client(cluster.scheduler_address, set_as_default=False)

    def progress(done: int, total: int) -> None:
        if not killed and done > 0:
            victim = next(iter(killer.scheduler_info()["workers"]))
            killed.append(victim)
            with contextlib.suppress(Exception):  # the worker dies before it answers
                killer.run(os._exit, 1, workers=[victim], wait=False)

    root = tmp_path / "ws"
    init_workspace(root, example=True, employees=EMPLOYEES, seed=1)
    try:
        gen = generate_forms(root, executor=dask, progress=progress)
    finally:
        killer.close()
    assert killed and gen.forms > 3 * 4  # killed after the first of many tasks
    assert gen.problems == []
    digests = _digests(root)
    assert len(digests) == gen.forms == gen.raters
    assert len(list((root / "forms").glob("*.xlsx"))) == gen.forms
    assert not list((root / "forms").glob(".*tmp*"))


def _explode(batch):
    if 3 in batch:
        raise ValueError(f"bad item {3}")
    return [x * 2 for x in batch]


def test_failing_task_is_a_located_problem(dask) -> None:
    dask.retries = 0
    outcomes = list(dask.map_batches(TaskSpec(_explode), [[1, 2], [3, 4], [5]], ordered=True))
    assert [o.index for o in outcomes] == [0, 1, 2]
    assert outcomes[0].value == [2, 4] and outcomes[2].value == [10]
    assert isinstance(outcomes[1].error, ValueError) and "bad item 3" in str(outcomes[1].error)
    assert outcomes[1].where() == "batch 2"


def test_workspace_not_visible(tmp_path: Path, dask, monkeypatch) -> None:
    from perfsheets.core.problems import PerfsheetsError

    monkeypatch.setattr(dask.client, "run", lambda *a, **k: {"tcp://w1": True, "tcp://w2": False})
    with pytest.raises(PerfsheetsError, match="not visible to Dask worker"):
        dask.check_workspace(tmp_path)
