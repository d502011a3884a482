"""Actual KPI values imported from business systems (ERP, CRM, HR) into the ledger.

An export maps employee id + KPI code to an actual value, one row each (or the code of a
加减分项 to its count, a whole number). It is read with the
same discipline as returned forms: every bad row is reported with its row and cell, and the
import is all-or-nothing — one error and nothing is written, so the ledger never holds half of
a file. Imported values win over values typed in forms (consolidation) and are pre-filled and
locked in forms generated afterwards (forms).

Accepted files: ``.csv`` / ``.txt`` (UTF-8 with or without BOM, UTF-16 with BOM, GBK/GB18030 as
Chinese ERPs export; comma, semicolon or tab separated) and ``.xlsx`` / ``.xlsm`` / ``.xls`` /
``.ods`` (read with python-calamine, first visible sheet with a recognisable header row). Columns
are found by header name, in Chinese or English, anywhere in the first rows (exports often start
with a title line).
"""

from __future__ import annotations

import hashlib
import math
import sqlite3
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from perfsheets.core.layout import column_letter
from perfsheets.core.model import Adjustment, Employee, Kpi, Plan
from perfsheets.core.problems import PerfsheetsError, ProblemType, Report, problem_type
from perfsheets.files import tables
from perfsheets.files.atomic import atomic_write
from perfsheets.ledger.changes import imported_values, store_imported_actuals
from perfsheets.ledger.workspace import Workspace, audit, now
from perfsheets.plan.io import workspace_plan

# --- problem types ----------------------------------------------------------------------------

UNREADABLE = problem_type(
    "actuals-unreadable",
    "error",
    "无法读取导入文件",
    "Import file unreadable",
    "无法读取该文件：{reason}",
    "Cannot read this file: {reason}",
)
NO_HEADER = problem_type(
    "actuals-missing-column",
    "error",
    "缺少必需的列",
    "Required column missing",
    "前 {rows} 行中找不到表头：需要“工号”“指标编码”“实际值”三列（或 employee_id、kpi_code、"
    "actual），缺少：{missing}",
    "No header row in the first {rows} rows: the columns employee_id, kpi_code and actual "
    "(or 工号, 指标编码, 实际值) are needed; missing: {missing_en}",
)
EMPTY = problem_type(
    "actuals-empty",
    "error",
    "文件中没有数据",
    "No data in the file",
    "表头下面没有任何数据行",
    "There are no data rows below the header",
)
MISSING_VALUE = problem_type(
    "actuals-missing-value",
    "error",
    "缺少工号或指标编码",
    "Employee id or KPI code missing",
    "第 {row} 行：缺少{what}，无法确定这个实际值属于谁",
    "Row {row}: {what_en} is missing, so this actual cannot be attributed",
)
UNKNOWN_EMPLOYEE = problem_type(
    "actuals-unknown-employee",
    "error",
    "工号不在名单中",
    "Unknown employee id",
    "第 {row} 行：工号 {employee} 不在考核名单中{hint}",
    "Row {row}: employee id {employee} is not in the roster{hint_en}",
)
UNKNOWN_KPI = problem_type(
    "actuals-unknown-kpi",
    "error",
    "该员工没有这个指标",
    "KPI not appraised for this employee",
    "第 {row} 行：{employee} 的岗位“{role}”没有指标 {kpi}（该岗位的指标：{codes}）",
    "Row {row}: the role '{role}' of {employee} has no KPI {kpi} (its KPIs: {codes})",
)
NOT_A_NUMBER = problem_type(
    "actuals-not-a-number",
    "error",
    "实际值不是数字",
    "Actual is not a number",
    "第 {row} 行：{employee} 的 {kpi} 实际值“{value}”不是数字",
    "Row {row}: the actual '{value}' for {employee} {kpi} is not a number",
)
OUT_OF_RANGE = problem_type(
    "actuals-out-of-range",
    "error",
    "实际值超出合理范围",
    "Actual out of range",
    "第 {row} 行：{employee} 的 {kpi} 实际值 {value} 不在方案规定的范围 {low} ~ {high} 内",
    "Row {row}: the actual {value} for {employee} {kpi} is outside the plan's range {low} to {high}",
)
DUPLICATE = problem_type(
    "actuals-duplicate",
    "error",
    "重复的行",
    "Duplicate row",
    "第 {row} 行：{employee} 的 {kpi} 在第 {first} 行已经出现过，请只保留一行",
    "Row {row}: {employee} {kpi} already appears in row {first}; keep one row only",
)
BLANK_ACTUAL = problem_type(
    "actuals-blank",
    "warning",
    "实际值为空",
    "Actual is blank",
    "第 {row} 行：{employee} 的 {kpi} 实际值为空，已跳过（原有值保持不变）",
    "Row {row}: the actual for {employee} {kpi} is blank and was skipped (any earlier value stays)",
)
NAME_MISMATCH = problem_type(
    "actuals-name-mismatch",
    "warning",
    "姓名与工号不符",
    "Name does not match the id",
    "第 {row} 行：工号 {employee} 在名单中是“{roster_name}”，文件中是“{name}”，请确认工号",
    "Row {row}: employee id {employee} is '{roster_name}' in the roster but '{name}' in the "
    "file; check the id",
)
NOT_A_COUNT = problem_type(
    "actuals-not-a-count",
    "error",
    "次数不是 0 或正整数",
    "Count is not a whole number",
    "第 {row} 行：{employee} 的加减分项 {kpi} 次数“{value}”应为 0 或正整数",
    "Row {row}: the count '{value}' for {employee} {kpi} (a bonus/penalty item) must be a "
    "whole number, 0 or more",
)
PERCENT_SCALE = problem_type(
    "actuals-percent-scale",
    "warning",
    "百分比可能写成了小数",
    "Percentage may be a fraction",
    "第 {row} 行：{employee} 的 {kpi} 以 % 计、目标为 {target}，实际值却是 {value}："
    "是否把 95% 写成了 0.95？",
    "Row {row}: {employee} {kpi} is in % with target {target} but the actual is {value}: "
    "was 95% written as 0.95?",
)

