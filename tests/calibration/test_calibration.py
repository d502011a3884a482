"""The calibration meeting on a real consolidated workspace: the workbook written, filled with
openpyxl (and LibreOffice), applied; final grades, quotas, coefficients, audit rows and
scores.csv checked; bad files refused with a located problem and nothing changed."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from collect_support import load_workbook

from perfsheets.calibration.book import COL, calibration_group
from perfsheets.calibration.run import apply_file, calibrate, release_cycle
from perfsheets.collect.run import collect_returns
from perfsheets.consolidation.final import write_final_books
from perfsheets.consolidation.run import consolidate
from perfsheets.core.problems import PerfsheetsError
from perfsheets.ledger.calibration import cycle_stage
from perfsheets.ledger.results import frozen_plan, load_results, run_summary
from perfsheets.ledger.workspace import Workspace

SHEET = "校准"


@pytest.fixture
def ws(consolidated_example, tmp_path) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(consolidated_example, root)
    return root


def results(root: Path) -> dict:
    with Workspace(root).ledger() as conn:
        return {r.employee_id: r for r in load_results(conn)}


def rows_of(book: Path) -> dict[str, int]:
    """Employee id -> row number on the people sheet."""
    wb = openpyxl.load_workbook(book, read_only=True)
    ids = {row[0].value: row[0].row for row in wb[SHEET].iter_rows(min_row=2) if row[0].value}
    wb.close()
    return ids


def fill(book: Path, out: Path, decisions: dict[str, dict[str, object]], edit=None) -> Path:
    """Write decisions {employee: {column key: value}} into a copy of the workbook."""
    wb = load_workbook(book)
    ws = wb[SHEET]
    rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    for emp, values in decisions.items():
        for key, value in values.items():
            ws.cell(rows[emp], COL[key] + 1, value)
    if edit:
        edit(wb)
    wb.save(out)
    return out


def by_grade(res: dict, grade: str, group: str = "*pooled*") -> list[str]:
    return sorted(e for e, r in res.items() if r.grade == grade and r.quota_group == group)


def decision_count(root: Path) -> int:
    with Workspace(root).ledger() as conn:
        return conn.execute("SELECT COUNT(*) FROM calibration_decisions").fetchone()[0]


def audit_rows(root: Path, action: str) -> list[dict]:
    with Workspace(root).ledger() as conn:
        rows = conn.execute("SELECT detail FROM audit WHERE action=?", (action,)).fetchall()
    return [json.loads(r[0]) for r in rows]


def test_the_workbook_shows_the_results_and_unlocks_only_the_committee_columns(ws):
    book = calibrate(ws)
    assert book.path == ws / "calibration" / "calibration.xlsx"
    wb = load_workbook(book.path)
    assert wb.sheetnames == ["校准", "分布", "九宫格", "_meta"]
    assert wb["_meta"].sheet_state == "veryHidden"
    meta = {r[0]: r[1] for r in wb["_meta"].iter_rows(values_only=True)}
    assert meta["run_id"] == str(book.run_id) and meta["book_id"] == book.book_id
    people = wb[SHEET]
    assert people.protection.sheet
    res = results(ws)
    assert people.max_row == len(res) + 1
    row = 2
    emp = people.cell(row, 1).value
    assert people.cell(row, COL["total"] + 1).value == res[emp].total_score
    assert people.cell(row, COL["grade"] + 1).value == res[emp].grade
    for key, col in COL.items():
        locked = people.cell(row, col + 1).protection.locked
        assert locked == (key not in ("committee_grade", "potential", "reason", "decided_by"))
    lists = {
        next(iter(dv.sqref.ranges)).min_col - 1: dv.formula1
        for dv in people.data_validations.dataValidation
    }
    assert lists[COL["committee_grade"]] == '"S,A,B,C,D"'
    assert lists[COL["potential"]] == '"高,中,低"'
    # the distribution sheet holds the group's quota words and counts
    dist = list(wb["分布"].iter_rows(min_row=2, values_only=True))
    pooled_a = next(r for r in dist if r[0] == "合并的小组" and r[2].startswith("A "))
    assert pooled_a[3] == "上限 20%" and pooled_a[4] == len(by_grade(res, "A"))
    # nine-box: every graded person is in one cell of the grid, under "not rated" for now
    grid = list(wb["九宫格"].iter_rows(values_only=True))
    assert grid[0][1:] == ("高", "中", "低", "未评")
    counted = sum(int(c.split(" ")[0]) for r in grid[1:] for c in r[1:])
    assert counted == sum(1 for r in res.values() if r.grade)


def test_applied_decisions_give_the_final_grade_everywhere(ws, tmp_path):
    book = calibrate(ws).path
    res = results(ws)
    down = by_grade(res, "B")[0]  # B -> C: no quota on C, so the quotas still hold
    filled = fill(
        book,
        tmp_path / "d1.xlsx",
        {
            down: {
                "committee_grade": "C",
                "reason": '+HYPERLINK("x") 项目延期',
                "decided_by": "委员会",
                "potential": "低",
            },
            by_grade(res, "A")[0]: {"potential": "高"},
        },
    )
    outcome = apply_file(ws, filled)
    assert outcome.valid and outcome.applied == 2
    after = results(ws)
    plan = frozen_plan_of(ws)
    coefficient = {g.code: g.coefficient for g in plan.grading.levels}
    changed = after[down]
    assert (changed.grade, changed.consolidated_grade, changed.committee_grade) == ("C", "B", "C")
    assert changed.coefficient == coefficient["C"] != coefficient["B"]
    assert "calibrated" in changed.flags and changed.potential == "low"
    assert changed.consequence == next(g.consequence for g in plan.grading.levels if g.code == "C")
    assert after[by_grade(res, "A")[0]].grade == "A"  # potential only: grade unchanged
    decided = audit_rows(ws, "calibration.decide")
    change = next(d for d in decided if d["after"] == "C")
    assert (change["before"], change["reason"], change["decided_by"]) == (
        "B",
        '+HYPERLINK("x") 项目延期',
        "委员会",
    )
    assert len(decided) == 2
    # the run's files, rewritten as the CLI does after a file with decisions
    write_final_books(ws)
    # scores.csv shows the final grade, the consolidated one and the reason (neutralised)
    with open(ws / "results" / "scores.csv", encoding="utf-8-sig") as fh:
        row = next(r for r in csv.DictReader(fh) if r["employee_id"] == down)
    assert (row["grade"], row["consolidated_grade"]) == ("C", "B")
    assert row["calibration_reason"].startswith("'+HYPERLINK")
    assert float(row["coefficient"]) == coefficient["C"]
    check_results_book(ws, down, "C", "B", '+HYPERLINK("x") 项目延期')
    # re-applying the same file changes nothing
    again = apply_file(ws, filled)
    assert again.already_applied and again.applied == 0 and decision_count(ws) == 2
    # a new workbook carries the decisions in force; the reason stays text, not a formula
    book2 = calibrate(ws).path
    wb = load_workbook(book2)
    r = rows_of(book2)[down]
    cell = wb[SHEET].cell(r, COL["reason"] + 1)
    assert cell.data_type == "s" and cell.value.startswith("+HYPERLINK")
    assert wb[SHEET].cell(r, COL["committee_grade"] + 1).value == "C"
    # a later file supersedes the decision for the same person; both stay in the audit log
    later = fill(
        book2,
        tmp_path / "d2.xlsx",
        {down: {"committee_grade": "D", "reason": "复核后", "decided_by": "HR"}},
    )
    assert apply_file(ws, later).applied == 1
    final = results(ws)[down]
    assert final.grade == "D" and final.consolidated_grade == "B"
    assert [(s.to_grade, s.in_force) for s in final.calibration_trail] == [
        ("C", False),
        ("D", True),
    ]
    assert len(audit_rows(ws, "calibration.decide")) == 3
    with Workspace(ws).ledger() as conn:
        assert cycle_stage(conn) == "calibrating"


def check_results_book(root: Path, emp: str, final: str, before: str, reason: str) -> None:
    """results.xlsx: the final grade on the summary with the consolidated one beside it, the
    decision on the calibration sheet, final counts beside the consolidated ones."""
    wb = openpyxl.load_workbook(root / "results" / "results.xlsx", read_only=True)
    summary = list(wb["汇总"].iter_rows(values_only=True))
    head = summary[0]
    row = next(r for r in summary if r[0] == emp)
    assert row[head.index("等级")] == final
    assert row[head.index("汇总等级（校准前）")] == before
    trail = list(wb["校准记录"].iter_rows(values_only=True))
    step = next(r for r in trail if r[0] == emp and r[10] == "✓")
    assert (step[4], step[5], step[7]) == (before, final, reason)
    assert isinstance(step[3], float)  # the total, a number
    dist = {r[0]: r for r in wb["等级分布"].iter_rows(min_row=2, values_only=True) if r[0]}
    final_counts = {g: dist[g][4] for g in "SABCD"}
    consolidated = {g: dist[g][7] for g in "SABCD"}
    assert final_counts[final] == consolidated[final] + 1
    assert final_counts[before] == consolidated[before] - 1
    rules = {r[0]: r[1] for r in wb["计算规则"].iter_rows(values_only=True)}
    assert rules["绩效评定委员会"].startswith("1 人的等级由委员会决定")
    wb.close()


def frozen_plan_of(root: Path):
    with Workspace(root).ledger() as conn:
        plan = frozen_plan(conn)
    assert plan is not None
    return plan


def _other_cycle(wb):
    wb["_meta"]["B3"] = "2020-H1"


def _foreign_book(wb):
    wb["_meta"]["B5"] = "0" * 64


def _added_person(wb):
    ws = wb[SHEET]
    row = ws.max_row + 1
    ws.cell(row, 1, "E9999")
    ws.cell(row, COL["committee_grade"] + 1, "S")


@pytest.mark.parametrize(
    ("case", "code", "cell"),
    [
        ("tampered", "calibration-locked-changed", "I"),
        ("grade", "calibration-grade-unknown", "P"),
        ("reason", "calibration-reason-missing", "R"),
        ("formula", "calibration-formula", "R"),
        ("person", "calibration-unknown-person", "A"),
        ("cycle", "calibration-wrong-cycle", "B3"),
        ("foreign", "calibration-unknown-book", "B5"),
    ],
)
def test_a_bad_file_gets_a_located_problem_and_changes_nothing(ws, tmp_path, case, code, cell):
    book = calibrate(ws).path
    res = results(ws)
    ok = by_grade(res, "B")[0]
    other = by_grade(res, "B")[1]
    good = {"committee_grade": "C", "reason": "理由", "decided_by": "委员会"}
    decisions = {ok: good}
    edit = None
    if case == "tampered":
        decisions[other] = {"total": 99.0}
    elif case == "grade":
        decisions[other] = {**good, "committee_grade": "Z"}
    elif case == "reason":
        decisions[other] = {**good, "reason": None}
    elif case == "formula":
        decisions[other] = {**good, "reason": '=HYPERLINK("http://x")'}
    else:
        edit = {"person": _added_person, "cycle": _other_cycle, "foreign": _foreign_book}[case]
    outcome = apply_file(ws, fill(book, tmp_path / "bad.xlsx", decisions, edit))
    assert not outcome.valid and outcome.applied == 0
    problem = next(p for p in outcome.report if p.code == code)
    assert problem.cell.startswith(cell) and problem.file == "bad.xlsx"
    assert problem.message("zh-CN") and problem.message("en") != problem.message("zh-CN")
    if len(cell) == 1:  # a row problem: it points at the row of the person (or the added row)
        assert problem.sheet == SHEET
    assert decision_count(ws) == 0
    assert results(ws)[ok].grade == "B"


def test_a_quota_breach_is_refused_unless_the_plan_allows_it(ws, tmp_path):
    book = calibrate(ws).path
    res = results(ws)
    a_count = len(by_grade(res, "A"))
    assert a_count == 6  # A: at most 20% of the 30 pooled people
    up = by_grade(res, "B")[0]
    decisions = {up: {"committee_grade": "A", "reason": "突出贡献", "decided_by": "委员会"}}
    refused = apply_file(ws, fill(book, tmp_path / "up.xlsx", decisions))
    breach = next(p for p in refused.report if p.code == "calibration-quota-breach")
    assert breach.params["count"] == 7 and breach.params["limit"] == 6
    assert "上限" in breach.message("zh-CN") and "at most" in breach.message("en")
    assert decision_count(ws) == 0
    # the plan allows the committee to exceed quotas: applied and listed as such
    with Workspace(ws).ledger() as conn:
        (version, text) = conn.execute(
            "SELECT p.version, p.plan_json FROM plan_versions p JOIN runs r"
            " ON r.plan_version=p.version"
        ).fetchone()
        plan = json.loads(text)
        plan["grading"]["calibration"] = {"allow_quota_breach": True}
        conn.execute(
            "UPDATE plan_versions SET plan_json=? WHERE version=?", (json.dumps(plan), version)
        )
    allowed = apply_file(ws, fill(book, tmp_path / "up2.xlsx", decisions))
    assert allowed.valid and allowed.applied == 1
    assert [p.code for p in allowed.report] == ["calibration-quota-exceeded"]
    final = results(ws)[up]
    assert final.grade == "A" and "quota_exceeded" in final.flags
    assert final.calibration_trail[-1].quota_breach


def test_release_freezes_the_results_until_reopened_with_a_reason(ws, tmp_path):
    book = calibrate(ws).path
    state = release_cycle(ws)
    assert state is not None and state.frozen
    with Workspace(ws).ledger() as conn:
        assert cycle_stage(conn) == "released"
    for run in (
        lambda: consolidate(ws, previous=[]),
        lambda: collect_returns(ws),
        lambda: calibrate(ws),
    ):
        with pytest.raises(PerfsheetsError, match="发布"):
            run()
    res = results(ws)
    filled = fill(
        book,
        tmp_path / "d.xlsx",
        {by_grade(res, "B")[0]: {"committee_grade": "C", "reason": "x", "decided_by": "y"}},
    )
    with pytest.raises(PerfsheetsError):
        apply_file(ws, filled)
    assert decision_count(ws) == 0
    # reopened with a reason (audited): the file is applied
    assert apply_file(ws, filled, reopen_reason="申诉成立").applied == 1
    assert audit_rows(ws, "cycle.reopen")[0]["reason"] == "申诉成立"
    with Workspace(ws).ledger() as conn:
        assert cycle_stage(conn) == "calibrating"
    release_cycle(ws)
    with pytest.raises(PerfsheetsError):
        consolidate(ws, previous=[])


@pytest.mark.requires_soffice
def test_a_file_saved_by_libreoffice_is_applied(ws, tmp_path):
    book = calibrate(ws).path
    res = results(ws)
    down = by_grade(res, "B")[0]
    filled = fill(
        book,
        tmp_path / "filled.xlsx",
        {
            down: {
                "committee_grade": "C",
                "reason": "延期",
                "decided_by": "委员会",
                "potential": "中",
            }
        },
    )
    out = tmp_path / "lo"
    out.mkdir()
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out),
            str(filled),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    outcome = apply_file(ws, out / "filled.xlsx")
    assert outcome.valid, outcome.report.rows()
    after = results(ws)[down]
    assert (after.grade, after.potential) == ("C", "medium")


def test_the_command_line_calibrates_applies_releases_and_shows_the_stage(ws, tmp_path):
    from typer.testing import CliRunner

    from perfsheets.cli import app

    runner = CliRunner()
    done = runner.invoke(app, ["calibrate", str(ws), "--lang", "en"])
    assert done.exit_code == 0, done.output
    book = ws / "calibration" / "calibration.xlsx"
    wb = openpyxl.load_workbook(book, read_only=True)
    assert wb.sheetnames[:3] == ["Calibration", "Distribution", "Nine-box"]
    wb.close()
    res = results(ws)
    emp = by_grade(res, "B")[0]
    wb = load_workbook(book)
    sheet = wb["Calibration"]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 1).value == emp)
    sheet.cell(row, COL["committee_grade"] + 1, "Z")
    wb.save(tmp_path / "bad.xlsx")
    bad = runner.invoke(
        app, ["calibrate", str(ws), "--apply", str(tmp_path / "bad.xlsx"), "--lang", "en"]
    )
    assert bad.exit_code == 1 and f"P{row}" in bad.output  # located: sheet and cell
    assert "grade Z is not one of" in bad.output
    sheet.cell(row, COL["committee_grade"] + 1, "C")
    sheet.cell(row, COL["reason"] + 1, "late delivery")
    sheet.cell(row, COL["decided_by"] + 1, "committee")
    wb.save(tmp_path / "good.xlsx")
    good = runner.invoke(
        app, ["calibrate", str(ws), "--apply", str(tmp_path / "good.xlsx"), "--json"]
    )
    assert good.exit_code == 0 and json.loads(good.output)["applied"] == 1
    assert results(ws)[emp].grade == "C"
    # the run's files show it (in the plan's language: the CLI ran without --lang)
    check_results_book(ws, emp, "C", "B", "late delivery")
    assert runner.invoke(app, ["release", str(ws)]).exit_code == 0
    status = runner.invoke(app, ["status", str(ws), "--lang", "en"])
    assert status.exit_code == 0 and "released" in status.output
    as_json = runner.invoke(app, ["status", str(ws), "--json"])
    assert json.loads(as_json.output)["stage"] == "released"
    refused = runner.invoke(app, ["consolidate", str(ws), "--lang", "en"])
    assert refused.exit_code == 2 and "released" in refused.output
    no_reason = runner.invoke(app, ["release", str(ws), "--reopen"])
    assert no_reason.exit_code == 2
    reopened = runner.invoke(app, ["release", str(ws), "--reopen", "--reason", "appeal upheld"])
    assert reopened.exit_code == 0
    with Workspace(ws).ledger() as conn:
        assert cycle_stage(conn) == "calibrating"


def test_a_new_consolidation_keeps_the_decisions_in_its_files_not_in_its_results(ws, tmp_path):
    book = calibrate(ws).path
    emp = by_grade(results(ws), "B")[0]
    filled = fill(
        book,
        tmp_path / "d.xlsx",
        {emp: {"committee_grade": "C", "reason": "复核", "decided_by": "委员会"}},
    )
    assert apply_file(ws, filled).applied == 1
    again = consolidate(ws, previous=[])
    with Workspace(ws).ledger() as conn:
        computed = run_summary(conn)["distribution"]  # the run's own counts, as computed
    assert again.distribution["C"] == computed["C"] + 1  # what it reports: the final grades
    with open(ws / "results" / "scores.csv", encoding="utf-8-sig") as fh:
        row = next(r for r in csv.DictReader(fh) if r["employee_id"] == emp)
    assert (row["grade"], row["consolidated_grade"], row["calibration_reason"]) == (
        "C",
        "B",
        "复核",
    )
    check_results_book(ws, emp, "C", "B", "复核")
    with Workspace(ws).ledger() as conn:  # stored as computed; the decision applied on reading
        stored = conn.execute(
            "SELECT grade FROM results WHERE employee_id=? AND run_id=?", (emp, again.run_id)
        ).fetchone()
    assert stored == ("B",) and results(ws)[emp].grade == "C"


def test_simulated_decisions_lower_a_few_grades_with_reasons_and_apply(ws):
    from perfsheets.calibration.simulate import simulate_decisions
    from perfsheets.plan.io import load_plan

    before = results(ws)
    book = calibrate(ws)
    plan = load_plan(ws / "plan.yaml")
    filled = simulate_decisions(book.path, plan, "zh-CN", seed=1)
    applied = apply_file(ws, filled)
    assert applied.valid and applied.applied == len(before)  # a potential for everyone
    after = results(ws)
    codes = [g.code for g in plan.grading.levels]
    moved = {e: r for e, r in after.items() if r.committee_grade}
    assert 1 <= len(moved) <= max(1, round(0.03 * len(after)))
    for emp, r in moved.items():  # one grade down, with the committee's reason
        assert codes.index(r.grade) == codes.index(before[emp].grade) + 1
        step = r.calibration_trail[-1]
        assert "经委员会复核下调一级" in step.reason and step.decided_by == "绩效评定委员会"
    assert all(r.potential in ("high", "medium", "low") for r in after.values())


@pytest.mark.slow
def test_the_hr_summary_lists_the_committee_decisions_and_not_as_quota_moves(ws, tmp_path):
    from pypdf import PdfReader

    from perfsheets.report.render import render_reports

    book = calibrate(ws).path
    emp = by_grade(results(ws), "B")[0]
    first = fill(
        book,
        tmp_path / "d1.xlsx",
        {emp: {"committee_grade": "C", "reason": "<b>项目延期</b>", "decided_by": "委员会"}},
    )
    assert apply_file(ws, first).applied == 1
    later = fill(
        calibrate(ws).path,
        tmp_path / "d2.xlsx",
        {emp: {"committee_grade": "D", "reason": "复核后下调", "decided_by": "人力资源部"}},
    )
    assert apply_file(ws, later).applied == 1
    render_reports(ws, employees=[], manager_packs=False, workers=1)
    pdf = PdfReader(ws / "reports" / "hr_summary.pdf")
    text = "".join("".join((p.extract_text() or "").split()) for p in pdf.pages)
    section = text[text.index("绩效评定委员会的校准决定") :]
    # both decisions, oldest first, the first marked superseded; the reason is text, not markup
    assert section.index("<b>项目延期</b>") < section.index("复核后下调")
    assert "(已取代)" in section and "人力资源部" in section
    moves = text[text.index("强制分布调整工号") : text.index("绩效评定委员会的校准决定")]
    assert emp not in moves  # the committee's change is not a forced-distribution move


# --- an upheld appeal that changes a grade -------------------------------------------------------


def scores_row(root: Path, emp: str) -> dict[str, str]:
    with (root / "results" / "scores.csv").open(encoding="utf-8-sig") as f:
        return next(r for r in csv.DictReader(f) if r["employee_id"] == emp)


def test_an_upheld_appeal_changes_the_grade_through_the_decision_record(ws, tmp_path):
    from perfsheets.calibration.appeal import uphold_with_grade
    from perfsheets.midcycle.appeals import list_appeals, open_appeal

    res = results(ws)
    emp = by_grade(res, "C")[0]
    appeal = open_appeal(ws, employee=emp, reason="客户满意度数据统计有误")
    release_cycle(ws)  # appeals come after the release: no reopening needed for them
    done = uphold_with_grade(
        ws, appeal, grade="B", note="复核客户满意度后改判", decided_by="人力资源部 王敏"
    )
    assert (done.employee_id, done.grade_before, done.grade, done.quota_breach) == (
        emp,
        "C",
        "B",
        "",
    )
    final = results(ws)[emp]
    plan = frozen_plan_of(ws)
    assert final.grade == "B" and final.consolidated_grade == "C" and "calibrated" in final.flags
    assert final.coefficient == next(g.coefficient for g in plan.grading.levels if g.code == "B")
    assert final.calibration_trail[-1].appeal_id == appeal
    [record] = list_appeals(ws, employee=emp)
    assert (record.status, record.note, record.decided_by) == (
        "upheld",
        "复核客户满意度后改判",
        "人力资源部 王敏",
    )
    [resolved] = audit_rows(ws, "appeal.resolve")
    assert (resolved["grade_before"], resolved["grade"]) == ("C", "B")
    [decided] = audit_rows(ws, "calibration.decide")
    assert decided["appeal_id"] == appeal and "sha256" not in decided
    # the run's files show the final grade, and the reason says which appeal
    write_final_books(ws)
    row = scores_row(ws, emp)
    assert (row["grade"], row["consolidated_grade"]) == ("B", "C")
    assert row["calibration_reason"] == f"申诉 #{appeal} 成立：复核客户满意度后改判"
    wb = openpyxl.load_workbook(ws / "results" / "results.xlsx", read_only=True)
    rules = {r[0]: r[1] for r in wb["计算规则"].iter_rows(values_only=True)}
    assert rules["绩效评定委员会"].startswith("1 人的等级经申诉改判（")
    wb.close()
    # a calibration workbook written now carries the decision forward unchanged
    with Workspace(ws).ledger() as conn:
        from perfsheets.ledger.calibration import reopen

        reopen(conn, "第二次校准会")
    book = calibrate(ws).path
    again = apply_file(ws, fill(book, tmp_path / "same.xlsx", {}))
    assert again.valid and again.applied == 0
    assert results(ws)[emp].calibration_trail[-1].appeal_id == appeal


def test_an_appeal_grade_is_refused_with_nothing_written(ws):
    from perfsheets.calibration.appeal import uphold_with_grade
    from perfsheets.midcycle.appeals import list_appeals, open_appeal, resolve_appeal

    res = results(ws)
    up = by_grade(res, "B")[0]  # the pooled group already has its 6 A: at most 20% of 30
    appeal = open_appeal(ws, employee=up, reason="项目贡献未计入")
    with pytest.raises(PerfsheetsError) as breach:
        uphold_with_grade(ws, appeal, grade="A", note="项目贡献属实", decided_by="HR")
    assert "7" in str(breach.value) and "上限 6" in str(breach.value)
    with pytest.raises(PerfsheetsError, match="不是计划中的等级"):
        uphold_with_grade(ws, appeal, grade="Z", note="项目贡献属实", decided_by="HR")
    with pytest.raises(PerfsheetsError, match="--note"):
        uphold_with_grade(ws, appeal, grade="B", note=" ", decided_by="HR")
    assert decision_count(ws) == 0 and list_appeals(ws)[0].status == "open"
    assert audit_rows(ws, "appeal.resolve") == []
    resolve_appeal(ws, appeal, outcome="rejected", note="证据不足", decided_by="HR")
    with pytest.raises(PerfsheetsError, match="already decided"):
        uphold_with_grade(ws, appeal, grade="B", note="x", decided_by="HR", lang="en")
    assert decision_count(ws) == 0


def test_the_command_line_changes_a_grade_on_appeal(ws):
    from typer.testing import CliRunner

    from perfsheets.cli import app
    from perfsheets.midcycle.appeals import open_appeal

    runner = CliRunner()
    emp = by_grade(results(ws), "C")[0]
    appeal = open_appeal(ws, employee=emp, reason="KPI data wrong")
    base = ["appeal", str(ws), "--resolve", str(appeal), "--note", "data corrected"]
    wrong = runner.invoke(app, [*base, "--outcome", "rejected", "--grade", "B", "--lang", "en"])
    assert wrong.exit_code == 2 and "--grade goes with --outcome upheld" in wrong.output
    done = runner.invoke(
        app, [*base, "--outcome", "upheld", "--grade", "B", "--decided-by", "HR", "--json"]
    )
    assert done.exit_code == 0, done.output
    shown = json.loads(done.output)
    assert (shown["grade_before"], shown["grade"]) == ("C", "B")
    assert scores_row(ws, emp)["grade"] == "B"  # the run's files rewritten


# --- a workbook per calibration group ---------------------------------------------------------


def set_frozen_plan(root: Path, change) -> None:
    """Change the plan frozen with the run (as a plan edited before consolidating would)."""
    with Workspace(root).ledger() as conn:
        (version, text) = conn.execute(
            "SELECT p.version, p.plan_json FROM plan_versions p JOIN runs r"
            " ON r.plan_version=p.version"
        ).fetchone()
        plan = json.loads(text)
        change(plan)
        conn.execute(
            "UPDATE plan_versions SET plan_json=? WHERE version=?", (json.dumps(plan), version)
        )


def people_of(book: Path, sheet: str = SHEET) -> dict[str, tuple]:
    wb = openpyxl.load_workbook(book, read_only=True)
    rows = {r[0]: r for r in wb[sheet].iter_rows(min_row=2, values_only=True) if r[0]}
    wb.close()
    return rows


def test_a_workbook_per_calibration_group_holds_its_people_and_applies(ws, tmp_path):
    set_frozen_plan(
        ws, lambda p: p["grading"].setdefault("calibration", {}).update(group_books=True)
    )
    made = calibrate(ws)
    everyone = people_of(made.path)
    res = results(ws)
    groups = {calibration_group(r) for r in res.values()}  # quota group, else department
    names = sorted(p.name for p in made.group_books)
    assert len(names) == len(groups) and "校准_合并的小组.xlsx" in names
    seen: dict[str, str] = {}
    for book in made.group_books:
        people = people_of(book)
        assert len({res[e].quota_group for e in people}) == 1  # one group a workbook
        for emp, row in people.items():
            assert emp not in seen
            seen[emp] = book.name
            rank = COL["rank"]
            assert row[rank] == everyone[emp][rank]  # ranked as in the whole group
            assert row[COL["group"]] in ("合并的小组", res[emp].quota_group or "—")
    assert sorted(seen) == sorted(everyone)
    with Workspace(ws).ledger() as conn:
        assert conn.execute("SELECT COUNT(*) FROM calibration_books").fetchone()[0] == 1 + len(
            names
        )
    pooled = made.path.parent / "groups" / "校准_合并的小组.xlsx"
    down = by_grade(res, "B")[0]
    decision = {down: {"committee_grade": "C", "reason": "部门校准会", "decided_by": "部门负责人"}}
    applied = apply_file(ws, fill(pooled, tmp_path / "pooled.xlsx", decision))
    assert applied.valid and applied.applied == 1
    assert results(ws)[down].grade == "C"
    # written again without the option: the group workbooks stay where they were, none added
    set_frozen_plan(ws, lambda p: p["grading"]["calibration"].update(group_books=False))
    assert calibrate(ws).group_books == []


# --- verify: the decision files and the decisions --------------------------------------------


def test_verify_checks_the_applied_decision_files_and_the_decisions(ws, tmp_path):
    from perfsheets.calibration.appeal import uphold_with_grade
    from perfsheets.cycle.verify import verify_workspace
    from perfsheets.midcycle.appeals import open_appeal

    res = results(ws)
    down, up = by_grade(res, "B")[0], by_grade(res, "C")[0]
    book = calibrate(ws).path
    decision = {down: {"committee_grade": "C", "reason": "项目延期", "decided_by": "委员会"}}
    filled = fill(book, tmp_path / "d.xlsx", decision)
    assert apply_file(ws, filled).applied == 1
    uphold_with_grade(
        ws, open_appeal(ws, employee=up, reason="数据有误"), grade="B", note="改判", decided_by="HR"
    )
    clean = verify_workspace(ws, "en")
    assert clean.ok and clean.decisions == 2
    sha = hashlib.sha256(filled.read_bytes()).hexdigest()
    archived = ws / "archive" / "calibration" / f"{sha}.xlsx"
    assert archived.read_bytes() == filled.read_bytes()
    # a grade changed in the database by hand, and the archived file changed
    with Workspace(ws).ledger() as conn:
        conn.execute(
            "UPDATE calibration_decisions SET committee_grade='A' WHERE employee_id=?", (down,)
        )
    archived.write_bytes(archived.read_bytes() + b"x")
    found = verify_workspace(ws, "en")
    assert [(f["subject"], f["problem"]) for f in found.findings] == [
        (
            f"calibration file d.xlsx: archive/calibration/{sha}.xlsx",
            "the archived file was changed (SHA-256)",
        ),
        (
            f"calibration decision 1 ({down})",
            "the decision in the ledger was changed (it no longer matches its audit entry)",
        ),
    ]
    assert found.exit_code == 1
    assert "校准决定在账本中被改动" in verify_workspace(ws).findings[1]["problem"]
