"""What consolidation produces and reports read: each employee's result with every figure kept.

:mod:`perfsheets.consolidation.run` writes these into the ledger (``results.detail_json``);
:mod:`perfsheets.report.render` reads them back. Anonymity is already applied here: a rater group
smaller than the plan's minimum count has ``shown=False`` and no comments, so nothing downstream
can reveal it.

Presentation is not stored: the ledger keeps codes and numbers (item codes and keys, the role id,
grade codes, rater types, flags), never the words the plan gives them. The fields marked *shown*
below (the person's and the manager's names, item names and units, the role's name and
development goals, the grade's consequence) are empty as stored (:func:`stored_json`), and strengths and development areas are item keys;
:class:`perfsheets.core.naming.Namer` fills in the words from the plan version frozen with the
run, in the language of the output being written. Results stored before this rule carry their
names: they still read, and the namer replaces the names it can resolve. The department is kept:
it is the roster's grouping key (quota groups, department figures), not a label. A trend point
keeps the earlier cycle's name, which only that cycle's own plan knows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from perfsheets.core.model import Period, RaterTypeId, SectionKind
from perfsheets.core.scoring import exact

if TYPE_CHECKING:
    from pydantic.main import IncEx


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class KpiResult(Record):
    code: str
    name: str = ""  # shown
    unit: str = ""  # shown
    weight: float
    target: float | None = None
    original_target: float | None = None  # set when the target was changed during the cycle
    baseline: float | None = None
    actual: float | None = None
    actual_source: str | None = None  # 'import' or the rater type whose entry counted
    completion: float | None = None  # ratio (1.0 = 100%) or change rate
    score: float | None = None
    weighted: float | None = None  # score * weight / section weight total


class AdjustmentResult(Record):
    """One 加减分项 of a person: the count, its points and the points counted (item cap)."""

    code: str
    name: str = ""  # shown
    unit: str = ""  # shown
    points_per_unit: float
    cap: float | None = None
    count: float = 0  # none entered counts as 0
    count_source: str | None = None  # 'import' or the rater type whose entry counted
    points: float = 0  # count × points per unit, rounded
    counted: float = 0  # after the item's cap (same sign)

    @property
    def capped(self) -> bool:
        return self.counted != self.points


class TypeScore(Record):
    """One rater type's view of a rated item."""

    count: int
    mean_rating: float | None = None  # on the scale's values (e.g. 1..5)
    points: float | None = None  # mapped to points (0..100), trimmed mean
    shown: bool = True  # False when the group is below the anonymity minimum


class RatedItemResult(Record):
    code: str
    name: str = ""  # shown
    weight: float
    by_type: dict[RaterTypeId, TypeScore] = Field(default_factory=dict)
    score: float | None = None  # combined over rater types (renormalised)
    weighted: float | None = None
    spread: float | None = None  # population std dev of counted ratings but self's (scale)
    high_disagreement: bool = False
    # Raters who answered 无法评价 / N/A. An item every rater answered so is left out of its
    # section, the other items' weights renormalised (``weighted`` shows the share used).
    not_rated: int = 0
    left_out: bool = False


class Gap(Record):
    code: str  # of the task or competency
    name: str = ""  # shown
    self_rating: float
    others_rating: float
    gap: float  # self minus others, on the scale
    kind: str | None = None  # 'blind_spot' | 'hidden_strength' | None


class Comment(Record):
    field: str  # strengths | improvements | summary | development
    text: str
    author: str | None = None  # only for self and manager


class CommentGroup(Record):
    rater_type: RaterTypeId
    comments: list[Comment] = Field(default_factory=list)


class TargetChange(Record):
    kpi_code: str
    old_target: float | None
    new_target: float
    reason: str
    approved_by: str
    changed_at: str


class Appeal(Record):
    appeal_id: int
    status: str
    reason: str
    outcome: str | None = None
    note: str | None = None
    decided_at: str | None = None


class TrendPoint(Record):
    cycle_id: str
    cycle_name: str
    total_score: float | None
    grade: str | None
    # The cycle's period kind: a trend compares like with like (monthly scores with monthly
    # ones, not with the annual result). None in results stored before it was kept.
    period: Period | None = None


class PreviousPip(Record):
    """The performance improvement plan (绩效改进计划) an earlier cycle gave this person, and how
    it stands (:func:`perfsheets.core.pip.pip_state` on the day of the consolidation)."""

    cycle_id: str
    cycle_name: str
    cycle_name_en: str = ""  # the earlier plan's English name of its cycle, if it gave one
    grade: str  # the grade that led to it
    start: str
    end: str
    state: str  # open / completed / failed / overdue
    checkpoints: int
    recorded: int  # checkpoints with a result


class CalibrationStep(Record):
    """One decision of the calibration committee (or an upheld appeal) about a person."""

    from_grade: str | None  # the consolidated grade it changed
    to_grade: str | None  # the committee's grade (None: potential only)
    potential: str | None = None  # high | medium | low
    reason: str = ""
    decided_by: str = ""
    decided_at: str = ""
    in_force: bool = True  # False: superseded by a later decision file
    quota_breach: str = ""  # the quota this decision exceeds, as the plan allows
    appeal_id: int | None = None  # set when an upheld appeal made this decision


