"""Assessment workbooks: one per rater, one sheet per person that rater assesses.

``generate_forms`` freezes the plan in the ledger, works out who rates whom, and has worker
processes write the workbooks with xlsxwriter (see :class:`FormWriter`), streaming raters to
them in chunks so memory stays flat however large the company. Every form and sheet is recorded
in the ledger with the locked values a return must still carry. The layout follows
:mod:`perfsheets.core.layout`; the live formulas come from :mod:`perfsheets.forms.formulas`.

The same writer, given a *filler*, writes filled returns (:mod:`perfsheets.forms.simulate`).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import math
import os
import re
import secrets
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from itertools import islice
from pathlib import Path
from typing import Any, Protocol

from perfsheets.core import layout
from perfsheets.core.cells import csv_safe, sheet_text
from perfsheets.core.i18n import term, tr
from perfsheets.core.layout import item_key, score_key
from perfsheets.core.model import (
    BandsRule,
    ChangeBandsRule,
    Competency,
    DeductionRule,
    Employee,
    KeyTask,
    Kpi,
    Lang,
    LinearRule,
    PassFailRule,
    Plan,
    RaterTypeId,
    Role,
    Scale,
    SectionKind,
)
from perfsheets.core.problems import PerfsheetsError
from perfsheets.files.atomic import atomic_write_text
from perfsheets.forms import formulas
from perfsheets.ledger.changes import current_targets, imported_values
from perfsheets.ledger.forms import form_files, store_form
from perfsheets.ledger.workspace import Workspace, audit, freeze_plan, now

Progress = Callable[[int, int], None]

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
    "comment": {DEFN: layout.COL_TEXT},
}
INSTRUCTIONS_SHEET = ("填写说明", "Instructions")
CRITERIA_SHEET = ("评分标准", "Scoring criteria")
RESERVED_SHEETS = {*INSTRUCTIONS_SHEET, *CRITERIA_SHEET, layout.META_SHEET}


# --- what to write ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KpiValues:
    """A KPI's values for one person: effective target and baseline, imported actual."""

    target: float | None
    baseline: float | None
    actual: float | None = None  # imported by HR: pre-filled and locked


@dataclass(frozen=True, slots=True)
class SheetJob:
    name: str
    ratee_id: str
    rater_type: RaterTypeId
    kpis: dict[str, KpiValues] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FormJob:
    form_id: str
    rater_id: str
    rater_name: str
    file: str  # file name inside the output folder
    sheets: tuple[SheetJob, ...]
    generated_at: str
    plan_version: int
    plan_digest: str
    extra: Any = None  # opaque data for a filler (the simulator's planned mistakes)


@dataclass(frozen=True, slots=True)
class SheetRecord:
    sheet: str
    ratee_id: str
    rater_type: str
    locked: dict[str, dict[str, Any]]  # {item_key: {field: value}} a return must still have


@dataclass(frozen=True, slots=True)
class FormRecord:
    form_id: str
    rater_id: str
    rater_name: str
    file: str
    digest: str  # SHA-256 of the locked content of all sheets
    sheets: tuple[SheetRecord, ...]


@dataclass(frozen=True, slots=True)
class SheetFill:
    """What a filler puts into one sheet (used by the return simulator)."""

    values: dict[str, object] = field(default_factory=dict)  # item_key -> input value
    locked: dict[str, dict[str, object]] = field(default_factory=dict)  # edits of locked cells


class Filler(Protocol):
    def __call__(self, job: FormJob, sheet: SheetJob, template: SheetTemplate) -> SheetFill: ...


@dataclass(frozen=True)
class GenerateResult:
    forms: int
    sheets: int
    raters: int
    forms_dir: Path
    index: Path
    files: list[Path]
    plan_version: int
    generation: str  # token shared by the form ids of this run
    seconds: float


# --- text helpers -----------------------------------------------------------------------------


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


_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_FILE_BAD = re.compile(r'[\x00-\x1f/\\:*?"<>|]')


def sheet_name(text: str, taken: set[str]) -> str:
    """A valid, unique sheet name (31 characters, no []:*?/\\ )."""
    base = _SHEET_BAD.sub("_", sheet_text(text)).strip("' ") or "Sheet"
    name, n = base[:31], 1
    while name.lower() in taken or name in RESERVED_SHEETS:
        n += 1
        suffix = f"~{n}"
        name = base[: 31 - len(suffix)] + suffix
    taken.add(name.lower())
    return name


def file_name(*parts: str) -> str:
    stem = "_".join(_FILE_BAD.sub("_", p).strip(" .") for p in parts if p)
    return stem[:120] + ".xlsx"


def criteria_text(kpi: Kpi, lang: Lang) -> str:
    """The KPI's scoring rule in words, as the rater reads it."""
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
            head = tr(lang, "较基期下降率", "decrease vs baseline") if lower else None
            head = head or tr(lang, "较基期增长率", "growth vs baseline")
            at_most, show = False, pct
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
        unit = kpi.unit or tr(lang, "次", "incident")
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
    return ""


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


