"""The business rules of projects/services/ (and the selectors built on them): declaration and
submission, the call window, experts and conflicts of interest, budgets, categories, acceptance
and overdue projects."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from portal import formats, permissions
from portal.dates import add_months
from portal.factories import ApplicantFactory, OrganisationFactory, UserFactory
from portal.models import AuditEntry, Notification, Organisation, Role
from projects import factories as f
from projects import selectors, services
from projects.models import (
    Application,
    Assignment,
    CallCategory,
    Category,
    DeclaredPatent,
    ExpertProfile,
    KPICommitment,
    ProgressReport,
)

pytestmark = pytest.mark.django_db

S = Application.Status
WAN = f.WAN
K = Organisation.Kind
FIELD = ExpertProfile.Field


def lots_of(call) -> list[services.LotInput]:
    return [
        services.LotInput(
            category=lot.category,
            budget=lot.budget,
            expected_projects=lot.expected_projects,
            amount_min=lot.amount_min,
            amount_max=lot.amount_max,
        )
        for lot in call.lots.select_related("category")
    ]


def move_window(call, rev, *, opens_at, closes_at):
    """The bureau moves the call's dates (call_update keeps budgets and categories)."""
    return services.call_update(
        actor=rev,
        call=call,
        data={"title": call.title, "year": call.year, "opens_at": opens_at, "closes_at": closes_at},
        lots=lots_of(call),
    )


# Declaration and submission --------------------------------------------------------------------


def test_a_draft_starts_with_the_category_kpis_and_saves_incomplete_data(call):
    user = f.applicant(kind=K.PARK_COMMITTEE)
    application = services.application_create(actor=user, lot=f.lot(call, 1))
    assert application.status == S.DRAFT
    assert application.period_months == 12
    assert list(application.kpis.values_list("code", "minimum", "committed")) == [
        (kpi["code"], Decimal(kpi["minimum"]), Decimal(kpi["minimum"]))
        for kpi in f.lot(call, 1).spec["kpis"]
    ]

    services.application_update(
        actor=user,
        application=application,
        data={"title": "安康高新区知识产权运营中心", "requested_amount": "", "contact_phone": ""},
        kpis={"staff": {"committed": 3}},
    )

    application.refresh_from_db()
    assert application.status == S.DRAFT
    assert application.title == "安康高新区知识产权运营中心"
    assert application.summary == ""
    assert application.requested_amount is None
    assert application.kpis.get(code="staff").committed == 3  # below the minimum: fine in a draft
    assert AuditEntry.objects.filter(
        event="project.application.update", target_id=str(application.pk)
    ).exists()


def test_submission_lists_every_problem_at_once(call):
    # An enterprise may not lead category 1; the draft also misses fields and KPI values.
    user = f.applicant(kind=K.ENTERPRISE)
    application = services.application_create(actor=user, lot=f.lot(call, 1))
    services.application_update(
        actor=user,
        application=application,
        data={"contact_phone": ""},
        kpis={
            "nav_training": {"committed": 100},
            "staff": {"committed": ""},
            "pledge_amount_growth": {"baseline": 100},
        },
    )

    with pytest.raises(ValidationError) as error:
        services.application_submit(actor=user, application=application)

    messages = error.value.messages
    expected = [
        "Category 1 accepts only",
        "Project title is required.",
        "Summary is required.",
        "Contact phone is required.",
        "Requested amount is required.",
        "项目实施方案 is required.",
        "“运营中心专职人员”: enter the value you commit to.",
        "“专利导航人才培育”: 100 is below the category minimum of 150 人次; commit at least the "
        "minimum.",
        "“受让高校院所专利的中小企业数量年度增幅”: enter last year's value (above 0) from which "
        "growth is measured.",
        "“知识产权质押融资项目数年度增幅”: enter last year's value",
    ]
    for text in expected:
        assert any(text in message for message in messages), text
    # The growth KPI with a baseline is not reported; the contact person came from the account.
    assert not any("知识产权质押融资金额年度增幅" in message for message in messages)
    assert not any("Contact person" in message for message in messages)
    application.refresh_from_db()
    assert application.status == S.DRAFT
    assert not application.history.exists()


def test_a_complete_eligible_application_is_submitted(call):
    application = f.submitted(call, 1)
    assert application.status == S.SUBMITTED
    assert application.submitted_at is not None


