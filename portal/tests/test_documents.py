"""Official documents as A4 PDF (portal/documents.py): each of the five kinds rendered from its
record and read back (title, unit, Chinese date, amounts in 万元), on A4 with its fonts embedded;
issued once and reprinted byte for byte; a correction as the next version; refused (404, nothing
issued) for a record in the wrong state and for a user who may not read the record; every issue
and download an audit row."""

import hashlib
import io
import re
import time
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from incentives import factories as inf
from incentives import services as incentive_services
from portal import documents, formats
from portal.factories import CityAgencyFactory, UserFactory
from portal.models import AuditEntry, IssuedDocument, Region, Role
from projects import factories as pf
from projects import services as project_services
from projects.models import Application
from reporting import services as reporting_services
from reporting.models import ReturnForm
from reporting.tests.helpers import store_all
from tests.helpers import built_once

pytestmark = pytest.mark.django_db

A4 = (595.28, 841.89)  # points
ACTUALS = {"transfers_in": 6, "hv_patents": 7, "nav_report": 1, "product_filing": 1}


@pytest.fixture(autouse=True)
def _media_and_english(settings, tmp_path):
    """Stored PDFs in a folder of the test's own; pages in English, to show that documents are
    Chinese whatever the reader's language."""
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):
        yield


def _build() -> dict:
    rev = pf.reviewer(username="doc-reviewer")
    call = pf.open_call(rev, categories=(3,))
    draft_user = pf.applicant(name="草稿示范科技有限公司")
    draft = project_services.application_create(actor=draft_user, lot=pf.lot(call, 3))
    submitted = pf.submitted(call, code=3, title="富硒茶深加工专利导航与转化")

    approved = pf.scored(call, [80, 85, 90], code=3, actor=rev, title="硅碳负极材料专利运营赋能")
    approved = project_services.application_approve(
        actor=rev, application=approved, amount=30 * pf.WAN
    )
    accepted = pf.scored(call, [80, 85, 90], code=3, actor=rev, title="高熵合金涂层专利转化")
    accepted = project_services.application_approve(
        actor=rev, application=accepted, amount=40 * pf.WAN
    )
    project_services.progress_report_submit(
        actor=accepted.created_by,
        application=accepted,
        narrative="全部完成",
        actuals=ACTUALS,
        final=True,
    )
    accepted = project_services.acceptance_decide(
        actor=rev, application=accepted, accepted=True, reason="各项指标均已完成，同意通过验收。"
    )

    inf.budgets()
    giant = inf.little_giant()
    claim = inf.submitted(giant, "little-giant-province")
    claim = incentive_services.claim_approve(
        actor=rev, claim=claim, amount=50 * inf.WAN, today=inf.TODAY
    )
    pending_claim = inf.submitted(inf.little_giant(), "little-giant-province")

    agency = CityAgencyFactory(username="doc-ankang", name="李四", phone="0915-3211234")
    form = ReturnForm.objects.get(code="QUARTERLY")
    ankang = Region.objects.get(code="610900")
    stat_return = reporting_services.return_open(
        actor=agency, form=form, region=ankang, period="2025Q2"
    )
    store_all(agency, stat_return)
    stat_return = reporting_services.return_submit(actor=agency, stat_return=stat_return)
    draft_return = reporting_services.return_open(
        actor=agency, form=form, region=ankang, period="2025Q1"
    )
    return {
        "rev": rev,
        "draft": draft,
        "submitted": submitted,
        "approved": approved,
        "accepted": accepted,
        "claim": claim,
        "pending_claim": pending_claim,
        "agency": agency,
        "return": stat_return,
        "draft_return": draft_return,
        "xian": CityAgencyFactory(username="doc-xian", region=Region.objects.get(code="610100")),
        "outsider": pf.applicant(name="无关示范有限公司"),
    }


@pytest.fixture(scope="module")
def w(django_db_setup, django_db_blocker):
    yield from built_once(django_db_blocker, _build)


def kind(code: str) -> documents.DocumentKind:
    found = documents.get(code)
    assert found is not None, code
    return found


def text_of(pdf: bytes) -> str:
    """The PDF's text without white space (a line may break anywhere in Chinese)."""
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def chinese_day(value) -> str:
    with translation.override("zh-hans"):
        return formats.day(value)


def url(code: str, obj) -> str:
    return reverse("portal:document", args=[code, obj.pk])


def download(client, user, code: str, obj, **query):
    client.force_login(user)
    response = client.get(url(code, obj), query)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


# What each document says ---------------------------------------------------------------------


