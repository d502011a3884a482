"""Every problem collect reports inside a form, each from a real generated form filled and edited
with openpyxl (which, like scripts, leaves no cached formula values)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from collect_support import (
    find_cell,
    form_path,
    ledger_rows,
    put,
    returned,
    without,
)

from perfsheets.collect.run import collect_returns
from perfsheets.core import layout
from perfsheets.ledger.workspace import Workspace

SELF = "自评 李娜"  # E002's own sheet: KPIs, task, competencies, four comments
PEER = "张伟 E003"  # E002 rating a peer: competencies and two comments
MANAGED = "李娜 E002"  # E001 (the manager) rating E002


def collect_one(ws: Workspace, path: Path, plan):
    result = collect_returns(ws.root, [path], plan=plan, workers=0)
    assert len(result.files) == 1
    return result


def only(result, code: str):
    found = [p for p in result.report if p.code == code]
    assert found, f"{code} not in {result.report.codes()}"
    return found[0]


# --- inputs -------------------------------------------------------------------------------------


def test_locked_weight_change_says_which_value_became_which(ws, plan):
    path = returned(ws, "E002", put(SELF, "kpi:S02", 40, "weight"))
    result = collect_one(ws, path, plan)
    problem = only(result, "locked-changed")
    assert (problem.sheet, problem.severity) == (SELF, "error")
    assert "30 改为 40" in problem.message("zh-CN")
    assert "from 30 to 40" in problem.message("en")
    assert result.files[0].outcome == "rejected" and result.exit_code == 1
    assert ledger_rows(ws, "SELECT COUNT(*) FROM returns") == [(0,)]


def test_manager_must_fill_ratings_and_actuals(ws, plan):
    def clear(wb) -> None:
        put(MANAGED, "competency:C1", None)(wb)
        put(MANAGED, "kpi:S01", None)(wb)

    result = collect_one(ws, returned(ws, "E001", clear), plan)
    missing = [p for p in result.report if p.code == "required-missing"]
    assert len(missing) == 2
    assert {p.sheet for p in missing} == {MANAGED}
    assert all(p.cell for p in missing)


def test_self_may_leave_actuals_blank(ws, plan):
    path = returned(ws, "E002", put(SELF, "kpi:S01", None))
    result = collect_one(ws, path, plan)
    assert result.report.codes() == []
    assert result.files[0].outcome == "accepted"


def test_not_a_number(ws, plan):
    result = collect_one(ws, returned(ws, "E002", put(SELF, "kpi:S01", "about 90")), plan)
    problem = only(result, "not-a-number")
    assert problem.sheet == SELF and problem.cell
    assert "about 90" in problem.message()


def test_out_of_range(ws, plan):
    result = collect_one(ws, returned(ws, "E002", put(SELF, "kpi:S02", 120)), plan)
    assert "0 ~ 100" in only(result, "out-of-range").message()


@pytest.mark.parametrize("value", [7, "很好", 3.5])
def test_rating_not_an_allowed_choice(ws, plan, value):
    result = collect_one(ws, returned(ws, "E002", put(PEER, "competency:C1", value)), plan)
    assert "1, 2, 3, 4, 5" in only(result, "not-allowed").message()


def test_comment_too_long(ws, plan):
    text = "很" * (layout.COMMENT_MAX_CHARS + 1)
    result = collect_one(ws, returned(ws, "E002", put(PEER, "comment:strengths", text)), plan)
    assert str(layout.COMMENT_MAX_CHARS + 1) in only(result, "text-too-long").message()


def test_formula_typed_into_an_input_cell(ws, plan):
    result = collect_one(ws, returned(ws, "E002", put(SELF, "kpi:S01", "=80+10")), plan)
    problem = only(result, "formula-in-input")
    assert problem.sheet == SELF and problem.cell
    # only the faulty sheet is sent back; the file's other sheets are accepted
    assert (result.files[0].outcome, result.files[0].rejected_sheets) == ("accepted", 1)
    assert result.exit_code == 1


def test_formula_typed_into_a_comment(ws, plan):
    path = returned(ws, "E002", put(PEER, "comment:strengths", '=HYPERLINK("x","y")'))
    result = collect_one(ws, path, plan)
    assert only(result, "formula-in-input").sheet == PEER


def test_unambiguous_values_are_normalised_with_a_warning(ws, plan):
    def typed(wb) -> None:
        put(SELF, "kpi:S01", "８５")(wb)  # full-width digits, as text
        put(SELF, "kpi:S02", "85%")(wb)  # percent KPI
        put(SELF, "kpi:S03", " 1,234 ")(wb)  # spaces and a thousands separator
        put(SELF, "task:T1", "优秀")(wb)  # the level's name instead of 5

    result = collect_one(ws, returned(ws, "E002", typed), plan)
    assert result.files[0].outcome == "accepted"
    assert result.report.codes() == ["value-normalised"] * 4
    assert all(p.severity == "warning" for p in result.report)
    values = dict(
        ledger_rows(
            ws,
            "SELECT item_key, value_num FROM entries WHERE ratee_id='E002' AND rater_type='self'",
        )
    )
    assert values["kpi:S01"] == 85 and values["kpi:S02"] == 85
    assert values["kpi:S03"] == 1234 and values["task:T1"] == 5


def test_percent_typed_in_excel_is_read_as_percent(ws, plan):
    """Typing 85% in Excel stores 0.85 formatted as a percentage: that means 85 here."""

    def typed(wb) -> None:
        sheet = wb[SELF]
        cell = sheet[find_cell(sheet, "kpi:S02", "actual")]
        cell.value, cell.number_format = 0.85, "0%"

    result = collect_one(ws, returned(ws, "E002", typed), plan)
    assert result.files[0].outcome == "accepted"
    assert "85" in only(result, "value-normalised").message()
    rows = ledger_rows(
        ws, "SELECT value_num FROM entries WHERE item_key='kpi:S02' AND rater_type='self'"
    )
    assert rows == [(85.0,)]


@pytest.mark.parametrize("value", ["1,5", "85%"])
def test_ambiguous_values_are_errors(ws, plan, value):
    # "1,5" may be a European decimal; "%" is not the unit of S01 (万元)
    result = collect_one(ws, returned(ws, "E002", put(SELF, "kpi:S01", value)), plan)
    assert only(result, "not-a-number")


# --- layout ---------------------------------------------------------------------------------------


def test_inserted_rows_columns_and_reordered_sheets_do_not_matter(ws, plan):
    def rearrange(wb) -> None:
        sheet = wb[SELF]
        sheet.insert_rows(1, 3)
        sheet.insert_cols(3, 2)
        wb.move_sheet(PEER, offset=-2)
        put(SELF, "kpi:S01", 77)(wb)

    path = returned(ws, "E002", rearrange, name="my appraisal (final).xlsx")
    result = collect_one(ws, path, plan)
    assert result.files[0].outcome == "accepted", result.report.rows()
    rows = ledger_rows(
        ws, "SELECT value_num FROM entries WHERE item_key='kpi:S01' AND rater_type='self'"
    )
    assert rows == [(77,)]


def test_deleted_sheet(ws, plan):
    def drop(wb) -> None:
        del wb[PEER]

    result = collect_one(ws, returned(ws, "E002", drop), plan)
    assert only(result, "sheet-missing").sheet == PEER


def test_renamed_sheet_is_still_read(ws, plan):
    def rename(wb) -> None:
        wb[PEER].title = "Zhang Wei"

    result = collect_one(ws, returned(ws, "E002", rename), plan)
    assert only(result, "sheet-renamed").severity == "warning"
    assert result.files[0].outcome == "accepted"
    assert ledger_rows(ws, "SELECT COUNT(*) FROM entries WHERE ratee_id='E003'") == [(4,)]


def test_key_column_cleared(ws, plan):
    def clear_keys(wb) -> None:
        for row in wb[PEER].iter_rows(max_col=1):
            row[0].value = None

    result = collect_one(ws, returned(ws, "E002", clear_keys), plan)
    assert only(result, "keys-missing").sheet == PEER


def test_deleted_item_row(ws, plan):
    def delete(wb) -> None:
        sheet = wb[PEER]
        row = int(find_cell(sheet, "competency:C2", "rating")[1:])
        sheet.delete_rows(row)

    result = collect_one(ws, returned(ws, "E002", delete), plan)
    assert "C2" in only(result, "item-missing").message()


def test_copied_item_row_with_two_values(ws, plan):
    def copy_row(wb) -> None:
        sheet = wb[PEER]
        row = int(find_cell(sheet, "competency:C1", "rating")[1:])
        sheet.insert_rows(row + 1)
        for cell in sheet[row]:
            sheet.cell(row + 1, cell.column).value = cell.value
        sheet[find_cell(sheet, "competency:C1", "rating")].value = 2

    result = collect_one(ws, returned(ws, "E002", copy_row), plan)
    assert only(result, "duplicate-item").sheet == PEER


# --- identity -------------------------------------------------------------------------------------


def set_meta(field: str, value: object) -> Callable:
    def edit(wb) -> None:
        for row in wb[layout.META_SHEET].iter_rows(max_col=2):
            if row[0].value == field:
                row[1].value = value

    return edit


def test_meta_sheet_missing(ws, plan):
    def drop(wb) -> None:
        del wb[layout.META_SHEET]

    assert only(collect_one(ws, returned(ws, "E002", drop), plan), "meta-missing")


def test_meta_damaged(ws, plan):
    result = collect_one(ws, returned(ws, "E002", set_meta("form_id", None)), plan)
    assert "form_id" in only(result, "meta-invalid").message()


def test_form_of_another_cycle(ws, plan):
    result = collect_one(ws, returned(ws, "E002", set_meta("cycle_id", "2025Q4")), plan)
    assert "2025Q4" in only(result, "wrong-cycle").message()


def test_unknown_form_id(ws, plan):
    result = collect_one(ws, returned(ws, "E002", set_meta("form_id", "2026Q4-E002-000000")), plan)
    assert only(result, "unknown-form")


def test_form_of_an_earlier_plan_version(tmp_path, ws, plan):
    from perfsheets.forms.generate import generate_forms

    old = returned(ws, "E002", name="old.xlsx")
    changed = plan.model_copy(
        update={"cycle": plan.cycle.model_copy(update={"name": "2026 Q4 (revised)"})}
    )
    generate_forms(ws.root, plan=changed, workers=1)
    result = collect_one(ws, old, changed)
    assert "1" in only(result, "wrong-plan-version").message()


def test_regenerated_form_with_changed_targets_is_outdated(ws, plan):
    from perfsheets.forms.generate import generate_forms
    from perfsheets.ledger.changes import record_target_change

    old = returned(ws, "E002", name="old.xlsx")
    with ws.ledger() as conn:
        record_target_change(conn, "E002", "S01", 100, 110, "test", "hr")
    generate_forms(ws.root, plan=plan, workers=1)
    assert only(collect_one(ws, old, plan), "outdated-form")


def test_regenerated_identical_form_still_counts(ws, plan):
    from perfsheets.collect.run import return_status
    from perfsheets.forms.generate import generate_forms

    old = returned(ws, "E002", name="old.xlsx")
    generate_forms(ws.root, plan=plan, workers=1)
    result = collect_one(ws, old, plan)
    assert result.files[0].outcome == "accepted"
    status = {r.rater_id: r.state for r in return_status(ws.root, plan=plan).raters}
    assert status["E002"] == "returned"


def test_rater_who_left_the_roster(ws, plan):
    # E007 left: her own form is refused; her manager's sheet about her is not counted.
    left = without(plan, "E007")
    result = collect_returns(
        ws.root, [returned(ws, "E007"), returned(ws, "E006")], plan=left, workers=0
    )
    outcomes = {f.rater_id: f.outcome for f in result.files}
    assert outcomes == {"E007": "rejected", "E006": "accepted"}
    assert only(result, "rater-not-in-roster").file.endswith(form_path(ws, "E007").name)
    assert only(result, "ratee-not-in-roster").severity == "warning"
    assert ledger_rows(ws, "SELECT COUNT(*) FROM entries WHERE ratee_id='E007'") == [(0,)]
