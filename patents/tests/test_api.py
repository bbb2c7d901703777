"""The patents API: conversion events, open licences, needs, matches, feedback and pushes, with the
same rules and messages as the pages, and a schema without warnings."""

from datetime import date

import pytest
from django.urls import include, path
from django.utils import timezone, translation
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from rest_framework.routers import DefaultRouter
from rest_framework.test import APIClient

from patents import api as patents_api
from patents.models import Conversion, Match, Patent, Push, TechNeed
from portal.factories import ApplicantFactory, OrganisationFactory, UserFactory
from portal.identifiers import patent_check_character
from portal.models import Organisation, Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def staff(db):
    return ApplicantFactory(organisation=OrganisationFactory(kind=Organisation.Kind.UNIVERSITY))


@pytest.fixture
def patent(staff):
    digits = "202110182616"
    return Patent.objects.create(
        number=f"{digits}.{patent_check_character(digits)}", title="硅碳负极材料",
        kind=Patent.Kind.INVENTION, status=Patent.Status.VALID, filed_on=date(2021, 2, 19),
        granted_on=date(2023, 6, 2), owner=staff.organisation, industry="04", ipc="H01M4/38",
    )  # fmt: skip


def test_conversions_are_recorded_with_field_errors_and_read_by_the_party(staff, patent):
    api = client_for(staff)
    bad = api.post(
        "/api/v1/conversions/",
        {"patent": patent.pk, "kind": "pledge", "starts_on": "2025-01-01"},
        format="json",
    )
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"counterparty_name", "amount", "ends_on"}
    wrong_type = api.post(
        "/api/v1/conversions/",
        {"patent": patent.pk, "kind": "transfer", "starts_on": "soon", "amount": "many"},
        format="json",
    )
    assert wrong_type.status_code == 400
    assert {"starts_on", "amount"} <= set(wrong_type.json()["errors"])
    enterprise = ApplicantFactory()
    made = api.post(
        "/api/v1/conversions/",
        {"patent": patent.pk, "kind": "licence", "licence_kind": "exclusive",
         "counterparty": enterprise.organisation.pk, "amount": "800000.00",
         "starts_on": "2025-01-01", "ends_on": "2027-12-31"},
        format="json",
    )  # fmt: skip
    assert made.status_code == 201, made.json()
    assert made.json()["counterparty_name"] == enterprise.organisation.name
    refused = api.post(
        "/api/v1/conversions/",
        {"patent": patent.pk, "kind": "open_licence", "fee_standard": "3%",
         "payment_method": "年付", "starts_on": "2026-01-01", "ends_on": "2026-12-31"},
        format="json",
    )  # fmt: skip
    assert refused.status_code == 400
    assert "独占许可" in refused.json()["errors"]["kind"][0]  # the UI's default language
    listed = client_for(enterprise).get("/api/v1/conversions/", {"kind": "licence"}).json()
    assert [row["patent_number"] for row in listed["results"]] == [patent.number]
    assert client_for(ApplicantFactory()).get("/api/v1/conversions/").json()["count"] == 0
    # Someone else's patent is not found, let alone recorded on.
    other = ApplicantFactory(organisation=OrganisationFactory(kind=Organisation.Kind.UNIVERSITY))
    response = client_for(other).post(
        "/api/v1/conversions/",
        {"patent": patent.pk, "kind": "transfer", "counterparty_name": "x",
         "starts_on": "2025-01-01"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 404
    assert Conversion.objects.count() == 1


def test_open_licences_are_searched_by_enterprises(staff, patent):
    Conversion.objects.create(
        patent=patent, kind="open_licence", fee_standard="5万元/年", payment_method="年付",
        starts_on=date(2024, 1, 1), ends_on=date(2099, 1, 1), recorded_by=staff,
    )  # fmt: skip
    enterprise = client_for(ApplicantFactory())
    found = enterprise.get("/api/v1/open-licences/", {"ipc": "H01M"}).json()
    assert [row["patent"]["number"] for row in found["results"]] == [patent.number]
    assert enterprise.get("/api/v1/open-licences/", {"q": "齿轮"}).json()["count"] == 0
    assert (
        client_for(UserFactory(role=Role.EXPERT)).get("/api/v1/open-licences/").status_code == 403
    )


def test_needs_matches_feedback_and_pushes(staff, patent, django_capture_on_commit_callbacks):
    enterprise = ApplicantFactory()
    api = client_for(enterprise)
    posted = api.post(
        "/api/v1/needs/",
        {"title": "高比容量负极材料", "description": "寻求硅碳负极材料技术许可",
         "industry": "04", "cooperation": "licence", "budget_min": "500000",
         "budget_max": "100000"},
        format="json",
    )  # fmt: skip
    assert posted.status_code == 400
    assert "budget_max" in posted.json()["errors"]
    with django_capture_on_commit_callbacks(execute=True):
        posted = api.post(
            "/api/v1/needs/",
            {"title": "高比容量负极材料", "description": "寻求硅碳负极材料技术许可",
             "industry": "04", "cooperation": "licence"},
            format="json",
        )  # fmt: skip
    assert posted.status_code == 201
    need = TechNeed.objects.get(pk=posted.json()["id"])
    # The worker ran in-process after commit and suggested the patent, with why.
    matches = api.get(f"/api/v1/needs/{need.pk}/matches/").json()
    assert [m["patent_number"] for m in matches] == [patent.number]
    assert matches[0]["same_industry"] is True
    match_id = matches[0]["id"]
    bad = api.post(f"/api/v1/matches/{match_id}/feedback/", {"rating": 9}, format="json")
    assert bad.status_code == 400
    given = api.post(
        f"/api/v1/matches/{match_id}/feedback/",
        {"rating": 5, "wants_cooperation": True},
        format="json",
    )
    assert given.json()["feedback"]["rating"] == 5
    patent.refresh_from_db()
    assert patent.tier == "A"
    stranger = client_for(ApplicantFactory())
    assert stranger.get(f"/api/v1/needs/{need.pk}/").status_code == 404
    assert stranger.post(f"/api/v1/matches/{match_id}/feedback/", {"rating": 1}).status_code == 404
    reviewer = client_for(UserFactory(role=Role.REVIEWER))
    pushed = reviewer.post(
        f"/api/v1/patents/{patent.pk}/push/",
        {"organisations": [enterprise.organisation.pk], "note": "请关注"},
        format="json",
    )
    assert pushed.json() == {"pushed": 1}
    assert Push.objects.filter(patent=patent, organisation=enterprise.organisation).exists()
    assert (
        client_for(staff)
        .post(f"/api/v1/patents/{patent.pk}/push/", {"organisations": [enterprise.organisation.pk]})
        .status_code
        == 403
    )
    assert Match.objects.filter(computed_at__lte=timezone.now()).count() == 1


def test_schema_of_the_patents_api_has_no_warnings():
    router = DefaultRouter()
    for prefix, viewset in (
        ("patents", patents_api.PatentViewSet),
        ("patent-imports", patents_api.PatentImportViewSet),
        ("conversions", patents_api.ConversionViewSet),
        ("open-licences", patents_api.OpenLicenceViewSet),
        ("needs", patents_api.NeedViewSet),
        ("matches", patents_api.MatchViewSet),
    ):
        router.register(prefix, viewset, basename=f"schema-{prefix}")
    GENERATOR_STATS.reset()
    schema = SchemaGenerator(patterns=[path("api/v1/", include(router.urls))]).get_schema(
        request=None, public=True
    )
    assert not GENERATOR_STATS, "drf-spectacular reported warnings or errors"
    assert "/api/v1/conversions/{id}/end/" in schema["paths"]
    assert "/api/v1/matches/{id}/feedback/" in schema["paths"]
