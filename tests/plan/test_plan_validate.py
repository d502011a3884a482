"""Plan validation: each error HR can make is reported, located, in both languages."""

from __future__ import annotations

from typing import Any

import pytest

from perfsheets.core.model import Plan
from perfsheets.core.problems import Report
from perfsheets.plan.io import dump_plan
from perfsheets.plan.validate import check_plan_file, validate_plan
from perfsheets.plan.yaml import plan_to_data


def data_of(plan: Plan) -> dict[str, Any]:
    return plan_to_data(plan)


def check(data: dict[str, Any]) -> Report:
    return validate_plan(Plan.model_validate(data))


def errors_at(report: Report, code: str) -> list[str]:
    return [p.cell for p in report if p.code == code]


def test_small_plan_and_example_have_no_errors(small_plan):
    from perfsheets.plan.example import example_plan

    assert validate_plan(small_plan).valid
    report = validate_plan(example_plan(200))
    assert len(report) == 0, [p.message("en") for p in report]


def test_role_section_weights_not_100(small_plan):
    d = data_of(small_plan)
    d["roles"][0]["weights"] = {"kpi": 60, "task": 20, "competency": 30}
    report = check(d)
    assert errors_at(report, "weights-not-100") == ["roles[0].weights"]
    (problem,) = [p for p in report if p.code == "weights-not-100"]
    assert "110" in problem.message("zh-CN") and "销售" in problem.message("zh-CN")
    assert "sum to 110, not 100" in problem.message("en")


def test_kpi_task_competency_and_rater_weights_not_100(small_plan):
    d = data_of(small_plan)
    d["roles"][0]["kpis"][0]["weight"] = 45  # 45 + 30 + 20 = 95
    d["roles"][0]["tasks"][0]["weight"] = 90
    d["roles"][1]["competencies"][0]["weight"] = 50
    d["rater_types"][0]["weight"] = 5  # 95 in all
    d["roles"][1]["rater_weights"] = {"self": 30}  # 30 + 60 + 20 + 10 = 120
    report = check(d)
    assert sorted(errors_at(report, "weights-not-100")) == [
        "rater_types",
        "roles[0].kpis",
        "roles[0].tasks",
        "roles[1].competencies",
        "roles[1].rater_weights",
    ]


def test_weights_summing_to_100_in_floats_are_accepted(small_plan):
    d = data_of(small_plan)
    d["roles"][0]["kpis"][0]["weight"] = 33.3
    d["roles"][0]["kpis"][1]["weight"] = 33.3
    d["roles"][0]["kpis"][2]["weight"] = 33.4
    assert not errors_at(check(d), "weights-not-100")


def test_unknown_role_scale_and_competency(small_plan):
    d = data_of(small_plan)
    d["roster"]["employees"][3]["role"] = "salse"
    d["roles"][0]["tasks"][0]["scale"] = "ten"
    d["competencies"][0]["scale"] = "three"
    d["roles"][1]["competencies"][0]["code"] = "C9"
    d["rollup"] = [{"roles": ["nobody"], "parts": [{"period": "year", "weight": 100}]}]
    report = check(d)
    assert sorted(errors_at(report, "unknown-role")) == [
        "rollup[0].roles[0]",
        "roster.employees[3].role",
    ]
    assert sorted(errors_at(report, "unknown-scale")) == [
        "competencies[0].scale",
        "roles[0].tasks[0].scale",
    ]
    assert errors_at(report, "unknown-competency") == ["roles[1].competencies[0].code"]
    msg = next(p for p in report if p.code == "unknown-role").message("zh-CN")
    assert "salse" in msg or "nobody" in msg
    assert "sales, admin" in msg  # tells HR what is defined


def test_duplicate_employee_ids_point_at_the_repeat(small_plan):
    d = data_of(small_plan)
    d["roster"]["employees"][4]["id"] = "E002"
    report = check(d)
    assert errors_at(report, "duplicate-employee") == ["roster.employees[4].id"]
    problem = next(p for p in report if p.code == "duplicate-employee")
    assert "roster.employees[1].id" in problem.message("en")


