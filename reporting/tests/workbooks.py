"""Filling return workbooks as a person would in Excel, for tests."""

import io
from decimal import Decimal

from openpyxl import load_workbook

from reporting import layout
from reporting.models import ReturnForm

# A complete, valid set of figures for a quarter of Ankang, consistent with the demo data's
# 2025Q1 (stock figures not below it).
FIGURES = {
    "VALID_INVENTION": 352,
    "HIGH_VALUE_INVENTION": 90,
    "VALID_TRADEMARK": 28_900,
    "TRANSFER_COUNT": 12,
    "TRANSFER_AMOUNT": "356.5",
    "OPEN_LICENCE_DEALS": 3,
    "PLEDGE_COUNT": 2,
    "PLEDGE_AMOUNT": 800,
    "CONTRACT_COUNT": 9,
    "CONTRACT_AMOUNT": "1250.75",
    "PRODUCT_FILINGS": 4,
    "PRODUCT_OUTPUT": 52_000,
    "PATENT_ENTERPRISES": 620,
    "FILED_ENTERPRISES": 420,
    "NEW_SPECIALISED": 3,
    "NEW_LITTLE_GIANT": 1,
    "INDUSTRIALISED_ENTERPRISES": 4,
    "ADVANTAGE_GIANTS": 1,
    "UNCONVERTED_VALID": 145,
    "INVENTORIED": 110,
    "NAVIGATION_PROJECTS": 1,
    "TRAININGS": 5,
}


def all_figures(form: ReturnForm, **changes) -> dict:
    figures = {code: FIGURES[code] for code in form.elements.values_list("code", flat=True)}
    figures.update(changes)
    return figures


def fill(template: bytes, values: dict, comments: dict | None = None, *, rows: dict | None = None):
    """Type `values` (code → number or text) into the input column of the template, and
    `comments` into the comment column; `rows` overrides whole cells by reference ("B9": "X")."""
    workbook = load_workbook(io.BytesIO(template))
    sheet = workbook[layout.SHEET]
    header_row = next(
        row[0].row for row in sheet.iter_rows(max_row=20) if row[1].value == layout.COL_CODE
    )
    code_col = layout.HEADERS.index(layout.COL_CODE) + 1
    value_col = layout.HEADERS.index(layout.COL_VALUE) + 1
    comment_col = layout.HEADERS.index(layout.COL_COMMENT) + 1
    comments = comments or {}
    for row in range(header_row + 1, sheet.max_row + 1):
        code = sheet.cell(row=row, column=code_col).value
        if code in values:
            value = values[code]
            sheet.cell(row=row, column=value_col).value = (
                float(value) if isinstance(value, Decimal) else value
            )
        if code in comments:
            sheet.cell(row=row, column=comment_col).value = comments[code]
    for ref, value in (rows or {}).items():
        sheet[ref] = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def cell_of(template: bytes, code: str, column: str = layout.COL_VALUE) -> str:
    """The reference ("F8") of `code`'s cell in `column`."""
    workbook = load_workbook(io.BytesIO(template))
    sheet = workbook[layout.SHEET]
    col = layout.HEADERS.index(column) + 1
    for row in sheet.iter_rows():
        if row[1].value == code:
            return sheet.cell(row=row[0].row, column=col).coordinate
    raise KeyError(code)
