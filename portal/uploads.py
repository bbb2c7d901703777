"""Every uploaded file, whatever page or API endpoint brings it in, and every file served back.

GB/T 22239-2019 asks that uploaded content be checked and that the files a system stores cannot be
run or reached directly. So, in one place for every app:

- a file is judged by its CONTENT (magic bytes; for CSV, text that decodes and holds no NUL or
  control bytes), never by its name or the browser's Content-Type. The name must agree with the
  content: a renamed program or web page is refused, naming the file. Old Office 97-2003 files
  (OLE) are refused with a hint: they can carry macros and the portal reads only .docx/.xlsx;
- a file larger than its app's limit (PROJECT_ATTACHMENT_MAX_MB, PATENT_IMPORT_MAX_MB, …) is
  refused; a whole multipart request above UPLOAD_MAX_REQUEST_MB is refused with 413 before its
  body is read (portal.middleware.UploadSizeMiddleware);
- it is stored under MEDIA_ROOT (outside the web root: no URL pattern serves /media/) under a
  name the server makes up (a uuid), with the uploaded name kept only as data;
- it is served back only by permission-checked views, through `file_response`: always as an
  attachment, with an ASCII file name and the real one in RFC 5987 form (no quote, CR or LF can
  get into the header), X-Content-Type-Options: nosniff, and the content type the check found.
"""

import re
import unicodedata
import uuid
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO, cast
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse
from django.utils.translation import gettext as _

MB = 1_048_576
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    content_type: str
    suffixes: tuple[str, ...]

    @property
    def suffix(self) -> str:
        return self.suffixes[0]


KINDS = {
    "pdf": Kind("pdf", "PDF", "application/pdf", (".pdf",)),
    "docx": Kind("docx", "Word (.docx)", DOCX_TYPE, (".docx",)),
    "xlsx": Kind("xlsx", "Excel (.xlsx)", XLSX_TYPE, (".xlsx",)),
    "png": Kind("png", "PNG", "image/png", (".png",)),
    "jpeg": Kind("jpeg", "JPEG", "image/jpeg", (".jpg", ".jpeg")),
    "csv": Kind("csv", "CSV", "text/csv; charset=utf-8", (".csv",)),
}

# What each upload accepts.
DOCUMENTS = ("pdf", "docx", "xlsx", "png", "jpeg")  # attachments and evidence
SPREADSHEETS = ("xlsx", "csv")  # patent lists, exchange files
WORKBOOK = ("xlsx",)  # statistics returns

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# C0 control characters a text file does not hold (tab, LF, FF and CR are fine).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")
MARKUP = re.compile(r"\s*<(?:!doctype|html|head|body|script|svg|\?xml|iframe|!--)", re.IGNORECASE)


def received(upload: UploadedFile) -> tuple[str, IO[bytes], int]:
    """An uploaded file's name, content and size. Django types them as maybe missing; a file
    Django received (request.FILES) has all three."""
    return cast(str, upload.name), cast(IO[bytes], upload.file), cast(int, upload.size)


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def sniff(handle: IO[bytes], *, text: bool = False) -> str | None:
    """The kind of file the bytes are ("ole" for an Office 97-2003 file), or None when it is none
    of the kinds the portal accepts. With `text`, plain text is recognised as "csv". The handle is
    left at its start."""
    handle.seek(0)
    head = handle.read(8)
    handle.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(OLE_MAGIC):
        return "ole"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(handle) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            return None
        finally:
            handle.seek(0)
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        return None
    if text and decode_text(handle) is not None:
        return "csv"
    return None


def decode_text(handle: IO[bytes]) -> str | None:
    """The file as text (UTF-8, or GB18030 as Chinese Excel and WPS save CSV), or None when it is
    not plain text: undecodable, holding NUL or control bytes, or a web page / XML document."""
    handle.seek(0)
    data = handle.read()
    handle.seek(0)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            decoded = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        return None
    if CONTROL.search(decoded) or MARKUP.match(decoded):
        return None
    return decoded


