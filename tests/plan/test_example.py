"""The built-in example: common Chinese practice, a valid plan, a deterministic company."""

from __future__ import annotations

from collections import Counter

import pytest

from perfsheets.core.raters import build_assignments
from perfsheets.core.rules import ChangeBandsRule, DeductionRule, LinearRule
from perfsheets.core.scoring import kpi_score
from perfsheets.plan.example import example_base, example_plan
from perfsheets.plan.validate import validate_plan


def test_roles_and_their_usual_kpis():
    plan = example_base()
    roles = {r.name: r for r in plan.roles}
    assert set(roles) == {"销售", "研发", "生产", "质量控制", "采购", "行政/后勤", "客服", "管理岗"}
    names = {r.name: {k.name for k in r.kpis} for r in plan.roles}
    assert {"销售目标达成率", "回款率", "新客户开发数", "客户投诉率"} <= names["销售"]
    assert {"项目里程碑按时完成率", "专利申请数", "产品缺陷率"} <= names["研发"]
    assert {"产量计划完成率", "产品合格率", "设备故障率", "材料利用率"} <= names["生产"]
    assert {"检验准确率", "质量问题及时发现率", "改进建议采纳率"} <= names["质量控制"]
    assert {"采购成本降低率", "供应商准时交货率", "采购物料合格率"} <= names["采购"]
    assert {"行政事务按时办结率", "员工满意度", "预算控制率", "报修响应时间"} <= names["行政/后勤"]
    assert {"投诉按时处理率", "客户满意度"} <= names["客服"]
    assert {"下属绩效达标率", "团队培养计划完成率"} <= names["管理岗"]
    library = {c.name for c in plan.competencies}
    assert {
        "团队合作",
        "沟通协调",
        "学习能力",
        "创新能力",
        "客户导向",
        "责任心",
        "执行力",
    } <= library
    assert "战略规划" in library and "C08" in {c.code for c in roles["管理岗"].competencies}
    # every label has an English translation
    for role in plan.roles:
        assert role.name_en and all(k.name_en and k.formula_en for k in role.kpis)
        assert all(t.name_en and t.standard_en for t in role.tasks)
    assert all(c.name_en and len(c.anchors_en) == 5 for c in plan.competencies)
    assert all(g.name_en and g.consequence_en for g in plan.grading.levels)


def test_example_kpis_score_as_practice_expects():
    roles = example_base().role_map()
    defect = roles["rnd"].kpi("R03")  # ≤0.3%, lower is better
    assert defect.direction == "lower" and isinstance(defect.rule, LinearRule)
    assert kpi_score(defect, 0.4) == 75  # 0.3 / 0.4
    assert kpi_score(defect, 0.1) == 120  # capped
    cost = roles["purchasing"].kpi("PU01")  # (previous - current) / previous
    assert isinstance(cost.rule, ChangeBandsRule) and cost.baseline == 1200
    assert kpi_score(cost, 1140) == 100  # 5% cheaper
    assert kpi_score(cost, 1170) == 70  # 2.5% cheaper
    assert kpi_score(cost, 1250) == 30  # dearer
    budget = roles["admin"].kpi("AD03")  # (budget - actual) / budget
    assert kpi_score(budget, 200) == 90 and kpi_score(budget, 215) == 0
    repair = roles["admin"].kpi("AD04")  # hours, bands on the value, lower is better
    assert [kpi_score(repair, h) for h in (1.5, 3, 8, 9)] == [100, 80, 60, 0]
    collection = roles["sales"].kpi("S02")  # ≥95%
    assert [kpi_score(collection, v) for v in (96, 92, 80)] == [100, 80, 0]
    safety = roles["production"].kpi("P05")  # 扣分制
    assert isinstance(safety.rule, DeductionRule) and kpi_score(safety, 1) == 50
    csat = roles["service"].kpi("CS02")  # ≥4.5/5
    assert kpi_score(csat, 4.5) == 100 and kpi_score(csat, 5) == 110


def test_rollup_rules():
    rollup = {
        tuple(r.roles): [(p.period, p.weight) for p in r.parts] for r in example_base().rollup
    }
    assert rollup[("sales",)] == [("month", 40), ("year", 60)]
    assert rollup[("rnd",)] == [("quarter", 30), ("half-year", 20), ("year", 50)]
    assert rollup[("manager",)] == [("year", 70), ("quarter", 30)]


def test_company_is_deterministic_and_seed_dependent():
    # Determinism that matters survives a new process with another hash seed (set and dict
    # order): compare the plan made in two interpreters, not twice in this one.
    import subprocess
    import sys

    code = (
        "import hashlib; from perfsheets.plan.example import example_plan; "
        "print(hashlib.sha256(example_plan(120, seed=5).model_dump_json().encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**__import__("os").environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert len(digests) == 1
    assert example_plan(120, seed=5) != example_plan(120, seed=6)
    assert example_plan(1).roster.employees[0].manager is None


@pytest.mark.parametrize("n", [1, 2, 7, 25, 200, 1000])
def test_company_of_any_size_is_a_valid_plan(n):
    plan = example_plan(n)
    assert len(plan.roster.employees) == n
    assert len({e.id for e in plan.roster.employees}) == n
    assert validate_plan(plan).valid


def test_reporting_lines():
    plan = example_plan(1000)
    people = plan.roster.employees
    gm = people[0]
    assert gm.manager is None and gm.role == "manager"
    reports = Counter(e.manager for e in people if e.manager)
    heads = [e for e in people if e.manager == gm.id]
    assert len(heads) == 7 and all(h.role == "manager" for h in heads)
    assert len({h.department for h in heads}) == 7
    assert all(5 <= c <= 9 for m, c in reports.items() if m != gm.id)
    managers = {e.id for e in people if e.role == "manager"}
    assert set(reports) == managers  # every manager has reports, no one else has
    for e in people[1:]:  # everyone reaches the general manager
        chain, seen = e, set()
        while chain.manager:
            assert chain.id not in seen
            seen.add(chain.id)
            chain = plan.employee_map()[chain.manager]
        assert chain.id == gm.id
    assert all("@" in e.email for e in people)
    assert len({e.name for e in people}) > 900  # names vary


def test_raters_targets_and_customers():
    plan = example_plan(300)
    by_type = Counter(a.type for a in build_assignments(plan))
    assert set(by_type) == {"self", "manager", "peer", "subordinate", "customer"}
    assert by_type["self"] == 300 and by_type["manager"] == 300  # the board rates the GM
    sales = [e.id for e in plan.roster.employees if e.role == "sales"]
    targets = plan.target_map()
    quotas = [targets[(e, "S01")].target for e in sales]
    assert all(300 <= q <= 800 for q in quotas) and len(set(quotas)) > 10
    customer = Counter(a.ratee for a in build_assignments(plan) if a.type == "customer")
    assert all(customer[e] == 3 for e in sales)


def test_english_example():
    plan = example_plan(30, lang="en")
    assert plan.cycle.language == "en"
    assert plan.roster.employees[0].department == "Executive Office"
    assert all(n.isascii() for n in (e.name for e in plan.roster.employees))
    assert plan.roles[0].development_goals[0].isascii()
    assert plan.roles[0].label("en") == "Sales"
