"""The incentives API: policies with their rules, the caller's eligibility, claims from draft to
payment with the same rules and messages as the pages, the entitlement preview, budgets; 400
with field errors on bad input (never 500); an organisation never sees another's claims; and a
schema without warnings."""

from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import include, path
from django.utils import timezone, translation
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from rest_framework.routers import DefaultRouter
from rest_framework.test import APIClient

from incentives import api as incentives_api
from incentives import services
from incentives.factories import ClaimFactory, little_giant, policy
from incentives.models import Budget, Claim, Payment, Policy
from portal.factories import ApplicantFactory, OrganisationFactory, UserFactory
from portal.models import Organisation, Qualification, Region, Role

pytestmark = pytest.mark.django_db
WAN = Decimal(10_000)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _open_policies(db):
    """The API claims and approves as of today: keep the seeded policies open whatever today
    is, and give each a budget for this year."""
    Policy.objects.update(opens_on=date(2020, 1, 1), closes_on=date(2099, 12, 31))
    for found in Policy.objects.all():
        Budget.objects.get_or_create(
            policy_code=found.code, year=timezone.localdate().year, region=found.region,
            defaults={"allocated": 1000 * WAN},
        )  # fmt: skip


def client_for(user) -> APIClient:
    """An API client that chose English (the portal's default is Chinese)."""
    client = APIClient()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_authenticate(user)
    return client


@pytest.fixture
def reviewer(db):
    return UserFactory(role=Role.REVIEWER)


@pytest.fixture
def giant(db):
    """An enterprise in 汉滨区, 安康市, first recognised as a national little giant in 2024."""
    return little_giant()


def attach_evidence(api: APIClient, claim_id: int, labels: list[str]) -> None:
    for label in labels:
        response = api.post(
            f"/api/v1/claims/{claim_id}/files/",
            {"label": label, "file": SimpleUploadedFile("evidence.pdf", PDF)},
            format="multipart",
        )
        assert response.status_code == 201, response.json()


def test_policies_carry_their_rule_and_source_and_keep_their_versions(giant, reviewer):
    api = client_for(giant)
    listed = api.get("/api/v1/policies/", {"page_size": 100}).json()
    assert listed["count"] == 13
    city = api.get("/api/v1/policies/", {"level": "city", "region": "610900"}).json()
    assert {row["code"] for row in city["results"]} == {
        "specialised-ankang", "little-giant-ankang", "pledge-interest-ankang", "ip-insurance",
    }  # fmt: skip
    [pledge] = api.get("/api/v1/policies/", {"code": "pledge-interest"}).json()["results"]
    assert pledge["amount_kind"] == "proportion"
    assert (pledge["rate"], pledge["duration_months"], pledge["cumulative_cap"]) == (
        "0.5000", 24, "500000.00",
    )  # fmt: skip
    assert pledge["citation"] == "陕政办发〔2024〕11号 (十一)"
    assert pledge["source"].startswith("陕政办发〔2024〕11号 (十一)")
    # A claim holds version 1; the change makes version 2, and both stay readable.
    first = Policy.objects.get(code="pledge-interest")
    ClaimFactory(policy=first, created_by=giant)
    services.policy_save(actor=reviewer, policy=first, data={"rate": Decimal("0.3")})
    versions = api.get(f"/api/v1/policies/{first.pk}/versions/").json()
    assert [(v["version"], v["rate"], v["is_active"]) for v in versions] == [
        (2, "0.3000", True), (1, "0.5000", False),
    ]  # fmt: skip
    assert api.get(f"/api/v1/policies/{first.pk}/").json()["version"] == 1
    [current] = api.get("/api/v1/policies/", {"code": "pledge-interest"}).json()["results"]
    assert current["version"] == 2
    assert client_for(UserFactory(role=Role.EXPERT)).get("/api/v1/policies/").status_code == 403


def test_eligibility_is_explained_for_the_callers_organisation(giant):
    rows = {row["policy"]["code"]: row for row in client_for(giant).get("/api/v1/eligibility/")
            .json()}  # fmt: skip
    assert len(rows) == 13
    for code in ("little-giant-province", "little-giant-ankang"):
        assert rows[code]["eligible"] is True
        assert rows[code]["recognitions"][0]["kind"] == "little_giant"
        assert any("2024" in reason for reason in rows[code]["reasons"])
    assert rows["little-giant-ankang"]["reasons"][0] == "registered in 安康市"
    assert rows["specialised-province"]["eligible"] is False
    assert "Needs the qualification" in rows["specialised-province"]["missing"][0]
    assert client_for(UserFactory(role=Role.LEADER)).get("/api/v1/eligibility/").status_code == 403


