"""Where the incentive money goes, for leaders and reviewers: approved and paid amounts by
policy, by city, by organisation kind and by quarter of payment, and budgets against spending
(allocated, committed, paid, remaining) by policy and, for city policies, by city.

A few grouped queries, however many claims there are: granted claims summed by policy code,
budget year, organisation region and kind; their payments summed the same way and by quarter
of payment; the budgets; the policies' titles; the cities' names; the years there is anything
for. The breakdowns, and the spending against each budget, are added up from those groups in
Python. A county's organisation counts in its city (the region at depth 2 of Region.path).

"Approved" is what was granted (approved or paid claims, their approved amount); "paid" the
payments recorded on them; "committed" what is approved and not yet paid, as in
selectors.budget_status. A claim counts in the year of its budget (the year it was approved).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import ExtractQuarter, ExtractYear
from django.utils.translation import gettext as _

from incentives.models import Budget, Claim, Payment, Policy
from incentives.selectors import BudgetStatus
from portal import permissions
from portal.models import Organisation, Region, User

ZERO = Decimal("0.00")
FEN = Decimal("0.01")


def city_path(path: str) -> str:
    """The path of the city a region lies in ("610000/610900/610902/" → "610000/610900/"); the
    province's own path stays as it is."""
    return "/".join(path.strip("/").split("/")[:2]) + "/"


def region_code(path: str) -> str:
    """The code of the region a path ends with ("610000/610900/" → "610900")."""
    return path.strip("/").split("/")[-1]


@dataclass(frozen=True)
class Row:
    """Granted claims and what was approved and paid on them, under one label."""

    label: str
    key: str
    claims: int = 0
    approved: Decimal = ZERO
    paid: Decimal = ZERO

    @property
    def unpaid(self) -> Decimal:
        return self.approved - self.paid

    def __add__(self, other: "Row") -> "Row":
        return replace(
            self,
            claims=self.claims + other.claims,
            approved=self.approved + other.approved,
            paid=self.paid + other.paid,
        )


@dataclass(frozen=True)
class QuarterRow:
    label: str  # "2025Q3"
    payments: int
    paid: Decimal


@dataclass(frozen=True)
class BudgetRow:
    """Budgets against spending: allocated, committed (approved, not paid), paid, remaining."""

    label: str
    key: str
    allocated: Decimal = ZERO
    committed: Decimal = ZERO
    paid: Decimal = ZERO
    region: str = ""

    @property
    def remaining(self) -> Decimal:
        return self.allocated - self.committed - self.paid

    @property
    def used_percent(self) -> Decimal | None:
        """Committed and paid as a share of the allocation."""
        if not self.allocated:
            return None
        return ((self.committed + self.paid) * 100 / self.allocated).quantize(Decimal("0.1"))

    def __add__(self, other: "BudgetRow") -> "BudgetRow":
        return replace(
            self,
            allocated=self.allocated + other.allocated,
            committed=self.committed + other.committed,
            paid=self.paid + other.paid,
        )


@dataclass(frozen=True)
class Spending:
    year: int | None  # the budget year shown; None: all years
    years: list[int]
    total: Row
    policies: list[Row] = field(default_factory=list)
    cities: list[Row] = field(default_factory=list)
    kinds: list[Row] = field(default_factory=list)
    quarters: list[QuarterRow] = field(default_factory=list)
    budget_policies: list[BudgetRow] = field(default_factory=list)
    budget_cities: list[BudgetRow] = field(default_factory=list)
    budget_total: BudgetRow = field(default_factory=lambda: BudgetRow("", ""))


def _granted(user: User, year: int | None):
    claims = permissions.scope(user, "incentive.claim.view", Claim.objects.all()).filter(
        status__in=Claim.GRANTED
    )
    return claims if year is None else claims.filter(budget_year=year)


@dataclass(frozen=True)
class _Policy:
    title: str  # of the latest version
    level: str
    current: bool  # has an active version