# --- column headers ---------------------------------------------------------------------------

COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "employee_id": ("工号", "员工工号", "员工编号", "员工号", "人员编号", "职工号", "employeeid", "employee", "empid", "staffid"),
    "kpi_code": ("指标编码", "指标代码", "指标编号", "kpi编码", "kpi代码", "kpicode", "kpi", "indicator", "code"),
    "actual": ("实际值", "实际完成值", "完成值", "实际", "实绩", "actual", "actualvalue", "value"),
    "name": ("姓名", "员工姓名", "name", "employeename"),
}  # fmt: skip
REQUIRED = ("employee_id", "kpi_code", "actual")
MAX_UNZIPPED_BYTES = tables.MAX_UNZIPPED_BYTES  # zip-bomb guard for xlsx (see FACTS.md)


def _norm_header(text: object) -> str:
    s = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return "".join(ch for ch in s if ch not in " _-()（）:：\t\n")


_ALIAS_INDEX = {_norm_header(a): key for key, aliases in COLUMN_ALIASES.items() for a in aliases}


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedActual:
    """One accepted row of an export."""

    employee_id: str
    kpi_code: str
    value: float
    row: int  # 1-based row in the file


@dataclass
class ImportResult:
    file: Path
    source: str
    sha256: str
    report: Report
    actuals: list[ImportedActual] = field(default_factory=list)  # rows read without error
    applied: bool = False  # True only when the report has no error (and not a dry run)
    added: int = 0  # values the ledger did not have
    replaced: int = 0  # values that changed an earlier import
    unchanged: int = 0

    @property
    def valid(self) -> bool:
        return self.report.valid


# --- reading ----------------------------------------------------------------------------------


def _find_header(rows: Sequence[Sequence[object]]) -> tuple[int, dict[str, int], list[str]]:
    """(row index, column of each field, missing required fields) of the best header row."""
    best: tuple[int, dict[str, int]] = (-1, {})
    for r, row in enumerate(rows[: tables.HEADER_SCAN_ROWS]):
        cols: dict[str, int] = {}
        for c, cell in enumerate(row):
            key = _ALIAS_INDEX.get(_norm_header(cell)) if cell not in ("", None) else None
            if key and key not in cols:
                cols[key] = c
        if len([k for k in REQUIRED if k in cols]) > len([k for k in REQUIRED if k in best[1]]):
            best = (r, cols)
    missing = [k for k in REQUIRED if k not in best[1]]
    return best[0], best[1], missing


def _text(value: object) -> str:
    """An id cell as text: Excel turns ids like 1001 into 1001.0."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFKC", str(value)).strip() if value is not None else ""


def parse_number(value: object, unit: str = "") -> float | None:
    """A cell as a finite number, or None. Text like '1,234.5', '１２３' or '95%' is accepted.

    '95%' means 95 for a KPI measured in % (its target is written 95) and 0.95 otherwise.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        s = unicodedata.normalize("NFKC", value).strip().replace(",", "").replace(" ", "")
        percent = s.endswith("%")
        try:
            number = float(s.removesuffix("%"))
        except ValueError:
            return None
        if percent and unit.strip() != "%":
            number /= 100
    else:  # dates, times ...
        return None
    return number if math.isfinite(number) else None


