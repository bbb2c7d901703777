"""The pool's workbooks go round (issue 18): a university exports its pool, corrects it in Excel
or WPS (here LibreOffice Calc re-saves it) and imports it again. The export carries the import
template's headers under its title block and every column the importer reads, so the list reads
without a problem and changes nothing; the template itself reads too."""

import io
from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from patents import exporters, importers
from patents.factories import PatentFactory
from patents.models import Patent
from patents.tests.helpers import check
from portal.factories import ApplicantFactory, OrganisationFactory
from portal.models import Organisation, Region
from portal.tests.workbooks import convert, workbook_problems

pytestmark = pytest.mark.django_db


@pytest.fixture
def university():
    organisation = OrganisationFactory(
        kind=Organisation.Kind.UNIVERSITY, region=Region.objects.get(code="610100")
    )
    staff = ApplicantFactory(organisation=organisation)
    PatentFactory(
        owner=organisation, serial=1, inventors="张三；李四", abstract="一种方法，用于……",
        state_funded=True, funding_project="陕西省重点研发计划（2020NY-123）",
        award="中国专利优秀奖", foreign_family=True, ipc="A23F3/16;A23F3/06",
    )  # fmt: skip
    PatentFactory(owner=organisation, serial=2, converted=True)
    PatentFactory(
        owner=organisation, serial=3, status=Patent.Status.PENDING, granted_on=None,
        filed_on=date(2024, 2, 29),
    )  # fmt: skip
    return staff


def export(client, user) -> bytes:
    client.force_login(user)
    response = client.get(reverse("patents:export"))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_an_exported_pool_imports_again_unchanged(client, university, language, tmp_path):
    client.cookies["django_language"] = language
    content = export(client, university)
    assert workbook_problems(content) == []
    sheet = load_workbook(io.BytesIO(content))[exporters.POOL_SHEET]
    header = [cell.value for cell in sheet[3]]
    assert set(importers.HEADERS) <= set(header)  # the template's headers, every one
    assert sheet["E4"].number_format == 'yyyy"年"m"月"d"日"' or language == "en"
    organisation = university.organisation
    for name, data in (("导出.xlsx", content), ("另存.xlsx", convert(content, tmp_path))):
        with translation.override(language):
            result = check(university, organisation, data, name=name)
        assert result.problems == [], (name, result.problems)
        assert (result.total, result.to_create, result.to_update) == (3, 0, 0), name


def test_the_template_a_university_resaved_imports(university, tmp_path):
    template = exporters.patent_template(organisation=university.organisation.name)
    assert workbook_problems(template) == []
    resaved = convert(template, tmp_path)
    result = check(university, university.organisation, resaved, name="模板.xlsx")
    assert result.problems == [] and result.to_create == 1  # the example row
