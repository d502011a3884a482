"""Names and wording of a stored result, resolved when an output is written.

A stored result is identified by codes (KPI, task and competency codes, item keys, the role id,
the grade code); the words people read come from the plan version frozen with the consolidation
run, in the language of the output. So ``report --lang en`` after a zh consolidation prints the
plan's English names, and editing plan.yaml after consolidating does not change what a report
says about a run. Consolidation's own books are named the same way, from the plan it froze.

Results stored before names were left out of the ledger still carry their names: a name the plan
resolves is replaced, any other is kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from perfsheets.core.model import Lang, Plan, Role
from perfsheets.core.results import EmployeeResult, Gap, RatedItemResult


@dataclass(frozen=True)
class RoleWords:
    """A role's words in one language, looked up once per role rather than once per person."""

    name: str
    kpis: dict[str, tuple[str, str]]  # code -> (name, unit)
    adjustments: dict[str, tuple[str, str]]  # 加减分项 code -> (name, unit)
    tasks: dict[str, str]  # code -> name
    competencies: dict[str, str]  # code -> name
    items: dict[str, str]  # item key (kpi:S01, task:T1, competency:C1) -> name
    development_goals: list[str]


class Namer:
    """Fills the *shown* fields of results (see :mod:`perfsheets.core.results`) from one plan
    in one language."""

    def __init__(self, plan: Plan, lang: Lang) -> None:
        self.lang = lang
        comps = plan.competency_map()
        self.competencies = {code: c.label(lang) for code, c in comps.items()}
        self.roles = {role.id: self._role_words(role) for role in plan.roles}
        self.consequences = {g.code: g.consequence_text(lang) for g in plan.grading.levels}
        self.people = {e.id: e.name for e in plan.roster.employees}

    def _role_words(self, role: Role) -> RoleWords:
        lang = self.lang
        kpis = {k.code: (k.label(lang), k.unit) for k in role.kpis}
        tasks = {t.code: t.label(lang) for t in role.tasks}
        # A competency missing from the plan's catalogue is shown by its code (as on the forms).
        comps = {ref.code: self.competencies.get(ref.code, ref.code) for ref in role.competencies}
        items = {f"kpi:{code}": name for code, (name, _unit) in kpis.items()}
        items.update({f"task:{code}": name for code, name in tasks.items()})
        items.update({f"competency:{code}": name for code, name in comps.items()})
        adjustments = {a.code: (a.label(lang), a.unit_text(lang)) for a in role.adjustments}
        return RoleWords(
            role.label(lang),
            kpis,
            adjustments,
            tasks,
            comps,
            items,
            role.development_goals_text(lang),
        )

    def item_name(self, role: str, key: str) -> str:
        """The name of an item key (kpi:S01, task:T1, competency:C1) on ``role``'s forms."""
        words = self.roles[role].items if role in self.roles else {}
        return _item_name(words, key)

    def name_all(self, results: Iterable[EmployeeResult]) -> list[EmployeeResult]:
        return [self.name(r) for r in results]

    def name(self, result: EmployeeResult) -> EmployeeResult:
        """Fill ``result``'s names and wording in place (it is returned for convenience)."""
        role = self.roles.get(result.role)
        # People are named from the frozen roster; a result of an older ledger keeps its names.
        result.name = self.people.get(result.employee_id, result.name)
        if result.manager_id is not None:
            result.manager_name = self.people.get(result.manager_id, result.manager_name)
        stored_names = self._stored_names(result)
        for kpi in result.kpis:
            found = role.kpis.get(kpi.code) if role else None
            if found is not None:
                kpi.name, kpi.unit = found
            elif not kpi.name:
                kpi.name = kpi.code
        for adj in result.adjustments:
            named = role.adjustments.get(adj.code) if role else None
            adj.name, adj.unit = named if named is not None else (adj.name or adj.code, adj.unit)
        self._name_items(result.tasks, role.tasks if role else {})
        self._name_items(result.competencies, role.competencies if role else self.competencies)
        self._name_gaps(result.gaps, [*result.tasks, *result.competencies])
        # Item keys as stored; names in results stored with names (relabelled where this plan
        # names the item).
        words = role.items if role else {}
        if stored_names:
            words = {**words, **self._renamed(result, stored_names)}
        result.strengths = [_item_name(words, entry) for entry in result.strengths]
        result.development_areas = [_item_name(words, e) for e in result.development_areas]
        if role is not None:
            result.role_name = role.name
            result.development_goals = list(role.development_goals)
        if result.grade in self.consequences:
            result.consequence = self.consequences[result.grade]
        return result

    @staticmethod
    def _name_items(items: list[RatedItemResult], names: dict[str, str]) -> None:
        for item in items:
            item.name = names.get(item.code) or item.name or item.code

    @staticmethod
    def _name_gaps(gaps: list[Gap], rated: list[RatedItemResult]) -> None:
        """A gap takes its item's name. Gaps follow the items' order (tasks, then competencies),
        so walking both together finds the right item even when a task and a competency share
        a code."""
        i = 0
        for gap in gaps:
            j = next((j for j in range(i, len(rated)) if rated[j].code == gap.code), None)
            if j is None:
                gap.name = gap.name or gap.code
                continue
            gap.name, i = rated[j].name, j + 1

    @staticmethod
    def _stored_names(result: EmployeeResult) -> list[str] | None:
        """The item names of a result stored before names were left out of the ledger (its
        strengths and development areas are names too), None for one stored without."""
        names = _item_names(result)
        if not any(names) or not (result.strengths or result.development_areas):
            return None
        return names

    @staticmethod
    def _renamed(result: EmployeeResult, old_names: list[str]) -> dict[str, str]:
        return dict(zip(old_names, _item_names(result), strict=True))


def _item_names(result: EmployeeResult) -> list[str]:
    """The names of a result's KPIs and rated items, in form order."""
    return [
        *(k.name for k in result.kpis),
        *(i.name for i in result.tasks),
        *(i.name for i in result.competencies),
    ]


ITEM_KINDS = ("kpi", "task", "competency")


def _item_name(words: dict[str, str], entry: str) -> str:
    """The name of a strength or development area stored as an item key (or, in old results,
    as a name); an item this plan does not know is shown by its code."""
    if entry in words:
        return words[entry]
    kind, colon, code = entry.partition(":")
    return code if colon and kind in ITEM_KINDS else entry
