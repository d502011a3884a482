"""Approved changes of a KPI target during the cycle (目标调整).

A target agreed at the start of the cycle may change (a new territory, a reorganisation), but
only with a reason and an approver, and within the plan's band (``cycle.target_change_band``,
±15% by default) of the target in the plan — measured against the plan's target, not the last
change, so small steps cannot creep past the band. A larger change needs HR's explicit
confirmation (``confirm=True``). Every change and every refusal is written to the audit log.

Nothing here edits the plan: the ledger keeps each change (old and new target), consolidation
uses the latest one and reports show the original beside it.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from perfsheets.core.model import Employee, Kpi, Plan
from perfsheets.core.problems import PerfsheetsError, Report, problem_type
from perfsheets.core.rules import BandsRule, LinearRule, PassFailRule
from perfsheets.ledger.changes import record_target_change, target_in_force
from perfsheets.ledger.forms import forms_rating
from perfsheets.ledger.workspace import Workspace, audit, now
from perfsheets.plan.io import workspace_plan

BEYOND_BAND = problem_type(
    "target-change-beyond-band",
    "error",
    "目标调整幅度超出允许范围",
    "Target change beyond the allowed band",
    "{employee} 的 {kpi}：目标从方案中的 {original} 改为 {new}（{change}），超出方案允许的 ±{band}；"
    "如确需调整，请 HR 明确确认后再执行（--confirm）",
    "{employee} {kpi}: changing the target from the plan's {original} to {new} ({change}) is "
    "beyond the plan's allowed ±{band}; if it is really intended, HR must confirm it (--confirm)",
)
NO_ORIGINAL = problem_type(
    "target-change-no-original",
    "error",
    "方案中没有原目标",
    "No original target in the plan",
    "{employee} 的 {kpi} 在方案中没有目标值，无法判断调整幅度；如确需设定，请 HR 明确确认（--confirm）",
    "{employee} {kpi} has no target in the plan, so the size of the change cannot be checked; "
    "HR must confirm it explicitly (--confirm)",
)
UNCHANGED = problem_type(
    "target-change-unchanged",
    "warning",
    "目标未变",
    "Target unchanged",
    "{employee} 的 {kpi} 目标已经是 {new}，没有记录新的调整",
    "The target of {employee} {kpi} is already {new}; no change was recorded",
)
FORMS_SENT = problem_type(
    "target-change-forms-sent",
    "warning",
    "已发出的表格仍是旧目标",
    "Forms already sent show the old target",
    "已为 {employee} 生成的 {forms} 份考核表仍显示旧目标 {old}；计分使用新目标 {new}。"
    "如需让评价人看到新目标，请重新生成表格",
    "{forms} form(s) already generated for {employee} still show the old target {old}; scores "
    "use the new target {new}. Regenerate the forms for raters to see it",
)
AFTER_CYCLE = problem_type(
    "target-change-after-cycle",
    "warning",
    "考核周期结束后调整目标",
    "Target changed after the cycle ended",
    "考核周期已于 {end} 结束，此时调整 {employee} 的 {kpi} 目标会改变已完成周期的考核标准，请确认",
    "The cycle ended on {end}; changing the target of {employee} {kpi} now changes the standard "
    "of a finished cycle. Make sure this is intended",
)


class TargetChangeRefused(PerfsheetsError):
    """A target change beyond the allowed band without HR's confirmation (nothing recorded)."""

    def __init__(self, message: str, result: TargetChangeResult) -> None:
        super().__init__(message, result.report)
        self.result = result


@dataclass
class TargetChangeResult:
    employee_id: str
    kpi_code: str
    original_target: float | None  # the plan's target (individual, else the role's)
    previous_target: float | None  # in force before this change
    new_target: float
    change: float | None  # relative to the original target: 0.2 = +20%
    band: float  # allowed relative change
    beyond_band: bool
    confirmed: bool  # HR confirmed a change beyond the band
    applied: bool
    change_id: int | None = None
    report: Report = field(default_factory=Report)


def adjust_target(
    workspace: str | Path,
    *,
    employee: str,
    item: str,
    target: float,
    reason: str,
    approved_by: str,
    confirm: bool = False,
    plan: Plan | None = None,
) -> TargetChangeResult:
    """Record an approved change of one employee's KPI target.

    A change beyond the plan's band around the original target (or of a KPI with no target in
    the plan) without ``confirm`` is refused: it is written to the audit log as
    ``target.refused`` and :class:`TargetChangeRefused` is raised, carrying the result and a
    report with the reason. Raises :class:`PerfsheetsError` for an unknown employee or KPI, a
    KPI whose rule uses no target, an unusable target, or a missing reason or approver.
    A target equal to the one in force records nothing (``applied=False``, a warning).
    """
    ws = Workspace(Path(workspace))
    plan = workspace_plan(ws.root, plan)
    person, kpi = _resolve(plan, employee, item)
    reason, approved_by = _required(reason, "reason"), _required(approved_by, "approved_by")
    target = _valid_target(kpi, target)
    original = plan_target(plan, employee, kpi)
    band = plan.cycle.target_change_band
    change = None if not original else (target - original) / abs(original)
    with ws.ledger() as conn:
        previous = _target_in_force(conn, employee, kpi.code, original)
        result = TargetChangeResult(
            employee_id=employee,
            kpi_code=kpi.code,
            original_target=original,
            previous_target=previous,
            new_target=target,
            change=change,
            band=band,
            beyond_band=change is None or abs(change) > band + 1e-9,
            confirmed=confirm,
            applied=False,
        )
        params = _params(person, kpi, result)
        if previous is not None and math.isclose(previous, target):
            result.report.add(UNCHANGED(**params))
        elif result.beyond_band and not confirm:
            result.report.add((NO_ORIGINAL if change is None else BEYOND_BAND)(**params))
            subject = f"{employee}/{kpi.code}"
            audit(
                conn,
                "target.refused",
                subject,
                reason=reason,
                approved_by=approved_by,
                **_detail(result),
            )
        else:
            result.change_id = _record(conn, result, reason, approved_by)
            result.applied = True
            _notes(conn, plan, result, params)
    if result.report.errors:  # raised after the ledger committed the refusal's audit entry
        raise TargetChangeRefused(result.report.errors[0].message(plan.lang), result)
    return result