def _policies() -> dict[str, _Policy]:
    """code → its latest title, its level and whether it is current: one query."""
    latest: dict[str, tuple[str, str]] = {}
    current = set()
    for code, title, level, active in Policy.objects.order_by("code", "-version").values_list(
        "code", "title", "level", "is_active"
    ):
        latest.setdefault(code, (title, level))
        if active:
            current.add(code)
    return {code: _Policy(title, level, code in current) for code, (title, level) in latest.items()}


def _policy_order(policies: dict[str, _Policy]) -> dict[str, tuple[int, str]]:
    """Province policies first, then city ones, each by code; a policy no longer current is
    listed only when money was spent on it."""
    return {
        code: (0 if policy.level == Policy.Level.PROVINCE else 1, code)
        for code, policy in policies.items()
        if policy.current
    }


def spending(*, user: User, year: int | None = None) -> Spending:
    """Spending the user may see (staff: all), for one budget year or all years."""
    permissions.require(user, "incentive.spending.view")
    claims = _granted(user, year)
    group = ("policy__code", "budget_year", "organisation__region__path", "organisation__kind")
    approved = {
        tuple(row[name] for name in group): row
        for row in claims.values(*group)
        .annotate(n=Count("pk"), total=Sum("approved_amount"))
        .order_by()
    }
    payments = Payment.objects.filter(claim__in=claims)
    paid = {
        tuple(row[f"claim__{name}"] for name in group): row["total"]
        for row in payments.values(*(f"claim__{name}" for name in group))
        .annotate(total=Sum("amount"))
        .order_by()
    }
    policies = _policies()
    by_policy: dict[str, Row] = {}
    by_city: dict[str, Row] = {}
    by_kind: dict[str, Row] = {}
    by_budget: dict[tuple[str, int], Row] = {}  # (policy code, budget year)
    total = Row(_("All"), "")
    for key in approved.keys() | paid.keys():
        code, budget_year, path, kind = key
        found = approved.get(key)
        row = Row(
            "",
            "",
            claims=found["n"] if found else 0,
            approved=(found["total"] or ZERO) if found else ZERO,
            paid=paid.get(key) or ZERO,
        )
        total += row
        by_policy[code] = by_policy.get(code, Row(code, code)) + row
        city = city_path(path)
        by_city[city] = by_city.get(city, Row(city, city)) + row
        by_kind[kind] = by_kind.get(kind, Row(kind, kind)) + row
        by_budget[(code, budget_year)] = by_budget.get((code, budget_year), Row("", "")) + row

    quarters = [
        QuarterRow(f"{row['y']}Q{row['q']}", row["n"], row["total"])
        for row in payments.values(y=ExtractYear("paid_on"), q=ExtractQuarter("paid_on"))
        .annotate(n=Count("pk"), total=Sum("amount"))
        .order_by("y", "q")
    ]

    budget_policies, budget_cities, budget_total = _budgets(year, policies, by_budget)
    names = dict(
        Region.objects.filter(
            path__in=set(by_city) | {row.key for row in budget_cities}
        ).values_list("path", "name")
    )
    kinds = dict(Organisation.Kind.choices)
    order = _policy_order(policies)
    return Spending(
        year=year,
        years=_years(),
        total=total,
        policies=[
            replace(by_policy.get(code, Row(code, code)), label=_title(policies, code))
            for code in sorted(set(by_policy) | set(order), key=lambda c: order.get(c, (9, c)))
        ],
        cities=[
            replace(row, label=names.get(path, path), key=region_code(path))
            for path, row in sorted(by_city.items())
        ],
        kinds=[
            replace(by_kind[kind], label=str(kinds.get(kind, kind)))
            for kind in [*kinds, *sorted(set(by_kind) - set(kinds))]
            if kind in by_kind
        ],
        quarters=quarters,
        budget_policies=budget_policies,
        budget_cities=[
            replace(row, label=names.get(row.key, row.key), key=region_code(row.key))
            for row in budget_cities
        ],
        budget_total=budget_total,
    )