def test_duplicate_codes(small_plan):
    d = data_of(small_plan)
    d["roles"][0]["kpis"][1]["code"] = "S01"
    d["grading"]["levels"][1]["code"] = "S"
    d["roles"][1]["id"] = "sales"
    report = check(d)
    assert sorted(errors_at(report, "duplicate-id")) == [
        "grading.levels[1].code",
        "roles[0].kpis[1].code",
        "roles[1].id",
    ]


def test_unknown_and_circular_managers(small_plan):
    d = data_of(small_plan)
    d["roster"]["employees"][2]["manager"] = "E999"
    d["roster"]["employees"][5]["manager"] = "E007"  # E006 <-> E007
    d["roster"]["employees"][4]["manager"] = "E005"  # reports to herself
    report = check(d)
    assert errors_at(report, "unknown-manager") == ["roster.employees[2].manager"]
    loops = sorted(p.params["chain"] for p in report if p.code == "circular-manager")
    assert loops == ["E005 → E005", "E006 → E007 → E006"]


def test_long_reporting_loop_reported_once(small_plan):
    d = data_of(small_plan)
    d["roster"]["employees"][0]["manager"] = "E007"  # E001 -> E007 -> E006 -> E001
    report = check(d)
    assert [p.params["chain"] for p in report if p.code == "circular-manager"] == [
        "E001 → E007 → E006 → E001"
    ]


def test_missing_required_rater(small_plan):
    d = data_of(small_plan)
    d["roster"]["employees"][0]["is_active"] = False  # E001 leaves: his reports have no manager
    report = check(d)
    cells = errors_at(report, "missing-required-rater")
    assert cells == [f"roster.employees[{i}].manager" for i in range(1, 6)]
    assert "inactive-manager" in report.codes()
    # a required peer type needs min_count peers
    d = data_of(small_plan)
    d["rater_types"][2]["required"] = True
    report = check(d)
    assert "roster.employees[6].id" in errors_at(report, "missing-required-rater")  # E007 alone


def test_top_of_organisation_without_manager_is_a_warning(small_plan):
    report = validate_plan(small_plan)
    (problem,) = [p for p in report if p.code == "top-without-manager"]
    assert problem.severity == "warning" and problem.cell == "roster.employees[0].manager"


def test_zero_negative_and_missing_targets(small_plan):
    d = data_of(small_plan)
    d["roles"][0]["kpis"][0]["target"] = 0  # linear ratio
    d["roles"][0]["kpis"][1]["target"] = -5  # bands on ratio
    d["roles"][1]["kpis"][0].pop("target")
    report = check(d)
    assert sorted(errors_at(report, "zero-target")) == [
        "roles[0].kpis[0].target",
        "roles[0].kpis[1].target",
        "roles[1].kpis[0].target",
    ]
    msg = next(p for p in report if p.code == "zero-target").message("zh-CN")
    assert "必须大于 0" in msg


def test_individual_targets_cover_a_missing_role_target(small_plan):
    d = data_of(small_plan)
    d["roles"][0]["kpis"][0]["target"] = 0
    sales_people = [e["id"] for e in d["roster"]["employees"] if e["role"] == "sales"]
    d["roster"]["targets"] = [{"employee": e, "kpi": "S01", "target": 120} for e in sales_people]
    assert not errors_at(check(d), "zero-target")
    d["roster"]["targets"][2]["target"] = 0  # ... but an individual target of 0 is an error
    assert errors_at(check(d), "zero-target") == ["roster.targets[2].target"]


def test_individual_target_for_unknown_employee_or_kpi(small_plan):
    d = data_of(small_plan)
    d["roster"]["targets"] = [
        {"employee": "E404", "kpi": "S01", "target": 100},
        {"employee": "E006", "kpi": "S01", "target": 100},  # admin has no S01
        {"employee": "E002", "kpi": "S01", "target": 100},
        {"employee": "E002", "kpi": "S01", "target": 110},
    ]
    report = check(d)
    assert errors_at(report, "unknown-employee") == ["roster.targets[0].employee"]
    assert errors_at(report, "unknown-kpi") == ["roster.targets[1].kpi"]
    assert errors_at(report, "duplicate-id") == ["roster.targets[3].kpi"]


