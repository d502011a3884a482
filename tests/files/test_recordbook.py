"""The record-workbook helper shared by interview records and PIPs (files.recordbook), the
record-form tables' one writer (ledger.record_forms) and the table reader (files.tables): who
gets which workbook, index.csv, the whitelist of tables, the reader's limits."""

from __future__ import annotations

import csv
import zipfile
from dataclasses import dataclass

import pytest

from perfsheets.core.results import EmployeeResult
from perfsheets.files import tables
from perfsheets.files.recordbook import (
    BookKind,
    EmployeeSheet,
    RecordBook,
    SheetPerson,
    Stamp,
    index_books,
    record_books,
)
from perfsheets.ledger import record_forms as rf

KIND = BookKind("test", 1, "T", ("测试", "test"), ("测试表", "Test"), ("测试表", "tests"))
STAMP = Stamp(run_id=3, plan_version=2, plan_digest="d", generation="g1", generated_at="now")


@dataclass(frozen=True)
class Book(RecordBook[EmployeeSheet]):
    pass


def result(emp: str, grade: str = "B", manager: str | None = None) -> EmployeeResult:
    return EmployeeResult(
        employee_id=emp, department="", role="r", complete=True, grade=grade, manager_id=manager
    )


def books(plan, results, lang="zh-CN") -> list[Book]:
    def sheet(p: SheetPerson) -> EmployeeSheet:
        return EmployeeSheet(**p.employee())

    return record_books(plan, plan, results, lang, KIND, STAMP, sheet, Book)


def test_one_book_per_manager_and_one_for_hr(small_plan):
    # E002 and E003 report to E001 (the roster), E007 to E006; E001 has no manager, E099 is
    # no one on the roster and the manager given for E005 is not on it either: both go to HR.
    made = books(
        small_plan,
        [
            result("E003"),
            result("E002", "A"),
            result("E007"),
            result("E001"),
            result("E005", manager="X9"),
        ],
    )
    assert [(b.manager_id, b.manager_name) for b in made] == [
        ("", "人力资源部"),
        ("E001", "王经理"),
        ("E006", "赵敏"),
    ]
    hr, sales, admin = made
    assert [s.employee_id for s in admin.sheets] == ["E007"]
    assert [s.employee_id for s in hr.sheets] == ["E001", "E005"]
    assert [s.sheet for s in sales.sheets] == ["李娜 E002", "张伟 E003"]  # sorted by id
    assert sales.sheets[0].grade_name == "A 优秀" and sales.sheets[0].department == "销售部"
    assert (sales.form_id, sales.file) == ("T-g1-E001", "测试_E001_王经理.xlsx")
    assert (hr.form_id, hr.file) == ("T-g1-HR", "测试_HR_人力资源部.xlsx")
    assert sales.form_fields() == {
        "form_id": "T-g1-E001",
        "run_id": 3,
        "plan_version": 2,
        "manager_id": "E001",
        "file": sales.file,
        "digest": sales.digest(),
        "created_at": "now",
    }
    assert books(small_plan, [result("E002")], "en")[0].file == "test_E001_王经理.xlsx"


def test_the_digest_changes_with_what_a_sheet_locks(small_plan):
    one = books(small_plan, [result("E002", "A")])[0]
    other = books(small_plan, [result("E002", "B")])[0]
    assert one.digest() != other.digest()
    assert one.digest() == books(small_plan, [result("E002", "A")])[0].digest()


def test_index_lists_the_books_and_removes_stale_files(small_plan, tmp_path):
    made = books(small_plan, [result("E002"), result("E007"), result("E003")])
    stale = tmp_path / "测试_E009_旧.xlsx"
    stale.write_bytes(b"old")
    stored: list[str] = []
    done = index_books(
        tmp_path,
        made,
        {"E001": "wang@example.com"},
        {stale.name, made[0].file},
        lambda b: stored.append(b.form_id),
    )
    assert stored == [b.form_id for b in made] and done.sheets == 3
    assert not stale.exists()
    with open(done.index, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["manager_id"], r["email"], r["employees"]) for r in rows] == [
        ("E001", "wang@example.com", "E002;E003"),
        ("E006", "", "E007"),
    ]
    assert done.summary()["forms"] == 2 and done.summary()["folder"] == tmp_path


def test_record_form_tables_come_from_the_whitelist_only(ws):
    rogue = rf.Family("runs; DROP TABLE runs", "x", ("sheet",), "y")
    with ws.ledger() as conn, pytest.raises(ValueError, match="not a record-form family"):
        rf.form_files(conn, rogue)
    with ws.ledger() as conn:
        assert rf.form_files(conn, rf.INTERVIEWS) == set() == rf.form_files(conn, rf.PIPS)


def test_tables_limits_and_a_bom_that_lies(tmp_path):
    lying = tmp_path / "bom.csv"
    lying.write_bytes(b"\xef\xbb\xbf\xe5\xb7\xa5\xff,x\n")  # says UTF-8, is not
    with pytest.raises(tables.UnreadableTable, match="byte-order mark") as caught:
        tables.read_table(lying)
    assert isinstance(caught.value.__cause__, UnicodeDecodeError)
    book = tmp_path / "b.xlsx"
    with zipfile.ZipFile(book, "w") as zf:
        zf.writestr("a.xml", "x" * 1000)
    with pytest.raises(tables.UnreadableTable, match="zip bomb"):
        tables.read_table(book, max_unzipped=100)
    with pytest.raises(tables.UnreadableTable) as caught:  # not a bomb: calamine's own error
        tables.read_table(book)
    assert caught.value.__cause__ is not None
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("工号;实际值\nE002;60\n".encode("gb18030"))
    assert tables.read_table(gbk)[0].rows == [["工号", "实际值"], ["E002", "60"]]
    with pytest.raises(tables.UnreadableTable, match=r"expected \.csv or \.xlsx"):
        tables.read_table(tmp_path / "x.pdf")
