import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from portal import services
from portal.factories import ApplicantFactory, OrganisationFactory, UserFactory, region
from portal.models import AuditEntry, Notification, Organisation, Qualification, Role, User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_messages():
    """Messages are asserted in their source language; test_i18n covers the Chinese."""
    with translation.override("en"):
        yield


def register(**overrides):
    data = {
        "username": "newcomer",
        "password": "Xa9!kLm2#pQ",
        "name": "新用户",
        "email": "newcomer@example.invalid",
        "phone": "13800000000",
        "organisation_name": "安康新单位有限公司",
        "credit_code": "916101315784145092",
        "kind": Organisation.Kind.ENTERPRISE,
        "region": region("610902"),
    }
    return services.organisation_register(**{**data, **overrides})


def test_registration_creates_a_pending_organisation_and_its_applicant(
    django_capture_on_commit_callbacks,
):
    reviewer = UserFactory(role=Role.REVIEWER)
    with django_capture_on_commit_callbacks(execute=True):
        user = register(credit_code="916101315784145092")
    org = user.organisation
    assert user.role == Role.APPLICANT
    assert org.status == Organisation.Status.PENDING
    assert org.credit_code == "916101315784145092"
    assert user.check_password("Xa9!kLm2#pQ")
    entry = AuditEntry.objects.get(event="organisation.register")
    assert entry.actor == user and entry.target_id == str(org.pk)
    assert entry.after["credit_code"] == "916101315784145092"
    # The reviewers are told, in the inbox and by e-mail after commit.
    note = Notification.objects.get(recipient=reviewer)
    assert org.name in note.title
    assert [m.to for m in mail.outbox] == [[reviewer.email]]


def test_registration_refuses_a_wrong_credit_code_and_stores_nothing():
    with pytest.raises(ValidationError) as error:
        register(credit_code="916101315784145093")
    assert "check character" in error.value.message_dict["credit_code"][0]
    assert not Organisation.objects.exists()
    assert not User.objects.filter(username="newcomer").exists()


def test_registration_refuses_a_credit_code_already_registered():
    OrganisationFactory(credit_code="916101315784145092")
    with pytest.raises(ValidationError) as error:
        register(credit_code="916101315784145092")
    assert "already registered" in error.value.message_dict["credit_code"][0]
    assert not User.objects.filter(username="newcomer").exists()


def test_registration_refuses_a_taken_user_name_and_leaves_no_organisation_behind():
    UserFactory(username="Newcomer")
    with pytest.raises(ValidationError) as error:
        register(username="newcomer")
    assert "username" in error.value.message_dict
    assert not Organisation.objects.filter(credit_code="916101315784145092").exists()


def test_verify_and_reject_record_who_and_why(django_capture_on_commit_callbacks):
    reviewer = UserFactory(role=Role.REVIEWER)
    applicant = ApplicantFactory(organisation__status=Organisation.Status.PENDING)
    org = applicant.organisation

    with django_capture_on_commit_callbacks(execute=True):
        services.organisation_reject(actor=reviewer, organisation=org, reason="营业执照不清晰")
    org.refresh_from_db()
    assert org.status == Organisation.Status.REJECTED
    entry = AuditEntry.objects.get(event="organisation.reject")
    assert entry.reason == "营业执照不清晰"
    assert entry.before == {"status": "pending", "status_reason": ""}
    assert Notification.objects.filter(recipient=applicant, event="organisation.reject").exists()

    # The applicant fixes the details, which sends it back for verification.
    services.organisation_update(actor=applicant, organisation=org, data={"address": "新地址"})
    org.refresh_from_db()
    assert org.status == Organisation.Status.PENDING

    services.organisation_verify(actor=reviewer, organisation=org)
    org.refresh_from_db()
    assert org.is_verified and org.verified_by == reviewer and org.verified_at is not None
    assert AuditEntry.objects.filter(event="organisation.verify", actor=reviewer).count() == 1


def test_reject_needs_a_reason():
    reviewer = UserFactory(role=Role.REVIEWER)
    org = OrganisationFactory(status=Organisation.Status.PENDING)
    with pytest.raises(ValidationError):
        services.organisation_reject(actor=reviewer, organisation=org, reason="  ")
    org.refresh_from_db()
    assert org.status == Organisation.Status.PENDING


