"""Pool statistics (by organisation, city, tier, industry) and the pool's Excel export: the
figures, who may see what, the export's filters, its defence against formula injection, and the
statistics page's bounded number of queries."""

import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from patents import exporters, selectors
from patents.factories import PatentFactory, patent_number
from patents.models import Patent
from patents.views import XLSX
from portal import formats
from portal.factories import ApplicantFactory, OrganisationFactory, UserFactory
from portal.models import AuditEntry, Organisation, Region, Role

pytestmark = pytest.mark.django_db

TODAY = date(2025, 6, 30)
STATISTICS_MAX_QUERIES = 8  # session, user, 4 counts, region names, notifications


def screened(tier: str, industry: str) -> dict:
    return {"tier": tier, "industry": industry, "screened_at": timezone.now()}


def pool_owner(code: str, kind=Organisation.Kind.UNIVERSITY, name: str | None = None):
    organisation = OrganisationFactory(kind=kind, region=Region.objects.get(code=code))
    if name:
        organisation.name = name
        organisation.save(update_fields=["name"])
    return ApplicantFactory(organisation=organisation)


@pytest.fixture
def xian():
    """A university in 西安市 with a pool of every kind of patent."""
    staff = pool_owner("610100", name="西安示范大学")
    owner = staff.organisation
    PatentFactory(owner=owner, serial=1, **screened("A", "01"))
    PatentFactory(owner=owner, serial=2, **screened("B", "05"))
    PatentFactory(owner=owner, serial=3)  # unconverted valid, not screened
    PatentFactory(
        owner=owner, serial=4, converted=True, **screened("A", "01")
    )  # screened, then converted
    PatentFactory(owner=owner, serial=5, status=Patent.Status.LAPSED)
    PatentFactory(
        owner=owner, serial=6, state_funded=True, granted_on=date(2019, 1, 1)
    )  # over 5 years: flagged
    PatentFactory(owner=owner, serial=7, state_funded=True, granted_on=date(2021, 1, 1))  # not yet
    PatentFactory(
        owner=owner, serial=8, state_funded=True, granted_on=date(2015, 1, 1), converted=True
    )  # implemented
    return staff


@pytest.fixture
def ankang():
    """安康市: a university in 汉滨区 (a county) and an institute at city level."""
    county = pool_owner("610902", name="安康示范学院")
    PatentFactory(owner=county.organisation, serial=21, **screened("C", "07"))
    PatentFactory(owner=county.organisation, serial=22)
    city = pool_owner("610900", Organisation.Kind.RESEARCH_INSTITUTE, name="安康示范研究院")
    PatentFactory(owner=city.organisation, serial=31)
    return county, city


@pytest.fixture
def reviewer():
    return UserFactory(role=Role.REVIEWER)


def by_key(rows):
    return {row.key: row for row in rows}


def counts(row):
    return (
        row.total,
        row.valid,
        row.unconverted_valid,
        row.screened,
        row.converted,
        (row.tier_a, row.tier_b, row.tier_c),
        row.unimplemented,
    )


# The figures -----------------------------------------------------------------------------------


def test_statistics_by_organisation_city_tier_and_industry(xian, ankang, reviewer):
    county, city = ankang
    stats = selectors.pool_statistics(user=reviewer, today=TODAY)

    assert counts(stats.total) == (11, 10, 8, 3, 2, (1, 1, 1), 1)
    assert stats.total.coverage.percent == Decimal("37.50")

    organisations = by_key(stats.organisations)
    own = organisations[str(xian.organisation_id)]
    assert own.label == "西安示范大学"
    # Patents 1, 2, 3, 6, 7 are unconverted valid; 1 and 2 are screened (4 was, then converted).
    assert counts(own) == (8, 7, 5, 2, 2, (1, 1, 0), 1)
    assert own.coverage.percent == 40
    assert counts(organisations[str(county.organisation_id)]) == (2, 2, 2, 1, 0, (0, 0, 1), 0)
    assert organisations[str(city.organisation_id)].coverage.percent == 0

    cities = {row.label: row for row in stats.cities}
    assert set(cities) == {"西安市", "安康市"}
    # The county's university and the city's institute both count in 安康市.
    assert counts(cities["安康市"]) == (3, 3, 3, 1, 0, (0, 0, 1), 0)
    assert cities["安康市"].key == "610000/610900/"
    assert cities["安康市"].coverage.percent == Decimal("33.33")
    assert counts(cities["西安市"]) == counts(own)

    tiers = by_key(stats.tiers)
    assert list(tiers) == ["A", "B", "C", ""]
    assert (tiers["A"].total, tiers["A"].screened, tiers["A"].converted) == (2, 1, 1)
    assert tiers["A"].coverage.percent == 100
    assert (tiers[""].total, tiers[""].unconverted_valid, tiers[""].screened) == (7, 5, 0)
    assert (tiers[""].unimplemented, tiers[""].coverage.percent) == (1, 0)

    industries = by_key(stats.industries)
    assert list(industries) == ["01", "05", "07", ""]
    assert (industries["01"].total, industries["01"].tier_a) == (2, 1)
    assert industries["07"].label == "研发、设计和技术服务业"
    assert industries[""].unconverted_valid == 5
    # Every breakdown adds up to the total.
    for rows in (stats.organisations, stats.cities, stats.tiers, stats.industries):
        assert sum(row.total for row in rows) == stats.total.total
        assert sum(row.screened for row in rows) == stats.total.screened


