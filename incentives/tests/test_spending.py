"""Spending for leaders and reviewers on hand-built claims: approved and paid by policy, city (a
county counts in its city), organisation kind and quarter of payment; budgets against spending
by policy and, for city policies, by city; the page, its access and its Excel export."""

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from incentives import selectors, spending
from incentives.models import Budget, Claim, Payment, Policy
from portal.factories import (
    ApplicantFactory,
    CityAgencyFactory,
    OrganisationFactory,
    UserFactory,
)
from portal.models import AuditEntry, Organisation, Region, Role

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def reviewer(db):
    return UserFactory(role=Role.REVIEWER)


def organisation(region: str, kind: str = Organisation.Kind.ENTERPRISE) -> Organisation:
    return OrganisationFactory(region=Region.objects.get(code=region), kind=kind)


def claim(
    org: Organisation,
    code: str,
    status: str,
    amount: int | None = None,
    *,
    year: int = 2025,
    paid: tuple[tuple[date, int], ...] = (),
    reviewer=None,
) -> Claim:
    applicant = ApplicantFactory(organisation=org)
    made = Claim.objects.create(
        number=f"JL{year}-{Claim.objects.count() + 1:05d}",
        policy=Policy.objects.get(code=code, is_active=True), organisation=org,
        created_by=applicant, status=status, entitlement=amount, approved_amount=amount,
        budget_year=year if amount else None, decided_by=reviewer,
        decided_at=datetime(year, 3, 1, tzinfo=timezone.get_current_timezone()),
    )  # fmt: skip
    for index, (day, value) in enumerate(paid, start=1):
        Payment.objects.create(claim=made, paid_on=day, amount=value, recorded_by=reviewer,
                               voucher=f"{made.number}-{index}")  # fmt: skip
    return made


def budget(code: str, year: int, region: str, allocated: int) -> Budget:
    return Budget.objects.create(policy_code=code, year=year, allocated=allocated,
                                 region=Region.objects.get(code=region))  # fmt: skip


@pytest.fixture
def spent(reviewer):
    """Four granted claims of 2025 (two in 安康市: one in its county 汉滨区, one at the city;
    one in 西安市), claims not granted, and one granted in 2026; their budgets."""
    hanbin, xian = organisation("610902"), organisation("610100")
    park = organisation("610900", Organisation.Kind.PARK_COMMITTEE)
    university = organisation("610100", Organisation.Kind.UNIVERSITY)
    kw = {"reviewer": reviewer}
    claim(hanbin, "little-giant-province", "paid", 500_000, paid=((date(2025, 5, 10), 500_000),),
          **kw)  # fmt: skip
    claim(hanbin, "little-giant-ankang", "approved", 200_000,
          paid=((date(2025, 8, 1), 120_000),), **kw)  # fmt: skip
    claim(xian, "navigation-project", "approved", 300_000, paid=((date(2026, 1, 15), 100_000),),
          **kw)  # fmt: skip
    claim(park, "navigation-project", "paid", 150_000, paid=((date(2025, 11, 20), 150_000),),
          **kw)  # fmt: skip
    claim(university, "hv-cultivation-centre", "submitted", **kw)
    claim(xian, "listing-support", "rejected", **kw)
    claim(hanbin, "little-giant-province", "approved", 500_000, year=2026, **kw)
    budget("little-giant-province", 2025, "610000", 1_000_000)
    budget("navigation-project", 2025, "610000", 600_000)
    budget("little-giant-ankang", 2025, "610900", 300_000)
    budget("pledge-interest-ankang", 2025, "610900", 100_000)
    budget("little-giant-province", 2026, "610000", 2_000_000)


def by_key(rows) -> dict:
    return {row.key: row for row in rows}


def test_approved_and_paid_by_policy_city_kind_and_quarter(spent, reviewer):
    data = spending.spending(user=reviewer, year=2025)
    assert (data.total.claims, data.total.approved, data.total.paid, data.total.unpaid) == (
        4, D(1_150_000), D(870_000), D(280_000),
    )  # fmt: skip
    policies = by_key(data.policies)
    assert len(policies) == 13  # every current policy, spent on or not
    assert [row.key for row in data.policies][:2] == ["first-set", "hv-cultivation-centre"]
    assert (policies["navigation-project"].claims, policies["navigation-project"].approved,
            policies["navigation-project"].paid) == (2, D(450_000), D(250_000))  # fmt: skip
    assert policies["little-giant-ankang"].unpaid == D(80_000)
    assert policies["first-set"].approved == 0
    cities = by_key(data.cities)
    assert set(cities) == {"610900", "610100"}
    assert cities["610900"].label == "安康市"
    assert (cities["610900"].claims, cities["610900"].approved, cities["610900"].paid) == (
        3, D(850_000), D(770_000),
    )  # fmt: skip
    assert (cities["610100"].approved, cities["610100"].paid) == (D(300_000), D(100_000))
    kinds = by_key(data.kinds)
    assert (kinds["enterprise"].claims, kinds["enterprise"].approved, kinds["enterprise"].paid) == (
        3, D(1_000_000), D(720_000),
    )  # fmt: skip
    assert kinds["park"].label == "Park management committee"
    # The quarter of the payment date, whatever the budget year.
    assert [(q.label, q.payments, q.paid) for q in data.quarters] == [
        ("2025Q2", 1, D(500_000)), ("2025Q3", 1, D(120_000)), ("2025Q4", 1, D(150_000)),
        ("2026Q1", 1, D(100_000)),
    ]  # fmt: skip
    assert data.years == [2026, 2025]


