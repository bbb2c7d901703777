"""Matching run twice at the same moment (a redelivered task and the nightly run), on
PostgreSQL: the need's row is locked, so each suggestion is stored once and pushed once."""

from datetime import date

import pytest

from patents import matching, services
from patents.models import Match, Patent, TechNeed
from patents.tests.labelled import NEEDS, PATENTS
from portal.factories import ApplicantFactory, OrganisationFactory
from portal.models import Notification, Organisation
from portal.tests.concurrency import reseed, slowed, together

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("_reseeded"),
]


@pytest.fixture
def _reseeded(transactional_db):
    reseed()


def test_two_matching_runs_at_once_store_and_push_each_suggestion_once(monkeypatch):
    university = OrganisationFactory(kind=Organisation.Kind.UNIVERSITY)
    for key, title, abstract, industry, ipc in PATENTS:
        Patent.objects.create(
            number=f"20211{key:07d}.0", title=title, abstract=abstract, industry=industry,
            ipc=ipc, kind=Patent.Kind.INVENTION, status=Patent.Status.VALID,
            filed_on=date(2021, 1, 1), owner=university,
        )  # fmt: skip
    enterprise = ApplicantFactory()
    need = TechNeed.objects.create(
        organisation=enterprise.organisation, created_by=enterprise, title=NEEDS[3][1],
        description=NEEDS[3][2], industry="04", ipc="H01M4/38",
        cooperation=TechNeed.Cooperation.LICENCE,
    )  # fmt: skip
    # Pause once the suggestions are computed, before either run stores them.
    slowed(monkeypatch, matching, "rank")

    outcomes = together(*[lambda: services.needs_match(need_ids=[need.pk])] * 2)

    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    suggested = Match.objects.filter(need=need).count()
    assert suggested and sorted(o.value for o in outcomes) == [0, suggested]
    assert Notification.objects.filter(recipient=enterprise, event="patent.match.new").count() == 1
