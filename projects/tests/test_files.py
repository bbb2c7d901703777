"""Attachments judged by their content (projects/files.py) and stored by
services.attachment_add. Every file here is a real, small file of its kind."""

import hashlib
import io
import struct
import zipfile
import zlib

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from portal.models import AuditEntry
from projects import factories as f
from projects import files, services
from projects.models import Attachment
from projects.tests.helpers import pdf

pytestmark = pytest.mark.django_db

MB = 1_048_576


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PROJECT_ATTACHMENT_MAX_MB = 20
    return settings.MEDIA_ROOT


# Real small files ------------------------------------------------------------------------------


def png() -> bytes:
    """A 1×1 grey PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x80"))
        + chunk(b"IEND", b"")
    )


def jpeg() -> bytes:
    """An 8×8 grey baseline JPEG: one block, DC 0 and no AC (a one-code Huffman table each)."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    dqt = b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + b"\x01" * 64
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, 8, 8, 1) + b"\x01\x11\x00"
    one_code = b"\x01" + b"\x00" * 15 + b"\x00"
    dht = b"\xff\xc4" + struct.pack(">H", 20) + b"\x00" + one_code
    dht += b"\xff\xc4" + struct.pack(">H", 20) + b"\x10" + one_code
    sos = b"\xff\xda" + struct.pack(">H", 8) + b"\x01\x01\x00\x00\x3f\x00"
    return b"\xff\xd8" + app0 + dqt + sof + dht + sos + b"\x3f" + b"\xff\xd9"


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>项目申报书</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()


def xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["科目", "金额（万元）"])
    sheet.append(["专利导航", 12])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not an office document")
    return buffer.getvalue()


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ACCEPTED = [
    ("申报书.pdf", pdf, "application/pdf"),
    ("营业执照.PNG", png, "image/png"),
    ("场地照片.jpg", jpeg, "image/jpeg"),
    ("场地照片.jpeg", jpeg, "image/jpeg"),
    ("实施方案.docx", docx, DOCX_TYPE),
    ("经费预算.xlsx", xlsx, XLSX_TYPE),
]


def check(name: str, content: bytes, max_bytes: int = 20 * MB) -> str:
    return files.check_upload(
        name=name, handle=io.BytesIO(content), size=len(content), max_bytes=max_bytes
    )


@pytest.mark.parametrize(("name", "build", "content_type"), ACCEPTED)
def test_accepted_kinds_are_recognised_by_their_content(name, build, content_type):
    assert check(name, build()) == content_type


def test_the_sniffer_reads_the_kind_and_leaves_the_file_at_its_start():
    for build, kind in ((pdf, "pdf"), (png, "png"), (jpeg, "jpeg"), (docx, "docx"), (xlsx, "xlsx")):
        handle = io.BytesIO(build())
        assert files.sniff(handle) == kind
        assert handle.tell() == 0
    assert files.sniff(io.BytesIO(EXE)) is None
    assert files.sniff(io.BytesIO(plain_zip())) is None
    assert files.sniff(io.BytesIO(b"PK\x03\x04 broken archive")) is None


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("申报书.pdf", png(), "申报书.pdf is named as PDF but its content is PNG."),
        (
            "setup.pdf",
            EXE,
            "setup.pdf is named as PDF but its content is not a document or image we accept.",
        ),
        (
            "预算.docx",
            xlsx(),
            "预算.docx is named as Word (.docx) but its content is Excel (.xlsx).",
        ),
        (
            "方案.docx",
            plain_zip(),
            "方案.docx is named as Word (.docx) but its content is not a document or image we "
            "accept.",
        ),
        ("照片.png", jpeg(), "照片.png is named as PNG but its content is JPEG."),
        ("表格.xlsx", pdf(), "表格.xlsx is named as Excel (.xlsx) but its content is PDF."),
    ],
)
def test_content_that_does_not_match_the_name_is_refused_naming_the_file(name, content, said):
    with pytest.raises(ValidationError) as error:
        check(name, content)
    assert error.value.code == "attachment_content"
    assert error.value.messages == [said]


@pytest.mark.parametrize("name", ["setup.exe", "申报书", "run.sh", "archive.zip", "page.html"])
def test_other_kinds_are_refused_by_name(name):
    with pytest.raises(ValidationError) as error:
        check(name, pdf())
    assert error.value.code == "attachment_type"
    assert name in error.value.messages[0]


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationError) as error:
        check("空白.pdf", b"")
    assert error.value.messages == ["空白.pdf is empty."]


# Stored through the service --------------------------------------------------------------------


@pytest.fixture
def draft(db):
    call = f.open_call(categories=(3,))
    user = f.applicant()
    return services.application_create(actor=user, lot=f.lot(call, 3))


