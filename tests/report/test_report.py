"""PDF reports rendered from hand-made consolidated results; checked on the extracted text.

Results are built directly (no consolidation needed) and stored as the latest ``consolidate`` run
of a fresh workspace ledger, exactly where :func:`perfsheets.report.render.render_reports` reads them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from plan_support import make_small_plan

from perfsheets.core.model import Plan
from perfsheets.core.problems import PerfsheetsError
from perfsheets.core.results import (
    Comment,
    CommentGroup,
    EmployeeResult,
    Gap,
    KpiResult,
    RatedItemResult,
    TargetChange,
    TrendPoint,
    TypeScore,
)
from perfsheets.ledger.results import store_run
from perfsheets.ledger.workspace import Workspace, freeze_plan, now
from perfsheets.report.assets import report_name, require_cjk_font, safe_file_part
from perfsheets.report.render import render_reports

HOSTILE = "<img src=file:///etc/passwd> & <script>alert(1)</script>"
SECRET_PEER = "只有两位下属时不应出现的评语"


def _item(code: str, name: str, weight: float, ratings: dict, score: float) -> RatedItemResult:
    by_type = {
        t: TypeScore(count=c, mean_rating=m, points=40 + 15 * (m - 1), shown=shown)
        for t, (c, m, shown) in ratings.items()
    }
    return RatedItemResult(
        code=code,
        name=name,
        weight=weight,
        by_type=by_type,
        score=score,
        weighted=score * weight / 100,
    )


def employee_result(plan: Plan, employee_id: str, **over) -> EmployeeResult:
    """A full result for a sales employee of the small plan: every section, comments, trend."""
    people = plan.employee_map()
    emp = people[employee_id]
    manager = people.get(emp.manager or "")
    role = plan.role_map()[emp.role]
    comps = [
        _item(
            "C1",
            "团队合作",
            50,
            {
                "self": (1, 4.0, True),
                "manager": (1, 3.0, True),
                "peer": (4, 3.25, True),
                "subordinate": (2, 4.7, False),
            },
            80.5,
        ),
        _item(
            "C2",
            "沟通能力",
            50,
            {
                "self": (1, 5.0, True),
                "manager": (1, 3.0, True),
                "peer": (4, 3.0, True),
                "subordinate": (2, 1.3, False),
            },
            76.0,
        ),
    ]
    data = dict(
        employee_id=emp.id,
        name=emp.name,
        department=emp.department,
        role=role.id,
        role_name=role.name,
        manager_id=manager.id if manager else None,
        manager_name=manager.name if manager else None,
        complete=True,
        section_scores={"kpi": 88.6, "task": 90.0, "competency": 78.25},
        section_weights={"kpi": 60, "task": 20, "competency": 20},
        total_score=86.81,
        grade="A",
        coefficient=1.2,
        rank_in_department=2,
        department_size=5,
        percentile=0.8,
        kpis=[
            KpiResult(
                code="S01",
                name="销售额完成率",
                unit="万元",
                weight=50,
                target=120,
                original_target=100,
                actual=126.5,
                completion=1.0542,
                score=105.42,
                weighted=52.71,
            ),
            KpiResult(
                code="S02",
                name="回款率",
                unit="%",
                weight=30,
                target=95,
                actual=91,
                completion=0.9579,
                score=80,
                weighted=24,
            ),
            KpiResult(
                code="S03", name="客户投诉", unit="次", weight=20, actual=1, score=90, weighted=18
            ),
        ],
        tasks=[
            _item(
                "T1", "开拓华东市场", 100, {"self": (1, 5.0, True), "manager": (1, 4.0, True)}, 90.0
            )
        ],
        competencies=comps,
        gaps=[
            Gap(
                code="C2",
                name="沟通能力",
                self_rating=5.0,
                others_rating=3.0,
                gap=2.0,
                kind="blind_spot",
            ),
            Gap(code="C1", name="团队合作", self_rating=4.0, others_rating=3.2, gap=0.8),
        ],
        strengths=["开拓华东市场", "团队合作"],
        development_areas=["沟通能力"],
        comments=[
            CommentGroup(
                rater_type="self",
                comments=[
                    Comment(
                        field="summary",
                        text="本季度新签客户 4 家。\n回款仍需加强。",
                        author=emp.name,
                    )
                ],
            ),
            CommentGroup(
                rater_type="manager",
                comments=[
                    Comment(
                        field="strengths",
                        text="目标感强，执行到位。",
                        author=manager.name if manager else None,
                    ),
                    Comment(
                        field="improvements", text=HOSTILE, author=manager.name if manager else None
                    ),
                ],
            ),
            CommentGroup(
                rater_type="peer",
                comments=[
                    Comment(field="strengths", text="乐于分享客户资源。", author="泄露的同事姓名"),
                    Comment(field="improvements", text="会议纪要可以更及时。"),
                ],
            ),
            CommentGroup(
                rater_type="subordinate", comments=[Comment(field="improvements", text=SECRET_PEER)]
            ),
        ],
        development_goals=["完成大客户管理课程"],
        target_changes=[
            TargetChange(
                kpi_code="S01",
                old_target=100,
                new_target=120,
                reason="新增华东区域客户",
                approved_by="王经理",
                changed_at="2026-11-05T10:00:00+08:00",
            )
        ],
        appeals=[],
        trend=[
            TrendPoint(cycle_id="2026Q2", cycle_name="2026年第二季度", total_score=78.5, grade="B"),
            TrendPoint(cycle_id="2026Q3", cycle_name="2026年第三季度", total_score=82.0, grade="B"),
        ],
        flags=[],
    )
    data.update(over)
    return EmployeeResult(**data)


def write_results(
    root, plan: Plan, results: list[EmployeeResult], summary: dict | None = None
) -> Workspace:
    """Store results as the latest consolidation run of a (new) workspace, with the plan
    frozen as that run's version (through the ledger's own writers)."""
    ws = Workspace(Path(root)).create()
    with ws.ledger() as conn:
        version = freeze_plan(conn, plan.model_dump_json())
        store_run(conn, version, now(), json.dumps(summary or {}), results)
    return ws


# --- helpers ----------------------------------------------------------------------------------


def pdf_text(path: Path) -> str:
    """All text of a PDF with whitespace removed (table cells come out in varying spacing)."""
    from pypdf import PdfReader

    return "".join("".join((page.extract_text() or "").split()) for page in PdfReader(path).pages)


def page_texts(path: Path) -> list[str]:
    from pypdf import PdfReader

    return ["".join((p.extract_text() or "").split()) for p in PdfReader(path).pages]


def squash(text: str) -> str:
    return "".join(text.split())


def team_results(plan: Plan) -> list[EmployeeResult]:
    """Two of E001's team, and E007 (E006's team): incomplete, grade C, flagged, moved by quota."""
    third = employee_result(
        plan,
        "E007",
        complete=False,
        missing_types=["peer"],
        total_score=65.2,
        grade="C",
        grade_before_quota="B",
        coefficient=0.8,
        flags=["high_disagreement"],
        trend=[],
        target_changes=[],
        kpis=[
            KpiResult(code="A01", name="预算控制率", unit="%", weight=100, target=100, actual=92)
        ],
        tasks=[],
        section_weights={"kpi": 50, "competency": 50},
    )
    return [employee_result(plan, "E002"), employee_result(plan, "E003"), third]


# --- rendering (one workspace rendered once, in worker processes) -------------------------------


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    plan = with_name(make_small_plan(), "E003", "张伟/测试")  # a "/" the file name must drop
    ws = write_results(tmp_path_factory.mktemp("ws"), plan, team_results(plan))
    result = render_reports(ws.root, plan=plan, workers=2)
    return plan, ws, result


def with_name(plan: Plan, employee_id: str, name: str) -> Plan:
    """``plan`` with one person renamed in its roster (reports name people from the roster)."""
    people = [
        e.model_copy(update={"name": name}) if e.id == employee_id else e
        for e in plan.roster.employees
    ]
    roster = plan.roster.model_copy(update={"employees": people})
    return plan.model_copy(update={"roster": roster})


def test_writes_reports_packs_and_summary(rendered):
    _plan, ws, result = rendered
    names = sorted(p.name for p in result.reports)
    assert names == ["E002_李娜.pdf", "E003_张伟_测试.pdf", "E007_孙丽.pdf"]
    assert all(p.parent == ws.reports and p.stat().st_size < 1_000_000 for p in result.reports)
    assert sorted(p.name for p in result.manager_packs) == ["E001_王经理.pdf", "E006_赵敏.pdf"]
    assert result.hr_summary == ws.reports / "hr_summary.pdf"
    assert result.employees == 3 and result.workers == 2
    assert result.pages == sum(len(page_texts(p)) for p in result.reports)
    assert not [w for w in result.warnings if "fetch" in w or "资源" in w]


def test_employee_report_shows_scores_grades_and_kpis_in_chinese(rendered):
    _plan, ws, _ = rendered
    text = pdf_text(ws.reports / "E002_李娜.pdf")
    for needle in [
        "绩效面谈报告",
        "2026年第四季度",
        "李娜",
        "E002",
        "销售部",
        "王经理",  # manager
        "86.81",  # total score
        "A优秀",  # grade and its name
        "1.20",  # bonus coefficient
        "第2名/共5人",
        "销售额完成率",
        "回款率",
        "客户投诉",
        "105.4%",  # completion
        "52.71",  # weighted KPI score
        "新增华东区域客户",  # target change with its reason
        "开拓华东市场",  # key task
        "团队合作",
        "沟通能力",
        "盲点",  # blind spot from the gaps
        "2026年第三季度",  # trend
        "改进计划",
        "提升：沟通能力",  # improvement plan seeded from the development areas
        "员工签字",
        "上级签字",
    ]:
        assert needle in text, needle


def test_each_report_numbers_its_own_pages(rendered):
    _plan, ws, _ = rendered
    pages = page_texts(ws.reports / "managers" / "E001_王经理.pdf")
    assert "团队绩效概览" in pages[0]
    firsts = [i for i, p in enumerate(pages) if "绩效面谈报告" in p and "第1页" in p]
    assert len(firsts) == 2  # both reports restart at page 1 inside the pack
    assert len(pages) == 1 + 2 * len(page_texts(ws.reports / "E002_李娜.pdf"))


def test_small_groups_stay_anonymous(rendered):
    _plan, ws, _ = rendered
    text = pdf_text(ws.reports / "E002_李娜.pdf")
    assert SECRET_PEER not in text  # two subordinates < minimum of three: no comments
    assert "下属评价人少于3人" in text
    assert "4.7" not in text and "1.3" not in text  # nor their ratings
    assert "泄露的同事姓名" not in text  # a peer comment never carries a name
    assert "乐于分享客户资源" in text  # ... but is shown
    assert "（王经理）" in text  # the manager is named


def test_hostile_comment_prints_as_text_and_nothing_is_fetched(rendered):
    from pypdf import PdfReader

    _plan, ws, result = rendered
    text = pdf_text(ws.reports / "E002_李娜.pdf")
    assert squash(HOSTILE) in text
    for page in PdfReader(ws.reports / "E002_李娜.pdf").pages:
        xobjects = page["/Resources"].get("/XObject") or {}
        assert not [x for x in xobjects.values() if x.get_object().get("/Subtype") == "/Image"]
    assert not [w for w in result.warnings if "fetch" in w or "资源" in w]


def test_manager_pack_and_hr_summary(rendered):
    _plan, ws, _ = rendered
    pack = pdf_text(ws.reports / "managers" / "E006_赵敏.pdf")
    assert "团队绩效概览" in pack and "孙丽" in pack and "需制定绩效改进计划" in pack
    assert "李娜" not in pack  # not in 赵敏's team
    hr = pdf_text(ws.reports / "hr_summary.pdf")
    for needle in [
        "按等级分布",
        "按部门分布",
        "销售部",
        "行政部",
        "孙丽",
        "评价分歧较大",
        "强制分布调整",
    ]:
        assert needle in hr, needle


def test_low_grade_report_states_its_consequence(rendered):
    _plan, ws, _ = rendered
    text = pdf_text(ws.reports / "E007_孙丽.pdf")
    assert "C待改进" in text and "需制定绩效改进计划" in text
    assert "结果不完整" in text and "同事" in text  # honest about the missing peer ratings
    assert "由B良好调整为C待改进" in text  # forced distribution move explained


# --- options, environment and safety ---------------------------------------------------------


def test_english_report(tmp_path, small_plan):
    ws = write_results(tmp_path, small_plan, [employee_result(small_plan, "E002")])
    result = render_reports(
        ws.root, plan=small_plan, lang="en", workers=1, manager_packs=False, hr_summary=False
    )
    assert result.manager_packs == [] and result.hr_summary is None
    text = pdf_text(result.reports[0])
    for needle in ["Performancereviewreport", "Totalscore", "Grade", "销售额完成率", "Signatures"]:
        assert needle in text, needle


@pytest.mark.slow
def test_a_partial_selection_never_replaces_a_whole_team_pack(tmp_path, small_plan):
    ws = write_results(tmp_path, small_plan, team_results(small_plan))
    result = render_reports(ws.root, plan=small_plan, employees=["E002", "E007"], workers=1)
    assert sorted(p.name for p in result.reports) == ["E002_李娜.pdf", "E007_孙丽.pdf"]
    assert [p.name for p in result.manager_packs] == ["E006_赵敏.pdf"]  # E007 is all of that team
    assert result.hr_summary is not None and "参评人数3" in pdf_text(result.hr_summary)


def test_an_unknown_employee_is_refused_before_anything_is_rewritten(tmp_path, small_plan):
    ws = write_results(tmp_path, small_plan, team_results(small_plan))
    render_reports(ws.root, plan=small_plan, employees=["E002"], workers=1)
    before = {p.name: p.stat().st_mtime_ns for p in ws.reports.rglob("*.pdf")}
    with pytest.raises(PerfsheetsError, match="E404") as caught:
        render_reports(ws.root, plan=small_plan, employees=["E002", "E404"], workers=1)
    assert caught.value.exit_code == 1
    assert {p.name: p.stat().st_mtime_ns for p in ws.reports.rglob("*.pdf")} == before


def test_template_override_cannot_fetch_files(tmp_path, small_plan):
    """A user template that asks for a local file or a web page gets neither."""
    ws = write_results(tmp_path / "ws", small_plan, [employee_result(small_plan, "E002")])
    own = tmp_path / "mine"
    own.mkdir()
    (own / "employee.html.j2").write_text(
        '<article class="report" id="{{ v.anchor }}"><h1>自定义 {{ v.r.name }}</h1>'
        '<img src="file:///etc/passwd"><img src="http://example.invalid/x.png">'
        '<img src="logo.png"></article>',
        encoding="utf-8",
    )
    (own / "logo.png").write_bytes(_tiny_png())
    result = render_reports(
        ws.root,
        plan=small_plan,
        employees=["E002"],
        templates=own,
        workers=1,
        manager_packs=False,
        hr_summary=False,
    )
    assert "自定义李娜" in pdf_text(result.reports[0])
    refused = " ".join(result.warnings)
    assert "/etc/passwd" in refused and "example.invalid" in refused
    assert "logo.png" not in refused  # the template folder's own asset is served


def test_a_broken_user_template_is_a_clear_error(tmp_path, small_plan):
    ws = write_results(tmp_path / "ws", small_plan, [employee_result(small_plan, "E002")])
    own = tmp_path / "mine"
    own.mkdir()
    (own / "employee.html.j2").write_text("{{ v.no_such_field }}", encoding="utf-8")
    with pytest.raises(PerfsheetsError, match=r"employee\.html\.j2"):
        render_reports(ws.root, plan=small_plan, templates=own, workers=1, hr_summary=False)


def test_a_user_template_must_keep_reports_on_their_own_pages(tmp_path, small_plan):
    ws = write_results(tmp_path / "ws", small_plan, team_results(small_plan)[:2])
    own = tmp_path / "mine"
    own.mkdir()
    (own / "employee.html.j2").write_text("<p>{{ v.r.name }}</p>", encoding="utf-8")
    with pytest.raises(PerfsheetsError, match="page of its own"):
        render_reports(ws.root, plan=small_plan, templates=own, workers=1, hr_summary=False)


def test_small_teams_share_one_document_and_each_pack_is_cut_out(small_plan):
    from perfsheets.report.jobs import plan_jobs

    results = team_results(small_plan)
    jobs, _ = plan_jobs(results, results, Path("out"), manager_packs=True, hr_summary=False)
    assert len(jobs) == 1  # E001's two reports and E006's one: one layout pass
    assert [(s.pack.name, len(s.employees)) for s in jobs[0].segments] == [
        ("E001_王经理.pdf", 2),
        ("E006_赵敏.pdf", 1),
    ]
    jobs, _ = plan_jobs(
        results, results, Path("out"), manager_packs=True, hr_summary=False, batch_size=2
    )
    assert sorted(j.size for j in jobs) == [1, 2] and all(not j.more for j in jobs)


@pytest.mark.slow
def test_a_user_overview_template_must_keep_its_anchor(tmp_path, small_plan):
    ws = write_results(tmp_path / "ws", small_plan, team_results(small_plan))
    own = tmp_path / "mine"
    own.mkdir()
    (own / "manager_pack.html.j2").write_text(
        '<article class="overview"><h1>{{ team.manager_name }}</h1></article>', encoding="utf-8"
    )
    with pytest.raises(PerfsheetsError, match="overview"):
        render_reports(ws.root, plan=small_plan, templates=own, workers=1, hr_summary=False)


def _tiny_png() -> bytes:
    import base64

    return base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    )


def test_url_fetcher_serves_only_template_assets(tmp_path):
    from perfsheets.report.assets import make_url_fetcher, package_templates

    fetcher = make_url_fetcher([package_templates()])
    css = (package_templates() / "style.css").as_uri()
    assert b"@page" in fetcher(css).read()
    for url in [
        "file:///etc/passwd",
        (package_templates() / ".." / ".." / ".." / "pyproject.toml").as_uri(),
        "https://example.invalid/",
        "data:text/plain,hello",
    ]:
        with pytest.raises(ValueError):
            fetcher(url)
    assert len(fetcher.refused) == 4


def test_missing_cjk_font_stops_with_the_package_to_install(tmp_path, small_plan, monkeypatch):
    import perfsheets.report.assets as report

    ws = write_results(tmp_path, small_plan, [employee_result(small_plan, "E002")])
    monkeypatch.setattr(report, "cjk_font_families", lambda: [])
    with pytest.raises(PerfsheetsError, match="fonts-noto-cjk"):
        render_reports(ws.root, plan=small_plan, workers=1)
    assert not list(ws.reports.glob("*.pdf"))


def test_cjk_font_is_found_here():
    assert require_cjk_font() == "Noto Sans CJK SC"


def test_missing_harfbuzz_subset_is_a_warning(monkeypatch):
    import ctypes.util

    from perfsheets.report.assets import harfbuzz_subset_warning

    assert harfbuzz_subset_warning() is None  # installed on this machine
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    assert "libharfbuzz-subset0" in (harfbuzz_subset_warning("en") or "")


def test_no_results_is_an_error(tmp_path, small_plan):
    Workspace(tmp_path).create()
    with pytest.raises(PerfsheetsError, match="consolidate"):
        render_reports(tmp_path, plan=small_plan, workers=1)


def test_file_names_are_safe():
    assert safe_file_part('a/b\\c:d*e?"f<g>h|i\x00') == "a_b_c_d_e_f_g_h_i_"
    assert safe_file_part("..") == "_"


@pytest.mark.slow
def test_templates_ship_inside_the_wheel(built_wheel):
    """An installed perfsheets finds its templates: the wheel carries templates/report/*."""
    import zipfile

    names = set(zipfile.ZipFile(built_wheel).namelist())
    for name in ["employee.html.j2", "manager_pack.html.j2", "hr_summary.html.j2", "style.css"]:
        assert f"perfsheets/report/templates/{name}" in names
    for data in ["py.typed", "plan/data/example_plan.yaml", "report/data/report_ua.css"]:
        assert f"perfsheets/{data}" in names, data


@pytest.mark.slow
def test_reports_from_the_real_pipeline(tmp_path):
    """The whole cycle on the built-in example: what consolidation stores, the report prints."""
    from perfsheets.demo import run_demo
    from perfsheets.ledger.results import load_results

    demo = run_demo(tmp_path / "demo", employees=12, report_limit=2)
    with Workspace(demo.workspace).ledger() as conn:
        first = load_results(conn)[0]
    text = pdf_text(demo.workspace / "reports" / report_name(first))
    for needle in [first.name, first.department, f"{first.total_score:.2f}", first.kpis[0].name]:
        assert squash(needle) in text, needle
    assert "development" not in text and "moved_by_quota" not in text  # codes shown as words
    assert (demo.workspace / "reports" / "hr_summary.pdf").exists()


@pytest.mark.slow
def test_reports_speak_the_frozen_plan_in_the_language_asked(tmp_path):
    """Names come from the plan version frozen with the run, in the report's language: an
    English report after a Chinese consolidation prints the plan's English names, and editing
    plan.yaml afterwards does not change what a report says about that run."""
    from perfsheets.demo import run_demo
    from perfsheets.ledger.results import load_results
    from perfsheets.plan.io import dump_plan, load_plan

    demo = run_demo(tmp_path / "demo", employees=12, report_limit=1)
    ws = Workspace(demo.workspace)
    with ws.ledger() as conn:
        first = next(r for r in load_results(conn) if r.complete)
    plan = load_plan(ws.plan_path())
    role = next(r for r in plan.roles if r.id == first.role)
    kpi = role.kpi(first.kpis[0].code)
    assert kpi is not None and kpi.name_en and kpi.name_en != kpi.name

    out = render_reports(ws.root, employees=[first.employee_id], lang="en", workers=1)
    english = pdf_text(out.reports[0])
    assert squash(kpi.name_en) in english and squash(role.label("en")) in english

    renamed = kpi.model_copy(update={"name": "改过的名字"})
    role.kpis[role.kpis.index(kpi)] = renamed
    dump_plan(plan, ws.plan_path())
    again = render_reports(ws.root, employees=[first.employee_id], workers=1)
    chinese = pdf_text(again.reports[0])
    assert squash(kpi.name) in chinese and "改过的名字" not in chinese


@pytest.mark.requires_poppler
def test_a_veto_is_said_in_the_report(tmp_path, small_plan):
    vetoed = employee_result(
        small_plan, "E002", grade="D", grade_by_score="A", vetoed_by=["S03"], flags=["vetoed"]
    )
    ws = write_results(tmp_path, small_plan, [vetoed])
    zh = render_reports(ws.root, plan=small_plan, workers=1, manager_packs=False, hr_summary=False)
    text = squash(pdf_text(zh.reports[0]))
    s03 = small_plan.roles[0].kpis[2].name
    assert squash(f"一票否决：{s03}触发否决条件，等级定为 D 不合格（按得分应为 A 优秀）。") in text


@pytest.mark.requires_poppler
def test_the_trend_compares_like_with_like(tmp_path, small_plan):
    """A quarterly cycle's trend draws the earlier quarters and says which other kinds of
    cycle (an annual result, months) it leaves out, instead of mixing them on one axis."""
    points = [
        TrendPoint(
            cycle_id="2025Y", cycle_name="2025年度", total_score=91.0, grade="A", period="year"
        ),
        TrendPoint(
            cycle_id="2026Q2",
            cycle_name="2026年第二季度",
            total_score=78.5,
            grade="B",
            period="quarter",
        ),
        TrendPoint(
            cycle_id="2026M09", cycle_name="2026年9月", total_score=66.0, grade="C", period="month"
        ),
        TrendPoint(
            cycle_id="2026Q3",
            cycle_name="2026年第三季度",
            total_score=82.0,
            grade="B",
            period="quarter",
        ),
    ]
    result = employee_result(small_plan, "E002", trend=points)
    ws = write_results(tmp_path, small_plan, [result])
    zh = render_reports(ws.root, plan=small_plan, workers=1, manager_packs=False, hr_summary=False)
    text = squash(pdf_text(zh.reports[0]))
    assert "历史趋势（季度考核）" in text
    note = "另有2个月度、年度考核周期的结果未画入：周期类型不同，分数不宜直接比较（2025年度；2026年9月）。"
    assert note in text
    assert "78.5" in text and "82.0" in text and "91.0" not in text and "66.0" not in text
    en = render_reports(
        ws.root, plan=small_plan, lang="en", workers=1, manager_packs=False, hr_summary=False
    )
    english = squash(pdf_text(en.reports[0]))
    assert squash("Trend over quarterly cycles") in english
    assert squash("2 monthly or annual cycle(s) not drawn") in english
