"""Fixtures of the collect tests: the small plan with its size guards, and a private copy of a
workspace with generated and correctly filled forms (made once per session); a test file may
define its own (test_collect_sheets gives everyone an e-mail address)."""

from __future__ import annotations

from pathlib import Path

import pytest
from collect_support import bounded_plan, prepared_workspace

from perfsheets.ledger.workspace import Workspace


@pytest.fixture
def plan(small_plan):
    return bounded_plan(small_plan)


@pytest.fixture
def ws(tmp_path: Path, tmp_path_factory, plan) -> Workspace:
    return prepared_workspace(tmp_path_factory, "cycle", plan, tmp_path / "cycle")
