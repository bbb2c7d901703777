"""A list is read and stored a chunk at a time (patents.services.pool._check): a list of 100,000
patents never sits in memory. What the dry run reports and what the apply stores are the same
whatever the chunk size: duplicates across chunks, refusals, new, changed and unchanged rows."""

import io

import pytest
from django.utils import translation
from openpyxl import Workbook

from patents import services
from patents.factories import patent_number
from patents.models import Patent
from patents.tests.helpers import HEADER, good_row
from portal.factories import ApplicantFactory, OrganisationFactory
from portal.models import Organisation, Region

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def owner_and_staff(code: str = "610100"):
    staff = ApplicantFactory(
        organisation=OrganisationFactory(
            kind=Organisation.Kind.UNIVERSITY, region=Region.objects.get(code=code)
        )
    )
    return staff.organisation, staff


def xlsx(rows) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("专利清单")
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def outcome(monkeypatch, chunk: int):
    """Dry run and apply of the same mixed list with this chunk size: the reports and what the
    pool holds afterwards."""
    monkeypatch.setattr(services.pool, "LOOKUP_CHUNK", chunk)
    university, staff = owner_and_staff()
    other, _staff = owner_and_staff("610300")
    Patent.objects.bulk_create([
        Patent(number=patent_number(5), title="他校专利", kind="invention", status="valid",
               filed_on="2021-03-05", owner=other),
        Patent(number=patent_number(7), title="一种富硒材料的制备方法7", kind="invention",
               status="valid", filed_on="2021-03-05", granted_on="2023-06-02",
               ipc="C01B19/00;A23L33/16", owner=university),
        Patent(number=patent_number(8), title="旧题目", kind="invention", status="valid",
               filed_on="2021-03-05", owner=university),
    ])  # fmt: skip
    rows = [good_row(serial) for serial in range(1, 12)]
    rows.insert(9, good_row(3))  # listed twice, the second time in the third chunk of 4
    rows.insert(4, good_row(99, filed_on="昨天"))  # a bad cell
    content = xlsx(rows)
    checked = services.patent_import_check(
        actor=staff, owner=university, handle=io.BytesIO(content), name="l.xlsx",
        size=len(content),
    )  # fmt: skip
    applied = services.patent_import_apply(actor=staff, patent_import=checked.patent_import)
    pool = sorted(
        Patent.objects.filter(owner=university).values_list("number", "title", "granted_on")
    )
    report = [(p.cell, p.message, p.importance) for p in checked.problems]
    counts = (checked.total, checked.to_create, checked.to_update)
    Patent.objects.all().delete()
    return report, counts, (applied.to_create, applied.to_update), pool


def test_the_same_report_and_pool_whatever_the_chunk(monkeypatch):
    small = outcome(monkeypatch, 4)
    large = outcome(monkeypatch, 5000)
    assert small == large
    report, counts, applied, pool = small
    cells = [cell for cell, _message, _importance in report]
    assert cells == ["E6", "A7", "A12"]  # bad date, another's number, the duplicate
    assert "first in row 4" in report[2][1]
    # 13 rows: 1 bad, 1 twice, 1 another's; of the others 7 is the same, 8 changed.
    assert counts == (13, 8, 1) and applied == (8, 1)
    titles = {found: title for found, title, _granted in pool}
    assert len(pool) == 10 and patent_number(5) not in titles
    assert titles[patent_number(8)] == "一种富硒材料的制备方法8"  # updated
