"""The permission module, role by role: owner, member of another organisation, outsider."""

import pytest

from portal import permissions
from portal.factories import (
    ApplicantFactory,
    CityAgencyFactory,
    OrganisationFactory,
    UserFactory,
    region,
)
from portal.models import AuditEntry, Organisation, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def ankang_org():
    return OrganisationFactory(region=region("610902"))  # 汉滨区, under 安康市


@pytest.fixture
def xian_org():
    return OrganisationFactory(region=region("610100"))


def test_applicant_sees_only_its_own_organisation(ankang_org, xian_org):
    applicant = ApplicantFactory(organisation=ankang_org)
    assert permissions.can(applicant, "organisation.view", ankang_org)
    assert not permissions.can(applicant, "organisation.view", xian_org)
    visible = permissions.scope(applicant, "organisation.view", Organisation.objects.all())
    assert list(visible) == [ankang_org]


def test_city_agency_sees_its_region_and_counties_only(ankang_org, xian_org):
    agency = CityAgencyFactory(region=region("610900"))
    assert permissions.can(agency, "organisation.view", ankang_org)
    assert not permissions.can(agency, "organisation.view", xian_org)
    visible = set(permissions.scope(agency, "organisation.view", Organisation.objects.all()))
    assert ankang_org in visible and xian_org not in visible


def test_county_agency_does_not_see_its_city_or_sibling_counties(ankang_org):
    other_county = OrganisationFactory(region=region("610921"))
    agency = CityAgencyFactory(region=region("610902"))
    visible = set(permissions.scope(agency, "organisation.view", Organisation.objects.all()))
    assert visible == {ankang_org}
    assert not permissions.can(agency, "organisation.view", other_county)


def test_reviewer_sees_all_and_verifies_pending_only(ankang_org):
    reviewer = UserFactory(role=Role.REVIEWER)
    pending = OrganisationFactory(status=Organisation.Status.PENDING)
    assert permissions.can(reviewer, "organisation.view", ankang_org)
    assert permissions.can(reviewer, "organisation.verify", pending)
    assert not permissions.can(reviewer, "organisation.verify", ankang_org)  # already verified


@pytest.mark.parametrize(
    "role",
    [
        Role.APPLICANT,
        Role.EXPERT,
        Role.CITY_AGENCY,
        Role.LEADER,
        Role.SYSTEM_ADMIN,
        Role.SECURITY_ADMIN,
        Role.AUDIT_ADMIN,
    ],
)
def test_only_reviewers_verify_organisations(role):
    pending = OrganisationFactory(status=Organisation.Status.PENDING)
    user = UserFactory(
        role=role,
        organisation=pending if role == Role.APPLICANT else None,
        region=region("610900") if role == Role.CITY_AGENCY else None,
    )
    assert not permissions.can(user, "organisation.verify", pending)


def test_three_administrators_are_separated():
    system = UserFactory(role=Role.SYSTEM_ADMIN)
    security = UserFactory(role=Role.SECURITY_ADMIN)
    audit = UserFactory(role=Role.AUDIT_ADMIN)
    other = UserFactory(role=Role.REVIEWER)
    # System admin: accounts, not roles, not the audit log.
    assert permissions.can(system, "user.manage", other)
    assert not permissions.can(system, "role.assign", other)
    assert not permissions.can(system, "audit.view")
    # Security admin: roles, not accounts, not the audit log, never on itself.
    assert permissions.can(security, "role.assign", other)
    assert not permissions.can(security, "role.assign", security)
    assert not permissions.can(security, "user.manage", other)
    assert not permissions.can(security, "audit.view")
    # Audit admin: reads the audit log, nothing else.
    assert permissions.can(audit, "audit.view")
    assert not permissions.can(audit, "user.manage", other)
    assert not permissions.can(audit, "role.assign", other)
    assert not permissions.can(audit, "organisation.list")


def test_system_admin_cannot_disable_itself():
    system = UserFactory(role=Role.SYSTEM_ADMIN)
    assert not permissions.can(system, "user.manage", system)


def test_inactive_and_anonymous_users_may_nothing(ankang_org):
    from django.contrib.auth.models import AnonymousUser

    reviewer = UserFactory(role=Role.REVIEWER, is_active=False)
    assert not permissions.can(reviewer, "organisation.view", ankang_org)
    assert not permissions.can(AnonymousUser(), "organisation.view", ankang_org)
    assert not permissions.scope(reviewer, "organisation.view", Organisation.objects.all()).exists()


def test_audit_scope_is_empty_for_everyone_but_the_audit_admin():
    AuditEntry.objects.create(event="x")
    for role in Role.values:
        if role in {Role.APPLICANT, Role.CITY_AGENCY}:
            continue
        user = UserFactory(role=role)
        count = permissions.scope(user, "audit.view", AuditEntry.objects.all()).count()
        assert count == (1 if role == Role.AUDIT_ADMIN else 0), role


def test_unknown_permission_code_is_a_programming_error():
    with pytest.raises(KeyError):
        permissions.can(UserFactory(), "no.such.rule")


def test_only_an_applicant_of_a_verified_organisation_may_submit():
    verified = ApplicantFactory()
    pending = ApplicantFactory(organisation__status=Organisation.Status.PENDING)
    assert permissions.can(verified, "organisation.submit")
    assert not permissions.can(pending, "organisation.submit")
    assert not permissions.can(UserFactory(role=Role.REVIEWER), "organisation.submit")


# The three administrators over every registered rule (GB/T 22239-2019 8.1.4.2 d: separation
# of the system, security and audit administrators; none of them does business work).

# What each administrator may do; everything else registered must be refused. Common to all:
# their home page, the API (their own data), the regions list, their own second factor.
COMMON_TO_ALL = {"portal.home", "portal.api", "region.view", "otp.enrol", "notification.view"}
ADMIN_MAY = {
    Role.SYSTEM_ADMIN: COMMON_TO_ALL
    | {"user.list", "user.manage", "organisation.list", "organisation.view", "region.list"},
    Role.SECURITY_ADMIN: COMMON_TO_ALL
    | {
        "user.list",
        "role.assign",
        "lockout.manage",
        "otp.reset",
        "organisation.list",
        "organisation.view",
    },
    Role.AUDIT_ADMIN: COMMON_TO_ALL | {"audit.view"},
}


def _can(user, code: str) -> bool:
    try:
        return permissions.can(user, code)
    except AttributeError:
        # A rule about one object: ask about an object that matches nobody in particular.
        from unittest import mock

        return permissions.can(user, code, mock.MagicMock(pk=-1, id=-1))


@pytest.mark.parametrize("role", sorted(ADMIN_MAY))
def test_each_administrator_may_only_its_own_duties(role):
    admin = UserFactory(role=role)
    granted = {code for code in permissions._RULES if _can(admin, code)}
    assert granted <= ADMIN_MAY[role], sorted(granted - ADMIN_MAY[role])


def test_only_the_security_admin_manages_lockouts():
    for role in Role.values:
        user = UserFactory(
            role=role,
            organisation=OrganisationFactory() if role == Role.APPLICANT else None,
            region=region("610900") if role == Role.CITY_AGENCY else None,
        )
        assert permissions.can(user, "lockout.manage") == (role == Role.SECURITY_ADMIN), role
