""".xlsx checked before it is opened (portal/spreadsheets.py): zip entries, inflated size and
ratio (zip bombs), no XML document type declarations (XXE, billion laughs) with defusedxml
asserted at start-up, every row read whatever the <dimension> tag says, and formulas flagged at
their cell in every import."""

import io
import re

import openpyxl.xml
import pytest
from django.core import checks
from django.core.exceptions import ValidationError
from django.utils import translation
from openpyxl import Workbook

from exchange import files as exchange_files
from exchange.models import Mapping
from exchange.tests.helpers import published
from patents import importers as patent_importers
from patents.tests.helpers import HEADER, good_row
from portal import checks as portal_checks
from portal import spreadsheets
from portal.factories import credit_code
from portal.tests.helpers import SHEET, rewrite, with_formulas

MB = 1_048_576


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def workbook(rows: list[list], title: str = "专利清单") -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read_patents(data: bytes, name: str = "清单.xlsx"):
    return patent_importers.read_patents(
        io.BytesIO(data), name=name, size=len(data), max_bytes=10 * MB
    )


# defusedxml, asserted -------------------------------------------------------------------------


def test_openpyxl_parses_through_defusedxml_and_startup_says_so_if_not(monkeypatch):
    assert openpyxl.xml.DEFUSEDXML is True
    assert portal_checks.defused_xml() == []
    assert "portal.E001" not in {m.id for m in checks.run_checks()}

    monkeypatch.setattr(openpyxl.xml, "DEFUSEDXML", False)
    found = checks.run_checks(tags=[checks.Tags.security])
    errors = [m for m in found if m.id == "portal.E001"]
    assert errors and errors[0].level == checks.ERROR


XXE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file://%s">]>\n'
)
LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
    b'<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>\n'
)


def hostile(tmp_path, prolog: bytes, entity: bytes) -> bytes:
    """A workbook whose sheet declares entities and uses one in cell A2."""
    data = workbook([HEADER, ["占位", "x"]])

    def change(xml: bytes) -> bytes:
        xml = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", xml)
        return prolog + xml.replace(b"<t>\xe5\x8d\xa0\xe4\xbd\x8d</t>", b"<t>" + entity + b"</t>")

    return rewrite(data, SHEET, change)


@pytest.mark.parametrize("attack", ["xxe", "billion-laughs"])
def test_an_entity_declaring_workbook_is_refused_and_harmless_even_if_opened(tmp_path, attack):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    if attack == "xxe":
        data = hostile(tmp_path, XXE % str(secret).encode(), b"&xxe;")
    else:
        data = hostile(tmp_path, LAUGHS, b"&lol4;")

    with pytest.raises(ValidationError) as refused:
        read_patents(data, name="hostile.xlsx")
    assert "document type declaration" in refused.value.messages[0]
    assert "hostile.xlsx" in refused.value.messages[0]

    # Past the check, defusedxml still refuses to expand anything: the file cannot be read.
    with pytest.raises(ValidationError) as unreadable:
        list(spreadsheets.read_sheet(data, name="hostile.xlsx", sheet_name="专利清单").rows)
    assert "could not be read as a workbook" in unreadable.value.messages[0]
    assert "TOP-SECRET-VALUE" not in unreadable.value.messages[0]


# Zip bombs ------------------------------------------------------------------------------------


def test_too_many_entries_are_refused(settings):
    settings.XLSX_MAX_ENTRIES = 20
    plain = workbook([HEADER, good_row(1)])
    spreadsheets.check_xlsx(plain, name="ok.xlsx")
    crowded = rewrite(plain, SHEET, lambda x: x,
                      extra={f"xl/media/image{n}.png": b"x" for n in range(20)})  # fmt: skip
    with pytest.raises(ValidationError, match=r"holds \d+ parts; a workbook may hold at most 20"):
        spreadsheets.check_xlsx(crowded, name="crowded.xlsx")


def test_a_part_inflating_far_beyond_its_size_is_refused_as_a_zip_bomb():
    bomb = rewrite(workbook([HEADER]), SHEET, lambda x: x,
                   extra={"xl/media/filler.bin": b"\0" * (8 * MB)})  # fmt: skip
    assert len(bomb) < 100_000  # 8 MB of zeros deflate to a few kilobytes
    with pytest.raises(ValidationError, match="a zip bomb"):
        read_patents(bomb, name="bomb.xlsx")


