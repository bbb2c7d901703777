"""What an uploaded file really is, judged by its content, not its name."""

import zipfile
from typing import IO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Extension → (content type, content kind the bytes must show).
ALLOWED = {
    ".pdf": ("application/pdf", "pdf"),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "docx",
    ),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    ".doc": ("application/msword", "ole"),
    ".xls": ("application/vnd.ms-excel", "ole"),
    ".png": ("image/png", "png"),
    ".jpg": ("image/jpeg", "jpeg"),
    ".jpeg": ("image/jpeg", "jpeg"),
}
KIND_NAMES = {
    "pdf": "PDF",
    "docx": "Word (.docx)",
    "xlsx": "Excel (.xlsx)",
    "ole": "Word/Excel 97-2003",
    "png": "PNG",
    "jpeg": "JPEG",
}


def sniff(handle: IO[bytes]) -> str | None:
    """The kind of file the bytes are, or None when it is none of the accepted kinds."""
    handle.seek(0)
    head = handle.read(8)
    handle.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(handle) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return None
        finally:
            handle.seek(0)
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
    return None


def check_upload(*, name: str, handle: IO[bytes], size: int, max_bytes: int) -> str:
    """Refuse what is too big, of a kind not accepted, or not what its name says. Returns the
    content type to store."""
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix not in ALLOWED:
        raise ValidationError(
            _("%(name)s: only PDF, Word, Excel, PNG and JPEG files are accepted.") % {"name": name},
            code="attachment_type",
        )
    if size > max_bytes:
        raise ValidationError(
            _("%(name)s is %(size).1f MB; the limit is %(limit)d MB.")
            % {"name": name, "size": size / 1_048_576, "limit": max_bytes // 1_048_576},
            code="attachment_size",
        )
    if size == 0:
        raise ValidationError(_("%(name)s is empty.") % {"name": name}, code="attachment_empty")
    content_type, expected = ALLOWED[suffix]
    actual = sniff(handle)
    if actual != expected:
        raise ValidationError(
            _("%(name)s is named as %(expected)s but its content is %(actual)s.")
            % {
                "name": name,
                "expected": KIND_NAMES[expected],
                "actual": KIND_NAMES.get(actual, _("not a document or image we accept")),
            },
            code="attachment_content",
        )
    return content_type
