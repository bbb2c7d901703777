"""The reporting API (/api/v1/): scoping of returns and values to the city, opening a return,
workbook upload (dry run and apply), values typed as text, the life cycle, targets and progress,
and the OpenAPI schema."""

import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from portal.factories import ApplicantFactory
from portal.models import Region
from reporting import demo, exporters, selectors, services
from reporting.factories import PERIOD
from reporting.models import (
    DataElement,
    DataValue,
    ProgressSnapshot,
    ReturnUpload,
    StatReturn,
    Target,
)
from reporting.selectors import previous_values
from reporting.tests.workbooks import all_figures, cell_of, fill

pytestmark = pytest.mark.django_db

S = StatReturn.Status
SHEET = "季度统计"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def api():
    client = APIClient()
    # English answers, as the services give under the suite's translation override.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def as_user(api: APIClient, user) -> APIClient:
    api.force_authenticate(user)
    return api


@pytest.fixture
def ret(ankang, form):
    return services.return_open(
        actor=ankang, form=form, region=Region.objects.get(code="610900"), period=PERIOD
    )


@pytest.fixture
def xian_ret(xian, form):
    return services.return_open(
        actor=xian, form=form, region=Region.objects.get(code="610100"), period=PERIOD
    )


def template_for(stat_return: StatReturn) -> bytes:
    return exporters.return_template(
        stat_return=stat_return,
        elements=selectors.form_elements(stat_return.form),
        previous=previous_values(region=stat_return.region, period=stat_return.period),
    )


