"""The sheets of a form around the assessment sheets: the instructions (first), the scoring
criteria (after the assessment sheets) and the hidden metadata sheet collect reads back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from perfsheets.core import layout
from perfsheets.core.cells import sheet_text
from perfsheets.core.i18n import term, tr
from perfsheets.core.model import Employee, Plan, RaterType, RaterTypeId
from perfsheets.core.scoring import NOT_RATED
from perfsheets.forms.jobs import CRITERIA_SHEET, INSTRUCTIONS_SHEET, FormJob
from perfsheets.forms.pages import ONE_PAGE_HEIGHT, PAGE_HEIGHT, PRINT_SCALE
from perfsheets.forms.template import (
    LINE_HEIGHT,
    SheetTemplate,
    colon,
    form_title,
    paren,
    rater_type_label,
    text_lines,
)
from perfsheets.forms.workbook import company, print_setup, protect, row_points


def write_instructions(
    wb: Any,
    fm: dict[str, Any],
    plan: Plan,
    job: FormJob,
    employees: Mapping[str, Employee],
    types: Mapping[RaterTypeId, RaterType],
) -> None:
    """The first sheet: how to fill in the form, and whom it assesses (sheet by sheet)."""
    lang = plan.lang
    ws = wb.add_worksheet(INSTRUCTIONS_SHEET[1] if lang == "en" else INSTRUCTIONS_SHEET[0])
    ws.set_column(0, 0, 4)
    ws.set_column(1, 1, 24)
    ws.set_column(2, 2, 16)
    ws.set_column(3, 3, 16)
    ws.set_column(4, 4, 44)
    ws.set_row(0, 30)
    ws.merge_range(
        0,
        1,
        0,
        4,
        sheet_text(f"{form_title(plan)} · {tr(lang, '填写说明', 'how to fill in')}"),
        fm["title"],
    )
    ws.merge_range(
        1,
        1,
        1,
        4,
        f"{tr(lang, '评价人：', 'Rater: ')}{job.rater_name}{paren(lang, job.rater_id)}    "
        f"{term('due', lang)}{colon(lang)}{plan.cycle.due}",
        fm["info"],
    )
    steps = outsider_steps(plan, job) if is_outsider(job) else staff_steps(plan, job)
    row = 3
    for text in steps:
        ws.set_row(row, max(1, text_lines(text, 100)) * LINE_HEIGHT + 6)
        ws.merge_range(row, 1, row, 4, text, fm["text"])
        row += 1
    row += 1
    heads = [
        tr(lang, "工作表", "Sheet"),
        term("employee", lang),
        term("department", lang),
        tr(lang, "评价关系", "Rating as"),
    ]
    for col, text in enumerate(heads, start=1):
        ws.write_string(row, col, text, fm["head"])
    for sheet in job.sheets:
        row += 1
        e = employees[sheet.ratee_id]
        ws.write_string(row, 1, sheet.name, fm["text"])
        ws.write_string(row, 2, f"{e.name}{paren(lang, e.id)}", fm["text"])
        ws.write_string(row, 3, e.department, fm["text"])
        ws.write_string(row, 4, rater_type_label(types, sheet.rater_type, lang), fm["text"])
    print_setup(ws, plan, job.rater_name, None)
    protect(ws, plan)
    ws.activate()


def is_outsider(job: FormJob) -> bool:
    """A form for someone outside the company: every sheet rates as a customer."""
    return bool(job.sheets) and all(s.rater_type == "customer" for s in job.sheets)


def return_to(plan: Plan) -> str:
    """Whom an outsider returns the form to: the plan's contact, else whoever sent it."""
    lang = plan.lang
    contact = plan.report.contact_text(lang)
    return contact or tr(lang, "向您发出本表的联系人", "the person who sent you this form")


