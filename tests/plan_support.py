"""A small hand-made plan every stage can be tested on (the ``small_plan`` fixture).

Import it from here (``from plan_support import make_small_plan``), not from conftest: with
several conftest.py files, ``import conftest`` gives whichever pytest loaded last."""

from __future__ import annotations

import datetime as dt

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
from perfsheets.core.rules import Band, BandsRule, DeductionRule, LinearRule

FIVE = Scale(
    id="five",
    name="五级量表",
    name_en="Five-point scale",
    levels=[
        ScaleLevel(
            value=1, name="不合格", name_en="Unsatisfactory", points=40, anchor="远未达到要求"
        ),
        ScaleLevel(
            value=2, name="待改进", name_en="Needs improvement", points=60, anchor="部分达到要求"
        ),
        ScaleLevel(value=3, name="合格", name_en="Meets", points=75, anchor="达到要求"),
        ScaleLevel(value=4, name="良好", name_en="Good", points=90, anchor="经常超出要求"),
        ScaleLevel(value=5, name="优秀", name_en="Outstanding", points=100, anchor="持续远超要求"),
    ],
)


def make_small_plan() -> Plan:
    """Two roles, seven employees, every rater type but customers."""
    sales = Role(
        id="sales",
        name="销售",
        name_en="Sales",
        weights=SectionWeights(kpi=60, task=20, competency=20),
        kpis=[
            Kpi(
                code="S01",
                name="销售额完成率",
                unit="万元",
                target=100,
                weight=50,
                rule=LinearRule(cap=1.2),
            ),
            Kpi(
                code="S02",
                name="回款率",
                unit="%",
                target=95,
                weight=30,
                rule=BandsRule(bands=[Band(min=1, score=100), Band(min=0.9, score=80)]),
            ),
            Kpi(
                code="S03",
                name="客户投诉",
                unit="次",
                weight=20,
                direction="lower",
                rule=DeductionRule(per_unit=10),
            ),
        ],
        tasks=[KeyTask(code="T1", name="开拓华东市场", standard="签约 3 家", weight=100)],
        competencies=[CompetencyRef(code="C1", weight=50), CompetencyRef(code="C2", weight=50)],
    )
    admin = Role(
        id="admin",
        name="行政",
        name_en="Admin",
        weights=SectionWeights(kpi=50, competency=50),
        kpis=[Kpi(code="A01", name="预算控制率", unit="%", target=100, weight=100)],
        competencies=[CompetencyRef(code="C1", weight=100)],
    )
    people = [
        Employee(id="E001", name="王经理", department="销售部", role="sales"),
        Employee(id="E002", name="李娜", department="销售部", role="sales", manager="E001"),
        Employee(id="E003", name="张伟", department="销售部", role="sales", manager="E001"),
        Employee(id="E004", name="刘洋", department="销售部", role="sales", manager="E001"),
        Employee(id="E005", name="陈静", department="销售部", role="sales", manager="E001"),
        Employee(id="E006", name="赵敏", department="行政部", role="admin", manager="E001"),
        Employee(id="E007", name="孙丽", department="行政部", role="admin", manager="E006"),
    ]
    return Plan(
        cycle=Cycle(
            id="2026Q4",
            name="2026年第四季度",
            period="quarter",
            start=dt.date(2026, 10, 1),
            end=dt.date(2026, 12, 31),
            due=dt.date(2027, 1, 10),
        ),
        scales=[FIVE],
        rater_types=[
            RaterType(id="self", name="自评", weight=10, sections=["kpi", "task", "competency"]),
            RaterType(
                id="manager",
                name="上级",
                weight=60,
                required=True,
                sections=["kpi", "task", "competency"],
            ),
            RaterType(id="peer", name="同事", weight=20, min_count=3, anonymous=True),
            RaterType(id="subordinate", name="下属", weight=10, min_count=3, anonymous=True),
        ],
        competencies=[
            Competency(code="C1", name="团队合作", name_en="Teamwork"),
            Competency(code="C2", name="沟通能力", name_en="Communication"),
        ],
        roles=[sales, admin],
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


def with_change_kpi(plan: Plan, name: str = "市场占有率") -> dict:
    """``plan`` as a dict whose sales role also has S04, a change-vs-baseline KPI (baseline 12,
    growth of 5% scores 100; its weight of 10 taken from S01), for further edits."""
    data = plan.model_dump()
    sales = next(r for r in data["roles"] if r["id"] == "sales")
    sales["kpis"][0]["weight"] = 40
    sales["kpis"].append(
        {
            "code": "S04",
            "name": name,
            "unit": "%",
            "baseline": 12.0,
            "weight": 10,
            "min_value": 0,
            "max_value": 100,
            "rule": {"type": "change_bands", "bands": [{"min": 0.05, "score": 100}]},
        }
    )
    return data
