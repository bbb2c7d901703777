"""A template filled in and then re-saved by a real spreadsheet program still reads.

Cities fill the template in Excel or WPS, which rewrite the whole package when they save (shared
strings, styles, their own namespaces, data validations and protection in their own dialect).
LibreOffice Calc, run headless, is the real program we can run here: it rewrites the workbook the
same way, and the import must read it exactly as openpyxl's own file.
"""

import io
import os
import shutil
import subprocess
import zipfile
from decimal import Decimal

import pytest

from portal.models import Region
from reporting import services
from reporting.factories import PERIOD
from reporting.models import DataValue
from reporting.tests.helpers import template_for
from reporting.tests.workbooks import all_figures, fill
from tests.services import missing_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def soffice() -> str:
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if path is None:
        missing_service("needs LibreOffice Calc: apt-get install -y libreoffice-calc-nogui")
    return path


def resave(soffice: str, content: bytes, folder) -> bytes:
    """Open the workbook in LibreOffice Calc and save it again as .xlsx."""
    source = folder / "filled.xlsx"
    source.write_bytes(content)
    out = folder / "out"
    out.mkdir()
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{folder / 'profile'}",
            "--headless",
            "--norestore",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
        env={**os.environ, "HOME": str(folder)},
    )
    return (out / "filled.xlsx").read_bytes()


def test_a_workbook_resaved_by_libreoffice_reads_the_same(soffice, ankang, form, tmp_path):
    stat_return = services.return_open(
        actor=ankang, form=form, region=Region.objects.get(code="610900"), period=PERIOD
    )
    template = template_for(stat_return)
    figures = all_figures(form, TRAININGS="１２", CONTRACT_AMOUNT="1,250.75")
    filled = fill(template, figures, {"VALID_TRADEMARK": "含新注册集体商标"})
    resaved = resave(soffice, filled, tmp_path)
    with zipfile.ZipFile(io.BytesIO(resaved)) as package:
        # Really written by another program, which says so in the package's properties.
        assert b"LibreOffice" in package.read("docProps/app.xml")

    result = services.return_upload_check(
        actor=ankang,
        stat_return=stat_return,
        handle=io.BytesIO(resaved),
        name="filled-in-calc.xlsx",
        size=len(resaved),
    )
    assert result.problems == []
    services.return_upload_apply(actor=ankang, upload=result.upload)
    values = dict(
        DataValue.objects.filter(stat_return=stat_return).values_list("element__code", "value")
    )
    assert values["TRAININGS"] == Decimal(12)
    assert values["CONTRACT_AMOUNT"] == Decimal("1250.75")
    assert values["VALID_INVENTION"] == Decimal(352)
    assert len(values) == len(figures)
    comment = DataValue.objects.get(stat_return=stat_return, element__code="VALID_TRADEMARK")
    assert comment.comment == "含新注册集体商标"