def test_a_claim_goes_from_draft_to_payment_and_only_reviewers_decide_and_pay(giant, reviewer):
    api = client_for(giant)
    made = api.post(
        "/api/v1/claims/", {"policy": policy("little-giant-province").pk}, format="json"
    )
    assert made.status_code == 201, made.json()
    claim = made.json()
    assert claim["status"] == "draft"
    assert claim["recognition"] == giant.organisation.qualifications.get().pk
    preview = api.get(f"/api/v1/claims/{claim['id']}/entitlement/").json()
    assert preview["amount"] == "500000.00"
    assert preview["lines"][0]["label"] == "Fixed reward (陕政办发〔2024〕11号 (三))"
    assert preview["errors"] == {}
    refused = api.post(f"/api/v1/claims/{claim['id']}/submit/")
    assert refused.status_code == 400
    assert "files" in refused.json()["errors"]
    attach_evidence(api, claim["id"], ["认定文件"])
    submitted = api.post(f"/api/v1/claims/{claim['id']}/submit/").json()
    assert (submitted["status"], submitted["entitlement"]) == ("submitted", "500000.00")
    assert submitted["working"][-1] == {"label": "Entitlement", "amount": "500000.00"}
    # The claimant neither decides nor pays; nor does a leader.
    for user in (giant, UserFactory(role=Role.LEADER)):
        assert client_for(user).post(
            f"/api/v1/claims/{claim['id']}/approve/", {"amount": "500000"}, format="json"
        ).status_code == 403  # fmt: skip
    staff = client_for(reviewer)
    over = staff.post(f"/api/v1/claims/{claim['id']}/approve/", {"amount": "500000.01"},
                      format="json")  # fmt: skip
    assert over.status_code == 400
    assert "The entitlement is 500,000.00 yuan" in over.json()["errors"]["amount"][0]
    less = staff.post(f"/api/v1/claims/{claim['id']}/approve/", {"amount": "400000"},
                      format="json")  # fmt: skip
    assert less.status_code == 400 and "reason" in less.json()["errors"]
    approved = staff.post(f"/api/v1/claims/{claim['id']}/approve/", {"amount": "500000"},
                          format="json")  # fmt: skip
    assert approved.json()["status"] == "approved"
    assert approved.json()["budget_year"] == timezone.localdate().year
    assert client_for(giant).post(
        f"/api/v1/claims/{claim['id']}/pay/",
        {"paid_on": timezone.localdate().isoformat(), "amount": "500000", "voucher": "V1"},
        format="json",
    ).status_code == 403  # fmt: skip
    paid = staff.post(
        f"/api/v1/claims/{claim['id']}/pay/",
        {"paid_on": timezone.localdate().isoformat(), "amount": "500000", "voucher": "PZ-001"},
        format="json",
    ).json()
    assert paid["status"] == "paid"
    assert paid["paid_amount"] == "500000.00"
    assert paid["payments"][0]["voucher"] == "PZ-001"
    [budget] = staff.get("/api/v1/budgets/", {"policy_code": "little-giant-province"}).json()[
        "results"
    ]
    assert (budget["allocated"], budget["committed"], budget["paid"], budget["remaining"]) == (
        "10000000.00", "0.00", "500000.00", "9500000.00",
    )  # fmt: skip


def test_return_and_reject_need_a_reason(giant, reviewer):
    claim = services.claim_create(actor=giant, policy=policy("little-giant-ankang"), data={})
    attach_evidence(client_for(giant), claim.pk, ["认定文件"])
    services.claim_submit(actor=giant, claim=claim)
    staff = client_for(reviewer)
    blank = staff.post(f"/api/v1/claims/{claim.pk}/return/", {}, format="json")
    assert blank.status_code == 400 and blank.json()["errors"]["reason"] == ["Give the reason."]
    returned = staff.post(f"/api/v1/claims/{claim.pk}/return/", {"reason": "认定文件不清晰"},
                          format="json")  # fmt: skip
    assert returned.json()["status"] == "returned"
    assert returned.json()["decision_reason"] == "认定文件不清晰"
    again = staff.post(f"/api/v1/claims/{claim.pk}/reject/", {"reason": "x"}, format="json")
    assert again.status_code == 400
    assert again.json()["errors"]["non_field_errors"] == [
        f"Claim {claim.number} is Returned for revision; “Reject” is not possible now."
    ]


