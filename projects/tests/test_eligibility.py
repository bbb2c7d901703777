"""Who may lead an application (projects/eligibility.py): every rule of the 2023 guide, passing
and failing, with the message the applicant reads."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from portal.factories import ApplicantFactory, OrganisationFactory, region
from portal.identifiers import patent_check_character
from portal.models import Organisation
from projects import eligibility, services
from projects import factories as f
from projects.models import Application, DeclaredPatent

pytestmark = pytest.mark.django_db

K = Organisation.Kind
INVENTION, UTILITY, DESIGN = (
    DeclaredPatent.Kind.INVENTION,
    DeclaredPatent.Kind.UTILITY_MODEL,
    DeclaredPatent.Kind.DESIGN,
)


def findings(organisation, lot, **context) -> dict[str, eligibility.Finding]:
    return {
        finding.code: finding
        for finding in eligibility.check(organisation=organisation, lot=lot, **context)
    }


def design_numbers(count: int) -> list[str]:
    """Valid application numbers of design patents (type digit 3)."""
    numbers = []
    for serial in range(1, count + 1):
        digits = f"20213{serial:07d}"
        numbers.append(f"{digits}.{patent_check_character(digits)}")
    return numbers


def submit_errors(application) -> list[str]:
    with pytest.raises(ValidationError) as error:
        services.application_submit(actor=application.created_by, application=application)
    return error.value.messages


# Verified organisation -------------------------------------------------------------------------


def test_a_verified_organisation_passes(call):
    organisation = OrganisationFactory(kind=K.ENTERPRISE)
    finding = findings(organisation, f.lot(call, 4))["verified"]
    assert finding.passed
    assert organisation.name in finding.message


@pytest.mark.parametrize("status", [Organisation.Status.PENDING, Organisation.Status.REJECTED])
def test_an_unverified_organisation_fails_and_cannot_start_a_draft(call, status):
    organisation = OrganisationFactory(kind=K.ENTERPRISE, status=status)
    finding = findings(organisation, f.lot(call, 4))["verified"]
    assert not finding.passed
    assert organisation.name in finding.message
    assert "not been verified" in finding.message
    user = ApplicantFactory(organisation=organisation)
    with pytest.raises(PermissionDenied):
        services.application_create(actor=user, lot=f.lot(call, 4))
    assert not Application.objects.exists()


# Applicant kind per category -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (1, K.PARK_COMMITTEE),
        (1, K.SERVICE_AGENCY),
        (2, K.ENTERPRISE),
        (2, K.UNIVERSITY),
        (2, K.RESEARCH_INSTITUTE),
        (3, K.ENTERPRISE),
        (4, K.SERVICE_AGENCY),
        (4, K.UNIVERSITY),
        (5, K.GOVERNMENT),
        (5, K.ENTERPRISE),
        (6, K.PARK_COMMITTEE),
        (6, K.GOVERNMENT),
    ],
)
def test_an_eligible_kind_of_organisation_passes(call, code, kind):
    organisation = OrganisationFactory(kind=kind)
    finding = findings(organisation, f.lot(call, code))["applicant_kind"]
    assert finding.passed, finding.message


@pytest.mark.parametrize(
    ("code", "kind", "allowed"),
    [
        (1, K.ENTERPRISE, ["Park management committee", "Service agency"]),
        (1, K.UNIVERSITY, ["Park management committee", "Service agency"]),
        (2, K.PARK_COMMITTEE, ["Enterprise", "University", "Research institute"]),
        (2, K.GOVERNMENT, ["Enterprise", "University", "Research institute"]),
        (3, K.UNIVERSITY, ["Enterprise"]),
        (3, K.SERVICE_AGENCY, ["Enterprise"]),
        (4, K.GOVERNMENT, ["Enterprise", "University", "Research institute", "Service agency"]),
        (6, K.ENTERPRISE, ["Park management committee", "Service agency", "Government agency"]),
    ],
)
def test_an_ineligible_kind_fails_naming_the_kinds_the_category_accepts(call, code, kind, allowed):
    organisation = OrganisationFactory(kind=kind)
    finding = findings(organisation, f.lot(call, code))["applicant_kind"]
    assert not finding.passed
    assert f"Category {code} accepts only" in finding.message
    assert organisation.name in finding.message
    assert str(K(kind).label) in finding.message
    for label in allowed:
        assert label in finding.message


def test_an_ineligible_kind_blocks_submission(call):
    user = f.applicant(kind=K.UNIVERSITY)
    application = services.application_create(actor=user, lot=f.lot(call, 3))
    f.complete(application, actor=user)
    f.listing_reserve(user.organisation)
    messages = submit_errors(application)
    assert any("Category 3 accepts only" in message for message in messages)
    application.refresh_from_db()
    assert application.status == Application.Status.DRAFT


# Category 3: listing reserve and patents -------------------------------------------------------


def test_category_3_requires_the_2023_listing_reserve_list(call):
    organisation = OrganisationFactory(kind=K.ENTERPRISE)
    lot = f.lot(call, 3)
    finding = findings(organisation, lot)["qualification"]
    assert not finding.passed
    assert "Key listing-reserve enterprise (2023)" in finding.message
    assert organisation.name in finding.message

    f.listing_reserve(organisation, year=2022)
    assert not findings(organisation, lot)["qualification"].passed

    f.listing_reserve(organisation, year=2023)
    finding = findings(organisation, lot)["qualification"]
    assert finding.passed
    assert "Key listing-reserve enterprise (2023)" in finding.message


@pytest.mark.parametrize(
    ("kinds", "count", "passed"),
    [
        ([INVENTION] * 9, 9, False),
        ([INVENTION] * 10, 10, True),
        ([INVENTION] * 4 + [UTILITY] * 6, 10, True),
        ([UTILITY] * 9 + [DESIGN] * 5, 9, False),
        ([INVENTION] * 5 + [UTILITY] * 5 + [DESIGN] * 3, 10, True),
        ([DESIGN] * 12, 0, False),
        ([], 0, False),
    ],
)
def test_category_3_counts_invention_and_utility_model_patents_only(call, kinds, count, passed):
    organisation = OrganisationFactory(kind=K.ENTERPRISE)
    finding = findings(organisation, f.lot(call, 3), declared_patent_kinds=kinds)["patent_count"]
    assert finding.passed is passed
    assert str(count) in finding.message
    if not passed:
        assert f"At least 10 invention and utility-model patents are required; {count} are" in (
            finding.message
        )


def test_category_3_submission_counts_the_declared_numbers_and_ignores_designs(call):
    user = f.applicant(kind=K.ENTERPRISE)
    f.listing_reserve(user.organisation)
    application = services.application_create(actor=user, lot=f.lot(call, 3))
    f.complete(application, actor=user)
    services.application_update(
        actor=user,
        application=application,
        data={},
        patents=f.PATENTS[:9] + design_numbers(3),
    )
    assert application.patents.count() == 12
    assert application.patents.filter(kind=DESIGN).count() == 3
    messages = submit_errors(application)
    assert messages == [
        "At least 10 invention and utility-model patents are required; 9 are declared. List the "
        "application numbers of the patents you hold."
    ]

    services.application_update(
        actor=user, application=application, data={}, patents=f.PATENTS[:10] + design_numbers(3)
    )
    services.application_submit(actor=user, application=application)
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED


def test_category_3_without_the_listing_reserve_cannot_be_submitted(call):
    user = f.applicant(kind=K.ENTERPRISE)
    application = services.application_create(actor=user, lot=f.lot(call, 3))
    f.complete(application, actor=user)
    messages = submit_errors(application)
    assert len(messages) == 1
    assert "Only organisations on the list Key listing-reserve enterprise (2023)" in messages[0]


# Category 2: an earlier project not yet accepted -----------------------------------------------

CATEGORY_2_ACTUALS = {"invention_growth": 140, "hv_report": 1, "mgmt_system": 1}


def test_category_2_refuses_a_lead_with_an_unaccepted_project_until_it_is_accepted(rev):
    earlier_call = f.open_call(rev, categories=(2,))
    later_call = f.open_call(rev, categories=(2,))
    user = f.applicant(kind=K.ENTERPRISE)
    earlier = f.scored(earlier_call, [80, 80, 80], code=2, actor=rev, user=user)
    later = services.application_create(actor=user, lot=f.lot(later_call, 2))
    f.complete(later, actor=user)

    def finding():
        return findings(user.organisation, f.lot(later_call, 2), application=later)[
            "no_unaccepted_project"
        ]

    # Scored but not approved: not a project yet, so not blocking.
    assert finding().passed

    services.application_approve(actor=rev, application=earlier, amount=35 * f.WAN)
    blocked = finding()
    assert not blocked.passed
    assert earlier.number in blocked.message
    assert "has not been accepted" in blocked.message
    assert any(earlier.number in message for message in submit_errors(later))

    services.progress_report_submit(
        actor=user, application=earlier, narrative="进展", actuals={"invention_growth": 110}
    )
    earlier.refresh_from_db()
    assert earlier.status == Application.Status.IN_EXECUTION
    assert not finding().passed

    services.progress_report_submit(
        actor=user, application=earlier, narrative="结题", actuals=CATEGORY_2_ACTUALS, final=True
    )
    earlier.refresh_from_db()
    assert earlier.status == Application.Status.ACCEPTANCE_SUBMITTED
    assert not finding().passed
    assert any(earlier.number in message for message in submit_errors(later))

    services.acceptance_decide(actor=rev, application=earlier, accepted=True, reason="全部达标")
    assert finding().passed
    services.application_submit(actor=user, application=later)
    later.refresh_from_db()
    assert later.status == Application.Status.SUBMITTED


def test_category_2_is_not_blocked_by_a_project_of_another_category(rev):
    earlier_call = f.open_call(rev, categories=(3,))
    later_call = f.open_call(rev, categories=(2,))
    user = f.applicant(kind=K.ENTERPRISE)
    earlier = f.scored(earlier_call, [80, 80, 80], code=3, actor=rev, user=user)
    services.application_approve(actor=rev, application=earlier, amount=30 * f.WAN)
    assert findings(user.organisation, f.lot(later_call, 2))["no_unaccepted_project"].passed
    # Another organisation's unaccepted category-2 project does not block this one either.
    other_call = f.open_call(rev, categories=(2,))
    other = f.scored(other_call, [80, 80, 80], code=2, actor=rev)
    services.application_approve(actor=rev, application=other, amount=35 * f.WAN)
    assert findings(user.organisation, f.lot(later_call, 2))["no_unaccepted_project"].passed
    assert not findings(other.lead_organisation, f.lot(later_call, 2))[
        "no_unaccepted_project"
    ].passed


# One application per organisation, category and call ------------------------------------------


def test_an_organisation_cannot_lead_two_applications_in_one_category_of_a_call(call):
    user = f.applicant(kind=K.ENTERPRISE)
    first = services.application_create(actor=user, lot=f.lot(call, 4))
    colleague = ApplicantFactory(organisation=user.organisation)
    with pytest.raises(ValidationError) as error:
        services.application_create(actor=colleague, lot=f.lot(call, 4))
    assert error.value.code == "one_per_call"
    assert first.number in error.value.messages[0]
    assert user.organisation.name in error.value.messages[0]
    assert Application.objects.count() == 1

    # The finding explains it too; the application itself is not counted against itself.
    assert findings(user.organisation, f.lot(call, 4), application=first)["one_per_call"].passed
    blocked = findings(user.organisation, f.lot(call, 4))["one_per_call"]
    assert not blocked.passed
    assert first.number in blocked.message


def test_the_database_refuses_a_second_lead_application_in_one_category_of_a_call(call):
    user = f.applicant(kind=K.ENTERPRISE)
    first = services.application_create(actor=user, lot=f.lot(call, 4))
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(
            number="2026-4-duplicate",
            call_category=first.call_category,
            lead_organisation=first.lead_organisation,
            period_months=12,
            created_by=user,
        )
    assert Application.objects.count() == 1


def test_the_same_organisation_may_lead_in_another_category_or_another_call(rev, call):
    user = f.applicant(kind=K.ENTERPRISE)
    services.application_create(actor=user, lot=f.lot(call, 4))
    services.application_create(actor=user, lot=f.lot(call, 3))
    other_call = f.open_call(rev, categories=(4,))
    services.application_create(actor=user, lot=f.lot(other_call, 4))
    assert Application.objects.filter(lead_organisation=user.organisation).count() == 3


# Category 5: sub-type; category 6: county ------------------------------------------------------

SUBTYPES = ["产业规划类", "区域规划类", "人才管理类", "研发活动类"]


@pytest.mark.parametrize("subtype", SUBTYPES)
def test_category_5_passes_with_a_sub_type(call, subtype):
    organisation = OrganisationFactory(kind=K.GOVERNMENT)
    finding = findings(organisation, f.lot(call, 5), subtype=subtype)["subtype"]
    assert finding.passed
    assert subtype in finding.message


@pytest.mark.parametrize("subtype", ["", "其他类"])
def test_category_5_fails_without_a_sub_type_listing_the_four(call, subtype):
    organisation = OrganisationFactory(kind=K.GOVERNMENT)
    finding = findings(organisation, f.lot(call, 5), subtype=subtype)["subtype"]
    assert not finding.passed
    for name in SUBTYPES:
        assert name in finding.message


def test_category_5_submission_needs_a_sub_type_and_refuses_an_unknown_one(call):
    user = f.applicant(kind=K.GOVERNMENT)
    application = services.application_create(actor=user, lot=f.lot(call, 5))
    f.complete(application, actor=user, amount=20 * f.WAN, subtype="")
    messages = submit_errors(application)
    assert len(messages) == 1
    assert all(name in messages[0] for name in SUBTYPES)

    with pytest.raises(ValidationError) as error:
        services.application_update(actor=user, application=application, data={"subtype": "其他类"})
    assert "其他类" in error.value.message_dict["subtype"][0]

    services.application_update(actor=user, application=application, data={"subtype": "区域规划类"})
    services.application_submit(actor=user, application=application)
    application.refresh_from_db()
    assert (application.status, application.subtype) == ("submitted", "区域规划类")


def test_category_6_passes_in_a_county(call):
    organisation = OrganisationFactory(kind=K.PARK_COMMITTEE, region=region("610921"))
    finding = findings(organisation, f.lot(call, 6))["county_region"]
    assert finding.passed
    assert "汉阴县" in finding.message


@pytest.mark.parametrize(("code", "name"), [("610900", "安康市"), ("610000", "陕西省")])
def test_category_6_fails_outside_a_county_naming_the_region(call, code, name):
    organisation = OrganisationFactory(kind=K.PARK_COMMITTEE, region=region(code))
    finding = findings(organisation, f.lot(call, 6))["county_region"]
    assert not finding.passed
    assert name in finding.message
    assert "county" in finding.message


def test_category_6_submission_outside_a_county_is_refused(call):
    user = f.applicant(kind=K.PARK_COMMITTEE, region_code="610900")
    application = services.application_create(actor=user, lot=f.lot(call, 6))
    f.complete(application, actor=user)
    messages = submit_errors(application)
    assert len(messages) == 1
    assert "安康市" in messages[0]


def test_an_unknown_rule_is_a_programming_error(call):
    lot = f.lot(call, 4)
    lot.spec = {**lot.spec, "rules": [{"rule": "made_up"}]}
    with pytest.raises(ValueError, match="made_up"):
        eligibility.check(organisation=OrganisationFactory(), lot=lot)


def test_every_finding_of_an_eligible_organisation_passes(call):
    organisation = OrganisationFactory(kind=K.ENTERPRISE)
    f.listing_reserve(organisation)
    result = eligibility.check(
        organisation=organisation,
        lot=f.lot(call, 3),
        declared_patent_kinds=[INVENTION] * 10,
    )
    assert [finding.code for finding in result] == [
        "verified",
        "applicant_kind",
        "one_per_call",
        "qualification",
        "patent_count",
    ]
    assert all(finding.passed for finding in result)
