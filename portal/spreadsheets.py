"""Checking an uploaded spreadsheet file before any parser reads it, reading it safely, and
writing workbooks that a spreadsheet program cannot be made to run and that people print and
keep (the last part of this module: title block, print setup, signature block, download name).

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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from portal import formats
from portal.problems import BLOCKING, WARNING, Problem
from portal.uploads import XLSX_TYPE, ascii_name
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
            _(
                "%(name)s could not be read as a workbook: part of the file is damaged. "
                "Save it again in Excel or WPS and upload it again."
            )
            % {"name": name}
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
                _(
                    "%(name)s could not be read as a workbook: part of the file is damaged. "
                    "Save it again in Excel or WPS and upload it again."
                )
                % {"name": name}
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
            _(
                "%(name)s could not be read as a workbook: part of the file is damaged. "
                "Save it again in Excel or WPS and upload it again."
            )
            % {"name": name}
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


# Writing workbooks people print and keep (issue 18) ---------------------------------------------
# Every workbook the portal writes for people opens the same way: a title block (表名, then 表号
# and 制表机关 where the form has them, then the header line: 填报单位, 报告期, 单位, 导出时间),
# the table's header row, the rows; it prints on A4 (landscape when the table is wide), one page
# wide, its header row on every page, "第 1 页，共 3 页" in the footer, and scrolls with the header
# frozen. Forms that are signed (statistics returns, the spending statement for the finance
# bureau) end with the signature line. Files other systems read (exchange files, the audit
# archive) keep their own prescribed layout.

DATE_FORMAT = 'yyyy"年"m"月"d"日"'
MOMENT_FORMAT = 'yyyy"年"m"月"d"日" hh:mm'
DATE_FORMAT_EN = "d mmmm yyyy"
MOMENT_FORMAT_EN = "d mmmm yyyy hh:mm"
MONEY_FORMAT = "#,##0.00"  # money, in the unit its column header names
FIGURE_FORMAT = "#,##0.00##"  # a figure typed to four decimals (万元 to the yuan) stays visible
COUNT_FORMAT = "#,##0"
SCORE_FORMAT = "0.00"
PERCENT_FORMAT = '0.0"%"'  # a figure already in per cent: 77.5 → 77.5%
A4 = "9"  # Worksheet.PAPERSIZE_A4
WIDE_COLUMNS = 8  # a table with more columns than this prints landscape …
WIDE_CHARACTERS = 120  # … and so does one whose columns add up to more characters than this

# The workbook's own font (openpyxl's default): a font without a name is drawn in the spreadsheet
# program's fallback, often a serif.
FONT = "Calibri"
TITLE_FONT = Font(name=FONT, bold=True, size=16)
BOLD = Font(name=FONT, bold=True, size=11)
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTRED = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center")
RIGHT = Alignment(horizontal="right", vertical="center")
WRAPPED = Alignment(horizontal="left", vertical="top", wrap_text=True)


def date_format() -> str:
    """The number format of a date cell: 2025年7月15日 (15 July 2025 in English)."""
    return DATE_FORMAT if formats.chinese() else DATE_FORMAT_EN


def moment_format() -> str:
    """The number format of a date-time cell: 2025年7月15日 10:00."""
    return MOMENT_FORMAT if formats.chinese() else MOMENT_FORMAT_EN


def _gap() -> str:
    """The space between the items of a header line: two ideographic spaces in Chinese."""
    return "\u3000\u3000" if formats.chinese() else "    "


@dataclass(frozen=True)
class Column:
    """A column of a table: its header (naming the unit, e.g. 批准金额（万元）), its width in
    characters, the number format of its cells, and whether it is hidden (a machine key an
    importer needs, which people need not see)."""

    header: str
    width: float
    number_format: str | None = None
    hidden: bool = False


@dataclass(frozen=True)
class Styled:
    """A cell's value with its look (for `write_row`)."""

    value: Any
    font: Font | None = None
    fill: PatternFill | None = None
    border: Border | None = None
    alignment: Alignment | None = None
    number_format: str | None = None
    unlocked: bool = False


