"""Reading the salaries file: employee id and bonus base (and, optionally for pro rata, the months
or days employed in the period, which otherwise come from the roster), every bad cell a located
problem.

Accepted files: CSV (UTF-8 with or without BOM, or GBK/GB18030 as Chinese payroll systems
export) and workbooks (first visible sheet with a recognisable header in its first rows).
Headers in Chinese or English (工号 / employee_id, 奖金基数 / 基本工资 / base, 在职月数 /
months_employed, 在职天数 / days_employed). Amounts are read as typed, into exact decimals.

Salaries are sensitive: what is read here stays in memory; the ledger records only the file's
name, digest and row count.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from perfsheets.core.layout import column_letter
from perfsheets.core.problems import ProblemType, Report, Text
from perfsheets.files.tables import HEADER_SCAN_ROWS, Table, UnreadableTable, read_table
from perfsheets.pay import problems as P

COLUMNS: dict[str, tuple[str, ...]] = {
    "employee_id": ("工号", "员工工号", "员工编号", "人员编号", "职工号", "employeeid", "employee", "empid", "staffid", "id"),
    "base": ("奖金基数", "基本工资", "月薪", "月工资", "基数", "base", "bonusbase", "salary", "basesalary"),
    "months_employed": ("在职月数", "在岗月数", "monthsemployed", "months"),
    "days_employed": ("在职天数", "在岗天数", "daysemployed", "days"),
    "name": ("姓名", "员工姓名", "name"),
}  # fmt: skip
WORDS: dict[str, Text] = {
    "employee_id": Text("工号", "employee id"),
    "base": Text("奖金基数", "bonus base"),
    "months_employed": Text("在职月数", "months employed"),
    "days_employed": Text("在职天数", "days employed"),
}


def _norm(text: object) -> str:
    s = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return "".join(ch for ch in s if ch not in " _-()（）:：\t\n*")


_INDEX = {_norm(a): key for key, aliases in COLUMNS.items() for a in aliases}


@dataclass(frozen=True)
class Salary:
    employee_id: str
    base: Decimal
    employed: Decimal | None  # months or days employed in the period; None: the whole period
    row: int  # the file's row (1-based)


@dataclass
class Salaries:
    file: str
    sheet: str = ""
    rows: list[Salary] = field(default_factory=list)
    report: Report = field(default_factory=Report)


def _text(value: object) -> str:
    """A cell as text: Excel turns an id like 1001 into 1001.0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFKC", str(value)).strip()


