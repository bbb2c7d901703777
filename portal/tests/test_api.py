import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from portal.factories import (
    ApplicantFactory,
    CityAgencyFactory,
    OrganisationFactory,
    UserFactory,
    region,
)
from portal.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_regions_are_listed_with_filters(api):
    api.force_authenticate(UserFactory(role=Role.REVIEWER))
    body = api.get("/api/v1/regions/", {"parent": "610900"}).json()
    codes = {row["code"] for row in body["results"]}
    assert "610981" in codes and "610902" in codes and "610100" not in codes
    assert api.get("/api/v1/regions/61YL00/").json()["is_internal_code"] is True


def test_applicant_sees_only_its_organisation_through_the_api(api):
    applicant = ApplicantFactory()
    other = OrganisationFactory()
    api.force_authenticate(applicant)
    ids = [row["id"] for row in api.get("/api/v1/organisations/").json()["results"]]
    assert ids == [applicant.organisation_id]
    assert api.get(f"/api/v1/organisations/{other.pk}/").status_code == 404


def test_city_agency_api_scope(api):
    inside = OrganisationFactory(region=region("610981"))
    OrganisationFactory(region=region("610100"))
    api.force_authenticate(CityAgencyFactory(region=region("610900")))
    ids = [row["id"] for row in api.get("/api/v1/organisations/").json()["results"]]
    assert ids == [inside.pk]


def test_reviewer_sees_all_and_filters_by_region(api):
    OrganisationFactory(region=region("610981"))
    OrganisationFactory(region=region("610100"))
    api.force_authenticate(UserFactory(role=Role.REVIEWER))
    assert api.get("/api/v1/organisations/").json()["count"] == 2
    assert api.get("/api/v1/organisations/", {"region": "610100"}).json()["count"] == 1


def test_token_authentication(api):
    user = UserFactory(role=Role.REVIEWER)
    token = Token.objects.create(user=user)
    assert api.get("/api/v1/regions/").status_code in {401, 403}
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get("/api/v1/regions/").status_code == 200


def test_account_without_a_role_is_refused(api):
    api.force_authenticate(UserFactory(role=""))
    assert api.get("/api/v1/organisations/").status_code == 403


def test_schema_and_docs_are_served_without_a_cdn(api, client):
    api.force_authenticate(UserFactory(role=Role.REVIEWER))
    schema = api.get("/api/v1/schema/")
    assert schema.status_code == 200 and b"/api/v1/organisations/" in schema.content
    client.force_login(UserFactory(role=Role.REVIEWER))
    docs = client.get("/api/v1/docs/").content.decode()
    assert "swagger-ui" in docs
    assert "cdn" not in docs.lower() and "https://" not in docs
