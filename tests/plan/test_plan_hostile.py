"""Hostile or careless plan files: alias bombs, huge files, over-long text, percentages typed
as "20%", minimum shares naming grades the plan does not have."""

from __future__ import annotations

import time
from pathlib import Path

import yaml

from perfsheets.plan.example import example_plan
from perfsheets.plan.io import dump_plan, read_plan
from perfsheets.plan.validate import check_plan_file
from perfsheets.plan.yaml import MAX_PLAN_BYTES


def _billion_laughs() -> str:
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    previous = "a"
    for name in "bcdefghi":
        text += f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]\n"
        previous = name
    return text


def test_billion_laughs_is_refused_at_once_with_a_message(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(_billion_laughs(), encoding="utf-8")
    started = time.perf_counter()
    loaded = read_plan(path)
    assert time.perf_counter() - started < 2
    assert loaded.plan is None
    (problem,) = loaded.report
    assert problem.code == "yaml-aliases" and problem.file == "plan.yaml"
    assert "锚点" in problem.message() and "aliases" in problem.message("en")


def test_an_alias_containing_itself_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text("cycle: &c\n  loop: *c\n", encoding="utf-8")
    assert read_plan(path).report.codes() == ["yaml-aliases"]


def test_a_plan_sharing_a_block_through_an_anchor_still_loads(tmp_path: Path) -> None:
    """Anchors for a shared block or two are ordinary YAML and stay allowed."""
    plan = example_plan(5, seed=1)
    path = tmp_path / "plan.yaml"
    dump_plan(plan, path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    shared = data["roles"][0]["development_goals"]
    data["roles"][1]["development_goals"] = shared  # the same list: PyYAML writes &id001 / *id001
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    assert "&id001" in text and "*id001" in text
    loaded = read_plan(_write(path, text))
    assert loaded.plan is not None, loaded.report.rows("en")
    assert loaded.plan.roles[1].development_goals == shared


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_plan_over_the_size_limit_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    with path.open("wb") as fh:
        fh.truncate(MAX_PLAN_BYTES + 1)  # sparse: 512 MB of nothing
    loaded = read_plan(path)
    assert loaded.report.codes() == ["plan-too-large"]
    assert "512 MB" in loaded.report.problems[0].message()


def test_an_over_long_name_is_a_located_problem(tmp_path: Path) -> None:
    plan = example_plan(5, seed=1)
    path = tmp_path / "plan.yaml"
    dump_plan(plan, path)
    text = path.read_text(encoding="utf-8")
    first = plan.roster.employees[0].name
    long_name = "长" * 5000
    text = text.replace(f"name: {first}\n", f"name: {long_name}\n", 1)
    _, report = check_plan_file(_write(path, text))
    (problem,) = [p for p in report if p.code == "plan-text-too-long"]
    assert problem.file.startswith("plan.yaml:") and problem.cell.endswith(".name")
    assert "5000" in problem.message() and "100" in problem.message()
    assert not report.valid


def test_percent_text_is_read_as_the_number_it_means(tmp_path: Path) -> None:
    plan = example_plan(5, seed=1)
    path = tmp_path / "plan.yaml"
    dump_plan(plan, path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    role = data["roles"][0]
    weights = [k["weight"] for k in role["kpis"]]
    role["kpis"][0]["weight"] = f"{weights[0]}%"
    grade = next(g for g in data["grading"]["levels"] if g.get("quota"))
    quota = grade["quota"]
    grade["quota"] = f"{quota * 100:g}%"
    _write(path, yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    loaded = read_plan(path)
    assert loaded.plan is not None, loaded.report.rows("en")
    assert loaded.plan.roles[0].kpis[0].weight == weights[0]
    assert next(g for g in loaded.plan.grading.levels if g.code == grade["code"]).quota == quota


def test_minimum_shares_naming_an_unknown_grade_is_a_located_problem(tmp_path: Path) -> None:
    plan = example_plan(5, seed=1)
    path = tmp_path / "plan.yaml"
    dump_plan(plan, path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["grading"]["forced_distribution"]["minimum_shares"] = [
        {"grades": ["C", "X"], "share": 0.05}
    ]
    _write(path, yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    _, report = check_plan_file(path)
    (problem,) = [p for p in report if p.code == "unknown-grade"]
    assert problem.cell == "grading.forced_distribution.minimum_shares[0].grades[1]"
    assert "X" in problem.message() and "minimum shares" in problem.message("en")
