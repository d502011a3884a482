"""Generated assessment workbooks, opened with openpyxl and python-calamine and checked."""

from __future__ import annotations

import csv
import json
import sqlite3

import openpyxl
import pytest
from collect_support import load_workbook
from python_calamine import CalamineWorkbook

from perfsheets.core import layout
from perfsheets.core.model import Kpi
from perfsheets.forms.generate import generate_forms
from perfsheets.forms.writer import FormWriter
from perfsheets.ledger.changes import record_target_change, store_imported_actuals
from perfsheets.ledger.workspace import Workspace


@pytest.fixture
def generated(tmp_path, small_plan):
    return generate_forms(tmp_path / "ws", plan=small_plan, workers=1)


def sheet_rows(ws) -> dict[str, int]:
    """Item key -> row number, read from the hidden key column."""
    return {
        str(row[0].value): row[0].row
        for row in ws.iter_rows(min_col=1, max_col=1)
        if row[0].value is not None
    }


def columns_above(ws, row: int) -> dict[str, int]:
    """Meaning -> column number from the nearest @columns row above ``row``."""
    for r in range(row - 1, 0, -1):
        if ws.cell(r, 1).value == layout.COLUMNS_KEY:
            return {
                str(ws.cell(r, c).value): c
                for c in range(2, ws.max_column + 1)
                if ws.cell(r, c).value
            }
    raise AssertionError(f"no @columns row above row {row}")


def meta(wb) -> tuple[dict[str, str], list[list[str]]]:
    rows = [[c.value for c in r] for r in wb[layout.META_SHEET].iter_rows()]
    split = next(i for i, r in enumerate(rows) if r[0] == layout.SHEETS_KEY)
    return {r[0]: r[1] for r in rows[:split]}, [r[:3] for r in rows[split + 1 :]]


def test_one_form_per_rater_with_index_and_ledger(generated):
    result = generated
    assert result.forms == result.raters == 7
    assert all(p.exists() for p in result.files)
    with open(result.index, encoding="utf-8-sig", newline="") as f:
        index = list(csv.DictReader(f))
    assert [r["rater_id"] for r in index] == [f"E00{i}" for i in range(1, 8)]
    manager = index[0]
    assert manager["name"] == "王经理"
    assert manager["ratees"].split(";") == ["E001", "E002", "E003", "E004", "E005", "E006"]
    with sqlite3.connect(Workspace(result.forms_dir.parent).ledger_path) as db:
        forms = db.execute("SELECT form_id, plan_version, file, digest FROM forms").fetchall()
        sheets = db.execute("SELECT COUNT(*) FROM form_sheets").fetchone()[0]
        frozen = db.execute("SELECT plan_json FROM plan_versions").fetchall()
    assert len(forms) == 7 and sheets == result.sheets == 31
    assert {f[1] for f in forms} == {result.plan_version}
    assert json.loads(frozen[0][0])["cycle"]["id"] == "2026Q4"
    assert all(len(f[3]) == 64 for f in forms)


def test_sheets_metadata_and_protection(generated):
    result = generated
    wb = load_workbook(result.files[0])  # the manager's form
    assert wb.sheetnames[0] == "填写说明" and wb.sheetnames[-2:] == ["评分标准", "_meta"]
    assert wb.security.lockStructure
    assert wb[layout.META_SHEET].sheet_state == "veryHidden"
    fields, sheets = meta(wb)
    assert tuple(fields) == layout.META_FIELDS
    assert fields["rater_id"] == "E001" and fields["plan_version"] == str(result.plan_version)
    assert fields["form_id"].startswith("2026Q4-E001-") and len(fields["plan_digest"]) == 64
    assert sheets[0] == ["自评 王经理", "E001", "self"]
    assert [s[2] for s in sheets[1:]] == ["manager"] * 5
    assert [s[0] for s in sheets] == wb.sheetnames[1:-2]
    for ws in wb.worksheets:
        assert ws.protection.sheet, ws.title
    ws = wb["李娜 E002"]
    assert ws.column_dimensions["A"].hidden
    assert ws.freeze_panes == "A4"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    # A fixed scale (page breaks then fall where perfsheets puts them, in every application)
    # or, for a sheet a little over a page, one page (tests/forms/test_form_pages.py).
    setup = ws.page_setup
    fits = ws.sheet_properties.pageSetUpPr
    assert (70 <= setup.scale <= 80 and not (fits and fits.fitToPage)) or (
        fits.fitToPage and setup.fitToHeight in (None, 1)
    )
    assert ws.print_title_rows == "$1:$3"
    assert "&P" in ws.oddFooter.center.text and "2026年第四季度" in ws.oddHeader.right.text


