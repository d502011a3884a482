"""An English report speaks English: only people's and the company's names stay Chinese."""

from __future__ import annotations

import re

from test_report import employee_result, write_results

from perfsheets.core.model import Plan, unit_en
from perfsheets.report import charts
from perfsheets.report.render import render_reports

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def english_plan(plan: Plan) -> Plan:
    """The small plan with every word the plan owns in English too."""
    data = plan.model_dump()
    data["company"].update(name="示例公司", name_en="Example Ltd.")
    data["cycle"]["name_en"] = "Q4 2026"
    for t in data["rater_types"]:
        t["name_en"] = {"self": "Self", "manager": "Manager"}.get(t["id"], t["id"].title())
    for role in data["roles"]:
        for k in role["kpis"]:
            k["name_en"] = f"KPI {k['code']}"
        for task in role["tasks"]:
            task["name_en"] = "Win the east region"
        role["development_goals"] = []
    for grade in data["grading"]["levels"]:
        grade["name_en"] = grade["code"] + " grade"
        grade["consequence_en"] = "Improvement plan" if grade["consequence"] else None
    return Plan.model_validate(data)


def test_english_report_has_no_chinese_but_names(tmp_path, small_plan):
    plan = english_plan(small_plan)
    result = employee_result(plan, "E002", comments=[], target_changes=[], trend=[])
    for kpi in result.kpis:
        kpi.name = kpi.unit = ""  # as stored: the plan gives the words
    for item in [*result.tasks, *result.competencies, *result.gaps]:
        item.name = ""
    result.strengths, result.development_areas = ["task:T1"], ["kpi:S03"]
    ws = write_results(tmp_path, plan, [result])
    out = render_reports(ws.root, plan=plan, lang="en", workers=1, manager_packs=False)
    from pypdf import PdfReader

    text = "\n".join(p.extract_text() or "" for p in PdfReader(out.reports[0]).pages)
    for name in ("李娜", "王经理", "销售部"):  # people's names and the roster's department
        text = text.replace(name, "")
    assert CJK.findall(text) == []
    assert "10k CNY" in text and "times" in text  # 万元 and 次 in English
    assert "Reduce: KPI S03" in text and "lower is better" in text
    assert "Sales" in text  # the role's English name


def test_units_have_an_english_fallback_and_a_plan_may_say_its_own():
    assert unit_en("万元") == "10k CNY" and unit_en("家") == "accounts" and unit_en("个") == ""
    assert unit_en("分") == "pts" and unit_en("人") == "people" and unit_en("%") == "%"
    assert unit_en("吨") == "吨"  # unknown: kept (a plan can give unit_en)


def test_radar_axis_labels_are_whole_and_inside_the_chart():
    names = ["Customer focus", "Communication", "Strategic planning", "Team development"]
    series = [charts.Series("Others", [3, 4, 2, 5])]
    svg = str(charts.radar(names, series, 1, 5))
    width = float(re.search(r'width="([\d.]+)"', svg).group(1))
    labels = re.findall(r'<text x="([\d.-]+)"[^>]*font-size="8.0"[^>]*>([^<]+)</text>', svg)
    assert sorted(t for _, t in labels) == sorted(names)
    for x, label in labels:
        assert float(x) >= 0 and float(x) + charts.text_width(label, 8) <= width, label
