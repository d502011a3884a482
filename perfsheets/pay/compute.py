"""The bonus arithmetic (pure, no I/O): bonus = base × bonus months × the final grade's
coefficient × the pro-rata share, exact (fractions) and rounded half away from zero to 0.01 like
Excel's ROUND, once per person; then each bonus pool's total (the sum of those rounded bonuses)
against its amount.

The pro-rata share: ``eligibility.partial_period`` decides whether a part of the period is
pro-rated (``full``: never), ``pay.pro_rata`` how (``none``: it is not; ``check`` warns when
the two contradict, :func:`perfsheets.core.eligibility.pro_rata_conflict`):
``days``: the days employed within the cycle over its days (start and end included), from the
roster's hire and leave dates (:func:`perfsheets.core.eligibility.period_share`); ``months``: the
whole months employed within the cycle (:func:`~perfsheets.core.eligibility.months_employed`)
over ``pay.period_months`` (default: the cycle's period). A days or months column in the
salaries file, where filled, is taken instead of the roster's (unpaid leave the roster does not
know). At most 1.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

from perfsheets.core.eligibility import months_employed, period_share
from perfsheets.core.model import Employee, Lang, PayField, PayOptions, Plan
from perfsheets.core.periods import MONTHS
from perfsheets.core.problems import Text

# Default payroll columns: field -> (zh, en) header.
DEFAULT_HEADERS: dict[PayField, tuple[str, str]] = {
    "employee_id": ("工号", "Employee id"),
    "name": ("姓名", "Name"),
    "department": ("部门", "Department"),
    "role": ("岗位", "Role"),
    "grade": ("绩效等级", "Grade"),
    "base": ("奖金基数", "Bonus base"),
    "months": ("奖金月数", "Bonus months"),
    "coefficient": ("绩效系数", "Coefficient"),
    "share": ("在职比例", "Pro-rata share"),
    "bonus": ("绩效奖金", "Bonus"),
}
DEFAULT_FIELDS: tuple[PayField, ...] = (
    "employee_id",
    "name",
    "department",
    "grade",
    "base",
    "months",
    "coefficient",
    "share",
    "bonus",
)
CENT = Decimal("0.01")
TEXT_FIELDS = frozenset({"employee_id", "name", "department", "role", "grade"})


@lru_cache(maxsize=1024)
def exact(x: float | Decimal) -> Fraction:
    """A plan number (a float as written: its shortest repr) or a decimal, exactly."""
    return Fraction(Decimal(repr(x)) if isinstance(x, float) else x)


def round_half_up(x: Fraction, places: int = 2) -> Decimal:
    """x rounded half away from zero (Excel's ROUND) to ``places`` decimals: the integer
    floor(|x| × 10^places + 1/2), in integers."""
    num, den = x.numerator, x.denominator
    n = (2 * abs(num) * 10**places + den) // (2 * den)
    return Decimal(-n if num < 0 else n).scaleb(-places)


def columns(options: PayOptions, lang: Lang) -> list[tuple[PayField, str]]:
    """(field, header) of each payroll column: the plan's mapping, else the default one."""
    if options.columns:
        return [(c.field, c.header) for c in options.columns]
    pick = 1 if lang == "en" else 0
    return [(f, DEFAULT_HEADERS[f][pick]) for f in DEFAULT_FIELDS]


def period_length(plan: Plan) -> Fraction | None:
    """What the employed months or days are divided by: the plan's period months (default by
    the cycle's period type), or the cycle's days (start and end included); None when bonuses
    are not paid pro rata."""
    pay = plan.pay
    if plan.eligibility.partial_period == "full":
        return None
    if pay.pro_rata == "months":
        if pay.period_months is not None:
            return exact(pay.period_months)
        return Fraction(MONTHS[plan.cycle.period])
    if pay.pro_rata == "days":
        return Fraction((plan.cycle.end - plan.cycle.start).days + 1)
    return None


def pro_rata_share(
    plan: Plan, employee: Employee | None, employed: Decimal | None, period: Fraction | None
) -> Fraction:
    """The share of the bonus paid (see the module's docstring): 1 without pro rata."""
    if period is None:
        return Fraction(1)
    if employed is not None:
        share = Fraction(employed) / period
    elif employee is None:
        return Fraction(1)
    elif plan.pay.pro_rata == "days":
        share = period_share(employee, plan.cycle)
    else:
        share = Fraction(months_employed(employee, plan.cycle)) / period
    return min(Fraction(1), share)


@dataclass(frozen=True)
class Person:
    """Who is paid: from the results (final grade) and the frozen plan's words."""

    employee_id: str
    name: str
    department: str
    role: str  # the role's name
    grade: str | None
    coefficient: float | None


@dataclass(frozen=True)
class PayLine:
    person: Person
    base: Decimal
    months: Fraction
    coefficient: Fraction
    share: Fraction
    bonus: Decimal  # rounded to 0.01

    def value(self, field: PayField) -> str | Decimal:
        p = self.person
        if field in TEXT_FIELDS:
            return {
                "employee_id": p.employee_id,
                "name": p.name,
                "department": p.department,
                "role": p.role,
                "grade": p.grade or "",
            }[field]
        if field == "base":
            cents = self.base.quantize(CENT)  # 8000 as 8000.00; 8000.125 as typed
            return cents if cents == self.base else self.base
        if field == "months":
            return _decimal(self.months, 4)
        if field == "coefficient":
            return _decimal(self.coefficient, 4)
        if field == "share":
            return _decimal(self.share, 4)
        return self.bonus


@lru_cache(maxsize=4096)  # factors repeat: one per grade, one per share of the period
def _decimal(x: Fraction, places: int) -> Decimal:
    """A factor as few decimals as it needs (at most ``places``): 1.5, 0.5833."""
    d = round_half_up(x, places)
    return d.quantize(Decimal(1)) if d == d.to_integral() else d.normalize()


def pay_line(person: Person, base: Decimal, share: Fraction, plan: Plan) -> PayLine:
    coefficient = exact(person.coefficient if person.coefficient is not None else 0.0)
    months = exact(plan.pay.bonus_months)
    bonus = round_half_up(Fraction(base) * months * coefficient * share)
    return PayLine(person, base, months, coefficient, share, bonus)


@dataclass(frozen=True)
class PoolCheck:
    department: str  # "*": the company
    amount: Decimal
    total: Decimal
    people: int

    @property
    def over(self) -> Decimal:
        return max(Decimal(0), self.total - self.amount)

    def words(self) -> Text:
        if self.department == "*":
            return Text("全公司", "the company")
        return Text(f"部门“{self.department}”", f"department {self.department}")


def check_pools(plan: Plan, lines: Sequence[PayLine]) -> list[PoolCheck]:
    """Each pool of the plan: the bonuses of its department (or everyone's) against it."""
    by_department: dict[str, list[Decimal]] = {}
    for line in lines:
        by_department.setdefault(line.person.department, []).append(line.bonus)
    checks = []
    for pool in plan.pay.pools:
        amounts: Iterable[Decimal]
        if pool.department == "*":
            amounts = [a for group in by_department.values() for a in group]
        else:
            amounts = by_department.get(pool.department, [])
        amounts = list(amounts)
        total = sum(amounts, Decimal("0.00"))
        amount = round_half_up(exact(pool.amount))
        checks.append(PoolCheck(pool.department, amount, total, len(amounts)))
    return checks


def money(x: Decimal) -> str:
    return f"{x:,.2f}"
