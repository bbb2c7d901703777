"""The pool's pages and API: import with a dry run, screening, coverage, and who sees what."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from patents.factories import PatentFactory, patent_number
from patents.models import Patent
from patents.tests.helpers import csv_bytes, good_row
from portal.factories import ApplicantFactory, OrganisationFactory, UserFactory
from portal.models import Organisation, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return ApplicantFactory(organisation=OrganisationFactory(kind=Organisation.Kind.UNIVERSITY))


def upload(client, content: bytes, name="list.csv"):
    return client.post(reverse("patents:import"), {"file": SimpleUploadedFile(name, content)})


def test_a_university_imports_through_the_page_after_reading_the_check(client, staff):
    client.force_login(staff)
    page = upload(client, csv_bytes([good_row(1), good_row(2, number="202310123456.7")]))
    body = page.content.decode()
    assert page.status_code == 200
    assert 'data-cell="A3"' in body and 'data-testid="import-confirm"' in body
    assert Patent.objects.count() == 0
    pk = page.context["result"].patent_import.pk
    done = client.post(reverse("patents:import_apply", args=[pk]))
    assert done.status_code == 302
    assert list(Patent.objects.values_list("number", flat=True)) == [patent_number(1)]


def test_screening_through_the_page_moves_coverage(client, staff):
    patent = PatentFactory(owner=staff.organisation, serial=1)
    PatentFactory(owner=staff.organisation, serial=2)
    client.force_login(staff)
    response = client.post(
        reverse("patents:screen", args=[patent.pk]), {"tier": "B", "industry": "05", "note": ""}
    )
    assert response.status_code == 302
    pool = client.get(reverse("patents:pool"))
    coverage = pool.context["coverage"][0]
    assert (coverage.screened, coverage.unconverted_valid, coverage.percent) == (1, 2, 50)


def test_outsiders_cannot_see_or_screen_a_pool(client, staff):
    patent = PatentFactory(owner=staff.organisation, serial=1)
    other = ApplicantFactory(organisation=OrganisationFactory(kind=Organisation.Kind.UNIVERSITY))
    enterprise = ApplicantFactory()
    client.force_login(other)
    assert client.get(reverse("patents:screen", args=[patent.pk])).status_code == 404
    assert patent_number(1) not in client.get(reverse("patents:pool")).content.decode()
    client.force_login(enterprise)
    assert client.get(reverse("patents:pool")).status_code == 403
    assert client.get(reverse("patents:import")).status_code == 403
    api = APIClient()
    api.force_authenticate(other)
    assert api.get("/api/v1/patents/").json()["count"] == 0
    assert api.get(f"/api/v1/patents/{patent.pk}/").status_code == 404
    api.force_authenticate(enterprise)
    assert api.get("/api/v1/patents/").status_code == 403


def test_the_api_imports_with_a_dry_run_and_screens(staff):
    api = APIClient()
    api.force_authenticate(staff)
    content = csv_bytes([good_row(1), good_row(2, kind="专利")])
    dry = api.post(
        "/api/v1/patent-imports/",
        {"file": SimpleUploadedFile("a.csv", content)},
        format="multipart",
    )
    assert dry.status_code == 200
    assert dry.json()["create"] == 1 and dry.json()["problems"][0]["cell"] == "C3"
    assert Patent.objects.count() == 0
    done = api.post(
        "/api/v1/patent-imports/",
        {"file": SimpleUploadedFile("a.csv", content), "dry_run": "false"},
        format="multipart",
    )
    assert done.json()["create"] == 1 and Patent.objects.count() == 1
    patent = Patent.objects.get()
    screened = api.post(f"/api/v1/patents/{patent.pk}/screen/", {"tier": "A", "industry": "04"})
    assert screened.status_code == 200 and screened.json()["tier"] == "A"
    reviewer = UserFactory(role=Role.REVIEWER)
    api.force_authenticate(reviewer)
    assert api.get("/api/v1/patents/", {"tier": "A"}).json()["count"] == 1
    assert (
        api.post(
            f"/api/v1/patents/{patent.pk}/screen/", {"tier": "B", "industry": "04"}
        ).status_code
        == 403
    )


def test_an_enterprise_posts_a_need_and_reads_explained_suggestions(
    client, staff, django_capture_on_commit_callbacks
):
    from patents.models import TechNeed
    from patents.tests.labelled import PATENTS

    for key, title, abstract, industry, ipc in PATENTS:
        PatentFactory(
            owner=staff.organisation,
            serial=key,
            title=title,
            abstract=abstract,
            industry=industry,
            ipc=ipc,
        )
    enterprise = ApplicantFactory()
    client.force_login(enterprise)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("patents:need_new"),
            {
                "title": "废水重金属去除",
                "description": "化工园区需要去除工业废水中的重金属离子。",
                "industry": "06",
                "ipc": "",
                "cooperation": "licence",
            },
        )
    need = TechNeed.objects.get()
    assert response.status_code == 302
    page = client.get(reverse("patents:need_detail", args=[need.pk]))
    first = page.context["matches"][0]
    assert first.patent.title == "工业废水重金属吸附剂的制备方法"
    assert "重金属" in page.content.decode()
    # Another enterprise cannot read it; a university cannot post needs.
    client.force_login(ApplicantFactory())
    assert client.get(reverse("patents:need_detail", args=[need.pk])).status_code == 404
    client.force_login(staff)
    assert client.get(reverse("patents:need_new")).status_code == 403


@pytest.mark.parametrize("count", [2, 30])
def test_the_pool_page_makes_the_same_few_queries_however_many_patents(
    client, staff, count, django_assert_max_num_queries
):
    for serial in range(1, count + 1):
        PatentFactory(owner=staff.organisation, serial=serial, state_funded=True, granted_on=None)
    client.force_login(staff)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("patents:pool"))
    assert len(response.context["page"]) == count


@pytest.mark.parametrize("count", [1, 12])
def test_a_need_page_makes_the_same_few_queries_however_many_suggestions(
    client, count, django_assert_max_num_queries
):
    from django.utils import timezone

    from patents.models import Match, TechNeed

    owner = OrganisationFactory(kind=Organisation.Kind.UNIVERSITY)
    enterprise = ApplicantFactory()
    need = TechNeed.objects.create(
        organisation=enterprise.organisation, title="需求", description="描述",
        cooperation=TechNeed.Cooperation.LICENCE, created_by=enterprise,
    )  # fmt: skip
    for serial in range(1, count + 1):
        Match.objects.create(
            need=need, patent=PatentFactory(owner=owner, serial=serial), rank=serial, score=0.5,
            computed_at=timezone.now(),
        )  # fmt: skip
    client.force_login(enterprise)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("patents:need_detail", args=[need.pk]))
    assert response.content.decode().count('data-testid="feedback-form"') == count


def _pool_scans(captured) -> list[str]:
    """Queries that read the whole pool: a count or a grouping over the patents table."""
    return [
        q["sql"]
        for q in captured.captured_queries
        if 'FROM "patents_patent"' in q["sql"]
        and ("COUNT(" in q["sql"].upper() or "GROUP BY" in q["sql"].upper())
    ]


def test_the_pool_page_reads_a_page_not_the_pool(client, staff):
    """At province scale (200,000 patents) the page must not count, group or sort the whole
    pool on every request: its count and coverage come from figures cached until the pool
    changes, the feedback summary is read for the page's patents only."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from patents.models import Feedback, Match, TechNeed

    first, second = (
        PatentFactory(owner=staff.organisation, serial=1),
        PatentFactory(owner=staff.organisation, serial=2),
    )
    PatentFactory(owner=staff.organisation, serial=3, converted=True)
    enterprise = ApplicantFactory()
    need = TechNeed.objects.create(
        organisation=enterprise.organisation, title="需求", description="描述",
        cooperation=TechNeed.Cooperation.LICENCE, created_by=enterprise,
    )  # fmt: skip
    for patent, rating in ((first, 4), (second, 2)):
        match = Match.objects.create(
            need=need, patent=patent, rank=1, score=0.5, computed_at=timezone.now()
        )
        Feedback.objects.create(match=match, rating=rating, given_by=enterprise)
    client.force_login(staff)
    url = reverse("patents:pool")
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert _pool_scans(captured) == []
    page = response.context["page"]
    assert page.paginator.count == 3
    summary = {p.number: (p.feedback_count, p.feedback_mean) for p in page}
    assert summary == {
        patent_number(1): (1, 4),
        patent_number(2): (1, 2),
        patent_number(3): (0, None),
    }
    assert 'data-testid="feedback-summary">4/5 ×1<' in response.content.decode()
    coverage = response.context["coverage"][0]
    assert (coverage.screened, coverage.unconverted_valid) == (0, 2)


def test_the_pool_pages_cached_counts_follow_every_change(client, staff):
    patent = PatentFactory(owner=staff.organisation, serial=1)
    client.force_login(staff)
    url = reverse("patents:pool")
    assert client.get(url).context["page"].paginator.count == 1
    PatentFactory(owner=staff.organisation, serial=2)  # an import adds one
    response = client.get(url)
    assert response.context["page"].paginator.count == 2
    assert response.context["coverage"][0].unconverted_valid == 2
    from patents import services

    services.patent_screen(actor=staff, patent=patent, tier="A", industry="01")
    assert client.get(url).context["coverage"][0].screened == 1
    # A filtered list is counted as filtered.
    assert client.get(url, {"screened": "yes"}).context["page"].paginator.count == 1
