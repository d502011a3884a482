"""The layout of an assessment sheet: what is the same for every person of a role and rater type.

A :class:`SheetTemplate` holds a sheet's rows (one :class:`Block` per section, then the
comments), its static texts and row heights, and the live formulas of
:mod:`perfsheets.forms.formulas`; the writer builds one per (role, rater type) and fills it in
for each person. The column layout follows :mod:`perfsheets.core.layout`, whose hidden keys
collect reads back. A *filler* (:class:`Filler`) says what a simulated return types into a sheet.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, Protocol, TypeVar

from perfsheets.core import layout
from perfsheets.core.cells import sheet_text
from perfsheets.core.i18n import term, tr
from perfsheets.core.layout import item_key
from perfsheets.core.model import (
    Adjustment,
    Competency,
    KeyTask,
    Kpi,
    Lang,
    Plan,
    RaterType,
    RaterTypeId,
    Role,
    Scale,
    SectionKind,
)
from perfsheets.core.rules import (
    BandsRule,
    ChangeBandsRule,
    DeductionRule,
    LinearRule,
    PassFailRule,
    ThresholdRule,
)
from perfsheets.forms import formulas
from perfsheets.forms.jobs import FormJob, KpiValues, SheetJob, sheet_sections

# Visible columns of an assessment sheet (column A is the hidden key column).
KEY, CODE, NAME, DEFN, UNIT, BASE, TARGET, WEIGHT, CRIT, INPUT, SCORE = range(11)
LAST_COL = SCORE
COL_WIDTHS = {CODE: 7, NAME: 16, DEFN: 28, UNIT: 7, BASE: 8, TARGET: 9, WEIGHT: 7, CRIT: 30}
COL_WIDTHS.update({INPUT: 10, SCORE: 9})
LINE_HEIGHT = 13.5  # points per wrapped line at the 10 pt body font

# Meanings written in each section's hidden @columns row: only the columns a reader needs
# (inputs and locked values; descriptive columns are left unnamed, which keeps sheets small).
SECTION_COLUMNS: dict[str, dict[int, str]] = {
    "kpi": {
        BASE: layout.COL_BASELINE,
        TARGET: layout.COL_TARGET,
        WEIGHT: layout.COL_WEIGHT,
        INPUT: layout.COL_ACTUAL,
        SCORE: layout.COL_SCORE,
    },
    "task": {WEIGHT: layout.COL_WEIGHT, INPUT: layout.COL_RATING, SCORE: layout.COL_SCORE},
    "competency": {WEIGHT: layout.COL_WEIGHT, INPUT: layout.COL_RATING, SCORE: layout.COL_SCORE},
    "adjustment": {
        TARGET: layout.COL_CAP,
        WEIGHT: layout.COL_POINTS_PER_UNIT,
        INPUT: layout.COL_COUNT,
        SCORE: layout.COL_SCORE,
    },
    "comment": {DEFN: layout.COL_TEXT},
}

# --- texts of a sheet -----------------------------------------------------------------------------


def display_width(text: str) -> float:
    """Width in Excel column units (a CJK character is about two digits wide)."""
    return sum(1.8 if unicodedata.east_asian_width(ch) in "WF" else 1.0 for ch in text)


def text_lines(text: str, width: float) -> int:
    """Lines a wrapped cell of ``width`` column units needs for ``text``."""
    usable = max(width - 1.0, 1.0)
    return sum(max(1, math.ceil(display_width(part) / usable)) for part in text.split("\n"))


def fmt_number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4g}"


def paren(lang: Lang, text: str) -> str:
    """Text in brackets: full-width in Chinese, ASCII with a space in English."""
    return f"（{text}）" if lang == "zh-CN" else f" ({text})"


def colon(lang: Lang) -> str:
    return "：" if lang == "zh-CN" else ": "


def pct(value: float) -> str:
    return f"{value * 100:g}%"


def criteria_text(kpi: Kpi, lang: Lang) -> str:
    """The KPI's scoring rule in words, as the rater reads it, and its veto if it has one."""
    text = rule_text(kpi, lang)
    if kpi.veto is None:
        return text
    return f"{text}\n{veto_text(kpi, lang)}"


