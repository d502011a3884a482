"""results/consequences.xlsx and .csv read back: one sheet per list (promotion candidates, PIP,
honours, every grade with its consequence, training needs), in the plan's language, names that
look like formulas kept as text.

Training needs worked by hand: competency points are 100 / 90 / 75 / 60 for levels 5 / 4 / 3 / 2
(pay_support.LEVELS). 销售部 rates C1 and C2 (100, 100, 90, 90, 75: mean 91, one below 80);
行政部 C1 only (75, 60: mean 67.5, both below 80); the company's C1: 590 / 7 = 84.2857 → 84.29,
three below 80 (75, 75, 60). Equal means are ordered by code, so C1 ranks before C2.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
from pay_support import EVIL, pay_plan
from typer.testing import CliRunner

from perfsheets.cli import app
from perfsheets.core.model import Plan
from perfsheets.pay.run import write_consequences

runner = CliRunner()


def options_plan(**consequences: object) -> Plan:
    data = pay_plan().model_dump()
    data["consequences"] = consequences
    return Plan.model_validate(data)


def rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(min_row=2, values_only=True))


def test_one_sheet_per_list_read_back(cycle: Path, set_plan) -> None:
    set_plan(
        options_plan(
            pip_grades=["C", "D"], promotion_grades=["S"], training_threshold=80, training_top=1
        )
    )
    result = write_consequences(cycle)
    assert (result.promotion, result.pip, result.honours, result.graded) == (2, 2, 2, 7)
    book = openpyxl.load_workbook(cycle / "results" / "consequences.xlsx")
    assert book.sheetnames == [
        "晋升候选",
        "绩效改进计划",
        "优秀员工",
        "等级 S",
        "等级 A",
        "等级 B",
        "等级 C",
        "等级 D",
        "培训需求",
    ]
    promotion = book["晋升候选"]
    assert [c.value for c in promotion[1]] == ["工号", "姓名", "部门", "岗位", "直接上级", "总分", "等级", "依据"]  # fmt: skip
    assert [(r[0], r[6], r[7]) for r in rows(promotion)] == [
        ("E001", "S", "本周期等级 S"),
        ("E002", "S", "本周期等级 S"),
    ]
    pip = book["绩效改进计划"]
    assert [(r[0], r[1], r[4], r[6], r[7]) for r in rows(pip)] == [
        ("E005", "+1", "王经理", "C", "需制定绩效改进计划"),
        ("E007", EVIL, "赵敏", "C", "需制定绩效改进计划"),
    ]
    assert pip["B3"].data_type == "s" and pip["B2"].data_type == "s"  # text, not formulas
    assert [r[0] for r in rows(book["优秀员工"])] == ["E001", "E002"]
    assert [(r[0], r[4]) for r in rows(book["等级 A"])] == [("E003", 88.32), ("E004", 88.32)]
    assert [(r[0], r[6]) for r in rows(book["等级 C"])] == [
        ("E005", "需制定绩效改进计划"),
        ("E007", "需制定绩效改进计划"),
    ]
    assert rows(book["等级 D"]) == [("（无）", None, None, None, None, None, None)]
    training = book["培训需求"]
    assert [c.value for c in training[1]] == ["范围", "排名（最低为 1）", "能力项编号", "能力项", "平均分", "低于 80 分人数", "评分人数"]  # fmt: skip
    assert rows(training) == [
        ("销售部", 1, "C1", "团队合作", 91, 1, 5),
        ("行政部", 1, "C1", "团队合作", 67.5, 2, 2),
        ("全公司", 1, "C1", "团队合作", 84.29, 3, 7),
    ]


def test_defaults_lowest_grade_pip_top_grade_honours_two_needs(cycle: Path, set_plan) -> None:
    set_plan(options_plan(training_top=2))
    result = write_consequences(cycle)
    assert (result.promotion, result.pip, result.honours) == (0, 0, 2)  # nobody has a D
    book = openpyxl.load_workbook(result.workbook)
    needs = [(r[0], r[1], r[2], r[4], r[5]) for r in rows(book["培训需求"])]
    assert needs == [
        ("销售部", 1, "C1", 91, 0),
        ("销售部", 2, "C2", 91, 0),
        ("行政部", 1, "C1", 67.5, 0),  # 75 and 60: 60 is not below the default 60
        ("全公司", 1, "C1", 84.29, 0),
        ("全公司", 2, "C2", 91, 0),
    ]


def test_the_csv_is_one_long_formula_safe_table(cycle: Path, set_plan) -> None:
    set_plan(options_plan(pip_grades=["C"], training_threshold=80, training_top=1))
    write_consequences(cycle)
    data = (cycle / "results" / "consequences.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    table = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    pip = [(r["employee_id"], r["name"]) for r in table if r["list"] == "pip"]
    assert pip == [("E005", "'+1"), ("E007", "'" + EVIL)]
    training = [
        (r["department"], r["competency"], r["mean_score"], r["below_threshold"], r["rated"])
        for r in table
        if r["list"] == "training"
    ]
    assert training == [
        ("销售部", "C1", "91.00", "1", "5"),
        ("行政部", "C1", "67.50", "2", "2"),
        ("*", "C1", "84.29", "3", "7"),
    ]
    assert sum(r["list"].startswith("grade:") for r in table) == 7


def test_english_sheets_and_the_command(cycle: Path, set_plan) -> None:
    set_plan(options_plan(pip_grades=["C"]))
    result = runner.invoke(app, ["consequences", str(cycle), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "promotion candidates" in result.output and "consequences.xlsx" in result.output
    book = openpyxl.load_workbook(cycle / "results" / "consequences.xlsx")
    assert book.sheetnames[:3] == ["Promotion candidates", "PIP", "Honours"]
    assert book.sheetnames[-1] == "Training needs" and "Grade S" in book.sheetnames
    assert rows(book["Training needs"])[0][:4] == ("销售部", 1, "C1", "Teamwork")
    chinese = runner.invoke(app, ["consequences", str(cycle)])
    assert chinese.exit_code == 0 and "绩效改进计划" in chinese.output


def test_before_consolidation_it_says_what_to_run(tmp_path: Path) -> None:
    from ledger_builder import LedgerBuilder

    lb = LedgerBuilder(tmp_path / "ws", pay_plan())
    result = runner.invoke(app, ["consequences", str(lb.root)])
    assert result.exit_code == 1 and "请先运行 perfsheets consolidate" in result.output
    result = runner.invoke(app, ["export-pay", str(lb.root), "--salaries", str(tmp_path / "x.csv")])
    assert result.exit_code == 1 and "consolidate" in result.output
    assert not (lb.root / "results" / "pay").exists()
