"""Excel out of the patent pool: the import template (openpyxl)."""

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from patents import importers

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
    sheet = workbook.active
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
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
