"""``check`` shows everything at once: schema errors and the cross-field problems of the rest
of the plan in one run, located in the file, and which plan file is in use."""

from __future__ import annotations

from pathlib import Path

import yaml

from perfsheets.cycle.setup import check_workspace, init_workspace
from perfsheets.plan.io import dump_plan, load_plan


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_schema_errors_and_semantic_problems_in_one_run(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "w", employees=30)

    def break_it(data):
        people = data["roster"]["employees"]
        people[2]["is_active"] = "maybe"  # schema: a bad optional value
        del people[3]["name"]  # schema: a row missing something required
        people[5]["role"] = "nosuchrole"  # semantic
        data["roles"][0]["kpis"][0]["weight"] += 5  # semantic
        data["cycle"]["due"] = "2026-13-45"  # schema: a date that does not exist

    _edit(ws.plan_path(), break_it)
    result = check_workspace(ws.root)
    by_code = {p.code: p for p in result.report}
    assert {"schema", "unknown-role", "weights-not-100"} <= set(by_code)
    schema_cells = sorted(p.cell for p in result.report if p.code == "schema")
    assert schema_cells == [
        "cycle.due",
        "roster.employees[2].is_active",
        "roster.employees[3].name",
    ]
    # placed at the row in the file even though row 3 was set aside to check the rest
    role = by_code["unknown-role"]
    assert role.cell == "roster.employees[5].role"
    lines = ws.plan_path().read_text(encoding="utf-8").splitlines()
    assert "nosuchrole" in lines[int(role.file.removeprefix("plan.yaml:")) - 1]
    assert by_code["weights-not-100"].cell == "roles[0].kpis"
    # nothing that only follows from the set-aside row or the stand-in date
    person = yaml.safe_load(ws.plan_path().read_text(encoding="utf-8"))["roster"]["employees"][3]
    assert not any(person["id"] in p.message() for p in result.report if p.code != "schema")
    assert not {"dates-order", "due-before-start"} & set(by_code)
    assert not result.valid and result.errors == len(result.report.errors)


def test_a_second_plan_file_is_named_and_the_one_used_said(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "w", employees=10)
    dump_plan(load_plan(ws.plan_path()), ws.root / "plan.xlsx")
    result = check_workspace(ws.root)
    (other,) = [p for p in result.report if p.code == "other-plan-files"]
    assert result.plan_file.name == "plan.yaml" and other.severity == "warning"
    assert "使用的是 plan.yaml" in other.message() and "plan.xlsx" in other.message()
    assert "plan.yaml is the plan in use" in other.message("en")


def test_the_untouched_example_checks_without_warnings(tmp_path: Path) -> None:
    for lang, excel in (("zh-CN", False), ("en", False), ("zh-CN", True)):
        ws = init_workspace(tmp_path / f"{lang}{excel}", lang=lang, excel=excel)
        result = check_workspace(ws.root)
        assert result.valid and result.report.rows() == [], (lang, excel)
