"""Entry points of the pay stage: the payroll import file (``export_pay``) and the consequences
workbook (``write_consequences``).

Final grades come from the ledger (the calibration committee's decisions in force applied);
names, roles and grade coefficients from the plan frozen with the consolidation run; the pay
options (bonus months, pro rata, pools, the payroll columns) and the consequence lists from the
workspace's plan, so HR can set them after consolidating.

A salaries file with any error writes nothing (every problem listed, exit 1); warnings (people
without a salary or a grade, someone not assessed, a pool over budget) still write the files
(exit 1 too, so a script notices an over-budget pool; ``written`` tells the two apart).
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from perfsheets.core.cells import csv_safe, sheet_text
from perfsheets.core.consequences import build_consequences
from perfsheets.core.i18n import tr
from perfsheets.core.model import Lang, PayField, Plan
from perfsheets.core.problems import PerfsheetsError, Report, no_results
from perfsheets.core.results import EmployeeResult
from perfsheets.files.atomic import atomic_write, atomic_write_text
from perfsheets.ledger.results import frozen_plan, load_results, result_overview
from perfsheets.ledger.workspace import Workspace, audit
from perfsheets.pay import problems as P
from perfsheets.pay.compute import (
    PayLine,
    Person,
    PoolCheck,
    check_pools,
    columns,
    money,
    pay_line,
    period_length,
    pro_rata_share,
)
from perfsheets.pay.salaries import read_salaries
from perfsheets.plan.io import workspace_plan

PAY_FOLDER = "pay"
PAYROLL_CSV = "payroll.csv"
PAYROLL_XLSX = "payroll.xlsx"
PRIVATE = 0o600  # salaries: the owner only


@dataclass
class PayExport:
    salaries: Path
    lang: Lang = "zh-CN"
    rows: int = 0  # rows of the salaries file read
    files: list[Path] = field(default_factory=list)
    paid: int = 0  # people whose bonus was computed
    total: Decimal = Decimal("0.00")
    pools: list[PoolCheck] = field(default_factory=list)
    report: Report = field(default_factory=Report)

    @property
    def written(self) -> bool:
        return bool(self.files)

    @property
    def over_budget(self) -> int:
        """How many pools the bonuses exceed."""
        return sum(1 for p in self.pools if p.over > 0)

    @property
    def exit_code(self) -> int:
        return 1 if len(self.report) else 0


def _people(results: list[EmployeeResult], frozen: Plan | None, lang: Lang) -> list[Person]:
    names = {e.id: e.name for e in frozen.roster.employees} if frozen else {}
    roles = {r.id: r.label(lang) for r in frozen.roles} if frozen else {}
    coefficients = {g.code: g.coefficient for g in frozen.grading.levels} if frozen else {}
    return [
        Person(
            r.employee_id,
            names.get(r.employee_id, r.name),
            r.department,
            roles.get(r.role, r.role),
            r.grade,
            coefficients.get(r.grade, r.coefficient) if r.grade else None,
        )
        for r in results
    ]


def export_pay(
    workspace: str | Path,
    salaries: str | Path,
    *,
    out: str | Path | None = None,
    plan: Plan | None = None,
    lang: Lang | None = None,
) -> PayExport:
    """Bonuses of the cycle from a salaries file into ``payroll.csv`` and ``payroll.xlsx``
    (owner-only) in ``out`` (default ``results/pay/``), checked against the plan's bonus pools.
    Nothing is written when the salaries file has an error."""
    ws = Workspace(Path(workspace))
    plan = workspace_plan(ws.root, plan)
    lang = lang or plan.lang
    path = Path(salaries)
    with ws.ledger() as conn:
        results = result_overview(conn)
        frozen = frozen_plan(conn)
    if not results:
        raise no_results(lang)
    if not path.is_file():
        raise PerfsheetsError(tr(lang, f"{path}：文件不存在", f"{path}: no such file"))
    people = _people(results, frozen, lang)
    by_id = {p.employee_id: p for p in people}
    # Hire and leave dates: the workspace's roster (HR's latest), else the run's.
    employees = {e.id: e for e in (frozen.roster.employees if frozen else [])}
    employees.update(plan.employee_map())
    period = period_length(plan)
    limit = Decimal(period.numerator) / Decimal(period.denominator) if period else None
    read = read_salaries(path, set(by_id), plan.pay.pro_rata, limit, roster=set(employees))
    result = PayExport(path, lang, rows=len(read.rows), report=read.report)
    if not read.report.valid:
        return result
    lines: list[PayLine] = []
    paid: set[str] = set()
    for row in read.rows:
        person = by_id[row.employee_id]
        paid.add(row.employee_id)
        if person.grade is None:
            continue
        share = pro_rata_share(plan, employees.get(row.employee_id), row.employed, period)
        lines.append(pay_line(person, row.base, share, plan))
    for person in people:
        if person.employee_id not in paid:
            result.report.add(
                P.NOT_IN_FILE(path.name, employee=person.employee_id, name=person.name)
            )
        elif person.grade is None:
            result.report.add(P.NO_GRADE(path.name, employee=person.employee_id, name=person.name))
    lines.sort(key=lambda line: line.person.employee_id)
    result.pools = check_pools(plan, lines)
    for pool in result.pools:
        if pool.over > 0:
            result.report.add(
                P.OVER_BUDGET(
                    pool=pool.words(),
                    total=money(pool.total),
                    amount=money(pool.amount),
                    over=money(pool.over),
                    people=pool.people,
                )
            )
    result.paid = len(lines)
    result.total = sum((line.bonus for line in lines), Decimal("0.00"))
    cols = columns(plan.pay, lang)
    folder = Path(out) if out is not None else ws.results / PAY_FOLDER
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    cells = [[line.value(f) for f, _ in cols] for line in lines]
    result.files = [
        _private(folder / PAYROLL_CSV, lambda tmp: _write_csv(tmp, cols, cells)),
        _private(folder / PAYROLL_XLSX, lambda tmp: _write_xlsx(tmp, cols, cells, lang)),
    ]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with ws.ledger() as conn:
        # No amounts in the ledger: which file, how many people, which pools are over.
        audit(
            conn,
            "pay.export",
            _shown(folder / PAYROLL_CSV, ws.root),
            salaries_file=path.name,
            salaries_sha256=digest,
            rows=len(read.rows),
            employees=len(lines),
            pools_over=[p.department for p in result.pools if p.over > 0],
            warnings=len(result.report.warnings),
        )
    return result


def _shown(path: Path, root: Path) -> str:
    """A path as the audit log names it: inside the workspace relative to it."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def _private(path: Path, write: Callable[[Path], object]) -> Path:
    def owner_only(tmp: Path) -> None:
        os.chmod(tmp, PRIVATE)  # before a byte is written
        write(tmp)

    return atomic_write(path, owner_only)


