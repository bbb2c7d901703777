"""Every Excel and CSV export neutralises text a spreadsheet would run (= + - @ tab CR): a
malicious value stored in a text field comes out as plain text (a leading apostrophe), never as a
formula. One case per export endpoint of the portal (set up in export_paths.py); each goes
through portal.spreadsheets (`safe` per cell, `csv_cell`, and `save` neutralising the whole
workbook before it is written).
"""

import csv
import io

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from portal import spreadsheets
from portal.tests.export_paths import EXPORTS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_and_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):
        yield


def cells_of(response) -> list[str]:
    """Every text cell of the file an export answered with."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response["Content-Type"].startswith("text/csv"):
        text = content.decode("utf-8-sig")
        return [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    book = load_workbook(io.BytesIO(content))  # formulas as written, not computed values
    return [
        cell.value
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str)
    ]


@pytest.mark.parametrize(("export", "setup"), EXPORTS, ids=[e[0] for e in EXPORTS])
def test_every_export_writes_a_formula_as_plain_text(
    client, django_capture_on_commit_callbacks, export, setup
):
    response = setup(client, django_capture_on_commit_callbacks)
    assert response.status_code == 200, export
    assert response["Content-Disposition"].startswith("attachment; filename=")
    cells = cells_of(response)
    assert not [c for c in cells if c.lstrip().startswith("=HYPERLINK")], export
    assert [c for c in cells if c.startswith("'=HYPERLINK")], export


def test_the_patent_template_holds_no_formula():
    """The one export with no stored text: the template's fixed headers and example row."""
    from patents import exporters

    book = load_workbook(io.BytesIO(exporters.patent_template()))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in row)


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_each_formula_start_is_neutralised(start):
    value = f"{start}1+1"
    assert spreadsheets.safe(value) == f"'{value}"
    assert spreadsheets.csv_cell(value) == f"'{value}"
    book = Workbook()
    book.active["A1"] = value  # openpyxl would store "=1+1" as a formula
    book.active.cell(row=2, column=1, value=f"note {value}")
    saved = load_workbook(io.BytesIO(spreadsheets.save(book)))
    assert saved.active["A1"].value in {f"'{value}", f"'{value}".replace("\r", "\n")}
    assert saved.active["A1"].data_type == "s"
    assert saved.active["A2"].value.startswith("note ")  # text inside a cell stays as it is
    assert spreadsheets.csv_cell(-5) == "-5"  # a negative number is not a formula
