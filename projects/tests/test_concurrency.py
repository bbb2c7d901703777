"""Two reviewers deciding at the same moment, on PostgreSQL: the application row and the
category's budget row are locked, so an application gets one decision and a category's budget
is never spent twice."""

import pytest
from django.core.exceptions import ValidationError

from portal.models import AuditEntry, StateChange
from portal.tests.concurrency import reseed, slowed, together
from projects import factories as f
from projects import services
from projects.factories import WAN
from projects.models import Application
from projects.services import review

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("_reseeded"),
]
S = Application.Status


@pytest.fixture
def _reseeded(transactional_db):
    reseed()


@pytest.fixture
def navigation_call(rev):
    """Category 5 alone (grants of 10–30万元) with a budget of 50万元."""
    return f.open_call(rev, categories=(5,), budget=50 * WAN)


def test_two_reviewers_deciding_the_same_application_make_one_decision(
    navigation_call, rev, monkeypatch
):
    application = f.scored(navigation_call, [80, 80, 80], code=5, actor=rev, amount=30 * WAN)
    other = f.reviewer()
    slowed(monkeypatch, review, "_locked")

    outcomes = together(
        lambda: services.application_approve(
            actor=rev, application=application, amount=30 * WAN, reason="同意"
        ),
        lambda: services.application_reject(actor=other, application=application, reason="不同意"),
    )

    assert sorted(o.ok for o in outcomes) == [False, True], [o.error for o in outcomes]
    assert isinstance(next(o.error for o in outcomes if not o.ok), ValidationError)
    application.refresh_from_db()
    decided = next(o.value for o in outcomes if o.ok)
    assert application.status == decided.status and application.status in {S.APPROVED, S.REJECTED}
    assert (application.approved_amount is not None) == (application.status == S.APPROVED)
    events = StateChange.objects.filter(application=application, action__in=["approve", "reject"])
    assert events.count() == 1
    assert (
        AuditEntry.objects.filter(
            event__in=["project.application.approve", "project.application.reject"]
        ).count()
        == 1
    )


def test_two_approvals_for_the_last_of_a_category_budget_are_not_both_made(
    navigation_call, rev, monkeypatch
):
    first, second = (
        f.scored(navigation_call, [80, 80, 80], code=5, actor=rev, amount=30 * WAN)
        for _ in range(2)
    )
    # Pause once the budget used is read: without the category row lock both would see
    # 50万元 left and both grant 30万元.
    slowed(monkeypatch, review, "_budget_used")

    outcomes = together(
        *(
            lambda application=application: services.application_approve(
                actor=rev, application=application, amount=30 * WAN
            )
            for application in (first, second)
        )
    )

    assert sorted(o.ok for o in outcomes) == [False, True], [o.error for o in outcomes]
    refused = next(o.error for o in outcomes if not o.ok)
    left = "Only CNY 200k of the category's CNY 500k budget is left."
    assert left in refused.message_dict["amount"]
    assert Application.objects.filter(status=S.APPROVED).count() == 1