def test_an_applicant_cannot_verify_its_own_organisation():
    applicant = ApplicantFactory(organisation__status=Organisation.Status.PENDING)
    with pytest.raises(PermissionDenied):
        services.organisation_verify(actor=applicant, organisation=applicant.organisation)
    applicant.organisation.refresh_from_db()
    assert applicant.organisation.status == Organisation.Status.PENDING


def test_an_applicant_cannot_edit_another_organisation():
    applicant = ApplicantFactory()
    other = OrganisationFactory()
    with pytest.raises(PermissionDenied):
        services.organisation_update(actor=applicant, organisation=other, data={"name": "x"})


def test_a_verified_organisation_keeps_its_credit_code_unless_the_bureau_changes_it():
    applicant = ApplicantFactory()
    with pytest.raises(ValidationError) as error:
        services.organisation_update(
            actor=applicant,
            organisation=applicant.organisation,
            data={"credit_code": "916101315784145092"},
        )
    assert "credit_code" in error.value.message_dict


def test_update_audits_only_what_changed():
    applicant = ApplicantFactory(organisation__address="旧地址")
    services.organisation_update(
        actor=applicant,
        organisation=applicant.organisation,
        data={"address": "新地址", "name": applicant.organisation.name},
    )
    entry = AuditEntry.objects.get(event="organisation.update")
    assert entry.before == {"address": "旧地址"} and entry.after == {"address": "新地址"}


def test_qualification_once_per_kind_and_year():
    reviewer = UserFactory(role=Role.REVIEWER)
    org = OrganisationFactory()
    services.qualification_add(
        actor=reviewer,
        organisation=org,
        kind="little_giant",
        year=2024,
        source="工信部第六批专精特新“小巨人”企业名单",
    )
    with pytest.raises(ValidationError):
        services.qualification_add(
            actor=reviewer, organisation=org, kind="little_giant", year=2024, source="again"
        )
    assert Qualification.objects.filter(organisation=org).count() == 1


def test_system_admin_creates_account_and_security_admin_grants_role():
    system = UserFactory(role=Role.SYSTEM_ADMIN)
    security = UserFactory(role=Role.SECURITY_ADMIN)
    user = services.user_create(actor=system, username="agent", password="Xa9!kLm2#pQ", name="市局")
    assert user.role == ""
    with pytest.raises(PermissionDenied):
        services.user_assign_role(
            actor=system, user=user, role=Role.CITY_AGENCY, region=region("610900")
        )
    with pytest.raises(ValidationError) as error:
        services.user_assign_role(actor=security, user=user, role=Role.CITY_AGENCY)
    assert "region" in error.value.message_dict
    services.user_assign_role(
        actor=security,
        user=user,
        role=Role.CITY_AGENCY,
        region=region("610900"),
        reason="安康市局联络员",
    )
    user.refresh_from_db()
    assert user.role == Role.CITY_AGENCY and user.region.code == "610900"
    entry = AuditEntry.objects.get(event="user.assign_role")
    assert entry.after["role"] == Role.CITY_AGENCY and entry.reason == "安康市局联络员"


def test_security_admin_cannot_change_its_own_role():
    security = UserFactory(role=Role.SECURITY_ADMIN)
    with pytest.raises(PermissionDenied):
        services.user_assign_role(actor=security, user=security, role=Role.AUDIT_ADMIN)
    security.refresh_from_db()
    assert security.role == Role.SECURITY_ADMIN


def test_system_admin_disables_an_account():
    system = UserFactory(role=Role.SYSTEM_ADMIN)
    user = UserFactory(role=Role.REVIEWER)
    services.user_update(actor=system, user=user, data={"is_active": False})
    user.refresh_from_db()
    assert not user.is_active
    assert AuditEntry.objects.get(event="user.update").after == {"is_active": False}


def test_notify_inside_emails_suppressed_writes_the_inbox_but_sends_no_mail(
    django_capture_on_commit_callbacks,
):
    reviewer = UserFactory(role=Role.REVIEWER)
    with django_capture_on_commit_callbacks(execute=True), services.emails_suppressed():
        services.notify(event="demo", recipients=[reviewer], title="演示")
    assert Notification.objects.filter(recipient=reviewer, title="演示").count() == 1
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        services.notify(event="demo", recipients=[reviewer], title="真实")
    assert [m.to for m in mail.outbox] == [[reviewer.email]]
