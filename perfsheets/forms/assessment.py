"""Writing one person's assessment sheet into a form: header, sections, comments, signature.

The sheet follows its :class:`~perfsheets.forms.template.SheetTemplate` (rows, texts, formulas);
what differs per person is written here: their name and role, the locked KPI values of their
:class:`~perfsheets.forms.jobs.SheetJob`, and (for a simulated return) what the filler types in.
Every formula is written with the value it computes (:mod:`perfsheets.forms.formulas`), so a
form shows its scores before any spreadsheet recalculates it.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from perfsheets.core import layout
from perfsheets.core.cells import sheet_text
from perfsheets.core.i18n import term, tr
from perfsheets.core.layout import score_key
from perfsheets.core.model import Employee, Lang, Plan, Scale, SectionKind
from perfsheets.core.rules import ChangeBandsRule
from perfsheets.forms import formulas, validations
from perfsheets.forms.formulas import is_number
from perfsheets.forms.jobs import FormJob, KpiValues, SheetJob
from perfsheets.forms.pages import Layout, Unit, page_layout
from perfsheets.forms.template import (
    BASE,
    CODE,
    COL_WIDTHS,
    CRIT,
    DEFN,
    INPUT,
    KEY,
    LAST_COL,
    NAME,
    SCORE,
    SECTION_COLUMNS,
    TARGET,
    UNIT,
    WEIGHT,
    Block,
    SheetFill,
    SheetTemplate,
    caps_text,
    colon,
    comment_label,
    paren,
    rater_type_label,
)
from perfsheets.forms.workbook import cached, print_setup, protect, row_points, write_value


class AssessmentSheetWriter:
    """Writes assessment sheets for one plan (one instance per form writer)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.lang: Lang = plan.lang
        self.roles = plan.role_map()
        self.types = plan.rater_type_map()

    def write(
        self,
        wb: Any,
        fm: dict[str, Any],
        job: FormJob,
        sheet: SheetJob,
        employee: Employee,
        tpl: SheetTemplate,
        fill: SheetFill | None,
    ) -> None:
        """Add the sheet of ``employee`` to the workbook ``wb`` (``fm``: its formats)."""
        ws = wb.add_worksheet(sheet.name)
        ws.set_column(KEY, KEY, 14, fm["key"], {"hidden": True})
        for col, width in COL_WIDTHS.items():
            ws.set_column(col, col, width)
        if not any(b.kind == "kpi" for b in tpl.blocks) or not any(
            k.baseline is not None or isinstance(k.rule, ChangeBandsRule) for k in tpl.kpis
        ):
            ws.set_column(BASE, BASE, COL_WIDTHS[BASE], None, {"hidden": True})
        type_label = rater_type_label(self.types, sheet.rater_type, self.lang)
        self._write_header(ws, fm, job, employee, tpl, type_label)

        values = fill.values if fill else {}
        edits = fill.locked if fill else {}
        section_scores: dict[str, float | None] = {}
        for block in tpl.blocks:
            section_scores[block.kind] = self._write_block(ws, fm, tpl, block, sheet, values, edits)
        adjustment = None
        if tpl.adjustment_block is not None:
            adjustment = self._write_adjustments(ws, fm, tpl, sheet, values, edits)
        if tpl.total_row is not None:
            self._write_total(ws, fm, tpl, tpl.total_row, section_scores, adjustment)

        self._write_comments(ws, fm, tpl, values)
        ws.set_row(tpl.signature_row, 28)
        ws.write_string(tpl.signature_row, CODE, tpl.signature, fm["sign"])

        ws.freeze_panes(3, 0)
        pages = paginate(ws, tpl)
        print_setup(
            ws,
            self.plan,
            f"{employee.name} · {type_label}",
            (0, 2),
            scale=pages.scale,
            one_page=pages.one_page,
        )
        protect(ws, self.plan)

    def _write_header(
        self,
        ws: Any,
        fm: dict[str, Any],
        job: FormJob,
        employee: Employee,
        tpl: SheetTemplate,
        type_label: str,
    ) -> None:
        """Title, who is assessed by whom, the cycle and the instructions.

        Plain cells whose text runs over the empty cells beside them: merges cost a formatted
        blank per covered cell, and these rows need no wrapping.
        """
        lang, c = self.lang, self.plan.cycle
        role = self.roles[employee.role]
        ws.set_row(0, 30)
        ws.write_string(0, CODE, tpl.title, fm["title"])
        ws.set_row(1, 20)
        ws.set_row(2, 20)
        person = tr(lang, "被考核人：", "Person assessed: ")
        ws.write_string(1, CODE, f"{person}{employee.name}{paren(lang, employee.id)}", fm["info"])
        ws.write_string(
            1, UNIT, f"{term('department', lang)}{colon(lang)}{employee.department}", fm["info"]
        )
        ws.write_string(1, CRIT, f"{term('role', lang)}{colon(lang)}{role.label(lang)}", fm["info"])
        ws.write_string(2, CODE, f"{term('cycle', lang)}{colon(lang)}{c.label(lang)}", fm["info"])
        rater = tr(lang, "评价人：", "Rater: ")
        ws.write_string(2, UNIT, f"{rater}{job.rater_name}{paren(lang, type_label)}", fm["info"])
        ws.write_string(2, CRIT, tpl.dates, fm["info"])
        ws.set_row(3, tpl.note_height)
        ws.merge_range(3, CODE, 3, LAST_COL, tpl.note, fm["note"])

    def _write_total(
        self,
        ws: Any,
        fm: dict[str, Any],
        tpl: SheetTemplate,
        r: int,
        section_scores: dict[str, float | None],
        adjustment: float | None = None,
    ) -> None:
        """The weighted total at row ``r`` (plus the 加减分), and repeated live near the top."""
        lang, role = self.lang, tpl.role
        weights: dict[str, float] = {b.kind: role.weights.of(b.kind) for b in tpl.blocks}
        total_value = formulas.sheet_total(section_scores, weights, tpl.places, adjustment)
        parts = " + ".join(f"{self._section_name(b.kind)} {weights[b.kind]:g}%" for b in tpl.blocks)
        label = tr(lang, "本表加权总分", "Weighted total of this form") + paren(lang, parts)
        if tpl.outsider:
            label = tr(lang, "本表得分", "Score of this form")
        elif len(tpl.blocks) < len(role.sections()):
            label += tr(lang, "，按本表所评部分折算", ", rescaled to the parts on this form")
        if tpl.adjustment_block is not None:
            label = tr(
                lang,
                f"本表总分 = 加权得分{paren(lang, parts)} + 加减分",
                f"Total of this form = weighted score ({parts}) + bonus/penalty points",
            )
        ws.set_row(r, 24)
        ws.write_string(r, KEY, layout.TOTAL_KEY)
        ws.write_string(r, INPUT, label, fm["total_label"])  # runs left over empty cells
        ws.write_formula(r, SCORE, tpl.total_formula, fm["total"], cached(total_value))
        # live total near the top, so the rater sees it without scrolling
        ws.set_row(4, 22)
        ws.write_string(4, CODE, tr(lang, "本表总分（自动计算）", "Total (live)"), fm["live_label"])
        ws.write_formula(4, DEFN, f"=K{r + 1}", fm["live"], cached(total_value))
        ws.write_string(4, UNIT, tpl.live_note, fm["hint"])

    def _write_block(
        self,
        ws: Any,
        fm: dict[str, Any],
        tpl: SheetTemplate,
        block: Block[SectionKind],
        sheet: SheetJob,
        values: dict[str, object],
        edits: dict[str, dict[str, object]],
    ) -> float | None:
        """Write one section; return its score as the formulas compute it."""
        kind = block.kind
        self._write_section_head(ws, fm, tpl, block)
        scored: list[tuple[float | None, object]] = []
        for i, r in enumerate(range(block.first, block.last + 1)):
            key = block.keys[i]
            ws.set_row(r, tpl.heights[r])
            ws.write_string(r, KEY, key)
            edit = edits.get(key, {})
            if kind == "kpi":
                score, w = self._write_kpi(ws, fm, tpl, i, r, sheet, values.get(key), edit)
            else:
                score, w = self._write_rated(ws, fm, tpl, kind, i, r, values.get(key), edit)
            ws.write_formula(r, SCORE, tpl.item_formulas[r], fm["score"], cached(score))
            scored.append((score, w))
        if kind != "kpi":
            for first, last, rule in validations.rating_rules(self.lang, tpl, block, self.plan):
                ws.data_validation(first, INPUT, last, INPUT, rule)

        section = formulas.section_score(scored, tpl.places)
        r = block.subtotal
        ws.set_row(r, 20)
        ws.write_string(r, KEY, score_key(kind))
        label = tr(
            self.lang,
            f"{self._section_name(kind)} 部分得分（按权重加权）",
            f"{self._section_name(kind)} score (weighted)",
        )
        ws.write_string(r, INPUT, label, fm["sub_label"])  # right-aligned, runs left
        ws.write_formula(r, SCORE, tpl.section_formulas[kind], fm["sub_score"], cached(section))
        return section

    def _write_adjustments(
        self,
        ws: Any,
        fm: dict[str, Any],
        tpl: SheetTemplate,
        sheet: SheetJob,
        values: dict[str, object],
        edits: dict[str, dict[str, object]],
    ) -> float:
        """The 加减分项 section: each item's count (imported: locked) and points, then the
        points the total adds (capped). Returns those points as the formulas compute them."""
        lang, block = self.lang, tpl.adjustment_block
        assert block is not None
        number = len(tpl.blocks)
        prefix = tr(lang, "一二三四五"[number] + "、", f"{number + 1}. ")
        title = prefix + tr(
            lang,
            "加减分项（权重之外另行加减）",
            "Bonus and penalty points (added outside the weights)",
        )
        ws.set_row(block.title, 22)
        ws.write_string(block.title, CODE, title, fm["section"])
        self._columns_row(ws, block.columns, "adjustment")
        ws.set_row(block.head, 30)
        heads = self._heads("adjustment")
        for col, text in heads.items():
            ws.write_string(block.head, col, text, fm["head"])
        ws.merge_range(block.head, DEFN, block.head, BASE, heads[DEFN], fm["head"])
        points: list[float | None] = []
        for i, r in enumerate(range(block.first, block.last + 1)):
            adj, key = tpl.adjustments[i], block.keys[i]
            edit = edits.get(key, {})
            ws.set_row(r, tpl.heights[r])
            ws.write_string(r, KEY, key)
            name, defn, crit = tpl.adjustment_text[i]
            per_unit = edit.get("points_per_unit", adj.points_per_unit)
            cap = edit.get("cap", adj.cap)
            ws.write_string(r, CODE, adj.code, fm["center"])
            ws.write_string(r, NAME, name, fm["text"])
            ws.merge_range(r, DEFN, r, BASE, defn, fm["text"])  # the unit is in the criteria
            write_value(ws, r, TARGET, cap, fm["num"])
            write_value(ws, r, WEIGHT, per_unit, fm["num"])
            ws.write_string(r, CRIT, crit, fm["text"])
            count: object
            if adj.code in sheet.counts:
                count = sheet.counts[adj.code]
                ws.write_number(r, INPUT, count, fm["imported"])
            else:
                count = values.get(key)
                write_value(ws, r, INPUT, count, fm["input"])
                ws.data_validation(
                    r, INPUT, r, INPUT, validations.count_rule(lang, adj.unit_text(lang))
                )
            score = formulas.adjustment_item(per_unit, cap, count, tpl.places)
            ws.write_formula(r, SCORE, tpl.item_formulas[r], fm["score"], cached(score))
            points.append(score)
        role = tpl.role
        net = formulas.adjustments_net(points, role.bonus_cap, role.penalty_cap, tpl.places)
        r = block.subtotal
        ws.set_row(r, 20)
        ws.write_string(r, KEY, score_key("adjustment"))
        caps = caps_text(role, lang)
        label = tr(lang, "加减分合计", "Bonus/penalty points") + (paren(lang, caps) if caps else "")
        ws.write_string(r, INPUT, label, fm["sub_label"])
        ws.write_formula(r, SCORE, tpl.adjustment_formula, fm["sub_score"], net)
        return net

    def _write_section_head(
        self, ws: Any, fm: dict[str, Any], tpl: SheetTemplate, block: Block[SectionKind]
    ) -> None:
        """The section's numbered title with its weight, and its column heads."""
        lang, kind = self.lang, block.kind
        weight = tpl.role.weights.of(kind)
        number = tpl.blocks.index(block)
        prefix = tr(lang, "一二三四"[number] + "、", f"{number + 1}. ")
        title = f"{prefix}{self._section_name(kind)}"
        if not tpl.outsider:  # section weights are the company's business
            title += tr(lang, f"　权重 {weight:g}%", f" - weight {weight:g}%")
        ws.set_row(block.title, 22)
        ws.write_string(block.title, CODE, title, fm["section"])
        self._columns_row(ws, block.columns, kind)
        ws.set_row(block.head, 30)
        for col, text in self._heads(kind).items():
            ws.write_string(block.head, col, text, fm["head"])
        if kind == "task":
            ws.merge_range(block.head, DEFN, block.head, BASE, self._heads(kind)[DEFN], fm["head"])
        elif kind == "competency":
            ws.merge_range(
                block.head, DEFN, block.head, TARGET, self._heads(kind)[DEFN], fm["head"]
            )

    def _write_kpi(
        self,
        ws: Any,
        fm: dict[str, Any],
        tpl: SheetTemplate,
        i: int,
        r: int,
        sheet: SheetJob,
        typed: object,
        edit: dict[str, object],
    ) -> tuple[float | None, object]:
        """Row ``r``: the ``i``-th KPI, its locked values and its actual (imported: locked;
        else ``typed``, what the filler typed). Returns (its score, its weight as written)."""
        kpi = tpl.kpis[i]
        v = sheet.kpis.get(kpi.code) or KpiValues(kpi.target, kpi.baseline)
        w = edit.get("weight", kpi.weight)
        target = edit.get("target", v.target)
        baseline = edit.get("baseline", v.baseline)
        name, defn, crit = tpl.kpi_text[i]
        ws.write_string(r, CODE, kpi.code, fm["center"])
        ws.write_string(r, NAME, name, fm["text"])
        ws.write_string(r, DEFN, defn, fm["text"])
        ws.write_string(r, UNIT, kpi.unit_text(self.lang), fm["center"])
        write_value(ws, r, BASE, baseline, fm["num"])
        write_value(ws, r, TARGET, target, fm["num"])
        write_value(ws, r, WEIGHT, w, fm["num"])
        ws.write_string(r, CRIT, crit, fm["text"])
        if v.actual is not None:
            actual: object = v.actual
            ws.write_number(r, INPUT, v.actual, fm["imported"])
        else:
            actual = typed
            write_value(ws, r, INPUT, actual, fm["input"])
            ws.data_validation(r, INPUT, r, INPUT, validations.actual_rule(self.lang, kpi, v))
        score = formulas.kpi_item_score(
            kpi,
            actual,
            target if is_number(target) else None,
            baseline if is_number(baseline) else None,
            tpl.places,
        )
        return score, w

    def _write_rated(
        self,
        ws: Any,
        fm: dict[str, Any],
        tpl: SheetTemplate,
        kind: SectionKind,
        i: int,
        r: int,
        rating: object,
        edit: dict[str, object],
    ) -> tuple[float | None, object]:
        """Row ``r``: the ``i``-th key task or competency and its ``rating``.
        Returns (its points, its weight as written)."""
        scale: Scale
        if kind == "task":
            task, scale = tpl.tasks[i]
            name, text, crit = tpl.task_text[i]
            w = edit.get("weight", task.weight)
            ws.write_string(r, CODE, task.code, fm["center"])
            ws.write_string(r, NAME, name, fm["text"])
            ws.merge_range(r, DEFN, r, BASE, text, fm["text"])
            if task.deadline:
                ws.write_datetime(
                    r, TARGET, dt.datetime.combine(task.deadline, dt.time()), fm["date"]
                )
            else:
                ws.write_blank(r, TARGET, None, fm["num"])
        else:
            comp, cweight, scale = tpl.competencies[i]
            name, crit, text = tpl.comp_text[i]  # anchors go in the wide cell
            w = edit.get("weight", cweight)
            ws.write_string(r, CODE, comp.code, fm["center"])
            ws.write_string(r, NAME, name, fm["text"])
            ws.merge_range(r, DEFN, r, TARGET, text, fm["text"])
        write_value(ws, r, WEIGHT, w, fm["num"])
        ws.write_string(r, CRIT, crit, fm["text"])
        write_value(ws, r, INPUT, rating, fm["input"])
        return formulas.rated_item_points(scale, rating), w

    def _write_comments(
        self, ws: Any, fm: dict[str, Any], tpl: SheetTemplate, values: dict[str, object]
    ) -> None:
        """The comment fields: one wide input cell each, limited in length."""
        lang, block = self.lang, tpl.comment_block
        number = len(tpl.blocks) + (tpl.adjustment_block is not None)
        ws.set_row(block.title, 22)
        ws.write_string(
            block.title,
            CODE,
            tr(lang, "一二三四五六"[number] + "、评语", f"{number + 1}. Comments"),
            fm["section"],
        )
        self._columns_row(ws, block.columns, "comment")
        limit = layout.COMMENT_MAX_CHARS
        for i, r in enumerate(range(block.first, block.last + 1)):
            key = block.keys[i]
            fieldname = key.split(":", 1)[1]
            ws.set_row(r, comment_height(fieldname))
            ws.write_string(r, KEY, key)
            ws.merge_range(r, CODE, r, NAME, comment_label(fieldname, lang), fm["head"])
            text = values.get(key)
            ws.merge_range(r, DEFN, r, LAST_COL, "", fm["input_text"])
            if isinstance(text, str) and text:
                ws.write_string(r, DEFN, sheet_text(text), fm["input_text"])
            elif text is not None and text != "":
                write_value(ws, r, DEFN, text, fm["input_text"])
        ws.data_validation(
            block.first,
            DEFN,
            block.last,
            DEFN,
            {
                "validate": "length",
                "criteria": "<=",
                "value": limit,
                "input_title": sheet_text(tr(lang, "评语", "Comment"), 32),
                "input_message": tr(
                    lang,
                    f"请具体描述事例，不超过 {limit} 字。",
                    f"Give concrete examples; at most {limit} characters.",
                ),
                "error_title": tr(lang, "内容过长", "Too long"),
                "error_message": tr(
                    lang, f"评语不能超过 {limit} 字。", f"At most {limit} characters."
                ),
            },
        )

    def _columns_row(self, ws: Any, row: int, kind: str) -> None:
        ws.write_string(row, KEY, layout.COLUMNS_KEY)
        for col, meaning in SECTION_COLUMNS[kind].items():
            ws.write_string(row, col, meaning)
        ws.set_row(row, None, None, {"hidden": True})

    @cache  # noqa: B019 - one writer per process, few (kind) keys
    def _heads(self, kind: str) -> dict[int, str]:
        lang = self.lang
        if kind == "kpi":
            return {
                CODE: term("code", lang),
                NAME: tr(lang, "指标名称", "KPI"),
                DEFN: tr(lang, "指标定义 / 计算公式", "Definition / formula"),
                UNIT: tr(lang, "单位", "Unit"),
                BASE: term("baseline", lang),
                TARGET: term("target", lang),
                WEIGHT: tr(lang, "权重(%)", "Weight (%)"),
                CRIT: tr(lang, "评分标准", "Scoring criteria"),
                INPUT: term("actual", lang),
                SCORE: term("score", lang),
            }
        if kind == "adjustment":
            return {
                CODE: term("code", lang),
                NAME: tr(lang, "加减分项", "Item"),
                DEFN: tr(lang, "计分说明", "What counts"),
                TARGET: term("cap", lang),
                WEIGHT: term("points_per_unit", lang),
                CRIT: tr(lang, "加减分标准", "Points"),
                INPUT: tr(lang, "次数", "Count"),
                SCORE: term("points", lang),
            }
        if kind == "task":
            return {
                CODE: term("code", lang),
                NAME: tr(lang, "重点工作", "Key task"),
                DEFN: tr(lang, "完成标准", "Completion standard"),
                TARGET: tr(lang, "完成时限", "Deadline"),
                WEIGHT: tr(lang, "权重(%)", "Weight (%)"),
                CRIT: tr(lang, "评分说明", "How to rate"),
                INPUT: tr(lang, "评分(下拉)", "Rating (list)"),
                SCORE: term("score", lang),
            }
        return {
            CODE: term("code", lang),
            NAME: tr(lang, "能力项", "Competency"),
            DEFN: tr(lang, "各等级行为描述", "Behaviour at each level"),
            WEIGHT: tr(lang, "权重(%)", "Weight (%)"),
            CRIT: tr(lang, "能力说明", "Description"),
            INPUT: tr(lang, "评分(下拉)", "Rating (list)"),
            SCORE: term("score", lang),
        }

    def _section_name(self, kind: str) -> str:
        return term(kind, self.lang)