@dataclass(frozen=True)
class Heading:
    """The title block above a table. `title` is the form's name (表名); the header line names who
    fills it in (填报单位: an organisation or a region), the period (报告期, as formats.period
    writes it), the unit of the whole table (单位: 万元, 件) when it has one, and when it was
    exported (导出时间). 表号 and 制表机关 are printed only where the form has them."""

    title: str
    filled_by: str = ""
    period: str = ""
    unit: str = ""
    exported_at: datetime | None = None
    form_number: str = ""
    authority: str = ""
    extra: tuple[tuple[str, str], ...] = ()  # further (label, value) items of the header line

    def corner(self) -> str:
        """表号：… 制表机关：…, printed at the right above the header line."""
        items = [(_("Form number"), self.form_number), (_("Form issued by"), self.authority)]
        return _gap().join(f"{label}{formats.colon()}{value}" for label, value in items if value)

    def line(self) -> str:
        items = [
            (_("Reporting unit"), self.filled_by),
            (_("Reporting period"), self.period),
            *self.extra,
            (_("Unit"), self.unit),
            (_("Exported at"), formats.moment(self.exported_at) if self.exported_at else ""),
        ]
        return _gap().join(f"{label}{formats.colon()}{value}" for label, value in items if value)

    @property
    def height(self) -> int:
        """How many rows the title block takes: the table's header row comes next."""
        return 1 + bool(self.corner()) + bool(self.line())


def _write_only(sheet) -> bool:
    return isinstance(sheet, WriteOnlyWorksheet)


def _styled_cell(cell, styled: Styled) -> None:
    for name in ("font", "fill", "border", "alignment", "number_format"):
        value = getattr(styled, name)
        if value is not None:
            setattr(cell, name, value)
    if styled.unlocked:
        cell.protection = Protection(locked=False)


def write_row(sheet, row: int, values: Sequence[Any]) -> None:
    """Write a row of values (plain, or `Styled`) at `row`, formula-safe. A write-only sheet
    takes its rows in order: `row` is then the next one."""
    if _write_only(sheet):
        cells = []
        for value in values:
            styled = value if isinstance(value, Styled) else Styled(value)
            cell = WriteOnlyCell(sheet, value=safe(styled.value))
            _styled_cell(cell, styled)
            cells.append(cell)
        sheet.append(cells)
        return
    for column, value in enumerate(values, start=1):
        styled = value if isinstance(value, Styled) else Styled(value)
        if styled == Styled(None):
            continue
        cell = sheet.cell(row=row, column=column, value=safe(styled.value))
        _styled_cell(cell, styled)


def merge(sheet, row: int, first: int, last: int) -> None:
    """Merge columns `first`…`last` of `row` (write-only sheets too)."""
    if last <= first:
        return
    area = f"{get_column_letter(first)}{row}:{get_column_letter(last)}{row}"
    if _write_only(sheet):
        sheet.merged_cells.add(CellRange(area))
    else:
        sheet.merge_cells(area)


def write_heading(sheet, heading: Heading, width: int) -> int:
    """The title block in the first rows, each merged across the table's `width`. Returns the
    number of the row after it (where the table's header row goes)."""
    row = 1
    sheet.row_dimensions[row].height = 30  # before the row: a write-only sheet writes it then
    write_row(sheet, row, [Styled(heading.title, font=TITLE_FONT, alignment=CENTRED)])
    merge(sheet, row, 1, width)
    for text, alignment in ((heading.corner(), RIGHT), (heading.line(), LEFT)):
        if text:
            row += 1
            write_row(sheet, row, [Styled(text, alignment=alignment)])
            merge(sheet, row, 1, width)
    return row + 1


def landscape(columns: Sequence[Column]) -> bool:
    shown = [column for column in columns if not column.hidden]
    return len(shown) > WIDE_COLUMNS or sum(c.width for c in shown) > WIDE_CHARACTERS


def print_setup(
    sheet, *, header: int, first_header: int | None = None, wide: bool = False, freeze: bool = True
) -> None:
    """A4, landscape when `wide`, one page wide however long, the header rows (`first_header`…
    `header`) on every page, page numbers in the footer, and the panes frozen under the header.
    On a write-only sheet, call it before its first row (the frozen panes are written then)."""
    setup = sheet.page_setup
    setup.paperSize = A4
    setup.orientation = "landscape" if wide else "portrait"
    setup.fitToWidth = 1
    setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins = PageMargins(left=0.5, right=0.5, top=0.6, bottom=0.8, footer=0.3)
    sheet.print_title_rows = f"{first_header or header}:{header}"
    footer = sheet.HeaderFooter.oddFooter.center
    footer.text = _("Page &P of &N")
    footer.size = 9
    if freeze:
        sheet.freeze_panes = f"A{header + 1}"


def header_cells(columns: Sequence[Column]) -> list[Styled]:
    return [
        Styled(column.header, font=BOLD, fill=HEADER_FILL, border=BORDER, alignment=CENTRED)
        for column in columns
    ]