def _target_in_force(
    conn: sqlite3.Connection, employee: str, kpi: str, original: float | None
) -> float | None:
    changed = target_in_force(conn, employee, kpi)
    return original if changed is None else changed


def _record(conn: sqlite3.Connection, r: TargetChangeResult, reason: str, approved_by: str) -> int:
    change_id = record_target_change(
        conn, r.employee_id, r.kpi_code, r.previous_target, r.new_target, reason, approved_by
    )
    audit(
        conn,
        "target.change",
        f"{r.employee_id}/{r.kpi_code}",
        reason=reason,
        approved_by=approved_by,
        change_id=change_id,
        **_detail(r),
    )
    return change_id


def _detail(r: TargetChangeResult) -> dict[str, object]:
    return {
        "original_target": r.original_target,
        "old_target": r.previous_target,
        "new_target": r.new_target,
        "change": None if r.change is None else round(r.change, 4),
        "band": r.band,
        "beyond_band": r.beyond_band,
        "confirmed_by_hr": r.confirmed and r.beyond_band,
    }


def _notes(conn: sqlite3.Connection, plan: Plan, r: TargetChangeResult, params: dict) -> None:
    """Warnings that do not stop the change but that HR should act on."""
    forms = forms_rating(conn, r.employee_id)
    if forms:
        r.report.add(FORMS_SENT(forms=forms, **params))
    if now()[:10] > plan.cycle.end.isoformat():
        r.report.add(AFTER_CYCLE(end=plan.cycle.end.isoformat(), **params))


def _params(person: Employee, kpi: Kpi, r: TargetChangeResult) -> dict[str, str]:
    return {
        "employee": f"{person.name}（{person.id}）",
        "kpi": f"{kpi.code} {kpi.name}",
        "original": _num(r.original_target),
        "old": _num(r.previous_target),
        "new": _num(r.new_target),
        "change": "-" if r.change is None else f"{r.change:+.1%}",
        "band": f"{r.band:.0%}",
    }


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


# --- checks -----------------------------------------------------------------------------------


def _resolve(plan: Plan, employee: str, item: str) -> tuple[Employee, Kpi]:
    person = plan.employee_map().get(employee)
    if person is None:
        raise PerfsheetsError(f"employee {employee!r} is not in the plan's roster")
    role = plan.role_map().get(person.role)
    if role is None:
        raise PerfsheetsError(f"employee {employee!r} has role {person.role!r}, not in the plan")
    kpi = role.kpi(item)
    if kpi is None:
        if any(t.code == item for t in role.tasks):
            raise PerfsheetsError(f"{item!r} is a key task of role {role.id!r}: it has no target")
        codes = ", ".join(k.code for k in role.kpis) or "none"
        raise PerfsheetsError(
            f"role {role.id!r} of employee {employee!r} has no KPI {item!r} (its KPIs: {codes})"
        )
    if not _uses_target(kpi):
        raise PerfsheetsError(
            f"KPI {kpi.code!r} is scored by the {kpi.rule.type!r} rule, which uses no target"
        )
    return person, kpi


def _uses_target(kpi: Kpi) -> bool:
    rule = kpi.rule
    return isinstance(rule, LinearRule | PassFailRule) or (
        isinstance(rule, BandsRule) and rule.on == "ratio"
    )


def _valid_target(kpi: Kpi, target: float) -> float:
    try:
        value = float(target)
    except (TypeError, ValueError):
        raise PerfsheetsError(f"target {target!r} is not a number") from None
    if not math.isfinite(value):
        raise PerfsheetsError(f"target {target!r} is not a finite number")
    if value <= 0 and not isinstance(kpi.rule, PassFailRule):
        raise PerfsheetsError(f"KPI {kpi.code!r} needs a target above 0 (completion = ratio)")
    return value


def _required(text: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise PerfsheetsError(f"a target change needs {what.replace('_', ' ')}")
    return text


# --- reading ----------------------------------------------------------------------------------


def plan_target(plan: Plan, employee: str, kpi: Kpi) -> float | None:
    """The target the plan sets for this employee: the individual one, else the role's."""
    individual = plan.target_map().get((employee, kpi.code))
    return individual.target if individual is not None else kpi.target
