"""The run's files with the calibration committee's decisions in force: final grades in
scores.csv and results.xlsx, the consolidated ones and the trail beside them.

:func:`consolidate` writes them so when decisions exist; :func:`write_final_books` rewrites them
from the stored run after a decision file is applied (nothing is computed again: the results,
the summary and the rater detail are the run's own).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from perfsheets.consolidation.csv_files import RATING_FIELDS, write_scores_csv
from perfsheets.consolidation.decided import with_decisions
from perfsheets.consolidation.fairness import LENIENCY_COLUMNS
from perfsheets.consolidation.inputs import Computation
from perfsheets.consolidation.results_book import write_results_book
from perfsheets.core.i18n import tr
from perfsheets.core.model import Lang
from perfsheets.core.naming import Namer
from perfsheets.core.problems import PerfsheetsError, no_results
from perfsheets.ledger.results import frozen_plan, run_summary, stored_results
from perfsheets.ledger.workspace import Workspace


def write_final_books(workspace: str | Path, *, lang: Lang | None = None) -> dict[str, Path]:
    """Rewrite results/scores.csv and results/results.xlsx of the latest run with the decisions
    in force (after ``calibrate --apply``). results/ratings.csv, the run's rater detail, is read
    back for the detail sheet and left as it is."""
    ws = Workspace(Path(workspace))
    with ws.ledger() as conn:
        plan = frozen_plan(conn)
        results = stored_results(conn)  # the decisions in force applied
        summary = run_summary(conn)
    if plan is None or not results:
        raise no_results(lang or "zh-CN")
    lang = lang or plan.lang
    Namer(plan, lang).name_all(results)
    comp = Computation(
        results,
        with_decisions(summary, results, plan),
        read_ratings(ws.results / "ratings.csv", lang),
        _frame(summary.get("leniency") or [], LENIENCY_COLUMNS),
    )
    return {
        "scores": write_scores_csv(ws.results / "scores.csv", results, plan, lang),
        "results": write_results_book(ws.results / "results.xlsx", comp, plan, lang),
    }


def read_ratings(path: Path, lang: Lang) -> Any:
    """The run's ratings.csv as the rating frame the detail sheet takes (ratee, rater, rtype,
    item, value, raw_points, points)."""
    if not path.is_file():
        raise PerfsheetsError(
            tr(
                lang,
                f"{path}：文件不存在（汇总时写出的评分明细）：请重新运行 perfsheets consolidate",
                f"{path}: missing (the rater detail consolidation wrote): run 'perfsheets "
                "consolidate' again",
            ),
            exit_code=1,
        )
    import pandas as pd  # heavy: loaded on first use, not at start-up

    text = {c: str for c in RATING_FIELDS if c not in ("rating", "points", "calibrated_points")}
    table = pd.read_csv(path, encoding="utf-8-sig", dtype=text, keep_default_na=False)
    if set(RATING_FIELDS) - set(table.columns):
        raise PerfsheetsError(
            tr(
                lang,
                f"{path}：不是 perfsheets 写出的评分明细：请重新运行 perfsheets consolidate",
                f"{path}: not the rater detail perfsheets wrote: run 'perfsheets consolidate'"
                " again",
            ),
            exit_code=1,
        )
    number = {c: pd.to_numeric(table[c], errors="coerce") for c in RATING_FIELDS[-3:]}
    return pd.DataFrame(
        {
            "ratee": table["employee_id"],
            "rater": table["rater_id"],
            "rtype": table["rater_type"],
            "item": table["item"],
            "value": number["rating"],
            "raw_points": number["points"],
            "points": number["calibrated_points"],
        }
    )


def _frame(records: list[dict[str, Any]], columns: Sequence[str]) -> Any:
    import pandas as pd  # heavy: loaded on first use, not at start-up

    return pd.DataFrame(records, columns=list(columns))
