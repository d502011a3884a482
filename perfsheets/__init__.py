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
    "Plan": "model",
    "load_plan": "plan_io",
    "dump_plan": "plan_io",
    "validate_plan": "validate",
    "example_plan": "example",
    "init_workspace": "cycle",
    "check_workspace": "cycle",
    "Workspace": "workspace",
    "generate_forms": "forms",
    "simulate_returns": "simulate",
    "collect_returns": "collect",
    "return_status": "collect",
    "consolidate": "consolidation",
    "rollup_year": "consolidation",
    "render_reports": "report",
    "import_actuals": "actuals",
    "adjust_target": "adjust",
    "progress": "cycle_progress",
    "open_appeal": "appeals",
    "resolve_appeal": "appeals",
    "alignment": "goal_alignment",
    "run_demo": "demo",
    "PerfsheetsError": "problems",
    "Problem": "problems",
    "Report": "problems",
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