SPACER_HEIGHT = 7.0  # the blank rows between sections


def comment_height(fieldname: str) -> float:
    """Room to write a comment by hand: more for the self-review's summary and goal."""
    return 60.0 if fieldname in ("strengths", "improvements") else 80.0


def sheet_units(tpl: SheetTemplate) -> list[Unit]:
    """The sheet's rows in the groups a page break must not cut: the header, each section
    (with the total after the last one) and the comments with the signature."""
    comments = tpl.comment_block
    blocks: list[Block[Any]] = list(tpl.blocks)
    if tpl.adjustment_block is not None:
        blocks.append(tpl.adjustment_block)
    starts = [b.title for b in blocks] + [comments.title]
    units = [Unit(0, starts[0] - 1)]
    for block, end in zip(blocks, starts[1:], strict=True):
        units.append(Unit(block.title, end - 1, tuple(range(block.first + 1, block.last + 1))))
    splits = tuple(range(comments.first + 1, comments.last + 1))
    units.append(Unit(comments.title, tpl.signature_row, splits, whole=False))
    return units


def paginate(ws: Any, tpl: SheetTemplate) -> Layout:
    """Spacer rows kept short, then page breaks (or one page) from the rows as written."""
    spacers = [5] + [b.subtotal + 1 for b in tpl.blocks]  # 5: below the live total
    if tpl.adjustment_block is not None:
        spacers.append(tpl.adjustment_block.subtotal + 1)
    if tpl.total_row is not None:
        spacers.append(tpl.total_row + 1)
    spacers.append(tpl.comment_block.last + 1)
    for row in spacers:
        if row not in ws.row_sizes:
            ws.set_row(row, SPACER_HEIGHT)
    heights = [row_points(ws, r) for r in range(tpl.last_row + 1)]
    layout = page_layout(heights, sheet_units(tpl), sum(heights[:3]))
    if layout.breaks:
        ws.set_h_pagebreaks(layout.breaks)
    return layout
