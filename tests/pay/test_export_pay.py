"""export-pay on real files: hand-worked bonuses (base × bonus months × coefficient × share),
pro rata by days and by months from the roster's dates, pools over budget, the payroll mapping's
headers in the CSV and the workbook, owner-only files, neutralised formulas, salaries files in
GBK, UTF-8 with BOM and xlsx, and bad inputs that write nothing.

Every expected figure below is worked by hand from the salaries and the grades in tests/pay_support.py
(bonus months 1.5: S 1.5 × 1.5 = 2.25, A 1.8, B 1.5, C 1.2 times the base), rounded half away
from zero to the cent.
"""

from __future__ import annotations

import csv
import io
import stat
import struct
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from pay_support import EVIL, pay_plan, with_pay
from typer.testing import CliRunner

from perfsheets.cli import app
from perfsheets.core.model import BonusPool, PayColumn
from perfsheets.pay.run import export_pay

BASES = {
    "E001": "20000",
    "E002": "1000.02",  # × 2.25 = 2250.045: 2250.05 (floats give 2250.04)
    "E003": "9876.55",
    "E004": "8000",
    "E005": "6543.21",  # × 1.2 = 7851.852
    "E006": "7000",
    "E007": "5000.50",
}
NAMES = {"E001": "王经理", "E002": "李娜", "E003": "张伟", "E004": "刘洋"}
NAMES |= {"E005": "+1", "E006": "赵敏", "E007": EVIL}
FULL = {  # no pro rata
    "E001": "45000.00",
    "E002": "2250.05",
    "E003": "17777.79",
    "E004": "14400.00",
    "E005": "7851.85",
    "E006": "10500.00",
    "E007": "6000.60",
}
DEFAULT_HEADER = ["工号", "姓名", "部门", "绩效等级", "奖金基数", "奖金月数", "绩效系数", "在职比例", "绩效奖金"]  # fmt: skip
runner = CliRunner()


def salaries_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8-sig") -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def table(bases: dict[str, str] | None = None) -> list[list[str]]:
    return [["工号", "奖金基数"], *([e, b] for e, b in (bases or BASES).items())]


