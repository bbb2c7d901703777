"""Excel out of the patent pool (openpyxl): the import template, and the pool itself."""

from collections.abc import Iterable
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from patents import importers
from patents.models import INTENSIVE_INDUSTRIES, Patent
from portal import spreadsheets
from portal.spreadsheets import local_time, safe

WIDTHS = [18, 36, 12, 10, 12, 12, 20, 20, 40, 12, 24, 12, 14, 20]
EXAMPLE = [
    "202110182616.5", "一种富硒茶叶的低温萃取方法", "发明", "有效", "2021-02-19", "2023-06-02",
    "A23F3/16;A23F3/06", "张三；李四", "本发明公开了一种富硒茶叶的低温萃取方法……", "是",
    "陕西省重点研发计划（2020NY-123）", "否", "否", "",
]  # fmt: skip


def patent_template() -> bytes:
    """The patent list template: the headers the importer reads, drop-downs for the coded
    columns, and one example row (to overwrite)."""
    workbook = Workbook()
    sheet = spreadsheets.first_sheet(workbook)
    sheet.title = importers.SHEET
    sheet.append(importers.HEADERS)
    sheet.append(EXAMPLE)
    required = {header for _f, header, needed in importers.COLUMNS if needed}
    for column, (header, width) in enumerate(zip(importers.HEADERS, WIDTHS, strict=True), 1):
        cell = sheet.cell(row=1, column=column)
        cell.font = Font(bold=True, color="C00000" if header in required else "000000")
        cell.fill = PatternFill("solid", fgColor="DCE6F1")
        cell.alignment = Alignment(horizontal="center")
        sheet.column_dimensions[get_column_letter(column)].width = width
    for header, choices in (
        ("专利类型", "发明,实用新型,外观设计"),
        ("法律状态", "审中,有效,失效,届满,无效"),
        ("是否财政资助", "是,否"),
        ("是否已转化", "是,否"),
        ("是否有海外同族", "是,否"),
    ):
        letter = get_column_letter(importers.HEADERS.index(header) + 1)
        validation = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True)
        validation.add(f"{letter}2:{letter}100000")
        sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("填写说明")
    for line in (
        "红色表头为必填项；申请号可带ZL/CN前缀，校验位必须正确（如 202110182616.5）。",
        "日期写作 2021-03-05；IPC分类号多个时用分号分隔，主分类号在前。",
        "再次导入同一申请号将更新原记录，不会重复；已完成的盘点结果保留。",
    ):
        notes.append([line])
    notes.column_dimensions["A"].width = 90
    return spreadsheets.save(workbook)


# The pool ------------------------------------------------------------------------------------

POOL_SHEET = "专利池"
# (header, width); the rows come in this order from patents.selectors.EXPORT_FIELDS.
POOL_COLUMNS = [
    ("申请号", 18), ("名称", 40), ("类型", 10), ("法律状态", 10), ("专利权人", 30), ("IPC", 22),
    ("申请日", 12), ("授权日", 12), ("是否财政资助", 12), ("是否已转化", 12), ("盘点时间", 18),
    ("分级", 16), ("产业领域", 24), ("备注", 40),
]  # fmt: skip
# Chinese labels whatever the language of the request: the workbook is exchanged as it is.
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


def _text(value: str) -> str | None:
    """Free text as a cell: no control character openpyxl would refuse, never a formula."""
    if not value:
        return None
    return safe(ILLEGAL_CHARACTERS_RE.sub("", value))


def pool_workbook(rows: Iterable[tuple], handle: IO[bytes]) -> int:
    """Write the pool (rows of patents.selectors.EXPORT_FIELDS) to `handle` as .xlsx, in
    openpyxl's write-only mode so 100,000 rows stream through a bounded amount of memory.
    Coded values become their Chinese labels, dates stay dates. Returns the number of rows."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(POOL_SHEET)
    for index, (_header, width) in enumerate(POOL_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    header = []
    for title, _width in POOL_COLUMNS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="DCE6F1")
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in rows:
        sheet.append(pool_cells(row))
        count += 1
    workbook.save(handle)
    return count


def pool_cells(row: tuple) -> list:
    """One patent's cells, from a row of patents.selectors.EXPORT_FIELDS."""
    (
        number, title, kind, status, owner, ipc, filed_on, granted_on, state_funded, converted,
        screened_at, tier, industry, note,
    ) = row  # fmt: skip
    return [
        _text(number),
        _text(title),
        KIND_NAMES.get(kind, kind),
        STATUS_NAMES.get(status, status),
        _text(owner),
        _text(ipc),
        filed_on,
        granted_on,
        "是" if state_funded else "否",
        "是" if converted else "否",
        local_time(screened_at),
        TIER_NAMES.get(tier, tier) or None,
        INDUSTRY_NAMES.get(industry, industry) or None,
        _text(note),
    ]