def test_input_cells_unlocked_with_validation_rest_locked(generated):
    result = generated
    ws = load_workbook(result.files[0])["李娜 E002"]
    rows = sheet_rows(ws)
    validations = {
        str(cell): dv for dv in ws.data_validations.dataValidation for cell in dv.sqref.ranges
    }

    def dv_for(coord):
        return next(dv for ref, dv in validations.items() if coord in _cells(ref))

    kpi_row = rows["kpi:S01"]
    cols = columns_above(ws, kpi_row)
    actual = ws.cell(kpi_row, cols["actual"])
    assert actual.protection.locked is False
    dv = dv_for(actual.coordinate)
    assert dv.type == "decimal" and dv.operator in (None, "between")  # the default
    assert float(dv.formula1) == 0 and float(dv.formula2) == 1000  # 10 x target 100
    assert dv.showErrorMessage and dv.errorStyle in (None, "stop") and dv.prompt
    for col in range(2, 12):  # everything else on the row is locked
        if col != cols["actual"]:
            assert ws.cell(kpi_row, col).protection.locked is not False, col
    assert ws.cell(kpi_row, cols["weight"]).value == 50
    assert ws.cell(kpi_row, cols["target"]).value == 100

    comp_row = rows["competency:C1"]
    cols = columns_above(ws, comp_row)
    rating = ws.cell(comp_row, cols["rating"])
    assert rating.protection.locked is False
    dv = dv_for(rating.coordinate)
    assert dv.type == "list" and dv.formula1 == '"5,4,3,2,1"' and "5=优秀" in dv.prompt
    assert "5 优秀：持续远超要求" in ws.cell(comp_row, 4).value  # behaviour anchors, best first

    text_row = rows["comment:strengths"]
    cols = columns_above(ws, text_row)
    box = ws.cell(text_row, cols["text"])
    assert box.protection.locked is False
    dv = dv_for(box.coordinate)
    assert dv.type == "textLength" and float(dv.formula1) == layout.COMMENT_MAX_CHARS
    assert "comment:summary" not in rows  # self-review only
    assert "comment:summary" in sheet_rows(load_workbook(result.files[0])["自评 王经理"])


def _cells(ref: str) -> set[str]:
    from openpyxl.utils import range_boundaries
    from openpyxl.utils.cell import get_column_letter

    c1, r1, c2, r2 = range_boundaries(ref)
    return {f"{get_column_letter(c)}{r}" for c in range(c1, c2 + 1) for r in range(r1, r2 + 1)}


def test_peers_see_only_their_sections(generated):
    result = generated
    wb = load_workbook(result.files[1])  # E002: self, peers, subordinate of E001
    kinds = {s[2]: s[0] for s in meta(wb)[1]}
    peer_keys = sheet_rows(wb[kinds["peer"]])
    assert not any(k.startswith(("kpi:", "task:")) for k in peer_keys)
    assert {"competency:C1", "competency:C2"} <= set(peer_keys)
    assert "score:kpi" not in peer_keys and layout.TOTAL_KEY in peer_keys
    self_keys = sheet_rows(wb[kinds["self"]])
    assert {"kpi:S01", "task:T1", "competency:C1", "comment:development"} <= set(self_keys)


def test_formulas_carry_real_cached_results(generated, tmp_path):
    """A blank form shows blanks, not xlsxwriter's default 0."""
    result = generated
    book = CalamineWorkbook.from_path(str(result.files[0]))
    values = book.get_sheet_by_name("李娜 E002").to_python()
    keys = {row[0]: row for row in values if row and row[0]}
    assert keys["kpi:S01"][10] == "" and keys[layout.TOTAL_KEY][10] == ""
    ws = load_workbook(result.files[0])["李娜 E002"]
    row = sheet_rows(ws)["kpi:S01"]
    assert ws.cell(row, 11).value.startswith("=IF(ISNUMBER(J")


def test_free_text_from_the_plan_is_never_a_formula(tmp_path, small_plan):
    sales = small_plan.roles[0]
    evil_kpi = Kpi(
        code="S09", name='=HYPERLINK("http://x","y")', definition="+1-1", weight=1, target=1
    )
    kpis = [*sales.kpis[:-1], sales.kpis[-1].model_copy(update={"weight": 19}), evil_kpi]
    people = list(small_plan.roster.employees)
    people[1] = people[1].model_copy(update={"name": "=1+2"})
    plan = small_plan.model_copy(
        update={
            "roles": [sales.model_copy(update={"kpis": kpis}), small_plan.roles[1]],
            "roster": small_plan.roster.model_copy(update={"employees": people}),
        }
    )
    result = generate_forms(tmp_path / "ws", plan=plan, workers=1)
    wb = load_workbook(result.files[0])
    ws = wb[wb.sheetnames[2]]
    row = sheet_rows(ws)["kpi:S09"]
    name, definition = ws.cell(row, 3), ws.cell(row, 4)
    assert name.data_type == "s" and name.value.startswith("=HYPERLINK")
    assert definition.data_type == "s" and definition.value == "+1-1"
    assert ws["B2"].data_type == "s" and "=1+2" in ws["B2"].value


