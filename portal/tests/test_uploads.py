"""Uploads, every path (portal/uploads.py): judged by content, never by name or the browser's
content type; size per file and per request; stored under server-made names outside any URL;
served back as attachments with safe headers.

Each upload path of the portal (pages and API) is in PATHS (upload_paths.py); the parametrised
tests send each a renamed program or web page, and an oversized file: each is refused, naming
the field or file, and nothing is stored."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from exchange.factories import mapping
from exchange.tests.helpers import published
from incentives import services as incentive_services
from patents.tests.helpers import csv_bytes, good_row
from portal import uploads
from portal.factories import UserFactory
from portal.models import Role
from portal.tests import upload_paths as paths
from portal.tests.upload_paths import PATHS, Target, post
from projects import services as project_services
from projects.models import Attachment
from reporting import exporters as reporting_exporters
from reporting import selectors as reporting_selectors
from reporting import services as reporting_services
from reporting.selectors import previous_values

pytestmark = pytest.mark.django_db

MB = 1_048_576
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


@pytest.fixture(autouse=True)
def _english_and_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):
        yield


@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def assert_refused_naming(target: Target, response, name: str) -> None:
    assert response.status_code in {200, 400}, response.status_code
    if target.api:
        assert response.status_code == 400
        errors = response.json()["errors"]
        assert list(errors) == [target.field], errors
        assert name in errors[target.field][0]
        return
    body = response.content.decode()
    assert name in body
    if target.form_field:
        assert name in " ".join(response.context["form"].errors[target.form_field])


@pytest.mark.parametrize(
    ("disguise", "content", "content_type"),
    [
        ("exe", EXE, "application/pdf"),
        ("html", HTML, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("old-office", OLE, "application/pdf"),
    ],
    ids=["exe", "html", "old-office"],
)
@pytest.mark.parametrize(("path", "setup", "suffix", "_limit"), PATHS, ids=[p[0] for p in PATHS])
def test_a_disguised_file_is_refused_on_every_path(
    client, path, setup, suffix, _limit, disguise, content, content_type
):
    """A program, a web page or an old Office file named as the document the path accepts, sent
    with the content type the browser would claim: refused by its content, naming the file and
    its field; nothing stored."""
    target = setup(client)
    before = target.stored()
    name = f"{disguise}-申报材料{suffix}"
    response = post(target, name, content, content_type)
    assert_refused_naming(target, response, name)
    assert target.stored() == before


@pytest.mark.parametrize(("path", "setup", "suffix", "limit"), PATHS, ids=[p[0] for p in PATHS])
def test_an_oversized_file_is_refused_on_every_path(client, settings, path, setup, suffix, limit):
    setattr(settings, limit, 1)
    target = setup(client)
    before = target.stored()
    name = f"big{suffix}"
    response = post(target, name, PDF + b"0" * MB, "application/pdf")
    assert_refused_naming(target, response, name)
    assert "1 MB" in response.content.decode()
    assert target.stored() == before


# The request as a whole ------------------------------------------------------------------------


def test_a_request_above_the_request_limit_is_refused_before_it_is_read(client, settings):
    settings.UPLOAD_MAX_REQUEST_MB = 1
    target = paths.projects_page(client)
    small = [SimpleUploadedFile(f"p{n}.pdf", PDF + b"0" * (MB // 2)) for n in range(3)]
    response = client.post(target.url, {"files": small})
    assert response.status_code == 413
    assert "larger than 1 MB" in response.content.decode()
    assert Attachment.objects.count() == 0

    api = paths.patents_api(client)
    response = api.client.post(api.url, {"file": SimpleUploadedFile("l.csv", b"0" * 2 * MB)},
                               format="multipart")  # fmt: skip
    assert response.status_code == 413
    assert "larger than 1 MB" in response.json()["detail"]

    settings.UPLOAD_MAX_REQUEST_MB = 5
    small = [SimpleUploadedFile(f"p{n}.pdf", PDF + b"0" * (MB // 2)) for n in range(3)]
    assert client.post(target.url, {"files": small}).status_code == 302
    assert Attachment.objects.count() == 3


def test_too_many_files_in_one_request_is_a_bad_request(client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    target = paths.projects_page(client)
    files = [SimpleUploadedFile(f"p{n}.pdf", PDF) for n in range(4)]
    response = client.post(target.url, {"files": files})
    assert response.status_code == 400
    assert Attachment.objects.count() == 0


# Content, not name or browser ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "accept", "kind"),
    [
        (PDF, uploads.DOCUMENTS, "pdf"),
        ("申请号,专利名称\n2021,x\n".encode("gb18030"), uploads.SPREADSHEETS, "csv"),
        ("申请号,专利名称\n2021,x\n".encode("utf-8-sig"), uploads.SPREADSHEETS, "csv"),
    ],
)
def test_the_kind_is_the_contents_whatever_the_browser_says(content, accept, kind):
    name = f"file{uploads.KINDS[kind].suffix}"
    found = uploads.check_upload(
        name=name, handle=io.BytesIO(content), size=len(content), max_bytes=MB, accept=accept
    )
    assert found.code == kind


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"a,b\n1,\x00\x002\n", "NUL bytes"),
        (HTML, "a web page"),
        (b"<?xml version='1.0'?><x/>", "XML"),
        (b"\x81\x30\x81", "not UTF-8 nor GB18030"),
        (EXE, "a program"),
    ],
)
def test_a_csv_must_be_plain_text(content, why):
    with pytest.raises(Exception) as raised:
        uploads.check_upload(name="list.csv", handle=io.BytesIO(content), size=len(content),
                             max_bytes=MB, accept=uploads.SPREADSHEETS, field="file")  # fmt: skip
    assert raised.value.message_dict["file"] == [
        "list.csv is not a plain-text CSV file (UTF-8 or GB18030): save the list as CSV or "
        ".xlsx and upload it again."
    ], why


def test_an_old_office_file_is_refused_with_a_hint():
    for name in ("方案.doc", "方案.pdf"):
        with pytest.raises(Exception) as raised:
            uploads.check_upload(name=name, handle=io.BytesIO(OLE), size=len(OLE), max_bytes=MB)
        assert raised.value.code == "old_office"
        assert "save it as .docx or .xlsx" in raised.value.messages[0]


def test_a_real_pdf_sent_as_html_is_stored_and_served_as_pdf(client):
    target = paths.projects_page(client)
    client.post(target.url, {"files": SimpleUploadedFile("申报书.pdf", PDF, "text/html")})
    attachment = Attachment.objects.get()
    assert attachment.content_type == "application/pdf"
    response = client.get(reverse("projects:attachment_download", args=[attachment.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"


# Stored under server-made names, outside any URL ------------------------------------------------

SERVER_NAME = re.compile(r"^[0-9a-f]{32}\.(pdf|xlsx|csv)$")


def _basename(stored) -> str:
    return stored.file.name.rsplit("/", 1)[-1]


def test_every_app_stores_uploads_under_a_server_made_name(settings):
    applicant, policy = paths.giant()
    claim = incentive_services.claim_create(
        actor=applicant, policy=policy,
        data={"recognition": applicant.organisation.qualifications.get()},
    )  # fmt: skip
    claim_file = incentive_services.claim_attach(
        actor=applicant, claim=claim, label="认定文件", name="../../认定 文件.pdf",
        handle=io.BytesIO(PDF), size=len(PDF),
    )  # fmt: skip
    university = paths.university()
    listing = csv_bytes([good_row(1)])
    from patents import services as patent_services

    patent_import = patent_services.patent_import_check(
        actor=university, owner=university.organisation, handle=io.BytesIO(listing),
        name="<script>清单.csv", size=len(listing),
    ).patent_import  # fmt: skip
    agency, stat_return = paths.opened_return()
    template = reporting_exporters.return_template(
        stat_return=stat_return, elements=reporting_selectors.form_elements(stat_return.form),
        previous=previous_values(region=stat_return.region, period=stat_return.period),
    )  # fmt: skip
    upload = reporting_services.return_upload_check(
        actor=agency, stat_return=stat_return, handle=io.BytesIO(template), name="安康.xlsx",
        size=len(template),
    ).upload  # fmt: skip
    from exchange import services as exchange_services

    workbook = published([["某公司", "91610902MA6YQ4321X", "安康市", 2025]])
    run = exchange_services.import_check(
        actor=UserFactory(role=Role.REVIEWER),
        mapping=mapping("zjtx-provincial"),
        handle=io.BytesIO(workbook), name="名单.xlsx", size=len(workbook),
    ).run  # fmt: skip
    uploaded = [
        (claim_file, "../../认定 文件.pdf"),
        (patent_import, "<script>清单.csv"),
        (upload, "安康.xlsx"),
        (run, "名单.xlsx"),
    ]
    for stored, original in uploaded:
        assert SERVER_NAME.match(_basename(stored)), stored.file.name
        assert stored.original_name == original  # the uploaded name is data only
        path = settings.MEDIA_ROOT / stored.file.name
        assert path.is_file() and path.resolve().is_relative_to(settings.MEDIA_ROOT.resolve())


def test_media_is_never_served_by_url(client, settings):
    """Uploads live under MEDIA_ROOT, which no URL pattern and no static-file server maps: the
    only way to a file is its permission-checked download view."""
    target = paths.projects_page(client)
    client.post(target.url, {"files": SimpleUploadedFile("申报书.pdf", PDF)})
    attachment = Attachment.objects.get()
    assert (settings.MEDIA_ROOT / attachment.file.name).is_file()
    for url in (f"/media/{attachment.file.name}", f"{settings.MEDIA_URL}{attachment.file.name}",
                f"/static/../media/{attachment.file.name}"):  # fmt: skip
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(f"/media/{attachment.file.name}").status_code == 404


# Served back safely ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fallback"),
    [
        ("申报书.pdf", "download.pdf"),
        ('report".pdf', "report.pdf"),
        ("a\r\nSet-Cookie: x=1.pdf", "aSet-Cookie-x-1.pdf"),
        ("..\\..\\boot.ini", "boot.ini"),
        ("résumé 2025.pdf", "resume-2025.pdf"),
    ],
)
def test_content_disposition_cannot_be_broken_by_a_name(name, fallback):
    header = uploads.content_disposition(name)
    assert "\r" not in header and "\n" not in header
    assert header.startswith(f"attachment; filename=\"{fallback}\"; filename*=UTF-8''")
    assert header.count('"') == 2
    encoded = header.split("filename*=UTF-8''", 1)[1]
    assert re.fullmatch(r"[A-Za-z0-9%._~-]+", encoded)


def test_a_download_is_an_attachment_with_the_checked_type_and_a_safe_name(client):
    user, application = paths.draft()
    client.force_login(user)
    nasty = '申报书"; filename=evil.html\r\nX-Injected: 1.pdf'
    attachment = project_services.attachment_add(
        actor=application.created_by, application=application, name=nasty,
        handle=io.BytesIO(PDF), size=len(PDF),
    )  # fmt: skip
    response = client.get(reverse("projects:attachment_download", args=[attachment.pk]))
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="')
    assert "\r" not in disposition and "\n" not in disposition and disposition.count('"') == 2
    assert "filename*=UTF-8''%E7%94%B3%E6%8A%A5%E4%B9%A6%22%3B%20filename%3Devil.html" in (
        disposition
    )
    assert "X-Injected" not in response.headers
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_claim_evidence_is_served_with_the_type_of_its_content(client):
    applicant, policy = paths.giant()
    claim = incentive_services.claim_create(
        actor=applicant, policy=policy,
        data={"recognition": applicant.organisation.qualifications.get()},
    )  # fmt: skip
    stored = incentive_services.claim_attach(actor=applicant, claim=claim, label="认定文件",
                                             name="认定文件.pdf", handle=io.BytesIO(PDF),
                                             size=len(PDF))  # fmt: skip
    client.force_login(applicant)
    response = client.get(reverse("incentives:claim_file_download", args=[claim.pk, stored.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="download.pdf"')
    assert response["X-Content-Type-Options"] == "nosniff"