def test_the_pledge_interest_preview_shows_the_two_years_and_the_cap(giant):
    api = client_for(giant)
    made = api.post(
        "/api/v1/claims/",
        {"policy": policy("pledge-interest").pk, "loan_bank": "安康农商银行",
         "loan_contract": "AK-2023-07", "loan_amount": "30000000", "loan_start": "2023-07-01",
         "loan_end": "2025-06-30",
         "interest_payments": [
             {"date": "2023-12-20", "amount": "450000"},
             {"date": "2024-06-20", "amount": "450000"},
             {"date": "2024-12-20", "amount": "300000.50"},
             {"date": "2025-07-01", "amount": "250000"},  # after the two years: not counted
         ]},
        format="json",
    )  # fmt: skip
    assert made.status_code == 201, made.json()
    preview = api.get(f"/api/v1/claims/{made.json()['id']}/entitlement/").json()
    labels = [line["label"] for line in preview["lines"]]
    assert preview["lines"][0]["amount"] == "1200000.50"
    assert "from 1 July 2023 to 30 June 2025 (24 months): 3 payments" in labels[0]
    assert "1 outside the period not counted" in labels[0]
    assert preview["lines"][1]["amount"] == "600000.25"  # × 50%
    assert "Cumulative cap 500,000.00" in labels[2]
    assert preview["amount"] == "500000.00"
    # Figures missing: no amount, and the errors say which.
    empty = api.post("/api/v1/claims/", {"policy": policy("pledge-interest").pk}, format="json")
    missing = api.get(f"/api/v1/claims/{empty.json()['id']}/entitlement/").json()
    assert missing["amount"] is None
    assert set(missing["errors"]) == {"loan_start"}


