"""YAML plans: written readable, read back equal, every reading problem located."""

from __future__ import annotations

import pytest

from perfsheets.core.problems import PerfsheetsError
from perfsheets.plan.example import example_plan
from perfsheets.plan.io import dump_plan, load_plan
from perfsheets.plan.problems import PlanError
from perfsheets.plan.yaml import plan_from_yaml, plan_to_yaml


def test_yaml_round_trip_is_exact(tmp_path, small_plan):
    for plan in (small_plan, example_plan(60, seed=4), example_plan(30, lang="en")):
        path = dump_plan(plan, tmp_path / "plan.yaml")
        assert load_plan(path) == plan


def test_yaml_is_readable_block_style_with_chinese_text(small_plan):
    text = plan_to_yaml(small_plan)
    assert "销售额完成率" in text and "\\u" not in text  # Chinese as text, not escapes
    assert "{" not in text  # block style throughout
    assert "- id: sales" in text  # identity first
    assert "name_en: null" not in text  # defaults left out
    assert "type: linear" in text  # but the rule type is always shown


def test_schema_errors_are_all_reported_with_path_and_line(tmp_path, small_plan):
    text = plan_to_yaml(small_plan)
    text = text.replace("    weight: 50\n", "    weight: fifty\n", 1)  # the first KPI weight
    text = text.replace("period: quarter", "period: fortnight")
    text = text.replace("    target: 95\n", "    target: 95\n    traget: 96\n", 1)
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    report = caught.value.report
    assert report.codes() == ["schema"] * 3
    cells = sorted(p.cell for p in report)
    assert cells == ["cycle.period", "roles[0].kpis[0].weight", "roles[0].kpis[1].traget"]
    lines = text.splitlines()
    for problem in report:
        file, _, line = problem.file.partition(":")
        assert file == "plan.yaml"
        assert problem.cell.rsplit(".", 1)[-1] in lines[int(line) - 1]
    by_cell = {p.cell: p for p in report}
    assert "应为数字" in by_cell["roles[0].kpis[0].weight"].message("zh-CN")
    assert "fifty" in by_cell["roles[0].kpis[0].weight"].message("en")
    assert "quarter" in by_cell["cycle.period"].message("en")
    assert "不认识" in by_cell["roles[0].kpis[1].traget"].message("zh-CN")


def test_missing_fields_and_wrong_rule_type(small_plan):
    text = plan_to_yaml(small_plan).replace("type: bands", "type: steps")
    text = text.replace("  due: 2027-01-10\n", "")
    with pytest.raises(PlanError) as caught:
        plan_from_yaml(text)
    by_cell = {p.cell: p for p in caught.value.report}
    assert set(by_cell) == {"cycle.due", "roles[0].kpis[1].rule"}
    assert "缺少必填项" in by_cell["cycle.due"].message("zh-CN")
    assert "steps" in by_cell["roles[0].kpis[1].rule"].message("en")


def test_yaml_syntax_error_has_line(tmp_path):
    path = tmp_path / "plan.yaml"
    path.write_text("cycle:\n  id: 1\n  name: [unclosed\nroles: []\n", encoding="utf-8")
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    (problem,) = caught.value.report
    assert problem.code == "yaml-syntax" and problem.file.startswith("plan.yaml:")


def test_duplicate_keys_are_errors_not_silently_dropped(small_plan):
    text = plan_to_yaml(small_plan).replace(
        "    weight: 50\n", "    weight: 50\n    weight: 40\n", 1
    )
    with pytest.raises(PlanError) as caught:
        plan_from_yaml(text)
    (problem,) = caught.value.report
    assert problem.code == "duplicate-key" and problem.params["key"] == "weight"
    line = int(problem.file.split(":")[1])
    assert text.splitlines()[line - 1].strip() == "weight: 40"


@pytest.mark.parametrize("text", ["", "- a\n- b\n", "just text\n"])
def test_not_a_plan(text):
    with pytest.raises(PlanError) as caught:
        plan_from_yaml(text)
    assert caught.value.report.codes() == ["not-a-plan"]


def test_anchors_and_unquoted_on_key_read_like_pyyaml(small_plan):
    text = plan_to_yaml(small_plan)
    assert "'on': ratio" in text  # written quoted, so any YAML reader gets the key "on"
    unquoted = text.replace("'on': ratio", "on: ratio")
    assert plan_from_yaml(unquoted) == small_plan  # HR's unquoted key still means "on"
    anchored = text.replace("cycle:\n", "x-common: &lang zh-CN\ncycle:\n", 1)
    anchored = anchored.replace("  language: zh-CN", "  language: *lang")
    with pytest.raises(PlanError) as caught:  # anchors work (PyYAML path) ...
        plan_from_yaml(anchored)
    assert caught.value.report.codes() == ["schema"]  # ... the extra top-level key does not


def test_unknown_suffix_and_missing_file(tmp_path, small_plan):
    with pytest.raises(PerfsheetsError):
        dump_plan(small_plan, tmp_path / "plan.json")
    with pytest.raises(PerfsheetsError, match="not found"):
        load_plan(tmp_path / "nope.yaml")


def test_fast_reader_matches_pyyaml_on_the_example(small_plan):
    import yaml

    from perfsheets.plan.yaml import parse_yaml

    text = plan_to_yaml(example_plan(80)) + "extra: [1, 2.5, yes, null, 0x10, 1_000, '007']\n"
    data, _source, report = parse_yaml(text, "plan.yaml")
    assert data == yaml.load(text, Loader=yaml.CSafeLoader) and not report.problems
    assert data["extra"] == [1, 2.5, True, None, 16, 1000, "007"]


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
def test_nan_and_infinity_in_a_plan_are_located_errors(tmp_path, small_plan, value):
    from perfsheets.plan.io import read_plan

    path = dump_plan(small_plan, tmp_path / "plan.yaml")
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("target: 100", f"target: {value}", 1), encoding="utf-8")
    loaded = read_plan(path)
    assert loaded.plan is None and not loaded.report.valid
    assert any("target" in p.location() for p in loaded.report.errors)
