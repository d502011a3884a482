"""What consolidation writes: the ledger run, scores.csv, ratings.csv and results.xlsx, read back."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import openpyxl
import pytest
from ledger_builder import LedgerBuilder, rate_everyone
from test_consolidate import rate_e002

from perfsheets.consolidation.run import consolidate
from perfsheets.core.flags import flag_text
from perfsheets.core.model import ForcedDistribution, Grading, Roster
from perfsheets.core.problems import PerfsheetsError
from perfsheets.ledger.results import load_results, run_summary

EVIL = '=HYPERLINK("http://x","点我")'


@pytest.fixture
def forced_plan(small_plan):
    """All seven people in one group, quotas 20% per grade (exact), ties by employee id."""
    levels = [lv.model_copy(update={"quota": 0.2}) for lv in small_plan.grading.levels]  # S A B C D
    grading = Grading(
        levels=levels,
        forced_distribution=ForcedDistribution(
            enabled=True, group_by="all", min_group_size=3, tie_rule="employee_id"
        ),
    )
    people = [
        e.model_copy(update={"name": EVIL}) if e.id == "E007" else e
        for e in small_plan.roster.employees
    ]
    return small_plan.model_copy(update={"grading": grading, "roster": Roster(employees=people)})


def test_forced_distribution_moves_are_listed(tmp_path, forced_plan):
    lb = LedgerBuilder(tmp_path / "ws", forced_plan)
    rate_everyone(lb, {"E001": 5, "E002": 5, "E003": 4, "E004": 4, "E005": 3, "E006": 3, "E007": 2})
    out = consolidate(lb.root, previous=[])
    # 7 people, 20% each: 1.4 -> 1 each and the 2 left to the first equal remainders: S, A
    assert out.distribution == {"S": 2, "A": 2, "B": 1, "C": 1, "D": 1}
    by_id = {r.employee_id: r for r in out.results}
    ranked = sorted(by_id.values(), key=lambda r: -r.total_score)
    assert [r.grade for r in ranked] == ["S", "S", "A", "A", "B", "C", "D"]
    moved = [r for r in ranked if r.grade_before_quota]
    assert moved and all("moved_by_quota" in r.flags for r in moved)
    with lb.ws.ledger() as conn:
        summary = run_summary(conn)
    moves = {m["employee_id"]: (m["from"], m["to"]) for m in summary["quota"]["moves"]}
    assert moves == {r.employee_id: (r.grade_before_quota, r.grade) for r in moved}
    assert summary["quota"]["mode"] == "exact" and summary["quota"]["groups"] == {"*all*": 7}
    book = openpyxl.load_workbook(out.results_xlsx)
    flags = [row for row in book["标记"].iter_rows(min_row=2, values_only=True)]
    listed = {(r[0], r[4]) for r in flags if r[3] == flag_text("moved_by_quota", "zh-CN")}
    assert listed == {
        (r.employee_id, f"{r.grade_before_quota} → {r.grade} (全公司)") for r in moved
    }


def test_ledger_run_and_results_round_trip(tmp_path, small_plan):
    lb = LedgerBuilder(tmp_path / "ws", small_plan)
    rate_e002(lb)
    out = consolidate(lb.root, previous=[], calibration="zscore")
    with lb.ws.ledger() as conn:
        runs = conn.execute("SELECT run_id, kind, plan_version FROM runs").fetchall()
        rows = conn.execute("SELECT employee_id, total_score, grade, complete FROM results")
        stored = {e: (t, g, c) for e, t, g, c in rows}
        results = load_results(conn)
        summary = run_summary(conn)
        audit = conn.execute("SELECT action FROM audit WHERE action='consolidate'").fetchall()
    assert runs == [(out.run_id, "consolidate", 1)] and len(audit) == 1
    assert stored == {r.employee_id: (r.total_score, r.grade, int(r.complete)) for r in results}
    assert [r.employee_id for r in results] == [f"E00{i}" for i in range(1, 8)]
    assert (
        results[1].model_dump()
        == next(r for r in out.results if r.employee_id == "E002").model_dump()
    )
    assert summary["calibration"]["method"] == "zscore" and results[1].calibration == "zscore"
    assert summary["distribution"] == out.distribution
    assert summary["departments"][0]["department"] in {"行政部", "销售部"}
    assert "Z 分数校准" in summary["rules"]["calibration"]
    assert set(summary["reliability"]) == {"manager", "peer"}
    # incomplete people are listed with what they miss, not graded
    incomplete = {i["employee_id"]: i for i in summary["incomplete"]}
    assert incomplete["E003"]["missing_types"] == ["manager"]
    assert not any(r.grade for r in results if not r.complete)


def test_scores_csv_is_bom_utf8_and_injection_safe(tmp_path, small_plan):
    people = [
        e.model_copy(update={"name": EVIL}) if e.id == "E002" else e
        for e in small_plan.roster.employees
    ]
    plan = small_plan.model_copy(update={"roster": Roster(employees=people)})
    lb = LedgerBuilder(tmp_path / "ws", plan)
    rate_e002(lb)
    out = consolidate(lb.root, previous=[])
    raw = out.scores_csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert list(rows[0])[:4] == ["employee_id", "name", "department", "role"]
    assert {"kpi_score", "total_score", "grade", "coefficient", "flags"} <= set(rows[0])
    e002 = next(r for r in rows if r["employee_id"] == "E002")
    assert e002["name"] == "'" + EVIL  # never read as a formula
    assert (e002["kpi_score"], e002["total_score"], e002["grade"], e002["coefficient"]) == (
        "97.0",
        "93.34",
        "A",
        "1.2",
    )
    assert e002["flags"] == ""  # two blind-spot items, under the default three
    e003 = next(r for r in rows if r["employee_id"] == "E003")
    assert (e003["grade"], e003["complete"], e003["missing_types"]) == ("", "no", "manager")
    ratings = out.ratings_csv.read_text("utf-8-sig").splitlines()
    assert ratings[0].startswith("employee_id,employee_name,department,rater_id")
    assert len(ratings) == 1 + 3 + 3 + 6  # manager 3, self 3, three peers 2 each
    assert not list(lb.ws.results.glob(".*"))  # atomic writes leave no temporary files


def test_results_book_sheets_filters_frozen_panes_and_chart(tmp_path, forced_plan):
    lb = LedgerBuilder(tmp_path / "ws", forced_plan)
    rate_everyone(lb, {"E001": 5, "E002": 5, "E003": 4, "E004": 4, "E005": 3, "E006": 3, "E007": 2})
    lb.rate("E003", "E002", "peer", {"competency:C1": 1}, comments={"strengths": EVIL})
    out = consolidate(lb.root, previous=[])
    book = openpyxl.load_workbook(out.results_xlsx)
    assert book.sheetnames == [
        "汇总",
        "部门统计",
        "培训需求",
        "等级分布",
        "评分明细",
        "评价人宽严度",
        "标记",
        "计算规则",
    ]
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), ws.title
    summary = book["汇总"]
    head = [c.value for c in summary[1]]
    assert head[:5] == ["工号", "员工", "部门", "岗位", "上级"] and "总分" in head
    e007 = next(row for row in summary.iter_rows(min_row=2) if row[0].value == "E007")
    assert e007[1].value == EVIL and e007[1].data_type == "s"  # text, not a formula
    dist = [r for r in book["等级分布"].iter_rows(min_row=2, max_row=6, values_only=True)]
    assert [(r[0], r[4]) for r in dist] == [("S", 2), ("A", 2), ("B", 1), ("C", 1), ("D", 1)]
    # the plan's shares add up to 100% and state no kind: an exact distribution, said so
    assert all(str(r[3]).startswith("固定比例 ") for r in dist)
    detail = list(book["评分明细"].iter_rows(min_row=2, values_only=True))
    assert len(detail) == 5 * 3 + 2 * 1 + 1  # sales 3 items, admin 1, plus the peer rating
    with zipfile.ZipFile(out.results_xlsx) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert charts and "<c:barChart>" in z.read(charts[0]).decode()
    rules = dict(book["计算规则"].iter_rows(min_row=2, values_only=True))
    assert rules["校准方法"] == "不校准" and rules["评价人校准"] == "未做评价人校准"
    assert "按 上级、自评" in rules["KPI 计分"] or "按 上级" in rules["KPI 计分"]
    # words, not codes, in every cell people read
    cells = [
        str(v)
        for ws in book.worksheets
        for row in ws.iter_rows(values_only=True)
        for v in row
        if v is not None
    ]
    for code in ("competency:", "kpi:", "blind_spot", "moved_by_quota", "*all*", "*pooled*"):
        assert not [c for c in cells if code in c], code
    assert {"manager", "self", "none"}.isdisjoint(cells)
    assert rules["强制分布"].startswith(
        "强制分布：按全公司分组，不足 3 人的组合并；按名次和固定比例分配"
    )
    departments = list(book["部门统计"].iter_rows(values_only=True))
    assert departments[-3][0] == "全公司" and departments[-3][1] == 7
    assert departments[-1][0].startswith("平均分、中位数、标准差、最低分和最高分只按完整结果计算")


def test_results_book_prints_on_a4_one_page_wide_with_headers(tmp_path, small_plan):
    lb = LedgerBuilder(tmp_path / "ws", small_plan)
    rate_e002(lb)
    book = openpyxl.load_workbook(consolidate(lb.root, previous=[]).results_xlsx)
    for ws in book.worksheets:
        setup = ws.page_setup
        # fitToWidth left out means 1 (one page wide); fitToHeight 0: as many pages as needed
        assert setup.paperSize == 9 and setup.fitToWidth in (None, 1), ws.title
        assert setup.fitToHeight == (None if ws.title == "等级分布" else 0), ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.print_title_rows == "$1:$1", ws.title
        assert "2026" in ws.oddHeader.left.text, ws.title
        assert ws.oddFooter.right.text == "第 &P 页，共 &N 页", ws.title
    assert book["汇总"].page_setup.orientation == "landscape"
    assert book["计算规则"].page_setup.orientation == "landscape"


def test_english_plan_gives_english_books(tmp_path, small_plan):
    plan = small_plan.model_copy(
        update={"cycle": small_plan.cycle.model_copy(update={"language": "en"})}
    )
    lb = LedgerBuilder(tmp_path / "ws", plan)
    rate_e002(lb)
    out = consolidate(lb.root, previous=[])
    book = openpyxl.load_workbook(out.results_xlsx, read_only=True)
    assert book.sheetnames[0] == "Summary" and "Rater leniency" in book.sheetnames
    r = next(x for x in out.results if x.employee_id == "E002")
    assert r.competencies[0].name == "Teamwork" and r.role_name == "Sales"
    assert json.loads(json.dumps(r.model_dump()))["grade"] == "A"


def test_rank_and_percentile_within_department(tmp_path, small_plan):
    lb = LedgerBuilder(tmp_path / "ws", small_plan)
    rate_everyone(lb, {"E001": 3, "E002": 5, "E003": 4, "E004": 4, "E005": 2, "E006": 3})
    out = consolidate(lb.root, previous=[])
    by_id = {r.employee_id: r for r in out.results}
    sales = [by_id[e] for e in ("E002", "E003", "E004", "E005", "E001")]
    assert [r.rank_in_department for r in sales] == [1, 2, 2, 5, 4]  # E003 and E004 tie
    assert [r.percentile for r in sales] == [1.0, 0.8, 0.8, 0.2, 0.4]
    assert {r.department_size for r in sales} == {5}
    assert by_id["E006"].rank_in_department == 1 and by_id["E006"].department_size == 1
    assert by_id["E007"].rank_in_department is None  # no result: not ranked


def test_results_book_from_a_worker_process(tmp_path, small_plan, monkeypatch):
    from perfsheets.consolidation import book_writer

    lb = LedgerBuilder(tmp_path / "ws", small_plan)
    rate_e002(lb)
    first = consolidate(lb.root, previous=[])
    monkeypatch.setattr(book_writer, "BACKGROUND_MIN_EMPLOYEES", 1)  # as for large runs
    out = consolidate(lb.root, previous=[])
    book = openpyxl.load_workbook(out.results_xlsx, read_only=True)
    assert [r[0] for r in book["汇总"].iter_rows(min_row=2, values_only=True)][:2] == [
        "E001",
        "E002",
    ]
    assert first.results_xlsx == out.results_xlsx


@pytest.mark.parametrize("background", [False, True])
def test_a_book_that_cannot_be_put_in_place_is_a_clear_error(
    tmp_path, small_plan, monkeypatch, background
):
    from perfsheets.consolidation import book_writer

    if background:
        monkeypatch.setattr(book_writer, "BACKGROUND_MIN_EMPLOYEES", 1)
    lb = LedgerBuilder(tmp_path / "ws", small_plan)
    rate_e002(lb)
    blocked = lb.ws.results / "results.xlsx"
    (blocked / "in-use").mkdir(parents=True)  # a folder where the book goes
    with pytest.raises(PerfsheetsError, match=r"results\.xlsx: could not be written"):
        consolidate(lb.root, previous=[])
    assert (blocked / "in-use").is_dir()  # the folder is untouched
    # once it is gone, the next run finishes the switch and leaves nothing hidden behind
    (blocked / "in-use").rmdir()
    blocked.rmdir()
    out = consolidate(lb.root, previous=[])
    assert out.results_xlsx.is_file() and not list(lb.ws.results.glob(".*"))


def test_training_needs_sheet_by_hand(tmp_path, small_plan):
    """Each person rated at one level on every competency by one rater, so their competency
    scores are that level's points (5: 100, 4: 90, 3: 75, 2: 60). Threshold 80."""
    consequences = small_plan.consequences.model_copy(update={"training_threshold": 80})
    plan = small_plan.model_copy(update={"consequences": consequences})
    lb = LedgerBuilder(tmp_path / "ws", plan)
    rate_everyone(lb, {"E001": 5, "E002": 5, "E003": 4, "E004": 4, "E005": 3, "E006": 3, "E007": 2})
    out = consolidate(lb.root, previous=[])
    rows = list(openpyxl.load_workbook(out.results_xlsx)["培训需求"].iter_rows(values_only=True))
    assert rows[0] == (
        "部门",
        "排名（最低为 1）",
        "能力编号",
        "能力",
        "平均分",
        "低于 80 分人数",
        "有得分人数",
    )
    assert rows[1:6] == [
        # 销售部: (100 + 100 + 90 + 90 + 75) / 5 = 91 on both; E005's 75 is below 80
        ("销售部", 1, "C1", "团队合作", 91, 1, 5),
        ("销售部", 2, "C2", "沟通能力", 91, 1, 5),
        # 行政部 (admin: C1 only): (75 + 60) / 2 = 67.5, both below
        ("行政部", 1, "C1", "团队合作", 67.5, 2, 2),
        # company: C1 590 / 7 = 84.2857... -> 84.29 (E005, E006, E007 below); C2 as 销售部
        ("全公司", 1, "C1", "团队合作", 84.29, 3, 7),
        ("全公司", 2, "C2", "沟通能力", 91, 1, 5),
    ]
    assert rows[7][0].startswith("每个部门和全公司列出平均分最低的 3 项能力")