def comment_label(fieldname: str, lang: Lang) -> str:
    return term("development_goal" if fieldname == "development" else fieldname, lang)


def sheet_sections(role: Role, rater_sections: Iterable[SectionKind]) -> list[SectionKind]:
    """Sections a rater type fills for this role: the type's, among the role's weighted ones."""
    wanted = set(rater_sections)
    return [s for s in role.sections() if s in wanted]


# --- the template of one (role, rater type) sheet ---------------------------------------------


@dataclass
class Block:
    """Rows of one section on the sheet (0-based row numbers)."""

    kind: str
    title: int
    columns: int
    head: int
    first: int
    keys: list[str]
    subtotal: int | None = None

    @property
    def last(self) -> int:
        return self.first + len(self.keys) - 1


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
        self.comments = [
            c
            for c in layout.COMMENT_FIELDS
            if rater_type == "self" or c not in layout.SELF_ONLY_COMMENTS
        ]
        self.anonymous = types[rater_type].anonymous
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
        self.signature = tr(
            lang,
            "评价人签字：＿＿＿＿＿＿＿＿＿＿　　　　日期：＿＿＿＿＿＿＿＿",
            "Signature: ______________________        Date: ______________",
        )
        self._lay_out()

    def _lay_out(self) -> None:
        row = 6  # title, 2 info rows, instructions, live total, spacer
        self.blocks: list[Block] = []
        items = {
            "kpi": [item_key("kpi", k.code) for k in self.kpis],
            "task": [item_key("task", t.code) for t, _ in self.tasks],
            "competency": [item_key("competency", c.code) for c, _, _ in self.competencies],
        }
        for kind in self.sections:
            keys = items[kind]
            if not keys:
                continue
            block = Block(kind, row, row + 1, row + 2, row + 3, keys)
            block.subtotal = block.last + 1
            self.blocks.append(block)
            row = block.subtotal + 2
        self.total_row = row if self.blocks else None
        if self.blocks:
            row += 2
        keys = [item_key("comment", c) for c in self.comments]
        self.comment_block = Block("comment", row, row + 1, row + 1, row + 2, keys)
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
        weights = [(f"K{b.subtotal + 1}", self.role.weights.of(b.kind)) for b in self.blocks]  # type: ignore[operator]
        self.total_formula = formulas.total_formula(weights, p)

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
        return kpi.label(lang), defn, crit

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


# --- the writer -------------------------------------------------------------------------------


_PREPARED_FORMULAS: dict[str, str] = {}


@cache
def _workbook_class() -> type:
    """xlsxwriter's Workbook with a locked structure and a formula cache.

    * Locking the structure stops a filler from deleting, renaming or unhiding sheets by
      accident (xlsxwriter has no API for it); ``workbookProtection`` goes right after
      ``workbookPr`` in the schema.
    * xlsxwriter runs ~30 regular expressions over every formula it writes; forms repeat the
      same few hundred formulas on every sheet, so the prepared text is cached per process.
    """
    import xlsxwriter
    from xlsxwriter.worksheet import Worksheet

    class FormWorksheet(Worksheet):
        def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
            if expand_future_functions or self.use_future_functions:
                return super()._prepare_formula(formula, expand_future_functions)
            out = _PREPARED_FORMULAS.get(formula)
            if out is None:
                if len(_PREPARED_FORMULAS) > 50_000:
                    _PREPARED_FORMULAS.clear()
                out = _PREPARED_FORMULAS[formula] = super()._prepare_formula(formula)
            return out

    class LockedWorkbook(xlsxwriter.Workbook):
        worksheet_class = FormWorksheet
        structure_password = ""

        def _write_workbook_pr(self) -> None:
            super()._write_workbook_pr()
            attrs: list[tuple[str, Any]] = [("lockStructure", 1)]
            if self.structure_password:
                encoded = Worksheet._encode_password(None, self.structure_password)  # type: ignore[arg-type]
                attrs.insert(0, ("workbookPassword", encoded))
            self._xml_empty_tag("workbookProtection", attrs)

    return LockedWorkbook