def staff_steps(plan: Plan, job: FormJob) -> list[str]:
    """How an employee fills in and returns the form."""
    lang = plan.lang
    return [
        tr(
            lang,
            f"1. 本文件共 {len(job.sheets)} 张评价表，每位被评价人一张（见下表），请逐张填写。",
            f"1. This file holds {len(job.sheets)} assessment sheet(s), one per person (listed below). Fill in each one.",
        ),
        tr(
            lang,
            "2. 只需填写黄色单元格：KPI 实际值填数字，评分从下拉列表选择，评语请结合具体事例。灰色单元格为 HR 导入的数据。",
            "2. Fill in the yellow cells only: KPI actuals as numbers, ratings from the list, comments with concrete examples. Grey cells hold data imported by HR.",
        )
        + na_hint(plan),
        tr(
            lang,
            "3. 得分、部分得分和本表总分由公式自动计算，供参考；最终得分由 HR 汇总全部评价人后确定。",
            "3. Scores and the form total are calculated as you type, for reference; HR combines all raters for the final score.",
        ),
        tr(
            lang,
            "4. 评分等级、分值和各等级行为描述见“评分标准”工作表。",
            "4. Rating levels, points and behaviour anchors are on the 'Scoring criteria' sheet.",
        ),
        tr(
            lang,
            "5. 请勿增删、重命名工作表或修改锁定内容（权重、目标值等）；修改过的文件会被退回。可以打印后手写再录入。",
            "5. Do not add, delete or rename sheets or change locked content (weights, targets): changed files are sent back. Printing is fine.",
        ),
        tr(
            lang,
            f"6. 请于 {plan.cycle.due} 前将本文件交回 HR（可以改文件名）。",
            f"6. Return this file to HR by {plan.cycle.due} (renaming it is fine).",
        ),
    ]


def na_hint(plan: Plan) -> str:
    """The sentence on 无法评价 appended to the filling-in step (empty when the plan has none)."""
    if not plan.aggregation.allow_na:
        return ""
    return tr(
        plan.lang,
        f"没有接触、无法观察到的项目请选“{NOT_RATED['zh-CN']}”，不要猜测。",
        f" Where you have not seen the behaviour, choose '{NOT_RATED['en']}' instead of guessing.",
    )


def outsider_steps(plan: Plan, job: FormJob) -> list[str]:
    """What a customer needs: what to fill in and whom to send it to (nothing internal: no
    grades, pay consequences or scoring method)."""
    lang = plan.lang
    company_name = company(plan) or tr(lang, "我司", "our company")
    return [
        tr(
            lang,
            f"1. 感谢您参与{company_name}的服务评价。本文件共 {len(job.sheets)} 张评价表，每位被评价人一张（见下表）。",
            f"1. Thank you for rating {company_name}'s staff. This file holds {len(job.sheets)} sheet(s), one per person (listed below).",
        ),
        tr(
            lang,
            "2. 只需填写黄色单元格：评分从下拉列表选择，评语请结合具体事例。",
            "2. Fill in the yellow cells only: ratings from the list, comments with concrete examples.",
        )
        + na_hint(plan),
        tr(
            lang,
            "3. 您的评价将与其他客户的评价合并后匿名呈现给被评价人。",
            "3. Your ratings are combined with other customers' and shown to the person anonymously.",
        ),
        tr(
            lang,
            "4. 各评分等级的含义见“评分标准”工作表。",
            "4. What each rating means is on the 'Scoring criteria' sheet.",
        ),
        tr(
            lang,
            f"5. 请于 {plan.cycle.due} 前将填好的文件发回给{return_to(plan)}。",
            f"5. Please send this file to {return_to(plan)} by {plan.cycle.due}.",
        ),
    ]