def payroll_rows(folder: Path) -> list[dict[str, str]]:
    data = (folder / "payroll.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def bonuses(folder: Path, column: str = "绩效奖金") -> dict[str, str]:
    return {r["工号"]: r[column] for r in payroll_rows(folder)}


def run_cli(args: list[str], code: int) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output


def test_hand_worked_bonuses_without_pro_rata(cycle: Path, set_plan) -> None:
    set_plan(with_pay(pay_plan(), bonus_months=1.5))
    out = export_pay(cycle, salaries_csv(cycle.parent / "s.csv", table()))
    assert out.report.codes() == [] and out.exit_code == 0
    folder = cycle / "results" / "pay"
    assert out.files == [folder / "payroll.csv", folder / "payroll.xlsx"]
    rows = payroll_rows(folder)
    assert list(rows[0]) == DEFAULT_HEADER
    assert {r["工号"]: r["绩效奖金"] for r in rows} == FULL
    assert out.total == Decimal("103780.29") and out.paid == 7
    e003 = next(r for r in rows if r["工号"] == "E003")
    assert e003 == {
        "工号": "E003",
        "姓名": "张伟",
        "部门": "销售部",
        "绩效等级": "A",
        "奖金基数": "9876.55",
        "奖金月数": "1.5",
        "绩效系数": "1.2",
        "在职比例": "1",
        "绩效奖金": "17777.79",
    }
    assert next(r for r in rows if r["工号"] == "E004")["奖金基数"] == "8000.00"


def test_pro_rata_by_days_from_the_roster(cycle: Path, set_plan) -> None:
    set_plan(with_pay(pay_plan(), bonus_months=1.5, pro_rata="days"))
    export_pay(cycle, salaries_csv(cycle.parent / "s.csv", table()))
    rows = {r["工号"]: r for r in payroll_rows(cycle / "results" / "pay")}
    # E006: 16 Nov – 31 Dec = 46 of 92 days: 10,500 / 2; E007: 1 Oct – 30 Nov = 61 of 92 days:
    # 6,000.60 × 61 / 92 = 3,978.6587
    assert rows["E006"]["在职比例"] == "0.5" and rows["E006"]["绩效奖金"] == "5250.00"
    assert rows["E007"]["在职比例"] == "0.663" and rows["E007"]["绩效奖金"] == "3978.66"
    assert {e: r["绩效奖金"] for e, r in rows.items() if e < "E006"} == {
        e: FULL[e] for e in ("E001", "E002", "E003", "E004", "E005")
    }


def test_pro_rata_by_whole_months_from_the_roster(cycle: Path, set_plan) -> None:
    set_plan(with_pay(pay_plan(), bonus_months=1.5, pro_rata="months"))
    export_pay(cycle, salaries_csv(cycle.parent / "s.csv", table()))
    found = bonuses(cycle / "results" / "pay")
    # E006 from 16 Nov: one whole month (16 Nov – 15 Dec) of 3; E007 to 30 Nov: 2 of 3
    assert found["E006"] == "3500.00" and found["E007"] == "4000.40"
    assert found["E001"] == "45000.00"


def test_a_days_column_in_the_salaries_file_overrides_the_roster(cycle: Path, set_plan) -> None:
    set_plan(with_pay(pay_plan(), bonus_months=1.5, pro_rata="days"))
    rows = [["工号", "奖金基数", "在职天数"], *([e, b, ""] for e, b in BASES.items())]
    rows[-1][2] = "46"  # E007: 46 of 92 days (unpaid leave the roster does not know)
    export_pay(cycle, salaries_csv(cycle.parent / "s.csv", rows))
    found = bonuses(cycle / "results" / "pay")
    assert found["E007"] == "3000.30" and found["E006"] == "5250.00"


def test_eligibility_full_pays_part_periods_in_full(cycle: Path, set_plan) -> None:
    plan = with_pay(pay_plan(), bonus_months=1.5, pro_rata="days")
    set_plan(plan.model_copy(update={"eligibility": plan.eligibility.model_copy(update={"partial_period": "full"})}))  # fmt: skip
    export_pay(cycle, salaries_csv(cycle.parent / "s.csv", table()))
    assert bonuses(cycle / "results" / "pay") == FULL


def test_pools_over_budget_are_reported_with_the_amount(cycle: Path, set_plan) -> None:
    pools = [
        BonusPool(department="销售部", amount=80000),  # 87,279.69 paid
        BonusPool(department="行政部", amount=20000),  # 16,500.60
        BonusPool(department="*", amount=100000),  # 103,780.29
    ]
    set_plan(with_pay(pay_plan(), bonus_months=1.5, pools=[p.model_dump() for p in pools]))
    out = export_pay(cycle, salaries_csv(cycle.parent / "s.csv", table()))
    checks = {p.department: (p.total, p.over, p.people) for p in out.pools}
    assert checks == {
        "销售部": (Decimal("87279.69"), Decimal("7279.69"), 5),
        "行政部": (Decimal("16500.60"), Decimal("0"), 2),
        "*": (Decimal("103780.29"), Decimal("3780.29"), 7),
    }
    over = [p for p in out.report if p.code == "pay-over-budget"]
    assert [p.message("zh-CN") for p in over] == [
        "部门“销售部”的奖金合计 87,279.69，超出奖金池 80,000.00，超支 7,279.69（5 人）",
        "全公司的奖金合计 103,780.29，超出奖金池 100,000.00，超支 3,780.29（7 人）",
    ]
    assert "by 3,780.29 (7 people)" in over[1].message("en")
    assert out.written and out.exit_code == 1  # written, but a script notices the overrun
    output = run_cli(["export-pay", str(cycle), "--salaries", str(cycle.parent / "s.csv")], 1)
    assert "7,279.69" in output and "3,780.29" in output and "超支" in output


MAPPING = [
    PayColumn(field="employee_id", header="员工编号"),
    PayColumn(field="name", header="员工姓名"),
    PayColumn(field="bonus", header="本期绩效奖金（元）"),
    PayColumn(field="share", header="出勤系数"),
    PayColumn(field="grade", header="=考核等级"),  # a header is text too
]


def test_payroll_mapping_headers_in_csv_and_xlsx(cycle: Path, set_plan) -> None:
    columns = [c.model_dump() for c in MAPPING]
    set_plan(with_pay(pay_plan(), bonus_months=1.5, pro_rata="days", columns=columns))
    export_pay(cycle, salaries_csv(cycle.parent / "s.csv", table()))
    folder = cycle / "results" / "pay"
    text = (folder / "payroll.csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["员工编号", "员工姓名", "本期绩效奖金（元）", "出勤系数", "'=考核等级"]
    assert rows[1] == ["E001", "王经理", "45000.00", "1", "S"]
    assert rows[6] == ["E006", "赵敏", "5250.00", "0.5", "B"]
    book = openpyxl.load_workbook(folder / "payroll.xlsx")
    sheet = book.worksheets[0]
    assert sheet.title == "奖金"
    assert [c.value for c in sheet[1]] == ["员工编号", "员工姓名", "本期绩效奖金（元）", "出勤系数", "=考核等级"]  # fmt: skip
    assert sheet["E1"].data_type == "s"  # text, not a formula
    values = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert len(values) == 7
    assert values["E006"] == ("E006", "赵敏", 5250, 0.5, "B")
    assert values["E002"][2] == 2250.05 and values["E007"][2] == 3978.66
    assert sheet["C2"].number_format == "#,##0.00"


def test_payroll_files_are_owner_only(cycle: Path, set_plan) -> None:
    set_plan(with_pay(pay_plan()))
    out = export_pay(cycle, salaries_csv(cycle.parent / "s.csv", table()))
    for path in out.files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE((cycle / "results" / "pay").stat().st_mode) == 0o700
    export_pay(cycle, salaries_csv(cycle.parent / "s.csv", table()))  # replaced: still 0600
    assert {stat.S_IMODE(p.stat().st_mode) for p in out.files} == {0o600}


def test_names_that_look_like_formulas_stay_text(cycle: Path, set_plan) -> None:
    set_plan(with_pay(pay_plan()))
    out = export_pay(cycle, salaries_csv(cycle.parent / "s.csv", table()))
    names = {r["工号"]: r["姓名"] for r in payroll_rows(cycle / "results" / "pay")}
    assert names["E007"] == "'" + EVIL and names["E005"] == "'+1"
    sheet = openpyxl.load_workbook(out.files[1]).worksheets[0]
    cells = {row[0].value: row[1] for row in sheet.iter_rows(min_row=2)}
    assert cells["E007"].value == EVIL and cells["E007"].data_type == "s"
    assert cells["E005"].value == "+1" and cells["E005"].data_type == "s"


@pytest.mark.parametrize("kind", ["gbk", "utf-8-sig", "xlsx"])
def test_salaries_in_gbk_utf8_bom_and_xlsx(cycle: Path, set_plan, kind: str) -> None:
    set_plan(with_pay(pay_plan(), bonus_months=1.5))
    # As payroll systems export them: a title line, Chinese headers, names, amounts with
    # thousands separators (CSV) or numbers (xlsx).
    head = [["2026年第四季度奖金基数表", "", ""], ["员工编号", "姓名", "基本工资"]]
    body = [[e, NAMES[e], f"{Decimal(b):,}"] for e, b in BASES.items()]
    if kind == "xlsx":
        path = cycle.parent / "salaries.xlsx"
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "工资"
        for row in head:
            sheet.append(row)
        for e, b in BASES.items():
            sheet.append([e, NAMES[e], float(b)])
        book.save(path)
    else:
        path = salaries_csv(cycle.parent / "salaries.csv", head + body, kind)
    if kind == "gbk":
        assert path.read_bytes().decode("gbk")  # really GBK, not UTF-8
        with pytest.raises(UnicodeDecodeError):
            path.read_bytes().decode("utf-8")
    out = export_pay(cycle, path)
    assert out.report.codes() == []
    assert bonuses(cycle / "results" / "pay") == FULL


BAD = [
    # (what, salaries rows, code, cell, words in the Chinese message)
    (
        "unknown employee",
        [["E001", "20000"], ["E099", "100"]],
        "pay-unknown-employee",
        "A3",
        "E099",
    ),
    ("text in a salary", [["E001", "两万"]], "pay-not-a-number", "B2", "“两万”不是数字"),
    (
        "duplicate id",
        [["E001", "20000"], ["E002", "1"], ["E001", "3"]],
        "pay-duplicate-id",
        "A4",
        "在第 2 行已经出现过",
    ),
    ("negative base", [["E001", "-20000"]], "pay-negative", "B2", "为负数"),
    ("empty base", [["E001", ""]], "pay-empty", "B2", "奖金基数为空"),
]


@pytest.mark.parametrize(("what", "rows", "code", "cell", "words"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_salaries_file_is_located_and_writes_nothing(
    cycle: Path, set_plan, what: str, rows: list[list[str]], code: str, cell: str, words: str
) -> None:
    set_plan(with_pay(pay_plan()))
    path = salaries_csv(cycle.parent / "bad.csv", [["工号", "奖金基数"], *rows])
    out = export_pay(cycle, path)
    errors = out.report.errors
    assert [(p.code, p.file, p.cell) for p in errors] == [(code, "bad.csv", cell)]
    assert words in errors[0].message("zh-CN")
    assert not out.written and out.files == [] and out.exit_code == 1
    assert not (cycle / "results" / "pay").exists()
    output = run_cli(["export-pay", str(cycle), "--salaries", str(path)], 1)
    assert f"bad.csv {cell}" in output and "未写入任何文件" in output
    assert not (cycle / "results" / "pay").exists()


def test_a_missing_column_is_named_with_the_headers_accepted(cycle: Path, set_plan) -> None:
    set_plan(with_pay(pay_plan()))
    path = salaries_csv(cycle.parent / "bad.csv", [["工号", "姓名"], ["E001", "王经理"]])
    out = export_pay(cycle, path)
    (problem,) = out.report.errors
    assert problem.code == "pay-missing-column" and problem.file == "bad.csv"
    assert "找不到“奖金基数”列" in problem.message("zh-CN") and "基本工资" in problem.message()
    assert "no 'bonus base' column" in problem.message("en")
    output = run_cli(["export-pay", str(cycle), "--salaries", str(path), "--lang", "en"], 1)
    assert "nothing was written" in output and "bonus base" in output
    assert not (cycle / "results" / "pay").exists()


def test_a_bad_file_leaves_the_previous_export_as_it_was(cycle: Path, set_plan) -> None:
    set_plan(with_pay(pay_plan()))
    good = export_pay(cycle, salaries_csv(cycle.parent / "s.csv", table()))
    before = [p.read_bytes() for p in good.files]
    bad = salaries_csv(cycle.parent / "bad.csv", table({**BASES, "E003": "9,876.55元x"}))
    assert not export_pay(cycle, bad).written
    assert [p.read_bytes() for p in good.files] == before


def test_people_missing_from_the_file_or_not_assessed_are_warnings(cycle: Path, set_plan) -> None:
    plan = pay_plan()
    left = plan.roster.employees[0].model_copy(update={"id": "E008", "is_active": False})
    roster = plan.roster.model_copy(update={"employees": [*plan.roster.employees, left]})
    set_plan(plan.model_copy(update={"roster": roster}))
    bases = {k: v for k, v in BASES.items() if k != "E004"} | {"E008": "5000"}
    out = export_pay(cycle, salaries_csv(cycle.parent / "s.csv", table(bases)))
    assert out.report.valid and out.written and out.exit_code == 1
    assert sorted(p.code for p in out.report.warnings) == ["pay-not-assessed", "pay-not-in-file"]
    assert "E004" not in bonuses(cycle / "results" / "pay")


def test_out_folder_and_the_cli_summary(cycle: Path, set_plan, tmp_path: Path) -> None:
    set_plan(with_pay(pay_plan(), bonus_months=1.5))
    path = salaries_csv(cycle.parent / "s.csv", table())
    target = tmp_path / "to-payroll"
    output = run_cli(["export-pay", str(cycle), "--salaries", str(path), "--out", str(target)], 0)
    assert "103780.29" in output and "工资导入文件" in output
    assert bonuses(target) == FULL and stat.S_IMODE(target.stat().st_mode) == 0o700
    english = run_cli(["export-pay", str(cycle), "--salaries", str(path), "--lang", "en"], 0)
    assert "bonus total" in english and "工资" not in english


def test_salaries_are_not_copied_into_the_ledger(cycle: Path, set_plan) -> None:
    set_plan(with_pay(pay_plan(), bonus_months=1.5))
    export_pay(cycle, salaries_csv(cycle.parent / "s.csv", table()))
    data = b"".join(p.read_bytes() for p in sorted(cycle.glob("ledger.sqlite*")))
    assert b"pay.export" in data  # the export is audited ...
    for figure in ("9876.55", "987655", "6543.21", "17777.79", "7851.85", "103780.29"):
        assert figure.encode() not in data, figure  # ... without an amount, as text
    for number in (9876.55, 6543.21, 17777.79):
        assert struct.pack(">d", number) not in data, number  # or as an SQLite REAL
