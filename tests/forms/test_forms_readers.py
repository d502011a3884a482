"""What each reader of a form is told: a customer only what a customer needs, and a change KPI
asks for the quantity its rule computes from. Checked on generated workbooks via openpyxl."""

from __future__ import annotations

import openpyxl
import pytest
from plan_support import with_change_kpi

from perfsheets.core.model import ExternalRater, Plan, RaterType, Relation, ReportOptions
from perfsheets.forms.generate import generate_forms

CONTACT = "销售部 王芳 138-0000-0000"


def _texts(ws) -> str:
    return "\n".join(
        str(c.value)
        for row in ws.iter_rows()
        for c in row
        if c.value is not None and not str(c.value).startswith("=")
    )


def with_customer(plan: Plan, **update) -> Plan:
    """``plan`` with a customer rater group (peers' weight lowered to make room) and one
    external rater, X01, rating E002."""
    types = [t.model_copy(update={"weight": 10}) if t.id == "peer" else t for t in plan.rater_types]
    roster = plan.roster.model_copy(
        update={
            "external_raters": [ExternalRater(id="X01", name="华东客户", email="c@example.com")],
            "relations": [Relation(rater="X01", ratee="E002", type="customer")],
        }
    )
    customer = RaterType(id="customer", name="客户", weight=10)
    return plan.model_copy(update={"rater_types": [*types, customer], "roster": roster, **update})


@pytest.fixture
def customer_plan(small_plan) -> Plan:
    return with_customer(small_plan, report=ReportOptions(contact=CONTACT))


def test_a_customer_form_holds_nothing_internal(tmp_path, customer_plan):
    files = generate_forms(tmp_path / "ws", plan=customer_plan, workers=1).files
    customer = openpyxl.load_workbook(next(p for p in files if "X01" in p.name))
    guide, sheet, criteria = (customer[n] for n in customer.sheetnames[:3])
    text = "\n".join(_texts(ws) for ws in (guide, sheet, criteria))
    for internal in ("绩效等级", "绩效改进计划", "计分方法", "分值", "交回 HR", "HR 导入", "权重 "):
        assert internal not in text, internal
    assert f"发回给{CONTACT}" in _texts(guide)
    assert "您的评价将与其他客户的评价合并后匿名呈现" in _texts(sheet)
    assert "五级评分" in _texts(criteria) or "优秀" in _texts(criteria)  # the scale remains
    # an employee's form keeps the grades, the method and the return to HR
    staff = openpyxl.load_workbook(next(p for p in files if "E002" in p.name))
    staff_text = _texts(staff[staff.sheetnames[0]]) + _texts(staff["评分标准"])
    assert "交回 HR" in staff_text and "绩效等级" in staff_text and "计分方法" in staff_text


def test_a_customer_form_without_a_contact_returns_to_the_sender(tmp_path, customer_plan):
    plan = customer_plan.model_copy(update={"report": ReportOptions()})
    files = generate_forms(tmp_path / "ws", plan=plan, workers=1).files
    guide = openpyxl.load_workbook(next(p for p in files if "X01" in p.name)).worksheets[0]
    assert "发回给向您发出本表的联系人" in _texts(guide)


def test_a_change_kpi_asks_for_the_actual_its_rule_uses(tmp_path, small_plan):
    data = with_change_kpi(small_plan, name="市场占有率增长率")
    plan = Plan.model_validate(data)
    files = generate_forms(tmp_path / "ws", plan=plan, workers=1).files
    wb = openpyxl.load_workbook(next(p for p in files if "E002" in p.name))
    ws = next(ws for ws in wb.worksheets if any(c.value == "kpi:S04" for c in ws["A"]))
    row = next(c.row for c in ws["A"] if c.value == "kpi:S04")
    cells = [str(c.value or "") for c in ws[row]]
    assert any("填本期实际值" in c for c in cells)  # the name says what to type
    assert any("不填增长率" in c and "增长率=（实际值−基期值）÷基期值" in c for c in cells)
    prompt = next(dv for dv in ws.data_validations.dataValidation if f"J{row}" in str(dv.sqref))
    assert prompt.promptTitle == "本期实际值（%）"
    assert "与基期值 12 同口径" in prompt.prompt and "不要填变化率" in prompt.prompt


def _printed_height(path) -> float:
    """Points of rows printed on the assessment sheets (hidden rows left out)."""
    book = openpyxl.load_workbook(path)
    return sum(
        0 if ws.row_dimensions[r].hidden else (ws.row_dimensions[r].height or 15)
        for ws in book.worksheets[1:-2]
        for r in range(1, ws.max_row + 1)
    )


@pytest.mark.slow
def test_english_forms_are_english_and_not_much_longer_than_chinese(tmp_path):
    import re

    from perfsheets.plan.example import example_plan

    zh_plan, en_plan = example_plan(12, seed=3), example_plan(12, seed=3, lang="en")
    zh = generate_forms(tmp_path / "zh", plan=zh_plan, workers=1).files
    en = generate_forms(tmp_path / "en", plan=en_plan, workers=1).files
    names = {e.name for e in en_plan.roster.employees} | {
        e.department for e in en_plan.roster.employees
    }
    names |= {x.name for x in en_plan.roster.external_raters} | {en_plan.company.name}
    cjk = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
    for path in en[:6]:
        book = openpyxl.load_workbook(path)
        for ws in book.worksheets[:-1]:
            text = _texts(ws)
            for name in sorted(names, key=len, reverse=True):
                text = text.replace(name, "")
            assert not cjk.findall(text), (path.name, ws.title, cjk.findall(text)[:5])
    ratio = sum(map(_printed_height, en[:8])) / sum(map(_printed_height, zh[:8]))
    assert ratio < 1.4, ratio
