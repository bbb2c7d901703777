"""Checking an uploaded spreadsheet file before any parser reads it, reading it safely, and
writing exports that a spreadsheet program cannot be made to run.

A refused file gets a message that names it and says what to do: too large, empty, an old .xls,
not a workbook at all, damaged, or an archive that would inflate past a safe size. An .xlsx is a
zip of XML files, so before openpyxl opens one (GB/T 22239-2019 input checks):

- the number of entries is capped (XLSX_MAX_ENTRIES) and so is the total size the entries declare
  once inflated; Python's zipfile never inflates an entry past its declared size (it stops and
  fails the CRC check), so the declared total is a real bound. An entry inflating more than
  MAX_RATIO times its compressed size is refused as a zip bomb;
- no XML part may carry a document type declaration (<!DOCTYPE or <!ENTITY: external entities,
  "billion laughs"): workbooks never need one. openpyxl also parses through defusedxml, which
  portal/checks.py asserts at start-up;
- a read-only worksheet's <dimension> tag is ignored (`reset_dimensions`): a lying
  <dimension ref="A1:B2"> would otherwise hide every row below it;
- a cell holding a formula is flagged at its cell: the value the spreadsheet program last computed
  is read with a warning, and a formula with no computed value is an error (`formula_problem`),
  the same rule in every import.
"""

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from portal.problems import BLOCKING, WARNING, Problem
from portal.uploads import check_size as _check_size

MAX_UNCOMPRESSED = 200 * 1024 * 1024
# Sheet XML compresses 5-20 times; an entry inflating more than this is a zip bomb. Small entries
# (below MIN_RATIO_SIZE once inflated) cannot hurt whatever their ratio.
MAX_RATIO = 100
MIN_RATIO_SIZE = 1024 * 1024
DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")


def _refuse(message: str) -> ValidationError:
    return ValidationError(message, code="workbook")


def check_size(*, name: str, size: int, max_bytes: int) -> None:
    _check_size(name=name, size=size, max_bytes=max_bytes)


def _source(data: bytes | IO[bytes]) -> IO[bytes]:
    """A workbook's bytes, or an open file, as a file at its start (a file is read where it is:
    a list of 100,000 rows is never copied into memory)."""
    if isinstance(data, bytes | bytearray):
        return io.BytesIO(data)
    data.seek(0)
    return data


def check_xlsx(
    data: bytes | IO[bytes], *, name: str, max_uncompressed: int = MAX_UNCOMPRESSED
) -> None:
    """Refuse bytes (or a file) that are not a readable .xlsx workbook, or that would be unsafe
    to open."""
    head = _source(data).read(8)
    if not head.startswith(b"PK\x03\x04"):
        hint = (
            _("It is an old .xls workbook: save it as .xlsx (Excel workbook) and upload again.")
            if head.startswith(b"\xd0\xcf\x11\xe0")
            else _("Download the template and fill it in.")
        )
        raise _refuse(
            _("%(name)s is not an Excel .xlsx workbook. %(hint)s") % {"name": name, "hint": hint}
        )
    try:
        with zipfile.ZipFile(_source(data)) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            _check_archive(archive, infos, name=name, max_uncompressed=max_uncompressed)
    except zipfile.BadZipFile as error:
        raise _refuse(
            _("%(name)s is damaged and cannot be opened as a workbook.") % {"name": name}
        ) from error
    if "xl/workbook.xml" not in names:
        raise _refuse(_("%(name)s is a zip archive, not an Excel .xlsx workbook.") % {"name": name})