def veto_text(kpi: Kpi, lang: Lang) -> str:
    """'一票否决：发生 1 次及以上，绩效等级直接定为 D（不论得分）'."""
    veto = kpi.veto
    assert veto is not None
    lower = kpi.direction == "lower" or isinstance(kpi.rule, DeductionRule)
    if isinstance(kpi.rule, PassFailRule) and veto.at is None:
        when = tr(lang, "未达标", "if the target is not met")
    elif lower:
        at = fmt_number(1 if veto.at is None else veto.at)
        unit = kpi.unit or tr(lang, "次", "")
        unit_en = "incident(s)" if kpi.unit in ("", "次") else kpi.unit_text(lang)
        when = tr(lang, f"实际值达到 {at} {unit}及以上", f"at {at} {unit_en} or more")
    elif veto.at is None:
        when = tr(lang, "低于目标值", "below the target")
    else:
        when = tr(lang, f"低于 {fmt_number(veto.at)}", f"below {fmt_number(veto.at)}")
    return tr(
        lang,
        f"一票否决：{when}，绩效等级直接定为 {veto.grade}（不论得分）",
        f"Veto: {when}, the grade is {veto.grade} whatever the score",
    )


def rule_text(kpi: Kpi, lang: Lang) -> str:
    """The KPI's scoring rule in words."""
    rule, lower = kpi.rule, kpi.direction == "lower"
    ratio = tr(
        lang, "完成率=目标值÷实际值（越低越好）", "completion = target ÷ actual (lower is better)"
    )
    if not lower:
        ratio = tr(lang, "完成率=实际值÷目标值", "completion = actual ÷ target")
    pts = tr(lang, "分", " pts")
    if isinstance(rule, LinearRule):
        return tr(
            lang,
            f"得分=完成率×100，{ratio}；最低 {rule.floor * 100:g} 分，最高 {rule.cap * 100:g} 分",
            f"score = completion × 100, {ratio}; min {rule.floor * 100:g}, max {rule.cap * 100:g}",
        )
    if isinstance(rule, BandsRule | ChangeBandsRule):
        if isinstance(rule, ChangeBandsRule):
            head, at_most, show = change_head(lower, lang), False, pct
        elif rule.on == "value":
            head, at_most, show = tr(lang, "实际值", "actual"), lower, fmt_number
        else:
            head, at_most, show = ratio, False, pct
        op = "≤" if at_most else "≥"
        ordered = sorted(rule.bands, key=lambda b: b.min, reverse=not at_most)
        parts = [f"{op}{show(b.min)}{colon(lang)}{b.score:g}{pts}" for b in ordered]
        rest = tr(lang, "其他", "otherwise")
        rest = f"{rest}{colon(lang)}{rule.otherwise:g}{pts}"
        return f"{head}\n" + tr(lang, "；", "; ").join([*parts, rest])
    if isinstance(rule, DeductionRule):
        # "per times" reads wrong: a count of incidents is "per incident" in English.
        plain = kpi.unit in ("", "次")
        unit = tr(lang, kpi.unit or "次", "incident" if plain else kpi.unit_text(lang))
        return tr(
            lang,
            f"基础分 {rule.base:g}，每 1 {unit}扣 {rule.per_unit:g} 分，最低 {rule.floor:g} 分",
            f"{rule.base:g} less {rule.per_unit:g} per {unit}; min {rule.floor:g}",
        )
    if isinstance(rule, PassFailRule):
        op = "≤" if lower else "≥"
        return tr(
            lang,
            f"实际值{op}目标值得 {rule.pass_score:g} 分，否则 {rule.fail_score:g} 分",
            f"actual {op} target: {rule.pass_score:g}, else {rule.fail_score:g}",
        )
    if isinstance(rule, ThresholdRule):
        return threshold_text(rule, lower, lang)
    return ""


def threshold_text(rule: ThresholdRule, lower: bool, lang: Lang) -> str:
    """'门槛值=目标×80%得 60 分；目标值得 100 分；挑战值=目标×120%得 120 分；之间按比例；…'."""
    if lower:
        worse = tr(lang, "高于门槛值", "above the threshold")
    else:
        worse = tr(lang, "低于门槛值", "below the threshold")
    return tr(
        lang,
        f"门槛值=目标值×{pct(rule.threshold)}得 {rule.threshold_score:g} 分；目标值得 "
        f"{rule.target_score:g} 分；挑战值=目标值×{pct(rule.stretch)}得 {rule.stretch_score:g} 分"
        f"（封顶）；之间按实际值线性计算；{worse}得 {rule.below:g} 分",
        f"threshold = target × {pct(rule.threshold)}: {rule.threshold_score:g}; target: "
        f"{rule.target_score:g}; stretch = target × {pct(rule.stretch)}: "
        f"{rule.stretch_score:g} (max); linear in between; {worse}: {rule.below:g}",
    )


