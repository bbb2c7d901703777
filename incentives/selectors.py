"""Reads of the incentives app, scoped to the user asking (404 for what they may not see)."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.http import Http404

from incentives import eligibility
from incentives.entitlement import Entitlement, Figures, Rule, compute
from incentives.models import Budget, Claim, Payment, Policy
from portal import permissions
from portal.models import User

ZERO = Decimal("0.00")


def policy_list(*, user: User) -> QuerySet[Policy]:
    """The latest active version of every policy, for anyone who may read policies."""
    if not permissions.can(user, "incentive.policy.view"):
        return Policy.objects.none()
    return eligibility.current_policies().order_by("level", "code")


def policy_get(*, user: User, pk: int) -> Policy:
    """Any version (a claim keeps the version it was made under)."""
    if not permissions.can(user, "incentive.policy.view"):
        raise Http404
    found = Policy.objects.select_related("region").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def policy_versions(policy: Policy) -> QuerySet[Policy]:
    return Policy.objects.filter(code=policy.code).order_by("-version")


def eligibility_for(*, user: User, today: date) -> list[eligibility.Eligibility]:
    """What the user's organisation may claim, explained."""
    if not permissions.can(user, "incentive.claim.create") or user.organisation is None:
        return []
    return eligibility.for_organisation(user.organisation, today=today)


def claim_list(*, user: User) -> QuerySet[Claim]:
    claims = permissions.scope(user, "incentive.claim.view", Claim.objects.all())
    return claims.select_related("policy__region", "organisation__region", "recognition")


def claim_get(*, user: User, pk: int) -> Claim:
    found = claim_list(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


@dataclass(frozen=True)
class BudgetStatus:
    budget: Budget
    committed: Decimal  # approved, not yet paid
    paid: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.budget.allocated - self.committed - self.paid


def budget_status(budget: Budget) -> BudgetStatus:
    claims = Claim.objects.filter(
        policy__code=budget.policy_code,
        policy__region_id=budget.region_id,
        budget_year=budget.year,
        status__in=Claim.GRANTED,
    )
    approved = claims.aggregate(total=Sum("approved_amount"))["total"] or ZERO
    paid = Payment.objects.filter(claim__in=claims).aggregate(total=Sum("amount"))["total"] or ZERO
    return BudgetStatus(budget, approved - paid, paid)


def budget_for(claim: Claim, year: int) -> Budget | None:
    """The budget a claim is paid from: its policy's, for the year, of the policy's region."""
    return Budget.objects.filter(
        policy_code=claim.policy.code, year=year, region_id=claim.policy.region_id
    ).first()


def budget_list(*, user: User, year: int | None = None) -> list[BudgetStatus]:
    """Budgets with what is committed (approved, not paid), paid and remaining."""
    if not permissions.can(user, "incentive.spending.view"):
        return []
    budgets = Budget.objects.select_related("region").order_by("year", "policy_code")
    if year is not None:
        budgets = budgets.filter(year=year)
    return [budget_status(b) for b in budgets]


def _figures(claim: Claim) -> Figures:
    return Figures(
        requested=claim.requested_amount,
        base=claim.base_amount,
        start=claim.loan_start,
        payments=tuple(
            (date.fromisoformat(p["date"]), Decimal(p["amount"])) for p in claim.interest_payments
        ),
    )


def received(claim: Claim) -> Decimal:
    """What the organisation has been granted (approved or paid) under the claim's policy, in
    any version, by other claims: it counts against a cumulative cap."""
    return (
        Claim.objects.filter(
            organisation_id=claim.organisation_id,
            policy__code=claim.policy.code,
            status__in=Claim.GRANTED,
        )
        .exclude(pk=claim.pk)
        .aggregate(total=Sum("approved_amount"))["total"]
        or ZERO
    )


def entitlement_of(claim: Claim) -> Entitlement:
    """The computation shown by the page, the API and the reviewer's screen."""
    return compute(Rule.of(claim.policy), _figures(claim), received=received(claim))
