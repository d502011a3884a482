"""Reading a filled calibration workbook back: every problem located, nothing half-read.

The file is identified by its ``_meta`` sheet and checked against the ledger's record of the
workbook (cycle, run, locked cells); each row's committee columns are checked against the plan.
The caller applies the decisions only when the report has no error (all-or-nothing per file).
"""

from __future__ import annotations

import html
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perfsheets.calibration import problems as P
from perfsheets.calibration.book import COL, INPUTS, META_SHEET, sheet_names
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


class Workbook:
    """A decision file's values (python-calamine: ~10× faster than openpyxl's reader) and the
    cells of each sheet that hold a formula (from the sheet's XML: calamine gives only values)."""

    def __init__(self, path: Path) -> None:
        from python_calamine import CalamineWorkbook  # lazy: start-up

        self.path = path
        self.book = CalamineWorkbook.from_path(str(path))
        self.sheetnames: list[str] = list(self.book.sheet_names)

    def rows(self, sheet: str) -> list[list[Any]]:
        return self.book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)

    def formula_cells(self, sheet: str) -> set[str]:
        """References ("P12") of the cells of ``sheet`` that hold a formula."""
        with zipfile.ZipFile(self.path) as zf:
            target = _sheet_part(zf, sheet)
            if target is None:
                return set()
            xml = zf.read(target).decode("utf-8", errors="replace")
        return set(_FORMULA_CELL.findall(xml))


# A cell element with a formula child: <c r="P12" s="3" t="str"><f>...</f>
_FORMULA_CELL = re.compile(r'<c\b[^>]*?\br="([A-Z]+[0-9]+)"[^>]*?>\s*<f\b')


def _sheet_part(zf: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip entry of a sheet, through xl/workbook.xml and its relationships."""
    book = zf.read("xl/workbook.xml").decode("utf-8", errors="replace")
    rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8", errors="replace")
    for attrs in re.findall(r"<sheet\b([^>]*)/?>", book):
        name = re.search(r'\bname="([^"]*)"', attrs)
        rid = re.search(r'\br:id="([^"]*)"', attrs) or re.search(r'\bid="([^"]*)"', attrs)
        if name and rid and html.unescape(name.group(1)) == sheet:
            for rel in re.findall(r"<Relationship\b([^>]*)/?>", rels):
                if f'Id="{rid.group(1)}"' in rel:
                    found = re.search(r'Target="([^"]*)"', rel)
                    if found:
                        target = found.group(1).lstrip("/")
                        return target if target.startswith("xl/") else f"xl/{target}"
    return None


def read_meta(path: Path) -> tuple[Workbook, dict[str, str]] | tuple[None, str]:
    """(open workbook, meta) or (None, why it is no calibration workbook)."""
    try:
        wb = Workbook(path)
        if META_SHEET not in wb.sheetnames:
            return None, META_SHEET
        meta = {
            str(row[0]): _text(row[1]) for row in wb.rows(META_SHEET) if len(row) > 1 and row[0]
        }
    except Exception as exc:  # any reader error: the file is not a workbook we can read
        return None, type(exc).__name__
    if meta.get("kind") != "perfsheets-calibration":
        return None, "kind"
    return wb, meta


def read_rows(wb: Workbook, name: str, plan: Plan, book: Book, out: ReadFile) -> None:
    """Check every row of the people sheet and collect its decision."""
    lang: Lang = "en" if book.lang == "en" else "zh-CN"
    sheet = sheet_names(lang)["people"]
    if sheet not in wb.sheetnames:
        out.report.add(P.SHEET_MISSING(name, sheet=sheet))
        return
    formulas = wb.formula_cells(sheet)
    grades = {g.code: g for g in plan.grading.levels}
    labels = {g.label("zh-CN").casefold(): g.code for g in plan.grading.levels}
    labels |= {g.label("en").casefold(): g.code for g in plan.grading.levels}
    seen: set[str] = set()
    where = (name, sheet)
    width = len(COL)
    for index, raw in enumerate(wb.rows(sheet)[1:], 2):
        row = list(raw[:width]) + [None] * (width - len(raw))
        cells = {key: row[col] for key, col in COL.items()}
        emp = _text(cells["employee_id"])
        if not any(_text(v) for v in row):
            continue
        locked = book.locked.get(emp)
        if locked is None or emp in seen:
            out.report.add(P.UNKNOWN_PERSON(where[0], where[1], f"A{index}", employee=emp))
            continue
        seen.add(emp)
        if not _locked_ok(cells, locked, where, index, out.report):
            continue
        inputs = {k: (f"{_letter(k)}{index}" in formulas) for k in INPUTS}
        _decision(cells, inputs, emp, locked[2], grades, labels, where, index, out)


def _locked_ok(cells: dict, locked: list, where: tuple[str, str], row: int, report: Report) -> bool:
    ok = True
    for key, expected in zip(("name", "total", "grade"), locked, strict=True):
        found = cells[key]
        same = (
            _close(found, expected)
            if isinstance(expected, float | int)
            else _text(found) == ("" if expected is None else str(expected))
        )
        if not same:
            ref = f"{_letter(key)}{row}"
            report.add(P.LOCKED_CHANGED(where[0], where[1], ref, expected=expected, found=found))
            ok = False
    return ok


def _decision(
    cells: dict,
    formulas: dict[str, bool], emp: str, before: str | None, grades: dict, labels: dict,
    where: tuple[str, str], row: int, out: ReadFile,
) -> None:  # fmt: skip
    report = out.report
    values: dict[str, str] = {}
    for key in ("committee_grade", "potential", "reason", "decided_by"):
        ref = f"{_letter(key)}{row}"
        if formulas[key]:
            report.add(P.FORMULA(where[0], where[1], ref))
            return
        values[key] = _text(cells[key])
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
            allowed = ", ".join(grades)
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
    col, letters = COL[key] + 1, ""
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _close(found: object, expected: float) -> bool:
    return isinstance(found, int | float) and abs(float(found) - float(expected)) < 1e-9
