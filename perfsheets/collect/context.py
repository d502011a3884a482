"""What checking a return needs from the ledger and the plan, gathered once per run.

Checks run in worker processes, which never open the ledger: the generated forms (a
:class:`FormIndex` of the ledger's records) and the plan's rules (scales, KPI bounds, who rates
which section) travel to them in a :class:`CheckContext`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from perfsheets.collect.files import DEFAULT_LIMITS, Limits
from perfsheets.collect.interview import InterviewIndex
from perfsheets.collect.pip import PipIndex
from perfsheets.collect.values import ItemSpec, fold
from perfsheets.core import layout
from perfsheets.core.eligibility import assessed
from perfsheets.core.model import Plan
from perfsheets.ledger.forms import FormRecord


@dataclass(frozen=True)
class FormIndex:
    """The ledger's forms: every generation, and which form is current for each rater.

    Regenerating forms gives every rater a new form id. A return of an earlier form whose
    sheets and locked values are the same as the current form's (same plan version and digest)
    still counts, as a return of the current form; any other earlier form is outdated.
    """

    forms: dict[str, FormRecord]
    current: dict[str, str]  # rater id -> current form id
    _same: dict[tuple[str, int, str], list[str]] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        for f in self.forms.values():
            self._same.setdefault((f.rater_id, f.plan_version, f.digest), []).append(f.form_id)

    @classmethod
    def of(cls, records: Iterable[FormRecord]) -> FormIndex:
        """The index of the forms in the order generated (the latest generation is current)."""
        forms: dict[str, FormRecord] = {}
        current: dict[str, str] = {}
        for record in records:
            forms[record.form_id] = record
            current[record.rater_id] = record.form_id
        return cls(forms, current)

    def current_for(self, form: FormRecord) -> FormRecord:
        return self.forms[self.current.get(form.rater_id, form.form_id)]

    def equivalents(self, form_id: str) -> list[str]:
        """Form ids whose returns count for this (current) form, itself included."""
        f = self.forms[form_id]
        return self._same.get((f.rater_id, f.plan_version, f.digest), [form_id])


@dataclass
class CheckContext:
    """Everything a worker needs to check returns, without the ledger."""

    cycle_id: str
    forms: FormIndex
    raters: dict[str, str]  # who may rate: id -> name (active employees, external raters)
    ratee_roles: dict[str, str]  # active employee id -> role id
    role_items: dict[str, dict[str, ItemSpec]]  # role id -> item key -> spec
    rater_sections: dict[str, tuple[str, ...]]  # rater type -> sections it rates
    archive_dir: Path | None = None  # where valid files are stored by SHA-256
    limits: Limits = DEFAULT_LIMITS
    # SHA-256 of every file stored as a return -> (return id, form id): the same bytes again
    # are known to be unchanged without being read
    known: dict[str, tuple[int, str]] = field(default_factory=dict)
    # 无法评价 allowed: above this share of one sheet's rated items it is pointed out (None: no N/A)
    na_warn_share: float | None = None
    # interview records: the ledger's record forms (None: none written) and today's date
    interviews: InterviewIndex | None = None
    pips: PipIndex | None = None  # improvement plans: the ledger's PIP forms (None: none written)
    today: dt.date = field(default_factory=dt.date.today)
    results_frozen: bool = False  # released: only interview records are collected


def build_context(
    plan: Plan,
    forms: FormIndex,
    *,
    archive_dir: Path | None = None,
    limits: Limits = DEFAULT_LIMITS,
    known: dict[str, tuple[int, str]] | None = None,
    interviews: InterviewIndex | None = None,
    pips: PipIndex | None = None,
) -> CheckContext:
    active = [e for e in plan.roster.employees if e.is_active]
    raters = {e.id: e.name for e in active}
    raters.update({x.id: x.name for x in plan.roster.external_raters})
    ratees = assessed(plan)
    return CheckContext(
        cycle_id=plan.cycle.id,
        forms=forms,
        raters=raters,
        ratee_roles={e.id: e.role for e in ratees},
        role_items={role.id: role_items(plan, role.id) for role in plan.roles},
        rater_sections={t.id: tuple(t.sections) for t in plan.rater_types},
        archive_dir=archive_dir,
        limits=limits,
        known=known or {},
        na_warn_share=plan.aggregation.na_warn_share if plan.aggregation.allow_na else None,
        interviews=interviews,
        pips=pips,
    )


def role_items(plan: Plan, role_id: str) -> dict[str, ItemSpec]:
    """Item key -> what may be typed for it, for every KPI, 加减分项, task and competency of a
    role."""
    role = plan.role_map()[role_id]
    scales = plan.scale_map()
    library = plan.competency_map()
    items: dict[str, ItemSpec] = {}
    for kpi in role.kpis:
        items[layout.item_key("kpi", kpi.code)] = ItemSpec(
            "kpi",
            kpi.code,
            kpi.label("zh-CN"),
            unit=kpi.unit,
            source=kpi.source,
            min_value=kpi.min_value,
            max_value=kpi.max_value,
            name_en=kpi.label("en"),
        )
    for adj in role.adjustments:
        items[layout.item_key("adjustment", adj.code)] = ItemSpec(
            "adjustment",
            adj.code,
            adj.label("zh-CN"),
            unit=adj.unit,
            source=adj.source,
            name_en=adj.label("en"),
        )
    rated: list[tuple[str, str, str, str, str]] = [
        ("task", t.code, t.label("zh-CN"), t.label("en"), t.scale) for t in role.tasks
    ]
    for ref in role.competencies:
        comp = library.get(ref.code)
        names = (comp.label("zh-CN"), comp.label("en")) if comp else (ref.code, ref.code)
        rated.append(("competency", ref.code, *names, comp.scale if comp else ""))
    for kind, code, name, name_en, scale_id in rated:
        scale = scales.get(scale_id)
        values = tuple(scale.values) if scale else ()
        labels: list[tuple[str, int]] = []
        for level in scale.levels if scale else []:
            labels += [(fold(level.name), level.value)]
            if level.name_en:
                labels += [(fold(level.name_en), level.value)]
        items[layout.item_key(kind, code)] = ItemSpec(  # type: ignore[arg-type]
            kind,
            code,
            name,
            scale_values=values,
            labels=tuple(labels),
            name_en=name_en,
            na_allowed=plan.aggregation.allow_na,
        )
    return items
