"""What consolidation reads from the ledger and what it computes from it: plain data types."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from perfsheets.core.results import Appeal, EmployeeResult, TargetChange

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class Computation:
    """Everything :func:`compute` derives from a plan and the ledger's inputs (no I/O)."""

    results: list[EmployeeResult]
    summary: dict[str, Any]
    ratings: pd.DataFrame  # one row per rating, with calibrated points (rater detail)
    leniency: pd.DataFrame


@dataclass
class LedgerInputs:
    """The ledger rows consolidation reads, as plain data."""

    entries: pd.DataFrame  # ratee, rater, rtype, item, field, value_num, value_text, return_id
    imported: dict[tuple[str, str], tuple[float, str]] = field(default_factory=dict)
    target_changes: dict[str, list[TargetChange]] = field(default_factory=dict)
    appeals: dict[str, list[Appeal]] = field(default_factory=dict)
