"""Excel out of the patent pool (openpyxl): the import template, and the pool itself.

Both carry the importer's headers (patents/importers.py finds its header row by 申请号, under the
title block), so an exported pool can be corrected and imported again unchanged: every column
of the template is exported, then the pool's own (专利权人, 盘点时间, 分级, 产业领域, 盘点备注),
which the importer does not read. Coded values are written as the importer reads them (发明, 有效,
是/否) in every language; dates are date cells.
"""

from collections.abc import Iterable
from datetime import date
from typing import IO

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from patents import importers
from patents.models import INTENSIVE_INDUSTRIES, Patent
from portal import formats, spreadsheets
from portal.spreadsheets import Column, Heading, local_time, safe

WIDTHS = [16, 30, 10, 10, 15, 15, 18, 14, 36, 8, 20, 8, 10, 14]
EXAMPLE = [
    "202110182616.5", "一种富硒茶叶的低温萃取方法", "发明", "有效", date(2021, 2, 19),
    date(2023, 6, 2), "A23F3/16;A23F3/06", "张三；李四", "本发明公开了一种富硒茶叶的低温萃取方法……",
    "是", "陕西省重点研发计划（2020NY-123）", "否", "否", None,
]  # fmt: skip
DATES = {"申请日", "授权日"}
CHOICES = (
    ("专利类型", "发明,实用新型,外观设计"),
    ("法律状态", "审中,有效,失效,届满,无效"),
    ("是否财政资助", "是,否"),
    ("是否已转化", "是,否"),
    ("是否有海外同族", "是,否"),
)


def _title() -> str:
    return _("Stock patent list")


def patent_template(*, organisation: str = "") -> bytes:
    """The patent list template: its title block (for `organisation`, the university filling it
    in), the headers the importer reads (required ones in red), drop-downs for the coded
    columns, one example row (to overwrite), and the filling notes."""
    workbook = Workbook()
    sheet = spreadsheets.first_sheet(workbook)
    sheet.title = importers.SHEET
    required = {header for _f, header, needed in importers.COLUMNS if needed}
    columns = [
        Column(header, width, spreadsheets.date_format() if header in DATES else None)
        for header, width in zip(importers.HEADERS, WIDTHS, strict=True)
    ]
    heading = Heading(title=_title(), filled_by=organisation)
    header = spreadsheets.start_table(sheet, heading=heading, columns=columns)
    for index, title in enumerate(importers.HEADERS, start=1):
        sheet.cell(row=header, column=index).font = Font(
            name=spreadsheets.FONT, bold=True, color="C00000" if title in required else "000000"
        )
    spreadsheets.write_row(sheet, header + 1, spreadsheets.table_cells(EXAMPLE, columns))
    for title, choices in CHOICES:
        letter = get_column_letter(importers.HEADERS.index(title) + 1)
        validation = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True)
        validation.add(f"{letter}{header + 1}:{letter}100000")
        sheet.add_data_validation(validation)
    spreadsheets.notes_sheet(
        workbook,
        _("Filling notes"),
        [
            _("Red headers must be filled in. An application number may carry the ZL or CN "
              "prefix; its check digit must be right (e.g. 202110182616.5)."),
            _("Filing and grant dates: type a date (e.g. 5 March 2021); several IPC classes "
              "separated by semicolons, the main class first."),
            _("Importing an application number again updates its record, never duplicates it; "
              "the inventory results already recorded are kept."),
            _("A list exported from the pool can be corrected and imported again; its owner and "
              "inventory columns are not read."),
        ],
    )  # fmt: skip
    return spreadsheets.save(workbook)


def template_file_names() -> tuple[str, str]:
    """(name, ASCII fallback): 专利清单导入模板.xlsx."""
    return spreadsheets.file_name(_("Patent list import template")), "patent-list-template.xlsx"


# The pool ------------------------------------------------------------------------------------

