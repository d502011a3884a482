"""Writing the plan workbook with xlsxwriter: the guide sheet, the settings sheet and one table
sheet per part of the plan, with header notes and drop-down lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from perfsheets.core.cells import sheet_text
from perfsheets.core.model import Lang, Plan
from perfsheets.plan.excel.layout import RULE_PARAMS, Col, SheetSpec, choice_label
from perfsheets.plan.excel.settings import SETTING_ROWS, SETTINGS
from perfsheets.plan.excel.sheets import (
    ADJUSTMENTS,
    KPIS,
    RELATIONS_NOTE,
    ROLE_COMPETENCIES,
    ROLES_NOTE,
    ROLLUP,
    SCALES,
    SHEETS,
    TASKS,
)

SPARE_ROWS = 200  # drop-downs reach this far below the data, for rows HR adds

# --- the guide sheet --------------------------------------------------------------------------

GUIDE = ("说明", "Guide")


def _guide(lang: Lang) -> list[str]:
    if lang == "en":
        return [
            "perfsheets plan workbook",
            "",
            "Edit the sheets, save, then run `perfsheets check WORKSPACE`: every problem is "
            "listed with its sheet and cell.",
            "Columns marked * are required. Pick values from the drop-down lists where offered.",
            "Weights are percentages: each role's section weights, its KPI, task and competency "
            "weights, and the rater weights must each add up to 100.",
            "Dates are dates (YYYY-MM-DD). Several values in one cell: separate with commas; "
            "lists of sentences: one per line (Alt+Enter).",
            "",
            "Sheets:",
            "Cycle & settings — cycle, company, grading and aggregation settings, peer rule.",
            "Scales — rating scales, one row per level.",
            "Rater types — self, manager, peers, direct reports, customers: weights, minimum "
            "count (anonymity), sections they rate.",
            "Roles — section weights and rater-weight overrides per role.",
            "KPIs — one row per KPI of a role, with its scoring rule.",
            "Key tasks — one row per key task of a role.",
            "Competencies — the competency library; Role competencies — which a role uses, "
            "with weights.",
            "Grades — S/A/B/C/D thresholds, bonus coefficients, forced-distribution quotas.",
            "Roll-up — how period results combine (e.g. monthly 40% + annual 60%).",
            "Goals — company and department goals KPIs serve.",
            "Roster — employees and reporting lines; Rater relations — extra raters; "
            "Individual targets — per-person targets that override the role's; External "
            "raters — customers and others outside the roster.",
        ]
    return [
        "perfsheets 考核方案工作簿",
        "",
        "修改各工作表并保存后，运行 `perfsheets check 工作区`：所有问题都会列出所在的工作表和单元格。",
        "带 * 的列为必填项。有下拉列表的单元格请从列表中选择。",
        "权重均为百分数：每个岗位的各部分权重、KPI/重点工作/能力项权重、评价人权重，各自之和必须为 100。",
        "日期请填写日期（YYYY-MM-DD）。一个单元格中的多个取值用逗号分隔；多条语句每行一条（Alt+Enter 换行）。",
        "",
        "各工作表：",
        "周期与设置 —— 考核周期、公司、等级与汇总设置、同事抽取规则。",
        "评分量表 —— 评分量表，每个等级一行。",
        "评价人类型 —— 自评、上级、同事、下属、客户：默认权重、最少人数（匿名保护）、评价哪些部分。",
        "岗位 —— 各岗位的考核部分权重及评价人权重（可覆盖默认）。",
        "KPI指标 —— 每行一个岗位指标及其计分规则。",
        "重点工作 —— 每行一项岗位重点工作。",
        "能力素质库 —— 能力项及行为锚定；岗位能力项 —— 各岗位选用的能力项及权重。",
        "绩效等级 —— S/A/B/C/D 分数线、绩效系数、强制分布比例。",
        "周期汇总 —— 各周期结果如何合成（如月度 40% + 年度 60%）。",
        "目标分解 —— KPI 所支撑的公司及部门目标。",
        "员工名册 —— 员工及汇报关系；评价关系 —— 额外的评价人；个人目标 —— 覆盖岗位默认值的个人目标；"
        "外部评价人 —— 名册以外的客户等评价人。",
    ]


# --- writing ----------------------------------------------------------------------------------


def _get(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if obj is None:
            return None
        obj = obj.get(part) if isinstance(obj, dict) else getattr(obj, part, None)
    return obj


def _num_text(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 2**53 else repr(float(x))


def _cell_value(col_kind: str, value: Any) -> Any:
    """The model value as what goes in the cell (None for an empty cell)."""
    if value is None:
        return None
    if col_kind == "list":
        return ", ".join(value) if value else None
    if col_kind == "lines":
        return "\n".join(value) if value else None
    if col_kind == "bands":
        return "; ".join(f"{_num_text(b.min)}:{_num_text(b.score)}" for b in value)
    if col_kind == "shares":
        return "; ".join(f"{'+'.join(m.grades)}:{_num_text(m.share)}" for m in value) or None
    if col_kind == "pools":
        return "; ".join(f"{p.department}:{_num_text(p.amount)}" for p in value) or None
    if col_kind == "paycols":
        return "; ".join(f"{c.field}:{c.header}" for c in value) or None
    return value


def _kpi_rows(plan: Plan) -> Iterable[dict[str, Any]]:
    for role in plan.roles:
        for kpi in role.kpis:
            row = {c.key: _get(kpi, c.key) for c in KPIS.cols if not c.key.startswith("rule.")}
            row["role"] = role.id
            rule = kpi.rule
            row["rule.type"] = rule.type
            for param in RULE_PARAMS[rule.type]:
                row[f"rule.{param}"] = getattr(rule, param)
            yield row


def _rows(plan: Plan, spec: SheetSpec) -> Iterable[dict[str, Any]]:
    """Rows of one sheet as {column key: model value}."""
    keys = [c.key for c in spec.cols]
    if spec is SCALES:
        for scale in plan.scales:
            for level in scale.levels:
                row = {k: _get(level, k) for k in keys[3:]}
                row.update(scale_id=scale.id, scale_name=scale.name, scale_name_en=scale.name_en)
                yield row
    elif spec is KPIS:
        yield from _kpi_rows(plan)
    elif spec is TASKS:
        for role in plan.roles:
            for task in role.tasks:
                yield {"role": role.id, **{k: _get(task, k) for k in keys[1:]}}
    elif spec is ADJUSTMENTS:
        for role in plan.roles:
            for adj in role.adjustments:
                yield {"role": role.id, **{k: _get(adj, k) for k in keys[1:]}}
    elif spec is ROLE_COMPETENCIES:
        for role in plan.roles:
            for ref in role.competencies:
                yield {"role": role.id, "code": ref.code, "weight": ref.weight}
    elif spec is ROLLUP:
        for n, rollup in enumerate(plan.rollup, start=1):
            for part in rollup.parts:
                yield {
                    "group": n,
                    "roles": rollup.roles,
                    "period": part.period,
                    "weight": part.weight,
                }
    else:
        tables: dict[str, Sequence[Any]] = {
            "rater_types": plan.rater_types,
            "roles": plan.roles,
            "competencies": plan.competencies,
            "grades": plan.grading.levels,
            "goals": plan.goals,
            "employees": plan.roster.employees,
            "relations": plan.roster.relations,
            "targets": plan.roster.targets,
            "external": plan.roster.external_raters,
        }
        for item in tables[spec.key]:
            yield {k: _get(item, k) for k in keys}


class _Writer:
    """Writes one plan workbook with xlsxwriter (fast, with drop-downs and notes)."""

    def __init__(self, plan: Plan, path: Path) -> None:
        # Imported here: xlsxwriter is heavy and only writing a workbook needs it.
        import xlsxwriter

        self.plan = plan
        self.lang = plan.lang
        self.book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
        self.head = self.book.add_format(
            {"bold": True, "bg_color": "#DCE6F1", "border": 1, "text_wrap": True, "valign": "top"}
        )
        self.date = self.book.add_format({"num_format": "yyyy-mm-dd", "valign": "top"})
        self.wrap = self.book.add_format({"text_wrap": True, "valign": "top"})
        self.top = self.book.add_format({"valign": "top"})
        self.title = self.book.add_format({"bold": True, "font_size": 14})
        self.sizes: dict[str, int] = {}

    def write(self) -> None:
        self.guide()
        rows = {spec.key: list(_rows(self.plan, spec)) for spec in SHEETS if spec is not SETTINGS}
        self.sizes = {key: len(r) for key, r in rows.items()}
        self.settings()
        for spec in SHEETS:
            if spec is not SETTINGS:
                self.table(spec, rows[spec.key])
        self.book.close()

    def guide(self) -> None:
        ws = self.book.add_worksheet(GUIDE[1] if self.lang == "en" else GUIDE[0])
        ws.set_column(0, 0, 120)
        for r, line in enumerate(_guide(self.lang)):
            ws.write_string(r, 0, line, self.title if r == 0 else self.wrap)

    def put(self, ws: Any, r: int, c: int, kind: str, value: Any) -> None:
        value = _cell_value(kind, value)
        if value is None:
            return
        if isinstance(value, bool):
            ws.write_boolean(r, c, value, self.top)
        elif isinstance(value, int | float):
            ws.write_number(r, c, value, self.top)
        elif isinstance(value, dt.date):
            ws.write_datetime(r, c, dt.datetime(value.year, value.month, value.day), self.date)
        else:
            text = sheet_text(str(value))
            ws.write_string(r, c, text, self.wrap if "\n" in text else self.top)

    def header(self, ws: Any, spec: SheetSpec) -> None:
        ws.freeze_panes(1, 0)
        for c, col in enumerate(spec.cols):
            ws.set_column(c, c, col.width)
            ws.write_string(0, c, col.label(self.lang), self.head)
            note = col.note_en if self.lang == "en" else col.note_zh
            key_note = f"[{col.key}]"
            ws.write_comment(0, c, f"{note}\n{key_note}" if note else key_note)

    def settings(self) -> None:
        ws = self.book.add_worksheet(SETTINGS.title(self.lang))
        self.header(ws, SETTINGS)
        for r, (path, zh, en, kind, choices) in enumerate(SETTING_ROWS, start=1):
            ws.write_string(r, 0, en if self.lang == "en" else zh, self.top)
            value = _get(self.plan, ".".join(map(str, path)))
            if choices and isinstance(value, str):
                value = choice_label(value, self.lang)
            self.put(ws, r, 1, kind, value)
            ws.write_string(r, 2, ".".join(map(str, path)), self.top)
            if choices:
                ws.data_validation(r, 1, r, 1, {"validate": "list", "source": self.words(choices)})

    def table(self, spec: SheetSpec, rows: list[dict[str, Any]]) -> None:
        ws = self.book.add_worksheet(spec.title(self.lang))
        self.header(ws, spec)
        for r, row in enumerate(rows, start=1):
            for c, col in enumerate(spec.cols):
                value = row.get(col.key)
                if col.choices and isinstance(value, str):
                    value = choice_label(value, self.lang)
                self.put(ws, r, c, col.kind, value)
        last = len(rows) + SPARE_ROWS
        for c, col in enumerate(spec.cols):
            source = self.dropdown(col)
            if source is not None:
                ws.data_validation(1, c, last, c, {"validate": "list", "source": source})
        if len(rows) > 20:
            ws.autofilter(0, 0, len(rows), len(spec.cols) - 1)
        note = {"roles": ROLES_NOTE, "relations": RELATIONS_NOTE}.get(spec.key)
        if note:
            c = len(spec.cols) + 1
            ws.set_column(c, c, 60)
            ws.write_string(0, c, note[1] if self.lang == "en" else note[0], self.wrap)

    def words(self, choices: tuple[str, ...]) -> list[str]:
        """A drop-down's entries in the workbook's language (the plan keeps the codes)."""
        return [choice_label(c, self.lang) for c in choices]

    def dropdown(self, col: Col) -> list[str] | str | None:
        if col.choices:
            return self.words(col.choices)
        if col.ref:
            spec = next(s for s in SHEETS if s.key == col.ref)
            last = self.sizes.get(spec.key, 0) + SPARE_ROWS + 1
            return f"='{spec.title(self.lang)}'!$A$2:$A${last}"
        return None


def write_workbook(plan: Plan, path: str | Path) -> None:
    """Write the plan as an Excel plan workbook (sheets in the plan's language)."""
    _Writer(plan, Path(path)).write()
