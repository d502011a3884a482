"""Helpers for the collect tests: a minimal form writer following perfsheets.layout, and fillers.

The writer is deliberately independent of perfsheets.forms: it builds the layout contract by
hand (hidden key column, @columns rows, _meta sheet) and registers the forms in the ledger the
way generation does, so collect is tested against the contract itself. Tests on real generated
forms live beside these.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

from perfsheets import layout
from perfsheets.model import Plan
from perfsheets.plan_io import plan_json
from perfsheets.raters import assignments_by_rater, build_assignments
from perfsheets.workspace import Workspace, freeze_plan, now

KPI_COLUMNS = ("code", "name", "weight", "target", "baseline", "actual", "score")
RATED_COLUMNS = ("code", "name", "weight", "rating", "score")
COMMENT_COLUMNS = ("name", "text")


def write_forms(root: Path, plan: Plan) -> Workspace:
    """A workspace with one hand-made form per rater in forms/, registered in the ledger."""
    import xlsxwriter

    ws = Workspace(root).create()
    by_rater = assignments_by_rater(build_assignments(plan))
    roles = plan.role_map()
    people = plan.employee_map()
    names = {e.id: e.name for e in plan.roster.employees}
    names.update({x.id: x.name for x in plan.roster.external_raters})
    sections = {t.id: t.sections for t in plan.rater_types}
    with ws.ledger() as conn:
        version = freeze_plan(conn, plan_json(plan))
        digest = conn.execute(
            "SELECT digest FROM plan_versions WHERE version=?", (version,)
        ).fetchone()[0]
        for rater, assignments in sorted(by_rater.items()):
            form_id = f"F-{rater}"
            file = ws.forms / f"{rater}.xlsx"
            book = xlsxwriter.Workbook(str(file))
            sheets = []
            for a in assignments:
                ratee = people[a.ratee]
                role = roles[ratee.role]
                name = f"{ratee.name}-{a.type}"[:31]
                locked = _write_sheet(book, name, role, sections[a.type], a.type, plan)
                sheets.append((name, a.ratee, a.type, locked))
            meta = book.add_worksheet(layout.META_SHEET)
            values = {
                "schema_version": str(layout.FORM_SCHEMA_VERSION),
                "form_id": form_id,
                "cycle_id": plan.cycle.id,
                "plan_version": str(version),
                "plan_digest": digest,
                "rater_id": rater,
                "rater_name": names[rater],
                "language": plan.cycle.language,
                "generated_at": now(),
            }
            r = 0
            for r, key in enumerate(layout.META_FIELDS):
                meta.write_string(r, 0, key)
                meta.write_string(r, 1, values[key])
            meta.write_string(r + 1, 0, layout.SHEETS_KEY)
            for i, (name, ratee_id, rtype, _) in enumerate(sheets, start=r + 2):
                meta.write_string(i, 0, name)
                meta.write_string(i, 1, ratee_id)
                meta.write_string(i, 2, rtype)
            meta.hide()
            book.close()
            conn.execute(
                "INSERT INTO forms VALUES (?, ?, ?, ?, ?, ?)",
                (form_id, version, rater, f"forms/{file.name}", "x", now()),
            )
            conn.executemany(
                "INSERT INTO form_sheets VALUES (?, ?, ?, ?, ?)",
                [(form_id, n, ratee, t, json.dumps(lk)) for n, ratee, t, lk in sheets],
            )
    return ws


def _write_sheet(book, name, role, sections, rater_type, plan) -> dict:
    sheet = book.add_worksheet(name)
    sheet.set_column(0, 0, None, None, {"hidden": True})
    locked: dict[str, dict] = {}
    row = 0
    sheet.write_string(row, 1, f"{name}")
    row = 2
    if "kpi" in sections and role.kpis:
        _header(sheet, row, KPI_COLUMNS)
        for kpi in role.kpis:
            row += 1
            key = layout.item_key("kpi", kpi.code)
            sheet.write_string(row, 0, key)
            sheet.write_string(row, 1, kpi.code)
            sheet.write_string(row, 2, kpi.name)
            sheet.write_number(row, 3, kpi.weight)
            _num(sheet, row, 4, kpi.target)
            _num(sheet, row, 5, kpi.baseline)
            sheet.write_formula(row, 7, f'=IF(G{row + 1}="","",G{row + 1})', None, "")
            locked[key] = {"weight": kpi.weight, "target": kpi.target, "baseline": kpi.baseline}
        row += 2
    rated = []
    if "task" in sections:
        rated += [("task", t.code, t.name, t.weight) for t in role.tasks]
    if "competency" in sections:
        names = plan.competency_map()
        rated += [("competency", c.code, names[c.code].name, c.weight) for c in role.competencies]
    if rated:
        _header(sheet, row, RATED_COLUMNS)
        for kind, code, label, weight in rated:
            row += 1
            key = layout.item_key(kind, code)
            sheet.write_string(row, 0, key)
            sheet.write_string(row, 1, code)
            sheet.write_string(row, 2, label)
            sheet.write_number(row, 3, weight)
            sheet.write_formula(row, 5, f"=E{row + 1}*20", None, 0)
            locked[key] = {"weight": weight}
        row += 2
    _header(sheet, row, COMMENT_COLUMNS)
    for field in ("strengths", "improvements"):
        row += 1
        sheet.write_string(row, 0, layout.item_key("comment", field))
        sheet.write_string(row, 1, field)
    return locked


def _header(sheet, row: int, columns) -> None:
    sheet.write_string(row, 0, layout.COLUMNS_KEY)
    for c, meaning in enumerate(columns, start=1):
        sheet.write_string(row, c, meaning)


def _num(sheet, row: int, col: int, value: float | None) -> None:
    if value is not None:
        sheet.write_number(row, col, value)


# --- filling forms like people do ---------------------------------------------------------------


def find_cell(ws, key: str, meaning: str) -> str:
    """The address of an item's cell by layout (what a person sees at that place)."""
    from openpyxl.utils import get_column_letter

    columns: dict[str, int] = {}
    for row in ws.iter_rows():
        first = row[0].value
        if first == layout.COLUMNS_KEY:
            columns = {c.value: c.column for c in row[1:] if isinstance(c.value, str)}
        elif first == key:
            return f"{get_column_letter(columns[meaning])}{row[0].row}"
    raise KeyError(key)


