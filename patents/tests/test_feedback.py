"""Feedback on suggestions re-tiers the patent by one documented rule; the university sees it."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from patents import selectors, services
from patents.factories import MatchFactory, PatentFactory, TechNeedFactory
from portal.factories import ApplicantFactory, OrganisationFactory
from portal.models import Notification, Organisation

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("ratings", "wants", "tier"),
    [
        ([], 0, None),
        ([4], 0, "A"),
        ([5, 3], 0, "A"),  # mean 4
        ([4, 3], 1, "A"),  # mean 3.5 and someone wants to cooperate
        ([4, 3], 0, "B"),
        ([3, 2], 0, "B"),  # mean 2.5
        ([2, 2], 1, "C"),
        ([1], 0, "C"),
    ],
)
def test_the_re_tiering_rule(ratings, wants, tier):
    assert services.tier_from_feedback(ratings, wants) == tier


@pytest.fixture
def suggestion(db):
    university = ApplicantFactory(
        organisation=OrganisationFactory(kind=Organisation.Kind.UNIVERSITY)
    )
    patent = PatentFactory(
        number="202110182616.5", title="锂离子电池硅碳负极材料", filed_on=date(2021, 2, 19),
        granted_on=None, owner=university.organisation, tier="C",
    )  # fmt: skip
    enterprise = ApplicantFactory()
    need = TechNeedFactory(created_by=enterprise, description="提高比容量")
    match = MatchFactory(need=need, patent=patent, score=Decimal("0.8"))
    return university, enterprise, patent, match


def test_feedback_re_tiers_and_the_university_sees_it(suggestion, client):
    university, enterprise, patent, match = suggestion
    services.feedback_give(
        actor=enterprise, match=match, rating=5, improvements="希望提供中试数据",
        wants_cooperation=True,
    )  # fmt: skip
    patent.refresh_from_db()
    assert patent.tier == "A"
    assert Notification.objects.filter(recipient=university, event="patent.feedback").exists()
    received = list(selectors.feedback_received(user=university))
    assert [(f.rating, f.improvements) for f in received] == [(5, "希望提供中试数据")]
    # Giving it again replaces it, and the tier follows.
    services.feedback_give(actor=enterprise, match=match, rating=1, wants_cooperation=False)
    patent.refresh_from_db()
    assert patent.tier == "C"
    client.force_login(university)
    page = client.get(reverse("patents:pool"))
    assert "1/5" in page.content.decode()


def test_only_the_enterprise_the_suggestion_was_made_to_gives_feedback(suggestion, client):
    _university, enterprise, _patent, match = suggestion
    other = ApplicantFactory()
    with pytest.raises(PermissionDenied):
        services.feedback_give(actor=other, match=match, rating=5, wants_cooperation=True)
    client.force_login(other)
    response = client.post(reverse("patents:feedback", args=[match.pk]), {"rating": "5"})
    assert response.status_code == 404
    client.force_login(enterprise)
    response = client.post(
        reverse("patents:feedback", args=[match.pk]),
        {"rating": "4", "improvements": "", "wants_cooperation": "on"},
    )
    assert response.status_code == 302
    match.refresh_from_db()
    assert match.feedback.rating == 4 and match.feedback.wants_cooperation
