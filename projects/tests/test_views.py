"""Pages of the projects app: who sees what, the declaration form, reviewer screens, exports."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from portal.factories import UserFactory
from portal.models import Role
from projects import factories as f
from projects import services
from projects.models import Application, Assignment, Call, Category

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(rev):
    return rev


def login(client, user):
    client.force_login(user)
    return client


# Access ---------------------------------------------------------------------------------------


def test_an_applicant_cannot_reach_another_organisations_application(client, call):
    application = f.submitted(call, 3)
    outsider = f.applicant()
    login(client, outsider)
    for name in ("application_detail", "application_edit", "application_print"):
        response = client.get(reverse(f"projects:{name}", args=[application.pk]))
        assert response.status_code == 404, name
    response = client.post(reverse("projects:application_act", args=[application.pk, "submit"]))
    assert response.status_code == 404


def test_an_owner_reads_but_cannot_edit_a_submitted_application(client, call):
    application = f.submitted(call, 3)
    owner = application.created_by
    login(client, owner)
    assert (
        client.get(reverse("projects:application_detail", args=[application.pk])).status_code == 200
    )
    assert (
        client.get(reverse("projects:application_edit", args=[application.pk])).status_code == 404
    )


def test_an_expert_sees_an_application_only_after_declaring_no_conflict(client, call, reviewer):
    application = f.submitted(call, 3)
    services.application_pass(actor=reviewer, application=application)
    expert, other_expert = f.experts(2)
    services.application_assign(actor=reviewer, application=application, experts=[expert])
    assignment = Assignment.objects.get(expert=expert)
    detail = reverse("projects:application_detail", args=[application.pk])

    login(client, other_expert)
    assert client.get(detail).status_code == 404
    assert (
        client.get(reverse("projects:assignment_detail", args=[assignment.pk])).status_code == 404
    )

    login(client, expert)
    assert client.get(detail).status_code == 404
    page = client.get(reverse("projects:assignment_detail", args=[assignment.pk]))
    assert page.status_code == 200
    assert application.title not in page.content.decode()
    assert application.lead_organisation.name in page.content.decode()

    client.post(reverse("projects:assignment_respond", args=[assignment.pk]), {"answer": "accept"})
    assert client.get(detail).status_code == 200
    page = client.get(reverse("projects:assignment_detail", args=[assignment.pk]))
    assert application.title in page.content.decode()
    assert 'data-testid="score-form"' in page.content.decode()


def test_reviewer_only_pages_refuse_applicants_and_experts(client, call):
    for user in (f.applicant(), f.expert()):
        login(client, user)
        for url in (
            reverse("projects:ranking"),
            reverse("projects:overdue_list"),
            reverse("projects:call_create"),
            reverse("projects:category_edit", args=[3]),
        ):
            assert client.get(url).status_code == 403, (user.role, url)


# Lists: a fixed number of queries ---------------------------------------------------------------


def test_application_list_query_count_does_not_grow(
    client, call, reviewer, django_assert_max_num_queries
):
    for _ in range(3):
        f.submitted(call, 3)
    login(client, reviewer)
    url = reverse("projects:application_list")
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200
    for _ in range(5):
        f.submitted(call, 3)
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.content.decode().count('href="/projects/applications/') == 8


def test_application_list_reads_only_its_page_of_applications(client, call, reviewer):
    """At province scale (10,000 applications) the list must not scan them all: the only query
    over the applications besides the page is the paginator's plain count (the call filter
    once counted every call's applications per category)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        f.submitted(call, 3)
    login(client, reviewer)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("projects:application_list"))
    assert response.status_code == 200
    assert call.title in response.content.decode()  # the call filter still lists it
    reads = [q["sql"] for q in captured.captured_queries if '"projects_application"' in q["sql"]]
    counts = [sql for sql in reads if "COUNT(" in sql.upper()]
    assert len(counts) == 1, counts
    assert "GROUP BY" not in counts[0].upper()
    assert "LIMIT" in reads[-1].upper()  # the page itself