def test_the_total_declared_size_is_capped():
    data = rewrite(workbook([HEADER]), SHEET, lambda x: x,
                   extra={"xl/media/a.bin": bytes(range(256)) * 8192})  # fmt: skip
    with pytest.raises(ValidationError, match="unpacks to more than 1 MB"):
        spreadsheets.check_xlsx(data, name="big.xlsx", max_uncompressed=MB)


# A lying dimension tag ------------------------------------------------------------------------


def lying(rows: list[list], title: str = "专利清单") -> bytes:
    """The workbook with a <dimension> tag claiming two rows, as a crafted file would."""
    return rewrite(
        workbook(rows, title),
        SHEET,
        lambda xml: re.sub(rb'<dimension ref="[^"]+"\s*/>', b'<dimension ref="A1:B2"/>', xml),
    )


def test_every_row_is_read_whatever_the_dimension_tag_claims():
    rows = [HEADER, *[good_row(n) for n in range(1, 31)]]
    data = lying(rows)
    # openpyxl alone stops where the tag says …
    plain = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert len(list(plain.active.iter_rows(values_only=True))) == 2
    # … the portal reads every row.
    found = spreadsheets.read_sheet(data, name="l.xlsx", sheet_name="专利清单")
    assert len(list(found.rows)) == 31
    parsed = read_patents(data)
    assert parsed.total == 30 and len(parsed.rows) == 30


def test_exchange_imports_read_every_row_too(db):
    mapping = Mapping.objects.get(code="zjtx-provincial", is_active=True)
    rows = [
        [f"企业{n}", credit_code(f"91610902MA6YQ{n:04d}"), "安康市", 2025] for n in range(1, 21)
    ]
    data = rewrite(
        published(rows),
        SHEET,
        lambda xml: re.sub(rb'<dimension ref="[^"]+"\s*/>', b'<dimension ref="A1:B2"/>', xml),
    )
    parsed = exchange_files.read_file(io.BytesIO(data), name="名单.xlsx", size=len(data),
                                      max_bytes=10 * MB, mapping=mapping)  # fmt: skip
    assert len(parsed.rows) == 20


# Formulas, flagged at their cell in every import ----------------------------------------------


def test_a_patent_list_formula_is_a_warning_with_its_value_or_an_error_without():
    rows = [HEADER, good_row(1, title='=CONCAT("一种","方法")'), good_row(2, title="=A2&A3"),
            good_row(3)]  # fmt: skip
    data = with_formulas(workbook(rows), {"B2": "一种方法"})
    parsed = read_patents(data)
    by_cell = {p.cell: p for p in parsed.problems}
    assert by_cell["B2"].importance == "warning"
    assert '"一种方法"' not in by_cell["B2"].message and "一种方法" in by_cell["B2"].message
    assert by_cell["B3"].importance == "blocking"
    assert "formula with no computed value" in by_cell["B3"].message
    assert [row["_row"] for row in parsed.rows] == [2, 4]
    assert parsed.rows[0]["title"] == "一种方法"


def test_an_exchange_file_formula_is_flagged_the_same_way(db):
    mapping = Mapping.objects.get(code="zjtx-provincial", is_active=True)
    rows = [["=UPPER(\"x\")", credit_code("91610902MA6YQ0001"), "安康市", 2025],
            ["=LOWER(\"y\")", credit_code("91610902MA6YQ0002"), "安康市", 2025]]  # fmt: skip
    data = with_formulas(published(rows), {"B3": "某公司"})
    parsed = exchange_files.read_file(io.BytesIO(data), name="名单.xlsx", size=len(data),
                                      max_bytes=10 * MB, mapping=mapping)  # fmt: skip
    by_cell = {p.cell: p for p in parsed.problems}
    assert by_cell["B3"].importance == "warning" and "某公司" in by_cell["B3"].message
    assert by_cell["B4"].importance == "blocking"
    assert [row["_row"] for row in parsed.rows] == [3]


def test_a_workbook_without_formulas_is_read_once():
    assert not spreadsheets.has_formulas(workbook([HEADER, good_row(1)]))
    assert spreadsheets.has_formulas(workbook([HEADER, good_row(1, title="=1+1")]))
