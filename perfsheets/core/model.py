"""The appraisal plan as typed, immutable data.

Everything else in perfsheets reads a :class:`Plan`. The model checks the *shape* of a plan
(types, required fields, allowed values); the cross-field rules HR can get wrong (weights that do
not sum to 100, unknown managers, cycles in reporting lines ...) are checked by
:func:`perfsheets.plan.validate.validate_plan`, which reports every problem at once with its location
instead of stopping at the first.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator

from perfsheets.core.base import Lang, Model, Named
from perfsheets.core.rules import LinearRule, ScoringRule, Veto

RaterTypeId = Literal["self", "manager", "peer", "subordinate", "customer"]
SectionKind = Literal["kpi", "task", "competency"]
Period = Literal["month", "quarter", "half-year", "year"]
Direction = Literal["higher", "lower"]
ActualSource = Literal["rater", "import"]
# What a KPI measures, for pacing mid-period (perfsheets.core.pacing): a total that accrues, a
# rate or average, a level at a point in time, a lower-is-better allowance, incidents deducted.
Pace = Literal["cumulative", "average", "point", "allowance", "deduction"]

RATER_TYPE_ORDER: tuple[RaterTypeId, ...] = ("self", "manager", "peer", "subordinate", "customer")
# Rater types whose ratings are pooled anonymously: at least this many raters by default.
GROUP_MIN_COUNT = 3
SECTION_ORDER: tuple[SectionKind, ...] = ("kpi", "task", "competency")


# English for the units Chinese plans use most; a KPI's own ``unit_en`` wins. A count of items
# (个) reads best without a unit in English.
UNITS_EN: dict[str, str] = {
    "万元": "10k CNY",
    "元": "CNY",
    "亿元": "100M CNY",
    "家": "accounts",
    "分": "pts",
    "个": "",
    "次": "times",
    "人": "people",
    "件": "items",
    "项": "items",
    "天": "days",
    "小时": "hours",
    "%": "%",
    "％": "%",
}


def unit_en(unit: str) -> str:
    """A unit in English: the known ones translated, others kept as typed."""
    return UNITS_EN.get(unit.strip(), unit)


# --- scales ---------------------------------------------------------------------------------


class ScaleLevel(Named):
    value: int
    points: float = Field(ge=0)
    anchor: str = ""
    anchor_en: str | None = None

    def anchor_text(self, lang: Lang = "zh-CN") -> str:
        return self.anchor_en if lang == "en" and self.anchor_en else self.anchor


class Scale(Named):
    id: str
    levels: list[ScaleLevel] = Field(min_length=2)

    def level(self, value: int) -> ScaleLevel | None:
        return next((lv for lv in self.levels if lv.value == value), None)

    @property
    def values(self) -> list[int]:
        return [lv.value for lv in self.levels]


# --- rater types ------------------------------------------------------------------------------


class RaterType(Named):
    id: RaterTypeId
    weight: float = Field(ge=0, le=100)
    min_count: int = Field(default=1, ge=1)
    required: bool = False
    anonymous: bool = False
    sections: list[SectionKind] = Field(default_factory=lambda: list[SectionKind](["competency"]))

    @model_validator(mode="before")
    @classmethod
    def _group_min_count(cls, data: object) -> object:
        """Self and manager default to one rater; peers, subordinates, customers to three."""
        group = ("peer", "subordinate", "customer")
        if isinstance(data, dict) and "min_count" not in data and data.get("id") in group:
            data = {**data, "min_count": GROUP_MIN_COUNT}
        return data


# --- role content -----------------------------------------------------------------------------


class Kpi(Named):
    code: str
    definition: str = ""
    definition_en: str | None = None
    formula: str = ""
    formula_en: str | None = None
    unit: str = ""
    unit_en: str | None = None  # English reports and forms; common units have a fallback
    baseline: float | None = None
    target: float | None = None
    weight: float = Field(gt=0, le=100)
    direction: Direction = "higher"
    rule: ScoringRule = Field(default_factory=LinearRule)
    source: ActualSource = "rater"
    min_value: float | None = None  # sensible bounds for the actual (form validation)
    max_value: float | None = None
    goal: str | None = None  # id of the department/company goal it serves (cascade)
    pace: Pace | None = None  # None: from the unit and rule (perfsheets.core.pacing)
    veto: Veto | None = None  # 一票否决: failing it sets the grade

    def definition_text(self, lang: Lang = "zh-CN") -> str:
        return self.definition_en if lang == "en" and self.definition_en else self.definition

    def formula_text(self, lang: Lang = "zh-CN") -> str:
        return self.formula_en if lang == "en" and self.formula_en else self.formula

    def unit_text(self, lang: Lang = "zh-CN") -> str:
        if lang != "en":
            return self.unit
        return self.unit_en if self.unit_en is not None else unit_en(self.unit)


class Adjustment(Named):
    """加分项 / 减分项: points outside the 100, ``points_per_unit`` for every unit counted
    (positive: a bonus, e.g. +2 per patent; negative: a penalty, e.g. -5 per escalated
    complaint). An item's points are at most ``cap`` in size; the role's ``bonus_cap`` and
    ``penalty_cap`` limit the sums. The count is a whole number: typed by the manager on the
    form (``source: rater``; blank means none) or imported by HR like a KPI actual."""

    code: str
    definition: str = ""  # what counts, e.g. 授权发明专利
    definition_en: str | None = None
    unit: str = "项"
    unit_en: str | None = None
    points_per_unit: float
    cap: float | None = Field(default=None, gt=0)  # most points (in size) from this item
    source: ActualSource = "rater"

    @property
    def is_bonus(self) -> bool:
        return self.points_per_unit > 0

    def definition_text(self, lang: Lang = "zh-CN") -> str:
        return self.definition_en if lang == "en" and self.definition_en else self.definition

    def unit_text(self, lang: Lang = "zh-CN") -> str:
        if lang != "en":
            return self.unit
        return self.unit_en if self.unit_en is not None else unit_en(self.unit)


class KeyTask(Named):
    code: str
    standard: str = ""
    standard_en: str | None = None
    deadline: dt.date | None = None
    weight: float = Field(gt=0, le=100)
    scale: str = "five"
    goal: str | None = None

    def standard_text(self, lang: Lang = "zh-CN") -> str:
        return self.standard_en if lang == "en" and self.standard_en else self.standard


class Competency(Named):
    """A competency/behaviour item in the plan's library; roles pick items and weigh them."""

    code: str
    description: str = ""
    description_en: str | None = None
    scale: str = "five"
    anchors: list[str] = Field(default_factory=list)  # one per scale level, best last
    anchors_en: list[str] = Field(default_factory=list)


