"""Access rules of the incentives app, registered with the portal's one permission module.

An applicant of a verified organisation claims for it and sees only its claims; reviewers manage
policies and budgets, decide and pay claims; leaders read everything."""

from django.db.models import QuerySet

from portal.models import Organisation, Role, User
from portal.permissions import rule, scoper

STAFF = {Role.REVIEWER, Role.LEADER}


def _applicant(user: User) -> bool:
    return (
        user.role == Role.APPLICANT
        and user.organisation is not None
        and user.organisation.status == Organisation.Status.VERIFIED
    )


@rule("incentive.policy.view")
def _view_policies(user: User, obj: None) -> bool:
    return _applicant(user) or user.role in STAFF


@rule("incentive.policy.manage")
def _manage_policies(user: User, obj: None) -> bool:
    """Policies (new versions, a city's own) and budgets: the IP bureau's reviewers."""
    return user.role == Role.REVIEWER


@rule("incentive.claim.create")
def _create_claim(user: User, obj: None) -> bool:
    return _applicant(user)


@rule("incentive.claim.list")
def _list_claims(user: User, obj: None) -> bool:
    return _applicant(user) or user.role in STAFF


@scoper("incentive.claim.view")
def _claims_visible(user: User, queryset: QuerySet) -> QuerySet:
    if user.role in STAFF:
        return queryset
    if _applicant(user):
        return queryset.filter(organisation_id=user.organisation_id)
    return queryset.none()


@rule("incentive.claim.edit")
def _edit_claim(user: User, claim) -> bool:
    return _applicant(user) and claim.organisation_id == user.organisation_id and claim.is_editable


@rule("incentive.claim.decide")
def _decide_claim(user: User, claim) -> bool:
    return user.role == Role.REVIEWER


@rule("incentive.claim.pay")
def _pay_claim(user: User, claim) -> bool:
    return user.role == Role.REVIEWER


@rule("incentive.spending.view")
def _view_spending(user: User, obj: None) -> bool:
    return user.role in STAFF