def _id_hint(raw: str, employees: dict[str, Employee]) -> tuple[str, str]:
    """Excel drops leading zeros of numeric ids: suggest the roster id it probably was."""
    if raw.isdigit():
        for emp_id in employees:
            if emp_id.lstrip("0") == raw.lstrip("0") and emp_id != raw:
                return (
                    f"（是否为 {emp_id}？Excel 会去掉前导零）",
                    f" (did you mean {emp_id}? Excel drops leading zeros)",
                )
    return "", ""


# --- validation -------------------------------------------------------------------------------


@dataclass
class _RowCheck:
    plan: Plan
    file: str
    sheet: str
    cols: dict[str, int]
    report: Report
    accepted: list[ImportedActual] = field(default_factory=list)
    seen: dict[tuple[str, str], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.employees = self.plan.employee_map()
        self.roles = self.plan.role_map()
        self.targets = self.plan.target_map()

    def cell(self, row: int, key: str) -> str:
        return f"{column_letter(self.cols[key])}{row}"

    def problem(self, ptype: ProblemType, row: int, key: str, **params: object) -> None:
        self.report.add(ptype(self.file, self.sheet, self.cell(row, key), row=row, **params))

    def get(self, values: Sequence[object], key: str) -> object:
        col = self.cols.get(key)
        return values[col] if col is not None and col < len(values) else ""

    def check(self, row: int, values: Sequence[object]) -> None:
        emp_id, code = _text(self.get(values, "employee_id")), _text(self.get(values, "kpi_code"))
        raw = self.get(values, "actual")
        blank = raw is None or (isinstance(raw, str) and not raw.strip())
        if not emp_id or not code:
            key = "employee_id" if not emp_id else "kpi_code"
            what = ("工号", "the employee id") if not emp_id else ("指标编码", "the KPI code")
            self.problem(MISSING_VALUE, row, key, what=what[0], what_en=what[1])
            return
        employee = self.employees.get(emp_id)
        if employee is None:
            hint, hint_en = _id_hint(emp_id, self.employees)
            self.problem(
                UNKNOWN_EMPLOYEE, row, "employee_id", employee=emp_id, hint=hint, hint_en=hint_en
            )
            return
        self._check_name(row, values, employee)
        kpi = self._kpi(row, employee, code)
        if kpi is None:
            return
        if (emp_id, code) in self.seen:
            first = self.seen[(emp_id, code)]
            self.problem(DUPLICATE, row, "employee_id", employee=emp_id, kpi=code, first=first)
            return
        self.seen[(emp_id, code)] = row
        if blank:
            self.problem(BLANK_ACTUAL, row, "actual", employee=emp_id, kpi=code)
            return
        value = parse_number(raw, kpi.unit)
        if isinstance(kpi, Adjustment):  # a 加减分项's count
            if value is None or value < 0 or not value.is_integer():
                self.problem(
                    NOT_A_COUNT, row, "actual", employee=emp_id, kpi=code, value=_text(raw)
                )
            else:
                self.accepted.append(ImportedActual(emp_id, code, value, row))
            return
        if value is None:
            self.problem(NOT_A_NUMBER, row, "actual", employee=emp_id, kpi=code, value=_text(raw))
            return
        if self._in_range(row, emp_id, kpi, value):
            self.accepted.append(ImportedActual(emp_id, code, value, row))

    def _check_name(self, row: int, values: Sequence[object], employee: Employee) -> None:
        name = _text(self.get(values, "name")) if "name" in self.cols else ""
        if name and name != employee.name:
            self.problem(
                NAME_MISMATCH,
                row,
                "name",
                employee=employee.id,
                roster_name=employee.name,
                name=name,
            )

    def _kpi(self, row: int, employee: Employee, code: str) -> Kpi | Adjustment | None:
        """The KPI of that code in the person's role, or its 加减分项 (whose count is imported
        like an actual)."""
        role = self.roles.get(employee.role)
        kpi: Kpi | Adjustment | None = role.kpi(code) if role else None
        if kpi is None and role is not None:
            kpi = next((a for a in role.adjustments if a.code == code), None)
        if kpi is None:
            codes = (
                ", ".join([k.code for k in role.kpis] + [a.code for a in role.adjustments])
                if role
                else ""
            )
            self.problem(
                UNKNOWN_KPI,
                row,
                "kpi_code",
                employee=employee.id,
                kpi=code,
                role=role.name if role else employee.role,
                codes=codes or "-",
            )
        return kpi

    def _in_range(self, row: int, emp_id: str, kpi: Kpi, value: float) -> bool:
        low, high = kpi.min_value, kpi.max_value
        if (low is not None and value < low) or (high is not None and value > high):
            self.problem(
                OUT_OF_RANGE,
                row,
                "actual",
                employee=emp_id,
                kpi=kpi.code,
                value=value,
                low="" if low is None else low,
                high="" if high is None else high,
            )
            return False
        individual = self.targets.get((emp_id, kpi.code))
        target = individual.target if individual else kpi.target
        if kpi.unit.strip() == "%" and target is not None and target > 1.5 and 0 < value <= 1.5:
            self.problem(
                PERCENT_SCALE,
                row,
                "actual",
                employee=emp_id,
                kpi=kpi.code,
                target=target,
                value=value,
            )
        return True


def _data_rows(
    rows: Sequence[Sequence[object]], start: int
) -> Iterator[tuple[int, Sequence[object]]]:
    for index in range(start, len(rows)):
        values = rows[index]
        if any(v not in ("", None) and not (isinstance(v, str) and not v.strip()) for v in values):
            yield index + 1, values


def read_actuals(file: str | Path, plan: Plan) -> tuple[list[ImportedActual], Report]:
    """Read and check an export without touching any ledger: (accepted rows, problems)."""
    path = Path(file)
    report = Report()
    try:
        found = tables.read_table(path, max_unzipped=MAX_UNZIPPED_BYTES)
    except Exception as exc:  # corrupt, encrypted, undecodable: one clear problem, no traceback
        report.add(UNREADABLE(path.name, reason=_reason(exc)))
        return [], report
    header = None
    for table in found:
        index, cols, missing = _find_header(table.rows)
        if not missing:
            header = (table, index, cols)
            break
    if header is None:
        first_missing = _find_header(found[0].rows)[2] if found else list(REQUIRED)
        sheet = found[0].sheet if found else ""
        report.add(
            NO_HEADER(
                path.name,
                sheet,
                "",
                rows=tables.HEADER_SCAN_ROWS,
                missing="、".join(COLUMN_ALIASES[k][0] for k in first_missing),
                missing_en=", ".join(first_missing),
            )
        )
        return [], report
    table, index, cols = header
    checker = _RowCheck(plan, path.name, table.sheet, cols, report)
    count = 0
    for row, values in _data_rows(table.rows, index + 1):
        count += 1
        checker.check(row, values)
    if count == 0:
        report.add(EMPTY(path.name, table.sheet, ""))
    return checker.accepted, report


def _reason(exc: Exception) -> str:
    if isinstance(exc, tables.UnreadableTable):
        if exc.__cause__ is None:  # the reader's own words
            return str(exc)[:300]
        if isinstance(exc.__cause__, Exception):  # the decoder's or calamine's error
            exc = exc.__cause__
    name = type(exc).__name__
    if name == "PasswordError":
        return "the workbook is password-protected; save an unprotected copy"
    return f"{name}: {exc}"[:300]


# --- applying ---------------------------------------------------------------------------------


def import_actuals(
    workspace: str | Path,
    file: str | Path,
    *,
    plan: Plan | None = None,
    source: str | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Import an export of actual KPI values into the workspace's ledger.

    All-or-nothing: when the report has any error, nothing is written. Otherwise every value is
    stored (replacing an earlier import of the same employee and KPI), the file is archived under
    ``archive/`` by its SHA-256, and one audit entry records who imported what, with every
    replaced value (old and new). ``dry_run`` checks the file without writing anything.
    """
    ws = Workspace(Path(workspace))
    path = Path(file)
    if not path.is_file():
        raise PerfsheetsError(f"{path}: no such file")
    plan = workspace_plan(ws.root, plan)
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    actuals, report = read_actuals(path, plan)
    result = ImportResult(path, source or path.name, sha, report, actuals)
    if not report.valid or dry_run:
        return result
    with ws.ledger() as conn:
        _apply(conn, ws, result, data)
    result.applied = True
    return result


def _apply(conn: sqlite3.Connection, ws: Workspace, result: ImportResult, data: bytes) -> None:
    existing = imported_values(conn)
    stamp = now()
    replaced: list[dict[str, object]] = []
    for a in result.actuals:
        old = existing.get((a.employee_id, a.kpi_code))
        if old is None:
            result.added += 1
        elif old == a.value:
            result.unchanged += 1
        else:
            result.replaced += 1
            replaced.append(
                {"employee": a.employee_id, "kpi": a.kpi_code, "old": old, "new": a.value}
            )
    store_imported_actuals(
        conn, ((a.employee_id, a.kpi_code, a.value) for a in result.actuals), result.source, stamp
    )
    archived = ws.archive / f"{result.sha256}{result.file.suffix.lower()}"
    if not archived.exists():  # content-addressed: a second copy would be identical
        atomic_write(archived, lambda tmp: tmp.write_bytes(data))
    audit(
        conn,
        "actuals.import",
        result.file.name,
        source=result.source,
        sha256=result.sha256,
        archived=str(archived.relative_to(ws.root)),
        rows=len(result.actuals),
        added=result.added,
        replaced=replaced,
        unchanged=result.unchanged,
    )
