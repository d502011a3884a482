"""Reading a filled calibration workbook back: every problem located, nothing half-read.

The file is identified by its ``_meta`` sheet and checked against the ledger's record of the
workbook (cycle, run, locked cells); each row's committee columns are checked against the plan.
The caller applies the decisions only when the report has no error (all-or-nothing per file).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perfsheets.calibration import problems as P
from perfsheets.calibration.book import COL, META_SHEET, sheet_names
from perfsheets.core.calibration import POTENTIALS, potential_code, potential_text
from perfsheets.core.model import Lang, Plan
from perfsheets.core.problems import Report
from perfsheets.ledger.calibration import Book, Decision

MAX_TEXT = 2000


@dataclass
class ReadFile:
    """What a decision file says: its meta, its decisions and the problems found."""

    meta: dict[str, str] = field(default_factory=dict)
    decisions: list[Decision] = field(default_factory=list)
    cells: dict[str, str] = field(default_factory=dict)  # employee -> committee grade cell
    report: Report = field(default_factory=Report)


def read_meta(path: Path, name: str) -> tuple[Any, dict[str, str]] | tuple[None, str]:
    """(open workbook, meta) or (None, why it is no calibration workbook)."""
    import openpyxl  # lazy: start-up

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # any reader error: the file is not a workbook we can read
        return None, f"{type(exc).__name__}"
    if META_SHEET not in wb.sheetnames:
        wb.close()
        return None, META_SHEET
    meta = {
        str(row[0]): "" if row[1] is None else str(row[1])
        for row in wb[META_SHEET].iter_rows(min_col=1, max_col=2, values_only=True)
        if row and row[0] is not None and len(row) > 1
    }
    if meta.get("kind") != "perfsheets-calibration":
        wb.close()
        return None, "kind"
    return wb, meta


def read_rows(wb: Any, name: str, plan: Plan, book: Book, out: ReadFile) -> None:
    """Check every row of the people sheet and collect its decision."""
    lang: Lang = "en" if book.lang == "en" else "zh-CN"
    sheet = sheet_names(lang)["people"]
    if sheet not in wb.sheetnames:
        out.report.add(P.SHEET_MISSING(name, sheet=sheet))
        return
    ws = wb[sheet]
    ws.reset_dimensions()  # a sheet dimension written wrong would hide rows (see FACTS)
    grades = {g.code: g for g in plan.grading.levels}
    labels = {g.label("zh-CN").casefold(): g.code for g in plan.grading.levels}
    labels |= {g.label("en").casefold(): g.code for g in plan.grading.levels}
    seen: set[str] = set()
    for index, row in enumerate(ws.iter_rows(min_row=2), 2):
        cells = {key: row[col] if col < len(row) else None for key, col in COL.items()}
        emp = _text(cells["employee_id"])
        if not emp and not any(_text(cells[k]) for k in ("committee_grade", "reason")):
            continue
        where = (name, sheet)
        locked = book.locked.get(emp)
        if locked is None or emp in seen:
            out.report.add(P.UNKNOWN_PERSON(where[0], where[1], f"A{index}", employee=emp))
            continue
        seen.add(emp)
        if not _locked_ok(cells, locked, where, index, out.report):
            continue
        _decision(cells, emp, locked[2], grades, labels, where, index, out)


def _locked_ok(cells: dict, locked: list, where: tuple[str, str], row: int, report: Report) -> bool:
    ok = True
    for key, expected in zip(("name", "total", "grade"), locked, strict=True):
        found = cells[key].value if cells[key] is not None else None
        same = (
            _close(found, expected)
            if isinstance(expected, float | int)
            else _text(cells[key]) == ("" if expected is None else str(expected))
        )
        if not same:
            ref = f"{_letter(key)}{row}"
            report.add(P.LOCKED_CHANGED(where[0], where[1], ref, expected=expected, found=found))
            ok = False
    return ok


def _decision(
    cells: dict, emp: str, before: str | None, grades: dict, labels: dict,
    where: tuple[str, str], row: int, out: ReadFile,
) -> None:  # fmt: skip
    report = out.report
    values: dict[str, str] = {}
    for key in ("committee_grade", "potential", "reason", "decided_by"):
        cell = cells[key]
        ref = f"{_letter(key)}{row}"
        if cell is not None and cell.data_type == "f":
            report.add(P.FORMULA(where[0], where[1], ref))
            return
        values[key] = _text(cell)
        if len(values[key]) > MAX_TEXT:
            report.add(P.TEXT_TOO_LONG(where[0], where[1], ref, limit=MAX_TEXT))
            return
    if not any(values.values()):
        return
    grade = values["committee_grade"]
    code = None
    if grade:
        code = grade if grade in grades else labels.get(grade.casefold())
        if code is None:
            allowed = "、".join(grades)
            report.add(
                P.GRADE_UNKNOWN(
                    *where, f"{_letter('committee_grade')}{row}", value=grade, allowed=allowed
                )
            )
            return
    potential = None
    if values["potential"]:
        potential = potential_code(values["potential"])
        if potential is None:
            allowed = " / ".join(
                f"{potential_text(c, 'zh-CN')} {potential_text(c, 'en')}" for c in POTENTIALS
            )
            report.add(
                P.POTENTIAL_UNKNOWN(
                    *where,
                    f"{_letter('potential')}{row}",
                    value=values["potential"],
                    allowed=allowed,
                )
            )
            return
    if code is not None and code != before:
        change = {"before": before or "—", "after": code}
        if not values["reason"]:
            report.add(P.REASON_MISSING(where[0], where[1], f"{_letter('reason')}{row}", **change))
            return
        if not values["decided_by"]:
            report.add(
                P.DECIDER_MISSING(where[0], where[1], f"{_letter('decided_by')}{row}", **change)
            )
            return
    out.cells[emp] = f"{_letter('committee_grade')}{row}"
    out.decisions.append(
        Decision(emp, before, code, potential, values["reason"], values["decided_by"])
    )


def _letter(key: str) -> str:
    from openpyxl.utils import get_column_letter  # lazy: start-up

    return str(get_column_letter(COL[key] + 1))


def _text(cell: Any) -> str:
    if cell is None or cell.value is None:
        return ""
    value = cell.value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _close(found: object, expected: float) -> bool:
    return isinstance(found, int | float) and abs(float(found) - float(expected)) < 1e-9