@pytest.mark.parametrize(
    ("code", "amount", "limit"), [(5, 31 * WAN, "CNY 300k"), (4, 501 * WAN, "CNY 5m")]
)
def test_the_requested_amount_is_held_against_the_category(call, code, amount, limit):
    kinds = {4: K.SERVICE_AGENCY, 5: K.GOVERNMENT}
    user = f.applicant(kind=kinds[code])
    application = services.application_create(actor=user, lot=f.lot(call, code))
    f.complete(application, actor=user, amount=amount)
    with pytest.raises(ValidationError) as error:
        services.application_submit(actor=user, application=application)
    assert len(error.value.messages) == 1
    assert limit in error.value.messages[0]  # formats.money_with_unit, here in English


def test_nobody_can_start_or_submit_before_the_call_opens(rev):
    future = f.open_call(rev, categories=(3,), opens_in=timedelta(days=2))
    user = f.applicant()
    with pytest.raises(ValidationError) as error:
        services.application_create(actor=user, lot=f.lot(future, 3))
    assert error.value.code == "call_closed"
    assert future.title in error.value.messages[0]

    call = f.open_call(rev, categories=(3,))
    user = f.applicant()
    f.listing_reserve(user.organisation)
    application = services.application_create(actor=user, lot=f.lot(call, 3))
    f.complete(application, actor=user)
    now = timezone.now()
    move_window(call, rev, opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=9))
    with pytest.raises(ValidationError) as error:
        services.application_submit(actor=user, application=application)
    assert error.value.code == "call_closed"
    application.refresh_from_db()
    assert application.status == S.DRAFT


def test_nobody_can_submit_after_the_call_closes(rev):
    call = f.open_call(rev, categories=(3,))
    user = f.applicant()
    f.listing_reserve(user.organisation)
    application = services.application_create(actor=user, lot=f.lot(call, 3))
    f.complete(application, actor=user)
    now = timezone.now()
    closes = now - timedelta(minutes=1)
    move_window(call, rev, opens_at=now - timedelta(days=30), closes_at=closes)

    with pytest.raises(ValidationError) as error:
        services.application_submit(actor=user, application=application)

    assert error.value.code == "call_closed"
    assert formats.moment(closes) in error.value.messages[0]
    application.refresh_from_db()
    assert application.status == S.DRAFT
    # Nor can anyone start a draft.
    with pytest.raises(ValidationError):
        services.application_create(actor=f.applicant(), lot=f.lot(call, 3))


@pytest.mark.parametrize(
    ("bad", "named"),
    [
        ("12345", "12345"),
        ("202110182616.4", "202110182616.4"),
        ("ZL2021ABCDEFGH.1", "ZL2021ABCDEFGH.1"),
    ],
)
def test_a_malformed_patent_number_is_refused_naming_it_and_nothing_is_saved(call, bad, named):
    user = f.applicant()
    application = services.application_create(actor=user, lot=f.lot(call, 3))
    services.application_update(
        actor=user, application=application, data={"title": "旧标题"}, patents=f.PATENTS[:2]
    )

    with pytest.raises(ValidationError) as error:
        services.application_update(
            actor=user,
            application=application,
            data={"title": "新标题", "requested_amount": 10 * WAN},
            kpis={"transfers_in": {"committed": 9}},
            patents=[*f.PATENTS[2:5], bad],
        )

    assert any(named in message for message in error.value.message_dict["patents"])
    application.refresh_from_db()
    assert application.title == "旧标题"
    assert application.requested_amount is None
    assert application.kpis.get(code="transfers_in").committed == 5
    assert sorted(application.patents.values_list("number", flat=True)) == sorted(f.PATENTS[:2])


def test_patent_numbers_are_normalised_and_typed(call):
    user = f.applicant()
    application = services.application_create(actor=user, lot=f.lot(call, 3))
    services.application_update(
        actor=user,
        application=application,
        data={},
        patents=["ZL 202110182616.5", "2020200000021", "", "202110182616.5"],
    )
    assert list(application.patents.values_list("number", "kind")) == [
        ("202020000002.1", DeclaredPatent.Kind.UTILITY_MODEL),
        ("202110182616.5", DeclaredPatent.Kind.INVENTION),
    ]


def test_only_the_lead_organisation_edits_and_only_while_editable(call, rev):
    user = f.applicant()
    application = services.application_create(actor=user, lot=f.lot(call, 3))
    for outsider in (f.applicant(), rev, f.expert(), UserFactory(role=Role.LEADER)):
        with pytest.raises(PermissionDenied):
            services.application_update(
                actor=outsider, application=application, data={"title": "x"}
            )
    colleague = ApplicantFactory(organisation=user.organisation)
    services.application_update(actor=colleague, application=application, data={"title": "同事"})

    submitted = f.submitted(call, 4)
    with pytest.raises(PermissionDenied):
        services.application_update(
            actor=submitted.created_by, application=submitted, data={"title": "x"}
        )
    services.application_return(actor=rev, application=submitted, reason="补充预算说明")
    services.application_update(
        actor=submitted.created_by, application=submitted, data={"title": "补充后"}
    )
    services.application_submit(actor=submitted.created_by, application=submitted)
    submitted.refresh_from_db()
    assert (submitted.status, submitted.title) == (S.SUBMITTED, "补充后")


