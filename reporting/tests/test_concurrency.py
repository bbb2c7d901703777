"""A city uploading its return twice at once, on PostgreSQL: one current return, a workbook
applied once, and two workbooks applied one after the other (the return row is locked), so the
values and their history stay consistent."""

import pytest
from django.core.exceptions import ValidationError

from portal.models import AuditEntry, Region
from portal.tests.concurrency import reseed, slowed, together
from reporting import compute, exporters, services
from reporting.factories import PERIOD
from reporting.models import (
    DataValue,
    DataValueHistory,
    ExportJob,
    IndicatorValue,
    ProgressSnapshot,
    ReturnUpload,
    StatReturn,
)
from reporting.services import operations, returns
from reporting.tests.helpers import stored, template_for, upload
from reporting.tests.workbooks import all_figures, fill

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("_reseeded"),
]


@pytest.fixture
def _reseeded(transactional_db):
    reseed()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def ret(form, ankang):
    return services.return_open(
        actor=ankang, form=form, region=Region.objects.get(code="610900"), period=PERIOD
    )


def test_opening_the_same_return_twice_at_once_gives_one_return(form, ankang, monkeypatch):
    region = Region.objects.get(code="610900")
    # Both look for the return first; only then does either create it.
    slowed(monkeypatch, StatReturn.objects, "create", before=True)

    outcomes = together(
        *[lambda: services.return_open(actor=ankang, form=form, region=region, period=PERIOD)] * 2
    )

    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    assert outcomes[0].value.pk == outcomes[1].value.pk
    assert StatReturn.objects.filter(region=region, period=PERIOD).count() == 1
    assert AuditEntry.objects.filter(event="reporting.return.open").count() == 1


def test_the_same_workbook_applied_twice_at_once_is_applied_once(ankang, ret, monkeypatch):
    figures = all_figures(ret.form)
    checked = upload(ankang, ret, fill(template_for(ret), figures)).upload
    slowed(monkeypatch, returns, "_locked")

    outcomes = together(*[lambda: services.return_upload_apply(actor=ankang, upload=checked)] * 2)

    assert sorted(o.ok for o in outcomes) == [False, True], [o.error for o in outcomes]
    refused = next(o.error for o in outcomes if not o.ok)
    assert isinstance(refused, ValidationError) and "already been applied" in refused.messages[0]
    assert len(stored(ret)) == len(figures)
    assert DataValueHistory.objects.count() == len(figures)
    assert AuditEntry.objects.filter(event="reporting.values.store").count() == 1
    assert ReturnUpload.objects.get(pk=checked.pk).failed_at is None


def test_two_workbooks_applied_at_once_are_applied_one_after_the_other(ankang, ret, monkeypatch):
    template = template_for(ret)
    first, second = (
        upload(ankang, ret, fill(template, all_figures(ret.form, VALID_INVENTION=count))).upload
        for count in (360, 370)
    )
    # Pause once the stored figures are read: without the return's row lock both would
    # compare with the same (empty) return and insert every value twice.
    slowed(monkeypatch, returns, "current_values")

    outcomes = together(
        *(
            lambda checked=checked: services.return_upload_apply(actor=ankang, upload=checked)
            for checked in (first, second)
        )
    )

    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    figures = all_figures(ret.form)
    assert DataValue.objects.filter(region=ret.region, period=PERIOD).count() == len(figures)
    # The history of the cell is one chain: empty → the first applied → the second applied.
    history = list(
        DataValueHistory.objects.filter(element__code="VALID_INVENTION")
        .order_by("pk")
        .values_list("previous_value", "value")
    )
    assert len(history) == 2 and history[0][0] is None
    assert history[1][0] == history[0][1] and {history[0][1], history[1][1]} == {360, 370}
    assert stored(ret)["VALID_INVENTION"] == history[1][1]
    assert DataValueHistory.objects.count() == len(figures) + 1


def test_two_recomputes_at_once_store_what_one_stores(form, monkeypatch):
    """A redelivered task and the nightly run may overlap: one waits for the other."""
    ankang = Region.objects.get(code="610900")
    for period, count in [("2024Q3", 300), ("2025Q2", 350)]:
        StatReturn.objects.create(
            form=form, region=ankang, period=period, status=StatReturn.Status.APPROVED,
            snapshot={"VALID_INVENTION": {"value": str(count), "comment": ""}},
        )  # fmt: skip
    compute.recompute()
    clean = (
        sorted(IndicatorValue.objects.values_list("indicator_id", "region_id", "period", "value")),
        ProgressSnapshot.objects.count(),
    )
    # Pause once the figures are read: without the lock both would then delete the same rows
    # and insert theirs twice.
    slowed(monkeypatch, compute, "_Data")

    outcomes = together(compute.recompute, compute.recompute)

    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    assert (
        sorted(IndicatorValue.objects.values_list("indicator_id", "region_id", "period", "value")),
        ProgressSnapshot.objects.count(),
    ) == clean


def test_an_export_run_twice_at_once_keeps_one_file(leader, form, settings, monkeypatch):
    # Queued, not yet run (export_request would run it at once, in-process).
    job = ExportJob.objects.create(
        kind="dashboard", params={"region": "610900"}, requested_by=leader
    )
    slowed(monkeypatch, exporters, "dashboard_workbook")

    outcomes = together(*[lambda: operations.export_run(job_id=job.pk)] * 2)

    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    job.refresh_from_db()
    assert (job.status, job.progress, job.error) == (ExportJob.Status.DONE, 100, "")
    files = [p for p in (settings.MEDIA_ROOT / "reporting" / "exports").rglob("*") if p.is_file()]
    assert [p.name for p in files] == [job.file.name.rsplit("/", 1)[-1]]
