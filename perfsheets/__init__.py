"""perfsheets: run a performance appraisal cycle (绩效考核) through spreadsheets.

The public API lives here; heavy modules (pandas, WeasyPrint) are imported only when the function
that needs them is called, so ``import perfsheets`` and the CLI start fast.
"""

from __future__ import annotations

__version__ = "0.1.0"
