"""Reads of the incentives app, scoped to the user asking (404 for what they may not see)."""

from datetime import date

from django.db.models import QuerySet
from django.http import Http404

from incentives import eligibility
from incentives.models import Budget, Claim, Policy
from incentives.services import BudgetStatus, budget_status
from portal import permissions
from portal.models import User


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
    if not permissions.can(user, "incentive.claim.create"):
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


def budget_list(*, user: User, year: int | None = None) -> list[BudgetStatus]:
    """Budgets with what is committed (approved, not paid), paid and remaining."""
    if not permissions.can(user, "incentive.spending.view"):
        return []
    budgets = Budget.objects.select_related("region").order_by("year", "policy_code")
    if year is not None:
        budgets = budgets.filter(year=year)
    return [budget_status(b) for b in budgets]