def start_table(
    sheet, *, heading: Heading, columns: Sequence[Column], printed: int | None = None
) -> int:
    """Column widths, print setup, the title block and the header row of a table on an empty
    sheet (a write-only one too). `printed`: how many of the columns print (the rest, kept for
    an importer or as evidence, lie outside the print area the caller sets); the title block is
    centred over them. Returns the header row's number: the rows follow it."""
    for index, column in enumerate(columns, start=1):
        dimension = sheet.column_dimensions[get_column_letter(index)]
        dimension.width = column.width
        if column.hidden:
            dimension.hidden = True
    header = heading.height + 1
    shown = columns[:printed] if printed else columns
    print_setup(sheet, header=header, wide=landscape(shown))
    if write_heading(sheet, heading, len(shown)) != header:
        raise AssertionError("the title block is not as high as its heading says")
    sheet.row_dimensions[header].height = 32
    write_row(sheet, header, header_cells(columns))
    return header


def table_cells(values: Sequence[Any], columns: Sequence[Column]) -> list[Styled]:
    """A row of the table: bordered, each cell with its column's number format."""
    return [
        Styled(value, border=BORDER, number_format=column.number_format)
        for value, column in zip(values, columns, strict=True)
    ]


def write_table(sheet, *, heading: Heading, columns: Sequence[Column], rows) -> int:
    """A whole table on an empty sheet: `start_table`, then the rows. Returns the number of the
    last row written."""
    row = start_table(sheet, heading=heading, columns=columns)
    for values in rows:
        row += 1
        write_row(sheet, row, table_cells(values, columns))
    return row


def signature(sheet, row: int, width: int) -> int:
    """The signature line under a form (row `row`, merged across its width): 单位负责人：
    填表人： 联系电话： 报出日期：, with room to write. Returns its row."""
    blank = "\u3000" * 5
    labels = [_("Head of unit"), _("Filled in by"), _("Telephone"), _("Date reported")]
    text = _gap().join(f"{label}{formats.colon()}{blank}" for label in labels)
    sheet.row_dimensions[row].height = 24
    write_row(sheet, row, [Styled(text, alignment=LEFT, unlocked=True)])
    merge(sheet, row, 1, width)
    return row


def notes_sheet(workbook: Workbook, title: str, lines: Sequence[str], *, width: int = 100):
    """A sheet of explanations (填写说明, 说明): its title, then one line a row, printed like the
    tables (A4, page numbers)."""
    sheet = workbook.create_sheet(title[:31])
    sheet.column_dimensions["A"].width = width
    write_row(sheet, 1, [Styled(title, font=TITLE_FONT, alignment=LEFT)])
    for row, line in enumerate(lines, start=3):
        write_row(sheet, row, [Styled(line, alignment=WRAPPED)])
    print_setup(sheet, header=1, freeze=False)
    return sheet


# Serving a workbook ------------------------------------------------------------------------------

UNSAFE_IN_NAMES = re.compile(r'[\x00-\x1f\x7f\\/:*?"<>|]+')


def attachment_header(name: str, *, fallback: str) -> str:
    """Content-Disposition of a download named `name` (Chinese: 专利清单导入模板.xlsx) as RFC 6266
    and RFC 5987 write it (django.utils.http.content_disposition_header), with `fallback`, an
    ASCII name, for the few clients that read only `filename=`. Characters no file system takes
    (and no header may carry) become "-"."""
    real = UNSAFE_IN_NAMES.sub("-", name).strip(" .-") or fallback
    header = content_disposition_header(True, real)
    if "filename*=" not in header:
        return header  # an ASCII name is its own fallback
    return f'attachment; filename="{ascii_name(fallback)}"; {header.removeprefix("attachment; ")}'


def download(
    content: bytes | IO[bytes], *, name: str, fallback: str, content_type: str = XLSX_TYPE
) -> HttpResponse | FileResponse:
    """A workbook (bytes, or an open file streamed and closed with the response) as a download
    named `name`, with the ASCII `fallback` (see `attachment_header`)."""
    response: HttpResponse | FileResponse
    if isinstance(content, bytes | bytearray):
        response = HttpResponse(content, content_type=content_type)
    else:
        response = FileResponse(content, content_type=content_type)
    response["Content-Disposition"] = attachment_header(name, fallback=fallback)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def file_name(*parts: str, suffix: str = "xlsx") -> str:
    """A download's name from its parts, joined by "-": 专利池-2025年7月15日.xlsx."""
    return "-".join(part for part in parts if part) + f".{suffix}"