def test_the_lead_cannot_also_be_a_joint_organisation(call):
    user = f.applicant()
    application = services.application_create(actor=user, lot=f.lot(call, 4))
    with pytest.raises(ValidationError) as error:
        services.application_update(
            actor=user,
            application=application,
            data={},
            joint_organisations=[user.organisation, OrganisationFactory()],
        )
    assert "joint_organisations" in error.value.message_dict
    assert not application.joint_organisations.exists()


# Experts and conflicts of interest ------------------------------------------------------------


@pytest.fixture
def joint_application(call, rev):
    """A category-4 application with a joint organisation, past formal review."""
    user = f.applicant(kind=K.SERVICE_AGENCY)
    partner = OrganisationFactory(kind=K.UNIVERSITY)
    application = services.application_create(actor=user, lot=f.lot(call, 4))
    f.complete(application, actor=user)
    services.application_update(
        actor=user, application=application, data={}, joint_organisations=[partner]
    )
    services.application_submit(actor=user, application=application)
    services.application_pass(actor=rev, application=application)
    application.refresh_from_db()
    return application


def test_experts_of_the_lead_or_a_joint_organisation_are_never_candidates(joint_application, rev):
    application = joint_application
    partner = application.joint_organisations.get()
    own = f.expert(organisation=application.lead_organisation, field=FIELD.FINANCE)
    joint = f.expert(organisation=partner, field=FIELD.IP_LAW)
    outside = f.expert(organisation=OrganisationFactory(), field=FIELD.MATERIALS)
    independent = f.expert(field=FIELD.EQUIPMENT)

    candidates = set(selectors.expert_candidates(application))
    assert candidates == {outside, independent}
    panel = services.experts_propose(application=application, count=10)
    assert set(panel) == {outside, independent}

    for conflicted, org in ((own, application.lead_organisation), (joint, partner)):
        with pytest.raises(ValidationError) as error:
            services.application_assign(
                actor=rev, application=application, experts=[independent, conflicted]
            )
        message = error.value.message_dict["experts"][0]
        assert conflicted.name in message or str(conflicted) in message
        assert org.name in message
    assert not application.assignments.exists()
    application.refresh_from_db()
    assert application.status == S.FORMAL_PASSED

    services.application_assign(actor=rev, application=application, experts=[independent])
    # Assigned (or having declined) once, never proposed again for the same application.
    assert set(selectors.expert_candidates(application)) == {outside}


def test_assignment_refuses_non_experts_and_double_assignment(joint_application, rev):
    expert = f.expert()
    services.application_assign(actor=rev, application=joint_application, experts=[expert])
    with pytest.raises(ValidationError) as error:
        services.application_assign(
            actor=rev, application=joint_application, experts=[expert, f.reviewer()]
        )
    assert len(error.value.message_dict["experts"]) == 2
    with pytest.raises(ValidationError):
        services.application_assign(actor=rev, application=joint_application, experts=[])


def test_an_expert_reads_the_application_only_after_declaring_no_conflict(joint_application, rev):
    application = joint_application
    first, second = f.experts(2)
    services.application_assign(actor=rev, application=application, experts=[first, second])
    one, two = application.assignments.order_by("pk")
    visible = selectors.application_list

    assert not permissions.can(first, "project.application.view", application)
    assert list(visible(user=first)) == []
    notes = Notification.objects.filter(recipient=first, event="project.assignment.new")
    assert notes.count() == 1

    services.assignment_accept(actor=first, assignment=one)
    assert permissions.can(first, "project.application.view", application)
    assert list(visible(user=first)) == [application]
    assert not permissions.can(second, "project.application.view", application)
    # Responding is once (the state says so first), by the expert assigned.
    with pytest.raises(ValidationError):
        services.assignment_accept(actor=first, assignment=one)
    with pytest.raises(PermissionDenied):
        services.assignment_accept(actor=first, assignment=two)