def _formats(wb: Any, lang: Lang) -> dict[str, Any]:
    font = "Microsoft YaHei" if lang == "zh-CN" else "Calibri"
    base = {"font_name": font, "font_size": 10, "valign": "vcenter"}
    cell = {**base, "border": 1, "border_color": "#A6A6A6"}
    specs: dict[str, dict[str, Any]] = {
        "title": {**base, "bold": True, "font_size": 15},
        "info": {**base, "font_size": 10},
        "note": {
            **base,
            "font_size": 9,
            "font_color": "#595959",
            "text_wrap": True,
            "valign": "top",
        },
        "band": {
            **base,
            "bold": True,
            "font_size": 11,
            "font_color": "#FFFFFF",
            "bg_color": "#1F4E78",
        },
        "head": {**cell, "bold": True, "bg_color": "#DDEBF7", "align": "center", "text_wrap": True},
        "text": {**cell, "text_wrap": True, "valign": "top"},
        "center": {**cell, "align": "center", "text_wrap": True},
        "num": {**cell, "align": "center"},
        "date": {**cell, "align": "center", "num_format": "yyyy-mm-dd"},
        "input": {**cell, "align": "center", "bg_color": "#FFF2CC", "locked": False},
        "input_text": {
            **cell,
            "text_wrap": True,
            "valign": "top",
            "bg_color": "#FFF2CC",
            "locked": False,
        },
        "imported": {**cell, "align": "center", "bg_color": "#E7E6E6"},
        "score": {**cell, "align": "center", "num_format": "0.00", "bg_color": "#E2EFDA"},
        "sub_label": {**base, "bold": True, "align": "right"},
        "section": {
            **base,
            "bold": True,
            "font_size": 12,
            "font_color": "#1F4E78",
            "valign": "bottom",
        },
        "sub_score": {
            **cell,
            "bold": True,
            "align": "center",
            "num_format": "0.00",
            "bg_color": "#C6E0B4",
        },
        "total_label": {**base, "bold": True, "font_size": 11, "align": "right"},
        "total": {
            **cell,
            "bold": True,
            "font_size": 12,
            "align": "center",
            "num_format": "0.00",
            "bg_color": "#A9D08E",
        },
        "live_label": {**base, "bold": True},
        "hint": {**base, "font_size": 9, "font_color": "#595959"},
        "live": {
            **base,
            "bold": True,
            "font_size": 13,
            "align": "center",
            "num_format": "0.00",
            "font_color": "#1F4E78",
        },
        "key": {**base, "font_size": 8, "font_color": "#808080"},
        "sign": {**base, "font_size": 10},
    }
    return {name: wb.add_format(spec) for name, spec in specs.items()}


def _header_text(text: str) -> str:
    """Text for a page header/footer: '&' must be doubled."""
    return sheet_text(text, 60).replace("&", "&&")


