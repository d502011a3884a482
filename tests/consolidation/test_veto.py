"""一票否决: a failed veto KPI sets the grade whatever the score; it is said in the form and the
report, and it takes no part in forced distribution."""

from __future__ import annotations

import pytest
from ledger_builder import LedgerBuilder
from test_consolidate import rate_e002

from perfsheets.consolidation.run import consolidate
from perfsheets.core.model import Kpi
from perfsheets.core.rules import Veto
from perfsheets.core.scoring import veto_fails
from perfsheets.forms.template import criteria_text
from perfsheets.plan.validate import validate_plan


def with_veto(plan, code: str, veto: Veto):
    sales = plan.roles[0]
    kpis = [k.model_copy(update={"veto": veto}) if k.code == code else k for k in sales.kpis]
    return plan.model_copy(
        update={"roles": [sales.model_copy(update={"kpis": kpis}), *plan.roles[1:]]}
    )


def test_a_failed_veto_sets_the_grade_and_keeps_the_scores(tmp_path, small_plan):
    # E002's hand-worked case (test_hand_worked_total): 93.34, an A — with one incident on S03
    # (a deduction KPI, 10 points off) that now carries a veto to D.
    plan = with_veto(small_plan, "S03", Veto(grade="D"))
    lb = LedgerBuilder(tmp_path / "ws", plan)
    rate_e002(lb)
    r = next(x for x in consolidate(lb.root, previous=[]).results if x.employee_id == "E002")
    assert r.total_score == 93.34  # the score is what it is
    assert (r.grade, r.grade_by_score, r.vetoed_by, r.coefficient) == ("D", "A", ["S03"], 0)
    assert "vetoed" in r.flags
    scores = (lb.root / "results" / "scores.csv").read_text("utf-8-sig").splitlines()
    row = next(line for line in scores if line.startswith("E002,"))
    assert ",D," in row and "vetoed" in row


def test_no_incident_no_veto(tmp_path, small_plan):
    plan = with_veto(small_plan, "S03", Veto(grade="D", at=2))  # two incidents or more
    lb = LedgerBuilder(tmp_path / "ws", plan)
    rate_e002(lb)  # one incident
    r = next(x for x in consolidate(lb.root, previous=[]).results if x.employee_id == "E002")
    assert (r.grade, r.grade_by_score, r.vetoed_by) == ("A", None, [])


@pytest.mark.parametrize(
    ("kpi", "actual", "target", "fails"),
    [
        (
            Kpi(code="X", name="事故", weight=1, direction="lower", veto=Veto(grade="D")),
            0,
            None,
            False,
        ),
        (
            Kpi(code="X", name="事故", weight=1, direction="lower", veto=Veto(grade="D")),
            1,
            None,
            True,
        ),
        (
            Kpi(code="X", name="事故", weight=1, direction="lower", veto=Veto(grade="D", at=3)),
            2,
            None,
            False,
        ),
        (Kpi(code="X", name="合规率", weight=1, veto=Veto(grade="C")), 94.9, 95, True),
        (Kpi(code="X", name="合规率", weight=1, veto=Veto(grade="C")), 95, 95, False),
        (Kpi(code="X", name="合规率", weight=1, veto=Veto(grade="C", at=80)), 85, 95, False),
        (Kpi(code="X", name="无", weight=1), 5, 1, False),
        (Kpi(code="X", name="事故", weight=1, veto=Veto(grade="D")), None, 1, False),
    ],
)
def test_when_a_veto_fails(kpi, actual, target, fails):
    assert veto_fails(kpi, actual, target) is fails


def test_the_form_states_the_veto(small_plan):
    s03 = with_veto(small_plan, "S03", Veto(grade="D")).roles[0].kpis[2]
    assert criteria_text(s03, "zh-CN").endswith(
        "一票否决：实际值达到 1 次及以上，绩效等级直接定为 D（不论得分）"
    )
    assert criteria_text(s03, "en").endswith(
        "Veto: at 1 incident(s) or more, the grade is D whatever the score"
    )


def test_an_unknown_veto_grade_is_a_plan_error(small_plan):
    report = validate_plan(with_veto(small_plan, "S03", Veto(grade="Z")))
    [problem] = [p for p in report if p.code == "unknown-grade"]
    assert problem.cell == "roles[0].kpis[2].veto.grade"
    assert problem.message("zh-CN") == (
        "指标 S03 的一票否决中的等级“Z”未在方案的等级中定义（已定义：S, A, B, C, D）"
    )