def test_the_declaration_carries_the_project_and_the_units_seal_place(w):
    application = w["submitted"]
    text = text_of(documents.render_pdf(kind("declaration"), application))
    assert "申报书" in text
    assert "富硒茶深加工专利导航与转化" in text
    assert application.number in text
    assert application.lead_organisation.name in text
    assert application.lead_organisation.credit_code in text
    assert "40万元" in text  # requested, in 万元
    assert "专利转让、许可承接次数" in text and "5次" in text  # a KPI and its commitment
    assert "202110182616.5" in text  # a declared patent
    assert "申报单位（盖章）" in text and "法定代表人（签字）" in text and "（盖章）" in text
    assert chinese_day(application.submitted_at) in text
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)  # never an ISO date


def test_the_approval_notice(w):
    application = w["approved"]
    kind_ = kind("approval")
    shown, _fingerprint = documents.content(kind_, application)
    html = documents.render_html(kind_, shown, number="陕知转〔2026〕1号")
    text = text_of(documents.pdf_from_html(html))
    assert "陕西省知识产权局" in text
    assert "陕知转〔2026〕1号" in text
    assert "项目立项的通知" in text and "硅碳负极材料专利运营赋能" in text
    assert application.lead_organisation.name in text
    assert "30万元" in text and "叁拾万元整" in text
    assert chinese_day(application.decided_at) in text
    assert chinese_day(application.end_date) in text
    assert "（盖章）" in text and "特此通知" in text


def test_the_acceptance_opinion_tabulates_every_kpi(w):
    application = w["accepted"]
    text = text_of(documents.render_pdf(kind("acceptance"), application))
    assert "验收意见书" in text and "高熵合金涂层专利转化" in text
    assert "专利转让、许可承接次数" in text and "6次" in text and "7件" in text
    assert "4项绩效指标中4项达标" in text and "同意该项目通过验收" in text
    assert "各项指标均已完成" in text
    assert "40万元" in text
    accepted_at = application.history.get(action="accept").at
    assert chinese_day(accepted_at) in text


def test_the_claim_decision_shows_the_working_and_the_amount(w):
    claim = w["claim"]
    text = text_of(documents.render_pdf(kind("claim-decision"), claim))
    assert "奖补核定通知" in text
    assert claim.organisation.name in text and claim.number in text
    assert "陕西省工业和信息化厅" in text  # the policy's department, in full
    assert "陕政办发〔2024〕11号" in text  # the clause it rests on
    assert "500,000.00元" in text  # a working line, to the fen
    assert "核定奖补资金50万元" in text and "伍拾万元整" in text
    assert chinese_day(claim.decided_at) in text
    assert "列入2025年度预算" in text


def test_the_statistics_return_as_submitted(w):
    stat_return = w["return"]
    text = text_of(documents.render_pdf(kind("stat-return"), stat_return))
    assert "专利转化运用季度统计表" in text
    assert "填报单位（盖章）：安康市" in text
    assert "报告期：2025年第二季度" in text and "2025Q2" not in text
    assert "制表机关：陕西省知识产权局" in text
    assert "单位负责人" in text and "填表人：李四" in text and "联系电话：0915-3211234" in text
    assert f"报出日期：{chinese_day(stat_return.submitted_at)}" in text
    element = stat_return.form.elements.filter(is_active=True).order_by("sort", "code").first()
    assert element.name in text


