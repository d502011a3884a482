"""YAML plans: written readable, read back equal, every reading problem located."""

from __future__ import annotations

from perfsheets.example import example_plan
from perfsheets.plan_io import dump_plan, load_plan, plan_to_yaml


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