def test_change_rate_needs_a_baseline_and_pass_fail_a_target(small_plan):
    d = data_of(small_plan)
    kpis = d["roles"][1]["kpis"]
    kpis[0] = {
        "code": "A01",
        "name": "预算控制率",
        "weight": 50,
        "direction": "lower",
        "rule": {"type": "change_bands", "bands": [{"min": 0, "score": 100}]},
        "baseline": 0,
    }
    kpis.append({"code": "A02", "name": "证照年检", "weight": 50, "rule": {"type": "pass_fail"}})
    report = check(d)
    assert errors_at(report, "zero-baseline") == ["roles[1].kpis[0].baseline"]
    assert errors_at(report, "missing-target") == ["roles[1].kpis[1].target"]


def test_grade_thresholds_not_monotonic_and_quotas_over_100(small_plan):
    d = data_of(small_plan)
    d["grading"]["levels"][2]["min_score"] = 90  # B above A (85)
    for level, quota in zip(d["grading"]["levels"], (0.2, 0.3, 0.4, 0.2, 0.1), strict=True):
        level["quota"] = quota
    d["grading"]["forced_distribution"]["enabled"] = True
    report = check(d)
    assert errors_at(report, "thresholds-not-monotonic") == ["grading.levels[2].min_score"]
    assert errors_at(report, "quota-over-100") == ["grading.levels"]
    quota = next(p for p in report if p.code == "quota-over-100")
    assert "120%" in quota.message("zh-CN")


def test_quotas_without_forced_distribution_warn(small_plan):
    d = data_of(small_plan)
    d["grading"]["levels"][0]["quota"] = 0.1
    report = check(d)
    assert report.valid and "quota-unused" in report.codes()


def test_empty_and_unrated_sections(small_plan):
    d = data_of(small_plan)
    d["roles"][1]["tasks"] = []
    d["roles"][1]["weights"] = {"kpi": 40, "task": 10, "competency": 50}
    for t in d["rater_types"]:
        t["sections"] = ["competency"]  # nobody rates KPIs or tasks any more
    report = check(d)
    assert errors_at(report, "empty-section") == ["roles[1].weights.task"]
    assert sorted(errors_at(report, "section-unrated")) == [
        "roles[0].weights.kpi",
        "roles[0].weights.task",
        "roles[1].weights.kpi",
        "roles[1].weights.task",
    ]


def test_relations_with_unknown_people_and_types(small_plan):
    d = data_of(small_plan)
    d["roster"]["relations"] = [
        {"rater": "X1", "ratee": "E002", "type": "peer"},
        {"rater": "E003", "ratee": "E404", "type": "peer"},
        {"rater": "E003", "ratee": "E002", "type": "customer"},  # plan has no customer type
    ]
    report = check(d)
    assert errors_at(report, "unknown-rater") == ["roster.relations[0].rater"]
    assert errors_at(report, "unknown-employee") == ["roster.relations[1].ratee"]
    assert errors_at(report, "unknown-rater-type") == ["roster.relations[2].type"]


def test_dates_floor_cap_scale_and_goals(small_plan):
    d = data_of(small_plan)
    d["cycle"]["end"] = "2026-09-30"
    d["roles"][0]["kpis"][0]["rule"] = {"type": "linear", "floor": 1.5, "cap": 1.2}
    d["scales"][0]["levels"][4]["points"] = 80  # 优秀 below 良好 (90)
    d["roles"][0]["kpis"][1]["goal"] = "G9"
    report = check(d)
    assert errors_at(report, "dates-order") == ["cycle.end"]
    assert errors_at(report, "floor-above-cap") == ["roles[0].kpis[0].rule.floor"]
    assert errors_at(report, "scale-not-monotonic") == ["scales[0].levels[4].points"]
    assert errors_at(report, "unknown-goal") == ["roles[0].kpis[1].goal"]