def test_budgets_against_spending_by_policy_and_for_city_policies_by_city(spent, reviewer):
    data = spending.spending(user=reviewer, year=2025)
    rows = by_key(data.budget_policies)
    figures = {code: (r.allocated, r.committed, r.paid, r.remaining) for code, r in rows.items()}
    assert figures == {
        "little-giant-province": (D(1_000_000), D(0), D(500_000), D(500_000)),
        "navigation-project": (D(600_000), D(200_000), D(250_000), D(150_000)),
        "little-giant-ankang": (D(300_000), D(80_000), D(120_000), D(100_000)),
        "pledge-interest-ankang": (D(100_000), D(0), D(0), D(100_000)),
    }
    assert rows["little-giant-ankang"].region == "安康市"
    assert rows["little-giant-ankang"].used_percent == D("66.7")
    # The same figures as the service that guards approvals.
    for found in Budget.objects.filter(year=2025):
        status = selectors.budget_status(found)
        row = rows[found.policy_code]
        assert (row.committed, row.paid, row.remaining) == (
            status.committed, status.paid, status.remaining,
        )  # fmt: skip
    [ankang] = data.budget_cities
    assert (ankang.key, ankang.label) == ("610900", "安康市")
    assert (ankang.allocated, ankang.committed, ankang.paid, ankang.remaining) == (
        D(400_000), D(80_000), D(120_000), D(200_000),
    )  # fmt: skip
    total = data.budget_total
    assert (total.allocated, total.committed, total.paid, total.remaining) == (
        D(2_000_000), D(280_000), D(870_000), D(850_000),
    )  # fmt: skip
    # All years: the 2026 claim and budget join in.
    every = spending.spending(user=reviewer, year=None)
    assert every.total.approved == D(1_650_000)
    giant = by_key(every.budget_policies)["little-giant-province"]
    assert (giant.allocated, giant.committed, giant.paid) == (D(3_000_000), D(500_000), D(500_000))


def test_spending_takes_a_few_queries_however_many_claims(
    spent, reviewer, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        spending.spending(user=reviewer, year=2025)
    org = organisation("610300")
    for _ in range(10):
        claim(org, "first-set", "paid", 10_000, paid=((date(2025, 6, 1), 10_000),),
              reviewer=reviewer)  # fmt: skip
    with django_assert_max_num_queries(8):
        data = spending.spending(user=reviewer, year=2025)
    assert by_key(data.cities)["610300"].approved == D(100_000)


def test_budget_statuses_match_the_service_in_three_queries(spent, django_assert_num_queries):
    budgets = list(Budget.objects.select_related("region"))
    with django_assert_num_queries(2):
        found = spending.budget_statuses(budgets)
    for status in found:
        expected = selectors.budget_status(status.budget)
        assert (status.committed, status.paid) == (expected.committed, expected.paid)


def test_the_page_for_leaders_and_reviewers_only(
    client, spent, reviewer, django_assert_max_num_queries
):
    url = reverse("incentives:spending")
    client.force_login(UserFactory(role=Role.LEADER))
    with django_assert_max_num_queries(14):
        page = client.get(url, {"year": "2025"})
    assert page.status_code == 200
    html = page.content.decode()
    for testid in ("by-policy", "by-city", "by-kind", "by-quarter", "budget-by-policy",
                   "budget-by-city", "export-spending", "spending-chart-data"):  # fmt: skip
        assert testid in html
    assert 'data-region="610900"' in html and ">85<" in html  # 850,000 yuan in 万元
    assert "vendor/echarts/echarts.min.js" in html
    assert client.get(url, {"year": "all"}).context["s"].year is None
    assert client.get(url, {"year": "soon"}).context["s"].year == timezone.localdate().year
    for user in (ApplicantFactory(), CityAgencyFactory()):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.get(reverse("incentives:spending_export")).status_code == 403


def test_the_export_has_a_sheet_per_breakdown_with_numbers_and_safe_text(client, spent, reviewer):
    Policy.objects.filter(code="first-set").update(title='=HYPERLINK("http://x")首台套')
    client.force_login(reviewer)
    response = client.get(reverse("incentives:spending_export"), {"year": "2025"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(
        'attachment; filename="incentive-spending-2025-'
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["按政策", "按城市", "按单位类型", "按兑付季度", "预算执行（按政策）",
                               "预算执行（市级政策按城市）", "说明"]  # fmt: skip
    cities = book["按城市"]
    # Row 1 the title, row 2 the header line (预算年度, 单位, 导出时间), row 3 the header.
    assert [c.value for c in cities[3]] == [
        "城市", "已批准笔数", "批准金额（元）", "已兑付金额（元）", "待兑付金额（元）",
    ]  # fmt: skip
    rows = {row[0]: row[1:] for row in cities.iter_rows(min_row=4, values_only=True)}
    assert rows["安康市"] == (3, 850_000, 770_000, 80_000)
    assert rows["合计"] == (4, 1_150_000, 870_000, 280_000)
    assert all(isinstance(v, (int, float)) for v in rows["安康市"])
    assert cities["C4"].number_format == "#,##0.00"
    assert any(str(key).startswith("单位负责人") for key in rows)  # the signature line
    policies = [row[0] for row in book["按政策"].iter_rows(min_row=4, values_only=True)]
    assert '\'=HYPERLINK("http://x")首台套' in policies  # a formula is written as text
    quarters = list(book["按兑付季度"].iter_rows(min_row=4, values_only=True))
    assert quarters[0] == ("2025年第二季度", 1, 500_000)
    budgets = {row[0]: row for row in book["预算执行（市级政策按城市）"].iter_rows(
        min_row=4, values_only=True)}  # fmt: skip
    assert budgets["安康市"][1:5] == (400_000, 80_000, 120_000, 200_000)
    entry = AuditEntry.objects.get(event="incentive.export")
    assert entry.actor == reviewer and entry.after == {"export": "spending", "year": 2025}
