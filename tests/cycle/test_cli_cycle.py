"""The whole cycle through the command line, on a small example company (CliRunner)."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from perfsheets.cli import app

runner = CliRunner()


def run(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture(scope="module")
def cycle(tmp_path_factory):
    """A 30-person workspace taken through generate, simulate and collect."""
    ws = tmp_path_factory.mktemp("cli") / "cycle"
    run("init", str(ws), "--employees", "30", "--seed", "5")
    run("generate", str(ws), "--workers", "1")
    run("simulate", str(ws), "--seed", "5", "--missing", "0.1", "--mistakes", "0.3")
    return ws


def test_init_refuses_to_overwrite_a_plan(cycle):
    out = run("init", str(cycle), code=2)
    assert "Traceback" not in out


def test_check_json_is_machine_readable(cycle):
    data = json.loads(run("check", str(cycle), "--json"))
    assert data["valid"] is True and data["employees"] == 30


def test_collect_reports_rejected_files_with_exit_1(cycle):
    out = run("collect", str(cycle), "--workers", "1", "--json", code=1)
    data = json.loads(out)
    assert data["rejected"] >= 1 and data["accepted"] >= 10
    with (cycle / "results" / "validation.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and set(rows[0]) == {"file", "sheet", "cell", "severity", "code", "message"}
    # running again changes nothing: everything already accepted stays, nothing new is accepted
    again = json.loads(run("collect", str(cycle), "--workers", "1", "--json", code=1))
    assert again["accepted"] == 0 and again["unchanged"] == data["accepted"] + data["superseded"]


@pytest.mark.slow
def test_status_consolidate_report(cycle):
    run("collect", str(cycle), "--workers", "1", code=1)
    status = json.loads(run("status", str(cycle), "--json"))
    assert status["returned"] + status["missing"] + status["rejected"] == len(status["raters"])
    run("consolidate", str(cycle))
    with (cycle / "results" / "scores.csv").open(encoding="utf-8-sig") as fh:
        scores = list(csv.DictReader(fh))
    assert len(scores) == 30
    out = json.loads(run("report", str(cycle), "--employee", "E0002", "--json"))
    pdfs = list((cycle / "reports").glob("E0002_*.pdf"))
    assert pdfs and pdfs[0].stat().st_size > 10_000, out


def test_status_and_rollup_tables_speak_the_plans_language(cycle):
    run("collect", str(cycle), "--workers", "1", code=1)
    out = run("status", str(cycle))
    assert "评价人工号" in out and "状态" in out and "回收状态" in out
    assert "未交" in out or "被退回" in out
    assert "rater_id" not in out and "missing" not in out and "returned" not in out
    english = run("status", str(cycle), "--lang", "en")
    assert "rater id" in english.lower() and "未交" not in english
    run("consolidate", str(cycle), "--no-history")
    refused = run("rollup", str(cycle), code=1)  # one annual cycle: the months are missing
    assert "缺少考核周期" in refused and "--allow-partial" in refused
    out = run("rollup", str(cycle), "--allow-partial")
    assert "年度结果" in out and "工号" in out and "年度得分" in out
    assert "employee_id" not in out and "year_score" not in out and "complete" not in out


def test_adjust_beyond_band_needs_confirmation(cycle):
    args = ["adjust", str(cycle), "--employee", "E0004", "--item", "S01"]
    out = run(*args, "--target", "99999", "--reason", "市场变化", "--approved-by", "张总", code=1)
    assert "Traceback" not in out


def test_import_actuals_bad_file_applies_nothing(cycle, tmp_path):
    bad = tmp_path / "erp.csv"
    bad.write_text("工号,指标编码,实际值\nE0002,S01,abc\nNOBODY,S01,5\n", encoding="utf-8")
    out = run("import-actuals", str(cycle), str(bad), code=1)
    assert "NOBODY" in out


def test_appeal_open_list_resolve(cycle):
    opened = json.loads(
        run("appeal", str(cycle), "--employee", "E0003", "--reason", "KPI 数据有误", "--json")
    )
    listed = json.loads(run("appeal", str(cycle), "--json"))
    assert [a["appeal_id"] for a in listed["appeals"]] == [opened["appeal_id"]]
    out = run(
        "appeal",
        str(cycle),
        "--resolve",
        str(opened["appeal_id"]),
        "--outcome",
        "upheld",
        "--note",
        "已核实",
        "--decided-by",
        "HR",
    )
    assert "collect" in out


def test_unknown_language_is_a_usage_error(cycle):
    run("status", str(cycle), "--lang", "fr", code=2)


@pytest.mark.slow
def test_demo_runs_end_to_end(tmp_path):
    out = json.loads(
        run("demo", str(tmp_path / "demo"), "--employees", "12", "--reports", "1", "--json")
    )
    assert [s["stage"] for s in out["stages"]] == [
        "init",
        "generate",
        "simulate",
        "collect",
        "consolidate",
        "calibrate",
        "calibrate-apply",
        "release",
        "pay",
        "consequences",
        "report",
        "interview-forms",
        "interview-records",
        "interview-collect",
        "pip-forms",
        "pip-results",
        "pip-collect",
    ]
    assert (tmp_path / "demo" / "results" / "results.xlsx").exists()
    assert out["outputs"]["payroll"].endswith("results/pay/payroll.xlsx")
    assert (tmp_path / "demo" / "results" / "pay" / "payroll.csv").stat().st_mode & 0o077 == 0
    assert (tmp_path / "demo" / "results" / "consequences.xlsx").exists()
    assert list((tmp_path / "demo" / "reports").glob("*.pdf"))


def test_console_markup_in_names_prints_as_typed(tmp_path):
    """Names are people's text: "[/b]" or "[link=…]" in them neither crash nor format output."""
    ws = tmp_path / "ws"
    run("init", str(ws), "--employees", "12", "--seed", "2")
    plan = ws / "plan.yaml"
    text = plan.read_text(encoding="utf-8")
    # every rater's name gets console markup, and status lists the raters still missing
    import re

    text = re.sub(r"(- id: E\d+\n\s+name: )(\S+)", r'\1"[/b]\2[x]"', text)
    plan.write_text(text, encoding="utf-8")
    out = run("check", str(ws))
    run("generate", str(ws), "--workers", "1")
    status = runner.invoke(app, ["status", str(ws)])
    assert status.exception is None or isinstance(status.exception, SystemExit), status.output
    assert "Traceback" not in out + status.output
    assert "[/b]" in status.output and "[x]" in status.output  # printed as typed
