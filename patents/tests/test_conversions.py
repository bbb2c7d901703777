"""Conversion events: what each kind needs, the open-licence refusals (Patent Law 2020 Art. 50–52),
the converted flag, the open-licence list, reviewers' pushes, and who may see what."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import translation

from patents import selectors, services
from patents.factories import PatentFactory
from patents.models import Conversion, Patent, Push
from portal.factories import ApplicantFactory, OrganisationFactory, UserFactory
from portal.models import Notification, Organisation, Role

pytestmark = pytest.mark.django_db
TODAY = date(2025, 6, 30)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def staff(db):
    return ApplicantFactory(organisation=OrganisationFactory(kind=Organisation.Kind.UNIVERSITY))


@pytest.fixture
def enterprise(db):
    return ApplicantFactory()


def make_patent(owner, serial=1, **fields):
    values = {
        "title": "一种高熵合金涂层的激光熔覆制备方法",
        "abstract": "本发明提供一种耐磨耐蚀的高熵合金涂层。",
        "filed_on": date(2019, 3, 1),
        "granted_on": date(2021, 5, 6),
        "ipc": "C23C24/10;C22C30/00",
        "industry": "04",
    }
    return PatentFactory(owner=owner, serial=serial, **(values | fields))


def record(staff, patent, kind, **data):
    return services.conversion_record(actor=staff, patent=patent, kind=kind, data=data)


def open_licence(staff, patent, starts_on=date(2025, 1, 1), ends_on=date(2027, 12, 31)):
    return record(
        staff, patent, "open_licence", fee_standard="年销售额的3%", payment_method="按年支付",
        starts_on=starts_on, ends_on=ends_on,
    )  # fmt: skip


def test_a_licence_converts_the_patent_and_tells_the_licensee(staff, enterprise):
    patent = make_patent(staff.organisation)
    event = record(
        staff, patent, "licence", counterparty=enterprise.organisation, licence_kind="ordinary",
        amount=Decimal("500000.00"), starts_on=date(2025, 3, 1), ends_on=date(2028, 2, 29),
    )  # fmt: skip
    patent.refresh_from_db()
    assert patent.converted
    assert event.party == enterprise.organisation.name
    assert Notification.objects.filter(recipient=enterprise, event="patent.conversion").exists()
    # A converted patent leaves the unconverted pool, so the coverage denominator drops.
    assert selectors.coverage_by_organisation(user=staff) == []


def test_a_pledge_or_an_open_licence_does_not_convert_the_patent(staff):
    patent = make_patent(staff.organisation)
    record(staff, patent, "pledge", counterparty_name="长安银行", amount=Decimal("3000000"),
           starts_on=date(2024, 1, 1), ends_on=date(2024, 12, 31))  # fmt: skip
    open_licence(staff, patent)
    patent.refresh_from_db()
    assert not patent.converted


@pytest.mark.parametrize(
    ("kind", "data", "fields"),
    [
        ("transfer", {}, {"counterparty_name", "starts_on"}),
        ("licence", {"counterparty_name": "某公司"}, {"licence_kind", "starts_on"}),
        ("open_licence", {"starts_on": TODAY}, {"fee_standard", "payment_method", "ends_on"}),
        ("pledge", {"starts_on": TODAY}, {"counterparty_name", "amount", "ends_on"}),
        ("product_filing", {"starts_on": TODAY}, {"product"}),
        ("contract", {"starts_on": TODAY}, {"contract_kind", "registration_number", "amount"}),
        ("use_first", {"starts_on": TODAY}, {"counterparty_name"}),
    ],
)
def test_each_kind_names_what_it_is_missing(staff, kind, data, fields):
    patent = make_patent(staff.organisation)
    with pytest.raises(ValidationError) as error:
        record(staff, patent, kind, **data)
    assert set(error.value.message_dict) == fields
    assert not Conversion.objects.exists()


def test_an_open_licence_needs_a_granted_valid_patent(staff):
    pending = make_patent(staff.organisation, status=Patent.Status.PENDING, granted_on=None)
    with pytest.raises(ValidationError, match="Only a granted, valid patent"):
        open_licence(staff, pending)
    lapsed = make_patent(staff.organisation, serial=2, status=Patent.Status.LAPSED)
    with pytest.raises(ValidationError, match="Lapsed"):
        open_licence(staff, lapsed)


def test_an_open_licence_is_refused_while_an_exclusive_licence_is_in_force(staff, enterprise):
    patent = make_patent(staff.organisation)
    record(staff, patent, "licence", counterparty=enterprise.organisation, licence_kind="exclusive",
           starts_on=date(2024, 1, 1), ends_on=date(2025, 12, 31))  # fmt: skip
    with pytest.raises(ValidationError, match=r"exclusive licence to .* is in force"):
        open_licence(staff, patent, starts_on=date(2025, 7, 1))
    # From the day after the exclusive licence ends, the declaration is allowed.
    declared = open_licence(staff, patent, starts_on=date(2026, 1, 1))
    assert declared.kind == "open_licence"


def test_an_open_licence_is_refused_while_pledged_and_allowed_once_released(staff):
    patent = make_patent(staff.organisation)
    pledge = record(staff, patent, "pledge", counterparty_name="西安银行", amount=Decimal(5000000),
                    starts_on=date(2024, 6, 1), ends_on=date(2026, 5, 31))  # fmt: skip
    with pytest.raises(ValidationError, match="pledged to 西安银行"):
        open_licence(staff, patent, starts_on=date(2025, 1, 1))
    services.conversion_end(actor=staff, conversion=pledge, ended_on=date(2025, 3, 1))
    with pytest.raises(ValidationError, match="pledged"):  # still pledged on 1 January
        open_licence(staff, patent, starts_on=date(2025, 1, 1))
    assert open_licence(staff, patent, starts_on=date(2025, 3, 1)).pk


def test_only_ordinary_licences_during_an_open_licence(staff, enterprise):
    patent = make_patent(staff.organisation)
    open_licence(staff, patent)
    with pytest.raises(ValidationError) as error:
        record(staff, patent, "licence", counterparty=enterprise.organisation,
               licence_kind="sole", starts_on=date(2025, 6, 1))  # fmt: skip
    assert "only ordinary licences" in error.value.message_dict["licence_kind"][0]
    deal = record(staff, patent, "licence", counterparty=enterprise.organisation,
                  licence_kind="ordinary", via_open_licence=True, amount=Decimal(30000),
                  starts_on=date(2025, 6, 1), ends_on=date(2026, 5, 31))  # fmt: skip
    assert deal.via_open_licence
    with pytest.raises(ValidationError, match="already in force"):
        open_licence(staff, patent, starts_on=date(2026, 1, 1))


def test_a_deal_under_an_open_licence_needs_a_declaration_in_force(staff, enterprise):
    patent = make_patent(staff.organisation)
    with pytest.raises(ValidationError) as error:
        record(staff, patent, "licence", counterparty=enterprise.organisation,
               licence_kind="ordinary", via_open_licence=True,
               starts_on=date(2025, 6, 1))  # fmt: skip
    assert "No open licence declaration" in error.value.message_dict["via_open_licence"][0]


def test_no_licence_over_an_exclusive_licence(staff, enterprise):
    patent = make_patent(staff.organisation)
    record(staff, patent, "licence", counterparty=enterprise.organisation, licence_kind="sole",
           starts_on=date(2024, 1, 1), ends_on=date(2026, 12, 31))  # fmt: skip
    with pytest.raises(ValidationError, match="sole licence"):
        record(staff, patent, "licence", counterparty_name="另一公司", licence_kind="ordinary",
               starts_on=date(2026, 12, 1))  # fmt: skip
    assert record(staff, patent, "licence", counterparty_name="另一公司", licence_kind="ordinary",
                  starts_on=date(2027, 1, 1)).pk  # fmt: skip


def test_only_the_owner_records_and_only_on_its_own_patents(staff, enterprise):
    patent = make_patent(staff.organisation)
    other_university = ApplicantFactory(
        organisation=OrganisationFactory(kind=Organisation.Kind.UNIVERSITY)
    )
    reviewer = UserFactory(role=Role.REVIEWER)
    for actor in (other_university, enterprise, reviewer):
        with pytest.raises(PermissionDenied):
            record(actor, patent, "transfer", counterparty_name="某公司", starts_on=TODAY)
    assert not Conversion.objects.exists()


def test_a_project_must_be_led_by_the_owner_or_the_enterprise(staff, enterprise):
    from projects.factories import open_call, submitted

    patent = make_patent(staff.organisation)
    call = open_call()
    stranger = submitted(call)
    with pytest.raises(ValidationError) as error:
        record(staff, patent, "transfer", counterparty=enterprise.organisation, starts_on=TODAY,
               project=stranger)  # fmt: skip
    assert "project" in error.value.message_dict
    assert record(staff, patent, "transfer", counterparty=stranger.lead_organisation,
                  starts_on=TODAY, project=stranger).project == stranger  # fmt: skip


def test_the_open_licence_list_searches_and_hides_what_is_not_offered(staff, enterprise):
    offered = make_patent(staff.organisation)
    battery = make_patent(staff.organisation, serial=2, title="锂离子电池硅碳负极材料",
                          ipc="H01M4/38", industry="03")  # fmt: skip
    withdrawn = make_patent(staff.organisation, serial=3, title="一种渗碳齿轮")
    open_licence(staff, offered)
    open_licence(staff, battery)
    services.conversion_end(
        actor=staff, conversion=open_licence(staff, withdrawn), ended_on=date(2025, 2, 1)
    )

    def numbers(**search):
        found = selectors.open_licences(user=enterprise, day=TODAY, **search)
        return {o.patent.number for o in found}

    assert numbers() == {offered.number, battery.number}
    assert numbers(q="负极") == {battery.number}
    assert numbers(ipc="h01m") == {battery.number}
    assert numbers(industry="04") == {offered.number}
    expert = UserFactory(role=Role.EXPERT)
    assert list(selectors.open_licences(user=expert, day=TODAY)) == []


def test_the_open_licence_page_for_an_enterprise(staff, enterprise, client):
    patent = make_patent(staff.organisation)
    open_licence(staff, patent, starts_on=date(2024, 1, 1), ends_on=date(2099, 12, 31))
    client.force_login(enterprise)
    page = client.get(reverse("patents:open_licences"), {"q": "高熵"})
    assert page.status_code == 200
    assert patent.number in page.content.decode()
    # The enterprise may open the offered patent, but not another patent of the pool.
    assert client.get(reverse("patents:patent_detail", args=[patent.pk])).status_code == 200
    hidden = make_patent(staff.organisation, serial=9)
    assert client.get(reverse("patents:patent_detail", args=[hidden.pk])).status_code == 404
    client.force_login(UserFactory(role=Role.EXPERT))
    assert client.get(reverse("patents:open_licences")).status_code == 403


def test_recording_through_the_page_shows_field_errors_and_stores_nothing(staff, client):
    patent = make_patent(staff.organisation, status=Patent.Status.PENDING, granted_on=None)
    client.force_login(staff)
    url = reverse("patents:conversion_new", args=[patent.pk])
    assert client.get(url, {"kind": "open_licence"}).status_code == 200
    page = client.post(url, {"kind": "open_licence", "fee_standard": "3%",
                             "payment_method": "年付", "starts_on": "2025-01-01",
                             "ends_on": "2024-01-01"})  # fmt: skip
    assert page.status_code == 200
    assert "期限届满日早于开始日。" in page.content.decode()  # the UI's default language
    page = client.post(url, {"kind": "open_licence", "fee_standard": "3%",
                             "payment_method": "年付", "starts_on": "2025-01-01",
                             "ends_on": "2026-01-01"})  # fmt: skip
    assert "只有已授权的有效专利" in page.content.decode()
    assert not Conversion.objects.exists()
    page = client.post(url, {"kind": "transfer", "counterparty_name": "陕西某科技有限公司",
                             "amount": "1200000", "starts_on": "2025-04-01"})  # fmt: skip
    assert page.status_code == 302
    assert Conversion.objects.get().amount == Decimal("1200000")
    listed = client.get(reverse("patents:conversions")).content.decode()
    assert "陕西某科技有限公司" in listed


def test_conversions_are_seen_by_owner_party_and_staff_only(staff, enterprise):
    patent = make_patent(staff.organisation)
    record(staff, patent, "transfer", counterparty=enterprise.organisation, starts_on=TODAY)
    leader = UserFactory(role=Role.LEADER)
    bystander = ApplicantFactory()
    assert selectors.conversion_list(user=staff).count() == 1
    assert selectors.conversion_list(user=enterprise).count() == 1
    assert selectors.conversion_list(user=leader).count() == 1
    assert selectors.conversion_list(user=bystander).count() == 0


def test_a_reviewer_pushes_a_patent_to_chosen_enterprises_once(staff, enterprise, client):
    patent = make_patent(staff.organisation)
    reviewer = UserFactory(role=Role.REVIEWER)
    second = ApplicantFactory()
    assert services.patent_push(actor=reviewer, patent=patent, note="可洽谈许可",
        organisations=[enterprise.organisation, second.organisation])  == 2  # fmt: skip
    assert (
        services.patent_push(actor=reviewer, patent=patent, organisations=[enterprise.organisation])
        == 0
    )
    assert Push.objects.count() == 2
    assert Notification.objects.filter(recipient=enterprise, event="patent.push").count() == 1
    # The enterprise finds it among its suggestions and may open it.
    assert [p.patent for p in selectors.pushes_received(user=enterprise)] == [patent]
    assert selectors.patent_get(user=enterprise, pk=patent.pk) == patent
    with pytest.raises(Http404):
        selectors.patent_get(user=ApplicantFactory(), pk=patent.pk)
    # Only reviewers push, and only to enterprises.
    with pytest.raises(PermissionDenied):
        services.patent_push(actor=staff, patent=patent, organisations=[enterprise.organisation])
    with pytest.raises(ValidationError, match="Not an enterprise"):
        services.patent_push(actor=reviewer, patent=patent, organisations=[staff.organisation])
    client.force_login(reviewer)
    page = client.get(reverse("patents:patent_detail", args=[patent.pk])).content.decode()
    assert 'data-testid="push-form"' in page
    assert enterprise.organisation.name in page


def test_the_form_and_the_api_offer_only_the_owners_or_the_counterpartys_projects(
    staff, enterprise
):
    """Issue 17: not every approved project of the province, only those a conversion may name."""
    from rest_framework.test import APIClient

    from patents.forms import ConversionForm
    from projects.factories import open_call, submitted
    from projects.models import Application

    call = open_call()
    theirs, stranger = submitted(call), submitted(call)
    Application.objects.filter(pk=theirs.pk).update(lead_organisation=enterprise.organisation)
    # Set-up only: both approved projects, as the review would leave them.
    Application.objects.filter(pk__in=[theirs.pk, stranger.pk]).update(status="approved")
    owner = staff.organisation

    def offered(data=None) -> set[int]:
        form = ConversionForm(data, kind="transfer", owner=owner)
        return set(form.fields["project"].queryset.values_list("pk", flat=True))

    assert offered() == set()  # the owner leads none
    assert offered({"counterparty": str(enterprise.organisation.pk)}) == {theirs.pk}
    # Whoever leads a project may be the other side of a conversion: then its project is offered.
    assert offered({"counterparty": str(stranger.lead_organisation_id)}) == {stranger.pk}
    assert offered({"counterparty": "1" * 40}) == set()  # garbage names no organisation

    patent = make_patent(owner)
    api = APIClient()
    api.force_authenticate(staff)
    body = {"patent": patent.pk, "kind": "transfer", "counterparty": enterprise.organisation.pk,
            "starts_on": TODAY.isoformat(), "project": stranger.pk}  # fmt: skip
    refused = api.post("/api/v1/conversions/", body, format="json")
    assert refused.status_code == 400 and "project" in refused.json()["errors"]
    accepted = api.post("/api/v1/conversions/", {**body, "project": theirs.pk}, format="json")
    assert accepted.status_code == 201, accepted.json()
    assert accepted.json()["project"] == theirs.pk


def test_choosing_the_counterparty_reloads_its_projects_into_the_form(client, staff, enterprise):
    """The page offers the owner's projects; picking the counterparty asks the same page again
    (htmx) for the list with that enterprise's projects, never another's."""
    from projects.factories import open_call, submitted
    from projects.models import Application

    call = open_call()
    theirs, stranger = submitted(call), submitted(call)
    Application.objects.filter(pk=theirs.pk).update(lead_organisation=enterprise.organisation)
    Application.objects.filter(pk__in=[theirs.pk, stranger.pk]).update(status="approved")
    patent = make_patent(staff.organisation)
    client.force_login(staff)
    url = reverse("patents:conversion_new", args=[patent.pk])
    first = client.get(url, {"kind": "licence"}).content.decode()
    assert f'hx-get="{url}?kind=licence"' in first and 'hx-target="#id_project"' in first
    assert f'value="{theirs.pk}"' not in first
    again = client.get(url, {"kind": "licence", "counterparty": enterprise.organisation.pk})
    projects = again.content.decode().split('id="id_project"', 1)[1].split("</select>", 1)[0]
    assert f'value="{theirs.pk}"' in projects and f'value="{stranger.pk}"' not in projects
