"""加减分 on the rendered report: the composition table, the cap sentences, in zh and in en.

Read on the PDFs' text, so a template that drops the table or a sentence in the wrong language
fails here even where the view is right.
"""

from __future__ import annotations

import pytest
from test_report import employee_result, pdf_text, write_results
from test_report_english import CJK, english_plan

from perfsheets.core.model import Adjustment, Plan
from perfsheets.core.results import AdjustmentResult
from perfsheets.report.render import render_reports

pytestmark = pytest.mark.slow  # every test here renders PDFs


def _with_adjustments(plan: Plan) -> Plan:
    sales = plan.roles[0].model_copy(
        update={
            "adjustments": [
                Adjustment(code="J1", name="发明专利", name_en="Patents", points_per_unit=2, cap=6),
                Adjustment(
                    code="K1",
                    name="投诉升级",
                    name_en="Escalated complaints",
                    unit="次",
                    points_per_unit=-5,
                ),
            ],
            "bonus_cap": 5,
        }
    )
    return plan.model_copy(update={"roles": [sales, *plan.roles[1:]]})


def _results(plan: Plan):
    items = [
        AdjustmentResult(code="J1", points_per_unit=2, cap=6, count=4, points=8, counted=6),
        AdjustmentResult(code="K1", points_per_unit=-5, count=1, points=-5, counted=-5),
    ]
    adjusted = employee_result(
        plan,
        "E002",
        adjustments=items,
        weighted_score=86.37,
        bonus_points=5,
        penalty_points=5,
        bonus_capped=True,
        total_score=86.37,
        comments=[],
        trend=[],
        target_changes=[],
    )
    plain = employee_result(plan, "E003", comments=[], trend=[], target_changes=[])
    for result in (adjusted, plain):  # as stored: ids only, the plan gives the words
        for item in [*result.kpis, *result.tasks, *result.competencies, *result.gaps]:
            item.name = ""
        result.strengths, result.development_areas = ["task:T1"], ["kpi:S03"]
    return [adjusted, plain]


@pytest.fixture(scope="module")
def texts(tmp_path_factory):
    from plan_support import make_small_plan

    out = {}
    for lang in ("zh-CN", "en"):
        plan = _with_adjustments(english_plan(make_small_plan()))
        ws = write_results(tmp_path_factory.mktemp(lang), plan, _results(plan))
        done = render_reports(ws.root, plan=plan, lang=lang, workers=1, manager_packs=False)
        out[lang] = {p.name.split("_")[0]: pdf_text(p) for p in done.reports}
    return out


def test_the_chinese_report_shows_each_item_its_cap_and_the_role_cap(texts):
    text = texts["zh-CN"]["E002"]
    assert "发明专利" in text and "投诉升级" in text
    assert "发明专利：+8分超过单项上限，按+6分计。" in text
    assert "加分合计6分，超过岗位上限5分，按5分计入总分。" in text


def test_the_english_report_says_it_in_english(texts):
    text = texts["en"]["E002"]
    assert "Patents" in text and "Escalatedcomplaints" in text
    assert "Bonus5,penalty5" in text  # the table's total row
    for name in ("李娜", "王经理", "销售部", "示例公司"):
        text = text.replace(name, "")
    assert CJK.findall(text) == []


def test_a_report_without_adjustments_says_nothing_of_them(texts):
    assert "发明专利" not in texts["zh-CN"]["E003"]
    assert "加分" not in texts["zh-CN"]["E003"]
    assert "Patents" not in texts["en"]["E003"]