class FormWriter:
    """Writes assessment workbooks for one plan. One instance per worker process."""

    def __init__(self, plan: Plan, out_dir: Path, filler: Filler | None = None) -> None:
        self.plan, self.out_dir, self.filler = plan, Path(out_dir), filler
        self.lang: Lang = plan.lang
        self.roles = plan.role_map()
        self.employees = plan.employee_map()
        self.types = plan.rater_type_map()
        self._templates: dict[tuple[str, str], SheetTemplate] = {}

    def template(self, role_id: str, rater_type: RaterTypeId) -> SheetTemplate:
        key = (role_id, rater_type)
        tpl = self._templates.get(key)
        if tpl is None:
            tpl = self._templates[key] = SheetTemplate(self.plan, self.roles[role_id], rater_type)
        return tpl

    def record(self, job: FormJob) -> FormRecord:
        """The ledger record of a form (locked values and digest), without writing it."""
        sheets = tuple(
            SheetRecord(
                s.name,
                s.ratee_id,
                s.rater_type,
                self.template(self.employees[s.ratee_id].role, s.rater_type).locked_values(s),
            )
            for s in job.sheets
        )
        canonical = json.dumps(
            [[s.sheet, s.ratee_id, s.rater_type, s.locked] for s in sheets],
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        digest = hashlib.sha256(canonical.encode()).hexdigest()
        return FormRecord(job.form_id, job.rater_id, job.rater_name, job.file, digest, sheets)

    def write(self, job: FormJob) -> FormRecord:
        """Write one workbook atomically into the output folder and return its record."""
        path = self.out_dir / job.file
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.xlsx")
        try:
            self._write_workbook(tmp, job)
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()
        return self.record(job)

    # -- workbook ---------------------------------------------------------------------------

    def _write_workbook(self, path: Path, job: FormJob) -> None:
        plan, lang = self.plan, self.lang
        wb = _workbook_class()(
            str(path),
            {
                "in_memory": True,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
            },
        )
        wb.structure_password = plan.cycle.form_password or ""
        wb.set_properties(
            {
                "title": f"{plan.cycle.label(lang)} {tr(lang, '绩效考核表', 'appraisal form')}",
                "author": "perfsheets",
                "company": _company(plan),
                "subject": job.form_id,
            }
        )
        fm = _formats(wb, lang)
        self._write_instructions(wb, fm, job)
        for sheet in job.sheets:
            employee = self.employees[sheet.ratee_id]
            tpl = self.template(employee.role, sheet.rater_type)
            fill = self.filler(job, sheet, tpl) if self.filler else None
            self._write_sheet(wb, fm, job, sheet, employee, tpl, fill)
        self._write_criteria(wb, fm, job)
        self._write_meta(wb, job)
        wb.close()

    def _protect(self, ws: Any) -> None:
        ws.protect(
            self.plan.cycle.form_password or "",
            {"format_columns": True, "format_rows": True},
        )

    def _print_setup(self, ws: Any, footer_left: str, repeat: tuple[int, int] | None) -> None:
        cycle = _header_text(self.plan.cycle.label(self.lang))
        company = _header_text(_company(self.plan))
        page = tr(self.lang, "第 &P 页，共 &N 页", "Page &P of &N")
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
        ws.center_horizontally()
        ws.set_header((f"&L{company}" if company else "") + f"&R{cycle}", {"margin": 0.3})
        ws.set_footer(f"&L{_header_text(footer_left)}&C{page}", {"margin": 0.3})
        if repeat:
            ws.repeat_rows(*repeat)

    # -- assessment sheet -------------------------------------------------------------------

    def _write_sheet(
        self,
        wb: Any,
        fm: dict[str, Any],
        job: FormJob,
        sheet: SheetJob,
        employee: Employee,
        tpl: SheetTemplate,
        fill: SheetFill | None,
    ) -> None:
        plan, lang = self.plan, self.lang
        ws = wb.add_worksheet(sheet.name)
        ws.set_column(KEY, KEY, 14, fm["key"], {"hidden": True})
        for col, width in COL_WIDTHS.items():
            ws.set_column(col, col, width)
        if not any(b.kind == "kpi" for b in tpl.blocks) or not any(
            k.baseline is not None or isinstance(k.rule, ChangeBandsRule) for k in tpl.kpis
        ):
            ws.set_column(BASE, BASE, COL_WIDTHS[BASE], None, {"hidden": True})
        type_label = self._type_label(sheet.rater_type)
        role = self.roles[employee.role]

        # Header. Plain cells whose text runs over the empty cells beside them: merges cost
        # a formatted blank per covered cell, and these rows need no wrapping.
        c = plan.cycle
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

        values = fill.values if fill else {}
        edits = fill.locked if fill else {}
        section_scores: dict[str, float | None] = {}
        for block in tpl.blocks:
            section_scores[block.kind] = self._write_block(ws, fm, tpl, block, sheet, values, edits)

        total_value: float | None = None
        if tpl.total_row is not None:
            r = tpl.total_row
            weights = {b.kind: role.weights.of(b.kind) for b in tpl.blocks}  # type: ignore[arg-type]
            total_value = formulas.sheet_total(section_scores, weights, tpl.places)
            parts = " + ".join(
                f"{self._section_name(b.kind)} {weights[b.kind]:g}%" for b in tpl.blocks
            )
            label = tr(lang, "本表加权总分", "Weighted total of this form") + paren(lang, parts)
            if len(tpl.blocks) < len(role.sections()):
                label += tr(lang, "，按本表所评部分折算", ", rescaled to the parts on this form")
            ws.set_row(r, 24)
            ws.write_string(r, KEY, layout.TOTAL_KEY)
            ws.write_string(r, INPUT, label, fm["total_label"])  # runs left over empty cells
            ws.write_formula(r, SCORE, tpl.total_formula, fm["total"], _cached(total_value))
            # live total near the top, so the rater sees it without scrolling
            ws.set_row(4, 22)
            ws.write_string(
                4, CODE, tr(lang, "本表总分（自动计算）", "Total (live)"), fm["live_label"]
            )
            ws.write_formula(4, DEFN, f"=K{r + 1}", fm["live"], _cached(total_value))
            ws.write_string(4, UNIT, tpl.live_note, fm["hint"])

        self._write_comments(ws, fm, tpl, values)
        ws.set_row(tpl.signature_row, 28)
        ws.write_string(tpl.signature_row, CODE, tpl.signature, fm["sign"])

        ws.freeze_panes(3, 0)
        self._print_setup(ws, f"{employee.name} · {type_label}", (0, 2))
        self._protect(ws)

    def _write_block(
        self,
        ws: Any,
        fm: dict[str, Any],
        tpl: SheetTemplate,
        block: Block,
        sheet: SheetJob,
        values: dict[str, object],
        edits: dict[str, dict[str, object]],
    ) -> float | None:
        """Write one section; return its score as the formulas compute it."""
        lang, kind = self.lang, block.kind
        weight = tpl.role.weights.of(kind)  # type: ignore[arg-type]
        number = tpl.blocks.index(block)
        prefix = tr(lang, "一二三四"[number] + "、", f"{number + 1}. ")
        title = f"{prefix}{self._section_name(kind)}　{tr(lang, '权重', 'weight')} {weight:g}%"
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

        scored: list[tuple[float | None, object]] = []
        for i, r in enumerate(range(block.first, block.last + 1)):
            key = block.keys[i]
            ws.set_row(r, tpl.heights[r])
            ws.write_string(r, KEY, key)
            edit = edits.get(key, {})
            if kind == "kpi":
                kpi = tpl.kpis[i]
                v = sheet.kpis.get(kpi.code) or KpiValues(kpi.target, kpi.baseline)
                w = edit.get("weight", kpi.weight)
                target = edit.get("target", v.target)
                baseline = edit.get("baseline", v.baseline)
                name, defn, crit = tpl.kpi_text[i]
                ws.write_string(r, CODE, kpi.code, fm["center"])
                ws.write_string(r, NAME, name, fm["text"])
                ws.write_string(r, DEFN, defn, fm["text"])
                ws.write_string(r, UNIT, kpi.unit, fm["center"])
                _write_value(ws, r, BASE, baseline, fm["num"])
                _write_value(ws, r, TARGET, target, fm["num"])
                _write_value(ws, r, WEIGHT, w, fm["num"])
                ws.write_string(r, CRIT, crit, fm["text"])
                if v.actual is not None:
                    actual: object = v.actual
                    ws.write_number(r, INPUT, v.actual, fm["imported"])
                else:
                    actual = values.get(key)
                    _write_value(ws, r, INPUT, actual, fm["input"])
                    low, high = actual_bounds(kpi, v)
                    unit = paren(lang, kpi.unit) if kpi.unit else ""
                    ws.data_validation(
                        r,
                        INPUT,
                        r,
                        INPUT,
                        {
                            "validate": "decimal",
                            "criteria": "between",
                            "minimum": low,
                            "maximum": high,
                            "input_title": sheet_text(tr(lang, "实际值", "Actual") + unit, 32),
                            "input_message": sheet_text(
                                tr(
                                    lang,
                                    f"请输入数字，范围 {fmt_number(low)} ~ {fmt_number(high)}",
                                    f"A number from {fmt_number(low)} to {fmt_number(high)}",
                                ),
                                255,
                            ),
                            "error_title": tr(lang, "数值无效", "Invalid number"),
                            "error_message": sheet_text(
                                tr(
                                    lang,
                                    f"实际值须为 {fmt_number(low)} ~ {fmt_number(high)} 之间的数字。",
                                    f"The actual must be a number from {fmt_number(low)} to {fmt_number(high)}.",
                                ),
                                255,
                            ),
                        },
                    )
                score = formulas.kpi_item_score(
                    kpi,
                    actual,
                    target if _is_num(target) else None,  # type: ignore[arg-type]
                    baseline if _is_num(baseline) else None,  # type: ignore[arg-type]
                    tpl.places,
                )
            else:
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
                _write_value(ws, r, WEIGHT, w, fm["num"])
                ws.write_string(r, CRIT, crit, fm["text"])
                rating = values.get(key)
                _write_value(ws, r, INPUT, rating, fm["input"])
                score = formulas.rated_item_points(scale, rating)
            ws.write_formula(r, SCORE, tpl.item_formulas[r], fm["score"], _cached(score))
            scored.append((score, w))
        if kind != "kpi":
            self._rating_validation(ws, tpl, block)

        section = formulas.section_score(scored, tpl.places)
        r = block.subtotal
        assert r is not None
        ws.set_row(r, 20)
        ws.write_string(r, KEY, score_key(kind))
        label = tr(
            lang,
            f"{self._section_name(kind)} 部分得分（按权重加权）",
            f"{self._section_name(kind)} score (weighted)",
        )
        ws.write_string(r, INPUT, label, fm["sub_label"])  # right-aligned, runs left
        ws.write_formula(r, SCORE, tpl.section_formulas[kind], fm["sub_score"], _cached(section))
        return section

    def _rating_validation(self, ws: Any, tpl: SheetTemplate, block: Block) -> None:
        """One dropdown validation per run of rows on the same scale."""
        lang = self.lang
        scales = (
            [s for _, s in tpl.tasks]
            if block.kind == "task"
            else [s for _, _, s in tpl.competencies]
        )
        start = 0
        for i in range(1, len(scales) + 1):
            if i < len(scales) and scales[i].id == scales[start].id:
                continue
            scale = scales[start]
            values = [str(v) for v in sorted(scale.values, reverse=True)]
            ws.data_validation(
                block.first + start,
                INPUT,
                block.first + i - 1,
                INPUT,
                {
                    "validate": "list",
                    "source": values,
                    "input_title": sheet_text(tr(lang, "请选择评分", "Choose a rating"), 32),
                    "input_message": sheet_text(scale_hint(scale, lang), 255),
                    "error_title": tr(lang, "评分无效", "Invalid rating"),
                    "error_message": sheet_text(
                        tr(
                            lang,
                            f"请从下拉列表中选择：{'、'.join(values)}",
                            f"Pick one of: {', '.join(values)}",
                        ),
                        255,
                    ),
                },
            )
            start = i

    def _write_comments(
        self, ws: Any, fm: dict[str, Any], tpl: SheetTemplate, values: dict[str, object]
    ) -> None:
        lang, block = self.lang, tpl.comment_block
        ws.set_row(block.title, 22)
        ws.write_string(
            block.title,
            CODE,
            tr(lang, "一二三四五"[len(tpl.blocks)] + "、评语", f"{len(tpl.blocks) + 1}. Comments"),
            fm["section"],
        )
        self._columns_row(ws, block.columns, "comment")
        limit = layout.COMMENT_MAX_CHARS
        for i, r in enumerate(range(block.first, block.last + 1)):
            key = block.keys[i]
            fieldname = key.split(":", 1)[1]
            ws.set_row(r, 66 if fieldname in ("strengths", "improvements") else 80)
            ws.write_string(r, KEY, key)
            ws.merge_range(r, CODE, r, NAME, comment_label(fieldname, lang), fm["head"])
            text = values.get(key)
            ws.merge_range(r, DEFN, r, LAST_COL, "", fm["input_text"])
            if isinstance(text, str) and text:
                ws.write_string(r, DEFN, sheet_text(text), fm["input_text"])
            elif text is not None and text != "":
                _write_value(ws, r, DEFN, text, fm["input_text"])
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

    def _type_label(self, rater_type: str) -> str:
        rt = self.types.get(rater_type)  # type: ignore[call-overload]
        return rt.label(self.lang) if rt else term(rater_type, self.lang)

    # -- instructions, criteria and metadata sheets -----------------------------------------

    def _write_instructions(self, wb: Any, fm: dict[str, Any], job: FormJob) -> None:
        plan, lang = self.plan, self.lang
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
        steps = [
            tr(
                lang,
                f"1. 本文件共 {len(job.sheets)} 张评价表，每位被评价人一张（见下表），请逐张填写。",
                f"1. This file holds {len(job.sheets)} assessment sheet(s), one per person (listed below). Fill in each one.",
            ),
            tr(
                lang,
                "2. 只需填写黄色单元格：KPI 实际值填数字，评分从下拉列表选择，评语请结合具体事例。灰色单元格为 HR 导入的数据。",
                "2. Fill in the yellow cells only: KPI actuals as numbers, ratings from the list, comments with concrete examples. Grey cells hold data imported by HR.",
            ),
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
            e = self.employees[sheet.ratee_id]
            ws.write_string(row, 1, sheet.name, fm["text"])
            ws.write_string(row, 2, f"{e.name}{paren(lang, e.id)}", fm["text"])
            ws.write_string(row, 3, e.department, fm["text"])
            ws.write_string(row, 4, self._type_label(sheet.rater_type), fm["text"])
        self._print_setup(ws, job.rater_name, None)
        self._protect(ws)
        ws.activate()

    def _write_criteria(self, wb: Any, fm: dict[str, Any], job: FormJob) -> None:
        plan, lang = self.plan, self.lang
        ws = wb.add_worksheet(CRITERIA_SHEET[1] if lang == "en" else CRITERIA_SHEET[0])
        for col, width in enumerate((4, 10, 14, 10, 60)):
            ws.set_column(col, col, width)
        ws.set_row(0, 30)
        ws.merge_range(0, 1, 0, 4, tr(lang, "评分标准", "Scoring criteria"), fm["title"])
        row = 2
        used = {s for t in self._job_templates(job) for s in t.scale_ids()}
        for scale in plan.scales:
            if scale.id not in used:
                continue
            ws.merge_range(row, 1, row, 4, scale.label(lang), fm["band"])
            row += 1
            for col, text in enumerate(
                [
                    tr(lang, "评分", "Rating"),
                    tr(lang, "等级", "Level"),
                    tr(lang, "分值", "Points"),
                    tr(lang, "行为描述", "Description"),
                ],
                start=1,
            ):
                ws.write_string(row, col, text, fm["head"])
            for lv in sorted(scale.levels, key=lambda x: x.value, reverse=True):
                row += 1
                ws.write_number(row, 1, lv.value, fm["num"])
                ws.write_string(row, 2, lv.label(lang), fm["center"])
                ws.write_number(row, 3, lv.points, fm["num"])
                ws.write_string(row, 4, lv.anchor_text(lang), fm["text"])
            row += 2
        ws.merge_range(
            row, 1, row, 4, tr(lang, "计分方法", "How scores are calculated"), fm["band"]
        )
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
            tr(
                lang,
                "本表总分 = 各部分得分按岗位部分权重加权（只计本表所评部分）。",
                "Form total = section scores weighted by the role's section weights (only the parts on this form).",
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
        row += 2
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
        self._print_setup(ws, tr(lang, "评分标准", "Scoring criteria"), None)
        self._protect(ws)

    def _job_templates(self, job: FormJob) -> list[SheetTemplate]:
        return [self.template(self.employees[s.ratee_id].role, s.rater_type) for s in job.sheets]

    def _write_meta(self, wb: Any, job: FormJob) -> None:
        ws = wb.add_worksheet(layout.META_SHEET)
        meta = {
            "schema_version": str(layout.FORM_SCHEMA_VERSION),
            "form_id": job.form_id,
            "cycle_id": self.plan.cycle.id,
            "plan_version": str(job.plan_version),
            "plan_digest": job.plan_digest,
            "rater_id": job.rater_id,
            "rater_name": job.rater_name,
            "language": self.lang,
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
        ws.protect(self.plan.cycle.form_password or "")
        ws.very_hidden()


def _company(plan: Plan) -> str:
    c = plan.company
    return c.name_en if plan.lang == "en" and c.name_en else c.name


def _is_num(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _cached(value: float | None) -> float | str:
    """The cached result written with a formula: its real value, "" when it shows nothing."""
    return "" if value is None else value


def _write_value(ws: Any, row: int, col: int, value: object, fmt: Any) -> None:
    """A number as a number, anything else as text (never as a formula), None as blank."""
    if value is None or value == "":
        ws.write_blank(row, col, None, fmt)
    elif _is_num(value):
        ws.write_number(row, col, value, fmt)
    else:
        ws.write_string(row, col, sheet_text(str(value)), fmt)


# --- running many forms: worker processes -----------------------------------------------------

_WORKER: FormWriter | None = None


def _init_worker(plan_json: str, out_dir: str, filler: Filler | None) -> None:
    global _WORKER
    _WORKER = FormWriter(Plan.model_validate_json(plan_json), Path(out_dir), filler)


def _write_chunk(jobs: list[FormJob]) -> list[FormRecord]:
    assert _WORKER is not None, "worker not initialised"
    return [_WORKER.write(job) for job in jobs]


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run_form_jobs(
    plan: Plan,
    jobs: Iterable[FormJob],
    out_dir: Path,
    *,
    total: int,
    filler: Filler | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Iterator[FormRecord]:
    """Write every job's workbook, in worker processes when it pays; yield records as done.

    Jobs are consumed lazily and only a few chunks are in flight at once, so memory does not
    grow with the number of forms.
    """
    workers = workers or default_workers()
    chunk = max(1, min(32, total // (workers * 8) or 1))
    done = 0
    if workers <= 1 or total < 4 * workers:  # a pool costs more than it saves
        writer = FormWriter(plan, out_dir, filler)
        for job in jobs:
            yield writer.write(job)
            done += 1
            if progress:
                progress(done, total)
        return

    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    ctx = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    job_iter = iter(jobs)
    chunks = iter(lambda: list(islice(job_iter, chunk)), [])
    pool = ProcessPoolExecutor(
        workers,
        mp_context=ctx,
        initializer=_init_worker,
        initargs=(plan.model_dump_json(), str(out_dir), filler),
    )
    try:
        pending = {pool.submit(_write_chunk, c) for c in islice(chunks, workers * 3)}
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                records = fut.result()
                nxt = next(chunks, None)
                if nxt:
                    pending.add(pool.submit(_write_chunk, nxt))
                yield from records
                done += len(records)
                if progress:
                    progress(done, total)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


# --- generate: plan -> jobs -> files + ledger -------------------------------------------------


def _ledger_overrides(
    conn: Any,
) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], float]]:
    """Imported actuals and the latest approved target change per (employee, KPI)."""
    return imported_values(conn), current_targets(conn)


def _rater_names(plan: Plan) -> dict[str, tuple[str, str]]:
    """rater id -> (name, email) for employees and external raters."""
    names = {e.id: (e.name, e.email) for e in plan.roster.employees}
    names.update({x.id: (x.name, x.email) for x in plan.roster.external_raters})
    return names


def plan_jobs(
    plan: Plan,
    *,
    generation: str,
    plan_version: int,
    plan_digest: str,
    generated_at: str,
    imported: dict[tuple[str, str], float] | None = None,
    target_changes: dict[tuple[str, str], float] | None = None,
) -> tuple[int, Iterator[FormJob]]:
    """(number of forms, lazy iterator of form jobs): one per rater, in rater order."""
    from perfsheets.core.raters import build_assignments

    imported = imported or {}
    changes = target_changes or {}
    employees = plan.employee_map()
    roles = plan.role_map()
    types = plan.rater_type_map()
    targets = plan.target_map()
    names = _rater_names(plan)
    by_rater: dict[str, list[tuple[str, RaterTypeId]]] = {}
    for a in build_assignments(plan):
        if a.ratee not in employees or employees[a.ratee].role not in roles:
            raise PerfsheetsError(
                tr(
                    plan.lang,
                    f"被评价人 {a.ratee} 不在名单中或岗位未定义",
                    f"ratee {a.ratee} is not on the roster or has no known role",
                )
            )
        if a.rater not in names:
            raise PerfsheetsError(
                tr(
                    plan.lang,
                    f"评价人 {a.rater} 不在名单中",
                    f"rater {a.rater} is not on the roster",
                )
            )
        by_rater.setdefault(a.rater, []).append((a.ratee, a.type))
    self_word = term("self", plan.lang)

    def kpi_values(ratee: Employee, rater_type: RaterTypeId) -> dict[str, KpiValues]:
        role = roles[ratee.role]
        if "kpi" not in sheet_sections(role, types[rater_type].sections):
            return {}
        out = {}
        for kpi in role.kpis:
            ind = targets.get((ratee.id, kpi.code))
            target = changes.get((ratee.id, kpi.code), ind.target if ind else kpi.target)
            baseline = ind.baseline if ind and ind.baseline is not None else kpi.baseline
            out[kpi.code] = KpiValues(target, baseline, imported.get((ratee.id, kpi.code)))
        return out

    def jobs() -> Iterator[FormJob]:
        for rater, pairs in by_rater.items():
            rater_name = names[rater][0]
            taken: set[str] = set()
            sheets = []
            for ratee_id, rater_type in pairs:
                ratee = employees[ratee_id]
                label = (
                    f"{self_word} {ratee.name}"
                    if rater_type == "self"
                    else f"{ratee.name} {ratee.id}"
                )
                sheets.append(
                    SheetJob(
                        sheet_name(label, taken),
                        ratee_id,
                        rater_type,
                        kpi_values(ratee, rater_type),
                    )
                )
            yield FormJob(
                form_id=f"{plan.cycle.id}-{rater}-{generation}",
                rater_id=rater,
                rater_name=rater_name,
                file=file_name(plan.cycle.id, rater, rater_name),
                sheets=tuple(sheets),
                generated_at=generated_at,
                plan_version=plan_version,
                plan_digest=plan_digest,
            )

    return len(by_rater), jobs()


INDEX_FIELDS = ("rater_id", "name", "email", "file", "ratees", "form_id")


def generate_forms(
    workspace: str | Path,
    *,
    plan: Plan | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> GenerateResult:
    """Write one assessment workbook per rater into ``forms/`` and record them in the ledger.

    Also writes ``forms/index.csv`` (rater id, name, email, file, ratees, form id) for sending
    the forms out. Forms of an earlier generation that no rater has any more are removed.
    """
    started = time.perf_counter()
    ws = Workspace(Path(workspace))
    if plan is None:
        from perfsheets.plan.io import load_plan

        plan = load_plan(ws.plan_path())
    ws.create()
    plan_json = plan.model_dump_json()
    digest = hashlib.sha256(plan_json.encode()).hexdigest()
    generation = secrets.token_hex(3)
    names = _rater_names(plan)
    index_rows: list[dict[str, str]] = []
    files: list[Path] = []
    sheets = 0
    with ws.ledger() as conn:
        version = freeze_plan(conn, plan_json)
        imported, changes = _ledger_overrides(conn)
        created = now()
        old_files = form_files(conn)
        total, jobs = plan_jobs(
            plan,
            generation=generation,
            plan_version=version,
            plan_digest=digest,
            generated_at=created,
            imported=imported,
            target_changes=changes,
        )
        for rec in run_form_jobs(
            plan, jobs, ws.forms, total=total, workers=workers, progress=progress
        ):
            store_form(
                conn,
                rec.form_id,
                version,
                rec.rater_id,
                rec.file,
                rec.digest,
                created,
                [
                    (
                        s.sheet,
                        s.ratee_id,
                        s.rater_type,
                        json.dumps(s.locked, ensure_ascii=False, sort_keys=True),
                    )
                    for s in rec.sheets
                ],
            )
            sheets += len(rec.sheets)
            files.append(ws.forms / rec.file)
            index_rows.append(
                {
                    "rater_id": rec.rater_id,
                    "name": rec.rater_name,
                    "email": names[rec.rater_id][1],
                    "file": rec.file,
                    "ratees": ";".join(s.ratee_id for s in rec.sheets),
                    "form_id": rec.form_id,
                }
            )
        index_rows.sort(key=lambda r: r["rater_id"])
        index = _write_index(ws.forms / "index.csv", index_rows)
        current = {f.name for f in files}
        for stale in old_files - current:
            (ws.forms / stale).unlink(missing_ok=True)
        audit(
            conn,
            "forms.generate",
            f"plan v{version}",
            generation=generation,
            forms=len(files),
            sheets=sheets,
        )
    return GenerateResult(
        forms=len(files),
        sheets=sheets,
        raters=total,
        forms_dir=ws.forms,
        index=index,
        files=sorted(files),
        plan_version=version,
        generation=generation,
        seconds=time.perf_counter() - started,
    )


def _write_index(path: Path, rows: list[dict[str, str]]) -> Path:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=INDEX_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: csv_safe(v) for k, v in row.items()})
    return atomic_write_text(path, buf.getvalue())