def fill_form(src: Path, dst: Path, edits=None, *, rating: int = 4, actual: float = 90) -> Path:
    """Fill every input of a form with openpyxl (no cached formula values), then apply
    ``edits(workbook)`` for the faults a test wants, and save to ``dst``."""
    import openpyxl

    wb = openpyxl.load_workbook(src)
    for ws in wb.worksheets:
        if ws.title == layout.META_SHEET:
            continue
        columns: dict[str, int] = {}
        for row in ws.iter_rows():
            key = row[0].value
            if key == layout.COLUMNS_KEY:
                columns = {c.value: c.column - 1 for c in row[1:] if isinstance(c.value, str)}
                continue
            parsed = layout.parse_item_key(key) if isinstance(key, str) else None
            if parsed is None:
                continue
            kind, _ = parsed
            col = columns.get(layout.INPUT_COLUMNS[kind])
            if col is None or ws.cell(row[0].row, col + 1).value not in (None, ""):
                continue  # locked (imported) actuals already hold a value
            value = {"kpi": actual, "task": rating, "competency": rating}.get(kind, "很好")
            ws.cell(row[0].row, col + 1).value = value
    if edits:
        edits(wb)
    dst.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dst)
    return dst


def copy_to(src: Path, dst: Path) -> Path:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)
    return dst


def zip_files(dst: Path, files: dict[str, Path | bytes]) -> Path:
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            data = content if isinstance(content, bytes) else Path(content).read_bytes()
            archive.writestr(name, data)
    return dst
