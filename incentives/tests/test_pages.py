"""The incentives pages: eligibility explained, claims from draft to payment through the forms,
the reviewer's actions with the budget, and who sees what.

Pages answer in Chinese by default: assertions are on data-testid attributes, field names and
amounts (formatted the same in every language)."""

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from incentives import services
from incentives.models import Budget, Claim, Policy
from portal.factories import ApplicantFactory, OrganisationFactory, UserFactory
from portal.models import Organisation, Qualification, Region, Role

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def year() -> int:
    return timezone.localdate().year


@pytest.fixture
def giant(db):
    """An applicant of an enterprise in 汉滨区 (安康市), a national little giant since 2024."""
    applicant = ApplicantFactory()
    Qualification.objects.create(
        organisation=applicant.organisation,
        kind=Qualification.Kind.LITTLE_GIANT,
        year=2024,
        source="工信部第六批专精特新“小巨人”企业名单",
    )
    return applicant


@pytest.fixture
def reviewer(db):
    return UserFactory(role=Role.REVIEWER)


@pytest.fixture
def budgets(year):
    """A budget of 100万元 this year for every policy, in the policy's own region."""
    for policy in Policy.objects.filter(is_active=True):
        Budget.objects.get_or_create(
            policy_code=policy.code,
            year=year,
            region=policy.region,
            defaults={"allocated": Decimal("1000000")},
        )


def policy(code: str) -> Policy:
    return Policy.objects.get(code=code, is_active=True)


