"""The pieces every workbook for people is made of (portal/spreadsheets.py, issue 18): the
download's name, the title block, the print setup, the signature line; on ordinary and on
write-only (streamed) sheets alike."""

import io
from datetime import date

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from portal import spreadsheets
from portal.spreadsheets import Column, Heading
from portal.tests.workbooks import download_names, has_signature, workbook_problems


@pytest.mark.parametrize(
    ("name", "fallback", "real", "ascii"),
    [
        ("专利清单导入模板.xlsx", "patent-list-template.xlsx", "专利清单导入模板.xlsx",
         "patent-list-template.xlsx"),
        ('名单（省工信厅公布格式）/a:b*"c".xlsx', "zjtx.xlsx",
         "名单（省工信厅公布格式）-a-b-c-.xlsx", "zjtx.xlsx"),
        ("名单\r\nSet-Cookie: x.xlsx", "list.xlsx", "名单-Set-Cookie- x.xlsx", "list.xlsx"),
    ],
)  # fmt: skip
def test_a_download_has_its_chinese_name_and_an_ascii_fallback(name, fallback, real, ascii):
    header = spreadsheets.attachment_header(name, fallback=fallback)
    assert header.isascii() and "\r" not in header and "\n" not in header
    assert header.startswith(f"attachment; filename=\"{ascii}\"; filename*=utf-8''")
    assert download_names(header) == (real, ascii)


def test_an_ascii_name_needs_no_fallback():
    assert spreadsheets.attachment_header("a.xlsx", fallback="b.xlsx") == (
        'attachment; filename="a.xlsx"'
    )


def test_the_header_line_names_who_when_and_in_what_unit():
    heading = Heading(
        title="专利转化运用季度统计表", filled_by="安康市", period="2025年第二季度", unit="万元",
        form_number="陕知统1表", authority="陕西省知识产权局",
    )  # fmt: skip
    with translation.override("zh-hans"):
        assert heading.corner() == "表号：陕知统1表\u3000\u3000制表机关：陕西省知识产权局"
        assert heading.line() == (
            "填报单位：安康市\u3000\u3000报告期：2025年第二季度\u3000\u3000单位：万元"
        )
        assert heading.height == 3
    assert Heading(title="x").height == 1


COLUMNS = [Column("日期", 16, spreadsheets.DATE_FORMAT), Column("金额（万元）", 14,
           spreadsheets.MONEY_FORMAT), Column("代码", 10, hidden=True)] + [
    Column(f"列{n}", 10) for n in range(7)
]  # fmt: skip


@pytest.mark.parametrize("write_only", [False, True])
def test_a_table_prints_on_a4_with_its_header_on_every_page(write_only):
    with translation.override("zh-hans"):
        book = Workbook(write_only=write_only)
        sheet = book.create_sheet("表") if write_only else spreadsheets.first_sheet(book)
        heading = Heading(title="表名", filled_by="安康市", unit="万元")
        header = spreadsheets.start_table(sheet, heading=heading, columns=COLUMNS)
        spreadsheets.write_row(
            sheet, header + 1,
            spreadsheets.table_cells([date(2025, 7, 15), 12.5, "VALID_INVENTION", *"abcdefg"],
                                     COLUMNS),
        )  # fmt: skip
        if not write_only:
            spreadsheets.signature(sheet, header + 3, len(COLUMNS))
        content = spreadsheets.save(book)
    assert header == 3
    assert workbook_problems(content) == []  # the code is in a hidden column
    saved = load_workbook(io.BytesIO(content)).worksheets[0]
    assert saved["A1"].value == "表名" and "A1:J1" in {str(r) for r in saved.merged_cells.ranges}
    assert saved["A2"].value == "填报单位：安康市\u3000\u3000单位：万元"
    assert saved.page_setup.orientation == "landscape"  # nine columns shown
    assert saved.print_title_rows == "$3:$3" and saved.freeze_panes == "A4"
    assert saved.oddFooter.center.text == "第 &P 页，共 &N 页"
    assert saved["A4"].number_format == 'yyyy"年"m"月"d"日"'
    assert saved["B4"].number_format == "#,##0.00"
    assert has_signature(content) is not write_only


def test_a_code_or_an_iso_date_people_can_read_is_caught():
    book = Workbook()
    sheet = spreadsheets.first_sheet(book)
    spreadsheets.start_table(sheet, heading=Heading(title="表"), columns=COLUMNS[:2])
    sheet["A4"], sheet["B4"], sheet["A5"] = "VALID_INVENTION", "2025-07-15", "2025Q2"
    sheet["B5"] = date(2025, 7, 15)  # a date cell in openpyxl's ISO format
    found = " ".join(workbook_problems(spreadsheets.save(book)))
    for code in ("code-token", "iso-date", "quarter-code", "a date shown as"):
        assert code in found