def check_size(*, name: str, size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise _refuse(
            _("%(name)s is %(size).1f MB; the limit is %(limit)d MB.")
            % {"name": name, "size": size / MB, "limit": max_bytes // MB},
            "attachment_size",
        )
    if size == 0:
        raise _refuse(_("%(name)s is empty.") % {"name": name}, "attachment_empty")


def _suffix(name: str) -> str:
    return "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _old_office(name: str) -> ValidationError:
    return _refuse(
        _(
            "%(name)s is an old Word/Excel 97-2003 file: save it as .docx or .xlsx "
            "(File › Save As) and upload it again."
        )
        % {"name": name},
        "old_office",
    )


def _old_xls(name: str) -> ValidationError:
    return _refuse(
        _("%(name)s is not an Excel .xlsx workbook. %(hint)s")
        % {
            "name": name,
            "hint": _(
                "It is an old .xls workbook: save it as .xlsx (Excel workbook) and upload again."
            ),
        },
        "old_office",
    )


def _wrong_name(name: str, accept: tuple[str, ...]) -> ValidationError:
    if set(accept) == set(DOCUMENTS):
        message = _("%(name)s: only PDF, Word, Excel, PNG and JPEG files are accepted.")
    elif "csv" in accept:
        message = _("%(name)s: upload an .xlsx or .csv file (save an .xls as .xlsx first).")
    else:
        message = _("%(name)s is not an Excel .xlsx workbook. %(hint)s")
    return _refuse(
        message % {"name": name, "hint": _("Download the template and fill it in.")},
        "attachment_type",
    )


def _check(
    *, name: str, handle: IO[bytes], size: int, max_bytes: int, accept: tuple[str, ...]
) -> Kind:
    check_size(name=name, size=size, max_bytes=max_bytes)
    suffix = _suffix(name)
    expected = next((code for code in accept if suffix in KINDS[code].suffixes), None)
    actual = sniff(handle, text="csv" in accept)
    spreadsheet = set(accept) <= set(SPREADSHEETS)
    if actual == "ole":
        raise _old_xls(name) if spreadsheet else _old_office(name)
    if expected is None:
        raise _wrong_name(name, accept)
    if actual == expected:
        return KINDS[expected]
    if expected == "xlsx" and spreadsheet:
        # The workbook's own messages: damaged, a zip that is not a workbook, not a workbook.
        from portal.spreadsheets import check_xlsx

        handle.seek(0)
        check_xlsx(handle.read(), name=name)
        handle.seek(0)
    if expected == "csv":
        raise _refuse(
            _(
                "%(name)s is not a plain-text CSV file (UTF-8 or GB18030): save the list as "
                "CSV or .xlsx and upload it again."
            )
            % {"name": name},
            "attachment_content",
        )
    raise _refuse(
        _("%(name)s is named as %(expected)s but its content is %(actual)s.")
        % {
            "name": name,
            "expected": KINDS[expected].label,
            "actual": KINDS[actual].label
            if actual in KINDS
            else _("not a document or image we accept"),
        },
        "attachment_content",
    )


def check_upload(
    *,
    name: str,
    handle: IO[bytes],
    size: int,
    max_bytes: int,
    accept: Iterable[str] = DOCUMENTS,
    field: str | None = None,
) -> Kind:
    """Refuse a file that is too big, empty, of a kind not accepted, or whose content is not what
    its name says; return the kind its content shows (its content type is what is stored and
    served). With `field`, the error is that form or API field's."""
    with on_field(field):
        return _check(
            name=name, handle=handle, size=size, max_bytes=max_bytes, accept=tuple(accept)
        )


@contextmanager
def on_field(field: str | None) -> Iterator[None]:
    """A file's ValidationError as the error of the form or API field it came in (the page shows
    it under the file input; the API answers {"errors": {field: [...]}})."""
    try:
        yield
    except ValidationError as error:
        if field is None or hasattr(error, "error_dict"):
            raise
        raised = ValidationError({field: error.error_list})
        if hasattr(error, "problems"):
            raised.problems = error.problems  # type: ignore[attr-defined]
        raise raised from error


def stored_name(kind: Kind | str) -> str:
    """A name the server makes up for a stored file: nothing of the uploaded name reaches the
    disk (the FileField's upload_to adds the directory)."""
    kind = KINDS[kind] if isinstance(kind, str) else kind
    return f"{uuid.uuid4().hex}{kind.suffix}"


def kind_of_stored(file) -> Kind | None:
    """The kind of a stored file, judged again by its content (for files stored without their
    content type)."""
    with file.open("rb") as handle:
        code = sniff(handle, text=True)
    return KINDS.get(code) if code else None


# Serving files back -------------------------------------------------------------------------


def ascii_name(name: str, *, default: str = "download") -> str:
    """A file name of letters, digits, dot, dash and underscore only: the plain `filename=`
    fallback of the Content-Disposition header."""
    path = PurePosixPath(name.replace("\\", "/")).name
    stem, dot, suffix = path.rpartition(".")
    if not dot:
        stem, suffix = path, ""

    def clean(text: str) -> str:
        folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        return re.sub(r"[^A-Za-z0-9._-]+", "-", folded).strip("-._")

    stem, suffix = clean(stem) or default, clean(suffix)[:10]
    return f"{stem[:100]}.{suffix}" if suffix else stem[:100]


def content_disposition(name: str) -> str:
    """`attachment` with an ASCII fallback name and the real name as RFC 5987/6266
    `filename*=UTF-8''…`: a quote, backslash, CR or LF in the uploaded name cannot end the
    header or start another."""
    real = re.sub(r"[\x00-\x1f\x7f]", "", PurePosixPath(name.replace("\\", "/")).name)
    header = f'attachment; filename="{ascii_name(real)}"'
    if real:
        header += f"; filename*=UTF-8''{quote(real, safe='')}"
    return header


def protect(response, *, name: str):
    """Download headers on any response carrying a file."""
    response["Content-Disposition"] = content_disposition(name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def file_response(handle: IO[bytes], *, name: str, content_type: str) -> FileResponse:
    """A stored or generated file, served as an attachment with the content type the portal
    determined (never the one the uploader's browser sent, never guessed from the name)."""
    response = FileResponse(handle, content_type=content_type or "application/octet-stream")
    return protect(response, name=name)
