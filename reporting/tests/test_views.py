"""The reporting pages: a city's returns and no other's, the template, upload with its problem
table and confirmation, the web form, approval, dashboards in a bounded number of queries,
completeness, the Excel export made by a worker, and the set-up pages.

Pages speak Chinese by default; tests assert on data-testid attributes, codes, numbers and status
codes rather than on translated text.
"""

import io
import re
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from portal import formats
from portal.factories import ApplicantFactory
from portal.models import Region
from portal.periods import Quarter
from reporting import demo, exporters, selectors, services
from reporting.factories import PERIOD
from reporting.models import (
    DataElement,
    DataValue,
    DataValueHistory,
    ExportJob,
    Indicator,
    IndicatorValue,
    ProgressSnapshot,
    ReturnUpload,
    StatReturn,
    Target,
)
from reporting.selectors import previous_values
from reporting.tests.workbooks import all_figures, cell_of, fill

pytestmark = pytest.mark.django_db

S = StatReturn.Status
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Queries a page may make, whatever the number of regions, targets, returns and periods: measured
# after the demo load (14 for the province dashboard: session, user, notifications and the
# dashboard's fixed reads; 12 for a city's return list, its period filter included; 7 for
# completeness), plus one.
DASHBOARD_MAX_QUERIES = 15
RETURN_LIST_MAX_QUERIES = 13
COMPLETENESS_MAX_QUERIES = 8


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(dict(attrs))


def tags(response, **wanted) -> list[dict]:
    """Attributes of the page's elements with the wanted attributes (data_testid="x" matches
    data-testid="x"; True matches any value)."""
    parser = _Tags()
    parser.feed(response.content.decode())
    wanted = {key.replace("_", "-"): value for key, value in wanted.items()}
    return [
        attrs
        for attrs in parser.tags
        if all(
            (key in attrs) if value is True else attrs.get(key) == value
            for key, value in wanted.items()
        )
    ]


def page_testids(response) -> set[str]:
    return {attrs["data-testid"] for attrs in tags(response, data_testid=True)}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def region(code: str) -> Region:
    return Region.objects.get(code=code)


@pytest.fixture
def ret(ankang, form):
    return services.return_open(actor=ankang, form=form, region=region("610900"), period=PERIOD)


@pytest.fixture
def xian_ret(xian, form):
    return services.return_open(actor=xian, form=form, region=region("610100"), period=PERIOD)


def template_for(stat_return: StatReturn) -> bytes:
    return exporters.return_template(
        stat_return=stat_return,
        elements=selectors.form_elements(stat_return.form),
        previous=previous_values(region=stat_return.region, period=stat_return.period),
    )