def signed(value: float) -> str:
    """+2, −5, +0.5: points with their sign (a true minus sign)."""
    text = fmt_number(abs(value))
    return f"+{text}" if value > 0 else f"−{text}" if value < 0 else text


def adjustment_text(adj: Adjustment, lang: Lang) -> str:
    """'每项 +2 分，本项最多 +6 分' / '+2 per item, at most +6 from this item'."""
    unit = adj.unit_text(lang)
    per = signed(adj.points_per_unit)
    if lang == "en":
        text = f"{per} per {unit or 'unit'}"
        if adj.cap is not None:
            text += f", at most {signed(adj.cap if adj.is_bonus else -adj.cap)} from this item"
        if adj.source == "import":
            text += "\n(HR imports the count from the records; it prevails)"
        return text
    text = f"每{unit or '次'} {per} 分"
    if adj.cap is not None:
        text += f"，本项最多 {signed(adj.cap if adj.is_bonus else -adj.cap)} 分"
    if adj.source == "import":
        text += "\n（HR 将按记录导入次数，以导入值为准）"
    return text


def caps_text(role: Role, lang: Lang) -> str:
    """'加分合计最多 +10 分，减分合计最多 −20 分' (empty without caps)."""
    parts = []
    if role.bonus_cap is not None:
        parts.append(
            tr(
                lang,
                f"加分合计最多 {signed(role.bonus_cap)} 分",
                f"bonus at most {signed(role.bonus_cap)}",
            )
        )
    if role.penalty_cap is not None:
        cap = signed(-role.penalty_cap)
        parts.append(tr(lang, f"减分合计最多 {cap} 分", f"penalty at most {cap}"))
    return tr(lang, "，", ", ").join(parts)


def change_head(lower: bool, lang: Lang) -> str:
    """What a change rule asks for and computes: the actual itself, never the rate."""
    if lower:
        return tr(
            lang,
            "填本期实际值（与基期值同口径，不填下降率）；下降率=（基期值−实际值）÷基期值",
            "Enter this period's actual (as the baseline, not a rate); "
            "decrease = (baseline − actual) ÷ baseline",
        )
    return tr(
        lang,
        "填本期实际值（与基期值同口径，不填增长率）；增长率=（实际值−基期值）÷基期值",
        "Enter this period's actual (as the baseline, not a rate); "
        "growth = (actual − baseline) ÷ baseline",
    )


def actual_bounds(kpi: Kpi, values: KpiValues) -> tuple[float, float]:
    """Sensible bounds for a typed actual: the KPI's own, else 0 .. 10 × the target."""
    low = kpi.min_value if kpi.min_value is not None else min(0.0, values.baseline or 0.0)
    ref = max(abs(values.target or 0.0), abs(values.baseline or 0.0))
    high = kpi.max_value if kpi.max_value is not None else (10 * ref if ref > 0 else 1e6)
    if isinstance(kpi.rule, DeductionRule) and kpi.max_value is None:
        high = max(high, 1000.0)
    return float(low), float(max(high, low))


def scale_hint(scale: Scale, lang: Lang) -> str:
    levels = sorted(scale.levels, key=lambda lv: lv.value, reverse=True)
    return "  ".join(f"{lv.value}={lv.label(lang)}" for lv in levels)


def anchors_text(comp: Competency, scale: Scale, lang: Lang) -> str:
    """Behaviour anchor of every level, best first."""
    anchors = comp.anchors_en if lang == "en" and comp.anchors_en else comp.anchors
    lines = []
    for i, lv in sorted(enumerate(scale.levels), key=lambda p: p[1].value, reverse=True):
        text = anchors[i] if i < len(anchors) else lv.anchor_text(lang)
        lines.append(
            f"{lv.value} {lv.label(lang)}{colon(lang)}{text}"
            if text
            else f"{lv.value} {lv.label(lang)}"
        )
    return "\n".join(lines)


def rater_type_label(
    types: Mapping[RaterTypeId, RaterType], rater_type: RaterTypeId, lang: Lang
) -> str:
    """What the plan calls a rater type (``types``: the plan's rater types by id)."""
    rt = types.get(rater_type)
    return rt.label(lang) if rt else term(rater_type, lang)


