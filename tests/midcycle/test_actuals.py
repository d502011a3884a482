"""Importing actuals from business-system exports: real CSV and xlsx files into a real ledger."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import xlsxwriter

from perfsheets.core.model import Kpi
from perfsheets.core.problems import PerfsheetsError
from perfsheets.ledger.changes import imported_values
from perfsheets.ledger.workspace import Workspace
from perfsheets.midcycle import actuals
from perfsheets.midcycle.actuals import import_actuals, parse_number
from perfsheets.plan.io import dump_plan


def ledger_rows(ws: Workspace, sql: str) -> list[tuple]:
    with sqlite3.connect(ws.ledger_path) as conn:
        return conn.execute(sql).fetchall()


def write_csv(path: Path, text: str, encoding: str = "utf-8-sig") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[object]], start_row: int = 0) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    hidden = wb.add_worksheet("说明")
    hidden.write_string(0, 0, "工号")  # a hidden sheet must not be taken for the data
    hidden.hide()
    sheet = wb.add_worksheet("导出")
    sheet.write_string(0, 0, "CRM 导出 2026-12")  # title line above the header
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, str):
                sheet.write_string(start_row + r, c, value)
            elif value is not None:
                sheet.write_number(start_row + r, c, value)
    sheet.activate()
    wb.close()
    return path


def test_csv_with_bom_is_applied_and_audited(ws, tmp_path, small_plan):
    f = write_csv(
        tmp_path / "erp.csv",
        "工号,姓名,指标编码,实际值\r\nE002,李娜,S01,120.5\r\nE003,张伟,S02,96%\r\nE006,赵敏,A01,98\r\n",
    )
    result = import_actuals(ws.root, f, plan=small_plan, source="SAP")
    assert result.report.valid and result.applied
    assert (result.added, result.replaced) == (3, 0)
    stored = ledger_rows(ws, "SELECT employee_id, kpi_code, value, source FROM imported_actuals")
    assert sorted(stored) == [
        ("E002", "S01", 120.5, "SAP"),
        ("E003", "S02", 96.0, "SAP"),  # '96%' of a KPI measured in % is 96
        ("E006", "A01", 98.0, "SAP"),
    ]
    [(actor, action, subject, detail)] = ledger_rows(
        ws, "SELECT actor, action, subject, detail FROM audit"
    )
    assert action == "actuals.import" and subject == "erp.csv" and actor
    detail = json.loads(detail)
    assert detail["source"] == "SAP" and detail["rows"] == 3
    assert (ws.root / detail["archived"]).read_bytes() == f.read_bytes()


def test_gbk_export_with_title_line_and_tabs(ws, tmp_path, small_plan):
    text = (
        "销售系统导出\r\n员工编号\t指标代码\t实际完成值\r\nE004\tS01\t1,234.5\r\nE005\tS03\t２\r\n"
    )
    f = write_csv(tmp_path / "crm.csv", text, encoding="gbk")
    result = import_actuals(ws.root, f, plan=small_plan)
    assert result.applied, result.report.rows()
    assert {(a.employee_id, a.kpi_code, a.value, a.row) for a in result.actuals} == {
        ("E004", "S01", 1234.5, 3),
        ("E005", "S03", 2.0, 4),  # full-width digit
    }


def test_xlsx_with_english_headers_numeric_ids_and_percent(ws, tmp_path, small_plan):
    plan = small_plan.model_copy(
        update={
            "roster": small_plan.roster.model_copy(
                update={
                    "employees": [
                        *small_plan.roster.employees,
                        small_plan.roster.employees[1].model_copy(update={"id": "1001"}),
                    ]
                }
            )
        }
    )
    rows = [
        ["Employee ID", "Name", "KPI Code", "Actual"],
        [1001, "李娜", "S01", 88],  # Excel stores the id as the number 1001.0
        ["E002", "李娜", "S02", "93.5%"],
    ]
    f = write_xlsx(tmp_path / "export.xlsx", rows, start_row=2)
    result = import_actuals(ws.root, f, plan=plan)
    assert result.applied, result.report.rows()
    assert [(a.employee_id, a.kpi_code, a.value, a.row) for a in result.actuals] == [
        ("1001", "S01", 88.0, 4),
        ("E002", "S02", 93.5, 5),
    ]


def test_every_bad_row_is_reported_and_nothing_is_applied(ws, tmp_path, small_plan):
    good = write_csv(tmp_path / "first.csv", "工号,指标编码,实际值\nE002,S01,70\n")
    assert import_actuals(ws.root, good, plan=small_plan).applied
    bad = write_csv(
        tmp_path / "bad.csv",
        "工号,指标编码,实际值\n"
        "E002,S01,90\n"  # row 2: fine on its own
        "E999,S01,10\n"  # row 3: unknown employee
        "E006,S01,10\n"  # row 4: admin has no S01
        "E003,S01,十\n"  # row 5: not a number
        "E002,S01,91\n"  # row 6: duplicate of row 2
        ",S02,5\n",  # row 7: no employee id
    )
    result = import_actuals(ws.root, bad, plan=small_plan)
    assert not result.applied and not result.report.valid
    found = {(p.code, p.cell) for p in result.report}
    assert found == {
        ("actuals-unknown-employee", "A3"),
        ("actuals-unknown-kpi", "B4"),
        ("actuals-not-a-number", "C5"),
        ("actuals-duplicate", "A6"),
        ("actuals-missing-value", "A7"),
    }
    assert all(p.file == "bad.csv" for p in result.report)
    dup = next(p for p in result.report if p.code == "actuals-duplicate")
    assert "第 6 行" in dup.message() and "第 2 行" in dup.message()
    assert "Row 6" in dup.message("en") and "row 2" in dup.message("en")
    # The earlier import is untouched, and the failed one left no trace but its report.
    assert ledger_rows(ws, "SELECT employee_id, kpi_code, value FROM imported_actuals") == [
        ("E002", "S01", 70.0)
    ]
    assert ledger_rows(ws, "SELECT COUNT(*) FROM audit") == [(1,)]
    assert len(list(ws.archive.iterdir())) == 1


def test_reimport_records_old_and_new_values(ws, tmp_path, small_plan):
    f = write_csv(tmp_path / "a.csv", "employee_id,kpi_code,actual\nE002,S01,70\nE003,S01,50\n")
    import_actuals(ws.root, f, plan=small_plan)
    f2 = write_csv(tmp_path / "b.csv", "employee_id,kpi_code,actual\nE002,S01,75\nE003,S01,50\n")
    result = import_actuals(ws.root, f2, plan=small_plan)
    assert (result.added, result.replaced, result.unchanged) == (0, 1, 1)
    detail = json.loads(ledger_rows(ws, "SELECT detail FROM audit ORDER BY audit_id")[-1][0])
    assert detail["replaced"] == [{"employee": "E002", "kpi": "S01", "old": 70.0, "new": 75.0}]
    with ws.ledger() as conn:
        assert imported_values(conn)[("E002", "S01")] == 75.0


def test_leading_zero_hint_and_name_mismatch(ws, tmp_path, small_plan):
    people = [e.model_copy(update={"id": "0" + e.id[1:]}) for e in small_plan.roster.employees]
    plan = small_plan.model_copy(
        update={"roster": small_plan.roster.model_copy(update={"employees": people})}
    )
    f = write_csv(tmp_path / "x.csv", "工号,姓名,指标编码,实际值\n2,李娜,S01,1\n0003,王五,S01,2\n")
    result = import_actuals(ws.root, f, plan=plan)
    unknown = next(p for p in result.report if p.code == "actuals-unknown-employee")
    assert "0002" in unknown.message() and "leading zeros" in unknown.message("en")
    mismatch = next(p for p in result.report if p.code == "actuals-name-mismatch")
    assert mismatch.severity == "warning" and mismatch.cell == "B3"


def test_blank_actual_is_a_warning_and_the_rest_applies(ws, tmp_path, small_plan):
    f = write_csv(tmp_path / "x.csv", "工号,指标编码,实际值\nE002,S01,\nE003,S01,80\n")
    result = import_actuals(ws.root, f, plan=small_plan)
    assert result.applied and result.report.codes() == ["actuals-blank"]
    assert [a.employee_id for a in result.actuals] == ["E003"]


def test_range_and_percent_scale_checks(ws, tmp_path, small_plan):
    sales = small_plan.roles[0]
    kpis = [k.model_copy(update={"max_value": 200}) if k.code == "S01" else k for k in sales.kpis]
    plan = small_plan.model_copy(
        update={"roles": [sales.model_copy(update={"kpis": kpis}), small_plan.roles[1]]}
    )
    f = write_csv(tmp_path / "x.csv", "工号,指标编码,实际值\nE002,S01,250\nE003,S02,0.97\n")
    result = import_actuals(ws.root, f, plan=plan)
    assert {(p.code, p.severity) for p in result.report} == {
        ("actuals-out-of-range", "error"),
        ("actuals-percent-scale", "warning"),
    }
    assert not result.applied


def test_missing_column_and_empty_and_unreadable(ws, tmp_path, small_plan):
    no_actual = write_csv(tmp_path / "a.csv", "工号,指标编码,备注\nE002,S01,x\n")
    report = import_actuals(ws.root, no_actual, plan=small_plan).report
    assert report.codes() == ["actuals-missing-column"]
    assert "actual" in report.problems[0].message("en")
    empty = write_csv(tmp_path / "b.csv", "工号,指标编码,实际值\n\n")
    assert import_actuals(ws.root, empty, plan=small_plan).report.codes() == ["actuals-empty"]
    broken = tmp_path / "c.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    report = import_actuals(ws.root, broken, plan=small_plan).report
    assert report.codes() == ["actuals-unreadable"]
    with pytest.raises(PerfsheetsError, match="no such file"):
        import_actuals(ws.root, tmp_path / "missing.csv", plan=small_plan)


def test_zip_bomb_guard(ws, tmp_path, small_plan, monkeypatch):
    f = write_xlsx(tmp_path / "big.xlsx", [["工号", "指标编码", "实际值"], ["E002", "S01", 1]])
    monkeypatch.setattr(actuals, "MAX_UNZIPPED_BYTES", 100)
    report = import_actuals(ws.root, f, plan=small_plan).report
    assert report.codes() == ["actuals-unreadable"] and "zip bomb" in report.problems[0].message()


def test_dry_run_and_plan_from_workspace(ws, tmp_path, small_plan):
    dump_plan(small_plan, ws.root / "plan.yaml")
    f = write_csv(tmp_path / "x.csv", "工号,指标编码,实际值\nE002,S01,60\n")
    checked = import_actuals(ws.root, f, dry_run=True)
    assert checked.report.valid and not checked.applied
    assert ledger_rows(ws, "SELECT COUNT(*) FROM imported_actuals") == [(0,)]
    assert import_actuals(ws.root, f).applied


def test_parse_number():
    pct = Kpi(code="K", name="k", unit="%", weight=10)
    assert parse_number("95%", pct.unit) == 95.0
    assert parse_number("95%", "") == pytest.approx(0.95)
    assert parse_number(" 1,234 ") == 1234.0
    assert parse_number(True) is None
    assert parse_number("nan") is None
    assert parse_number("—") is None


def test_example_plan_import(tmp_path):
    from perfsheets.plan.example import example_plan

    plan = example_plan(40)
    ws = Workspace(tmp_path / "ex").create()
    dump_plan(plan, ws.root / "plan.yaml")
    roles = plan.role_map()
    lines = ["工号,指标编码,实际值"]
    for e in plan.roster.employees:
        kpi = roles[e.role].kpis[0]
        lines.append(f"{e.id},{kpi.code},{(kpi.target or 10) * 0.5}")
    result = import_actuals(ws.root, write_csv(tmp_path / "ex.csv", "\n".join(lines)))
    assert result.applied and result.added == len(plan.roster.employees)
