"""A consolidated workspace of the small plan with dates and formula-like names
(``pay_support.pay_plan``), built once (no forms, no collect: the ledger by hand, then
consolidate), copied for each test that writes into it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from ledger_builder import LedgerBuilder, rate_everyone
from pay_support import GRADES, LEVELS, pay_plan

from perfsheets.consolidation.run import consolidate
from perfsheets.core.model import Plan
from perfsheets.plan.io import dump_plan


@pytest.fixture(scope="session")
def consolidated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    lb = LedgerBuilder(tmp_path_factory.mktemp("pay") / "ws", pay_plan())
    rate_everyone(lb, LEVELS)
    result = consolidate(lb.root, previous=[])
    assert {r.employee_id: r.grade for r in result.results} == GRADES
    return lb.root


@pytest.fixture
def cycle(consolidated_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the consolidated workspace."""
    root = tmp_path / "ws"
    shutil.copytree(consolidated_template, root)
    return root


@pytest.fixture
def set_plan(cycle: Path):
    """Write a plan into the workspace (HR setting pay options after consolidating)."""

    def write(plan: Plan) -> Plan:
        dump_plan(plan, cycle / "plan.yaml")
        return plan

    return write