@pytest.mark.parametrize(
    ("code", "key"),
    [
        ("declaration", "submitted"),
        ("approval", "approved"),
        ("acceptance", "accepted"),
        ("claim-decision", "claim"),
        ("stat-return", "return"),
    ],
)
def test_every_document_is_a4_with_its_fonts_embedded(w, code, key):
    started = time.perf_counter()
    pdf = documents.render_pdf(kind(code), w[key])
    elapsed = time.perf_counter() - started
    reader = PdfReader(io.BytesIO(pdf))
    fonts = set()
    for page in reader.pages:
        box = page.mediabox
        assert abs(float(box.width) - A4[0]) <= 1 and abs(float(box.height) - A4[1]) <= 1
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            described = descendants[0].get_object() if descendants else font
            descriptor = described["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, font["/BaseFont"]
            fonts.add(str(font["/BaseFont"]))
    assert any("Noto-Serif-CJK-SC" in name for name in fonts), fonts
    assert elapsed < 30  # a generous bound: the figure that matters is printed below
    print(f"{code}: {len(reader.pages)} page(s), {len(pdf) // 1024} KB, {elapsed:.2f} s")


def test_page_numbers_are_set_after_gb_t_9704(w):
    reader = PdfReader(io.BytesIO(documents.render_pdf(kind("declaration"), w["submitted"])))
    assert len(reader.pages) > 1
    for number, page in enumerate(reader.pages, start=1):
        assert f"— {number} —" in page.extract_text()


def test_nothing_is_fetched_from_outside():
    fetcher = documents.url_fetcher()
    for address in ("http://example.com/a.png", "https://example.com/a.css", "file:///etc/passwd"):
        with pytest.raises(ValueError, match="disallowed protocol"):
            fetcher.fetch(address)


def test_amounts_in_capitals():
    assert documents.capitals(Decimal(500000)) == "伍拾万元整"
    assert documents.capitals(Decimal("1234567.89")) == "壹佰贰拾叁万肆仟伍佰陆拾柒元捌角玖分"
    assert documents.capitals(100010) == "壹拾万零壹拾元整"
    assert documents.capitals(100000001) == "壹亿零壹元整"
    assert documents.capitals(Decimal("100.05")) == "壹佰元零伍分"
    assert documents.capitals(Decimal("0.50")) == "伍角整"
    assert documents.capitals(0) == "零元整"
    assert documents.capitals(None) == documents.capitals("x") == "—"


# Issued once, reprinted as issued --------------------------------------------------------------


def test_the_first_download_issues_and_every_reprint_is_the_same_file(client, w):
    application, applicant = w["approved"], w["approved"].created_by
    before = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
    first, body = download(client, applicant, "approval", application)
    assert first.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    disposition = first["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E7%AB%8B%E9%A1%B9%E9%80%9A%E7%9F%A5%E4%B9%A6-" in disposition
    issued = IssuedDocument.objects.get(kind="approval", object_id=application.pk)
    assert issued.version == 1 and issued.issued_by == applicant
    assert re.fullmatch(r"陕知转〔\d{4}〕\d+号", issued.number)
    assert hashlib.sha256(body).hexdigest() == issued.sha256
    assert issued.number in text_of(body)

    again, body_again = download(client, w["rev"], "approval", application)
    assert again.status_code == 200 and body_again == body
    assert IssuedDocument.objects.filter(kind="approval", object_id=application.pk).count() == 1
    events = list(
        AuditEntry.objects.filter(id__gt=before, event__startswith="document.")
        .order_by("id")
        .values_list("event", "actor")
    )
    assert events == [
        ("document.issue", applicant.pk),
        ("document.download", applicant.pk),
        ("document.download", w["rev"].pk),
    ]


def test_the_issue_date_and_number_stay_as_issued(w):
    application = w["accepted"]
    first = documents.issue(kind("acceptance"), application, actor=w["rev"])
    second = documents.issue(kind("acceptance"), application, actor=application.created_by)
    assert second.pk == first.pk and second.sha256 == first.sha256
    assert first.file.read() == second.file.read()


def test_a_correction_is_the_next_version_and_the_first_stays(client, w):
    claim, rev = w["claim"], w["rev"]
    first = documents.issue(kind("claim-decision"), claim, actor=rev)
    with pytest.raises(ValidationError):
        documents.correct(kind("claim-decision"), claim, actor=rev, reason=" ")
    with pytest.raises(PermissionDenied, match=r"incentive\.claim\.decide"):
        documents.correct(kind("claim-decision"), claim, actor=claim.created_by, reason="金额更正")
    corrected = documents.correct(kind("claim-decision"), claim, actor=rev, reason="更正单位名称")
    assert (corrected.version, corrected.reason, corrected.number) == (2, "更正单位名称", "")
    assert "第2版" in text_of(corrected.file.read()) and "更正单位名称" in text_of(
        corrected.file.open("rb").read()
    )
    _latest, body = download(client, claim.created_by, "claim-decision", claim)
    assert hashlib.sha256(body).hexdigest() == corrected.sha256
    earlier, body = download(client, claim.created_by, "claim-decision", claim, version="1")
    assert earlier.status_code == 200 and hashlib.sha256(body).hexdigest() == first.sha256
    assert AuditEntry.objects.filter(event="document.correct", actor=rev).count() == 1
    for wrong in ("3", "0", "x", "1e3", "٣", "99999999999999999999"):
        response, _body = download(client, claim.created_by, "claim-decision", claim, version=wrong)
        assert response.status_code == 404, wrong


def test_a_draft_declaration_follows_the_draft(client, w):
    application, user = w["draft"], w["draft"].created_by
    response, body = download(client, user, "declaration", application)
    assert response.status_code == 200
    assert download(client, user, "declaration", application)[1] == body
    project_services.application_update(
        actor=user, application=application, data={"title": "修改后的项目名称"}
    )
    changed, body_changed = download(client, user, "declaration", application)
    assert changed.status_code == 200 and body_changed != body
    assert "修改后的项目名称" in text_of(body_changed)
    versions = documents.versions(kind("declaration"), application)
    assert [(d.version, bool(d.reason)) for d in versions] == [(1, False), (2, True)]


# Refused: a record in the wrong state, a user who may not read it ------------------------------


@pytest.mark.parametrize(
    ("code", "key", "who"),
    [
        ("approval", "submitted", "rev"),  # not approved
        ("acceptance", "approved", "rev"),  # not accepted
        ("claim-decision", "pending_claim", "rev"),  # not decided
        ("stat-return", "draft_return", "agency"),  # not submitted
    ],
)
def test_a_record_in_the_wrong_state_is_404_and_nothing_is_issued(client, w, code, key, who):
    response, _body = download(client, w[who], code, w[key])
    assert response.status_code == 404
    assert not IssuedDocument.objects.filter(kind=code, object_id=w[key].pk).exists()
    assert not AuditEntry.objects.filter(event__startswith="document.").exists()
    assert all(link["code"] != code for link in documents.links(w[key]))


@pytest.mark.parametrize(
    ("code", "key", "who"),
    [
        ("declaration", "submitted", "outsider"),
        ("approval", "approved", "outsider"),
        ("claim-decision", "claim", "outsider"),
        ("stat-return", "return", "xian"),  # another city
        ("stat-return", "return", "outsider"),
    ],
)
def test_a_user_who_may_not_read_the_record_gets_404(client, w, code, key, who):
    response, _body = download(client, w[who], code, w[key])
    assert response.status_code == 404
    assert not IssuedDocument.objects.exists()


def test_unknown_kinds_and_records_are_404_never_500(client, w):
    client.force_login(w["rev"])
    for path in (
        "/documents/nope/1/",
        f"/documents/approval/{w['claim'].pk + 10_000}/",
        "/documents/approval/99999999999999999999999/",
        "/documents/approval/0/",
    ):
        assert client.get(path).status_code == 404, path
    assert client.post(url("approval", w["approved"])).status_code == 405


def test_a_visitor_is_sent_to_log_in(client, w):
    response = client.get(url("approval", w["approved"]))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_missing_stored_file_is_404_and_a_failure_row(client, w):
    application = w["approved"]
    issued = documents.issue(kind("approval"), application, actor=w["rev"])
    issued.file.storage.delete(issued.file.name)
    response, _body = download(client, w["rev"], "approval", application)
    assert response.status_code == 404
    entry = AuditEntry.objects.filter(event="document.download").get()
    assert entry.outcome == AuditEntry.Outcome.FAILURE


# The record's page lists its documents --------------------------------------------------------


def test_the_pages_link_the_documents_their_records_allow(client, w):
    client.force_login(w["rev"])
    page = client.get(reverse("projects:application_detail", args=[w["approved"].pk]))
    assert page.status_code == 200
    assert f'href="{url("declaration", w["approved"])}"'.encode() in page.content
    assert f'href="{url("approval", w["approved"])}"'.encode() in page.content
    assert b'data-testid="document-acceptance"' not in page.content
    page = client.get(reverse("incentives:claim_detail", args=[w["claim"].pk]))
    assert f'href="{url("claim-decision", w["claim"])}"'.encode() in page.content
    page = client.get(reverse("incentives:claim_detail", args=[w["pending_claim"].pk]))
    assert b'data-testid="document-' not in page.content
    page = client.get(reverse("reporting:return_detail", args=[w["return"].pk]))
    assert f'href="{url("stat-return", w["return"])}"'.encode() in page.content


def test_documents_are_chinese_whatever_the_readers_language(w):
    shown, _fingerprint = documents.content(kind("stat-return"), w["return"])
    assert shown["period"] == "2025年第二季度"
    assert translation.get_language() == "en"
    assert timezone.is_aware(w["return"].submitted_at)


def test_the_five_kinds_and_their_file_names(w):
    assert set(documents.kinds()) >= {
        "declaration", "approval", "acceptance", "claim-decision", "stat-return"
    }  # fmt: skip
    names = {
        code: documents.filename(kind(code), w[key])
        for code, key in (("approval", "approved"), ("claim-decision", "claim"),
                          ("stat-return", "return"))
    }  # fmt: skip
    assert names == {
        "approval": "立项通知书-硅碳负极材料专利运营赋能.pdf",
        "claim-decision": f"奖补核定通知-{w['claim'].number}.pdf",
        "stat-return": "统计报表-安康市-2025年第二季度.pdf",
    }
    assert documents.filename(kind("approval"), _titled('a/b:"c"')) == "立项通知书-a-b-c.pdf"


def _titled(title: str) -> Application:
    return Application(number="2026-3-0099", title=title)


def test_a_leader_reads_the_documents_of_every_project(client, w):
    leader = UserFactory(role=Role.LEADER)
    response, body = download(client, leader, "declaration", w["submitted"])
    assert response.status_code == 200 and body.startswith(b"%PDF-")