def test_imported_actuals_and_target_changes_are_locked_in(tmp_path, small_plan):
    ws_ = Workspace(tmp_path / "ws").create()
    with ws_.ledger() as db:
        store_imported_actuals(db, [("E002", "S01", 88.5)], "crm.csv", "2027-01-02")
        for old, new in ((95, 110), (110, 120)):
            record_target_change(db, "E002", "S02", old, new, "r", "hr")
    result = generate_forms(ws_.root, plan=small_plan, workers=1)
    ws = load_workbook(result.files[0])["李娜 E002"]
    rows = sheet_rows(ws)
    cols = columns_above(ws, rows["kpi:S01"])
    actual = ws.cell(rows["kpi:S01"], cols["actual"])
    assert actual.value == 88.5 and actual.protection.locked is not False
    assert ws.cell(rows["kpi:S02"], cols["target"]).value == 120  # the latest change
    cached = CalamineWorkbook.from_path(str(result.files[0])).get_sheet_by_name("李娜 E002")
    by_key = {r[0]: r for r in cached.to_python() if r and r[0]}
    assert by_key["kpi:S01"][10] == 88.5  # linear: 88.5 / 100 * 100
    assert by_key["score:kpi"][10] == 88.5  # only item scored so far
    with sqlite3.connect(ws_.ledger_path) as db:
        locked = json.loads(
            db.execute(
                "SELECT locked_json FROM form_sheets WHERE ratee_id='E002' AND rater_type='manager'"
            ).fetchone()[0]
        )
    assert locked["kpi:S01"] == {"actual": 88.5, "baseline": None, "target": 100, "weight": 50}
    assert locked["kpi:S02"]["target"] == 120
    assert locked["competency:C1"] == {"weight": 50}


def test_digest_changes_with_a_locked_value(generated, small_plan):
    result, plan = generated, small_plan
    from perfsheets.forms.jobs import plan_jobs

    _, jobs = plan_jobs(plan, generation="x", plan_version=1, plan_digest="d", generated_at="t")
    job = next(jobs)
    writer = FormWriter(plan, result.forms_dir)
    heavier = plan.model_copy(
        update={
            "roles": [
                plan.roles[0].model_copy(
                    update={"kpis": [plan.roles[0].kpis[0].model_copy(update={"weight": 60})]}
                ),
                plan.roles[1],
            ]
        }
    )
    assert writer.record(job).digest != FormWriter(heavier, result.forms_dir).record(job).digest
    # the digest depends on the locked content only: another writer of an equal plan agrees
    twin = FormWriter(plan.model_copy(deep=True), result.forms_dir)
    assert twin.record(job).digest == writer.record(job).digest


def test_regenerating_gives_new_form_ids_and_removes_stale_forms(tmp_path, small_plan):
    first = generate_forms(tmp_path / "ws", plan=small_plan, workers=1)
    people = [e for e in small_plan.roster.employees if e.id != "E007"]
    smaller = small_plan.model_copy(
        update={"roster": small_plan.roster.model_copy(update={"employees": people})}
    )
    second = generate_forms(tmp_path / "ws", plan=smaller, workers=1)
    assert second.generation != first.generation and second.plan_version == first.plan_version + 1
    assert second.forms == 6 and all(p.exists() for p in second.files)
    assert not any("E007" in p.name for p in (tmp_path / "ws" / "forms").iterdir())
    fields, _ = meta(load_workbook(second.files[0]))
    assert fields["form_id"].endswith(second.generation)


def test_customers_and_parallel_workers(tmp_path, small_plan):
    """External raters get forms too; the worker pool writes the same forms as one process."""
    from test_forms_readers import with_customer

    plan = with_customer(small_plan)
    result = generate_forms(tmp_path / "ws", plan=plan, workers=2)
    assert result.forms == 8
    customer = next(p for p in result.files if "X01" in p.name)
    wb = load_workbook(customer)
    assert meta(wb)[1] == [["李娜 E002", "E002", "customer"]]


def test_english_plan_with_password(tmp_path, small_plan):
    cycle = small_plan.cycle.model_copy(
        update={"language": "en", "name_en": "Q4 2026", "form_password": "s3cret"}
    )
    plan = small_plan.model_copy(update={"cycle": cycle})
    result = generate_forms(tmp_path / "ws", plan=plan, workers=1)
    wb = load_workbook(result.files[0])
    assert wb.sheetnames[0] == "Instructions" and wb.sheetnames[-2] == "Scoring criteria"
    assert wb.security.lockStructure and wb.security.workbookPassword
    ws = wb[wb.sheetnames[2]]
    assert ws["B1"].value == "Q4 2026 – assessment form"
    assert ws.protection.sheet and ws.protection.password  # hashed, not the plain password
    assert ws.protection.password != "s3cret"
    assert "Return this file by 2027-01-10" in ws["B4"].value


