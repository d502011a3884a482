"""One language at a time on the command line: Chinese by default, English with --lang en or
PERFSHEETS_LANG=en or an English plan — tables, errors and --help alike."""

from __future__ import annotations

import dataclasses
import re
import typing
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from perfsheets.cli import app
from perfsheets.cli.help import COMMANDS_ZH, PARAMS_ZH, PARAMS_ZH_BY_COMMAND
from perfsheets.cli.words import LABELS, error_text

runner = CliRunner()
ASCII_WORD = re.compile(r"[A-Za-z]{3,}")
COMMANDS = sorted(c.name or c.callback.__name__.replace("_", "-") for c in app.registered_commands)


def run(args: list[str], code: int = 0, env: dict[str, str] | None = None) -> str:
    result = runner.invoke(app, args, env=env)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result.output


@pytest.fixture(scope="module")
def zh_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = tmp_path_factory.mktemp("lang") / "zh"
    run(["init", str(ws), "--employees", "200"])
    return ws


@pytest.fixture(scope="module")
def en_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = tmp_path_factory.mktemp("lang") / "en"
    run(["init", str(ws), "--employees", "20", "--lang", "en"])
    return ws


def _labels(output: str) -> list[str]:
    """The first column of a summary table."""
    return [line.split("│")[1].strip() for line in output.splitlines() if line.count("│") == 3]


def test_check_summary_is_chinese_by_default(zh_ws: Path) -> None:
    out = run(["check", str(zh_ws)])
    labels = _labels(out)
    assert "方案文件" in labels and "有效" in labels and "员工人数" in labels
    assert not [x for x in labels if ASCII_WORD.search(x)], labels
    assert "是" in out and "yes" not in out


def test_english_by_option_or_environment(zh_ws: Path) -> None:
    for args, env in ((["--lang", "en"], None), ([], {"PERFSHEETS_LANG": "en"})):
        labels = _labels(run(["check", str(zh_ws), *args], env=env))
        assert "plan file" in labels and "valid" in labels
        assert not [x for x in labels if re.search(r"[\u4e00-\u9fff]", x)], labels


def test_an_english_plan_speaks_english_and_the_option_wins(en_ws: Path) -> None:
    assert "plan file" in _labels(run(["check", str(en_ws)]))
    assert "方案文件" in _labels(run(["check", str(en_ws), "--lang", "zh"]))


def test_errors_of_the_library_in_chinese(tmp_path: Path, zh_ws: Path) -> None:
    out = run(["check", str(tmp_path / "none")], code=2)
    assert "不是工作区文件夹" in out and "not a workspace" not in out
    out = run(["collect", str(zh_ws)], code=2)
    assert "还没有生成考核表" in out and len(out.strip().splitlines()) == 1
    args = ["--employee", "E9999", "--item", "S01", "--target", "10"]
    out = run(["adjust", str(zh_ws), *args, "--reason", "x", "--approved-by", "y"], code=2)
    assert "员工 'E9999' 不在方案的名册中" in out
    out = run(["collect", str(zh_ws), "--lang", "en"], code=2)
    assert "no forms were generated" in out


def test_a_bad_date_is_a_located_message_not_a_python_error(zh_ws: Path) -> None:
    out = run(["progress", str(zh_ws), "--today", "2026-13-01"], code=2)
    assert "--today" in out and "YYYY-MM-DD" in out and "不是有效日期" in out
    assert "ValueError" not in out and "month must be" not in out


def test_help_in_chinese_by_default_and_english_when_asked(en_ws: Path) -> None:
    out = run(["--help"])
    assert "perfsheets：用电子表格完成一个绩效考核周期" in out and "显示版本号并退出" in out
    out = run(["check", "--help"])
    assert "检查考核方案和员工名册" in out and "考核周期工作区文件夹" in out
    assert "显示此帮助并退出" in out and "Validate the plan" not in out
    out = run(["check", "--help", "--lang", "en"])
    assert "Validate the plan" in out and "检查" not in out
    out = run(["check", str(en_ws), "--help"])  # the workspace's plan is in English
    assert "Validate the plan" in out
    out = run(["--help"], env={"PERFSHEETS_LANG": "en"})
    assert "run a performance appraisal cycle" in out


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_and_option_has_its_chinese_help(command: str) -> None:
    english = run([command, "--help", "--lang", "en"])
    chinese = run([command, "--help"])
    assert command in COMMANDS_ZH
    group = typer.main.get_command(app)
    texts = [group.commands[command].help or ""]
    texts += [getattr(p, "help", None) or "" for p in group.commands[command].params]
    for text in filter(None, texts):
        start = " ".join(text.split()[:3])
        assert start in " ".join(english.split()), start
        assert start not in " ".join(chinese.split()), start
    named = {p.name for p in group.commands[command].params if getattr(p, "help", None)}
    assert named <= set(PARAMS_ZH) | {p for c, p in PARAMS_ZH_BY_COMMAND if c == command}