def test_declining_needs_a_reason_and_tells_the_reviewers(joint_application, rev):
    application = joint_application
    other_reviewer = f.reviewer()
    expert = f.expert()
    services.application_assign(actor=rev, application=application, experts=[expert])
    assignment = application.assignments.get()

    for reason in ("", "  "):
        with pytest.raises(ValidationError) as error:
            services.assignment_decline(actor=expert, assignment=assignment, reason=reason)
        assert "reason" in error.value.message_dict
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.PENDING

    services.assignment_decline(
        actor=expert, assignment=assignment, reason="近三年与申报单位有合作"
    )

    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.DECLINED
    assert assignment.decline_reason == "近三年与申报单位有合作"
    notes = Notification.objects.filter(event="project.assignment.decline")
    assert {note.recipient for note in notes} == {rev, other_reviewer}
    assert all(note.body == "近三年与申报单位有合作" for note in notes)
    assert not permissions.can(expert, "project.application.view", application)
    assert AuditEntry.objects.filter(event="project.assignment.decline", actor=expert).exists()


def test_the_proposed_panel_is_balanced_by_field(joint_application):
    for field, count in ((FIELD.MATERIALS, 3), (FIELD.FINANCE, 3), (FIELD.IP_LAW, 2)):
        for _ in range(count):
            f.expert(field=field)
    fields = {FIELD.MATERIALS, FIELD.FINANCE, FIELD.IP_LAW}

    panel = services.experts_propose(application=joint_application, count=7)

    chosen = [expert.expert_profile.field for expert in panel]
    assert len(panel) == len(set(panel)) == 7
    # No field twice before every field has been used once, round after round.
    assert set(chosen[:3]) == fields
    assert set(chosen[3:6]) == fields
    assert chosen.count(FIELD.IP_LAW) == 2
    assert services.experts_propose(application=joint_application, count=2) == panel[:2]


def test_the_proposed_panel_prefers_the_least_loaded_experts(call, rev, joint_application):
    busy, idle, half = (f.expert(field=FIELD.MATERIALS) for _ in range(3))
    for _ in range(2):
        other = f.submitted(call, 3)
        services.application_pass(actor=rev, application=other)
        services.application_assign(actor=rev, application=other, experts=[busy])
    another = f.submitted(call, 6)
    services.application_pass(actor=rev, application=another)
    services.application_assign(actor=rev, application=another, experts=[half])
    # A score already submitted is no load.
    done = f.scored(call, [80, 80, 80], code=2, actor=rev)
    finished = done.assignments.first().expert
    finished.expert_profile.field = FIELD.MATERIALS
    finished.expert_profile.save()

    panel = services.experts_propose(application=joint_application, count=10)

    materials = [e for e in panel if e.expert_profile.field == FIELD.MATERIALS]
    assert materials == [idle, finished, half, busy]
    assert len(panel) == 6  # with the two other experts of the scored application's panel


# Budget limits on approval ----------------------------------------------------------------------


@pytest.fixture
def navigation_call(rev):
    """Category 5 alone (grants of 10–30万元) with a budget of 50万元."""
    return f.open_call(rev, categories=(5,), budget=50 * WAN)


def nav_scored(call, rev, amount=30 * WAN):
    return f.scored(call, [80, 80, 80], code=5, actor=rev, amount=amount)


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (9 * WAN, "The category grants at least CNY 100k."),
        (Decimal("99999.99"), "The category grants at least CNY 100k."),
        (31 * WAN, "The category grants at most CNY 300k."),
    ],
)
def test_the_amount_must_be_within_the_category_range(navigation_call, rev, amount, message):
    application = nav_scored(navigation_call, rev)
    with pytest.raises(ValidationError) as error:
        services.application_approve(actor=rev, application=application, amount=amount)
    assert message in error.value.message_dict["amount"]
    application.refresh_from_db()
    assert (application.status, application.approved_amount) == (S.SCORED, None)


@pytest.mark.parametrize("amount", [10 * WAN, 30 * WAN])
def test_an_amount_at_the_ends_of_the_range_is_approved(navigation_call, rev, amount):
    application = nav_scored(navigation_call, rev)
    services.application_approve(actor=rev, application=application, amount=amount, reason="同意")
    application.refresh_from_db()
    assert application.status == S.APPROVED
    assert application.approved_amount == amount
    assert application.start_date == timezone.localdate()
    assert application.end_date == add_months(application.start_date, 6)


@pytest.mark.parametrize("amount", [None, "", 0, "-5", "abc"])
def test_an_approval_needs_a_positive_amount(navigation_call, rev, amount):
    application = nav_scored(navigation_call, rev)
    with pytest.raises(ValidationError) as error:
        services.application_approve(actor=rev, application=application, amount=amount)
    assert "amount" in error.value.message_dict


def test_the_grant_cannot_exceed_the_requested_amount(navigation_call, rev):
    application = nav_scored(navigation_call, rev, amount=20 * WAN)
    with pytest.raises(ValidationError) as error:
        services.application_approve(actor=rev, application=application, amount=25 * WAN)
    assert error.value.message_dict["amount"] == [
        "The applicant requested CNY 200k; the grant cannot be more."
    ]
    services.application_approve(actor=rev, application=application, amount=20 * WAN)


