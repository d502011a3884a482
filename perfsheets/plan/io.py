"""Loading and saving plans, whatever their form: YAML (the canonical form, :mod:`.yaml`) or the
Excel plan workbook (:mod:`.excel`), chosen by the file suffix.

Both forms load into the same :class:`~perfsheets.core.model.Plan`, and one converts to the other
without loss. Loading never stops at the first mistake: a plan that does not fit the model is
reported in full (every field, with its YAML path or sheet and cell) through a
:class:`~perfsheets.core.problems.Report` carried by
:class:`~perfsheets.plan.problems.PlanError`.
"""

from __future__ import annotations

from pathlib import Path

from perfsheets.core.model import Plan
from perfsheets.core.problems import PerfsheetsError
from perfsheets.files.atomic import atomic_write, atomic_write_text
from perfsheets.files.workspace import plan_file
from perfsheets.plan.excel.read import read_workbook
from perfsheets.plan.excel.write import write_workbook
from perfsheets.plan.schema import fit_plan
from perfsheets.plan.source import LoadedPlan
from perfsheets.plan.yaml import plan_to_yaml, read_yaml_file

YAML_SUFFIXES = (".yaml", ".yml")
EXCEL_SUFFIXES = (".xlsx",)


def load_plan(path: str | Path) -> Plan:
    """The plan in a ``.yaml``/``.yml`` file or an Excel plan workbook (``.xlsx``).

    Raises :class:`~perfsheets.plan.problems.PlanError` (a :class:`PerfsheetsError`) with a
    report of every problem when the file cannot be read or does not fit the model. Cross-field
    rules (weights summing to 100, reporting lines ...) are checked by
    :func:`perfsheets.plan.validate.validate_plan`.
    """
    return read_plan(path).plan_or_raise(path)


def workspace_plan(workspace: str | Path, plan: Plan | None = None) -> Plan:
    """``plan`` when given, else the plan of the workspace (``plan.yaml`` or ``plan.xlsx``).

    The stage functions' ``plan=None`` convention: raises PlanError for a plan that does not
    load, and PerfsheetsError when the workspace has no plan file.
    """
    if plan is not None:
        return plan
    return load_plan(plan_file(Path(workspace)))


def read_plan(path: str | Path) -> LoadedPlan:
    """Read a plan file, turning every reading or schema problem into a located Problem."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in YAML_SUFFIXES + EXCEL_SUFFIXES:
        raise PerfsheetsError(f"{path}: a plan must be a .yaml, .yml or .xlsx file")
    if not path.is_file():
        raise PerfsheetsError(f"{path}: plan file not found")
    if suffix in EXCEL_SUFFIXES:
        data, source, report = read_workbook(path)
    else:
        data, source, report = read_yaml_file(path)
    return fit_plan(data, source, report)


def dump_plan(plan: Plan, path: str | Path) -> Path:
    """Write the plan as YAML or as an Excel plan workbook, chosen by the file suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in YAML_SUFFIXES:
        return atomic_write_text(path, plan_to_yaml(plan), encoding="utf-8")
    if suffix in EXCEL_SUFFIXES:
        return atomic_write(path, lambda tmp: write_workbook(plan, tmp))
    raise PerfsheetsError(f"{path}: a plan must be written as .yaml, .yml or .xlsx")


def plan_json(plan: Plan) -> str:
    """Canonical JSON of a plan: what the ledger freezes and digests."""
    return plan.model_dump_json()