class EmployeeResult(Record):
    employee_id: str
    name: str = ""  # shown: the person's name in the roster of the frozen plan
    department: str
    role: str  # role id
    role_name: str = ""  # shown
    manager_id: str | None = None
    manager_name: str | None = None  # shown
    complete: bool
    missing_types: list[RaterTypeId] = Field(default_factory=list)
    section_scores: dict[SectionKind, float | None] = Field(default_factory=dict)
    section_weights: dict[SectionKind, float] = Field(default_factory=dict)
    total_score: float | None = None  # the weighted score plus the 加减分 (when the role has any)
    # 加减分项 (outside the 100), set for roles that have any: the weighted score before them,
    # the bonus and the penalty counted (sizes, after the role's caps) and whether a cap cut them.
    adjustments: list[AdjustmentResult] = Field(default_factory=list)
    weighted_score: float | None = None
    bonus_points: float | None = None
    penalty_points: float | None = None
    bonus_capped: bool = False
    penalty_capped: bool = False

    @property
    def adjustment_points(self) -> float | None:
        """The net 加减分 the total includes (None for a role without any)."""
        if self.bonus_points is None or self.penalty_points is None:
            return None
        return float(exact(self.bonus_points) - exact(self.penalty_points))

    grade: str | None = None
    grade_before_quota: str | None = None  # set when forced distribution moved the grade
    vetoed_by: list[str] = Field(default_factory=list)  # KPI codes whose veto set the grade
    grade_by_score: str | None = None  # set when a veto (一票否决) overrode the score's grade
    quota_group: str | None = None  # the group forced distribution ranked this person in
    coefficient: float | None = None
    consequence: str = ""  # shown: what the grade means (the plan's text)
    rank_in_department: int | None = None
    department_size: int | None = None
    percentile: float | None = None  # share of the department at or below this score, 0..1
    kpis: list[KpiResult] = Field(default_factory=list)
    tasks: list[RatedItemResult] = Field(default_factory=list)
    competencies: list[RatedItemResult] = Field(default_factory=list)
    gaps: list[Gap] = Field(default_factory=list)
    # The highest and lowest scored items: as stored, by their keys as the forms name them
    # (kpi:S01, task:T1, competency:C1); when shown, by their names.
    strengths: list[str] = Field(default_factory=list)
    development_areas: list[str] = Field(default_factory=list)
    comments: list[CommentGroup] = Field(default_factory=list)
    development_goals: list[str] = Field(default_factory=list)  # shown: the role's, from the plan
    target_changes: list[TargetChange] = Field(default_factory=list)
    appeals: list[Appeal] = Field(default_factory=list)
    trend: list[TrendPoint] = Field(default_factory=list)
    previous_pip: PreviousPip | None = None  # the latest earlier cycle's PIP of this person
    flags: list[str] = Field(default_factory=list)
    calibration: str = "none"
    # Set when read from the ledger (:func:`perfsheets.ledger.results.stored_results`) from the
    # calibration committee's decisions in force, never stored with the result: ``grade`` is
    # then the final grade, ``consolidated_grade`` the one consolidation gave.
    committee_grade: str | None = None
    consolidated_grade: str | None = None
    potential: str | None = None
    calibration_trail: list[CalibrationStep] = Field(default_factory=list)

    @property
    def quota_grade(self) -> str | None:
        """The grade consolidation gave (after the forced distribution, before the committee)."""
        return self.consolidated_grade if self.committee_grade else self.grade

    @property
    def decision(self) -> CalibrationStep | None:
        """The committee's decision in force for this person, if any."""
        return next((s for s in reversed(self.calibration_trail) if s.in_force), None)


# What :func:`stored_json` leaves out: the words of the plan (see the module docstring).
_ITEM_WORDS: IncEx = {"__all__": {"name"}}
SHOWN_FIELDS: IncEx = {
    "name": True,
    "manager_name": True,
    "role_name": True,
    "consequence": True,
    "development_goals": True,
    "kpis": {"__all__": {"name", "unit"}},
    "adjustments": {"__all__": {"name", "unit"}},
    "tasks": _ITEM_WORDS,
    "competencies": _ITEM_WORDS,
    "gaps": _ITEM_WORDS,
}
# Left out too: the committee's decisions live in their own table (perfsheets.ledger.calibration).
_CALIBRATION_FIELDS: dict[str, bool] = dict.fromkeys(
    ("committee_grade", "consolidated_grade", "potential", "calibration_trail"), True
)
_NOT_STORED: IncEx = {**dict(SHOWN_FIELDS), **_CALIBRATION_FIELDS}  # type: ignore[arg-type]


def stored_json(result: EmployeeResult) -> str:
    """A result as computed (not yet named) as the ledger keeps it: codes and numbers, none of
    the plan's words (their empty fields left out)."""
    return result.model_dump_json(exclude=_NOT_STORED)