def _cell(value: str | Decimal) -> str:
    return str(csv_safe(value)) if isinstance(value, str) else str(value)


Cells = list[list[str | Decimal]]  # the payroll file's rows, column by column


def _write_csv(tmp: Path, cols: list[tuple[PayField, str]], cells: Cells) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([csv_safe(header) for _, header in cols])
    writer.writerows([_cell(value) for value in row] for row in cells)
    tmp.write_text(buf.getvalue(), encoding="utf-8-sig", newline="")


def _write_xlsx(tmp: Path, cols: list[tuple[PayField, str]], cells: Cells, lang: Lang) -> None:
    import xlsxwriter  # lazy: start-up

    from perfsheets.pay.consequence_files import print_setup, text_width

    book = xlsxwriter.Workbook(
        str(tmp), {"strings_to_formulas": False, "strings_to_numbers": False, "in_memory": True}
    )
    try:
        sheet = book.add_worksheet(tr(lang, "奖金", "Bonus"))
        head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        amount = book.add_format({"num_format": "#,##0.00"})
        factor = book.add_format({"num_format": "General"})  # 1.5, 0.663, 1 (not "1.")
        text = book.add_format({"num_format": "@"})
        for c, (f, header) in enumerate(cols):
            sheet.write_string(0, c, sheet_text(header), head)
            least = 14 if f in ("base", "bonus", "name", "department") else 11
            sheet.set_column(c, c, max(least, text_width(header) + 2))
        formats = [amount if f in ("base", "bonus") else factor for f, _ in cols]
        for r, row in enumerate(cells, start=1):
            for c, value in enumerate(row):
                if isinstance(value, str):
                    sheet.write_string(r, c, sheet_text(value), text)
                else:  # a cell holds a double: the cents survive (up to 10^13)
                    sheet.write_number(r, c, float(value), formats[c])
        sheet.freeze_panes(1, 0)
        print_setup(sheet)
        if cells:
            sheet.autofilter(0, 0, len(cells), len(cols) - 1)
    finally:
        book.close()


# --- consequences -----------------------------------------------------------------------------


@dataclass
class ConsequencesFiles:
    """What ``write_consequences`` wrote and how many people are on each list."""

    workbook: Path
    table: Path
    promotion: int
    pip: int
    honours: int
    graded: int  # people with a final grade (on the sheets per grade)
    training_needs: int  # rows of the training-needs sheet (the lists: build_consequences)

    @property
    def files(self) -> list[Path]:
        return [self.workbook, self.table]


def write_consequences(
    workspace: str | Path, *, plan: Plan | None = None, lang: Lang | None = None
) -> ConsequencesFiles:
    """``results/consequences.xlsx`` (a sheet per list) and ``results/consequences.csv`` (one
    long table) from the final results."""
    from perfsheets.pay.consequence_files import consequences_csv, write_consequences_book

    ws = Workspace(Path(workspace))
    plan = workspace_plan(ws.root, plan)
    lang = lang or plan.lang
    with ws.ledger() as conn:
        results = load_results(conn, lang=lang)
        frozen = frozen_plan(conn)
    if not results:
        raise no_results(lang)
    found = build_consequences(plan, frozen or plan, results, lang)
    book = atomic_write(
        ws.results / "consequences.xlsx",
        lambda tmp: write_consequences_book(tmp, found, lang),
    )
    table = atomic_write_text(ws.results / "consequences.csv", consequences_csv(found, lang))
    with ws.ledger() as conn:
        audit(
            conn,
            "consequences.write",
            "results/consequences.xlsx",
            promotion=len(found.promotion),
            pip=len(found.pip),
            honours=len(found.honours),
        )
    return ConsequencesFiles(
        book,
        table,
        promotion=len(found.promotion),
        pip=len(found.pip),
        honours=len(found.honours),
        graded=sum(len(v) for v in found.by_grade.values()),
        training_needs=len(found.training),
    )