class CompetencyRef(Model):
    code: str
    weight: float = Field(gt=0, le=100)


class SectionWeights(Model):
    kpi: float = Field(default=0, ge=0, le=100)
    task: float = Field(default=0, ge=0, le=100)
    competency: float = Field(default=0, ge=0, le=100)

    def of(self, kind: SectionKind) -> float:
        return getattr(self, kind)


class Role(Named):
    id: str
    weights: SectionWeights
    kpis: list[Kpi] = Field(default_factory=list)
    tasks: list[KeyTask] = Field(default_factory=list)
    competencies: list[CompetencyRef] = Field(default_factory=list)
    development_goals: list[str] = Field(default_factory=list)
    development_goals_en: list[str] = Field(default_factory=list)

    def development_goals_text(self, lang: Lang = "zh-CN") -> list[str]:
        """The role's development goals in ``lang`` (the Chinese ones where no English is given)."""
        if lang == "en" and self.development_goals_en:
            return list(self.development_goals_en)
        return list(self.development_goals)

    rater_weights: dict[RaterTypeId, float] = Field(default_factory=dict)  # per-role override
    # 加减分项 outside the 100: the total is the weighted score plus the bonus (at most
    # ``bonus_cap``) less the penalty (at most ``penalty_cap``), never below 0; it may exceed 100.
    adjustments: list[Adjustment] = Field(default_factory=list)
    bonus_cap: float | None = Field(default=None, ge=0)  # most bonus points in all
    penalty_cap: float | None = Field(default=None, ge=0)  # most penalty points in all

    def kpi(self, code: str) -> Kpi | None:
        return next((k for k in self.kpis if k.code == code), None)

    def sections(self) -> list[SectionKind]:
        """The sections this role is appraised on (weight > 0), in form order."""
        return [s for s in ("kpi", "task", "competency") if self.weights.of(s) > 0]


