"""Grades: thresholds, forced distribution by the plan's quotas, ranks within departments."""

from __future__ import annotations

import bisect
from collections import defaultdict
from typing import Any

from perfsheets.consolidation import fairness
from perfsheets.consolidation.history import YearResult
from perfsheets.core.model import ForcedDistribution, Grade, Plan
from perfsheets.core.quotas import ALL_GROUP
from perfsheets.core.results import EmployeeResult
from perfsheets.core.scoring import grade_for, round_half_up, veto_fails

# --- grades ------------------------------------------------------------------------------------


def grade_all(plan: Plan, results: list[EmployeeResult]) -> dict[str, Any]:
    """Grades by thresholds, then forced distribution if the plan enables it (complete results
    only), and each grade's coefficient. Returns the quota facts for the summary. (What a grade
    means, its consequence, is the plan's wording: put in when an output is written.)"""
    grading = plan.grading
    levels = sorted(grading.levels, key=lambda g: g.min_score, reverse=True)
    index = {g.code: i for i, g in enumerate(levels)}
    for res in results:
        if res.complete and res.total_score is not None:
            res.grade = grade_for(res.total_score, levels).code
    apply_vetoes(plan, results, index)
    fd = grading.forced_distribution
    quotas = [g.quota for g in levels]
    kinds = [g.quota_kind for g in levels]
    info: dict[str, Any] = {
        "enabled": fd.enabled,
        "mode": fairness.quota_mode(quotas, kinds),
        "kinds": dict(
            zip([g.code for g in levels], fairness.quota_kinds(quotas, kinds), strict=True)
        ),
        "group_by": fd.group_by,
        "min_group_size": fd.min_group_size,
        "tie_rule": fd.tie_rule,
        "groups": {},
        "unforced": [],
        "moves": [],
    }
    # A vetoed grade is not the score's: it takes no part in the ranking for quotas.
    graded = [r for r in results if r.grade is not None and not r.vetoed_by]
    wanted = any(q is not None for q in quotas) or fd.minimum_shares
    if fd.enabled and wanted and graded:
        _force(graded, levels, index, quotas, fd, info)
    for res in results:
        if res.grade is not None:
            grade = levels[index[res.grade]]
            res.coefficient = grade.coefficient
    return info


def apply_vetoes(plan: Plan, results: list[EmployeeResult], index: dict[str, int]) -> None:
    """一票否决: a graded person whose veto KPI failed gets the veto's grade (the worst of them
    when several fail) whatever the score; the score's grade is kept in ``grade_by_score``."""
    vetoes = {role.id: {k.code: k for k in role.kpis if k.veto is not None} for role in plan.roles}
    for res in results:
        kpis = vetoes.get(res.role)
        if not kpis or res.grade is None:
            continue
        failed = [
            k.code
            for k in res.kpis
            if k.code in kpis and veto_fails(kpis[k.code], k.actual, k.target)
        ]
        if not failed:
            continue
        grade = max((kpis[c].veto.grade for c in failed), key=index.__getitem__)  # type: ignore[union-attr]
        res.vetoed_by = failed
        if grade != res.grade:
            res.grade_by_score, res.grade = res.grade, grade
        res.flags.append("vetoed")


def _force(graded, levels, index, quotas, fd, info: dict[str, Any]) -> None:
    def unit(r: EmployeeResult) -> str:
        return {"department": r.department, "role": r.role}.get(fd.group_by, ALL_GROUP)

    by_id = {r.employee_id: r for r in graded}
    people = {r.employee_id: (unit(r), r.total_score, r.grade) for r in graded}
    groups, final = distribute(people, levels, fd)
    info["groups"] = {label: len(m) for label, m in groups.groups.items()}
    info["unforced"] = list(groups.unforced)
    for emp, (label, code) in final.items():
        res = by_id[emp]
        res.quota_group = label
        if code != res.grade:
            info["moves"].append(
                {
                    "employee_id": emp,
                    "group": label,
                    "from": res.grade,
                    "to": code,
                    "total_score": res.total_score,
                }
            )
            res.grade_before_quota = res.grade
            res.grade = code
            res.flags.append("moved_by_quota")


def distribute(
    people: dict[str, tuple[str, float, str]], levels: list[Grade], fd: ForcedDistribution
) -> tuple[fairness.QuotaGroups, dict[str, tuple[str, str]]]:
    """Forced distribution of graded people (id -> unit, score, grade by the thresholds), in
    the quota groups the plan's ``group_by`` units make: id -> (group, final grade). Shared by
    a cycle's results and the year's."""
    index = {g.code: i for i, g in enumerate(levels)}
    quotas = [g.quota for g in levels]
    kinds = [g.quota_kind for g in levels]
    minimums = [([index[c] for c in m.grades if c in index], m.share) for m in fd.minimum_shares]
    groups = fairness.quota_groups(
        {p: unit for p, (unit, _, _) in people.items()}, fd.min_group_size
    )
    final: dict[str, tuple[str, str]] = {}
    for label, members in groups.groups.items():
        if label in groups.unforced:
            continue
        scores = {m: people[m][1] for m in members}
        thresholds = {m: index[people[m][2]] for m in members}
        levels_of = fairness.forced_distribution(
            scores, thresholds, quotas, fd.tie_rule, kinds, minimums
        )
        final.update({emp: (label, levels[level].code) for emp, level in levels_of.items()})
    return groups, final


def force_year_grades(plan: Plan, results: list[YearResult]) -> int:
    """The plan's forced distribution over the year results that have a grade (a cycle's
    rule, applied to year scores): returns how many moved. Each keeps its grade by score."""
    fd = plan.grading.forced_distribution
    levels = sorted(plan.grading.levels, key=lambda g: g.min_score, reverse=True)
    graded = [r for r in results if r.grade is not None and r.year_score is not None]
    if (
        not fd.enabled
        or not graded
        or not (any(g.quota is not None for g in levels) or fd.minimum_shares)
    ):
        return 0

    def unit(r: YearResult) -> str:
        return {"department": r.department, "role": r.role}.get(fd.group_by, ALL_GROUP)

    people = {r.employee_id: (unit(r), r.year_score or 0.0, r.grade or "") for r in graded}
    _, final = distribute(people, levels, fd)
    coefficient = {g.code: g.coefficient for g in levels}
    moved = 0
    for res in graded:
        label, code = final.get(res.employee_id, ("", res.grade or ""))
        res.quota_group = label
        if code != res.grade:
            res.grade_by_score, res.grade = res.grade, code
            res.coefficient = coefficient[code]
            moved += 1
    return moved


def rank_departments(results: list[EmployeeResult]) -> None:
    """Rank (1 = best, ties share a rank) and percentile within the department, complete only."""
    by_dept: dict[str, list[tuple[float, EmployeeResult]]] = defaultdict(list)
    for r in results:
        if r.complete and r.total_score is not None:
            by_dept[r.department].append((r.total_score, r))
    for members in by_dept.values():
        ascending = sorted(score for score, _ in members)
        n = len(ascending)
        for score, r in members:
            above = n - bisect.bisect_right(ascending, score)
            r.rank_in_department = above + 1
            r.department_size = n
            r.percentile = round_half_up((n - above) / n, 4)
