"""The command line: every command has help and is documented; errors are one clean line."""

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from perfsheets.cli import app

runner = CliRunner()
README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(c.name or c.callback.__name__ for c in app.registered_commands)


def test_all_commands_registered():
    assert set(COMMANDS) >= {
        "init",
        "check",
        "generate",
        "simulate",
        "collect",
        "status",
        "consolidate",
        "report",
        "demo",
        "import-actuals",
        "adjust",
        "progress",
        "appeal",
    }


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_is_in_readme(command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("用法：") and len(result.output.splitlines()) > 4
    assert f"perfsheets {command}" in README


def test_missing_workspace_is_one_line_exit_2(tmp_path):
    result = runner.invoke(app, ["status", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output and len(result.output.splitlines()) == 1
    assert result.output.startswith("perfsheets: ") and "工作区中没有方案文件" in result.output
    result = runner.invoke(app, ["status", str(tmp_path / "nope"), "--lang", "en"])
    assert result.exit_code == 2 and "no plan.yaml" in result.output


def test_help_starts_without_the_heavy_libraries():
    # Each command imports its stage on use; --help must not pay for pandas, WeasyPrint, openpyxl.
    code = (
        "import sys\n"
        "from perfsheets.cli import main\n"
        "sys.argv = ['perfsheets', '--help']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('pandas', 'weasyprint', 'openpyxl', 'xlsxwriter', 'numpy')\n"
        "print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "用法：" in result.stdout
    assert result.stderr.strip().splitlines()[-1] == "[]"