def test_every_problem_is_reported_at_once_with_yaml_lines(tmp_path, small_plan):
    d = data_of(small_plan)
    d["roles"][0]["weights"]["kpi"] = 70
    d["roster"]["employees"][3]["role"] = "nope"
    d["roster"]["employees"][4]["manager"] = "E999"
    d["grading"]["levels"][1]["min_score"] = 99
    path = dump_plan(Plan.model_validate(d), tmp_path / "plan.yaml")
    plan, report = check_plan_file(path)
    assert plan is not None
    codes = set(report.codes())
    assert {"weights-not-100", "unknown-role", "unknown-manager"} <= codes
    assert "thresholds-not-monotonic" in codes
    lines = path.read_text(encoding="utf-8").splitlines()
    for problem in report.errors:
        file, _, line = problem.file.partition(":")
        assert file == "plan.yaml" and line.isdigit()
        key = problem.cell.rsplit(".", 1)[-1].split("[")[0]
        assert key in lines[int(line) - 1], (problem.cell, lines[int(line) - 1])


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_messages_have_no_unfilled_placeholders(small_plan, lang):
    d = data_of(small_plan)
    d["roles"][0]["weights"]["kpi"] = 70
    d["roster"]["employees"][0]["manager"] = "E007"
    d["roster"]["employees"][3]["role"] = "x"
    d["roles"][0]["kpis"][0]["target"] = 0
    for problem in check(d):
        text = problem.message(lang)
        assert "{" not in text and "}" not in text, text


def test_pay_pools_and_consequence_grades(small_plan):
    d = data_of(small_plan)
    d["pay"] = {
        "pools": [
            {"department": "销售部", "amount": 1000},
            {"department": "后勤部", "amount": 1000},
            {"department": "销售部", "amount": 5},
            {"department": "*", "amount": 9000},
        ]
    }
    d["consequences"] = {"pip_grades": ["D", "E"], "honour_grades": ["X"]}
    report = Report([p for p in check(d) if p.cell.startswith(("pay", "consequences"))])
    assert [(p.code, p.cell) for p in report] == [
        ("unknown-department", "pay.pools[1].department"),
        ("duplicate-id", "pay.pools[2].department"),
        ("unknown-grade", "consequences.pip_grades[1]"),
        ("unknown-grade", "consequences.honour_grades[0]"),
    ]
    assert (
        report.problems[0]
        .message("en")
        .startswith("Department '后勤部' in the bonus pools is not on the roster")
    )
    assert (
        report.problems[1].message()
        == "奖金池编号“销售部”重复出现（首次出现在 pay.pools[0].department）"
    )


def test_pay_field_and_negative_months_are_schema_problems(small_plan):
    from perfsheets.plan.schema import fit_plan
    from perfsheets.plan.source import PlanSource

    d = data_of(small_plan)
    d["pay"] = {"bonus_months": -1, "columns": [{"field": "salary", "header": "工资"}]}
    loaded = fit_plan(d, PlanSource(file="plan.yaml", kind="yaml"), Report())
    assert sorted(p.cell for p in loaded.report) == ["pay.bonus_months", "pay.columns[0].field"]


def test_adjustment_problems_located(small_plan):
    d = data_of(small_plan)
    d["roles"][0]["adjustments"] = [
        {"code": "J1", "name": "专利", "points_per_unit": 0},
        {"code": "J1", "name": "论文", "points_per_unit": 1},
        {"code": "S01", "name": "撞码", "points_per_unit": 1, "source": "import"},
    ]
    d["roles"][0]["penalty_cap"] = 20  # no penalty item
    d["roles"][1]["adjustments"] = [{"code": "K1", "name": "投诉", "points_per_unit": -5}]
    d["rater_types"] = [t for t in d["rater_types"] if t["id"] != "manager"]
    report = check(d)
    assert errors_at(report, "adjustment-zero-points") == [
        "roles[0].adjustments[0].points_per_unit"
    ]
    assert "roles[0].adjustments[1].code" in errors_at(report, "duplicate-id")
    assert errors_at(report, "adjustment-code-taken") == ["roles[0].adjustments[2].code"]
    assert errors_at(report, "adjustment-cap-unused") == ["roles[0].penalty_cap"]
    assert errors_at(report, "adjustment-no-rater") == [
        "roles[0].adjustments[0].source",
        "roles[0].adjustments[1].source",
        "roles[1].adjustments[0].source",
    ]
    (taken,) = [p for p in report if p.code == "adjustment-code-taken"]
    assert taken.message("zh-CN") == (
        "岗位“销售”的加减分项编号 S01 与该岗位的 KPI 指标编号相同（导入实际值时无法区分）"
    )
    (cap,) = [p for p in report if p.code == "adjustment-cap-unused"]
    assert cap.severity == "warning" and cap.message("en") == (
        "Role 'Sales' sets a penalty cap but has no penalty item"
    )
