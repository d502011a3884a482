"""The small plan as the pay tests use it (import from here, not from conftest).

The seven people and their final grades (coefficients S 1.5, A 1.2, B 1.0, C 0.8):
E001 S, E002 S, E003 A, E004 A, E005 C (销售部); E006 B, E007 C (行政部). E006 joined on
2026-11-16 and E007 left on 2026-12-01 (last day 30 November) in the quarter 1 Oct – 31 Dec
2026 (92 days). E005 is called "+1" and E007 '=HYPERLINK(...)': their names must come out as
text.
"""

from __future__ import annotations

import datetime as dt

from plan_support import make_small_plan

from perfsheets.core.model import Plan, Roster

EVIL = '=HYPERLINK("http://x","点我")'
GRADES = {"E001": "S", "E002": "S", "E003": "A", "E004": "A", "E005": "C", "E006": "B", "E007": "C"}
LEVELS = {"E001": 5, "E002": 5, "E003": 4, "E004": 4, "E005": 3, "E006": 3, "E007": 2}


def pay_plan() -> Plan:
    """The small plan with hire and leave dates and two formula-like names."""
    plan = make_small_plan()
    changes = {
        "E005": {"name": "+1"},
        "E006": {"hire_date": dt.date(2026, 11, 16)},
        "E007": {"name": EVIL, "leave_date": dt.date(2026, 12, 1)},
    }
    people = [e.model_copy(update=changes.get(e.id, {})) for e in plan.roster.employees]
    return plan.model_copy(update={"roster": Roster(employees=people)})


def with_pay(plan: Plan, **pay: object) -> Plan:
    """``plan`` with these pay options (validated like a plan file)."""
    data = plan.model_dump()
    data["pay"] = {**data["pay"], **pay}
    return Plan.model_validate(data)