def test_approvals_cannot_exceed_the_budget_and_the_remainder_is_named(navigation_call, rev):
    first = nav_scored(navigation_call, rev)
    second = nav_scored(navigation_call, rev)
    lot = f.lot(navigation_call, 5)
    services.application_approve(actor=rev, application=first, amount=30 * WAN)

    with pytest.raises(ValidationError) as error:
        services.application_approve(actor=rev, application=second, amount=30 * WAN)

    assert error.value.message_dict["amount"] == [
        "Only CNY 200k of the category's CNY 500k budget is left."
    ]
    second.refresh_from_db()
    assert second.status == S.SCORED
    assert selectors.budget_summary(lot) == {
        "budget": 50 * WAN,
        "used": 30 * WAN,
        "available": 20 * WAN,
    }
    services.application_approve(actor=rev, application=second, amount=20 * WAN)
    assert selectors.budget_summary(lot)["available"] == 0


def test_a_rejected_application_uses_no_budget(navigation_call, rev):
    first = nav_scored(navigation_call, rev)
    services.application_reject(actor=rev, application=first, reason="排名靠后")
    second = nav_scored(navigation_call, rev)
    services.application_approve(actor=rev, application=second, amount=30 * WAN)
    assert selectors.budget_summary(f.lot(navigation_call, 5))["used"] == 30 * WAN


def test_the_budget_cannot_be_lowered_below_what_is_approved(navigation_call, rev):
    application = nav_scored(navigation_call, rev)
    services.application_approve(actor=rev, application=application, amount=30 * WAN)
    lot = f.lot(navigation_call, 5)
    data = {
        "title": navigation_call.title,
        "opens_at": navigation_call.opens_at,
        "closes_at": navigation_call.closes_at,
    }

    def update(budget):
        return services.call_update(
            actor=rev,
            call=navigation_call,
            data=data,
            lots=[services.LotInput(category=lot.category, budget=budget, expected_projects=3)],
        )

    with pytest.raises(ValidationError) as error:
        update(Decimal("299999.99"))
    assert "CNY 300k is already approved" in error.value.message_dict["lots"][0]
    lot.refresh_from_db()
    assert lot.budget == 50 * WAN

    update(30 * WAN)
    lot.refresh_from_db()
    assert (lot.budget, lot.expected_projects) == (30 * WAN, 3)


def test_a_category_with_applications_cannot_be_removed_from_a_call(rev):
    call = f.open_call(rev, categories=(3, 4))
    f.submitted(call, 4)
    data = {"title": call.title, "opens_at": call.opens_at, "closes_at": call.closes_at}
    three = Category.objects.get(code=3)
    with pytest.raises(ValidationError):
        services.call_update(
            actor=rev,
            call=call,
            data=data,
            lots=[services.LotInput(category=three, budget=100 * WAN, expected_projects=2)],
        )
    assert call.lots.count() == 2


def test_only_reviewers_manage_calls(rev):
    category = Category.objects.get(code=3)
    now = timezone.now()
    for outsider in (f.applicant(), f.expert(), UserFactory(role=Role.LEADER)):
        with pytest.raises(PermissionDenied):
            services.call_create(
                actor=outsider,
                data={"year": 2026, "title": "x", "opens_at": now, "closes_at": now},
                lots=[services.LotInput(category=category, budget=WAN, expected_projects=1)],
            )


# Category editing ------------------------------------------------------------------------------


def category_input(category: Category):
    kpis = [
        {
            "code": kpi.code,
            "name": kpi.name,
            "unit": kpi.unit,
            "comparator": kpi.comparator,
            "minimum": kpi.minimum,
            "source": kpi.source,
        }
        for kpi in category.kpis.all()
    ]
    criteria = [
        {
            "code": criterion.code,
            "name": criterion.name,
            "guidance": criterion.guidance,
            "weight": criterion.weight,
            "source": criterion.source,
        }
        for criterion in category.criteria.all()
    ]
    return kpis, criteria


def test_criteria_weights_must_sum_to_100(rev):
    category = Category.objects.get(code=3)
    kpis, criteria = category_input(category)
    criteria[0]["weight"] = 15
    with pytest.raises(ValidationError) as error:
        services.category_update(
            actor=rev, category=category, data={}, kpis=kpis, criteria=criteria
        )
    assert error.value.message_dict["criteria"] == [
        "The criteria weights must sum to 100; they sum to 95."
    ]
    category.refresh_from_db()
    assert category.version == 1
    assert category.criteria.get(code="basis").weight == 20