def add(application, name, content, actor=None, **kwargs):
    return services.attachment_add(
        actor=actor or application.created_by,
        application=application,
        name=name,
        handle=io.BytesIO(content),
        size=len(content),
        **kwargs,
    )


def stored_files(media) -> list:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


@pytest.mark.parametrize(("name", "build", "content_type"), ACCEPTED)
def test_an_attachment_is_stored_with_its_sha256(draft, media, name, build, content_type):
    content = build()

    attachment = add(draft, name, content)

    attachment.refresh_from_db()
    assert attachment.name == name
    assert attachment.content_type == content_type
    assert attachment.size == len(content)
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert attachment.purpose == Attachment.Purpose.DECLARATION
    assert attachment.uploaded_by == draft.created_by
    # Stored under MEDIA_ROOT with a random name, never the uploaded one.
    path = media / attachment.file.name
    assert path.read_bytes() == content
    assert attachment.file.name.startswith(f"projects/{draft.pk}/")
    assert name.rsplit(".", 1)[0] not in attachment.file.name
    entry = AuditEntry.objects.get(event="project.attachment.add", target_id=str(draft.pk))
    assert entry.after["sha256"] == attachment.sha256


@pytest.mark.parametrize(
    ("name", "content"), [("申报书.pdf", png()), ("setup.pdf", EXE), ("tool.exe", EXE)]
)
def test_a_refused_file_leaves_nothing_behind(draft, media, name, content):
    with pytest.raises(ValidationError) as error:
        add(draft, name, content)
    assert name in error.value.messages[0]
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_the_size_limit_comes_from_the_settings(draft, media, settings):
    settings.PROJECT_ATTACHMENT_MAX_MB = 1
    at_limit = pdf() + b"0" * (MB - len(pdf()))
    over = at_limit + b"0"

    with pytest.raises(ValidationError) as error:
        add(draft, "大文件.pdf", over)
    assert error.value.code == "attachment_size"
    assert error.value.messages == ["大文件.pdf is 1.0 MB; the limit is 1 MB."]
    assert not Attachment.objects.exists()

    assert add(draft, "刚好.pdf", at_limit).size == MB

    settings.PROJECT_ATTACHMENT_MAX_MB = 2
    assert add(draft, "大文件.pdf", over).size == MB + 1


def test_only_the_applicant_adds_declaration_files_while_editable(draft):
    for outsider in (f.applicant(), f.reviewer(), f.expert()):
        with pytest.raises(PermissionDenied):
            add(draft, "申报书.pdf", pdf(), actor=outsider)
    f.listing_reserve(draft.lead_organisation)
    f.complete(draft, actor=draft.created_by)
    services.application_submit(actor=draft.created_by, application=draft)
    with pytest.raises(PermissionDenied):
        add(draft, "申报书.pdf", pdf())
    assert not Attachment.objects.exists()


def test_a_declaration_file_can_be_removed_while_editable(
    draft, media, django_capture_on_commit_callbacks
):
    attachment = add(draft, "申报书.pdf", pdf())
    path = media / attachment.file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.attachment_delete(actor=draft.created_by, attachment=attachment)
    assert not Attachment.objects.exists()
    assert not path.exists()


def test_evidence_is_filed_with_a_progress_report(db, media):
    rev = f.reviewer()
    call = f.open_call(rev, categories=(3,))
    application = f.scored(call, [80, 80, 80], actor=rev)
    services.application_approve(actor=rev, application=application, amount=30 * f.WAN)
    content = xlsx()

    report = services.progress_report_submit(
        actor=application.created_by,
        application=application,
        narrative="季度进展",
        actuals={"transfers_in": 2},
        evidence=[("转让合同清单.xlsx", io.BytesIO(content), len(content))],
    )

    attachment = report.attachments.get()
    assert attachment.purpose == Attachment.Purpose.PROGRESS
    assert attachment.application == application
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    with pytest.raises(PermissionDenied):
        services.attachment_delete(actor=application.created_by, attachment=attachment)


def test_bad_evidence_refuses_the_whole_report(db, media):
    rev = f.reviewer()
    call = f.open_call(rev, categories=(3,))
    application = f.scored(call, [80, 80, 80], actor=rev)
    services.application_approve(actor=rev, application=application, amount=30 * f.WAN)

    with pytest.raises(ValidationError) as error:
        services.progress_report_submit(
            actor=application.created_by,
            application=application,
            narrative="季度进展",
            actuals={"transfers_in": 2},
            evidence=[
                ("清单.xlsx", io.BytesIO(xlsx()), len(xlsx())),
                ("合同.pdf", io.BytesIO(EXE), len(EXE)),
            ],
        )

    assert "合同.pdf" in error.value.messages[0]
    application.refresh_from_db()
    assert application.status == "approved"
    assert not application.reports.exists()
    assert not Attachment.objects.exists()
    # The good file before the bad one was not written either: no orphan on disk.
    assert stored_files(media) == []
