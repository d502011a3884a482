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
from typing import Any

__version__ = "0.1.0"

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

__all__ = [*_API, "__version__"]


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'perfsheets' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