def test_a_university_counts_its_own_pool_only(xian, ankang):
    stats = selectors.pool_statistics(user=xian, today=TODAY)
    assert [row.key for row in stats.organisations] == [str(xian.organisation_id)]
    assert [row.label for row in stats.cities] == ["西安市"]
    assert stats.total.total == 8


def test_an_empty_pool_has_no_coverage(reviewer):
    stats = selectors.pool_statistics(user=reviewer, today=TODAY)
    assert stats.total.total == 0 and stats.total.coverage.percent is None
    assert stats.organisations == stats.cities == stats.tiers == stats.industries == []


def test_the_five_year_bound_is_the_models_rule():
    """The database compares grant dates with one bound; it must flag exactly what
    Patent.unimplemented_state_funded flags, 29 February included."""
    patent = Patent(status=Patent.Status.VALID, state_funded=True, converted=False)
    todays = [
        date(year, 2, 20) + timedelta(days=n) for year in (2024, 2025, 2028) for n in range(20)
    ]
    for today in todays:
        bound = selectors.unimplemented_granted_by(today)
        for n in range(-25, 25):
            patent.granted_on = date(today.year - 5, 2, 27) + timedelta(days=n)
            assert (patent.granted_on <= bound) == patent.unimplemented_state_funded(today), (
                today,
                patent.granted_on,
            )


# The page ---------------------------------------------------------------------------------------


def test_reviewers_and_leaders_read_the_statistics_page(client, xian, ankang, reviewer):
    for user in (reviewer, UserFactory(role=Role.LEADER)):
        client.force_login(user)
        response = client.get(reverse("patents:statistics"))
        assert response.status_code == 200
        body = response.content.decode()
        for testid in ("by-city", "by-organisation", "by-tier", "by-industry"):
            assert f'data-testid="{testid}"' in body
        assert "安康示范学院" in body and 'data-key="610000/610900/"' in body
        assert response.context["stats"].total.total == 11


def test_enterprises_and_universities_may_not_read_the_statistics(client, xian):
    for user in (ApplicantFactory(), xian, UserFactory(role=Role.EXPERT)):
        client.force_login(user)
        assert client.get(reverse("patents:statistics")).status_code == 403
    client.logout()
    assert client.get(reverse("patents:statistics")).status_code == 302


@pytest.mark.parametrize("scale", [1, 4])
def test_the_statistics_page_answers_in_a_bounded_number_of_queries(
    client, reviewer, scale, django_assert_max_num_queries
):
    serial = 100
    for city in ("610100", "610902", "610900", "610300")[:scale]:
        for _ in range(scale):
            owner = pool_owner(city).organisation
            for tier, industry in (("A", "01"), ("B", "02"), ("", ""), ("C", "06"))[:scale]:
                serial += 1
                fields = screened(tier, industry) if tier else {}
                PatentFactory(owner=owner, serial=serial, state_funded=True, **fields)
    client.force_login(reviewer)
    with django_assert_max_num_queries(STATISTICS_MAX_QUERIES):
        response = client.get(reverse("patents:statistics"))
    assert response.status_code == 200
    assert response.context["stats"].total.total == scale**3


# The export ------------------------------------------------------------------------------------


def download(client, **params):
    response = client.get(reverse("patents:export"), params)
    assert response.status_code == 200, response.status_code
    content = b"".join(response.streaming_content)  # the test client closes it at the end
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = next(index for index, row in enumerate(rows) if row[0] == "申请号")  # under the title
    return response, rows[header], rows[header + 1 :]


def numbers(rows) -> set[str]:
    return {row[0] for row in rows}


