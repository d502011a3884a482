"""Helpers for the collect tests: real generated forms, filled the way people and scripts do.

Cells are found by the layout (item key + column meaning), never by fixed addresses, so the
tests follow the contract of perfsheets.core.layout rather than one generator's choices.
"""

from __future__ import annotations

import hashlib
import pickle
import shutil
import subprocess
import zipfile
from pathlib import Path

from perfsheets.core import layout
from perfsheets.core.model import Plan
from perfsheets.ledger.workspace import Workspace

_PARSED: dict[str, bytes] = {}


def load_workbook(path: Path):
    """``openpyxl.load_workbook(path)``, parsed once per file content: openpyxl spends most of a
    load re-styling merged cells, and the tests open the same generated forms again and again.
    Each call returns a workbook of its own (unpickled), free to edit and save."""
    data = Path(path).read_bytes()
    key = hashlib.sha256(data).hexdigest()
    if key not in _PARSED:
        import openpyxl

        _PARSED[key] = pickle.dumps(openpyxl.load_workbook(path))
    return pickle.loads(_PARSED[key])


def make_workspace(root: Path, plan: Plan) -> Workspace:
    """A workspace with generated forms (one per rater) registered in the ledger, and each
    form filled correctly (with openpyxl) in ``filled/<rater id>.xlsx``, outside returns/."""
    from perfsheets.forms.generate import generate_forms

    generate_forms(root, plan=plan, workers=1)
    ws = Workspace(root)
    with ws.ledger() as conn:
        raters = [r for (r,) in conn.execute("SELECT rater_id FROM forms")]
    for rater in raters:
        fill_form(form_path(ws, rater), root / "filled" / f"{rater}.xlsx")
    return ws


_TEMPLATES: dict[str, Path] = {}


def prepared_workspace(factory, name: str, plan: Plan, root: Path) -> Workspace:
    """A private copy at ``root`` of a workspace made by :func:`make_workspace` once per test
    session (``factory`` is pytest's tmp_path_factory): generating and filling is the slow part."""
    if name not in _TEMPLATES:
        _TEMPLATES[name] = make_workspace(factory.mktemp(name) / "cycle", plan).root
    shutil.copytree(_TEMPLATES[name], root)
    return Workspace(root)


def form_path(ws: Workspace, rater_id: str) -> Path:
    """The current generated form of a rater."""
    with ws.ledger() as conn:
        (file,) = conn.execute(
            "SELECT file FROM forms WHERE rater_id=? ORDER BY rowid DESC LIMIT 1", (rater_id,)
        ).fetchone()
    return ws.forms / file


def returned(ws: Workspace, rater: str, edits=None, name: str = "") -> Path:
    """The rater's filled form dropped into returns/ (under the form's name by default),
    after ``edits(workbook)`` made the faults a test wants."""
    filled = ws.root / "filled" / f"{rater}.xlsx"
    dst = ws.returns / (name or form_path(ws, rater).name)
    if edits is None:
        return copy_to(filled, dst)
    wb = load_workbook(filled)
    edits(wb)
    wb.save(dst)
    return dst


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


def record_cell(sheet, key: str, meaning: str = "value"):
    """A record sheet's (interview record, PIP) cell: the key's row, in the column the
    @columns row above it names."""
    columns: dict[str, int] = {}
    for r in range(1, sheet.max_row + 1):
        k = sheet.cell(r, 1).value
        if k == "@columns":
            columns = {sheet.cell(r, c).value: c for c in range(2, 8) if sheet.cell(r, c).value}
        elif k == key:
            return sheet.cell(r, columns[meaning])
    raise KeyError(key)


def put(sheet: str, key: str, value: object, meaning: str | None = None):
    """An edit that types ``value`` into an item's cell (its input cell by default)."""
    kind = key.partition(":")[0]

    def edit(wb) -> None:
        ws = wb[sheet]
        ws[find_cell(ws, key, meaning or layout.INPUT_COLUMNS[kind])].value = value

    return edit


def saved_at(path: Path, when) -> Path:
    """Record ``when`` as the workbook's save time in docProps/core.xml (Excel, WPS,
    LibreOffice and openpyxl write the time of each save there), rewriting the file."""
    import re

    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path) as archive:
        parts = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in parts:
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, data)
            archive.writestr(info, data)
    return path


def fill_form(src: Path, dst: Path, edits=None, *, rating: int = 4, actual: float = 90) -> Path:
    """Fill every input of a form with openpyxl (no cached formula values), then apply
    ``edits(workbook)`` for the faults a test wants, and save to ``dst``."""
    wb = load_workbook(src)
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
            value = {"kpi": actual, "task": rating, "competency": rating, "adjustment": 1}.get(
                kind, "很好"
            )
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


def bounded_plan(plan: Plan) -> Plan:
    """The small plan with bounds on the collection-rate KPI (a percent KPI, 0..100)."""
    roles = []
    for role in plan.roles:
        kpis = [
            k.model_copy(update={"min_value": 0.0, "max_value": 100.0}) if k.code == "S02" else k
            for k in role.kpis
        ]
        roles.append(role.model_copy(update={"kpis": kpis}))
    return plan.model_copy(update={"roles": roles})


def without(plan: Plan, employee_id: str) -> Plan:
    """The plan with one employee marked as having left."""
    people = [
        e.model_copy(update={"is_active": False}) if e.id == employee_id else e
        for e in plan.roster.employees
    ]
    return plan.model_copy(update={"roster": plan.roster.model_copy(update={"employees": people})})


def ledger_rows(ws: Workspace, sql: str, *args: object) -> list[tuple]:
    with ws.ledger() as conn:
        return conn.execute(sql, args).fetchall()


def record_forms_workspace(
    root: Path,
    consolidated: Path,
    *,
    pips_from=None,
    collect_records: bool = False,
    collect_pips: bool = False,
) -> Path:
    """A copy at ``root`` of the consolidated example with its interview record forms written
    (the simulated records collected when ``collect_records``) and, from the date ``pips_from``,
    its PIP forms (the simulated PIPs collected when ``collect_pips``); returns/ left empty."""
    from perfsheets.collect.run import collect_returns
    from perfsheets.interview.generate import write_interview_forms
    from perfsheets.interview.simulate import simulate_records
    from perfsheets.pip.generate import write_pip_forms
    from perfsheets.pip.simulate import simulate_pips

    shutil.copytree(consolidated, root)
    clear_returns(root)
    write_interview_forms(root)
    if collect_records:
        collect_returns(root, simulate_records(root, seed=1, missing=0).files)
        clear_returns(root)
    if pips_from is not None:
        write_pip_forms(root, start=pips_from)
        if collect_pips:
            collect_returns(root, simulate_pips(root, seed=1).files)
    return root


def clear_returns(root: Path) -> None:
    """Empty returns/ (what was collected stays in the ledger)."""
    for old in (root / "returns").iterdir():
        old.unlink()


def copied(src: Path, tmp_path: Path) -> Path:
    """A private copy of a module's workspace for one test."""
    return Path(shutil.copytree(src, tmp_path / "ws"))


def resave_with_libreoffice(files: list[Path], out: Path, profile: Path) -> list[Path]:
    """Have LibreOffice open and save each file as xlsx (its own writer, its own XML)."""
    out.mkdir()
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile.as_uri()}",  # never hand off to a running office
            "--headless",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out),
            *map(str, files),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return [out / f.name for f in files]
