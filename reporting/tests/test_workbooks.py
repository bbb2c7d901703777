"""The return's workbooks go round (issue 18): the template and the exported return carry the
title block (填报单位, 地区代码, 报告期 as people write it, 报送截止), print on A4 with the
signature line under the table, keep the element codes in a hidden column, and read again after
a city corrects them and re-saves them in a spreadsheet program (LibreOffice Calc here), in
either language of the portal."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from portal.tests.workbooks import (
    convert,
    download_names,
    has_signature,
    name_problems,
    workbook_problems,
)
from reporting import layout
from reporting.tests.helpers import store_all, stored, template_for, upload
from reporting.tests.workbooks import all_figures, fill

pytestmark = pytest.mark.django_db


def download(client, user, name: str, ret, language: str):
    client.force_login(user)
    client.cookies["django_language"] = language
    response = client.get(reverse(name, args=[ret.pk]))
    assert response.status_code == 200
    assert name_problems(response["Content-Disposition"]) == [] or language == "en"
    return response


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("name", ["reporting:return_template", "reporting:return_export"])
def test_a_return_workbook_corrected_and_resaved_reads_again(
    client, ankang, ret, name, language, tmp_path
):
    store_all(ankang, ret)
    content = download(client, ankang, name, ret, language).content
    assert workbook_problems(content) == []
    assert has_signature(content)
    sheet = load_workbook(io.BytesIO(content))[layout.SHEET]
    assert sheet.column_dimensions["B"].hidden  # the codes: for the importer only
    assert [cell.value for cell in sheet[4]] == layout.HEADERS
    corrected = fill(content, {"TRAININGS": 7}, {"VALID_TRADEMARK": "含新注册集体商标"})
    resaved = convert(corrected, tmp_path)
    with translation.override(language):
        result = upload(ankang, ret, resaved, name="另存.xlsx")
    assert result.problems == []
    assert result.upload is not None


def test_the_file_names_say_what_and_for_whom(client, ankang, ret):
    template = download(client, ankang, "reporting:return_template", ret, "zh-hans")
    assert download_names(template["Content-Disposition"]) == (
        "2025年第二季度专利转化运用季度统计表填报模板-安康市.xlsx",
        "template-610900-2025Q2.xlsx",
    )
    exported = download(client, ankang, "reporting:return_export", ret, "zh-hans")
    assert download_names(exported["Content-Disposition"]) == (
        "2025年第二季度专利转化运用季度统计表-安康市-第1版.xlsx",
        "return-610900-2025Q2-v1.xlsx",
    )


@pytest.mark.parametrize("period", ["2025年第二季度", "2025年第2季度", "Q2 2025", "2025Q2"])
def test_the_period_reads_as_people_write_it(ankang, ret, period):
    content = fill(template_for(ret), all_figures(ret.form), rows={"G2": period})
    result = upload(ankang, ret, content)
    assert result.problems == []


def test_the_exported_figures_are_the_stored_ones(client, ankang, ret):
    store_all(ankang, ret, CONTRACT_AMOUNT="1250.7512")
    content = download(client, ankang, "reporting:return_export", ret, "zh-hans").content
    sheet = load_workbook(io.BytesIO(content))[layout.SHEET]
    values = {
        row[1].value: row[5] for row in sheet.iter_rows(min_row=5) if row[1].value is not None
    }
    assert Decimal(str(values["CONTRACT_AMOUNT"].value)) == stored(ret)["CONTRACT_AMOUNT"]
    assert values["CONTRACT_AMOUNT"].number_format == "#,##0.00##"  # 万元 to the yuan
    assert values["TRAININGS"].number_format == "#,##0"
