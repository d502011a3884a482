"""Names and wording of a stored result, resolved when an output is written.

A stored result is identified by codes (KPI, task and competency codes, role id, grade code);
the words people read come from the plan version frozen with the consolidation run, in the
language of the output. So ``report --lang en`` after a zh consolidation prints the plan's English
names, and editing plan.yaml after consolidating does not change what a report says about a run.
"""

from __future__ import annotations

from perfsheets.core.model import Lang, Plan
from perfsheets.core.results import EmployeeResult


def named(result: EmployeeResult, plan: Plan, lang: Lang) -> EmployeeResult:
    """A copy of ``result`` whose names and wording come from ``plan`` in ``lang``."""
    role = next((r for r in plan.roles if r.id == result.role), None)
    kpis = {k.code: k for k in role.kpis} if role else {}
    tasks = {t.code: t for t in role.tasks} if role else {}
    comps = {c.code: c for c in plan.competencies}
    words: dict[str, str] = {}  # stored item name -> name in this output

    def relabel(item, source):
        found = source.get(item.code)
        if found is None:
            return item
        name = found.label(lang)
        words[item.name] = name
        return item.model_copy(update={"name": name})

    update: dict[str, object] = {
        "kpis": [relabel(k, kpis) for k in result.kpis],
        "tasks": [relabel(t, tasks) for t in result.tasks],
        "competencies": [relabel(c, comps) for c in result.competencies],
    }
    update["gaps"] = [relabel(g, {**tasks, **comps}) for g in result.gaps]
    update["strengths"] = [words.get(n, n) for n in result.strengths]
    update["development_areas"] = [words.get(n, n) for n in result.development_areas]
    if role is not None:
        update["role_name"] = role.label(lang)
    grade = next((g for g in plan.grading.levels if g.code == result.grade), None)
    if grade is not None and result.consequence:
        update["consequence"] = grade.consequence_text(lang)
    return result.model_copy(update=update)
