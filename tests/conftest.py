"""Shared fixtures: the small plan, an empty workspace, a built wheel, fresh interpreters; and the
markers of tests that need an outside program."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from plan_support import FIVE, make_small_plan

from perfsheets.core.model import Plan
from perfsheets.ledger.workspace import Workspace

__all__ = ["FIVE", "make_small_plan"]  # still importable from conftest by older tests

TESTS = Path(__file__).resolve().parent


@pytest.fixture
def small_plan() -> Plan:
    return make_small_plan()


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """An empty cycle workspace (ledger created, no plan); a test folder may define its own."""
    return Workspace(tmp_path / "cycle").create()


@pytest.fixture
def under_two_hash_seeds() -> Callable[[str], set[str]]:
    """Runs Python code in two fresh interpreters with different hash seeds and gives the set of
    what they printed. One element means the output depends on neither set/dict order nor
    ``hash()``; running a function twice in one process cannot show that. The code may import
    the test helpers (``plan_support`` ...)."""

    def run(code: str) -> set[str]:
        outputs = set()
        for seed in ("1", "2"):
            path = os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")]))
            env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": path}
            done = subprocess.run(
                [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
            )
            outputs.add(done.stdout)
        return outputs

    return run


@pytest.fixture(scope="session")
def consolidated_example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built-in example with 40 people, every return in, consolidated: the starting point of
    the stages after consolidation (calibration, interview records, PIPs). Built once per test
    run: under pytest-xdist the first worker that asks builds it in the run's shared temporary
    folder and the others wait for it (a file lock). Copy it (shutil.copytree) before changing
    it."""
    import fcntl

    from perfsheets.collect.run import collect_returns
    from perfsheets.consolidation.run import consolidate
    from perfsheets.cycle.setup import init_workspace
    from perfsheets.forms.generate import generate_forms
    from perfsheets.forms.simulate import simulate_returns

    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the folder of this run, shared by its workers
    root = base / "consolidated-example" / "ws"
    done = root.parent / "done"
    with open(base / "consolidated-example.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            if root.exists():  # a worker that failed halfway
                import shutil

                shutil.rmtree(root)
            init_workspace(root, example=True, employees=40, seed=1, force=True)
            generate_forms(root)
            simulate_returns(root, seed=1, missing=0, mistakes=0)
            collect_returns(root)
            consolidate(root, previous=[])
            done.touch()
    return root


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from a copy of this checkout (built once per test run)."""
    import shutil

    root = TESTS.parent
    work = tmp_path_factory.mktemp("wheel")
    src = work / "src"
    junk = (".git", ".hypothesis", ".benchmarks", ".*cache", "build", "dist", "*.egg-info")
    junk += ("__pycache__", "workbooks", "perfsheets-demo")
    shutil.copytree(root, src, symlinks=True, ignore=shutil.ignore_patterns(*junk))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(work / "dist"), src],
        check=True,
        capture_output=True,
    )
    (wheel,) = (work / "dist").glob("perfsheets-*.whl")
    return wheel


# Tests that need an outside program carry a marker. Where the program is missing they are
# skipped on a developer's machine, but fail in CI (CI=true), where setup must have installed it.
_PROGRAMS = {
    "requires_soffice": "soffice",
    "requires_poppler": "pdftotext",
    "requires_dovecot": "/usr/sbin/dovecot",
}


# What makes a test slow, whatever its module: it drives LibreOffice, poppler (on rendered PDFs),
# a mail server or a Dask cluster, or it stands on a workspace built by every stage up to mailed
# reports. These are the integration tests; `pytest -m "not slow"` is the quick loop, CI runs
# them all. Modules that render PDFs throughout say so themselves (pytestmark).
_SLOW_MARKERS = ("requires_soffice", "requires_poppler", "requires_dovecot", "requires_dask")
_SLOW_FIXTURES = frozenset({"smtp", "smtp_tls", "dovecot", "released_ws"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    import shutil

    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if any(m in item.keywords for m in _SLOW_MARKERS) or fixtures & _SLOW_FIXTURES:
            item.add_marker(pytest.mark.slow)

    for marker, program in _PROGRAMS.items():
        if shutil.which(program) or os.environ.get("CI"):
            continue
        skip = pytest.mark.skip(reason=f"needs {program} (bash scripts/setup.sh --test)")
        for item in items:
            if marker in item.keywords:
                item.add_marker(skip)