def write_criteria(
    wb: Any,
    fm: dict[str, Any],
    plan: Plan,
    templates: Iterable[SheetTemplate],
    *,
    outsider: bool = False,
) -> None:
    """The scoring criteria: the rating scales the form's sheets use, how scores are
    calculated, and the grades. An outsider (a customer) sees what the ratings mean only:
    points, the scoring method and grades with their pay consequences are internal."""
    lang = plan.lang
    ws = wb.add_worksheet(CRITERIA_SHEET[1] if lang == "en" else CRITERIA_SHEET[0])
    for col, width in enumerate((4, 10, 14, 10, 60)):
        ws.set_column(col, col, width)
    ws.set_row(0, 30)
    ws.merge_range(0, 1, 0, 4, tr(lang, "评分标准", "Scoring criteria"), fm["title"])
    templates = list(templates)
    used = {s for t in templates for s in t.scale_ids()}
    row = _write_scales(ws, fm, plan, used, 2, points=not outsider)
    if not outsider:
        adjusting = any(t.adjustments for t in templates)
        row = _write_rules(ws, fm, plan, row, adjusting)
        row = _write_grades(ws, fm, plan, row + 2)
    # A criteria sheet a little over a page prints on one (no two grade rows on a page).
    height = sum(row_points(ws, r) for r in range(row + 1))
    one_page = PAGE_HEIGHT * PRINT_SCALE / 100 < height <= ONE_PAGE_HEIGHT
    print_setup(ws, plan, tr(lang, "评分标准", "Scoring criteria"), None, one_page=one_page)
    protect(ws, plan)


def _write_scales(
    ws: Any, fm: dict[str, Any], plan: Plan, used: set[str], row: int, *, points: bool
) -> int:
    """Each rating scale the form uses, best level first; returns the next free row."""
    lang = plan.lang
    for scale in plan.scales:
        if scale.id not in used:
            continue
        ws.merge_range(row, 1, row, 4, scale.label(lang), fm["band"])
        row += 1
        heads = [tr(lang, "评分", "Rating"), tr(lang, "等级", "Level")]
        heads += [tr(lang, "分值", "Points")] if points else []
        for col, text in enumerate(heads, start=1):
            ws.write_string(row, col, text, fm["head"])
        described = tr(lang, "行为描述", "Description")
        if points:
            ws.write_string(row, 4, described, fm["head"])
        else:
            ws.merge_range(row, 3, row, 4, described, fm["head"])
        for lv in sorted(scale.levels, key=lambda x: x.value, reverse=True):
            row += 1
            ws.write_number(row, 1, lv.value, fm["num"])
            ws.write_string(row, 2, lv.label(lang), fm["center"])
            if points:
                ws.write_number(row, 3, lv.points, fm["num"])
                ws.write_string(row, 4, lv.anchor_text(lang), fm["text"])
            else:
                ws.merge_range(row, 3, row, 4, lv.anchor_text(lang), fm["text"])
        if plan.aggregation.allow_na:
            row += 1
            ws.write_string(row, 1, NOT_RATED[lang], fm["center"])
            ws.write_string(row, 2, "—", fm["center"])
            meaning = tr(
                lang,
                "未接触或无法观察到该项表现；该项不计分，按其他评价人的评分计算",
                "Not seen or not observable; the item is scored from the other raters",
            )
            if points:
                ws.write_string(row, 3, "—", fm["center"])
                ws.write_string(row, 4, meaning, fm["text"])
            else:
                ws.merge_range(row, 3, row, 4, meaning, fm["text"])
        row += 2
    return row