RESULT_TYPES = (
    "perfsheets.cycle.setup:check_workspace",
    "perfsheets.cycle.next_plan:init_from",
    "perfsheets.forms.generate:generate_forms",
    "perfsheets.forms.simulate:simulate_returns",
    "perfsheets.collect.run:collect_returns",
    "perfsheets.collect.status:return_status",
    "perfsheets.consolidation.run:consolidate",
    "perfsheets.consolidation.run:rollup_year",
    "perfsheets.report.render:render_reports",
    "perfsheets.midcycle.actuals:import_actuals",
    "perfsheets.midcycle.targets:adjust_target",
    "perfsheets.midcycle.appeals:resolve_appeal",
    "perfsheets.midcycle.progress:progress",
    "perfsheets.pay.run:export_pay",
    "perfsheets.pay.run:write_consequences",
    "perfsheets.pip.generate:write_pip_forms",
    "perfsheets.mail.reports:send_reports",
)


def test_every_result_field_a_command_prints_has_a_label() -> None:
    import importlib

    missing = []
    for spec in RESULT_TYPES:
        module, name = spec.split(":")
        result = typing.get_type_hints(getattr(importlib.import_module(module), name))["return"]
        fields = [f.name for f in dataclasses.fields(result)]
        props = [n for n in dir(result) if isinstance(getattr(result, n, None), property)]
        missing += [f"{result.__name__}.{f}" for f in fields + props if f not in LABELS]
    # lists and reports print as their own tables, not as labelled rows
    allowed = {"report", "timings", "results", "people", "kpis", "distribution"}
    assert [m for m in missing if m.split(".")[1] not in allowed] == []


def test_untranslated_errors_stay_as_they_are() -> None:
    assert error_text("something new went wrong", "zh-CN") == "something new went wrong"
    assert error_text("x: no such file", "en") == "x: no such file"
    assert error_text("x: no such file", "zh-CN") == "x：文件不存在"


def test_check_lists_errors_first_with_severity_and_puts_the_rest_in_a_file(
    tmp_path: Path,
) -> None:
    ws = tmp_path / "many"
    run(["init", str(ws), "--employees", "400"])
    plan = ws / "plan.yaml"
    text = plan.read_text(encoding="utf-8")
    plan.write_text(text.replace("role: sales\n", "role: salez\n"), encoding="utf-8")
    out = run(["check", str(ws)], code=1)
    assert "级别" in out and "错误" in out and "未在方案中定义" in out
    listed = ws / "results" / "plan-problems.csv"
    rows = listed.read_text(encoding="utf-8-sig").splitlines()
    assert f"全部问题见 {listed}" in out.replace("\n", "")
    assert rows[0] == "file,sheet,cell,severity,code,message" and len(rows) > 51
    assert "员工人数" in out  # the plan loaded: its counts are shown


def test_usage_errors_in_chinese_and_english() -> None:
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 2
    assert "用法：" in result.output and "错误：缺少参数 'workspace'。" in result.output
    assert "Missing argument" not in result.output
    result = runner.invoke(app, ["init", "x", "--employees", "abc"])
    assert result.exit_code == 2 and "--employees 的值无效：应为整数" in result.output
    result = runner.invoke(app, ["chek"])
    assert result.exit_code == 2 and "您是想输入 'check' 吗" in result.output
    result = runner.invoke(app, ["check", "--lang", "en"])
    assert result.exit_code == 2 and "Error: Missing argument 'workspace'." in result.output
    assert "Usage: " in result.output
    assert run(["check", "--help"]).startswith("用法：")