def pdf(name: str = "认定文件.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def payment_rows(rows: list[tuple[str, str]], total: int = 8) -> dict:
    data = {"payment-TOTAL_FORMS": str(total), "payment-INITIAL_FORMS": str(total)}
    for index in range(total):
        day, amount = rows[index] if index < len(rows) else ("", "")
        data[f"payment-{index}-date"] = day
        data[f"payment-{index}-amount"] = amount
    return data


def row(body: str, testid: str, code: str) -> str:
    """The <tr> of a policy row, by its code."""
    match = re.search(rf'<tr data-testid="{testid}" data-code="{code}"[^>]*>.*?</tr>', body, re.S)
    assert match, f"no row {code}"
    return match.group(0)


def test_a_little_giant_in_ankang_sees_both_rewards_explained(client, giant):
    client.force_login(giant)
    body = client.get(reverse("incentives:policy_list")).content.decode()
    province = row(body, "policy-row", "little-giant-province")
    city = row(body, "policy-row", "little-giant-ankang")
    for found in (province, city):
        assert 'data-eligible="yes"' in found and 'data-testid="claim"' in found
        assert "2024" in found and "工信部第六批" in found  # the recognition that makes it so
    assert "50万元" in province and "20万元" in city
    assert "陕政办发〔2024〕11号 (三)" in province and "安政办发〔2024〕13号 第3条" in city
    # What is missing is said: no provincial specialised SME recognition.
    specialised = row(body, "policy-row", "specialised-province")
    assert 'data-eligible="no"' in specialised and 'data-testid="missing"' in specialised
    assert 'data-testid="claim"' not in specialised


def test_staff_see_the_policies_with_versions_and_edit_links(client, reviewer):
    leader = UserFactory(role=Role.LEADER)
    client.force_login(leader)
    body = client.get(reverse("incentives:policy_list")).content.decode()
    assert body.count('data-testid="policy-row"') == Policy.objects.filter(is_active=True).count()
    assert 'data-testid="versions"' in body and 'data-testid="edit"' not in body
    client.force_login(reviewer)
    body = client.get(reverse("incentives:policy_list")).content.decode()
    assert 'data-testid="edit"' in body and 'data-testid="eligibility"' not in body


def test_a_fixed_reward_claimed_through_the_pages_approved_within_budget_and_paid(
    client, giant, reviewer, budgets, year
):
    little_giant = policy("little-giant-province")
    recognition = giant.organisation.qualifications.get()
    client.force_login(giant)
    created = client.post(
        reverse("incentives:claim_create", args=[little_giant.pk]),
        {"recognition": recognition.pk, "description": "", "evidence-0": pdf()},
    )
    claim = Claim.objects.get(organisation=giant.organisation)
    assert created.status_code == 302 and created.url == reverse(
        "incentives:claim_edit", args=[claim.pk]
    )
    assert claim.files.get().label == "认定文件" and claim.recognition == recognition

    draft = client.get(created.url).content.decode()
    assert 'data-testid="entitlement">500,000.00<' in draft
    assert "陕政办发〔2024〕11号 (三)" in draft  # the working cites the clause

    submitted = client.post(
        created.url, {"recognition": recognition.pk, "description": "", "submit": "1"}
    )
    assert submitted.status_code == 302
    claim.refresh_from_db()
    assert claim.status == Claim.Status.SUBMITTED and claim.entitlement == Decimal("500000.00")

    client.force_login(reviewer)
    detail = client.get(reverse("incentives:claim_detail", args=[claim.pk]))
    assert detail.context["approve_form"].initial["amount"] == Decimal("500000.00")
    assert 'data-testid="budget-remaining">100万元<' in detail.content.decode()
    approve = reverse("incentives:claim_act", args=[claim.pk, "approve"])
    # Less than the entitlement needs a reason, on the reason field.
    refused = client.post(approve, {"amount": "400000", "reason": ""})
    assert refused.status_code == 400 and 'data-field-error="reason"' in refused.content.decode()
    assert client.post(approve, {"amount": "500000", "reason": ""}).status_code == 302
    claim.refresh_from_db()
    assert (claim.status, claim.approved_amount, claim.budget_year) == (
        Claim.Status.APPROVED, Decimal("500000.00"), year,
    )  # fmt: skip

    paid = client.post(
        reverse("incentives:claim_act", args=[claim.pk, "pay"]),
        {"paid_on": timezone.localdate().isoformat(), "amount": "500000", "voucher": "PZ-0001"},
    )
    assert paid.status_code == 302
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PAID and claim.paid_amount == Decimal("500000.00")

    client.force_login(UserFactory(role=Role.LEADER))
    body = client.get(reverse("incentives:budget_list")).content.decode()
    budget = re.search(
        r'<tr data-code="little-giant-province" data-year="\d+" data-region="610000">.*?</tr>',
        body,
        re.S,
    ).group(0)
    # In 万元, the unit in the column header.
    assert 'data-testid="committed">0<' in budget
    assert 'data-testid="paid">50<' in budget
    assert 'data-testid="remaining">50<' in budget


def test_approving_over_the_budget_is_refused_with_the_figures(client, giant, reviewer, year):
    little_giant = policy("little-giant-province")
    Budget.objects.create(
        policy_code=little_giant.code, year=year, region=little_giant.region,
        allocated=Decimal("300000"),
    )  # fmt: skip
    claim = services.claim_create(actor=giant, policy=little_giant, data={})
    services.claim_attach(actor=giant, claim=claim, label="认定文件", name="a.pdf",
                          handle=pdf().file, size=len(PDF))  # fmt: skip
    services.claim_submit(actor=giant, claim=claim)
    client.force_login(reviewer)
    refused = client.post(
        reverse("incentives:claim_act", args=[claim.pk, "approve"]), {"amount": "500000"}
    )
    body = refused.content.decode()
    assert refused.status_code == 400 and 'data-field-error="amount"' in body
    assert "300,000.00" in body and "500,000.00" in body
    claim.refresh_from_db()
    assert claim.status == Claim.Status.SUBMITTED


def test_a_range_out_of_bounds_shows_the_field_error(client, budgets):
    applicant = ApplicantFactory()
    navigation = policy("navigation-project")  # 10万–30万元
    client.force_login(applicant)
    created = client.post(
        reverse("incentives:claim_create", args=[navigation.pk]),
        {"requested_amount": "400000", "evidence-0": pdf("任务书.pdf")},
    )
    assert created.status_code == 302
    draft = client.get(created.url).content.decode()
    assert 'data-testid="working-errors"' in draft and 'data-field="requested_amount"' in draft
    submitted = client.post(created.url, {"requested_amount": "400000", "submit": "1"})
    body = submitted.content.decode()
    assert submitted.status_code == 200
    assert 'data-field-error="requested_amount"' in body
    assert "100,000.00" in body and "300,000.00" in body
    assert Claim.objects.get().status == Claim.Status.DRAFT
    # Within the range, it goes.
    client.post(created.url, {"requested_amount": "250000", "submit": "1"})
    claim = Claim.objects.get()
    assert claim.status == Claim.Status.SUBMITTED and claim.entitlement == Decimal("250000.00")


def test_the_form_asks_only_for_what_the_rule_needs(client, giant):
    client.force_login(giant)
    fixed = client.get(reverse("incentives:claim_create", args=[policy("little-giant-ankang").pk]))
    assert set(fixed.context["form"].fields) == {"recognition", "description"}
    assert fixed.context["payments"] is None
    pledge = client.get(reverse("incentives:claim_create", args=[policy("pledge-interest").pk]))
    assert set(pledge.context["form"].fields) == {
        "loan_bank", "loan_contract", "loan_amount", "loan_start", "loan_end", "description",
    }  # fmt: skip
    assert len(pledge.context["payments"].forms) >= 8
    insurance = client.get(reverse("incentives:claim_create", args=[policy("ip-insurance").pk]))
    assert set(insurance.context["form"].fields) == {"base_amount", "description"}
    # Not eligible: explained, no form.
    specialised = client.get(
        reverse("incentives:claim_create", args=[policy("specialised-province").pk])
    )
    assert 'data-testid="claim-form"' not in specialised.content.decode()


PLEDGE_FORM = {
    "loan_bank": "中国银行安康分行",
    "loan_contract": "ZY-2024-0318",
    "loan_amount": "30000000",
    "loan_start": "2024-03-21",
    "loan_end": "2026-03-20",
    "description": "",
}


def test_interest_payment_rows_are_stored_and_the_working_shows(client, giant, budgets):
    pledge = policy("pledge-interest")
    client.force_login(giant)
    rows = [("2024-06-21", "300000.00"), ("2024-12-21", "310000.50"), ("", ""),
            ("2025-06-21", "305000"), ("2026-03-21", "280000")]  # fmt: skip
    created = client.post(
        reverse("incentives:claim_create", args=[pledge.pk]), PLEDGE_FORM | payment_rows(rows)
    )
    assert created.status_code == 302
    claim = Claim.objects.get()
    assert claim.interest_payments == [
        {"date": "2024-06-21", "amount": "300000.00"},
        {"date": "2024-12-21", "amount": "310000.50"},
        {"date": "2025-06-21", "amount": "305000.00"},
        {"date": "2026-03-21", "amount": "280000.00"},
    ]
    page = client.get(created.url)
    body = page.content.decode()
    # 2026-03-21 is outside the 24 months from 2024-03-21: three payments count.
    assert "915,000.50" in body and 'data-testid="entitlement">457,500.25<' in body
    assert "× 50%" in body and "50.0000" not in body  # the rate as stored: 0.5000
    lines = [label for label, _amount in page.context["lines"]]
    assert len(lines) == 3 and "2024年3月21日" in lines[0] and "2026年3月20日" in lines[0]
    # The stored rows come back in the form, then empty ones.
    payments = page.context["payments"]
    assert payments.forms[2].initial["date"] == "2025-06-21" and len(payments.forms) >= 8

    # A half-filled row is refused on its field; nothing is saved.
    bad = client.post(created.url, PLEDGE_FORM | payment_rows([("2024-06-21", "")]))
    assert bad.status_code == 200 and bad.context["payments"].forms[0].errors["amount"]
    claim.refresh_from_db()
    assert len(claim.interest_payments) == 4


def test_an_organisation_never_reaches_another_ones_claim_or_evidence(client, giant, budgets):
    claim = services.claim_create(actor=giant, policy=policy("little-giant-province"), data={})
    stored = services.claim_attach(actor=giant, claim=claim, label="认定文件", name="a.pdf",
                                   handle=pdf().file, size=len(PDF))  # fmt: skip
    download = reverse("incentives:claim_file_download", args=[claim.pk, stored.pk])
    client.force_login(giant)
    response = client.get(download)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]

    other = ApplicantFactory()
    client.force_login(other)
    for url in (
        reverse("incentives:claim_detail", args=[claim.pk]),
        reverse("incentives:claim_edit", args=[claim.pk]),
        download,
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("incentives:claim_edit", args=[claim.pk]), {}).status_code == 404
    assert claim.number not in client.get(reverse("incentives:claim_list")).content.decode()
    # Nor can an applicant decide, even its own claim.
    client.force_login(giant)
    act = client.post(reverse("incentives:claim_act", args=[claim.pk, "reject"]), {})
    assert act.status_code == 403
    # Not an applicant or staff: no incentives pages at all.
    client.force_login(UserFactory(role=Role.EXPERT))
    assert client.get(reverse("incentives:claim_list")).status_code == 403
    assert client.get(reverse("incentives:policy_list")).status_code == 403