def parse_amount(value: object) -> Decimal | None:
    """A cell as an exact decimal, as typed ('12,000.50', '￥8000' and full-width digits too);
    None when it is no finite number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # repr gives the shortest text that reads back as the float: what the cell shows.
        return Decimal(repr(value)) if value == value and abs(value) != float("inf") else None
    if not isinstance(value, str):
        return None  # dates, times ...
    s = unicodedata.normalize("NFKC", value).strip()
    for noise in (",", " ", "¥", "￥", "元", "RMB", "CNY"):
        s = s.replace(noise, "")
    try:
        number = Decimal(s)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _header(rows: Sequence[Sequence[object]]) -> tuple[int, dict[str, int]]:
    """The row (0-based) among the first ones naming the most known columns, and their columns."""
    best: tuple[int, dict[str, int]] = (-1, {})
    for r, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        cols: dict[str, int] = {}
        for c, cell in enumerate(row):
            key = _INDEX.get(_norm(cell)) if cell not in ("", None) else None
            if key and key not in cols:
                cols[key] = c
        score = ("employee_id" in cols) + ("base" in cols)
        if score > ("employee_id" in best[1]) + ("base" in best[1]):
            best = (r, cols)
    return best


def read_salaries(
    path: Path,
    known: set[str],
    pro_rata: str = "none",
    limit: Decimal | None = None,
    roster: set[str] | frozenset[str] = frozenset(),
) -> Salaries:
    """The rows of a salaries file and every problem in it. ``known``: the employee ids of the
    cycle's results; ``roster``: the ids on the roster (someone on it who was not assessed is a
    warning and gets no bonus; an id on neither is an error); ``pro_rata``: "months" or "days"
    when the plan pays part-period employees pro rata (that column, when the file has it,
    overrides the roster's dates); ``limit``: the period's months or days."""
    out = Salaries(path.name)
    try:
        tables = read_table(path)
    except UnreadableTable as exc:
        out.report.add(P.UNREADABLE(path.name, reason=str(exc)))
        return out
    needed = ["employee_id", "base"]
    employed_key = {"months": "months_employed", "days": "days_employed"}.get(pro_rata)
    chosen: tuple[Table, int, dict[str, int]] | None = None
    for table in tables or [Table("", [])]:
        r, cols = _header(table.rows)
        if chosen is None or len(cols) > len(chosen[2]):
            chosen = (table, r, cols)
        if all(k in cols for k in needed):
            chosen = (table, r, cols)
            break
    assert chosen is not None
    table, header_row, cols = chosen
    out.sheet = table.sheet
    missing = [k for k in needed if k not in cols]
    for key in missing:
        accepted = ", ".join(COLUMNS[key])
        out.report.add(
            P.MISSING_COLUMN(
                path.name, table.sheet, rows=HEADER_SCAN_ROWS, column=WORDS[key], accepted=accepted
            )
        )
    if missing:
        return out
    if employed_key not in cols:
        employed_key = None  # from the roster
    _rows(out, table, header_row, cols, known, roster, employed_key, limit)
    return out


@dataclass
class _Rows:
    """Checks the data rows of a salaries table into ``out``."""

    out: Salaries
    table: Table
    cols: dict[str, int]

    def add(self, ptype: ProblemType, row: int, key: str, **params: object) -> None:
        cell = f"{column_letter(self.cols[key])}{row}"
        problem = ptype(self.out.file, self.table.sheet, cell, row=row, column=WORDS[key], **params)
        self.out.report.add(problem)

    def get(self, values: Sequence[object], key: str) -> object:
        c = self.cols.get(key)
        return values[c] if c is not None and c < len(values) else ""

    def number(
        self, values: Sequence[object], row: int, key: str, emp: str, *, required: bool
    ) -> tuple[bool, Decimal | None]:
        """(the cell is usable, its value: None when empty)."""
        raw = self.get(values, key)
        text = _text(raw)
        if not text:
            if required:
                self.add(P.EMPTY, row, key)
            return not required, None
        number = parse_amount(raw)
        if number is None:
            self.add(P.NOT_A_NUMBER, row, key, employee=emp, value=text)
            return False, None
        if number < 0:
            self.add(P.NEGATIVE, row, key, employee=emp, value=text)
            return False, None
        return True, number


def _rows(
    out: Salaries,
    table: Table,
    header_row: int,
    cols: dict[str, int],
    known: set[str],
    roster: set[str] | frozenset[str],
    employed_key: str | None,
    limit: Decimal | None,
) -> None:
    check = _Rows(out, table, cols)
    first: dict[str, int] = {}
    for r in range(header_row + 1, len(table.rows)):
        values = table.rows[r]
        row = r + 1
        if all(_text(v) == "" for v in values):
            continue
        emp = _text(check.get(values, "employee_id"))
        if not emp:
            check.add(P.EMPTY, row, "employee_id")
            continue
        ok = True
        if emp in first:
            check.add(P.DUPLICATE_ID, row, "employee_id", employee=emp, first=first[emp])
            ok = False
        else:
            first[emp] = row
        if emp not in known and emp in roster:
            check.add(P.NOT_ASSESSED, row, "employee_id", employee=emp)
            ok = False
        elif emp not in known:
            check.add(P.UNKNOWN_EMPLOYEE, row, "employee_id", employee=emp)
            ok = False
        base_ok, base = check.number(values, row, "base", emp, required=True)
        employed = None
        if employed_key is not None:
            employed_ok, employed = check.number(values, row, employed_key, emp, required=False)
            if employed is not None and limit is not None and employed > limit:
                check.add(
                    P.OUT_OF_RANGE,
                    row,
                    employed_key,
                    employee=emp,
                    value=_plain(employed),
                    limit=_plain(limit),
                )
                employed_ok = False
            ok = ok and employed_ok
        if ok and base_ok and base is not None:
            out.rows.append(Salary(emp, base, employed, row))
    if not first:
        out.report.add(P.NO_ROWS(out.file, table.sheet))


def _plain(x: Decimal) -> str:
    """12 rather than 12.0 or 1.2E+1."""
    text = format(x.normalize(), "f")
    return text