def test_a_category_needs_kpis_with_distinct_codes_and_a_coherent_range(rev):
    category = Category.objects.get(code=3)
    kpis, criteria = category_input(category)
    with pytest.raises(ValidationError) as error:
        services.category_update(actor=rev, category=category, data={}, kpis=[], criteria=criteria)
    assert "kpis" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.category_update(
            actor=rev, category=category, data={}, kpis=[*kpis, kpis[0]], criteria=criteria
        )
    assert "kpis" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.category_update(
            actor=rev,
            category=category,
            data={"amount_min": 30 * WAN, "amount_max": 10 * WAN},
            kpis=kpis,
            criteria=criteria,
        )
    assert "amount_max" in error.value.message_dict


def test_only_reviewers_edit_categories(rev):
    category = Category.objects.get(code=3)
    kpis, criteria = category_input(category)
    for outsider in (f.applicant(), f.expert(), UserFactory(role=Role.LEADER)):
        with pytest.raises(PermissionDenied):
            services.category_update(
                actor=outsider, category=category, data={}, kpis=kpis, criteria=criteria
            )


def test_an_edit_applies_to_the_next_call_and_never_to_one_already_open(rev):
    old_call = f.open_call(rev, categories=(3,))
    before_edit = services.application_create(actor=f.applicant(), lot=f.lot(old_call, 3))
    category = Category.objects.get(code=3)
    kpis, criteria = category_input(category)
    kpis[0]["minimum"] = Decimal(8)  # transfers_in: 5 → 8
    kpis.append(
        {"code": "licences", "name": "开放许可", "unit": "件", "comparator": "gte", "minimum": 2}
    )
    criteria[0]["weight"], criteria[1]["weight"] = 30, 15

    services.category_update(
        actor=rev,
        category=category,
        data={"name": "科创企业专利运营赋能项目（2026）", "period_months": 18},
        kpis=kpis,
        criteria=criteria,
    )

    category.refresh_from_db()
    assert category.version == 2
    assert category.kpis.get(code="transfers_in").minimum == 8
    assert AuditEntry.objects.filter(event="project.category.update").count() == 1
    # The call opened before the edit keeps the old version, for old and new applications alike.
    old_lot = f.lot(old_call, 3)
    assert old_lot.category_version == 1
    assert old_lot.name == "科创企业专利运营赋能项目"
    assert [kpi["code"] for kpi in old_lot.spec["kpis"]] == [
        "transfers_in",
        "hv_patents",
        "nav_report",
        "product_filing",
    ]
    after_edit = services.application_create(actor=f.applicant(), lot=old_lot)
    for application in (before_edit, after_edit):
        assert application.kpis.get(code="transfers_in").minimum == 5
        assert not application.kpis.filter(code="licences").exists()
        assert application.period_months == 12
    assert before_edit.kpis.get(code="transfers_in").committed == 5
    # A new call takes the new version.
    new_lot = f.lot(f.open_call(rev, categories=(3,)), 3)
    assert new_lot.category_version == 2
    assert new_lot.name == "科创企业专利运营赋能项目（2026）"
    assert {c["code"]: c["weight"] for c in new_lot.spec["criteria"]}["basis"] == 30
    fresh = services.application_create(actor=f.applicant(), lot=new_lot)
    assert fresh.kpis.get(code="transfers_in").minimum == 8
    assert fresh.kpis.get(code="licences").minimum == 2
    assert fresh.period_months == 18

    services.category_update(actor=rev, category=category, data={}, kpis=kpis, criteria=criteria)
    category.refresh_from_db()
    assert category.version == 3


# Execution and acceptance ------------------------------------------------------------------------


@pytest.fixture
def centre(rev):
    """An approved category-1 project: growth KPIs have a baseline of 100 and a target of 20%."""
    call = f.open_call(rev, categories=(1,))
    application = f.scored(call, [80, 80, 80], code=1, actor=rev, amount=60 * WAN)
    return services.application_approve(actor=rev, application=application, amount=50 * WAN)


CENTRE_ACTUALS = {
    "staff": 6,
    "events": 1,
    "sme_growth": 125,
    "pledge_amount_growth": 115,
    "pledge_count_growth": 120,
    "database_years": 3,
    "nav_reports": 2,
    "nav_training": 200,
}


def test_the_final_report_needs_an_actual_for_every_kpi(centre):
    user = centre.created_by
    incomplete = {code: value for code, value in CENTRE_ACTUALS.items() if code != "nav_training"}
    with pytest.raises(ValidationError) as error:
        services.progress_report_submit(
            actor=user, application=centre, narrative="结题", actuals=incomplete, final=True
        )
    assert error.value.message_dict == {
        "actual_nav_training": ["“专利导航人才培育”: enter the actual value."]
    }
    centre.refresh_from_db()
    assert centre.status == S.APPROVED
    assert not ProgressReport.objects.exists()


