"""Who gets which sheets: the workbook jobs of a generation, and what comes back from writing them.

:func:`plan_jobs` turns the plan's rating relations into one :class:`FormJob` per rater (in
rater order), each with one :class:`SheetJob` per person that rater assesses and the values the
sheet locks in: targets (after approved target changes), baselines and actuals HR imported. The
writer (:mod:`perfsheets.forms.writer`) turns a job into a workbook and a :class:`FormRecord`:
the locked values a return must still carry, which generate stores in the ledger.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from perfsheets.core import layout
from perfsheets.core.cells import file_part, id_file_parts, sheet_text
from perfsheets.core.i18n import term, tr
from perfsheets.core.model import Employee, Plan, RaterTypeId, Role, SectionKind
from perfsheets.core.problems import PerfsheetsError
from perfsheets.core.raters import build_assignments

Progress = Callable[[int, int], None]  # (done, total)

# Sheets of every workbook besides the assessment sheets: no person's sheet may take their names.
INSTRUCTIONS_SHEET = ("填写说明", "Instructions")
CRITERIA_SHEET = ("评分标准", "Scoring criteria")
RESERVED_SHEETS = {*INSTRUCTIONS_SHEET, *CRITERIA_SHEET, layout.META_SHEET}


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
    counts: dict[str, float] = field(default_factory=dict)  # 加减分项 counts HR imported


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
    rater_type: RaterTypeId
    locked: dict[str, dict[str, Any]]  # {item_key: {field: value}} a return must still have


@dataclass(frozen=True, slots=True)
class FormRecord:
    form_id: str
    rater_id: str
    rater_name: str
    file: str
    digest: str  # SHA-256 of the locked content of all sheets
    sheets: tuple[SheetRecord, ...]


# --- names --------------------------------------------------------------------------------------

_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def sheet_name(text: str, taken: set[str]) -> str:
    """A valid, unique sheet name: no []:*?/\\, at most 31 UTF-16 units (Excel counts an emoji
    or a CJK Extension-B character as two; xlsxwriter refuses a longer name)."""
    base = _SHEET_BAD.sub("_", sheet_text(text)).strip("' ") or "Sheet"
    name, n = _utf16_prefix(base, 31), 1
    while name.lower() in taken or name in RESERVED_SHEETS:
        n += 1
        suffix = f"~{n}"
        name = _utf16_prefix(base, 31 - len(suffix)) + suffix
    taken.add(name.lower())
    return name


def _utf16_prefix(text: str, units: int) -> str:
    """The longest prefix of ``text`` that is at most ``units`` UTF-16 code units long."""
    out, used = [], 0
    for ch in text:
        width = 2 if ord(ch) > 0xFFFF else 1
        if used + width > units:
            break
        out.append(ch)
        used += width
    return "".join(out)


def file_name(*parts: str) -> str:
    """The workbook's file name: the parts made file-safe (:func:`~perfsheets.core.cells.file_part`),
    the stem within 120 characters and 200 bytes, so even long Chinese names fit the 255-byte
    limit of a file name."""
    stem = "_".join(file_part(p) for p in parts if p)
    return file_part(stem[:120], max_bytes=200) + ".xlsx"


def rater_names(plan: Plan) -> dict[str, tuple[str, str]]:
    """rater id -> (name, email) for employees and external raters."""
    names = {e.id: (e.name, e.email) for e in plan.roster.employees}
    names.update({x.id: (x.name, x.email) for x in plan.roster.external_raters})
    return names


def sheet_sections(role: Role, rater_sections: Iterable[SectionKind]) -> list[SectionKind]:
    """Sections a rater type fills for this role: the type's, among the role's weighted ones."""
    wanted = set(rater_sections)
    return [s for s in role.sections() if s in wanted]


# --- the jobs -----------------------------------------------------------------------------------


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
    by_rater = _sheets_by_rater(plan)
    values = _KpiValuesOf(plan, imported or {}, target_changes or {})
    names = rater_names(plan)
    employees = plan.employee_map()
    self_word = term("self", plan.lang)

    id_parts = id_file_parts(by_rater)

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
                        values(ratee, rater_type),
                        values.counts(ratee, rater_type),
                    )
                )
            yield FormJob(
                form_id=f"{plan.cycle.id}-{rater}-{generation}",
                rater_id=rater,
                rater_name=rater_name,
                file=file_name(plan.cycle.id, id_parts[rater], rater_name),
                sheets=tuple(sheets),
                generated_at=generated_at,
                plan_version=plan_version,
                plan_digest=plan_digest,
            )

    return len(by_rater), jobs()


def _sheets_by_rater(plan: Plan) -> dict[str, list[tuple[str, RaterTypeId]]]:
    """(ratee id, rater type) of every sheet, by rater, in the order of the assignments."""
    employees = plan.employee_map()
    roles = plan.role_map()
    names = rater_names(plan)
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
    return by_rater


class _KpiValuesOf:
    """The KPI values a sheet locks in: the individual or role target (unless a change was
    approved), the baseline, and the actual HR imported."""

    def __init__(
        self,
        plan: Plan,
        imported: dict[tuple[str, str], float],
        changes: dict[tuple[str, str], float],
    ) -> None:
        self.roles = plan.role_map()
        self.types = plan.rater_type_map()
        self.targets = plan.target_map()
        self.imported, self.changes = imported, changes

    def __call__(self, ratee: Employee, rater_type: RaterTypeId) -> dict[str, KpiValues]:
        role = self.roles[ratee.role]
        if "kpi" not in sheet_sections(role, self.types[rater_type].sections):
            return {}
        out = {}
        for kpi in role.kpis:
            key = (ratee.id, kpi.code)
            ind = self.targets.get(key)
            target = self.changes.get(key, ind.target if ind else kpi.target)
            baseline = ind.baseline if ind and ind.baseline is not None else kpi.baseline
            out[kpi.code] = KpiValues(target, baseline, self.imported.get(key))
        return out

    def counts(self, ratee: Employee, rater_type: RaterTypeId) -> dict[str, float]:
        """The 加减分项 counts HR imported, locked on the manager's sheet."""
        if rater_type != "manager":
            return {}
        role = self.roles[ratee.role]
        found = ((a.code, self.imported.get((ratee.id, a.code))) for a in role.adjustments)
        return {code: value for code, value in found if value is not None}
