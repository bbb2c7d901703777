import pytest
from django.urls import reverse

from portal.factories import (
    ApplicantFactory,
    CityAgencyFactory,
    OrganisationFactory,
    UserFactory,
    region,
)
from portal.models import Organisation, Role

pytestmark = pytest.mark.django_db

REGISTRATION = {
    "organisation_name": "安康新单位有限公司",
    "credit_code": "916101315784145092",
    "kind": "enterprise",
    "address": "安康市汉滨区",
    "name": "新用户",
    "phone": "13800000000",
    "email": "new@example.invalid",
    "username": "newcomer",
    "password1": "Xa9!kLm2#pQ",
    "password2": "Xa9!kLm2#pQ",
}


def test_pages_need_login(client):
    for name in (
        "portal:home",
        "portal:organisation_list",
        "portal:audit_list",
        "portal:user_list",
        "portal:inbox",
    ):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/login/" in response["Location"], name


def test_registration_page_registers_and_logs_in(client):
    data = {**REGISTRATION, "region": region("610902").pk}
    response = client.post(reverse("portal:register"), data)
    assert response.status_code == 302
    org = Organisation.objects.get(credit_code="916101315784145092")
    assert org.status == Organisation.Status.PENDING
    page = client.get(reverse("portal:my_organisation"))
    assert page.status_code == 200 and org.name in page.content.decode()


def test_registration_page_names_the_bad_field(client):
    data = {
        **REGISTRATION,
        "region": region("610902").pk,
        "credit_code": "916101315784145093",
        "password2": "different",
    }
    response = client.post(reverse("portal:register"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert "credit_code" in form.errors and "password2" in form.errors
    assert not Organisation.objects.exists()


def test_outsider_gets_404_for_another_organisation(client):
    mine = ApplicantFactory()
    other = OrganisationFactory(region=region("610100"))
    client.force_login(mine)
    url = reverse("portal:organisation_detail", args=[other.pk])
    assert client.get(url).status_code == 404
    assert client.get(reverse("portal:organisation_edit", args=[other.pk])).status_code == 404
    assert client.post(reverse("portal:organisation_verify", args=[other.pk])).status_code == 404
    assert client.get(reverse("portal:organisation_list")).status_code == 403


def test_city_agency_lists_only_its_region(client):
    inside = OrganisationFactory(region=region("610902"), name="安康单位")
    outside = OrganisationFactory(region=region("610100"), name="西安单位")
    client.force_login(CityAgencyFactory(region=region("610900")))
    content = client.get(reverse("portal:organisation_list")).content.decode()
    assert inside.name in content and outside.name not in content
    assert client.get(reverse("portal:organisation_detail", args=[outside.pk])).status_code == 404


def test_reviewer_verifies_from_the_page(client):
    reviewer = UserFactory(role=Role.REVIEWER)
    applicant = ApplicantFactory(organisation__status=Organisation.Status.PENDING)
    client.force_login(reviewer)
    org = applicant.organisation
    page = client.get(reverse("portal:organisation_detail", args=[org.pk]))
    assert b'data-testid="verify-panel"' in page.content
    client.post(reverse("portal:organisation_verify", args=[org.pk]))
    org.refresh_from_db()
    assert org.is_verified
    # The applicant sees it in the inbox, with the unread count in the header.
    client.force_login(applicant)
    home = client.get(reverse("portal:home"))
    assert home.context["unread_count"] == 1
    client.post(reverse("portal:inbox_mark_read"))
    assert client.get(reverse("portal:home")).context["unread_count"] == 0


def test_applicant_does_not_see_the_verify_panel(client):
    applicant = ApplicantFactory(organisation__status=Organisation.Status.PENDING)
    client.force_login(applicant)
    page = client.get(reverse("portal:my_organisation"))
    assert page.status_code == 200 and b'data-testid="verify-panel"' not in page.content


def test_organisation_list_query_count_does_not_grow(client, django_assert_max_num_queries):
    OrganisationFactory.create_batch(30)
    client.force_login(UserFactory(role=Role.REVIEWER))
    with django_assert_max_num_queries(8):
        assert client.get(reverse("portal:organisation_list")).status_code == 200


def test_user_admin_pages_follow_the_separation_of_duties(client):
    target = UserFactory(role=Role.REVIEWER)
    client.force_login(UserFactory(role=Role.SYSTEM_ADMIN))
    page = client.get(reverse("portal:user_edit", args=[target.pk]))
    assert page.context["may_manage"] and not page.context["may_assign"]
    client.post(
        reverse("portal:user_edit", args=[target.pk]), {"action": "role", "role": Role.LEADER}
    )
    target.refresh_from_db()
    assert target.role == Role.REVIEWER  # the system admin may not grant roles

    client.force_login(UserFactory(role=Role.SECURITY_ADMIN))
    client.post(
        reverse("portal:user_edit", args=[target.pk]), {"action": "role", "role": Role.LEADER}
    )
    target.refresh_from_db()
    assert target.role == Role.LEADER


def test_security_admin_sees_the_missing_region_named(client):
    target = UserFactory(role="")
    client.force_login(UserFactory(role=Role.SECURITY_ADMIN))
    response = client.post(
        reverse("portal:user_edit", args=[target.pk]), {"action": "role", "role": Role.CITY_AGENCY}
    )
    assert "region" in response.context["role_form"].errors


def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["broker"]["status"] == "ok"


def test_healthz_is_503_when_the_broker_is_down(client, monkeypatch):
    from config.celery import app

    app.conf.task_always_eager = False
    previous = app.conf.broker_url
    # Nothing listens on port 1. Celery reads the environment variable before its config.
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = previous
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["status"] == "down"