def test_generate_refuses_a_plan_with_errors_and_writes_nothing(tmp_path, small_plan):
    from perfsheets.core.problems import PerfsheetsError

    role = small_plan.roles[0]
    heavy = role.kpis[0].model_copy(update={"weight": role.kpis[0].weight + 5})  # 105 in all
    roles = [role.model_copy(update={"kpis": [heavy, *role.kpis[1:]]}), *small_plan.roles[1:]]
    broken = small_plan.model_copy(update={"roles": roles})
    with pytest.raises(PerfsheetsError, match="未生成评价表") as caught:
        generate_forms(tmp_path / "ws", plan=broken)
    assert caught.value.report is not None and caught.value.report.errors
    assert not (tmp_path / "ws" / "forms").exists()


def test_sheet_names_fit_excels_limit_in_utf16_units():
    from perfsheets.forms.jobs import sheet_name

    taken: set[str] = set()
    name = sheet_name("😀" * 20 + " E0001", taken)  # 20 emoji = 40 UTF-16 units
    assert len(name.encode("utf-16-le")) // 2 <= 31 and name == "😀" * 15
    second = sheet_name("😀" * 20 + " E0002", taken)
    assert second != name and len(second.encode("utf-16-le")) // 2 <= 31
    assert sheet_name("李娜 E0002", taken) == "李娜 E0002"


def test_emoji_and_long_chinese_names_generate_forms(tmp_path, small_plan):
    people = list(small_plan.roster.employees)
    people[1] = people[1].model_copy(update={"name": "😀" * 20})
    people[2] = people[2].model_copy(update={"name": "𠀀" * 30 + "欧阳" * 40})  # Ext-B + 110 chars
    plan = small_plan.model_copy(
        update={"roster": small_plan.roster.model_copy(update={"employees": people})}
    )
    result = generate_forms(tmp_path / "ws", plan=plan, workers=1)
    assert result.files and all(len(p.name.encode("utf-8")) <= 255 for p in result.files)
    for path in result.files:
        book = openpyxl.load_workbook(path, read_only=True)
        assert all(len(n.encode("utf-16-le")) // 2 <= 31 for n in book.sheetnames)


def test_a_duplicate_employee_id_is_named_as_such_before_any_form(tmp_path, small_plan):
    from perfsheets.core.problems import PerfsheetsError

    people = list(small_plan.roster.employees)
    people.append(people[-1].model_copy(update={"name": "重名的人"}))
    plan = small_plan.model_copy(
        update={"roster": small_plan.roster.model_copy(update={"employees": people})}
    )
    with pytest.raises(PerfsheetsError) as caught:
        generate_forms(tmp_path / "ws", plan=plan, workers=1)
    assert caught.value.report is not None
    assert (
        "duplicate-employee" in caught.value.report.codes()
        or "duplicate-id" in caught.value.report.codes()
    )
    assert not (tmp_path / "ws" / "forms").exists()


def test_people_not_assessed_get_no_forms_and_are_listed(tmp_path, small_plan):
    import datetime as dt

    from perfsheets.ledger.forms import form_records

    people = list(small_plan.roster.employees)
    people[6] = people[6].model_copy(update={"on_leave": True})  # E007 孙丽
    people[2] = people[2].model_copy(update={"hire_date": dt.date(2026, 12, 1)})  # E003
    plan = small_plan.model_copy(
        update={
            "roster": small_plan.roster.model_copy(update={"employees": people}),
            "eligibility": small_plan.eligibility.model_copy(update={"min_months": 2}),
        }
    )
    result = generate_forms(tmp_path / "ws", plan=plan, workers=1)
    assert result.not_assessed == 2
    rows = list(csv.reader(result.not_assessed_list.read_text("utf-8-sig").splitlines()))
    assert rows == [
        ["employee_id", "name", "department", "reason", "reason_text"],
        ["E003", "张伟", "销售部", "too_short", "本期在职不足 2 个月"],
        ["E007", "孙丽", "行政部", "on_leave", "休假中（方案不考核）"],
    ]
    ws = Workspace(tmp_path / "ws")
    with ws.ledger() as conn:
        ratees = {s.ratee_id for f in form_records(conn) for s in f.sheets}
    assert "E003" not in ratees and "E007" not in ratees and "E002" in ratees
    # Not assessed, still a rater: E003 (joined late) rates colleagues and the manager.
    assert "E003" in (ws.forms / "index.csv").read_text("utf-8-sig")