def xlsx(content: bytes, name: str = "return.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name,
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def stored(stat_return: StatReturn) -> dict[str, Decimal]:
    return dict(
        DataValue.objects.filter(region=stat_return.region, period=stat_return.period).values_list(
            "element__code", "value"
        )
    )


def values_payload(figures: dict) -> dict:
    return {"values": [{"code": code, "value": str(value)} for code, value in figures.items()]}


def store_all_via_api(api: APIClient, stat_return: StatReturn, **changes) -> None:
    response = api.post(
        f"/api/v1/returns/{stat_return.pk}/values/",
        values_payload(all_figures(stat_return.form, **changes)),
        format="json",
    )
    assert response.status_code == 200, response.json()


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# Scope: a city reaches only its own returns and values ---------------------------------------


def test_a_city_lists_only_its_own_returns(api, ankang, xian, reviewer, ret, xian_ret):
    county = services.return_open(
        actor=ankang, form=ret.form, region=Region.objects.get(code="610921"), period=PERIOD
    )

    assert ids(as_user(api, ankang).get("/api/v1/returns/")) == {ret.pk, county.pk}
    assert ids(as_user(api, xian).get("/api/v1/returns/")) == {xian_ret.pk}
    # A filter on another city's code finds nothing rather than leaking it.
    assert ids(as_user(api, ankang).get("/api/v1/returns/", {"region": "610100"})) == set()
    # The reviewer sees both: the scope above is the city's, not an empty list.
    assert ids(as_user(api, reviewer).get("/api/v1/returns/")) == {ret.pk, county.pk, xian_ret.pk}


def test_another_citys_return_is_a_404_for_reading_and_writing(api, xian, ret, form):
    as_user(api, xian)
    base = f"/api/v1/returns/{ret.pk}"
    content = fill(template_for(ret), all_figures(form))

    assert api.get(f"{base}/").status_code == 404
    values = values_payload({"TRAININGS": 1})
    assert api.post(f"{base}/values/", values, format="json").status_code == 404
    assert api.post(f"{base}/values/?dry_run=1", values, format="json").status_code == 404
    upload = {"file": xlsx(content), "dry_run": "false"}
    assert api.post(f"{base}/upload/", upload, format="multipart").status_code == 404
    for action in ("submit", "approve", "return", "correct"):
        response = api.post(f"{base}/{action}/", {"reason": "x"}, format="json")
        assert response.status_code == 404, action

    assert stored(ret) == {}
    assert ReturnUpload.objects.filter(stat_return=ret).count() == 0
    ret.refresh_from_db()
    assert (ret.status, ret.version) == (S.DRAFT, 1)


def test_a_city_cannot_open_another_citys_return(api, xian, form):
    response = as_user(api, xian).post(
        "/api/v1/returns/",
        {"form": "QUARTERLY", "region": "610900", "period": PERIOD},
        format="json",
    )
    assert response.status_code == 403
    assert not StatReturn.objects.filter(region__code="610900").exists()


def test_data_values_are_filtered_to_the_citys_region(api, ankang, xian, leader, ret, xian_ret):
    store_all_via_api(as_user(api, ankang), ret)
    store_all_via_api(as_user(api, xian), xian_ret)
    count = len(all_figures(ret.form))

    def regions(user, **params) -> list[str]:
        response = as_user(api, user).get("/api/v1/data-values/", params)
        assert response.status_code == 200
        body = response.json()
        return [row["region"] for row in body["results"]] + [body["count"]]

    assert regions(ankang) == ["610900"] * count + [count]
    assert regions(xian) == ["610100"] * count + [count]
    assert regions(ankang, region="610100") == [0]
    assert sorted(set(regions(leader)[:-1])) == ["610100", "610900"]


def test_an_applicant_reaches_no_return_or_value(api, ret):
    as_user(api, ApplicantFactory())
    assert api.get("/api/v1/returns/").status_code == 403
    assert api.get(f"/api/v1/returns/{ret.pk}/").status_code == 403
    assert api.get("/api/v1/data-values/").status_code == 403
    # The write actions are scoped like the detail: the applicant's scope is empty.
    response = api.post(
        f"/api/v1/returns/{ret.pk}/values/", values_payload({"TRAININGS": 1}), format="json"
    )
    assert response.status_code == 404
    assert stored(ret) == {}


# Opening a return ---------------------------------------------------------------------------


def test_post_opens_a_return(api, ankang, form):
    response = as_user(api, ankang).post(
        "/api/v1/returns/",
        {"form": "QUARTERLY", "region": "610900", "period": "2025Q2"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    created = StatReturn.objects.get(pk=body["id"])
    assert (created.form.code, created.region.code, created.period) == (
        "QUARTERLY",
        "610900",
        PERIOD,
    )
    assert created.created_by == ankang
    assert (body["region"], body["period"], body["status"], body["version"]) == (
        "610900",
        PERIOD,
        "draft",
        1,
    )


def test_opening_checks_region_code_and_period(api, ankang, form):
    as_user(api, ankang)
    unknown = api.post(
        "/api/v1/returns/", {"form": "QUARTERLY", "region": "999999", "period": PERIOD}
    )
    future = api.post(
        "/api/v1/returns/", {"form": "QUARTERLY", "region": "610900", "period": "2999Q1"}
    )
    assert unknown.status_code == 400 and "region" in unknown.json()["errors"]
    assert future.status_code == 400 and "period" in future.json()["errors"]
    assert StatReturn.objects.count() == 0


# Workbook upload ------------------------------------------------------------------------------


def test_upload_dry_run_lists_problems_with_their_cells_and_stores_nothing(api, ankang, ret):
    template = template_for(ret)
    content = fill(template, all_figures(ret.form, TRAININGS="abc"))

    response = as_user(api, ankang).post(
        f"/api/v1/returns/{ret.pk}/upload/",
        {"file": xlsx(content), "dry_run": "true"},
        format="multipart",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["can_store"] is False
    bad = [p for p in body["problems"] if p["code"] == "TRAININGS"]
    assert len(bad) == 1
    assert bad[0]["sheet"] == SHEET
    assert bad[0]["cell"] == cell_of(template, "TRAININGS")
    assert "abc" in bad[0]["message"]
    assert bad[0]["where"] == f"{SHEET}!{bad[0]['cell']}"
    assert stored(ret) == {}
    upload = ReturnUpload.objects.get(pk=body["upload"])
    assert upload.applied_at is None and upload.problem_count == len(body["problems"])

    # The same list the page shows, which comes from the service.
    page = services.return_upload_check(
        actor=ankang, stat_return=ret, handle=io.BytesIO(content), name="r.xlsx", size=len(content)
    )
    assert body["problems"] == [p.as_dict() for p in page.problems]


def test_upload_dry_run_of_a_good_workbook_lists_the_changes(api, ankang, ret):
    figures = all_figures(ret.form)
    content = fill(template_for(ret), figures)

    body = (
        as_user(api, ankang)
        .post(f"/api/v1/returns/{ret.pk}/upload/", {"file": xlsx(content)}, format="multipart")
        .json()
    )

    assert body["can_store"] is True and body["problems"] == []
    assert body["created"] == len(figures) and body["changed"] == 0
    assert {c["code"] for c in body["changes"]} == set(figures)
    assert stored(ret) == {}  # dry_run defaults to true


def test_upload_apply_stores_every_value(api, ankang, ret):
    figures = all_figures(ret.form)
    content = fill(template_for(ret), figures)

    response = as_user(api, ankang).post(
        f"/api/v1/returns/{ret.pk}/upload/",
        {"file": xlsx(content), "dry_run": "false"},
        format="multipart",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["created"] == len(figures)
    values = stored(ret)
    assert len(values) == len(figures)
    assert values["VALID_INVENTION"] == Decimal(352)
    assert values["CONTRACT_AMOUNT"] == Decimal("1250.75")
    assert ReturnUpload.objects.get(stat_return=ret).applied_at is not None


def test_upload_apply_of_a_bad_workbook_is_400_and_stores_nothing(api, ankang, ret):
    template = template_for(ret)
    content = fill(template, all_figures(ret.form, TRAININGS="abc"))

    response = as_user(api, ankang).post(
        f"/api/v1/returns/{ret.pk}/upload/",
        {"file": xlsx(content), "dry_run": "false"},
        format="multipart",
    )

    assert response.status_code == 400
    problems = response.json()["problems"]
    assert [(p["code"], p["cell"]) for p in problems] == [
        ("TRAININGS", cell_of(template, "TRAININGS"))
    ]
    assert stored(ret) == {}
    assert ReturnUpload.objects.get(stat_return=ret).applied_at is None


def test_upload_of_a_file_that_is_not_a_workbook_is_400(api, ankang, ret):
    response = as_user(api, ankang).post(
        f"/api/v1/returns/{ret.pk}/upload/",
        {"file": xlsx(b"%PDF-1.7 not a workbook"), "dry_run": "false"},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "invalid"
    assert stored(ret) == {} and ReturnUpload.objects.count() == 0


# Values typed as text -----------------------------------------------------------------------


def test_values_are_read_as_typed_text(api, ankang, ret):
    response = as_user(api, ankang).post(
        f"/api/v1/returns/{ret.pk}/values/",
        {
            "values": [
                {"code": "VALID_INVENTION", "value": "1,234"},
                {"code": "NAVIGATION_PROJECTS", "value": "１２"},
                {"code": "trainings", "value": 7, "comment": "培训"},
            ]
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 3
    assert stored(ret) == {
        "VALID_INVENTION": Decimal(1234),
        "NAVIGATION_PROJECTS": Decimal(12),
        "TRAININGS": Decimal(7),
    }
    assert DataValue.objects.get(element__code="TRAININGS").comment == "培训"


def test_values_dry_run_stores_nothing(api, ankang, ret):
    response = as_user(api, ankang).post(
        f"/api/v1/returns/{ret.pk}/values/?dry_run=1",
        values_payload({"TRAININGS": 4}),
        format="json",
    )
    assert response.status_code == 200
    assert [c["code"] for c in response.json()["changes"]] == ["TRAININGS"]
    assert stored(ret) == {}


@pytest.mark.parametrize(
    ("code", "typed"),
    [("NAVIGATION_PROJECTS", "1,23"), ("TRAININGS", "abc"), ("NO_SUCH_CODE", "1")],
)
def test_values_that_cannot_be_read_are_refused_naming_the_code(api, ankang, ret, code, typed):
    response = as_user(api, ankang).post(
        f"/api/v1/returns/{ret.pk}/values/",
        {"values": [{"code": "TRAININGS", "value": "3"}, {"code": code, "value": typed}]}
        if code != "TRAININGS"
        else {"values": [{"code": code, "value": typed}]},
        format="json",
    )

    assert response.status_code == 400
    problems = response.json()["problems"]
    assert [p["code"] for p in problems] == [code]
    assert stored(ret) == {}  # all or nothing: the good value is not stored either


def test_values_breaking_a_rule_are_400_with_the_problem(api, ankang, ret):
    response = as_user(api, ankang).post(
        f"/api/v1/returns/{ret.pk}/values/",
        values_payload({"VALID_INVENTION": 10, "HIGH_VALUE_INVENTION": 11}),
        format="json",
    )
    assert response.status_code == 400
    assert [p["code"] for p in response.json()["problems"]] == ["HIGH_VALUE_INVENTION"]
    assert stored(ret) == {}


# Life cycle ---------------------------------------------------------------------------------


def test_submit_approve_and_correct(api, ankang, reviewer, ret):
    base = f"/api/v1/returns/{ret.pk}"
    store_all_via_api(as_user(api, ankang), ret)

    submitted = api.post(f"{base}/submit/")
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["status"] == "submitted"

    # The city agency cannot approve its own return.
    assert as_user(api, ankang).post(f"{base}/approve/").status_code == 403
    ret.refresh_from_db()
    assert ret.status == S.SUBMITTED

    approved = as_user(api, reviewer).post(f"{base}/approve/")
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    assert approved.json()["snapshot"]["VALID_INVENTION"]["value"] == "352"

    # Locked: writing values now is refused.
    locked = as_user(api, ankang).post(
        f"{base}/values/", values_payload({"TRAININGS": 1}), format="json"
    )
    assert locked.status_code == 400
    assert stored(ret)["TRAININGS"] == Decimal(5)

    assert api.post(f"{base}/correct/", {"reason": ""}, format="json").status_code == 400
    corrected = api.post(f"{base}/correct/", {"reason": "发明专利数据口径更正"}, format="json")
    assert corrected.status_code == 200, corrected.json()
    body = corrected.json()
    assert (body["version"], body["status"], body["is_current"]) == (2, "draft", True)
    assert body["correction_reason"] == "发明专利数据口径更正"
    ret.refresh_from_db()
    assert (ret.is_current, ret.status) == (False, S.APPROVED)
    # Version 2 is a new return the city can write to.
    store_all_via_api(api, StatReturn.objects.get(pk=body["id"]), VALID_INVENTION=355)
    assert stored(ret)["VALID_INVENTION"] == Decimal(355)


def test_submit_needs_every_figure(api, ankang, ret):
    as_user(api, ankang)
    api.post(f"/api/v1/returns/{ret.pk}/values/", values_payload({"TRAININGS": 3}), format="json")
    response = api.post(f"/api/v1/returns/{ret.pk}/submit/")
    assert response.status_code == 400
    missing = {p["code"] for p in response.json()["problems"]}
    assert missing == set(all_figures(ret.form)) - {"TRAININGS"}
    ret.refresh_from_db()
    assert ret.status == S.DRAFT


def test_reviewer_returns_a_submission_with_a_reason(api, ankang, reviewer, ret):
    base = f"/api/v1/returns/{ret.pk}"
    store_all_via_api(as_user(api, ankang), ret)
    api.post(f"{base}/submit/")

    # Neither the city nor a reviewer without a reason can send it back.
    assert api.post(f"{base}/return/", {"reason": "x"}, format="json").status_code == 403
    as_user(api, reviewer)
    no_reason = api.post(f"{base}/return/", {"reason": " "}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["errors"]

    response = api.post(f"{base}/return/", {"reason": "商标数请与市场监管局核对"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["reason"]) == (
        "returned",
        "商标数请与市场监管局核对",
    )
    ret.refresh_from_db()
    assert ret.status == S.RETURNED
    # Returned: the city may write again.
    store_all_via_api(as_user(api, ankang), ret, TRAININGS=6)
    assert stored(ret)["TRAININGS"] == Decimal(6)


def test_reviewer_cannot_write_a_citys_values(api, reviewer, ret):
    response = as_user(api, reviewer).post(
        f"/api/v1/returns/{ret.pk}/values/", values_payload({"TRAININGS": 1}), format="json"
    )
    assert response.status_code == 403
    assert stored(ret) == {}


# Indicators, targets, progress --------------------------------------------------------------


def test_leader_reads_indicators_and_targets(api, leader, seeded):
    as_user(api, leader)
    indicators = api.get("/api/v1/indicators/")
    assert indicators.status_code == 200
    codes = {row["code"] for row in indicators.json()["results"]}
    assert {"VALID_INVENTION", "CONTRACT_TURNOVER", "PROJECTS_ACCEPTED"} <= codes
    one = api.get("/api/v1/indicators/VALID_INVENTION/").json()
    assert (one["element"], one["group"]) == ("VALID_INVENTION", "专利创造")

    targets = api.get("/api/v1/targets/")
    assert targets.status_code == 200
    rows = {(t["indicator"], t["region"]): t for t in targets.json()["results"]}
    assert Decimal(rows[("VALID_INVENTION", "610900")]["target_value"]) == Decimal(400)
    assert targets.json()["count"] == Target.objects.count()


TARGET = {
    "indicator": "VALID_INVENTION",
    "region": "610900",
    "deadline": "2026-12-31",
    "target_value": "450",
    "baseline_date": "2025-12-31",
    "source": "测试",
}


def test_leader_posts_a_target(api, leader, seeded, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(api, leader).post("/api/v1/targets/", TARGET, format="json")

    assert response.status_code == 201, response.json()
    target = Target.objects.get(pk=response.json()["id"])
    assert (target.indicator.code, target.region.code, str(target.deadline)) == (
        "VALID_INVENTION",
        "610900",
        "2026-12-31",
    )
    assert target.target_value == Decimal(450) and target.created_by == leader
    # A second one for the same indicator, region and deadline is refused.
    again = api.post("/api/v1/targets/", TARGET, format="json")
    assert again.status_code == 400 and again.json()["detail"] == "invalid"
    assert (
        Target.objects.filter(indicator__code="VALID_INVENTION", region__code="610900").count() == 2
    )


def test_a_city_agency_cannot_post_a_target(api, ankang, seeded):
    before = Target.objects.count()
    response = as_user(api, ankang).post("/api/v1/targets/", TARGET, format="json")
    assert response.status_code == 403
    assert Target.objects.count() == before


def test_progress_is_filtered_by_indicator_region_and_period(api, leader, ankang, xian):
    demo.load()
    as_user(api, leader)
    everything = api.get("/api/v1/progress/").json()["count"]
    response = api.get(
        "/api/v1/progress/",
        {"indicator": "VALID_INVENTION", "region": "610900", "period": "2025Q1"},
    )

    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) == 1 < everything
    row = rows[0]
    assert (row["indicator"], row["region"], row["period"]) == (
        "VALID_INVENTION",
        "610900",
        "2025Q1",
    )
    snapshot = ProgressSnapshot.objects.get(
        target__indicator__code="VALID_INVENTION", target__region__code="610900", period="2025Q1"
    )
    assert Decimal(row["actual"]) == snapshot.actual
    assert row["status"] == snapshot.status

    by_region = api.get("/api/v1/progress/", {"region": "610900"}).json()["results"]
    assert by_region and {r["region"] for r in by_region} == {"610900"}
    by_period = api.get("/api/v1/progress/", {"period": "2025Q1"}).json()["results"]
    assert by_period and {r["period"] for r in by_period} == {"2025Q1"}

    # Ankang's agency reads Ankang's progress; Xi'an's reads none of it.
    assert as_user(api, ankang).get("/api/v1/progress/", {"region": "610900"}).json()["count"]
    assert as_user(api, xian).get("/api/v1/progress/", {"region": "610900"}).json()["count"] == 0


# Set-up -------------------------------------------------------------------------------------

ELEMENT = {
    "code": "new_licences",
    "name": "新增许可合同数",
    "unit": "件",
    "value_type": "integer",
    "kind": "flow",
}


def test_data_elements_are_read_by_a_city_and_managed_by_the_reviewer(api, ankang, reviewer, form):
    as_user(api, ankang)
    codes = {row["code"] for row in api.get("/api/v1/data-elements/").json()["results"]}
    assert "VALID_INVENTION" in codes
    quarterly = api.get("/api/v1/return-forms/QUARTERLY/").json()
    assert set(quarterly["elements"]) == set(all_figures(form))
    assert api.post("/api/v1/data-elements/", ELEMENT, format="json").status_code == 403
    assert not DataElement.objects.filter(code="NEW_LICENCES").exists()

    as_user(api, reviewer)
    created = api.post("/api/v1/data-elements/", ELEMENT, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["code"] == "NEW_LICENCES"
    renamed = api.patch(
        "/api/v1/data-elements/NEW_LICENCES/", {"name": "许可合同数"}, format="json"
    )
    assert renamed.status_code == 200, renamed.json()
    assert DataElement.objects.get(code="NEW_LICENCES").name == "许可合同数"


# Schema -------------------------------------------------------------------------------------


def test_openapi_schema_renders(api, reviewer):
    response = as_user(api, reviewer).get("/api/v1/schema/")
    assert response.status_code == 200
    text = response.content.decode()
    for path in (
        "/api/v1/returns/{id}/upload/",
        "/api/v1/returns/{id}/values/",
        "/api/v1/progress/",
        "/api/v1/targets/",
    ):
        assert path in text, path
