"""Benchmark: PDF interview reports (synthetic company or a workspace), beside bare WeasyPrint.

    python benchmarks/bench_report.py                 # 10,000 employees (25-30 min on 2 cores)
    python benchmarks/bench_report.py --employees 300 # a quick look
    python benchmarks/bench_report.py --workspace DIR # an existing consolidated workspace, e.g.
        # the built-in example: perfsheets demo DIR --employees 10000 --reports 1

Prints: bare WeasyPrint time per page on a comparable Chinese report (the same HTML, one
document per report, no batching), perfsheets' wall time, time per page (wall, and CPU-equivalent =
wall x workers), the ratio of the two, report sizes, and the projection for 10,000 employees.
The company is made here (plan + consolidated results written to a ledger), so the benchmark needs
no other stage.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from perfsheets.core.model import (
    Competency,
    CompetencyRef,
    Cycle,
    Employee,
    Grade,
    Grading,
    KeyTask,
    Kpi,
    Plan,
    RaterType,
    Role,
    Roster,
    Scale,
    ScaleLevel,
    SectionWeights,
)
from perfsheets.core.results import (
    Comment,
    CommentGroup,
    EmployeeResult,
    Gap,
    KpiResult,
    RatedItemResult,
    TrendPoint,
    TypeScore,
)
from perfsheets.ledger.workspace import Workspace, now

DEPARTMENTS = ["销售部", "市场部", "研发部", "产品部", "客服部", "财务部", "人力资源部", "运营部"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "涛",
    "明",
    "超",
]
COMPETENCIES = ["客户导向", "团队合作", "沟通能力", "执行力", "学习创新", "责任心"]
KPIS = [
    ("K1", "销售额完成率", "万元"),
    ("K2", "回款率", "%"),
    ("K3", "新客户数", "家"),
    ("K4", "客户满意度", "分"),
    ("K5", "费用控制率", "%"),
]
COMMENTS = [
    "工作积极主动，能按时完成任务，与同事配合默契。",
    "对客户需求理解深入，方案质量高，值得大家学习。",
    "建议在跨部门沟通时更早同步信息，减少返工。",
    "时间管理有提升空间，重要事项可以提前规划。",
    "乐于分享经验，带动了团队整体水平的提高。",
]


def make_plan(employees: int, seed: int = 1) -> Plan:
    rng = random.Random(seed)
    five = Scale(
        id="five",
        name="五级量表",
        levels=[
            ScaleLevel(value=v, name=n, points=p)
            for v, n, p in [(1, "不合格", 40), (2, "待改进", 60), (3, "合格", 75), (4, "良好", 90)]
        ]
        + [ScaleLevel(value=5, name="优秀", points=100)],
    )
    role = Role(
        id="staff",
        name="业务专员",
        weights=SectionWeights(kpi=60, task=20, competency=20),
        kpis=[Kpi(code=c, name=n, unit=u, target=100, weight=20) for c, n, u in KPIS],
        tasks=[
            KeyTask(code="T1", name="重点客户拓展", weight=60),
            KeyTask(code="T2", name="流程优化项目", weight=40),
        ],
        competencies=[CompetencyRef(code=f"C{i}", weight=100 / 6) for i in range(1, 7)],
    )
    people: list[Employee] = []
    managers: list[str] = []
    for i in range(employees):
        eid = f"E{i + 1:05d}"
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        dept = DEPARTMENTS[i % len(DEPARTMENTS)]
        manager = None if i < len(DEPARTMENTS) else managers[(i // 9) % len(managers)]
        if i % 9 == 0 or i < len(DEPARTMENTS):
            managers.append(eid)
        people.append(Employee(id=eid, name=name, department=dept, role="staff", manager=manager))
    return Plan(
        company={"name": "华信科技有限公司"},
        cycle=Cycle(
            id="2026Q4",
            name="2026年第四季度",
            period="quarter",
            start=dt.date(2026, 10, 1),
            end=dt.date(2026, 12, 31),
            due=dt.date(2027, 1, 10),
        ),
        scales=[five],
        rater_types=[
            RaterType(id="self", name="自评", weight=10, sections=["kpi", "task", "competency"]),
            RaterType(id="manager", name="上级", weight=60, sections=["kpi", "task", "competency"]),
            RaterType(id="peer", name="同事", weight=20, min_count=3, anonymous=True),
            RaterType(id="subordinate", name="下属", weight=10, min_count=3, anonymous=True),
        ],
        competencies=[Competency(code=f"C{i}", name=n) for i, n in enumerate(COMPETENCIES, 1)],
        roles=[role],
        grading=Grading(
            levels=[
                Grade(code="S", name="卓越", min_score=95, coefficient=1.5),
                Grade(code="A", name="优秀", min_score=85, coefficient=1.2),
                Grade(code="B", name="良好", min_score=70, coefficient=1.0),
                Grade(
                    code="C",
                    name="待改进",
                    min_score=60,
                    coefficient=0.8,
                    consequence="需制定绩效改进计划",
                ),
                Grade(
                    code="D",
                    name="不合格",
                    min_score=0,
                    coefficient=0,
                    consequence="需制定绩效改进计划",
                ),
            ]
        ),
        roster=Roster(employees=people),
    )


def make_result(plan: Plan, emp: Employee, rng: random.Random) -> EmployeeResult:
    names = {e.id: e.name for e in plan.roster.employees}
    kpis = []
    for code, name, unit in KPIS:
        actual = round(rng.uniform(70, 125), 1)
        score = min(actual, 120.0)
        kpis.append(
            KpiResult(
                code=code,
                name=name,
                unit=unit,
                weight=20,
                target=100,
                actual=actual,
                completion=actual / 100,
                score=score,
                weighted=round(score * 0.2, 2),
            )
        )
    comps = []
    gaps = []
    for i, cname in enumerate(COMPETENCIES, 1):
        ratings = {
            t: round(rng.uniform(2.5, 5), 2) for t in ("self", "manager", "peer", "subordinate")
        }
        by_type = {
            "self": TypeScore(count=1, mean_rating=ratings["self"], points=ratings["self"] * 20),
            "manager": TypeScore(
                count=1, mean_rating=ratings["manager"], points=ratings["manager"] * 20
            ),
            "peer": TypeScore(count=4, mean_rating=ratings["peer"], points=ratings["peer"] * 20),
            "subordinate": TypeScore(count=2, shown=False),
        }
        score = round((ratings["manager"] * 0.7 + ratings["peer"] * 0.3) * 20, 2)
        comps.append(
            RatedItemResult(
                code=f"C{i}",
                name=cname,
                weight=100 / 6,
                by_type=by_type,
                score=score,
                weighted=round(score / 6, 2),
            )
        )
        others = (ratings["manager"] + ratings["peer"] * 4) / 5
        gap = ratings["self"] - others
        kind = "blind_spot" if gap >= 1 else "hidden_strength" if gap <= -1 else None
        gaps.append(
            Gap(
                code=f"C{i}",
                name=cname,
                self_rating=ratings["self"],
                others_rating=round(others, 2),
                gap=round(gap, 2),
                kind=kind,
            )
        )
    tasks = [
        RatedItemResult(
            code=c,
            name=n,
            weight=w,
            by_type={
                "self": TypeScore(count=1, mean_rating=4),
                "manager": TypeScore(count=1, mean_rating=rng.choice([3, 4, 5])),
            },
            score=(score := round(rng.uniform(70, 100), 2)),
            weighted=round(score * w / 100, 2),
        )
        for c, n, w in (("T1", "重点客户拓展", 60), ("T2", "流程优化项目", 40))
    ]
    total = round(rng.gauss(80, 8), 2)
    grade = next(g for g in plan.grading.levels if total >= g.min_score)
    ranked = sorted(comps, key=lambda c: c.score or 0)
    return EmployeeResult(
        employee_id=emp.id, name=emp.name, department=emp.department, role="staff",
        role_name="业务专员", manager_id=emp.manager, manager_name=names.get(emp.manager or ""),
        complete=rng.random() > 0.03, missing_types=[],
        section_scores={"kpi": round(sum(k.weighted or 0 for k in kpis), 2), "task": 85.0, "competency": 80.0},
        section_weights={"kpi": 60, "task": 20, "competency": 20},
        total_score=total, grade=grade.code, coefficient=grade.coefficient,
        rank_in_department=rng.randint(1, 40), department_size=40, percentile=rng.random(),
        kpis=kpis, tasks=tasks, competencies=comps, gaps=gaps,
        strengths=[c.name for c in ranked[-2:]], development_areas=[c.name for c in ranked[:2]],
        comments=[
            CommentGroup(rater_type="self", comments=[Comment(field="summary", text=rng.choice(COMMENTS))]),
            CommentGroup(rater_type="manager", comments=[
                Comment(field="strengths", text=rng.choice(COMMENTS)),
                Comment(field="improvements", text=rng.choice(COMMENTS))]),
            CommentGroup(rater_type="peer", comments=[
                Comment(field="strengths", text=c) for c in rng.sample(COMMENTS, 3)]),
        ],
        trend=[TrendPoint(cycle_id="2026Q2", cycle_name="2026年第二季度", total_score=round(rng.gauss(78, 6), 2), grade="B"),
               TrendPoint(cycle_id="2026Q3", cycle_name="2026年第三季度", total_score=round(rng.gauss(79, 6), 2), grade="B")],
        flags=["评分分歧大"] if rng.random() < 0.05 else [],
    )  # fmt: skip


def write_workspace(root: Path, plan: Plan, seed: int = 1) -> Workspace:
    rng = random.Random(seed)
    ws = Workspace(root).create()
    with ws.ledger() as conn:
        cur = conn.execute(
            "INSERT INTO runs (kind, started_at, summary_json) VALUES ('consolidate', ?, '{}')",
            (now(),),
        )
        conn.executemany(
            "INSERT INTO results VALUES (?, ?, ?, ?, ?, ?)",
            (
                (cur.lastrowid, r.employee_id, r.total_score, r.grade, int(r.complete),
                 r.model_dump_json())
                for r in (make_result(plan, e, rng) for e in plan.roster.employees)
            ),
        )  # fmt: skip
    return ws


def bare_weasyprint(ws: Workspace, plan: Plan, reports: int) -> tuple[float, int]:
    """Seconds and pages for bare WeasyPrint: one document per report, defaults, one process."""
    import weasyprint

    from perfsheets.ledger.results import load_results
    from perfsheets.report.assets import require_cjk_font, template_dirs
    from perfsheets.report.jobs import Job
    from perfsheets.report.render import Renderer, RenderSetup

    with ws.ledger() as conn:
        results = load_results(conn)[:reports]
    dirs = template_dirs()
    renderer = Renderer(RenderSetup(plan, "zh-CN", dirs, require_cjk_font(), None, dt.date.today()))
    css = (dirs[0] / "style.css").read_text(encoding="utf-8")
    pages = [
        renderer.html(Job([r], [Path("x.pdf")])).replace("</head>", f"<style>{css}</style></head>")
        for r in results
    ]
    weasyprint.HTML(string=pages[0]).write_pdf()  # warm-up: imports, font cache
    started, cpu = time.perf_counter(), time.process_time()
    count = 0
    for html in pages:
        document = weasyprint.HTML(string=html).render()
        count += len(document.pages)
        document.write_pdf()
    return time.perf_counter() - started, time.process_time() - cpu, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--bare", type=int, default=12, help="reports rendered bare for the floor")
    parser.add_argument("--keep", type=Path, default=None, help="keep the workspace here")
    parser.add_argument(
        "--workspace", type=Path, default=None, help="render this consolidated workspace instead"
    )
    args = parser.parse_args()

    from perfsheets.report.assets import harfbuzz_subset_warning
    from perfsheets.report.render import render_reports

    tmp = tempfile.TemporaryDirectory()
    if args.workspace:
        from perfsheets.plan.io import load_plan

        ws = Workspace(args.workspace)
        plan = load_plan(ws.plan_path())
        print(f"workspace: {args.workspace} ({len(plan.roster.employees)} employees)")
    else:
        root = args.keep or Path(tmp.name) / "ws"
        plan = make_plan(args.employees)
        started = time.perf_counter()
        ws = write_workspace(root, plan)
        print(
            f"company: {args.employees} employees, results written in "
            f"{time.perf_counter() - started:.1f} s"
        )
    if warning := harfbuzz_subset_warning("en"):
        print("WARNING:", warning)

    bare_s, bare_cpu, bare_pages = bare_weasyprint(ws, plan, args.bare)
    bare_page, bare_cpu_page = bare_s / bare_pages, bare_cpu / bare_pages
    print(f"bare WeasyPrint:  {args.bare} reports, {bare_pages} pages, {bare_s:.2f} s wall, "
          f"{bare_page * 1000:.0f} ms/page wall, {bare_cpu_page * 1000:.0f} ms/page CPU (1 process)")  # fmt: skip

    last = [0.0]

    def progress(done: int, total: int) -> None:
        if time.perf_counter() - last[0] > 30:
            last[0] = time.perf_counter()
            print(f"  ... {done}/{total} reports", flush=True)

    result = render_reports(ws.root, plan=plan, workers=args.workers, progress=progress)
    sizes = [p.stat().st_size for p in result.reports]
    cpu_page = result.cpu_seconds / result.pages
    print(f"perfsheets:       {result.employees} reports + {result.manager_pack_count} manager packs "
          f"+ HR summary, {result.pages} report pages, {result.workers} workers")  # fmt: skip
    print(f"  wall            {result.seconds:.1f} s ({result.seconds / 60:.1f} min), "
          f"{result.seconds / result.employees * 1000:.0f} ms/report, {result.seconds_per_page * 1000:.0f} ms/page")  # fmt: skip
    print(f"  CPU             {result.cpu_seconds:.1f} s in workers, {cpu_page * 1000:.0f} ms/page, "
          f"{result.cpu_seconds / result.employees * 1000:.0f} ms/report")  # fmt: skip
    print(f"  ratio to bare   {cpu_page / bare_cpu_page:.2f}x CPU per page (target <= 1.2x), "
          f"{result.seconds_per_page / bare_page:.2f}x wall per page ({result.workers} workers vs 1)")  # fmt: skip
    print(f"  report size     median {statistics.median(sizes) / 1024:.0f} KB, max {max(sizes) / 1024:.0f} KB")  # fmt: skip
    projected = result.seconds / result.employees * 10_000
    cpu_projected = result.cpu_seconds / result.employees * 10_000 / (os.cpu_count() or 1)
    print(f"  10,000 reports  {projected / 60:.1f} min at this run's pace; "
          f"{cpu_projected / 60:.1f} min with every core free (target <= 25 min)")  # fmt: skip
    try:
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"  load average    {load} (other work on the machine slows every figure)")
    except OSError:
        pass
    print(json.dumps({
        "employees": result.employees, "pages": result.pages, "workers": result.workers,
        "seconds": round(result.seconds, 1), "cpu_seconds": round(result.cpu_seconds, 1),
        "bare_cpu_ms_per_page": round(bare_cpu_page * 1000, 1),
        "cpu_ms_per_page": round(cpu_page * 1000, 1), "cores": os.cpu_count(),
    }))  # fmt: skip
    tmp.cleanup()


if __name__ == "__main__":
    main()