def comment_label(fieldname: str, lang: Lang) -> str:
    return term("development_goal" if fieldname == "development" else fieldname, lang)


# --- the template of one (role, rater type) sheet ---------------------------------------------


K = TypeVar("K", bound=str)  # the kind of a block: a SectionKind or "comment"


@dataclass(frozen=True, slots=True)
class Block(Generic[K]):
    """Rows of one section on the sheet (0-based row numbers): a scored section or the comments."""

    kind: K
    title: int
    columns: int
    head: int
    first: int
    keys: list[str]

    @property
    def last(self) -> int:
        return self.first + len(self.keys) - 1

    @property
    def subtotal(self) -> int:
        """The row of a scored section's score, right below its items."""
        return self.last + 1


class SheetTemplate:
    """Everything about a sheet that is the same for every person of a role and rater type:
    rows, static text, row heights and formulas. Built once per worker and reused."""

    def __init__(self, plan: Plan, role: Role, rater_type: RaterTypeId) -> None:
        lang = plan.lang
        types = plan.rater_type_map()
        scales = plan.scale_map()
        library = plan.competency_map()
        self.role, self.rater_type, self.lang = role, rater_type, lang
        self.places = plan.aggregation.decimals
        self.sections = sheet_sections(role, types[rater_type].sections)
        self.kpis: list[Kpi] = list(role.kpis) if "kpi" in self.sections else []
        self.tasks: list[tuple[KeyTask, Scale]] = (
            [(t, scales[t.scale]) for t in role.tasks] if "task" in self.sections else []
        )
        self.competencies: list[tuple[Competency, float, Scale]] = []
        if "competency" in self.sections:
            for ref in role.competencies:
                comp = library[ref.code]
                self.competencies.append((comp, ref.weight, scales[comp.scale]))
        # 加减分项: on the manager's sheets (the manager counts them; imported counts locked)
        self.adjustments: list[Adjustment] = (
            list(role.adjustments) if rater_type == "manager" and self.sections else []
        )
        self.comments = [
            c
            for c in layout.COMMENT_FIELDS
            if rater_type == "self" or c not in layout.SELF_ONLY_COMMENTS
        ]
        self.anonymous = types[rater_type].anonymous
        # A customer is told nothing of how the company combines scores.
        self.outsider = rater_type == "customer"
        self.title = form_title(plan)
        self.note = sheet_instructions(self, plan.cycle.due)
        c = plan.cycle
        self.dates = tr(
            lang,
            f"考核期间：{c.start} ~ {c.end}　截止日期：{c.due}",
            f"Period: {c.start} ~ {c.end}   Due: {c.due}",
        )
        self.note_height = max(2, text_lines(self.note, sum(COL_WIDTHS.values()))) * 12 + 6
        self.live_note = tr(
            lang,
            "填写后自动更新；最终得分由HR汇总全部评价后确定。",
            "Updates as you fill in; the final score combines all raters.",
        )
        if self.outsider:
            self.live_note = tr(lang, "填写后自动更新，仅供参考。", "Updates as you fill in.")
        self.signature = tr(
            lang,
            "评价人签字：＿＿＿＿＿＿＿＿＿＿　　　　日期：＿＿＿＿＿＿＿＿",
            "Signature: ______________________        Date: ______________",
        )
        self._lay_out()

    def _lay_out(self) -> None:
        row = 6  # title, 2 info rows, instructions, live total, spacer
        self.blocks: list[Block[SectionKind]] = []
        items: dict[SectionKind, list[str]] = {
            "kpi": [item_key("kpi", k.code) for k in self.kpis],
            "task": [item_key("task", t.code) for t, _ in self.tasks],
            "competency": [item_key("competency", c.code) for c, _, _ in self.competencies],
        }
        for kind in self.sections:
            keys = items[kind]
            if not keys:
                continue
            block = Block(kind, row, row + 1, row + 2, row + 3, keys)
            self.blocks.append(block)
            row = block.subtotal + 2
        self.adjustment_block: Block[Literal["adjustment"]] | None = None
        if self.blocks and self.adjustments:
            keys = [item_key("adjustment", a.code) for a in self.adjustments]
            self.adjustment_block = Block("adjustment", row, row + 1, row + 2, row + 3, keys)
            row = self.adjustment_block.subtotal + 2
        self.total_row = row if self.blocks else None
        if self.blocks:
            row += 2
        keys = [item_key("comment", c) for c in self.comments]
        self.comment_block: Block[Literal["comment"]] = Block(
            "comment", row, row + 1, row + 1, row + 2, keys
        )
        self.signature_row = self.comment_block.last + 2
        self.last_row = self.signature_row
        self._formulas()
        self._heights()

    def _formulas(self) -> None:
        """Formula text per row; references are A1 strings of this template's rows."""
        p = self.places
        self.item_formulas: dict[int, str] = {}
        for block in self.blocks:
            for i, r in enumerate(range(block.first, block.last + 1)):
                j = f"J{r + 1}"
                if block.kind == "kpi":
                    kpi = self.kpis[i]
                    f = formulas.kpi_score_formula(kpi, j, f"G{r + 1}", f"F{r + 1}", p)
                elif block.kind == "task":
                    f = formulas.rating_points_formula(self.tasks[i][1], j)
                else:
                    f = formulas.rating_points_formula(self.competencies[i][2], j)
                self.item_formulas[r] = f
        self.section_formulas = {
            b.kind: formulas.section_formula(
                f"K{b.first + 1}:K{b.last + 1}", f"H{b.first + 1}:H{b.last + 1}", p
            )
            for b in self.blocks
        }
        adj = self.adjustment_block
        self.adjustment_formula = ""
        if adj is not None:
            for a, r in zip(self.adjustments, range(adj.first, adj.last + 1), strict=True):
                n = r + 1
                self.item_formulas[r] = formulas.adjustment_formula(
                    f"J{n}", f"H{n}", f"G{n}", a.cap is not None, p
                )
            self.adjustment_formula = formulas.adjustments_formula(
                f"K{adj.first + 1}:K{adj.last + 1}", self.role.bonus_cap, self.role.penalty_cap, p
            )
        weights = [(f"K{b.subtotal + 1}", self.role.weights.of(b.kind)) for b in self.blocks]
        self.total_formula = formulas.total_formula(
            weights, p, None if adj is None else f"K{adj.subtotal + 1}"
        )

    def _heights(self) -> None:
        """Row heights from the wrapped text (merged cells are never auto-fitted)."""
        lang, w = self.lang, COL_WIDTHS
        self.kpi_text = [self._kpi_texts(k) for k in self.kpis]
        self.task_text = [
            (t.label(lang), t.standard_text(lang), scale_hint(scale, lang))
            for t, scale in self.tasks
        ]
        self.comp_text = [
            (
                c.label(lang),
                c.description_en if lang == "en" and c.description_en else c.description,
                anchors_text(c, s, lang),
            )
            for c, _, s in self.competencies
        ]
        # Explicit heights: LibreOffice does not fit rows to wrapped text when it opens a file,
        # and nobody fits rows with merged cells. CJK characters are counted as Excel shows
        # them (LibreOffice draws them narrower, leaving a little room).
        self.heights: dict[int, float] = {}
        merged_defn = w[DEFN] + w[UNIT] + w[BASE]
        for block in self.blocks:
            for i, r in enumerate(range(block.first, block.last + 1)):
                if block.kind == "kpi":
                    name, defn, crit = self.kpi_text[i]
                    cells = [(name, w[NAME]), (defn, w[DEFN]), (crit, w[CRIT])]
                elif block.kind == "task":
                    name, std, crit = self.task_text[i]
                    cells = [(name, w[NAME]), (std, merged_defn), (crit, w[CRIT])]
                else:
                    name, desc, anchors = self.comp_text[i]
                    cells = [(name, w[NAME]), (anchors, merged_defn + w[TARGET]), (desc, w[CRIT])]
                lines = max(text_lines(t, width) for t, width in cells)
                self.heights[r] = max(20.0, lines * LINE_HEIGHT + 5)
        self.adjustment_text = [
            (a.label(lang), a.definition_text(lang), adjustment_text(a, lang))
            for a in self.adjustments
        ]
        if self.adjustment_block is not None:
            rows = range(self.adjustment_block.first, self.adjustment_block.last + 1)
            for (name, defn, crit), r in zip(self.adjustment_text, rows, strict=True):
                cells = [(name, w[NAME]), (defn, merged_defn), (crit, w[CRIT])]
                lines = max(text_lines(t, width) for t, width in cells)
                self.heights[r] = max(20.0, lines * LINE_HEIGHT + 5)

    def _kpi_texts(self, kpi: Kpi) -> tuple[str, str, str]:
        lang = self.lang
        defn = kpi.definition_text(lang)
        formula = kpi.formula_text(lang)
        if formula:
            defn = f"{defn}\n{tr(lang, '公式：', 'Formula: ')}{formula}" if defn else formula
        crit = criteria_text(kpi, lang)
        if kpi.source == "import":
            crit += tr(
                lang,
                "\n（HR 将从业务系统导入实际值，以导入值为准）",
                "\n(HR imports the actual from the business system; it prevails)",
            )
        name = kpi.label(lang)
        if isinstance(kpi.rule, ChangeBandsRule):  # the rate is computed, never typed
            name += tr(lang, "\n（填本期实际值）", "\n(enter the actual)")
        return name, defn, crit

    def scale_ids(self) -> set[str]:
        return {s.id for _, s in self.tasks} | {s.id for _, _, s in self.competencies}

    def locked_values(self, sheet: SheetJob) -> dict[str, dict[str, Any]]:
        """{item_key: {field: value}} of the locked cells, as written."""
        locked: dict[str, dict[str, Any]] = {}
        for kpi in self.kpis:
            v = sheet.kpis.get(kpi.code) or KpiValues(kpi.target, kpi.baseline)
            entry: dict[str, Any] = {
                "weight": kpi.weight,
                "target": v.target,
                "baseline": v.baseline,
            }
            if v.actual is not None:
                entry["actual"] = v.actual
            locked[item_key("kpi", kpi.code)] = entry
        for task, _ in self.tasks:
            locked[item_key("task", task.code)] = {"weight": task.weight}
        for comp, weight, _ in self.competencies:
            locked[item_key("competency", comp.code)] = {"weight": weight}
        for adj in self.adjustments:
            fixed: dict[str, Any] = {"points_per_unit": adj.points_per_unit, "cap": adj.cap}
            if adj.code in sheet.counts:
                fixed["count"] = sheet.counts[adj.code]
            locked[item_key("adjustment", adj.code)] = fixed
        return locked


