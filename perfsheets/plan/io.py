"""Loading and saving plans, whatever their form: YAML (the canonical form, :mod:`.yaml`) or the
Excel plan workbook (:mod:`.excel`), chosen by the file suffix.

Both forms load into the same :class:`~perfsheets.core.model.Plan`, and one converts to the other
without loss. Loading never stops at the first mistake: a plan that does not fit the model is
reported in full (every field, with its YAML path or sheet and cell) through a
:class:`~perfsheets.core.problems.Report` carried by
:class:`~perfsheets.plan.problems.PlanError`.
"""

from __future__ import annotations

import re
from pathlib import Path

from perfsheets.core.model import Lang, Plan
from perfsheets.core.problems import PerfsheetsError
from perfsheets.files.atomic import atomic_write, atomic_write_text
from perfsheets.files.workspace import plan_file
from perfsheets.plan.excel.read import read_workbook, workbook_language
from perfsheets.plan.excel.write import write_workbook
from perfsheets.plan.schema import fit_plan
from perfsheets.plan.source import LoadedPlan
from perfsheets.plan.yaml import MAX_PLAN_BYTES, plan_to_yaml, read_yaml_file

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


_CYCLE_BLOCK = re.compile(r"^cycle:[ \t]*\n((?:[ \t]+.*\n|[ \t]*\n)*)", re.MULTILINE)
_LANGUAGE = re.compile(r"^[ \t]+language:[ \t]*['\"]?(zh-CN|en)['\"]?[ \t]*(?:#.*)?$", re.MULTILINE)


def plan_language(path: str | Path) -> Lang | None:
    """The language a plan file names (``cycle.language``) without reading the whole plan:
    every command needs it before it starts, and loading a 10,000-person plan takes a second.
    None when the file does not say (or cannot be read); the plan's default is Chinese."""
    path = Path(path)
    try:
        if path.suffix.lower() in EXCEL_SUFFIXES:
            return workbook_language(path)
        with path.open(encoding="utf-8-sig", errors="replace") as fh:
            text = fh.read(MAX_PLAN_BYTES)
    except (OSError, ValueError):
        return None
    block = _CYCLE_BLOCK.search(text)
    if block is None:
        return None
    found = _LANGUAGE.search(block.group(1))
    if found is None:
        return "zh-CN"  # the model's default
    return "en" if found.group(1) == "en" else "zh-CN"


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