def test_a_progress_report_needs_a_narrative_and_one_actual(centre):
    user = centre.created_by
    with pytest.raises(ValidationError) as error:
        services.progress_report_submit(
            actor=user, application=centre, narrative="进展", actuals={}
        )
    assert "__all__" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.progress_report_submit(
            actor=user, application=centre, narrative=" ", actuals={"staff": -1}
        )
    assert set(error.value.message_dict) == {"narrative", "actual_staff"}


def test_acceptance_stores_met_or_not_met_for_every_kpi(centre, rev):
    user = centre.created_by
    services.progress_report_submit(
        actor=user,
        application=centre,
        narrative="季度进展",
        actuals={"sme_growth": 105, "staff": 4},
    )
    services.progress_report_submit(
        actor=user, application=centre, narrative="结题", actuals=CENTRE_ACTUALS, final=True
    )
    notes = Notification.objects.filter(recipient=rev, event="project.acceptance.requested")
    assert notes.count() == 1

    services.acceptance_decide(
        actor=rev, application=centre, accepted=False, reason="两项指标未达标"
    )

    centre.refresh_from_db()
    assert centre.status == S.NOT_ACCEPTED
    assert centre.verdict_reason == "两项指标未达标"
    result = centre.acceptance_result
    assert (result["met"], result["total"]) == (6, 8)
    kpis = {kpi["code"]: kpi for kpi in result["kpis"]}
    assert [kpi["code"] for kpi in result["kpis"]] == list(CENTRE_ACTUALS)
    assert {code for code, kpi in kpis.items() if not kpi["met"]} == {
        "events",
        "pledge_amount_growth",
    }
    assert kpis["sme_growth"] == {
        "code": "sme_growth",
        "name": "受让高校院所专利的中小企业数量年度增幅",
        "unit": "%",
        "comparator": "growth",
        "target": "20.00",
        "baseline": "100.00",
        "actual": "125.00",  # the final report's value, not the earlier 105
        "achieved": "25.00",
        "met": True,
        "explanation": "Growth from 100 to 125 is 25%; the target is 20%.",
    }
    assert kpis["pledge_amount_growth"]["achieved"] == "15.00"
    assert kpis["staff"]["actual"] == "6.00"
    assert kpis["events"]["explanation"] == "Actual 1 次 against a target of 2 次."


def test_acceptance_is_held_against_the_committed_value_not_the_minimum(rev):
    call = f.open_call(rev, categories=(3,))
    application = f.submitted(call, 3)
    user = application.created_by
    services.application_return(actor=rev, application=application, reason="提高承诺")
    services.application_update(
        actor=user, application=application, data={}, kpis={"transfers_in": {"committed": 8}}
    )
    services.application_submit(actor=user, application=application)
    services.application_pass(actor=rev, application=application)
    experts = f.experts(3)
    services.application_assign(actor=rev, application=application, experts=experts)
    for assignment in application.assignments.all():
        services.assignment_accept(actor=assignment.expert, assignment=assignment)
        services.score_submit(
            actor=assignment.expert, assignment=assignment, points=f.points_for(application, 80)
        )
    services.application_approve(actor=rev, application=application, amount=30 * WAN)
    actuals = {"transfers_in": 6, "hv_patents": 5, "nav_report": 1, "product_filing": 0}
    services.progress_report_submit(
        actor=user, application=application, narrative="结题", actuals=actuals, final=True
    )
    services.acceptance_decide(actor=rev, application=application, accepted=False, reason="未达标")
    application.refresh_from_db()
    kpis = {kpi["code"]: kpi for kpi in application.acceptance_result["kpis"]}
    assert (kpis["transfers_in"]["target"], kpis["transfers_in"]["met"]) == ("8.00", False)
    assert (kpis["hv_patents"]["met"], kpis["nav_report"]["met"]) == (True, True)
    assert kpis["product_filing"]["explanation"] == "Not delivered."
    assert application.acceptance_result["met"] == 2


