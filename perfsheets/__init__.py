"""perfsheets: run a performance appraisal cycle (绩效考核) through spreadsheets.

The public API: every CLI command is one of these functions. Heavy modules (pandas, WeasyPrint)
are imported only when the function that needs them is first used, so ``import perfsheets`` and
the CLI start fast.

>>> import perfsheets as ps
>>> ws = ps.init_workspace("cycle-2026q4", employees=50)          # doctest: +SKIP
>>> ps.generate_forms(ws.root); ps.simulate_returns(ws.root)       # doctest: +SKIP
>>> ps.collect_returns(ws.root).exit_code                          # doctest: +SKIP
>>> ps.consolidate(ws.root); ps.render_reports(ws.root)            # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:  # the real objects, for users' type checkers; at run time they load lazily
    from perfsheets.collect.run import collect_returns
    from perfsheets.collect.status import return_status
    from perfsheets.consolidation.run import consolidate, rollup_year
    from perfsheets.core.model import Plan
    from perfsheets.core.problems import PerfsheetsError, Problem, Report
    from perfsheets.cycle.setup import check_workspace, init_workspace
    from perfsheets.demo import run_demo
    from perfsheets.forms.generate import generate_forms
    from perfsheets.forms.simulate import simulate_returns
    from perfsheets.ledger.workspace import Workspace
    from perfsheets.midcycle.actuals import import_actuals
    from perfsheets.midcycle.appeals import open_appeal, resolve_appeal
    from perfsheets.midcycle.progress import progress
    from perfsheets.midcycle.targets import adjust_target
    from perfsheets.plan.alignment import alignment
    from perfsheets.plan.example import example_plan
    from perfsheets.plan.io import dump_plan, load_plan
    from perfsheets.plan.validate import validate_plan
    from perfsheets.report.render import render_reports

# public name -> module that defines it
_API = {
    "Plan": "core.model",
    "load_plan": "plan.io",
    "dump_plan": "plan.io",
    "validate_plan": "plan.validate",
    "example_plan": "plan.example",
    "init_workspace": "cycle.setup",
    "check_workspace": "cycle.setup",
    "Workspace": "ledger.workspace",
    "generate_forms": "forms.generate",
    "simulate_returns": "forms.simulate",
    "collect_returns": "collect.run",
    "return_status": "collect.status",
    "consolidate": "consolidation.run",
    "rollup_year": "consolidation.run",
    "render_reports": "report.render",
    "import_actuals": "midcycle.actuals",
    "adjust_target": "midcycle.targets",
    "progress": "midcycle.progress",
    "open_appeal": "midcycle.appeals",
    "resolve_appeal": "midcycle.appeals",
    "alignment": "plan.alignment",
    "run_demo": "demo",
    "PerfsheetsError": "core.problems",
    "Problem": "core.problems",
    "Report": "core.problems",
}

__all__ = [
    "PerfsheetsError",
    "Plan",
    "Problem",
    "Report",
    "Workspace",
    "__version__",
    "adjust_target",
    "alignment",
    "check_workspace",
    "collect_returns",
    "consolidate",
    "dump_plan",
    "example_plan",
    "generate_forms",
    "import_actuals",
    "init_workspace",
    "load_plan",
    "open_appeal",
    "progress",
    "render_reports",
    "resolve_appeal",
    "return_status",
    "rollup_year",
    "run_demo",
    "simulate_returns",
    "validate_plan",
]


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'perfsheets' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