def test_the_download_is_audited(client, giant):
    from portal.models import AuditEntry

    claim = services.claim_create(actor=giant, policy=policy("little-giant-province"), data={})
    stored = services.claim_attach(actor=giant, claim=claim, label="认定文件", name="a.pdf",
                                   handle=pdf().file, size=len(PDF))  # fmt: skip
    client.force_login(giant)
    client.get(reverse("incentives:claim_file_download", args=[claim.pk, stored.pk]))
    assert AuditEntry.objects.filter(event="incentive.claim.download").count() == 1


def _claims(count: int) -> list[Claim]:
    made = []
    for _n in range(count):
        applicant = ApplicantFactory()
        made.append(
            services.claim_create(
                actor=applicant, policy=policy("listing-support"), data={"requested_amount": 1}
            )
        )
    return made


@pytest.mark.parametrize("count", [1, 12])
def test_the_claim_list_takes_a_fixed_number_of_queries(
    client, reviewer, count, django_assert_max_num_queries
):
    _claims(count)
    client.force_login(reviewer)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("incentives:claim_list"))
    assert response.content.decode().count("data-number=") == count


def test_the_claim_list_of_an_organisation_and_the_staff_filters(
    client, reviewer, django_assert_max_num_queries
):
    mine, theirs = _claims(2)
    theirs.organisation.region = Region.objects.get(code="610100")  # 西安市
    theirs.organisation.save()
    client.force_login(mine.created_by)
    with django_assert_max_num_queries(10):
        body = client.get(reverse("incentives:claim_list")).content.decode()
    assert mine.number in body and theirs.number not in body
    client.force_login(reviewer)
    ankang = client.get(reverse("incentives:claim_list"), {"region": "610900"}).content.decode()
    assert mine.number in ankang and theirs.number not in ankang
    drafts = client.get(reverse("incentives:claim_list"), {"status": "paid"}).content.decode()
    assert mine.number not in drafts