def test_overdue_projects_are_listed_and_fresh_ones_are_not(rev):
    call = f.open_call(rev, categories=(3,))
    today = timezone.localdate()

    def project(start, end=None):
        application = f.scored(call, [80, 80, 80], actor=rev)
        services.application_approve(actor=rev, application=application, amount=30 * WAN)
        # Time passing: the project started on `start`.
        Application.objects.filter(pk=application.pk).update(
            start_date=start, end_date=end or add_months(start, 12)
        )
        return application

    ended = project(today - timedelta(days=400), today - timedelta(days=35))
    silent = project(today - timedelta(days=100))
    fresh = project(today)
    reported = project(today - timedelta(days=100))
    services.progress_report_submit(
        actor=reported.created_by,
        application=reported,
        narrative="季度进展",
        actuals={"transfers_in": 2},
    )
    almost = project(today - timedelta(days=80))

    late = {item.application: item for item in selectors.overdue_projects(user=rev)}

    assert set(late) == {ended, silent}
    assert (late[ended].what, late[ended].due) == ("acceptance", today - timedelta(days=35))
    assert late[silent].what == "progress"
    assert late[silent].due == add_months(today - timedelta(days=100), 3)
    for on_time in (fresh, reported, almost):
        assert on_time not in late
    # Three months after the last report, the reported project is late again.
    later = add_months(today, 3) + timedelta(days=1)
    assert reported in {
        item.application for item in selectors.overdue_projects(user=rev, today=later)
    }
    with pytest.raises(PermissionDenied):
        selectors.overdue_projects(user=f.applicant())


def test_an_accepted_or_requested_project_is_not_overdue(rev):
    call = f.open_call(rev, categories=(3,))
    application = f.scored(call, [80, 80, 80], actor=rev)
    services.application_approve(actor=rev, application=application, amount=30 * WAN)
    services.progress_report_submit(
        actor=application.created_by,
        application=application,
        narrative="结题",
        actuals={"transfers_in": 6, "hv_patents": 5, "nav_report": 1, "product_filing": 1},
        final=True,
    )
    far = timezone.localdate() + timedelta(days=800)
    assert selectors.overdue_projects(user=rev, today=far) == []


def test_committed_kpis_are_copied_per_application(call):
    user = f.applicant(kind=K.SERVICE_AGENCY)
    application = services.application_create(actor=user, lot=f.lot(call, 4))
    assert KPICommitment.objects.filter(application=application).count() == 4
    assert application.kpis.get(code="pledge_amount").minimum == 2000
    assert CallCategory.objects.get(pk=application.call_category_id).spec["code"] == 4


def test_application_numbers_count_per_year_and_category_across_calls(rev):
    first_call = f.open_call(rev, categories=(3, 5))
    second_call = f.open_call(rev, categories=(3,))
    numbers = [
        services.application_create(actor=f.applicant(), lot=f.lot(first_call, 3)).number,
        services.application_create(actor=f.applicant(), lot=f.lot(second_call, 3)).number,
        services.application_create(
            actor=f.applicant(kind=K.GOVERNMENT), lot=f.lot(first_call, 5)
        ).number,
        services.application_create(actor=f.applicant(), lot=f.lot(first_call, 3)).number,
    ]
    assert numbers == ["2026-3-0001", "2026-3-0002", "2026-5-0001", "2026-3-0003"]


def _close_call(call):
    """Move the call's window into the past (as if its deadline had passed)."""
    now = timezone.now()
    type(call).objects.filter(pk=call.pk).update(
        opens_at=now - timedelta(days=30), closes_at=now - timedelta(days=1)
    )


def test_a_returned_application_can_be_revised_after_the_call_closes_until_it_is_due(call, rev):
    application = f.submitted(call, 3)
    owner = application.created_by
    services.application_return(actor=rev, application=application, reason="补充附件", days=3)
    application.refresh_from_db()
    assert application.revision_due > timezone.now() + timedelta(days=2, hours=23)
    _close_call(call)

    services.application_submit(actor=owner, application=application)
    application.refresh_from_db()
    assert application.status == S.SUBMITTED

    services.application_return(actor=rev, application=application, reason="再次补充")
    Application.objects.filter(pk=application.pk).update(
        revision_due=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(ValidationError) as error:
        services.application_submit(actor=owner, application=application)
    assert error.value.code == "revision_overdue"
    assert "return it again" in error.value.messages[0]


def test_a_first_submission_after_the_call_closes_is_refused(call):
    user = f.applicant()
    f.listing_reserve(user.organisation)
    application = services.application_create(actor=user, lot=f.lot(call, 3))
    f.complete(application, actor=user)
    _close_call(call)
    with pytest.raises(ValidationError) as error:
        services.application_submit(actor=user, application=application)
    assert error.value.code == "call_closed"


def test_revision_days_are_bounded(call, rev):
    application = f.submitted(call, 3)
    with pytest.raises(ValidationError) as error:
        services.application_return(actor=rev, application=application, reason="x", days=0)
    assert "days" in error.value.message_dict
    application.refresh_from_db()
    assert application.status == S.SUBMITTED
