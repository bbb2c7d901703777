"""Checking an uploaded spreadsheet file before any parser reads it.

A refused file gets a message that names it and says what to do: too large, empty, an old .xls,
not a workbook at all, damaged, or an archive that would inflate past a safe size (a zip bomb
would otherwise exhaust the web process's memory inside openpyxl).
"""

import io
import zipfile

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_UNCOMPRESSED = 200 * 1024 * 1024


def _refuse(message: str) -> ValidationError:
    return ValidationError(message, code="workbook")


def check_size(*, name: str, size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise _refuse(
            _("%(name)s is %(size).1f MB; the file may be at most %(limit)d MB.")
            % {"name": name, "size": size / 1_048_576, "limit": max_bytes // 1_048_576}
        )
    if size == 0:
        raise _refuse(_("%(name)s is empty.") % {"name": name})


def check_xlsx(data: bytes, *, name: str, max_uncompressed: int = MAX_UNCOMPRESSED) -> None:
    """Refuse bytes that are not a readable .xlsx workbook."""
    if not data.startswith(b"PK\x03\x04"):
        hint = (
            _("It is an old .xls workbook: save it as .xlsx (Excel workbook) and upload again.")
            if data.startswith(b"\xd0\xcf\x11\xe0")
            else _("Download the template and fill it in.")
        )
        raise _refuse(
            _("%(name)s is not an Excel .xlsx workbook. %(hint)s") % {"name": name, "hint": hint}
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            inflated = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as error:
        raise _refuse(
            _("%(name)s is damaged and cannot be opened as a workbook.") % {"name": name}
        ) from error
    if "xl/workbook.xml" not in names:
        raise _refuse(_("%(name)s is a zip archive, not an Excel .xlsx workbook.") % {"name": name})
    if inflated > max_uncompressed:
        raise _refuse(
            _("%(name)s unpacks to more than %(limit)d MB: refused.")
            % {"name": name, "limit": max_uncompressed // 1_048_576}
        )


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe(value):
    """Text that a spreadsheet would run as a formula is written as plain text (CSV and formula
    injection): a leading apostrophe keeps it a string."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value
