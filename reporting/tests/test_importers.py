"""Reading a return workbook in one streamed pass (openpyxl's read-only mode).

A sheet's rows are parsed as they are read and dropped once read: what a workbook carries below
its table (rows Excel keeps formatted but empty, to the bottom of a sheet) costs no memory, and a
sheet damaged further down is refused with the same clear message as one damaged at the top.
"""

import gc
import io
import re
import tracemalloc
import zipfile

import pytest
from django.core.exceptions import ValidationError
from openpyxl import load_workbook
from openpyxl.styles import Border, Side

from reporting import importers, layout, selectors
from reporting.tests.helpers import template_for
from reporting.tests.workbooks import all_figures, fill

pytestmark = pytest.mark.django_db

EMPTY_ROWS = 5000


def read(ret, content: bytes):
    return importers.read_return(
        io.BytesIO(content),
        name="return.xlsx",
        size=len(content),
        max_bytes=10 * 1024 * 1024,
        elements=selectors.form_elements(ret.form),
    )


def peak(call) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        call()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def with_formatted_rows(content: bytes, count: int) -> bytes:
    """The workbook with `count` rows below its table formatted (borders) but left empty."""
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook[layout.SHEET]
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    first = sheet.max_row + 1
    for row in sheet.iter_rows(min_row=first, max_row=first + count - 1, max_col=7):
        for cell in row:
            cell.border = border
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_formatted_empty_rows_below_the_table_cost_no_memory(ankang, ret):
    filled = fill(template_for(ret), all_figures(ret.form))
    padded = with_formatted_rows(filled, EMPTY_ROWS)
    plain = read(ret, filled)
    long = read(ret, padded)
    assert long.entries == plain.entries and long.problems == plain.problems
    # 35,000 more cells: holding the sheet (as reading it whole did) took 24 MB more; streamed,
    # what remains is openpyxl's parser state and the scan for formulas (at most a chunk).
    grown = peak(lambda: read(ret, padded)) - peak(lambda: read(ret, filled))
    assert grown < 6_000_000, f"reading {EMPTY_ROWS} empty rows took {grown:,} more bytes"


def test_a_sheet_damaged_below_its_table_is_refused_clearly(ankang, ret):
    filled = fill(template_for(ret), all_figures(ret.form))
    damaged = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(filled)) as source, zipfile.ZipFile(damaged, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                # Cut inside row 20, well below the header: the XML breaks mid-table.
                cut = re.search(rb'<row r="20"', data).start()
                data = data[: cut + 30]
            target.writestr(info, data)
    with pytest.raises(ValidationError, match="could not be read as a workbook"):
        read(ret, damaged.getvalue())