def test_a_university_exports_its_own_pool_only(client, xian, ankang):
    client.force_login(xian)
    response, header, rows = download(client)
    assert response["Content-Type"] == XLSX
    fallback = f"patent-pool-{timezone.localdate():%Y%m%d}.xlsx"
    name = f"{xian.organisation.name}存量专利库-{formats.day(timezone.localdate())}.xlsx"
    assert response["Content-Disposition"] == (
        f"attachment; filename=\"{fallback}\"; filename*=utf-8''{quote(name)}"
    )
    # The import template's headers (the list imports again), then the pool's own.
    assert list(header) == [
        "申请号", "专利名称", "专利类型", "法律状态", "申请日", "授权日", "IPC分类号",
        "是否财政资助", "是否已转化", "专利权人", "盘点时间", "分级", "产业领域", "盘点备注",
        "发明人", "资助项目", "是否有海外同族", "获奖情况", "摘要",
    ]  # fmt: skip
    assert numbers(rows) == {patent_number(n) for n in range(1, 9)}
    first = next(row for row in rows if row[0] == patent_number(1))
    assert first[1:4] == ("专利1", "发明", "有效") and first[9] == "西安示范大学"
    # Dates are dates (openpyxl reads them back as datetimes at midnight).
    assert (first[4].date(), first[5].date()) == (date(2015, 1, 1), date(2018, 1, 1))
    assert first[7:9] == ("否", "否")
    assert isinstance(first[10], datetime)
    assert first[11:13] == ("A · 市场潜力高", "信息通信技术制造业")
    lapsed = next(row for row in rows if row[0] == patent_number(5))
    assert lapsed[3] == "失效" and lapsed[10:13] == (None, None, None)
    converted = next(row for row in rows if row[0] == patent_number(8))
    assert converted[7:9] == ("是", "是")

    entry = AuditEntry.objects.get(event="patent.export")
    assert entry.actor == xian and entry.after == {"rows": 8}


def test_reviewers_export_every_pool_and_outsiders_none(client, xian, ankang, reviewer):
    client.force_login(reviewer)
    assert len(download(client)[2]) == 11
    for user in (ApplicantFactory(), UserFactory(role=Role.EXPERT)):
        client.force_login(user)
        assert client.get(reverse("patents:export")).status_code == 403


def test_the_export_honours_the_pool_filters(client, xian, ankang, reviewer):
    client.force_login(reviewer)
    assert numbers(download(client, tier="A")[2]) == {patent_number(1), patent_number(4)}
    assert numbers(download(client, screened="yes")[2]) == {patent_number(n) for n in (1, 2, 4, 21)}
    assert numbers(download(client, status="lapsed")[2]) == {patent_number(5)}
    assert numbers(download(client, q="专利2")[2]) == {
        patent_number(2),
        patent_number(21),
        patent_number(22),
    }
    assert numbers(download(client, q=patent_number(31))[2]) == {patent_number(31)}
    assert len(download(client, screened="no", tier="B")[2]) == 0
    # What the page shows, the export holds.
    page = client.get(reverse("patents:pool"), {"tier": "A"})
    assert {p.number for p in page.context["page"]} == {patent_number(1), patent_number(4)}
    # An invalid filter filters nothing, as on the page.
    assert len(download(client, tier="Z")[2]) == 11
    assert list(
        AuditEntry.objects.filter(event="patent.export")
        .order_by("pk")
        .values_list("reason", flat=True)[:2]
    ) == ["tier=A", "screened=yes"]


def test_the_export_neutralises_formulas(client, xian):
    owner = xian.organisation
    PatentFactory(
        owner=owner, serial=40, title='=HYPERLINK("http://evil.example","点击")', screen_note="+1+2"
    )
    PatentFactory(owner=owner, serial=41, title="@SUM(A1:A2)", screen_note="-3", ipc="\tA01B1/00")
    PatentFactory(owner=owner, serial=42, title="正常\x07标题", screen_note="\r=1", ipc="-A01B1/00")
    client.force_login(xian)
    _response, _header, rows = download(client)
    found = {row[0]: row for row in rows}
    assert found[patent_number(40)][1] == '\'=HYPERLINK("http://evil.example","点击")'
    assert found[patent_number(40)][13] == "'+1+2"
    assert found[patent_number(41)][1] == "'@SUM(A1:A2)"
    assert (found[patent_number(41)][6], found[patent_number(41)][13]) == ("'\tA01B1/00", "'-3")
    assert found[patent_number(42)][1] == "正常标题"  # a control character Excel refuses is dropped
    # (an XML reader turns the carriage return into a line feed; it stays defused)
    assert found[patent_number(42)][13] in {"'\r=1", "'\n=1"}
    assert found[patent_number(42)][6] == "'-A01B1/00"


def test_pool_workbook_writes_plain_rows_to_a_file():
    handle = io.BytesIO()
    row = (
        "202110182616.5", "一种方法", "utility_model", "expired", date(2021, 2, 19), None,
        "A23F3/16", True, False, "某大学", None, "", "", "", "", "", False, "", "",
    )  # fmt: skip
    with translation.override("zh-hans"):
        assert exporters.pool_workbook(iter([row, row]), handle) == 2
    sheet = load_workbook(io.BytesIO(handle.getvalue()))[exporters.POOL_SHEET]
    values = list(sheet.iter_rows(min_row=4, values_only=True))  # under title, line, header
    assert values[0][:4] == ("202110182616.5", "一种方法", "实用新型", "届满")
    assert (values[0][6], values[0][9]) == ("A23F3/16", "某大学")
    assert (values[0][4].date(), values[0][5]) == (date(2021, 2, 19), None)
    assert sheet.cell(row=4, column=5).number_format == 'yyyy"年"m"月"d"日"'
    assert len(values) == 2 and len(exporters.POOL_COLUMNS) == len(selectors.EXPORT_FIELDS)