def xlsx(content: bytes, name: str = "return.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX)


def stored(stat_return: StatReturn) -> dict[str, Decimal]:
    return dict(
        DataValue.objects.filter(region=stat_return.region, period=stat_return.period).values_list(
            "element__code", "value"
        )
    )


def store_all(actor, stat_return: StatReturn, **changes) -> None:
    content = fill(template_for(stat_return), all_figures(stat_return.form, **changes))
    result = services.return_upload_check(
        actor=actor, stat_return=stat_return, handle=io.BytesIO(content), name="r.xlsx",
        size=len(content),
    )  # fmt: skip
    services.return_upload_apply(actor=actor, upload=result.upload)


def regions_listed(response) -> list[str]:
    return [attrs["data-region"] for attrs in tags(response, data_region=True, data_period=True)]


# Return list and detail: a city sees its own ----------------------------------------------------


def test_return_list_shows_only_the_citys_returns(client, ankang, xian, reviewer, ret, xian_ret):
    url = reverse("reporting:return_list")
    client.force_login(ankang)
    response = client.get(url)
    assert response.status_code == 200
    assert regions_listed(response) == ["610900"]
    assert "open-return" in page_testids(response)  # a city may open a return here

    client.force_login(xian)
    assert regions_listed(client.get(url)) == ["610100"]
    client.force_login(reviewer)
    assert sorted(regions_listed(client.get(url))) == ["610100", "610900"]


def test_return_list_queries_do_not_grow_with_the_returns(
    client, ankang, form, ret, django_assert_max_num_queries
):
    client.force_login(ankang)
    url = reverse("reporting:return_list")
    with django_assert_max_num_queries(RETURN_LIST_MAX_QUERIES):
        assert len(regions_listed(client.get(url))) == 1
    for code in ("610902", "610921", "610922", "610923", "610924"):
        services.return_open(actor=ankang, form=form, region=region(code), period=PERIOD)
        services.return_open(actor=ankang, form=form, region=region(code), period="2025Q1")
    with django_assert_max_num_queries(RETURN_LIST_MAX_QUERIES):
        assert len(regions_listed(client.get(url))) == 11


def test_an_applicant_cannot_reach_the_returns(client, ret):
    client.force_login(ApplicantFactory())
    assert client.get(reverse("reporting:return_list")).status_code == 403
    assert client.get(reverse("reporting:return_detail", args=[ret.pk])).status_code == 403


def test_another_citys_return_is_a_404_on_every_page(client, ankang, xian, ret):
    store_all(ankang, ret)
    upload = ReturnUpload.objects.get(stat_return=ret)
    client.force_login(xian)
    for name in ("return_detail", "return_template", "return_export", "return_history"):
        response = client.get(reverse(f"reporting:{name}", args=[ret.pk]))
        assert response.status_code == 404, name
    assert client.get(reverse("reporting:return_edit", args=[ret.pk])).status_code == 404
    edit = {f"v_{code}": "1" for code in all_figures(ret.form)}
    assert client.post(reverse("reporting:return_edit", args=[ret.pk]), edit).status_code == 404
    content = fill(template_for(ret), all_figures(ret.form, VALID_INVENTION=999))
    response = client.post(
        reverse("reporting:return_upload", args=[ret.pk]), {"file": xlsx(content)}
    )
    assert response.status_code == 404
    for action in ("submit", "approve", "send_back", "correct"):
        response = client.post(
            reverse("reporting:return_action", args=[ret.pk, action]), {"reason": "x"}
        )
        assert response.status_code == 404, action
    assert client.get(reverse("reporting:upload_download", args=[upload.pk])).status_code == 404
    assert client.post(reverse("reporting:upload_apply", args=[upload.pk])).status_code == 404

    assert stored(ret)["VALID_INVENTION"] == Decimal(352)
    assert ReturnUpload.objects.filter(stat_return=ret).count() == 1
    ret.refresh_from_db()
    assert ret.status == S.DRAFT


def test_a_city_opens_a_return_on_the_page_for_its_region_only(client, ankang, xian, form):
    period = str(Quarter.last_completed(timezone.localdate()))
    data = {"form": form.pk, "region": region("610900").pk, "period": period}
    client.force_login(xian)
    response = client.post(reverse("reporting:return_open"), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("reporting:return_list")
    assert not StatReturn.objects.exists()

    client.force_login(ankang)
    response = client.post(reverse("reporting:return_open"), data)
    opened = StatReturn.objects.get()
    assert (opened.region.code, opened.period, opened.created_by) == ("610900", period, ankang)
    assert response["Location"] == reverse("reporting:return_detail", args=[opened.pk])


def test_opening_with_a_malformed_form_id_is_refused_without_a_server_error(client, ankang, form):
    """Regression: a non-numeric form id reached .filter(pk=…) and raised a ValueError (500)."""
    client.force_login(ankang)
    client.raise_request_exception = False
    period = str(Quarter.last_completed(timezone.localdate()))
    data = {"form": "QUARTERLY", "region": region("610900").pk, "period": period}
    response = client.post(reverse("reporting:return_open"), data)
    assert response.status_code == 302
    assert not StatReturn.objects.exists()


def test_return_detail_shows_the_values(client, ankang, ret):
    store_all(ankang, ret)
    client.force_login(ankang)
    response = client.get(reverse("reporting:return_detail", args=[ret.pk]))
    assert response.status_code == 200
    assert {"download-template", "upload-form", "web-form", "submit"} <= page_testids(response)
    rows = {attrs["data-code"] for attrs in tags(response, data_code=True)}
    assert rows == set(all_figures(ret.form))
    assert re.search(
        r'<tr data-code="VALID_INVENTION">.*?data-testid="value">352<', response.content.decode()
    )


# Template, upload, confirmation -----------------------------------------------------------------


def test_template_download_is_an_xlsx_named_for_the_region_and_period(client, ankang, ret):
    client.force_login(ankang)
    response = client.get(reverse("reporting:return_template", args=[ret.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response.content[:2] == b"PK"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "610900" in disposition and PERIOD in disposition
    sheet = load_workbook(io.BytesIO(response.content))["季度统计"]
    # The title block: the region's code (read on upload) and the period, as people write it.
    assert (sheet["D2"].value, sheet["E2"].value) == ("地区代码：", "610900")
    assert (sheet["F2"].value, sheet["G2"].value) == ("报告期：", "2025年第二季度")


def test_upload_page_shows_the_problems_with_their_cells_and_stores_nothing(client, ankang, ret):
    client.force_login(ankang)
    template = client.get(reverse("reporting:return_template", args=[ret.pk])).content
    content = fill(template, all_figures(ret.form, TRAININGS="abc"))

    response = client.post(
        reverse("reporting:return_upload", args=[ret.pk]), {"file": xlsx(content)}
    )

    assert response.status_code == 200
    assert {"problems", "problems-summary"} <= page_testids(response)
    cells = [attrs["data-cell"] for attrs in tags(response, data_cell=True)]
    assert cells == [cell_of(template, "TRAININGS")]
    assert "confirm" not in page_testids(response)  # a blocking problem: nothing to confirm
    assert stored(ret) == {}
    # The problems the page lists are those of the service (and of the API).
    assert response.context["result"].problems[0].code == "TRAININGS"


def test_confirm_button_applies_the_checked_workbook(client, ankang, ret):
    client.force_login(ankang)
    template = client.get(reverse("reporting:return_template", args=[ret.pk])).content
    figures = all_figures(ret.form)
    response = client.post(
        reverse("reporting:return_upload", args=[ret.pk]), {"file": xlsx(fill(template, figures))}
    )
    assert response.status_code == 200
    assert stored(ret) == {}  # checked, not stored
    upload = ReturnUpload.objects.get(stat_return=ret)
    confirm = tags(response, action=reverse("reporting:upload_apply", args=[upload.pk]))
    assert len(confirm) == 1 and "confirm" in page_testids(response)
    assert {attrs["data-code"] for attrs in tags(response, data_code=True)} == set(figures)

    applied = client.post(reverse("reporting:upload_apply", args=[upload.pk]))

    assert applied.status_code == 302
    assert applied["Location"] == reverse("reporting:return_detail", args=[ret.pk])
    values = stored(ret)
    assert len(values) == len(figures) and values["CONTRACT_AMOUNT"] == Decimal("1250.75")
    upload.refresh_from_db()
    assert upload.applied_at is not None
    # Applying twice writes nothing more.
    history = DataValueHistory.objects.filter(stat_return=ret).count()
    assert history == len(figures)
    again = client.post(reverse("reporting:upload_apply", args=[upload.pk]))
    assert again.status_code == 302
    assert DataValueHistory.objects.filter(stat_return=ret).count() == history


def test_upload_without_a_file_goes_back_to_the_return(client, ankang, ret):
    client.force_login(ankang)
    response = client.post(reverse("reporting:return_upload", args=[ret.pk]), {})
    assert response.status_code == 302
    assert response["Location"] == reverse("reporting:return_detail", args=[ret.pk])
    assert ReturnUpload.objects.count() == 0


# Web form -------------------------------------------------------------------------------------


def web_form(figures: dict) -> dict:
    return {f"v_{code}": str(value) for code, value in figures.items()}


def test_web_form_with_a_bad_value_shows_the_field_error_and_stores_nothing(client, ankang, ret):
    client.force_login(ankang)
    url = reverse("reporting:return_edit", args=[ret.pk])
    assert "values-form" in page_testids(client.get(url))

    response = client.post(url, web_form(all_figures(ret.form, TRAININGS="abc")))

    assert response.status_code == 200
    assert [attrs["data-field-error"] for attrs in tags(response, data_field_error=True)] == [
        "TRAININGS"
    ]
    assert stored(ret) == {}


def test_web_form_with_a_rule_broken_lists_the_problem_and_stores_nothing(client, ankang, ret):
    client.force_login(ankang)
    url = reverse("reporting:return_edit", args=[ret.pk])
    figures = all_figures(ret.form, HIGH_VALUE_INVENTION=400)  # more than the 352 valid ones

    response = client.post(url, web_form(figures))

    assert response.status_code == 200
    assert "problems-summary" in page_testids(response)
    listed = [attrs["data-code"] for attrs in tags(response, data_code=True)]
    assert "HIGH_VALUE_INVENTION" in listed
    assert stored(ret) == {}


def test_web_form_with_good_values_stores_them(client, ankang, ret):
    client.force_login(ankang)
    url = reverse("reporting:return_edit", args=[ret.pk])
    figures = all_figures(ret.form, VALID_INVENTION="1,234", TRAININGS="１２")

    response = client.post(url, {**web_form(figures), "c_TRAININGS": "含线上培训"})

    assert response.status_code == 302
    assert response["Location"] == reverse("reporting:return_detail", args=[ret.pk])
    values = stored(ret)
    assert len(values) == len(figures)
    assert (values["VALID_INVENTION"], values["TRAININGS"]) == (Decimal(1234), Decimal(12))
    assert DataValue.objects.get(element__code="TRAININGS").comment == "含线上培训"


def test_reviewer_cannot_use_the_web_form(client, reviewer, ret):
    client.force_login(reviewer)
    url = reverse("reporting:return_edit", args=[ret.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, web_form(all_figures(ret.form))).status_code == 403
    assert stored(ret) == {}


# Approval ---------------------------------------------------------------------------------------


@pytest.fixture
def submitted(ankang, ret):
    store_all(ankang, ret)
    return services.return_submit(actor=ankang, stat_return=ret)


def test_reviewer_approves_on_the_page(client, reviewer, submitted):
    client.force_login(reviewer)
    detail = client.get(reverse("reporting:return_detail", args=[submitted.pk]))
    assert {"approve", "send-back"} <= page_testids(detail)

    response = client.post(reverse("reporting:return_action", args=[submitted.pk, "approve"]))

    assert response.status_code == 302
    submitted.refresh_from_db()
    assert (submitted.status, submitted.decided_by) == (S.APPROVED, reviewer)
    assert submitted.snapshot["VALID_INVENTION"]["value"] == "352"


def test_city_agency_posting_approve_gets_403(client, ankang, submitted):
    client.force_login(ankang)
    detail = client.get(reverse("reporting:return_detail", args=[submitted.pk]))
    assert "approve" not in page_testids(detail)

    response = client.post(reverse("reporting:return_action", args=[submitted.pk, "approve"]))

    assert response.status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == S.SUBMITTED


def test_send_back_and_correct_on_the_page(client, ankang, reviewer, submitted):
    client.force_login(reviewer)
    action = "reporting:return_action"
    client.post(reverse(action, args=[submitted.pk, "send_back"]), {"reason": "请核对商标数"})
    submitted.refresh_from_db()
    assert (submitted.status, submitted.reason) == (S.RETURNED, "请核对商标数")

    client.force_login(ankang)
    assert "return-reason" in page_testids(
        client.get(reverse("reporting:return_detail", args=[submitted.pk]))
    )
    client.post(reverse(action, args=[submitted.pk, "submit"]))
    client.force_login(reviewer)
    client.post(reverse(action, args=[submitted.pk, "approve"]))
    client.force_login(ankang)
    response = client.post(reverse(action, args=[submitted.pk, "correct"]), {"reason": "口径更正"})

    correction = StatReturn.objects.get(region=submitted.region, period=PERIOD, is_current=True)
    assert (correction.version, correction.status) == (2, S.DRAFT)
    assert response["Location"] == reverse("reporting:return_detail", args=[correction.pk])


def test_an_unknown_action_is_a_404(client, reviewer, submitted):
    client.force_login(reviewer)
    response = client.post(reverse("reporting:return_action", args=[submitted.pk, "delete"]))
    assert response.status_code == 404


# Dashboards, completeness, export ---------------------------------------------------------------


@pytest.fixture
def demo_data(seeded, ankang, reviewer):
    demo.load()


def demo_round() -> str:
    """The round the demo leaves in progress: the last complete quarter of today."""
    return str(demo.current_round(timezone.localdate()))


def cards(response) -> list[str]:
    return sorted(attrs["data-indicator"] for attrs in tags(response, data_testid="target-card"))


def test_leader_sees_the_province_and_city_dashboards(client, leader, demo_data):
    client.force_login(leader)
    province = client.get(reverse("reporting:dashboard"))
    assert province.status_code == 200
    assert cards(province) == sorted(
        Target.objects.filter(region__code="610000").values_list("indicator__code", flat=True)
    )
    assert {"ranking", "national", "export-dashboard", "computed-at"} <= page_testids(province)
    # The ranking lists the cities under the province.
    ranked = {attrs["data-region"] for attrs in tags(province, data_region=True)}
    assert {"610100", "610900"} <= ranked
    assert province.context["d"].period == demo_round()

    city = client.get(reverse("reporting:dashboard_region", args=["610900"]))
    assert city.status_code == 200
    assert cards(city) == [
        "HIGH_VALUE_INVENTION",
        "INVENTORY_COVERAGE",
        "VALID_INVENTION",
        "VALID_TRADEMARK",
    ]
    # The latest as of the round: the 2025 target's is its deadline quarter's, the final result.
    snapshot = ProgressSnapshot.objects.filter(
        target__indicator__code="VALID_INVENTION",
        target__region__code="610900",
        period__lte=demo_round(),
    ).latest("period")
    shown = re.search(
        r'data-indicator="VALID_INVENTION">.*?data-testid="actual">([^<]*)<',
        city.content.decode(),
        re.DOTALL,
    ).group(1)
    assert Decimal(shown) == snapshot.actual
    table = client.get(reverse("reporting:dashboard_region", args=["610900"]), {"view": "table"})
    assert "targets-table" in page_testids(table)


def test_dashboards_answer_in_a_bounded_number_of_queries(
    client, leader, demo_data, django_assert_max_num_queries
):
    client.force_login(leader)
    pages = [
        reverse("reporting:dashboard"),
        reverse("reporting:dashboard_region", args=["610900"]),
        reverse("reporting:dashboard_region", args=["610000"]) + "?period=2024Q2",
        reverse("reporting:dashboard") + "?view=table",
    ]
    for url in pages:
        with django_assert_max_num_queries(DASHBOARD_MAX_QUERIES):
            assert client.get(url).status_code == 200, url

    # More targets, each with its progress, and the same bound holds.
    province = region("610000")
    existing = set(Target.objects.filter(region=province).values_list("indicator_id", flat=True))
    some = ProgressSnapshot.objects.filter(target__region=province).first()
    added = 0
    for indicator in Indicator.objects.exclude(pk__in=existing):
        target = Target.objects.create(
            indicator=indicator,
            region=province,
            deadline=some.target.deadline,
            target_value=100,
            baseline_date=some.target.baseline_date,
            source="test",
        )
        ProgressSnapshot.objects.create(
            target=target,
            period=PERIOD,
            actual=1,
            percent=1,
            expected=2,
            status=ProgressSnapshot.Status.BEHIND,
            computed_at=some.computed_at,
        )
        added += 1
    assert added >= 5
    with django_assert_max_num_queries(DASHBOARD_MAX_QUERIES):
        response = client.get(pages[0])
    assert len(cards(response)) == len(existing) + added


def test_the_period_select_lists_each_approved_period_once(client, leader, demo_data):
    """Regression: StatReturn's default ordering leaked into SELECT DISTINCT, so each period was
    listed once per approved return (181 options for 9 quarters after the demo load). The
    quarter in progress comes first (the portal's own figures run to date); the latest approved
    (the demo's round) stays the default."""
    client.force_login(leader)
    response = client.get(reverse("reporting:dashboard"))
    select = re.search(
        r'data-testid="period-select">(.*?)</select>', response.content.decode(), re.DOTALL
    ).group(1)
    options = re.findall(r'<option value="([^"]+)"', select)
    current = str(Quarter.containing(timezone.localdate()))
    expected = [current] + [
        str(q) for q in reversed(Quarter.span(demo.FIRST, Quarter.parse(demo_round())))
    ]
    assert response.context["d"].periods == expected
    assert options == expected
    assert response.context["d"].period == demo_round()


def test_a_city_cannot_see_another_citys_dashboard(client, xian, ankang, demo_data):
    client.force_login(xian)
    assert client.get(reverse("reporting:dashboard_region", args=["610900"])).status_code == 404
    assert client.get(reverse("reporting:dashboard_region", args=["610000"])).status_code == 404
    export = client.post(reverse("reporting:dashboard_export", args=["610900"]))
    assert export.status_code == 404
    assert ExportJob.objects.count() == 0
    # Its own dashboard is its city's.
    own = client.get(reverse("reporting:dashboard"))
    assert own.status_code == 200 and own.context["d"].region.code == "610100"
    client.force_login(ankang)
    assert client.get(reverse("reporting:dashboard")).context["d"].region.code == "610900"


def test_completeness_lists_the_regions_that_have_not_reported(
    client, leader, demo_data, django_assert_max_num_queries
):
    client.force_login(leader)
    with django_assert_max_num_queries(COMPLETENESS_MAX_QUERIES):
        response = client.get(reverse("reporting:completeness"), {"period": demo_round()})
    assert response.status_code == 200
    states = {
        attrs["data-region"]: attrs["data-state"]
        for attrs in tags(response, data_region=True, data_state=True)
    }
    assert states["610900"] == "missing"
    assert states["610100"] == "approved" and states["610800"] == "submitted"
    assert states["610600"] == "draft"  # 延安市 has opened its return and typed part of it
    assert {code for code, state in states.items() if state == "missing"} == {
        "610200", "610900", "611000", "61XX00",
    }  # fmt: skip
    missing = re.search(r'data-testid="missing">(.*?)</p>', response.content.decode()).group(1)
    assert "安康市" in missing and "西安市" not in missing


def test_completeness_of_a_city_shows_only_its_region(client, xian, demo_data):
    client.force_login(xian)
    response = client.get(reverse("reporting:completeness"), {"period": PERIOD})
    assert response.status_code == 200
    regions = {attrs["data-region"] for attrs in tags(response, data_region=True, data_state=True)}
    assert regions == {"610100"}


def test_dashboard_export_is_made_by_the_worker_and_downloads(
    client, leader, demo_data, django_capture_on_commit_callbacks
):
    client.force_login(leader)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reporting:dashboard_export", args=["610900"]), {"period": PERIOD}
        )

    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reporting:export_detail", args=[job.pk])
    assert (job.status, job.progress, job.params) == (
        ExportJob.Status.DONE,
        100,
        {"region": "610900", "period": PERIOD, "language": "zh-hans"},  # the page's language
    )
    page = client.get(response["Location"])
    assert tags(page, data_testid="export-status")[0]["data-status"] == "done"
    assert "export-download" in page_testids(page)

    download = client.get(reverse("reporting:export_download", args=[job.pk]))
    assert download.status_code == 200
    content = b"".join(download.streaming_content)
    assert content[:2] == b"PK"
    workbook = load_workbook(io.BytesIO(content))
    assert "专利创造" in workbook.sheetnames
    sheet = workbook["专利创造"]
    # Each target's status cell (column K) is coloured for its status as of the period.
    expected = {
        snap.target.indicator.name: snap.status
        for snap in ProgressSnapshot.objects.filter(
            target__region__code="610900", target__indicator__group="专利创造", period=PERIOD
        ).select_related("target__indicator")
    }
    rows = range(4, sheet.max_row + 1)
    coloured = {
        sheet.cell(row=row, column=1).value: sheet.cell(row=row, column=11).fill for row in rows
    }
    assert set(coloured) == set(expected) and len(expected) == 3
    for name, status in expected.items():
        assert coloured[name].fill_type == "solid", name
        assert coloured[name].fgColor.rgb[-6:] == exporters.STATUS_FILLS[status].fgColor.rgb[-6:]

    # Someone who may not see dashboards reads neither the job nor its file.
    client.force_login(ApplicantFactory())
    assert client.get(reverse("reporting:export_detail", args=[job.pk])).status_code == 403
    assert client.get(reverse("reporting:export_download", args=[job.pk])).status_code == 403


def test_the_dashboard_export_holds_the_regions_other_indicators(leader, demo_data):
    """Regression: the export held the targets, the ranking of the units below and the
    completeness, but not the region's own figures without a target (the dashboard's "other
    indicators": e.g. the licence amounts and payments recorded in the portal)."""
    job = services.export_request(
        actor=leader, kind="dashboard", params={"region": "610900", "period": PERIOD}
    )
    services.export_run(job_id=job.pk)
    job.refresh_from_db()
    with job.file.open("rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read()))[exporters.OTHER_SHEET]
    rows = range(4, sheet.max_row + 1)  # under the title block and the header row
    # By name: the indicator codes are not for people; the period as people write it.
    exported = {
        sheet.cell(row=row, column=1).value: (
            sheet.cell(row=row, column=4).value,
            sheet.cell(row=row, column=5).value,
        )
        for row in rows
    }
    targeted = Target.objects.filter(region__code="610900").values_list("indicator", flat=True)
    values = IndicatorValue.objects.filter(region__code="610900", period=PERIOD).exclude(
        indicator__in=targeted
    )
    expected = {
        name: (formats.period(PERIOD), float(value))
        for name, value in values.values_list("indicator__name", "value")
    }
    assert expected and exported == expected
    # Times as the pages show them (Asia/Shanghai), not the database's UTC (Excel keeps ms).
    computed = dict(values.values_list("indicator__name", "computed_at"))
    for row in rows:
        local = timezone.localtime(computed[sheet.cell(row=row, column=1).value])
        written = sheet.cell(row=row, column=6).value
        assert abs(written - local.replace(tzinfo=None)) < timedelta(seconds=1)


def test_another_users_export_is_a_404(client, leader, reviewer, demo_data):
    job = services.export_request(actor=leader, kind="dashboard", params={"region": "610900"})
    services.export_run(job_id=job.pk)
    client.force_login(reviewer)
    assert client.get(reverse("reporting:export_detail", args=[job.pk])).status_code == 404
    assert client.get(reverse("reporting:export_download", args=[job.pk])).status_code == 404


# Set-up ---------------------------------------------------------------------------------------


ELEMENT = {
    "code": "new_licences",
    "name": "新增许可合同数",
    "unit": "件",
    "value_type": "integer",
    "kind": "flow",
    "sort": "300",
    "is_active": "on",
}


def test_setup_page_is_visible_to_the_reviewer_with_management_links(
    client, reviewer, ankang, form
):
    client.force_login(reviewer)
    response = client.get(reverse("reporting:setup"))
    assert response.status_code == 200
    assert {"elements", "new-element"} <= page_testids(response)

    client.force_login(ankang)
    response = client.get(reverse("reporting:setup"))
    assert response.status_code == 200
    assert "new-element" not in page_testids(response)


def test_reviewer_creates_a_data_element_that_joins_the_form(client, reviewer, form):
    client.force_login(reviewer)
    assert "setup-form" in page_testids(client.get(reverse("reporting:element_new")))

    response = client.post(reverse("reporting:element_new"), {**ELEMENT, "add_to_forms": form.pk})

    assert response.status_code == 302
    assert response["Location"] == reverse("reporting:setup")
    element = DataElement.objects.get(code="NEW_LICENCES")
    assert (element.unit, element.value_type, element.kind) == ("件", "integer", "flow")
    assert form.elements.filter(pk=element.pk).exists()
    assert "NEW_LICENCES" in {e.code for e in selectors.form_elements(form)}


def test_city_agency_cannot_create_a_data_element(client, ankang, form):
    client.force_login(ankang)
    assert client.get(reverse("reporting:element_new")).status_code == 403
    response = client.post(reverse("reporting:element_new"), {**ELEMENT, "add_to_forms": form.pk})
    assert response.status_code == 403
    assert not DataElement.objects.filter(code="NEW_LICENCES").exists()


TARGET_FORM = {
    "deadline": "2026-12-31",
    "target_value": "450",
    "baseline_date": "2025-12-31",
    "source": "测试",
}


def test_leader_creates_a_target_on_the_page(
    client, leader, seeded, django_capture_on_commit_callbacks
):
    client.force_login(leader)
    assert "new-target" in page_testids(client.get(reverse("reporting:target_list")))
    data = {
        **TARGET_FORM,
        "indicator": Indicator.objects.get(code="VALID_INVENTION").pk,
        "region": region("610900").pk,
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reporting:target_new"), data)

    assert response.status_code == 302
    assert response["Location"] == reverse("reporting:target_list")
    target = Target.objects.get(region__code="610900", indicator__code="VALID_INVENTION",
                                deadline="2026-12-31")  # fmt: skip
    assert (target.target_value, target.created_by) == (Decimal(450), leader)


def test_a_target_with_its_baseline_after_the_deadline_is_refused(client, leader, seeded):
    client.force_login(leader)
    data = {
        **TARGET_FORM,
        "baseline_date": "2027-01-01",
        "indicator": Indicator.objects.get(code="VALID_INVENTION").pk,
        "region": region("610900").pk,
    }
    response = client.post(reverse("reporting:target_new"), data)
    assert response.status_code == 200
    assert "baseline_date" in response.context["form"].errors
    assert not Target.objects.filter(deadline="2026-12-31").exists()


def test_city_agency_cannot_create_a_target(client, ankang, seeded):
    client.force_login(ankang)
    before = Target.objects.count()
    assert client.get(reverse("reporting:target_new")).status_code == 403
    data = {
        **TARGET_FORM,
        "indicator": Indicator.objects.get(code="VALID_INVENTION").pk,
        "region": region("610900").pk,
    }
    assert client.post(reverse("reporting:target_new"), data).status_code == 403
    assert Target.objects.count() == before


def test_a_table_shows_its_amounts_in_one_unit_and_its_counts_as_integers():
    """Issue 18: 万元 and 亿元 are not mixed in one table; 28792.12 件 is written 28,792. The
    table's unit is 万元 unless every amount reaches 1亿元, so 1,250万元 is not 0.13亿元."""
    figures = selectors.Figures(
        [("亿元", Decimal(300)), ("万元", Decimal(1250)), ("件", Decimal("28792.12"))]
    )
    assert figures.unit("万元") == figures.unit("亿元") == formats.unit_label("wan")
    assert figures.unit("件") == "件"
    assert figures.show(Decimal(1250), "万元") == "1,250"
    assert figures.show(Decimal(300), "亿元") == "3,000,000"
    assert figures.show(Decimal("28792.12"), "件") == "28,792"
    large = selectors.Figures([("亿元", Decimal(300)), ("万元", Decimal(25_000))])
    assert large.unit("万元") == formats.unit_label("yi")
    assert large.show(Decimal(25_000), "万元") == "2.5"
    small = selectors.Figures([("万元", Decimal(1250)), ("亿元", Decimal("0.5"))])
    assert small.with_unit(Decimal("0.5"), "亿元") == formats.money_with_unit(50_000_000, "wan")


def test_a_count_indicators_progress_is_shown_as_an_integer(client, leader, demo_data):
    client.force_login(leader)
    url = reverse("reporting:dashboard_region", args=["610900"])
    period = client.get(url).context["d"].period
    snapshot = ProgressSnapshot.objects.filter(
        target__indicator__code="VALID_TRADEMARK", target__region__code="610900", period__lte=period
    ).latest("period")
    snapshot.expected = Decimal("28792.12")
    snapshot.save(update_fields=["expected"])
    page = client.get(url).content.decode()
    expected = re.search(
        r'data-indicator="VALID_TRADEMARK">.*?data-testid="expected">([^<]*)<', page, re.DOTALL
    ).group(1)
    assert expected == "28,792"
    shown = re.sub(r"<script[^>]*>.*?</script>|<[^>]+>", "", page, flags=re.S)
    assert not re.search(r"\d{4}Q\d", shown)  # periods are written Q2 2025 / 2025年第二季度