def test_bad_input_is_a_400_with_field_errors_never_a_500(giant, reviewer):
    api = client_for(giant)
    wrong = api.post(
        "/api/v1/claims/",
        {"policy": "first", "requested_amount": "many", "loan_start": "soon",
         "base_amount": "-1", "interest_payments": [{"date": "2025-13-01", "amount": "0"}]},
        format="json",
    )  # fmt: skip
    assert wrong.status_code == 400
    errors = wrong.json()["errors"]
    assert {"policy", "requested_amount", "loan_start", "base_amount", "interest_payments"} <= set(
        errors
    )
    too_big = api.post(
        "/api/v1/claims/",
        {"policy": policy("listing-support").pk, "requested_amount": "1" * 20},
        format="json",
    )
    assert too_big.status_code == 400 and "requested_amount" in too_big.json()["errors"]
    assert api.post("/api/v1/claims/", {"policy": 999999}, format="json").status_code == 400
    # Not eligible: the service's explanation, as a 400.
    refused = api.post("/api/v1/claims/", {"policy": policy("specialised-province").pk},
                       format="json")  # fmt: skip
    assert refused.status_code == 400
    assert "Needs the qualification" in refused.json()["errors"]["non_field_errors"][0]
    # An older version is not claimed under; another's recognition is not found.
    stranger = ApplicantFactory()
    theirs = Qualification.objects.create(organisation=stranger.organisation, kind="little_giant",
                                          year=2024, source="名单")  # fmt: skip
    other = api.post(
        "/api/v1/claims/",
        {"policy": policy("little-giant-province").pk, "recognition": theirs.pk},
        format="json",
    )
    assert other.status_code == 400 and "recognition" in other.json()["errors"]
    made = api.post("/api/v1/claims/", {"policy": policy("listing-support").pk}, format="json")
    claim_id = made.json()["id"]
    out_of_range = api.patch(f"/api/v1/claims/{claim_id}/", {"requested_amount": "1000000.01"},
                             format="json")  # fmt: skip
    assert out_of_range.status_code == 200  # the figure is stored; the preview says why not
    preview = api.get(f"/api/v1/claims/{claim_id}/entitlement/").json()
    assert "between 0.00 and 1,000,000.00" in preview["errors"]["requested_amount"]
    ends_first = api.patch(f"/api/v1/claims/{claim_id}/",
                           {"loan_start": "2025-01-01", "loan_end": "2024-01-01"},
                           format="json")  # fmt: skip
    assert ends_first.status_code == 400 and "loan_end" in ends_first.json()["errors"]
    assert api.put(f"/api/v1/claims/{claim_id}/", {}, format="json").status_code == 405
    staff = client_for(reviewer)
    bad_filter = staff.get("/api/v1/claims/", {"status": "lost"})
    assert bad_filter.status_code == 400 and "status" in bad_filter.json()["errors"]
    for body in ({"amount": "abc"}, {"amount": "-5"}, {"amount": "1e30"}, {}):
        response = staff.post(f"/api/v1/claims/{claim_id}/approve/", body, format="json")
        assert response.status_code == 400, body
        assert "amount" in response.json()["errors"]
    for body in (
        {"paid_on": "yesterday", "amount": "1", "voucher": "V"},
        {"paid_on": "2026-01-01", "amount": "0", "voucher": "V"},
        {"paid_on": "2026-01-01", "amount": "1", "voucher": ""},
    ):
        response = staff.post(f"/api/v1/claims/{claim_id}/pay/", body, format="json")
        assert response.status_code == 400, body
    budgets = [
        ({"policy_code": "nothing", "year": 2026, "region": "610000", "allocated": "1"},
         "policy_code"),
        ({"policy_code": "first-set", "year": 99999, "region": "610000", "allocated": "1"},
         "year"),
        ({"policy_code": "first-set", "year": 2026, "region": "999999", "allocated": "1"},
         "region"),
        ({"policy_code": "first-set", "year": 2026, "region": "610000", "allocated": "-1"},
         "allocated"),
        ({"policy_code": "first-set", "year": "next", "region": "610000", "allocated": "x"},
         "allocated"),
    ]  # fmt: skip
    for body, field in budgets:
        response = staff.post("/api/v1/budgets/", body, format="json")
        assert response.status_code == 400, body
        assert field in response.json()["errors"], body
    assert staff.get("/api/v1/budgets/", {"year": "soon"}).status_code == 400


def test_an_organisation_never_sees_anothers_claims(giant, reviewer):
    mine = services.claim_create(actor=giant, policy=policy("little-giant-ankang"), data={})
    stranger = ApplicantFactory(
        organisation=OrganisationFactory(region=Region.objects.get(code="610100"))
    )
    theirs = services.claim_create(actor=stranger, policy=policy("listing-support"), data={})
    api = client_for(stranger)
    assert [row["number"] for row in api.get("/api/v1/claims/").json()["results"]] == [
        theirs.number
    ]
    assert api.get("/api/v1/claims/", {"organisation": giant.organisation.pk}).json()[
        "count"
    ] == 0  # fmt: skip
    for response in (
        api.get(f"/api/v1/claims/{mine.pk}/"),
        api.get(f"/api/v1/claims/{mine.pk}/entitlement/"),
        api.patch(f"/api/v1/claims/{mine.pk}/", {"description": "x"}, format="json"),
        api.post(f"/api/v1/claims/{mine.pk}/submit/"),
        api.post(f"/api/v1/claims/{mine.pk}/files/",
                 {"label": "认定文件", "file": SimpleUploadedFile("e.pdf", PDF)},
                 format="multipart"),
    ):  # fmt: skip
        assert response.status_code == 404
    assert Claim.objects.get(pk=mine.pk).description == ""
    # Staff read all, filtered by region (a city takes its counties), policy and organisation.
    staff = client_for(UserFactory(role=Role.LEADER))
    assert staff.get("/api/v1/claims/").json()["count"] == 2
    numbers = lambda **q: [r["number"] for r in staff.get("/api/v1/claims/", q).json()["results"]]  # noqa: E731
    assert numbers(region="610900") == [mine.number]
    assert numbers(region="6101") == [theirs.number]
    assert numbers(region="610000") == [theirs.number, mine.number]
    assert numbers(policy_code="listing-support") == [theirs.number]
    assert numbers(policy=mine.policy_id) == [mine.number]
    assert numbers(organisation=giant.organisation.pk, status="draft") == [mine.number]
    # Only the claimant edits; a reviewer may not change the figures either.
    assert client_for(reviewer).patch(
        f"/api/v1/claims/{mine.pk}/", {"description": "x"}, format="json"
    ).status_code == 403  # fmt: skip
    assert client_for(UserFactory(role=Role.EXPERT)).get("/api/v1/claims/").status_code == 403
    university = ApplicantFactory(
        organisation=OrganisationFactory(kind=Organisation.Kind.UNIVERSITY)
    )
    assert client_for(university).get("/api/v1/claims/").json()["count"] == 0


