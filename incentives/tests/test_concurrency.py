"""Two reviewers deciding at the same moment, on PostgreSQL: the claim row and the budget row
are locked, so a claim is approved once and a budget is never spent twice."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from incentives import selectors, services
from incentives.factories import TODAY, WAN, budgets, little_giant, policy, submitted
from incentives.models import Budget, Claim
from portal.factories import UserFactory
from portal.models import AuditEntry, Notification, Role
from portal.tests.concurrency import reseed, slowed, together

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("_reseeded"),
]


@pytest.fixture
def _reseeded(transactional_db):
    reseed()


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_two_reviewers_approving_the_same_claim_approve_it_once(monkeypatch):
    budgets()
    claim = submitted(little_giant(), "little-giant-province")
    first, second = UserFactory(role=Role.REVIEWER), UserFactory(role=Role.REVIEWER)
    slowed(monkeypatch, services, "_locked")

    outcomes = together(
        *(
            lambda reviewer=reviewer: services.claim_approve(
                actor=reviewer, claim=claim, amount=claim.entitlement, today=TODAY
            )
            for reviewer in (first, second)
        )
    )

    assert sorted(o.ok for o in outcomes) == [False, True], [o.error for o in outcomes]
    refused = next(o.error for o in outcomes if not o.ok)
    assert isinstance(refused, ValidationError)
    assert f"Claim {claim.number} is Approved; “Approve” is not possible now." in refused.messages
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED
    assert claim.decided_by == next(o.value.decided_by for o in outcomes if o.ok)
    assert AuditEntry.objects.filter(event="incentive.claim.approve").count() == 1
    assert Notification.objects.filter(title__contains=claim.number).count() == 1
    budget = Budget.objects.get(policy_code="little-giant-province", year=TODAY.year)
    assert selectors.budget_status(budget).committed == claim.entitlement


def test_two_claims_for_the_last_of_a_budget_are_not_both_approved(monkeypatch):
    budgets(amount=60 * WAN)  # room for one 50万元 reward, not two
    claims = [submitted(little_giant(), "little-giant-province") for _ in range(2)]
    reviewers = [UserFactory(role=Role.REVIEWER) for _ in range(2)]
    # Pause once the budget is read: without its row lock both would see 60万元 left.
    slowed(monkeypatch, selectors, "budget_status")

    outcomes = together(
        *(
            lambda claim=claim, reviewer=reviewer: services.claim_approve(
                actor=reviewer, claim=claim, amount=claim.entitlement, today=TODAY
            )
            for claim, reviewer in zip(claims, reviewers, strict=True)
        )
    )

    assert sorted(o.ok for o in outcomes) == [False, True], [o.error for o in outcomes]
    refused = next(o.error for o in outcomes if not o.ok)
    assert "Over budget" in refused.message_dict["amount"][0]
    assert Claim.objects.filter(status=Claim.Status.APPROVED).count() == 1
    budget = Budget.objects.get(policy_code="little-giant-province", year=TODAY.year)
    status = selectors.budget_status(budget)
    assert status.committed == Decimal(500_000) and status.remaining == 10 * WAN


def test_two_applicants_creating_claims_at_once_get_two_numbers(monkeypatch):
    """Claim numbers come from one counter (portal/serials.py): the second creation waits for the
    first's number instead of taking the same one and failing on the unique number (a 500)."""
    users = [little_giant(), little_giant()]
    slowed(monkeypatch, services, "_next_number")  # hold the number while the other asks

    outcomes = together(
        *(
            lambda user=user: services.claim_create(
                actor=user, policy=policy("little-giant-province"), data={}, today=TODAY
            )
            for user in users
        )
    )

    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    numbers = sorted(o.value.number for o in outcomes)
    assert numbers == [f"JL{TODAY.year}-00001", f"JL{TODAY.year}-00002"]