def test_editing_a_policy_in_use_makes_the_next_version(client, reviewer, giant):
    little_giant = policy("little-giant-ankang")
    services.claim_create(actor=giant, policy=little_giant, data={})
    client.force_login(reviewer)
    page = client.get(reverse("incentives:policy_edit", args=[little_giant.pk]))
    assert 'data-testid="in-use"' in page.content.decode()
    form = page.context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data["claimant_kinds"] = ["enterprise"]
    data["amount"] = "250000"
    data["one_time"] = "on"
    data["is_active"] = "on"
    response = client.post(reverse("incentives:policy_edit", args=[little_giant.pk]), data)
    assert response.status_code == 302
    versions = Policy.objects.filter(code="little-giant-ankang").order_by("version")
    assert [(v.version, v.amount, v.is_active) for v in versions] == [
        (1, Decimal("200000.00"), False), (2, Decimal("250000.00"), True),
    ]  # fmt: skip
    assert versions[1].evidence == ["认定文件"] and versions[1].claimant_kinds == ["enterprise"]
    follow = client.get(response.url).content.decode()
    assert 'data-version="1"' in follow and 'data-version="2"' in follow


def test_a_reviewer_creates_a_city_policy_and_sets_its_budget(client, reviewer, year):
    client.force_login(reviewer)
    response = client.post(
        reverse("incentives:policy_create"),
        {
            "code": "little-giant-hanzhong", "title": "首次认定国家级“小巨人”企业奖励（汉中市）",
            "level": "city", "region": Region.objects.get(code="610700").pk,
            "document": "汉政办发〔2025〕1号", "clause": "第2条", "claimant_kinds": ["enterprise"],
            "qualification": "little_giant", "qualified_since": "2025",
            "evidence": "认定文件\n营业执照", "opens_on": "2025-01-01", "closes_on": "2027-12-31",
            "amount_kind": "fixed", "amount": "150000", "one_time": "on", "is_active": "on",
            "source": "汉政办发〔2025〕1号 第2条",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.context["form"].errors
    created = Policy.objects.get(code="little-giant-hanzhong")
    assert created.evidence == ["认定文件", "营业执照"] and created.version == 1
    # A rule missing what its kind needs is refused on the field.
    refused = client.post(
        reverse("incentives:policy_edit", args=[created.pk]),
        {**_policy_data(created), "amount": ""},
    )
    assert 'data-field-error="amount"' in refused.content.decode()

    set_budget = client.post(
        reverse("incentives:budget_list"),
        {"policy_code": created.code, "year": year, "allocated": "3000000", "source": ""},
    )
    assert set_budget.status_code == 302
    budget = Budget.objects.get(policy_code=created.code)
    assert budget.region.code == "610700" and budget.allocated == Decimal("3000000")
    # A leader reads budgets but does not set them.
    client.force_login(UserFactory(role=Role.LEADER))
    assert client.get(reverse("incentives:budget_list")).context["form"] is None
    assert client.post(reverse("incentives:budget_list"), {}).status_code == 403


def _policy_data(policy: Policy) -> dict:
    from incentives.forms import PolicyForm

    form = PolicyForm(instance=policy)
    data = {name: form[name].value() for name in form.fields}
    data = {k: v for k, v in data.items() if v is not None and v is not False}
    data["region"] = policy.region_id
    return data


def test_a_returned_claim_is_edited_and_submitted_again(client, giant, reviewer, budgets):
    claim = services.claim_create(actor=giant, policy=policy("little-giant-province"), data={})
    services.claim_attach(actor=giant, claim=claim, label="认定文件", name="a.pdf",
                          handle=pdf().file, size=len(PDF))  # fmt: skip
    services.claim_submit(actor=giant, claim=claim)
    client.force_login(reviewer)
    client.post(
        reverse("incentives:claim_act", args=[claim.pk, "return"]),
        {"return-reason": "认定文件不清晰，请重新上传"},
    )
    claim.refresh_from_db()
    assert claim.status == Claim.Status.RETURNED
    client.force_login(giant)
    page = client.get(reverse("incentives:claim_edit", args=[claim.pk])).content.decode()
    assert "认定文件不清晰" in page
    recognition = claim.recognition_id
    client.post(
        reverse("incentives:claim_edit", args=[claim.pk]),
        {"recognition": recognition, "evidence-0": pdf("清晰版.pdf"), "submit": "1"},
    )
    claim.refresh_from_db()
    assert claim.status == Claim.Status.SUBMITTED and claim.files.count() == 2


def test_a_draft_is_submitted_from_its_own_page(client, giant, reviewer, budgets):
    """The draft's page offers the submit the workflow allows (not only its edit form); what is
    missing is said there, and only the claimant sees the button."""
    claim = services.claim_create(actor=giant, policy=policy("little-giant-province"), data={})
    detail = reverse("incentives:claim_detail", args=[claim.pk])
    submit = reverse("incentives:claim_act", args=[claim.pk, "submit"])
    client.force_login(reviewer)
    assert 'data-testid="submit-form"' not in client.get(detail).content.decode()
    assert client.post(submit).status_code == 403
    client.force_login(giant)
    page = client.get(detail).content.decode()
    assert f'action="{submit}"' in page and 'data-testid="submit-form"' in page
    refused = client.post(submit)  # the recognition file is not attached yet
    body = refused.content.decode()
    assert refused.status_code == 400 and 'data-testid="form-errors"' in body and "认定文件" in body
    claim.refresh_from_db()
    assert claim.status == Claim.Status.DRAFT
    services.claim_attach(actor=giant, claim=claim, label="认定文件", name="a.pdf",
                          handle=pdf().file, size=len(PDF))  # fmt: skip
    assert client.post(submit).status_code == 302
    claim.refresh_from_db()
    assert claim.status == Claim.Status.SUBMITTED
    assert 'data-testid="submit-form"' not in client.get(detail).content.decode()


def test_a_duplicate_claim_points_to_the_earlier_one(client, giant, budgets):
    little_giant = policy("little-giant-province")
    first = services.claim_create(actor=giant, policy=little_giant, data={})
    second = services.claim_create(actor=giant, policy=little_giant, data={})
    for claim in (first, second):
        services.claim_attach(actor=giant, claim=claim, label="认定文件", name="a.pdf",
                              handle=pdf().file, size=len(PDF))  # fmt: skip
    services.claim_submit(actor=giant, claim=first)
    client.force_login(giant)
    response = client.post(
        reverse("incentives:claim_edit", args=[second.pk]),
        {"recognition": second.recognition_id, "submit": "1"},
    )
    body = response.content.decode()
    assert response.status_code == 200 and 'data-testid="form-errors"' in body
    assert first.number in body


def test_an_unverified_organisation_cannot_claim(client):
    pending = ApplicantFactory(organisation=OrganisationFactory(status=Organisation.Status.PENDING))
    client.force_login(pending)
    assert client.get(reverse("incentives:policy_list")).status_code == 403
    assert (
        client.get(
            reverse("incentives:claim_create", args=[policy("listing-support").pk])
        ).status_code
        == 403
    )


def test_dates_of_the_pledge_are_checked(client, giant):
    client.force_login(giant)
    data = PLEDGE_FORM | {"loan_end": "2024-01-01"} | payment_rows([("2024-06-21", "1000")])
    response = client.post(
        reverse("incentives:claim_create", args=[policy("pledge-interest").pk]), data
    )
    assert response.status_code == 200
    assert 'data-field-error="loan_end"' in response.content.decode()
    assert not Claim.objects.exists()


def test_next_years_policy_starts_from_a_copy_and_only_reviewers_manage(client, reviewer):
    little_giant = policy("little-giant-province")
    client.force_login(reviewer)
    page = client.get(reverse("incentives:policy_create"), {"copy": little_giant.pk})
    form = page.context["form"]
    assert form["title"].value() == little_giant.title and form["evidence"].value() == "认定文件"
    assert form["code"].value() in (None, "")  # a new policy needs its own code
    client.force_login(UserFactory(role=Role.LEADER))
    assert client.get(reverse("incentives:policy_create")).status_code == 403
    edit = reverse("incentives:policy_edit", args=[little_giant.pk])
    assert client.get(edit).status_code == 403
    assert (
        client.get(reverse("incentives:policy_detail", args=[little_giant.pk])).status_code == 200
    )


def test_a_decision_from_a_stale_page_says_what_the_claim_is_now(client, giant, reviewer, budgets):
    """Two tabs: approved in one, approved again from the other. The second is told the claim's
    state (a message on the claim's page), nothing changes, and nothing is recorded twice."""
    from portal.models import StateChange

    little_giant = policy("little-giant-province")
    claim = services.claim_create(actor=giant, policy=little_giant, data={})
    services.claim_attach(actor=giant, claim=claim, label="认定文件", name="a.pdf",
                          handle=pdf().file, size=len(PDF))  # fmt: skip
    services.claim_submit(actor=giant, claim=claim)
    client.force_login(reviewer)
    approve = reverse("incentives:claim_act", args=[claim.pk, "approve"])
    assert client.post(approve, {"amount": "500000"}).status_code == 302
    again = client.post(approve, {"amount": "500000"}, follow=True)
    assert again.redirect_chain[-1][0] == reverse("incentives:claim_detail", args=[claim.pk])
    text = [str(m) for m in again.context["messages"]]
    assert any(claim.number in m and "不能" in m for m in text), text
    returned = client.post(
        reverse("incentives:claim_act", args=[claim.pk, "return"]), {"return-reason": "补材料"},
        follow=True,
    )  # fmt: skip
    assert any("不能" in str(m) for m in returned.context["messages"])
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED
    assert StateChange.objects.filter(workflow="incentives.claim", object_id=claim.pk,
                                      action="approve").count() == 1  # fmt: skip
