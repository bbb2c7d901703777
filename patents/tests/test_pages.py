"""The pool's pages and API: import with a dry run, screening, coverage, and who sees what."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from patents.models import Patent
from patents.tests.test_pool import csv_bytes, good_row, make, number
from portal.models import Organisation, Role
from portal.tests.factories import ApplicantFactory, OrganisationFactory, UserFactory

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
    assert list(Patent.objects.values_list("number", flat=True)) == [number(1)]


def test_screening_through_the_page_moves_coverage(client, staff):
    patent = make(staff.organisation, 1)
    make(staff.organisation, 2)
    client.force_login(staff)
    response = client.post(
        reverse("patents:screen", args=[patent.pk]), {"tier": "B", "industry": "05", "note": ""}
    )
    assert response.status_code == 302
    pool = client.get(reverse("patents:pool"))
    coverage = pool.context["coverage"][0]
    assert (coverage.screened, coverage.unconverted_valid, coverage.percent) == (1, 2, 50)


def test_outsiders_cannot_see_or_screen_a_pool(client, staff):
    patent = make(staff.organisation, 1)
    other = ApplicantFactory(organisation=OrganisationFactory(kind=Organisation.Kind.UNIVERSITY))
    enterprise = ApplicantFactory()
    client.force_login(other)
    assert client.get(reverse("patents:screen", args=[patent.pk])).status_code == 404
    assert number(1) not in client.get(reverse("patents:pool")).content.decode()
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
        make(staff.organisation, key, title=title, abstract=abstract, industry=industry, ipc=ipc)
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
        make(staff.organisation, serial, state_funded=True, granted_on=None)
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
            need=need, patent=make(owner, serial), rank=serial, score=0.5,
            computed_at=timezone.now(),
        )  # fmt: skip
    client.force_login(enterprise)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("patents:need_detail", args=[need.pk]))
    assert response.content.decode().count('data-testid="feedback-form"') == count