# --- grades -----------------------------------------------------------------------------------


class Grade(Named):
    code: str
    min_score: float  # inclusive lower threshold
    coefficient: float = 1.0  # 绩效系数 (bonus coefficient)
    consequence: str = ""
    consequence_en: str | None = None
    quota: float | None = Field(default=None, ge=0, le=1)  # share under forced distribution
    # What the share means: "max" at most (the usual: S <= 10%), "min" at least, "exact" exactly.
    # Unset: "max", except that a plan whose every grade has a share, together 100%, and that
    # says nothing else is an exact distribution (强制分布), as plans written before kinds read.
    quota_kind: Literal["max", "min", "exact"] | None = None

    def consequence_text(self, lang: Lang = "zh-CN") -> str:
        return self.consequence_en if lang == "en" and self.consequence_en else self.consequence


class MinimumShare(Model):
    grades: list[str] = Field(min_length=1)  # grade codes, e.g. [C, D]
    share: float = Field(gt=0, le=1)


class ForcedDistribution(Model):
    enabled: bool = False
    group_by: Literal["department", "role", "all"] = "department"
    min_group_size: int = Field(default=10, ge=1)
    # Ties at a quota boundary: keep everyone with the same score in the better grade
    # ("favour_employee") or break ties by employee id ("employee_id").
    tie_rule: Literal["favour_employee", "employee_id"] = "favour_employee"
    # Minimum shares of several grades together, e.g. C + D at least 5% (末位 rules).
    minimum_shares: list[MinimumShare] = Field(default_factory=list)


class CalibrationOptions(Model):
    # May the calibration committee leave a group outside its quotas (then listed as such)?
    allow_quota_breach: bool = False
    # Besides the whole company's workbook, one per calibration group (a quota group, or the
    # department when there are no quotas): for the meetings each department head holds.
    group_books: bool = False


class Grading(Model):
    levels: list[Grade] = Field(min_length=1)  # best first
    forced_distribution: ForcedDistribution = Field(default_factory=ForcedDistribution)
    calibration: CalibrationOptions = Field(default_factory=CalibrationOptions)
    promotion_after: int = Field(default=2, ge=1)  # top grade this many cycles running


# --- aggregation and roll-up ------------------------------------------------------------------


class Aggregation(Model):
    trim_min_count: int = Field(default=5, ge=3)  # drop highest and lowest from this many raters
    kpi_actual_priority: list[RaterTypeId] = Field(
        default_factory=lambda: list[RaterTypeId](
            ["manager", "self", "peer", "subordinate", "customer"]
        )
    )
    calibration: Literal["none", "zscore"] = "none"
    calibration_min_ratees: int = Field(default=3, ge=2)
    decimals: int = Field(default=2, ge=0, le=4)
    leniency_flag: float = Field(default=0.75, gt=0)  # |rater mean - peers' mean| in scale points
    disagreement_flag: float = Field(default=1.0, gt=0)  # std dev of ratings in scale points
    blind_spot_gap: float = Field(default=1.0, gt=0)  # self minus others, in scale points
    # A person is flagged (blind spot / hidden strength) only with at least this many such
    # items: one item off by a point is noise, a pattern is worth an interview question.
    blind_spot_min_items: int = Field(default=3, ge=1)
    # 无法评价: a rater who has not seen the behaviour may say so instead of guessing; the item
    # is then scored from the others (weights renormalised), never counted as a low rating.
    allow_na: bool = False
    # A rater answering more than this share of one person's rated items with N/A is pointed
    # out (a warning): declining to rate everyone is not the same as rating.
    na_warn_share: float = Field(default=0.5, gt=0, le=1)


class RollupPart(Model):
    period: Period
    weight: float = Field(gt=0, le=100)


class Rollup(Model):
    roles: list[str] = Field(default_factory=list)  # empty: every role
    parts: list[RollupPart] = Field(min_length=1)