def test_budgets_are_listed_with_their_spending_and_set_by_reviewers(giant, reviewer):
    staff = client_for(reviewer)
    Budget.objects.all().delete()
    made = staff.post(
        "/api/v1/budgets/",
        {"policy_code": "little-giant-ankang", "year": timezone.localdate().year,
         "region": "610900", "allocated": "2000000", "source": "安康市2026年预算"},
        format="json",
    )  # fmt: skip
    assert made.status_code == 201, made.json()
    budget = made.json()
    assert (budget["allocated"], budget["remaining"], budget["region_name"]) == (
        "2000000.00", "2000000.00", "安康市",
    )  # fmt: skip
    claim = services.claim_create(actor=giant, policy=policy("little-giant-ankang"), data={})
    attach_evidence(client_for(giant), claim.pk, ["认定文件"])
    services.claim_submit(actor=giant, claim=claim)
    services.claim_approve(actor=reviewer, claim=claim, amount=Decimal(200000))
    services.claim_pay(actor=reviewer, claim=claim, paid_on=timezone.localdate(),
                       amount=Decimal(50000), voucher="AK-1")  # fmt: skip
    leader = client_for(UserFactory(role=Role.LEADER))
    [row] = leader.get("/api/v1/budgets/").json()["results"]
    assert (row["committed"], row["paid"], row["remaining"]) == (
        "150000.00", "50000.00", "1800000.00",
    )  # fmt: skip
    assert leader.get(f"/api/v1/budgets/{budget['id']}/").json()["paid"] == "50000.00"
    below = staff.patch(f"/api/v1/budgets/{budget['id']}/", {"allocated": "100000"},
                        format="json")  # fmt: skip
    assert below.status_code == 400
    assert "cannot be less than their sum" in below.json()["errors"]["allocated"][0]
    raised = staff.patch(f"/api/v1/budgets/{budget['id']}/", {"allocated": "2500000"},
                         format="json")  # fmt: skip
    assert raised.json()["remaining"] == "2300000.00"
    assert leader.post(
        "/api/v1/budgets/",
        {"policy_code": "first-set", "year": 2026, "region": "610000", "allocated": "1"},
        format="json",
    ).status_code == 403  # fmt: skip
    assert client_for(giant).get("/api/v1/budgets/").status_code == 403
    assert Payment.objects.count() == 1


def test_the_claim_list_takes_a_fixed_number_of_queries(giant, django_assert_max_num_queries):
    ClaimFactory.create_batch(5, policy=policy("listing-support"), created_by=giant)
    api = client_for(UserFactory(role=Role.REVIEWER))
    with django_assert_max_num_queries(8):
        assert api.get("/api/v1/claims/").json()["count"] == 5


def test_schema_of_the_incentives_api_has_no_warnings():
    router = DefaultRouter()
    for prefix, viewset in (
        ("policies", incentives_api.PolicyViewSet),
        ("eligibility", incentives_api.EligibilityViewSet),
        ("claims", incentives_api.ClaimViewSet),
        ("budgets", incentives_api.BudgetViewSet),
    ):
        router.register(prefix, viewset, basename=f"schema-{prefix}")
    GENERATOR_STATS.reset()
    schema = SchemaGenerator(patterns=[path("api/v1/", include(router.urls))]).get_schema(
        request=None, public=True
    )
    assert not GENERATOR_STATS, "drf-spectacular reported warnings or errors"
    for route in ("claims/{id}/approve/", "claims/{id}/return/", "claims/{id}/pay/",
                  "claims/{id}/entitlement/", "policies/{id}/versions/", "eligibility/",
                  "budgets/{id}/"):  # fmt: skip
        assert f"/api/v1/{route}" in schema["paths"], route
