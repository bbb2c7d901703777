"""Official documents in a real browser (portal/documents.py): the demo enterprise opens its
project, clicks the declaration's PDF link, receives the file (not a page) and the PDF reads the
project's title; a second click downloads the very same file (issued once, reprinted as issued).
Screenshots go to test-artifacts/screenshots/."""

import hashlib
import io
import re
from pathlib import Path

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from portal.models import IssuedDocument, User
from projects.models import Application


def shot(page: Page, request, step: str) -> None:
    folder = request.config.rootpath / "test-artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"documents-journey-{step}.png"), full_page=True)


def download(page: Page, selector: str, folder: Path) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.click(selector)
    name = info.value.suggested_filename
    path = folder / f"{len(list(folder.iterdir()))}-{name}"
    info.value.save_as(path)
    return name, path.read_bytes()


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def test_an_applicant_downloads_its_declaration_as_a_pdf(page_as, request, tmp_path):
    organisation = User.objects.get(username="enterprise").organisation
    application = Application.objects.filter(lead_organisation=organisation).order_by("pk").first()
    assert application is not None and application.title

    enterprise = page_as("enterprise")
    enterprise.goto(f"/projects/applications/{application.pk}/")
    link = enterprise.locator("[data-testid=document-declaration]")
    expect(link).to_be_visible()
    shot(enterprise, request, "1-application")

    name, pdf = download(enterprise, "[data-testid=document-declaration]", tmp_path)
    assert name == f"申报书-{application.title}.pdf"
    assert pdf.startswith(b"%PDF-")
    text = text_of(pdf)
    assert re.sub(r"\s+", "", application.title) in text
    assert application.number in text and organisation.name in text
    issued = IssuedDocument.objects.get(kind="declaration", object_id=application.pk)
    assert hashlib.sha256(pdf).hexdigest() == issued.sha256

    # Reprinted as issued: the same bytes.
    _name, again = download(enterprise, "[data-testid=document-declaration]", tmp_path)
    assert again == pdf
    # The print page still works beside it.
    expect(enterprise.locator("[data-testid=print]")).to_have_attribute(
        "href", f"/projects/applications/{application.pk}/print/"
    )