# --- goal cascade -----------------------------------------------------------------------------


class Goal(Named):
    id: str
    level: Literal["company", "department"] = "company"
    parent: str | None = None
    department: str | None = None
    owner: str | None = None  # employee id


# --- roster -----------------------------------------------------------------------------------


class Employee(Model):
    id: str
    name: str
    department: str
    role: str
    manager: str | None = None
    email: str = ""
    is_active: bool = True  # False: has left (no forms, rates nobody)
    hire_date: dt.date | None = None
    leave_date: dt.date | None = None  # leaves (or left) on this day
    probation_end: dt.date | None = None  # 试用期 ends on this day
    on_leave: bool = False  # on long leave during the cycle (休假/停薪留职)


class Eligibility(Model):
    """Who is assessed this cycle (perfsheets.core.eligibility): people not assessed get no
    forms about them (they may still rate others) and are listed with the reason."""

    probation: Literal["exclude", "include"] = "exclude"  # still in probation at the period end
    on_leave: Literal["exclude", "include"] = "exclude"
    min_months: int = Field(default=0, ge=0, le=12)  # months employed within the period
    # How a part of the period counts for those assessed: pro-rata of the bonus, or as a whole.
    partial_period: Literal["pro_rata", "full"] = "pro_rata"


class ExternalRater(Model):
    """Someone outside the roster who rates (e.g. a customer contact)."""

    id: str
    name: str
    email: str = ""
    organisation: str = ""


class Relation(Model):
    rater: str
    ratee: str
    type: RaterTypeId


class PeerRule(Model):
    count: int = Field(default=3, ge=0)
    scope: Literal["department", "role"] = "department"
    seed: int = 0


class IndividualTarget(Model):
    employee: str
    kpi: str
    target: float
    baseline: float | None = None


class Roster(Model):
    employees: list[Employee] = Field(default_factory=list)
    external_raters: list[ExternalRater] = Field(default_factory=list)
    relations: list[Relation] = Field(default_factory=list)
    peers: PeerRule = Field(default_factory=PeerRule)
    targets: list[IndividualTarget] = Field(default_factory=list)


# --- pay and consequences (结果应用) ---------------------------------------------------------

# What a payroll import file's column can hold (see perfsheets.pay).
PayField = Literal[
    "employee_id",
    "name",
    "department",
    "role",
    "grade",
    "base",
    "months",
    "coefficient",
    "share",
    "bonus",
]
PAY_FIELDS: tuple[PayField, ...] = (
    "employee_id",
    "name",
    "department",
    "role",
    "grade",
    "base",
    "months",
    "coefficient",
    "share",
    "bonus",
)


class BonusPool(Model):
    """The bonus budget of a department ("*": the whole company)."""

    department: str
    amount: float = Field(ge=0)


class PayColumn(Model):
    """One column of the payroll import file: what it holds and its header (the payroll
    system's template)."""

    field: PayField
    header: str = Field(min_length=1)


class PayOptions(Model):
    """How bonuses are computed: base × bonus_months × the grade's coefficient × pro-rata share."""

    bonus_months: float = Field(default=1.0, ge=0)
    # Part-period employees: "months" (months_employed / period_months) or "days"
    # (days_employed / the cycle's days) from the salaries file; "none" pays everyone in full.
    pro_rata: Literal["none", "months", "days"] = "none"
    period_months: float | None = Field(default=None, gt=0)  # unset: from cycle.period
    pools: list[BonusPool] = Field(default_factory=list)
    columns: list[PayColumn] = Field(default_factory=list)  # empty: the default mapping


class ConsequenceOptions(Model):
    """Who goes on which list HR hands on (the grades' own ``consequence`` text says what
    happens; these say to whom)."""

    pip_grades: list[str] | None = None  # 绩效改进计划; unset: the lowest grade
    honour_grades: list[str] | None = None  # 优秀员工; unset: the top grade
    # Promotion candidates: the "promotion_candidate" flag (top grade ``promotion_after``
    # cycles running) and anyone with one of these grades this cycle.
    promotion_grades: list[str] = Field(default_factory=list)
    training_threshold: float = Field(default=60, ge=0)  # points below which a need is counted
    training_top: int = Field(default=3, ge=1)  # lowest-scoring competencies listed