def _years() -> list[int]:
    """The years with a budget or a granted claim, newest first: one query."""
    budgets = Budget.objects.order_by().values_list("year", flat=True)
    claims = Claim.objects.filter(budget_year__isnull=False).order_by()
    years = budgets.union(claims.values_list("budget_year", flat=True))
    return sorted(set(years), reverse=True)


def granted_by_budget(
    claims=None,
) -> tuple[dict[tuple[str, int | None], Decimal], dict[tuple[str, int | None], Decimal]]:
    """(approved, paid) by (policy code, budget year) of granted claims: two grouped queries.
    The same sums as selectors.budget_status, for many budgets at once."""
    if claims is None:
        claims = Claim.objects.all()
    claims = claims.filter(status__in=Claim.GRANTED, budget_year__isnull=False)
    approved = {
        (row["policy__code"], row["budget_year"]): row["total"] or ZERO
        for row in claims.values("policy__code", "budget_year")
        .annotate(total=Sum("approved_amount"))
        .order_by()
    }
    paid = {
        (row["claim__policy__code"], row["claim__budget_year"]): row["total"] or ZERO
        for row in Payment.objects.filter(claim__in=claims)
        .values("claim__policy__code", "claim__budget_year")
        .annotate(total=Sum("amount"))
        .order_by()
    }
    return approved, paid


def budget_statuses(budgets: Iterable[Budget]) -> list[BudgetStatus]:
    """selectors.budget_status of each budget, in two grouped queries instead of two per
    budget."""
    budgets = list(budgets)
    approved, paid = granted_by_budget()
    result = []
    for budget in budgets:
        key = (budget.policy_code, budget.year)
        spent = paid.get(key, ZERO)
        result.append(BudgetStatus(budget, approved.get(key, ZERO) - spent, spent))
    return result


def _title(policies: dict[str, _Policy], code: str) -> str:
    found = policies.get(code)
    return found.title if found else code


def _budgets(
    year: int | None, policies: dict[str, _Policy], spent: dict[tuple[str, int], Row]
) -> tuple[list[BudgetRow], list[BudgetRow], BudgetRow]:
    """Budgets against what was `spent` from them (by policy code and budget year, as
    selectors.budget_status counts it): by policy and, for city policies, by city."""
    budgets = Budget.objects.select_related("region").order_by("policy_code", "year")
    if year is not None:
        budgets = budgets.filter(year=year)
    by_policy: dict[str, BudgetRow] = {}
    by_city: dict[str, BudgetRow] = {}
    total = BudgetRow(_("All"), "")
    for budget in budgets:
        used = spent.get((budget.policy_code, budget.year), Row("", ""))
        row = BudgetRow("", "", allocated=budget.allocated, committed=used.unpaid, paid=used.paid)
        total += row
        code = budget.policy_code
        by_policy[code] = (
            by_policy.get(code, BudgetRow(_title(policies, code), code, region=budget.region.name))
            + row
        )
        found = policies.get(code)
        if found is not None and found.level == Policy.Level.CITY:
            city = city_path(budget.region.path)
            by_city[city] = by_city.get(city, BudgetRow(city, city)) + row
    order = _policy_order(policies)
    return (
        [by_policy[c] for c in sorted(by_policy, key=lambda c: order.get(c, (9, c)))],
        [by_city[path] for path in sorted(by_city)],
        total,
    )


def chart(data: Spending) -> dict:
    """The bar chart of the page: approved and paid by city, in 万元."""
    wan = Decimal(10_000)
    return {
        "labels": [row.label for row in data.cities],
        "approved": [str((row.approved / wan).quantize(FEN)) for row in data.cities],
        "paid": [str((row.paid / wan).quantize(FEN)) for row in data.cities],
        "approved_label": str(_("Approved amount")),
        "paid_label": str(_("Paid amount")),
        "unit": "万元",
    }
