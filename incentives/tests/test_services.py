"""Claims from draft to payment against the seeded policies: eligibility explained, one-time
rewards, province and city both paying, duplicates, caps across claims, budgets, versions and
access."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from incentives import eligibility, selectors, services
from incentives.factories import (
    TODAY,
    WAN,
    BudgetFactory,
    budgets,
    little_giant,
    policy,
    submitted,
)
from incentives.models import Budget, Claim
from portal.factories import ApplicantFactory, OrganisationFactory, UserFactory
from portal.models import Organisation, Qualification, Region, Role

pytestmark = pytest.mark.django_db
PAID_ON = timezone.localdate()  # payments follow the (real) approval time


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def reviewer(db):
    return UserFactory(role=Role.REVIEWER)


@pytest.fixture
def ankang(db):
    """An enterprise in 汉滨区, 安康市, first recognised as a national little giant in 2024."""
    return little_giant()


def test_eligibility_is_explained(ankang):
    found = {
        e.policy.code: e for e in eligibility.for_organisation(ankang.organisation, today=TODAY)
    }
    giant = found["little-giant-province"]
    assert giant.eligible
    assert any("recognised as" in reason and "2024" in reason for reason in giant.reasons)
    assert found["little-giant-ankang"].eligible  # the city rewards it too
    specialised = found["specialised-province"]
    assert not specialised.eligible
    assert "Needs the qualification" in specialised.missing[0]
    assert "2024 or later" in specialised.missing[0]
    university = ApplicantFactory(
        organisation=OrganisationFactory(kind=Organisation.Kind.UNIVERSITY)
    ).organisation
    pledge = eligibility.check(university, policy("pledge-interest"), today=TODAY)
    assert not pledge.eligible and pledge.missing[0].startswith("Open to Enterprise")
    xian = ApplicantFactory(
        organisation=OrganisationFactory(region=Region.objects.get(code="610100"))
    ).organisation
    city_only = eligibility.check(xian, policy("pledge-interest-ankang"), today=TODAY)
    assert "only organisations there may claim" in city_only.missing[0]
    closed = eligibility.check(ankang.organisation, policy("little-giant-province"),
                               today=date(2027, 1, 1))  # fmt: skip
    assert "Claims are accepted from 1 January 2024 to 31 December 2026." in closed.missing


def test_an_older_recognition_is_not_first_recognised_after_the_measures(ankang):
    Qualification.objects.filter(organisation=ankang.organisation).update(year=2022)
    found = eligibility.check(ankang.organisation, policy("little-giant-province"), today=TODAY)
    assert not found.eligible


def test_province_and_city_both_pay_and_one_time_is_refused_the_second_time(ankang, reviewer):
    budgets()
    province = submitted(ankang, "little-giant-province")
    city = submitted(ankang, "little-giant-ankang")
    assert (province.entitlement, city.entitlement) == (Decimal("500000.00"), Decimal("200000.00"))
    assert province.working[0]["label"] == "Fixed reward (陕政办发〔2024〕11号 (三))"
    assert city.working[0]["label"] == "Fixed reward (安政办发〔2024〕13号 第3条)"
    for claim in (province, city):
        services.claim_approve(actor=reviewer, claim=claim, amount=claim.entitlement, today=TODAY)
        services.claim_pay(actor=reviewer, claim=claim, paid_on=PAID_ON, amount=claim.entitlement,
                           voucher=f"V-{claim.number}")  # fmt: skip
    assert set(Claim.objects.values_list("status", flat=True)) == {"paid"}
    # A second claim for the same recognition: not eligible any more, with a pointer.
    again = eligibility.check(ankang.organisation, policy("little-giant-province"), today=TODAY)
    assert not again.eligible
    assert province.number in again.missing[-1]
    with pytest.raises(ValidationError, match=province.number):
        services.claim_create(actor=ankang, policy=policy("little-giant-province"), data={},
                              today=TODAY)  # fmt: skip


def test_a_duplicate_loan_claim_points_to_the_earlier_one(ankang):
    loan = {
        "loan_bank": "安康农商银行", "loan_contract": "AK-2024-001", "loan_amount": 800 * WAN,
        "loan_start": date(2024, 1, 10), "loan_end": date(2025, 1, 9),
        "interest_payments": [{"date": "2024-12-20", "amount": "300000"}],
    }  # fmt: skip
    first = submitted(ankang, "pledge-interest", **loan)
    assert first.entitlement == Decimal("150000.00")
    second = services.claim_create(actor=ankang, policy=policy("pledge-interest"), data=loan,
                                   today=TODAY)  # fmt: skip
    with pytest.raises(ValidationError, match=f"duplicates claim {first.number}"):
        services.claim_submit(actor=ankang, claim=second, today=TODAY)


def test_the_cumulative_cap_counts_what_was_granted_before(ankang, reviewer):
    budgets()
    Qualification.objects.create(
        organisation=ankang.organisation, kind="listing_reserve", year=2023, source="省级名单"
    )
    Qualification.objects.create(
        organisation=ankang.organisation, kind="listing_reserve", year=2024, source="省级名单"
    )
    reserve = Qualification.objects.filter(kind="listing_reserve").order_by("year")
    first = submitted(ankang, "listing-reserve", recognition=reserve[0],
                      requested_amount=Decimal(300000))  # fmt: skip
    services.claim_approve(actor=reviewer, claim=first, amount=Decimal(300000), today=TODAY)
    second = submitted(ankang, "listing-reserve", recognition=reserve[1],
                       requested_amount=Decimal(300000))  # fmt: skip
    assert second.entitlement == Decimal("200000.00")  # 500,000 − 300,000 already approved
    assert "less 300,000.00 already received" in second.working[-2]["label"]
    with pytest.raises(ValidationError) as error:
        services.claim_approve(actor=reviewer, claim=second, amount=Decimal(250000), today=TODAY)
    assert "The entitlement is 200,000.00 yuan" in error.value.message_dict["amount"][0]
    with pytest.raises(ValidationError) as error:
        services.claim_approve(actor=reviewer, claim=second, amount=Decimal(150000), today=TODAY)
    assert "reason" in error.value.message_dict
    approved = services.claim_approve(actor=reviewer, claim=second, amount=Decimal(150000),
                                      reason="晋档材料不全，按档次核减", today=TODAY)  # fmt: skip
    assert approved.approved_amount == Decimal("150000.00")


def test_approving_beyond_the_budget_is_refused_with_the_figures(ankang, reviewer):
    BudgetFactory(allocated=60 * WAN)  # the province's little-giant budget of 2025
    other = ApplicantFactory(organisation=OrganisationFactory(region=ankang.organisation.region))
    Qualification.objects.create(organisation=other.organisation, kind="little_giant", year=2025,
                                 source="第七批名单")  # fmt: skip
    first, second = (
        submitted(ankang, "little-giant-province"),
        submitted(other, "little-giant-province"),
    )
    services.claim_approve(actor=reviewer, claim=first, amount=first.entitlement, today=TODAY)
    with pytest.raises(ValidationError) as error:
        services.claim_approve(actor=reviewer, claim=second, amount=second.entitlement,
                               today=TODAY)  # fmt: skip
    message = error.value.message_dict["amount"][0]
    assert "allocated 600,000.00" in message and "remaining 100,000.00" in message
    second.refresh_from_db()
    assert second.status == "submitted"
    with pytest.raises(ValidationError, match="No 2026 budget"):
        services.claim_approve(actor=reviewer, claim=second, amount=Decimal(1), reason="部分",
                               today=date(2026, 1, 5))  # fmt: skip


def test_payment_closes_the_claim_and_the_budget_follows(ankang, reviewer):
    budgets()
    claim = submitted(ankang, "little-giant-ankang")
    services.claim_approve(actor=reviewer, claim=claim, amount=claim.entitlement, today=TODAY)
    budget = Budget.objects.get(policy_code="little-giant-ankang", year=2025)
    assert selectors.budget_status(budget).committed == Decimal("200000.00")
    services.claim_pay(actor=reviewer, claim=claim, paid_on=PAID_ON, amount=Decimal(120000),
                       voucher="AK-PZ-01")  # fmt: skip
    claim.refresh_from_db()
    assert claim.status == "approved"
    with pytest.raises(ValidationError, match=r"80,000\.00 yuan remain"):
        services.claim_pay(actor=reviewer, claim=claim, paid_on=PAID_ON, amount=Decimal(90000),
                           voucher="AK-PZ-02")  # fmt: skip
    with pytest.raises(ValidationError, match="already recorded"):
        services.claim_pay(actor=reviewer, claim=claim, paid_on=PAID_ON, amount=Decimal(80000),
                           voucher="AK-PZ-01")  # fmt: skip
    services.claim_pay(actor=reviewer, claim=claim, paid_on=PAID_ON, amount=Decimal(80000),
                       voucher="AK-PZ-02")  # fmt: skip
    claim.refresh_from_db()
    assert claim.status == "paid"
    status = selectors.budget_status(budget)
    assert (status.committed, status.paid, status.remaining) == (
        Decimal(0),
        Decimal("200000.00"),
        budget.allocated - Decimal(200000),
    )


def test_submission_needs_the_evidence_and_figures(ankang):
    claim = services.claim_create(actor=ankang, policy=policy("pledge-interest"), data={},
                                  today=TODAY)  # fmt: skip
    with pytest.raises(ValidationError) as error:
        services.claim_submit(actor=ankang, claim=claim, today=TODAY)
    assert "files" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.claim_update(actor=ankang, claim=claim, data={
            "interest_payments": [{"date": "2025-02-30", "amount": "100"}]})  # fmt: skip
    assert "Interest payment 1" in error.value.message_dict["interest_payments"][0]


def test_a_changed_policy_in_use_becomes_a_new_version(ankang, reviewer):
    budgets()
    claim = submitted(ankang, "pledge-interest-ankang", loan_bank="安康银行", loan_contract="L1",
                      loan_start=date(2024, 3, 1),
                      interest_payments=[{"date": "2024-09-01", "amount": "10000"}])  # fmt: skip
    old = claim.policy
    new = services.policy_save(actor=reviewer, policy=old, data={"rate": Decimal("0.3")})
    assert (new.version, new.rate) == (2, Decimal("0.3"))
    old.refresh_from_db()
    claim.refresh_from_db()
    assert not old.is_active and claim.policy == old and old.rate == Decimal("0.5")
    assert selectors.entitlement_of(claim).amount == Decimal("5000.00")  # under its version
    # A version without claims is changed in place; a bad rule names the field.
    same = services.policy_save(actor=reviewer, policy=new, data={"rate": Decimal("0.4")})
    assert same.pk == new.pk and same.version == 2
    with pytest.raises(ValidationError) as error:
        services.policy_save(actor=reviewer, policy=new, data={"amount_kind": "fixed"})
    assert "amount" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        services.policy_save(actor=ankang, policy=new, data={"rate": Decimal("1")})


def test_a_city_creates_its_own_policy(reviewer):
    created = services.policy_save(
        actor=reviewer, code="ankang-navigation-2026",
        data={"title": "安康市专利导航补助（2026）", "level": "city",
              "region": Region.objects.get(code="610900"), "document": "安政办发〔2026〕1号",
              "clause": "第2条", "claimant_kinds": ["enterprise"], "opens_on": date(2026, 1, 1),
              "closes_on": date(2026, 12, 31), "amount_kind": "range",
              "amount_min": 5 * WAN, "amount_max": 10 * WAN, "source": "安政办发〔2026〕1号 第2条"},
    )  # fmt: skip
    assert created.version == 1 and created.level == "city"


def test_an_organisation_never_sees_anothers_claims(ankang, reviewer):
    claim = submitted(ankang, "little-giant-ankang")
    stranger = ApplicantFactory()
    assert list(selectors.claim_list(user=stranger)) == []
    assert list(selectors.claim_list(user=ankang)) == [claim]
    assert selectors.claim_list(user=UserFactory(role=Role.LEADER)).count() == 1
    with pytest.raises(PermissionDenied):
        services.claim_update(actor=stranger, claim=claim, data={"description": "x"})
    with pytest.raises(PermissionDenied):
        services.claim_approve(actor=ankang, claim=claim, amount=Decimal(1), today=TODAY)


def test_a_superseded_version_takes_no_new_claim(ankang, reviewer):
    budgets()
    submitted(ankang, "pledge-interest-ankang", loan_bank="安康银行", loan_contract="L2",
              loan_start=date(2024, 3, 1),
              interest_payments=[{"date": "2024-09-01", "amount": "10000"}])  # fmt: skip
    old = policy("pledge-interest-ankang")
    services.policy_save(actor=reviewer, policy=old, data={"rate": Decimal("0.3")})
    old.refresh_from_db()
    with pytest.raises(ValidationError, match="superseded"):
        services.claim_create(actor=ankang, policy=old, data={}, today=TODAY)


def test_a_budget_belongs_to_a_policy_and_its_region(reviewer):
    ankang_city, xian = Region.objects.get(code="610900"), Region.objects.get(code="610100")
    with pytest.raises(ValidationError) as error:
        services.budget_set(actor=reviewer, policy_code="little-giant-ankang", year=2026,
                            region=xian, allocated=100 * WAN)  # fmt: skip
    assert "region" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.budget_set(actor=reviewer, policy_code="no-such-policy", year=2026,
                            region=ankang_city, allocated=100 * WAN)  # fmt: skip
    assert "policy_code" in error.value.message_dict
    made = services.budget_set(actor=reviewer, policy_code="little-giant-ankang", year=2026,
                               region=ankang_city, allocated=100 * WAN)  # fmt: skip
    assert made.allocated == 100 * WAN