def _check_archive(archive, infos, *, name: str, max_uncompressed: int) -> None:
    limit = settings.XLSX_MAX_ENTRIES
    if len(infos) > limit:
        raise _refuse(
            _("%(name)s holds %(count)d parts; a workbook may hold at most %(limit)d: refused.")
            % {"name": name, "count": len(infos), "limit": limit}
        )
    if sum(info.file_size for info in infos) > max_uncompressed:
        raise _refuse(
            _("%(name)s unpacks to more than %(limit)d MB: refused.")
            % {"name": name, "limit": max_uncompressed // 1_048_576}
        )
    for info in infos:
        if info.file_size >= MIN_RATIO_SIZE and (
            info.file_size > MAX_RATIO * max(info.compress_size, 1)
        ):
            raise _refuse(
                _("%(name)s holds a part that unpacks %(ratio)d times its size (a zip bomb): "
                  "refused.")
                % {"name": name, "ratio": info.file_size // max(info.compress_size, 1)}
            )  # fmt: skip
    for info in infos:
        if info.filename.lower().endswith((".xml", ".rels", ".vml")):
            with archive.open(info) as part:
                head = part.read(4096)  # a DTD can only come before the root element
            if DTD.search(head):
                raise _refuse(
                    _("%(name)s holds an XML document type declaration (%(part)s), which "
                      "workbooks never need: refused.")
                    % {"name": name, "part": info.filename}
                )  # fmt: skip


def _sheet_parts(data: bytes | IO[bytes]) -> Iterator[bytes]:
    """The XML of every worksheet, in chunks (one worksheet at a time, never all in memory)."""
    with zipfile.ZipFile(_source(data)) as archive:
        for info in archive.infolist():
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                with archive.open(info) as part:
                    tail = b""
                    while chunk := part.read(1 << 20):
                        yield tail + chunk
                        tail = chunk[-64:]


def has_formulas(data: bytes | IO[bytes]) -> bool:
    """Whether any worksheet holds a formula (<f> element): the cheap test that spares the second
    reading of a workbook without formulas, which is nearly every one."""
    return any(FORMULA_TAG.search(chunk) for chunk in _sheet_parts(data))


def open_workbook(
    data: bytes | IO[bytes], *, name: str, read_only: bool = True, data_only: bool = True
):
    """openpyxl's workbook, or a clear refusal. Read-only worksheets have their dimensions reset:
    a lying <dimension> tag cannot hide rows."""
    try:
        workbook = load_workbook(_source(data), read_only=read_only, data_only=data_only)
    except Exception as error:  # openpyxl raises many kinds for a malformed file
        raise _refuse(
            _("%(name)s could not be read as a workbook (%(error)s).")
            % {"name": name, "error": type(error).__name__}
        ) from error
    if read_only:
        for sheet in workbook.worksheets:
            sheet.reset_dimensions()
    return workbook


@dataclass
class SheetRows:
    """A worksheet as rows of values (a formula's cached value), and where the formulas are."""

    title: str
    rows: Iterator[list[Any]]
    formulas: dict[str, str] = field(default_factory=dict)  # coordinate → formula


def read_sheet(data: bytes | IO[bytes], *, name: str, sheet_name: str = "") -> SheetRows:
    """The named worksheet (or the first) of a checked .xlsx, streamed in read-only mode. A file
    given must stay open while the rows are read."""
    workbook = open_workbook(data, name=name)
    sheet = workbook[sheet_name] if sheet_name in workbook.sheetnames else workbook.worksheets[0]
    title = sheet.title
    formulas = sheet_formulas(data, name=name, title=title)

    def rows() -> Iterator[list[Any]]:
        try:
            for row in sheet.iter_rows(values_only=True):
                yield list(row)
        except Exception as error:  # the sheet XML is parsed only now, row by row
            raise _refuse(
                _("%(name)s could not be read as a workbook (%(error)s).")
                % {"name": name, "error": type(error).__name__}
            ) from error
        finally:
            workbook.close()

    return SheetRows(title=title, rows=rows(), formulas=formulas)


def sheet_formulas(data: bytes | IO[bytes], *, name: str, title: str) -> dict[str, str]:
    """Where the named worksheet holds formulas (coordinate → formula): {} without reading the
    workbook again when no worksheet holds one, which is nearly every upload."""
    return _formulas(data, name=name, title=title) if has_formulas(data) else {}


def _formulas(data: bytes | IO[bytes], *, name: str, title: str) -> dict[str, str]:
    workbook = open_workbook(data, name=name, data_only=False)
    try:
        return {
            cell.coordinate: str(cell.value)
            for row in workbook[title].iter_rows()
            for cell in row
            if getattr(cell, "data_type", None) == "f"
        }
    except Exception as error:
        raise _refuse(
            _("%(name)s could not be read as a workbook (%(error)s).")
            % {"name": name, "error": type(error).__name__}
        ) from error
    finally:
        workbook.close()


def formula_problem(
    *, coordinate: str, formula: str, value: Any, sheet: str = "", what: str = ""
) -> Problem:
    """A formula in an imported cell: a warning when the spreadsheet program computed its value
    (that value is read; check it), an error when it did not (nothing to read)."""
    subject = what or coordinate
    if value is None or value == "":
        return Problem(
            _("%(what)s is a formula with no computed value: open and save the file in Excel or "
              "WPS, or type the value.") % {"what": subject},
            sheet=sheet, cell=coordinate, importance=BLOCKING,
        )  # fmt: skip
    return Problem(
        _("%(what)s is a formula (%(formula)s); the value it showed when the file was saved, "
          "%(value)s, is read: check it.")
        % {"what": subject, "formula": formula[:60], "value": value},
        sheet=sheet, cell=coordinate, importance=WARNING,
    )  # fmt: skip


def row_formula_problems(
    formulas: dict[str, str], *, number: int, values: list[Any], sheet: str = ""
) -> list[Problem]:
    """The formula problems of one row of values (row `number` of the sheet)."""
    if not formulas:
        return []
    found = []
    for index, value in enumerate(values):
        coordinate = f"{get_column_letter(index + 1)}{number}"
        if coordinate in formulas:
            found.append(
                formula_problem(
                    coordinate=coordinate, formula=formulas[coordinate], value=value, sheet=sheet
                )
            )
    return found


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe(value):
    """Text that a spreadsheet would run as a formula is written as plain text (CSV and formula
    injection): a leading apostrophe keeps it a string."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def local_time(value: datetime | None) -> datetime | None:
    """A time for an Excel cell: the local wall-clock time the pages show (cells hold no time
    zone; openpyxl refuses aware datetimes)."""
    return None if value is None else timezone.localtime(value).replace(tzinfo=None)


def csv_cell(value: Any) -> str:
    """A value as a CSV cell, formula-safe: text that would run is neutralised; numbers stay
    numbers (a negative amount is not a formula)."""
    if value is None:
        return ""
    return safe(value) if isinstance(value, str) else str(value)


def neutralise(workbook) -> None:
    """Every text cell of a (not write-only) workbook formula-safe, whatever the exporter put in
    it: the last step before saving, so a cell no exporter thought of (a footer, a label) is
    covered too. Exports never write formulas on purpose."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, str) and value[:1] in FORMULA_STARTS:
                    cell.value = safe(value)
                    cell.data_type = "s"


def first_sheet(workbook: Workbook) -> Worksheet:
    """The one worksheet a new `Workbook()` starts with (openpyxl types `active` as maybe none, or
    a chart sheet)."""
    return cast(Worksheet, workbook.active)


def save(workbook) -> bytes:
    """A workbook's bytes, neutralised first (see `neutralise`)."""
    if not getattr(workbook, "write_only", False):
        neutralise(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