def test_ranking_query_count_does_not_grow(client, call, reviewer, django_assert_max_num_queries):
    f.scored(call, [80, 70, 90], actor=reviewer)
    login(client, reviewer)
    url = reverse("projects:ranking") + f"?lot={f.lot(call, 3).pk}"
    with django_assert_max_num_queries(14):
        client.get(url)
    f.scored(call, [60, 65, 70, 75, 80], actor=reviewer)
    f.scored(call, [50, 55, 60], actor=reviewer)
    with django_assert_max_num_queries(14):
        response = client.get(url)
    html = response.content.decode()
    assert 'data-testid="final-score">70<' in html and 'data-testid="final-score">55<' in html


# Declaration --------------------------------------------------------------------------------------


def test_declaring_in_the_browser_explains_ineligibility_then_submits(client, call):
    user = f.applicant()
    login(client, user)
    lot = f.lot(call, 3)
    start = client.get(reverse("projects:application_start", args=[lot.pk]))
    html = start.content.decode()
    assert 'data-rule="qualification" data-passed="no"' in html

    response = client.post(reverse("projects:application_start", args=[lot.pk]))
    application = Application.objects.get(lead_organisation=user.organisation)
    assert response.url == reverse("projects:application_edit", args=[application.pk])

    edit = reverse("projects:application_edit", args=[application.pk])
    form = {
        "title": "赋能项目",
        "summary": "摘要",
        "period_months": 12,
        "requested_amount": "50",
        "contact_name": "王五",
        "contact_phone": "13800000000",
        "patents": "\n".join(f.PATENTS[:3]),
        "kpi_transfers_in_committed": "3",
        "kpi_hv_patents_committed": "5",
        "kpi_nav_report_committed": "1",
        "kpi_product_filing_committed": "1",
        **{f"narrative_{key}": "内容" for key, _label in services.NARRATIVE_SECTIONS},
        "submit": "1",
    }
    response = client.post(edit, form, follow=True)
    html = response.content.decode()
    application.refresh_from_db()
    assert application.status == Application.Status.DRAFT
    assert application.requested_amount == Decimal(500_000)  # typed in 万元, stored in yuan
    assert "below the category minimum of 5" in html or "低于本类别最低要求5" in html
    assert 'data-rule="patent_count" data-passed="no"' in html
    assert 'data-rule="qualification" data-passed="no"' in html

    f.listing_reserve(user.organisation)
    form.update(patents="\n".join(f.PATENTS[:10]), kpi_transfers_in_committed="6")
    response = client.post(edit, form)
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED, response.content.decode()[:3000]
    assert application.kpis.get(code="transfers_in").committed == 6


def test_a_bad_patent_number_is_refused_by_name_and_nothing_is_saved(client, call):
    user = f.applicant()
    application = services.application_create(actor=user, lot=f.lot(call, 3))
    login(client, user)
    response = client.post(
        reverse("projects:application_edit", args=[application.pk]),
        {"title": "新标题", "period_months": 12, "patents": "202310123456.7", "save": "1"},
    )
    assert response.status_code == 200
    assert "202310123456.7" in response.content.decode()
    application.refresh_from_db()
    assert application.title == ""


