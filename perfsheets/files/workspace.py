"""The folders of a cycle workspace (the contract other tools rely on); the ledger is in ``ledger``."""

from __future__ import annotations

from pathlib import Path

from perfsheets.core.problems import PerfsheetsError

SUBDIRS = ("forms", "returns", "results", "reports", "archive")
PLAN_NAMES = ("plan.yaml", "plan.yml", "plan.xlsx")


def plan_file(root: Path) -> Path:
    """The plan file of the workspace at ``root``: plan.yaml, else plan.xlsx."""
    for name in PLAN_NAMES:
        if (root / name).exists():
            return root / name
    raise PerfsheetsError(f"{root}: no plan.yaml or plan.xlsx in this workspace")
