"""Consolidation's CSV files for HR: scores.csv and ratings.csv of a run, year_scores.csv of a
year roll-up.

Written atomically, UTF-8, every text cell through :func:`perfsheets.core.cells.csv_safe` so
nothing a person typed becomes a formula in a spreadsheet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from perfsheets.core.calibration import decision_reason
from perfsheets.core.cells import csv_safe
from perfsheets.core.model import Lang, Plan
from perfsheets.files.atomic import atomic_write_text

if TYPE_CHECKING:
    import pandas as pd

    from perfsheets.consolidation.history import YearRollup
    from perfsheets.consolidation.inputs import Computation
    from perfsheets.core.results import EmployeeResult


def write_csvs(
    folder: Path, comp: Computation, plan: Plan, lang: Lang, lap: Callable[[str], None]
) -> dict[str, Path]:
    """Write scores.csv and ratings.csv of a consolidation in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {"scores": write_scores_csv(folder / "scores.csv", comp.results, plan, lang)}
    lap("scores.csv")
    files["ratings"] = write_ratings_csv(folder / "ratings.csv", comp.ratings, lang, plan)
    lap("ratings.csv")
    return files


SCORE_FIELDS = (
    "employee_id",
    "name",
    "department",
    "role",
    "role_name",
    "manager_id",
    "kpi_score",
    "task_score",
    "competency_score",
    "adjustment_points",
    "total_score",
    "grade",
    "grade_before_quota",
    "coefficient",
    "consequence",
    "complete",
    "missing_types",
    "rank_in_department",
    "department_size",
    "flags",
)


def _csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else csv_safe(v) for v in row])
    return buf.getvalue()


# Added after the calibration committee has decided (the grade column is then the final grade).
CALIBRATION_FIELDS = ("consolidated_grade", "calibration_reason", "calibration_decided_by")


def write_scores_csv(path: Path, results: Sequence[EmployeeResult], plan: Plan, lang: Lang) -> Path:
    """results/scores.csv: one row per employee (UTF-8 with BOM, formula-injection safe)."""
    calibrated = any(r.calibration_trail for r in results)
    header = SCORE_FIELDS + CALIBRATION_FIELDS * calibrated
    rows = (
        (
            r.employee_id,
            r.name,
            r.department,
            r.role,
            r.role_name,
            r.manager_id,
            r.section_scores.get("kpi"),
            r.section_scores.get("task"),
            r.section_scores.get("competency"),
            r.adjustment_points,
            r.total_score,
            r.grade,
            r.grade_before_quota,
            r.coefficient,
            r.consequence,
            "yes" if r.complete else "no",
            ";".join(r.missing_types),
            r.rank_in_department,
            r.department_size,
            ";".join(r.flags),
        )
        + (_calibration_columns(r, lang) if calibrated else ())
        for r in results
    )
    return atomic_write_text(path, _csv_text(header, rows))


def _calibration_columns(r: EmployeeResult, lang: Lang) -> tuple[str, str, str]:
    step = r.decision if r.committee_grade else None
    if step is None:
        return (r.quota_grade or "", "", "")
    return (r.quota_grade or "", decision_reason(step, lang), step.decided_by)


RATING_FIELDS = (
    "employee_id",
    "employee_name",
    "department",
    "rater_id",
    "rater_name",
    "rater_type",
    "item",
    "rating",
    "points",
    "calibrated_points",
)


def rating_detail(ratings: pd.DataFrame, plan: Plan) -> pd.DataFrame:
    """The long rater-detail table (one row per rating) with names, safe for CSV/xlsx."""
    import pandas as pd  # heavy: loaded on first use, not at start-up

    names = {x.id: x.name for x in plan.roster.external_raters}
    names.update({e.id: e.name for e in plan.roster.employees})
    depts = {e.id: e.department for e in plan.roster.employees}
    if ratings.empty:
        return pd.DataFrame(columns=list(RATING_FIELDS))
    return pd.DataFrame(
        {
            "employee_id": ratings["ratee"],
            "employee_name": ratings["ratee"].map(names),
            "department": ratings["ratee"].map(depts),
            "rater_id": ratings["rater"],
            "rater_name": ratings["rater"].map(names).fillna(""),
            "rater_type": ratings["rtype"],
            "item": ratings["item"],
            "rating": ratings["value"],
            "points": ratings["raw_points"],
            "calibrated_points": ratings["points"].round(2),
        }
    )


def write_ratings_csv(path: Path, ratings: pd.DataFrame, lang: Lang, plan: Plan) -> Path:
    """results/ratings.csv: every rating with rater and points (rater detail, long format)."""
    detail = rating_detail(ratings, plan)
    columns = []
    for col in RATING_FIELDS:
        values = detail[col].astype(object).tolist()
        if col not in ("rating", "points", "calibrated_points"):
            safe = {v: csv_safe(v) for v in set(values)}  # few distinct names: check each once
            values = [safe[v] for v in values]
        columns.append(values)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(RATING_FIELDS)
    writer.writerows(zip(*columns, strict=True))
    return atomic_write_text(path, buf.getvalue())


def write_year_csv(path: Path, rollup: YearRollup, plan: Plan, lang: Lang) -> Path:
    """year_scores.csv: one row per employee of the year roll-up."""
    periods = sorted({p.period for r in rollup.results for p in r.parts})
    header = ["employee_id", "name", "department", "role"]
    header += [f"{p}_mean" for p in periods] + ["year_score", "grade", "coefficient", "complete"]
    header += ["partial", "missing_parts", "missing_periods", "grade_by_score"]
    rows = []
    for r in rollup.results:
        means = {p.period: p.mean for p in r.parts}
        rows.append(
            [r.employee_id, r.name, r.department, r.role]
            + [means.get(p) for p in periods]
            + [r.year_score, r.grade, r.coefficient, "yes" if r.complete else "no"]
            + ["yes" if r.partial else "no", ";".join(r.missing_parts)]
            + [";".join(r.missing_periods), r.grade_by_score or ""]
        )
    return atomic_write_text(path, _csv_text(header, rows))
