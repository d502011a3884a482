"""Consolidated results made by hand for the report tests (no consolidation needed)."""

from __future__ import annotations

import json
from pathlib import Path

from perfsheets.model import Plan
from perfsheets.results import (
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
from perfsheets.workspace import Workspace, now

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
                "subordinate": (2, 4.5, False),
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
                "subordinate": (2, 2.0, False),
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


def write_results(root, results: list[EmployeeResult], summary: dict | None = None) -> Workspace:
    """Store results as the latest consolidation run of a (new) workspace."""
    ws = Workspace(Path(root)).create()
    with ws.ledger() as conn:
        cur = conn.execute(
            "INSERT INTO runs (kind, started_at, summary_json) VALUES ('consolidate', ?, ?)",
            (now(), json.dumps(summary or {})),
        )
        for r in results:
            conn.execute(
                "INSERT INTO results VALUES (?, ?, ?, ?, ?, ?)",
                (
                    cur.lastrowid,
                    r.employee_id,
                    r.total_score,
                    r.grade,
                    int(r.complete),
                    r.model_dump_json(),
                ),
            )
    return ws