POOL_SHEET = importers.SHEET  # as the template's: the exported list imports again
# (header, width); the rows come in this order from patents.selectors.EXPORT_FIELDS.
POOL_COLUMNS = [
    ("申请号", 15), ("专利名称", 26), ("专利类型", 8), ("法律状态", 7), ("申请日", 14),
    ("授权日", 14), ("IPC分类号", 14), ("是否财政资助", 6), ("是否已转化", 6), ("专利权人", 20),
    ("盘点时间", 17), ("分级", 13), ("产业领域", 16), ("盘点备注", 18),
    # Kept for importing again, not printed:
    ("发明人", 14), ("资助项目", 18), ("是否有海外同族", 8), ("获奖情况", 12), ("摘要", 40),
]  # fmt: skip
FILED, GRANTED, SCREENED = 4, 5, 10  # the date cells' positions
PRINTED = 14  # 申请号 … 盘点备注
# Chinese labels whatever the language of the request: they are what the importer reads.
KIND_NAMES = {
    Patent.Kind.INVENTION: "发明",
    Patent.Kind.UTILITY_MODEL: "实用新型",
    Patent.Kind.DESIGN: "外观设计",
}
STATUS_NAMES = {
    Patent.Status.PENDING: "审中",
    Patent.Status.VALID: "有效",
    Patent.Status.LAPSED: "失效",
    Patent.Status.EXPIRED: "届满",
    Patent.Status.INVALIDATED: "无效",
}
TIER_NAMES = {
    Patent.Tier.A: "A · 市场潜力高",
    Patent.Tier.B: "B · 市场潜力中",
    Patent.Tier.C: "C · 市场潜力低",
}
INDUSTRY_NAMES = dict(INTENSIVE_INDUSTRIES)


def _yes_no() -> tuple[str, str]:
    """是 and 否, whatever the language of the request: the importer's words."""
    with translation.override("zh-hans"):
        return formats.yes_no(True), formats.yes_no(False)


def _text(value: str) -> str | None:
    """Free text as a cell: no control character openpyxl would refuse, never a formula."""
    if not value:
        return None
    return safe(ILLEGAL_CHARACTERS_RE.sub("", value))


def pool_workbook(rows: Iterable[tuple], handle: IO[bytes], *, organisation: str = "") -> int:
    """Write the pool (rows of patents.selectors.EXPORT_FIELDS) to `handle` as .xlsx, in
    openpyxl's write-only mode so 100,000 rows stream through a bounded amount of memory: the
    title block (for `organisation`, when one university exports its own pool), the template's
    headers, coded values as their Chinese labels, dates as date cells. Returns the number of
    rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(POOL_SHEET)
    columns = [Column(header, width) for header, width in POOL_COLUMNS]
    heading = Heading(title=_title(), filled_by=organisation, exported_at=timezone.now())
    header = spreadsheets.start_table(sheet, heading=heading, columns=columns, printed=PRINTED)
    day, moment = spreadsheets.date_format(), spreadsheets.moment_format()
    yes_no = _yes_no()
    count = 0
    for row in rows:
        cells = pool_cells(row, yes_no=yes_no)
        for index, number_format in ((FILED, day), (GRANTED, day), (SCREENED, moment)):
            if cells[index] is not None:
                cell = WriteOnlyCell(sheet, value=cells[index])
                cell.number_format = number_format
                cells[index] = cell
        sheet.append(cells)
        count += 1
    sheet.print_area = f"A1:{get_column_letter(PRINTED)}{header + max(count, 1)}"
    workbook.save(handle)
    return count


def pool_cells(row: tuple, *, yes_no: tuple[str, str] | None = None) -> list:
    """One patent's cells, from a row of patents.selectors.EXPORT_FIELDS."""
    yes, no = yes_no or _yes_no()
    (
        number, title, kind, status, filed_on, granted_on, ipc, state_funded, converted, owner,
        screened_at, tier, industry, note, inventors, funding_project, foreign_family, award,
        abstract,
    ) = row  # fmt: skip
    return [
        _text(number),
        _text(title),
        KIND_NAMES.get(kind, kind),
        STATUS_NAMES.get(status, status),
        filed_on,
        granted_on,
        _text(ipc),
        yes if state_funded else no,
        yes if converted else no,
        _text(owner),
        local_time(screened_at),
        TIER_NAMES.get(tier, tier) or None,
        INDUSTRY_NAMES.get(industry, industry) or None,
        _text(note),
        _text(inventors),
        _text(funding_project),
        yes if foreign_family else no,
        _text(award),
        _text(abstract),
    ]


def pool_file_names(organisation: str = "") -> tuple[str, str]:
    """(name, ASCII fallback): 陕西示范理工大学专利池-2025年7月15日.xlsx."""
    today = timezone.localdate()
    name = (
        _("%(organisation)s patent pool") % {"organisation": organisation}
        if organisation
        else _("Patent pool")
    )
    return (
        spreadsheets.file_name(name.strip(), formats.day(today)),
        f"patent-pool-{today:%Y%m%d}.xlsx",
    )