def test_attachment_upload_checks_content_and_download_is_scoped(client, call, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    user = f.applicant()
    application = services.application_create(actor=user, lot=f.lot(call, 3))
    login(client, user)
    upload = reverse("projects:attachment_upload", args=[application.pk])
    fake = io.BytesIO(b"MZ\x90\x00 not a pdf")
    fake.name = "申报书.pdf"
    response = client.post(upload, {"files": fake}, follow=True)
    assert "申报书.pdf" in response.content.decode()
    assert application.attachments.count() == 0

    real = io.BytesIO(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    real.name = "申报书.pdf"
    client.post(upload, {"files": real})
    attachment = application.attachments.get()
    assert attachment.content_type == "application/pdf"
    download = reverse("projects:attachment_download", args=[attachment.pk])
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-1.4")

    login(client, f.applicant())
    assert client.get(download).status_code == 404


def test_print_page_holds_the_declaration(client, call):
    application = f.submitted(call, 3)
    login(client, application.created_by)
    html = client.get(reverse("projects:application_print", args=[application.pk])).content.decode()
    assert application.number in html and "data-print" in html
    assert "专利转让、许可承接次数" in html


# Reviewer screens ---------------------------------------------------------------------------


def test_reviewer_passes_assigns_and_approves_through_the_pages(client, call, reviewer):
    application = f.submitted(call, 3)
    login(client, reviewer)
    client.post(reverse("projects:application_act", args=[application.pk, "pass"]))
    application.refresh_from_db()
    assert application.status == Application.Status.FORMAL_PASSED

    panel = f.experts(5)
    same_org = f.expert(organisation=application.lead_organisation)
    page = client.get(reverse("projects:application_assign", args=[application.pk]) + "?propose=1")
    html = page.content.decode()
    assert str(same_org) not in html
    assert html.count(" checked") == 5  # the proposed panel is pre-selected
    assert '<div id="id_experts">' in html  # no Bootstrap class squeezing the whole list
    client.post(
        reverse("projects:application_assign", args=[application.pk]),
        {"experts": [e.pk for e in panel]},
    )
    assert application.assignments.count() == 5
    for assignment, total in zip(
        application.assignments.order_by("pk"), [90, 80, 70, 60, 20], strict=True
    ):
        services.assignment_accept(actor=assignment.expert, assignment=assignment)
        services.score_submit(
            actor=assignment.expert, assignment=assignment, points=f.points_for(application, total)
        )
    application.refresh_from_db()
    assert application.final_score == Decimal("70.00")  # (80 + 70 + 60) / 3
    html = client.get(
        reverse("projects:application_detail", args=[application.pk])
    ).content.decode()
    assert 'data-testid="spread-warning"' in html

    response = client.post(
        reverse("projects:application_act", args=[application.pk, "approve"]),
        {"amount": "9999"},
        follow=True,
    )
    application.refresh_from_db()
    assert application.status == Application.Status.SCORED
    assert "40" in response.content.decode()  # requested 40万元 named in the refusal
    client.post(
        reverse("projects:application_act", args=[application.pk, "approve"]), {"amount": "30"}
    )
    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED
    assert application.approved_amount == Decimal(300_000)


def test_ranking_export_is_a_formatted_workbook(client, call, reviewer):
    application = f.scored(call, [80, 70, 90, 60, 85], actor=reviewer)
    login(client, reviewer)
    response = client.get(reverse("projects:ranking_export", args=[f.lot(call, 3).pk]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    ranking, scores = workbook["排名"], workbook["评分明细"]
    assert ranking["A1"].font.bold  # the title, above the header line and the table
    assert ranking["B3"].value == "申报编号"
    assert ranking["B4"].value == application.number
    assert ranking["F4"].value == pytest.approx(78.33)
    assert ranking.print_title_rows == "$3:$3" and ranking.freeze_panes == "A4"
    assert scores.max_row == 8  # title, header line, header + five experts
    assert scores["A3"].value == "申报编号"


def test_category_edit_refuses_weights_not_summing_to_100(client, reviewer):
    login(client, reviewer)
    category = Category.objects.get(code=5)
    url = reverse("projects:category_edit", args=[5])
    page = client.get(url)
    assert page.status_code == 200
    data = {
        "name": category.name,
        "tasks": category.tasks,
        "eligibility_text": category.eligibility_text,
        "period_months": 6,
        "eligible_kinds": category.eligible_kinds,
        "subtypes": "\n".join(category.subtypes),
        "amount_min": "10",
        "amount_max": "30",
        "amount_source": category.amount_source,
        "kpi-TOTAL_FORMS": 1,
        "kpi-INITIAL_FORMS": 0,
        "kpi-0-code": "nav_report",
        "kpi-0-name": "专利导航报告",
        "kpi-0-unit": "",
        "kpi-0-comparator": "done",
        "kpi-0-minimum": "1",
        "kpi-0-source": "指南",
        "criterion-TOTAL_FORMS": 1,
        "criterion-INITIAL_FORMS": 0,
        "criterion-0-code": "all",
        "criterion-0-name": "综合",
        "criterion-0-weight": 90,
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "90" in response.content.decode()
    category.refresh_from_db()
    assert category.version == 1
    data["criterion-0-weight"] = 100
    response = client.post(url, data)
    assert response.status_code == 302
    category.refresh_from_db()
    assert category.version == 2 and category.amount_max == Decimal(300_000)


def test_reviewer_opens_a_call_in_the_browser_form(client, reviewer):
    login(client, reviewer)
    categories = list(Category.objects.all())
    data = {
        "year": 2027,
        "title": "2027年度专利转化专项计划",
        "opens_at": "2027-03-01T09:00",
        "closes_at": "2027-04-01T17:00",
        "lot-TOTAL_FORMS": len(categories),
        "lot-INITIAL_FORMS": len(categories),
    }
    for index, category in enumerate(categories):
        data[f"lot-{index}-category"] = category.pk
        if category.code in (3, 5):
            data[f"lot-{index}-include"] = "on"
            data[f"lot-{index}-budget"] = "300"
            data[f"lot-{index}-expected_projects"] = "6"
    response = client.post(reverse("projects:call_create"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    call = Call.objects.get(year=2027)
    assert sorted(lot.code for lot in call.lots.all()) == [3, 5]
    assert call.lots.get(category__code=3).budget == Decimal(3_000_000)
    assert call.lots.get(category__code=5).amount_max == Decimal(300_000)  # from the category


def test_every_page_renders_for_its_roles(client, call, reviewer):
    application = f.scored(call, [80, 70, 90], actor=reviewer)
    leader = UserFactory(role=Role.LEADER)
    pages = [
        reverse("projects:application_list"),
        reverse("projects:category_list"),
        reverse("projects:category_detail", args=[3]),
        reverse("projects:call_list"),
        reverse("projects:call_detail", args=[call.pk]),
        reverse("projects:application_detail", args=[application.pk]),
        reverse("projects:ranking"),
    ]
    for user in (reviewer, leader):
        login(client, user)
        for url in pages:
            assert client.get(url).status_code == 200, (user.role, url)
    login(client, reviewer)
    assert client.get(reverse("projects:overdue_list")).status_code == 200
    login(client, application.created_by)
    for url in pages[:6]:
        assert client.get(url).status_code == 200, url


def test_home_shows_each_role_its_project_work(
    client, call, reviewer, django_assert_max_num_queries
):
    application = f.submitted(call, 3)
    services.application_pass(actor=reviewer, application=application)
    expert = f.expert()
    services.application_assign(actor=reviewer, application=application, experts=[expert])
    f.submitted(call, 3)  # a second one, waiting for formal review

    login(client, reviewer)
    with django_assert_max_num_queries(16):
        html = client.get(reverse("portal:home")).content.decode()
    assert '<td class="text-end" data-queue="submitted">1</td>' in html
    assert 'data-testid="home-projects-summary"' in html

    login(client, expert)
    html = client.get(reverse("portal:home")).content.decode()
    assert application.number in html and 'data-testid="home-projects-reviewer"' not in html

    login(client, application.created_by)
    html = client.get(reverse("portal:home")).content.decode()
    assert 'data-testid="home-projects-applicant"' in html and application.number in html
    assert 'data-testid="home-projects-summary"' not in html


@pytest.mark.parametrize("who", ["reviewer", "owner"])
def test_application_detail_query_count_does_not_grow_with_experts_and_reports(
    client, call, reviewer, who, django_assert_max_num_queries
):
    small = f.scored(call, [80, 70, 90], actor=reviewer)
    large = f.scored(call, [60, 65, 70, 75, 80, 85, 90], actor=reviewer)
    for application in (small, large):
        services.application_approve(
            actor=reviewer, application=application, amount=Decimal(100_000)
        )
        for actual in (1, 2, 3):
            services.progress_report_submit(
                actor=application.created_by,
                application=application,
                narrative="进展",
                actuals={"transfers_in": actual, "hv_patents": actual},
            )
    counts = []
    for application in (small, large):
        login(client, reviewer if who == "reviewer" else application.created_by)
        url = reverse("projects:application_detail", args=[application.pk])
        with django_assert_max_num_queries(20) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize(
    "lots",
    [
        {},  # no management form at all
        {"lot-TOTAL_FORMS": "1", "lot-INITIAL_FORMS": "1", "lot-0-category": "3"},
        {"lot-TOTAL_FORMS": "x", "lot-INITIAL_FORMS": "0"},
    ],
    ids=["missing", "truncated", "garbage"],
)
def test_a_call_form_with_its_rows_tampered_is_refused_with_a_message(client, reviewer, lots):
    login(client, reviewer)
    client.cookies["django_language"] = "en"
    data = {"year": 2027, "title": "2027 call", "opens_at": "2027-03-01T09:00",
            "closes_at": "2027-04-01T17:00", **lots}  # fmt: skip
    response = client.post(reverse("projects:call_create"), data)
    assert response.status_code == 200
    assert "came back incomplete" in response.content.decode()
    assert not Call.objects.filter(year=2027).exists()