class PipOptions(Model):
    """Performance improvement plans (绩效改进计划) for the grades ``consequences.pip_grades``
    names: how long one runs and how many dated checkpoints it has (the last on its end date)."""

    checkpoints: int = Field(default=3, ge=1, le=12)
    length_days: int = Field(default=90, ge=7, le=730)


# --- the plan ---------------------------------------------------------------------------------


class Company(Model):
    name: str = ""
    name_en: str | None = None
    logo: str | None = None  # path relative to the plan file; PNG or SVG


class ReportOptions(Model):
    """What reports and forms say beyond the scores."""

    # Employees' reports say when the forced distribution moved their grade (HR's outputs and
    # managers' overviews always do); False shows the final grade alone.
    show_quota_move: bool = True
    # Who external raters (customers) return their forms to, e.g. "销售部 王芳 138…".
    contact: str = ""
    contact_en: str | None = None

    def contact_text(self, lang: Lang = "zh-CN") -> str:
        return self.contact_en if lang == "en" and self.contact_en else self.contact


class MailOptions(Model):
    """What ``perfsheets send --reports`` sends beyond the managers' packs."""

    # Each employee their own report too (not only their manager's pack).
    reports_to_employees: bool = False
    # Every PDF encrypted (AES-256) with a password of its own, sent in a second message.
    encrypt_reports: bool = False


class Cycle(Named):
    id: str
    period: Period
    start: dt.date
    end: dt.date
    due: dt.date
    language: Lang = "zh-CN"
    form_password: str | None = None
    target_change_band: float = Field(default=0.15, ge=0)  # allowed relative target change
    # Interview records (面谈记录) confirmed by both after this day are overdue (超期).
    confirmation_deadline: dt.date | None = None


class Plan(Model):
    schema_version: int = 1
    company: Company = Field(default_factory=Company)
    cycle: Cycle
    scales: list[Scale]
    rater_types: list[RaterType]
    competencies: list[Competency] = Field(default_factory=list)
    roles: list[Role]
    grading: Grading
    aggregation: Aggregation = Field(default_factory=Aggregation)
    rollup: list[Rollup] = Field(default_factory=list)
    eligibility: Eligibility = Field(default_factory=Eligibility)
    goals: list[Goal] = Field(default_factory=list)
    roster: Roster = Field(default_factory=Roster)
    report: ReportOptions = Field(default_factory=ReportOptions)
    pay: PayOptions = Field(default_factory=PayOptions)
    consequences: ConsequenceOptions = Field(default_factory=ConsequenceOptions)
    pip: PipOptions = Field(default_factory=PipOptions)
    mail: MailOptions = Field(default_factory=MailOptions)

    # Look-ups. Plans are frozen, so these maps are cheap to build on demand and callers in hot
    # loops keep the returned dict.
    def role_map(self) -> dict[str, Role]:
        return {r.id: r for r in self.roles}

    def scale_map(self) -> dict[str, Scale]:
        return {s.id: s for s in self.scales}

    def competency_map(self) -> dict[str, Competency]:
        return {c.code: c for c in self.competencies}

    def rater_type_map(self) -> dict[RaterTypeId, RaterType]:
        return {t.id: t for t in self.rater_types}

    def employee_map(self) -> dict[str, Employee]:
        return {e.id: e for e in self.roster.employees}

    def departments(self) -> list[str]:
        """Departments in the plan's order: as they first appear in the roster."""
        return list(dict.fromkeys(e.department for e in self.roster.employees))

    def target_map(self) -> dict[tuple[str, str], IndividualTarget]:
        return {(t.employee, t.kpi): t for t in self.roster.targets}

    def rater_weights(self, role: Role) -> dict[RaterTypeId, float]:
        """Rater-type weights for a role: the plan's defaults with the role's overrides."""
        weights = {t.id: t.weight for t in self.rater_types}
        weights.update(role.rater_weights)
        return weights

    @property
    def lang(self) -> Lang:
        return self.cycle.language