def _write_rules(ws: Any, fm: dict[str, Any], plan: Plan, row: int, adjusting: bool = False) -> int:
    """How scores are calculated; returns the last row written."""
    lang = plan.lang
    ws.merge_range(row, 1, row, 4, tr(lang, "计分方法", "How scores are calculated"), fm["band"])
    rules = [
        tr(
            lang,
            "KPI：每项按“评分标准”列的规则得分，部分得分 = Σ(得分 × 权重) ÷ Σ权重。",
            "KPI: each item is scored by the rule in its criteria column; section score = Σ(score × weight) ÷ Σ weight.",
        ),
        tr(
            lang,
            "重点工作与能力：评分换算为上表分值，部分得分按权重加权平均。",
            "Key tasks and competencies: ratings map to the points above, weighted by item weight.",
        ),
        *(
            [
                tr(
                    lang,
                    f"选“{NOT_RATED['zh-CN']}”的项目不计分，部分得分按其余已评项目的权重计算。",
                    f"Items marked '{NOT_RATED['en']}' are not scored; the section score is weighted over the items rated.",
                )
            ]
            if plan.aggregation.allow_na
            else []
        ),
        tr(
            lang,
            "本表总分 = 各部分得分按岗位部分权重加权（只计本表所评部分）。",
            "Form total = section scores weighted by the role's section weights (only the parts on this form).",
        ),
        *(
            [
                tr(
                    lang,
                    "加减分项（上级填写次数，没有则留空；HR 导入的次数已锁定）：每项加减分 = 次数 × "
                    "每单位分值，不超过单项上限；加分合计、减分合计分别不超过岗位规定的上限；"
                    "总分 = 加权得分 + 加分 − 减分，可超过 100 分，最低 0 分。",
                    "Bonus and penalty points (the manager enters the counts, blank if none; counts "
                    "HR imported are locked): points = count × points per unit, at most the item's "
                    "cap; the bonus and the penalty each at most the role's cap; total = weighted "
                    "score + bonus − penalty, which may exceed 100 and is never below 0.",
                )
            ]
            if adjusting
            else []
        ),
        tr(
            lang,
            f"所有得分四舍五入保留 {plan.aggregation.decimals} 位小数。",
            f"All scores are rounded half up to {plan.aggregation.decimals} decimals.",
        ),
    ]
    for text in rules:
        row += 1
        ws.set_row(row, max(1, text_lines(text, 84)) * LINE_HEIGHT + 6)
        ws.merge_range(row, 1, row, 4, text, fm["text"])
    return row


def _write_grades(ws: Any, fm: dict[str, Any], plan: Plan, row: int) -> int:
    """The grades, their thresholds and what each means; returns the last row written."""
    lang = plan.lang
    ws.merge_range(row, 1, row, 4, tr(lang, "绩效等级", "Grades"), fm["band"])
    row += 1
    for col, text in enumerate(
        [
            term("grade", lang),
            term("name", lang),
            tr(lang, "最低分", "Min score"),
            tr(lang, "说明", "Consequence"),
        ],
        start=1,
    ):
        ws.write_string(row, col, text, fm["head"])
    for grade in plan.grading.levels:
        row += 1
        ws.write_string(row, 1, grade.code, fm["center"])
        ws.write_string(row, 2, grade.label(lang), fm["center"])
        ws.write_number(row, 3, grade.min_score, fm["num"])
        ws.write_string(row, 4, grade.consequence_text(lang), fm["text"])
    return row


def write_meta(wb: Any, plan: Plan, job: FormJob) -> None:
    """The very hidden sheet collect identifies a return by: the form's id, plan and sheets."""
    ws = wb.add_worksheet(layout.META_SHEET)
    meta = {
        "schema_version": str(layout.FORM_SCHEMA_VERSION),
        "form_id": job.form_id,
        "cycle_id": plan.cycle.id,
        "plan_version": str(job.plan_version),
        "plan_digest": job.plan_digest,
        "rater_id": job.rater_id,
        "rater_name": job.rater_name,
        "language": plan.lang,
        "generated_at": job.generated_at,
    }
    row = 0
    for key in layout.META_FIELDS:
        ws.write_string(row, 0, key)
        ws.write_string(row, 1, sheet_text(meta[key]))
        row += 1
    ws.write_string(row, 0, layout.SHEETS_KEY)
    for sheet in job.sheets:
        row += 1
        ws.write_string(row, 0, sheet.name)
        ws.write_string(row, 1, sheet.ratee_id)
        ws.write_string(row, 2, sheet.rater_type)
    ws.set_column(0, 2, 20)
    ws.protect(plan.cycle.form_password or "")
    ws.very_hidden()