def form_title(plan: Plan) -> str:
    """'2026年第四季度 绩效考核表', without repeating 考核 when the cycle is named '…绩效考核'."""
    lang, name = plan.lang, plan.cycle.label(plan.lang)
    if lang == "en":
        return sheet_text(f"{name} – assessment form")
    return sheet_text(f"{name}表" if name.endswith("考核") else f"{name} 绩效考核表")


def sheet_instructions(tpl: SheetTemplate, due: dt.date) -> str:
    """The short how-to at the top of an assessment sheet."""
    lang = tpl.lang
    what = []
    if tpl.kpis:
        what.append(tr(lang, "KPI 实际值", "KPI actuals"))
    if tpl.tasks or tpl.competencies:
        what.append(tr(lang, "评分（从下拉列表选择）", "ratings (pick from the list)"))
    if tpl.adjustments:
        what.append(tr(lang, "加减分项的次数（没有则留空）", "bonus/penalty counts (blank: none)"))
    what.append(tr(lang, "评语", "comments"))
    sep = tr(lang, "、", ", ")
    text = tr(
        lang,
        f"填写说明：请在黄色单元格中填写{sep.join(what)}；其他单元格已锁定，得分和总分自动计算。",
        f"How to fill in: enter {sep.join(what)} in the yellow cells; other cells are locked and scores add up automatically.",
    )
    if tpl.rater_type == "self":
        text += tr(
            lang,
            "请如实自评，并填写工作总结和发展目标。",
            " Rate yourself honestly and add your summary and development goal.",
        )
    elif tpl.outsider:
        text += tr(
            lang,
            "您的评价将与其他客户的评价合并后匿名呈现。",
            " Your ratings are combined with other customers' and shown anonymously.",
        )
    elif tpl.anonymous:
        text += tr(
            lang,
            "你的评价将与其他评价人合并后匿名呈现。",
            " Your ratings are combined with others' and shown anonymously.",
        )
    text += tr(
        lang,
        f"请于 {due} 前交回本文件。",
        f" Return this file by {due}.",
    )
    return text


@dataclass(frozen=True, slots=True)
class SheetFill:
    """What a filler puts into one sheet (used by the return simulator)."""

    values: dict[str, object] = field(default_factory=dict)  # item_key -> input value
    locked: dict[str, dict[str, object]] = field(default_factory=dict)  # edits of locked cells


class Filler(Protocol):
    def __call__(self, job: FormJob, sheet: SheetJob, template: SheetTemplate, /) -> SheetFill: ...
