"""A return workbook is applied all or nothing: an error at any row stores no value and marks
the upload failed with the reason; the same workbook uploaded twice doubles nothing."""

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.urls import reverse

from portal.models import AuditEntry
from reporting import services
from reporting.models import DataValue, DataValueHistory, ReturnUpload
from reporting.tests.helpers import stored, template_for, upload
from reporting.tests.workbooks import all_figures, cell_of, fill

pytestmark = pytest.mark.django_db


def test_an_error_at_row_n_stores_nothing_and_marks_the_upload_failed(ankang, ret, monkeypatch):
    result = upload(ankang, ret, fill(template_for(ret), all_figures(ret.form)))
    assert result.can_store
    audit_before = AuditEntry.objects.count()
    original = DataValueHistory.objects.bulk_create

    def history(rows, **kwargs):
        rows = list(rows)
        original(rows[:4], **kwargs)  # the values and four history rows are written…
        raise DatabaseError("could not extend file at row 5")  # …then the disk is full

    monkeypatch.setattr(DataValueHistory.objects, "bulk_create", history)
    with pytest.raises(DatabaseError):
        services.return_upload_apply(actor=ankang, upload=result.upload)
    assert stored(ret) == {} and not DataValueHistory.objects.exists()
    assert AuditEntry.objects.count() == audit_before
    failed = ReturnUpload.objects.get(pk=result.upload.pk)
    assert failed.applied_at is None and failed.failed_at is not None
    assert "could not extend file at row 5" in failed.failure

    monkeypatch.undo()
    services.return_upload_apply(actor=ankang, upload=failed)
    failed.refresh_from_db()
    assert failed.applied_at and failed.failed_at is None and failed.failure == ""
    assert len(stored(ret)) == len(all_figures(ret.form))


def test_a_workbook_refused_when_applied_records_why(client, ankang, ret):
    template = template_for(ret)
    result = upload(ankang, ret, fill(template, all_figures(ret.form, TRAININGS="abc")))
    with pytest.raises(ValidationError):
        services.return_upload_apply(actor=ankang, upload=result.upload)
    failed = ReturnUpload.objects.get(pk=result.upload.pk)
    assert failed.failed_at and cell_of(template, "TRAININGS") in failed.failure
    assert stored(ret) == {}
    # The return's page lists the upload as not applied, with the reason.
    client.force_login(ankang)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("reporting:return_detail", args=[ret.pk])).content.decode()
    assert "not applied, nothing stored:" in page and cell_of(template, "TRAININGS") in page


def test_the_same_workbook_uploaded_twice_doubles_nothing(ankang, ret):
    content = fill(template_for(ret), all_figures(ret.form))
    first = upload(ankang, ret, content)
    services.return_upload_apply(actor=ankang, upload=first.upload)
    with pytest.raises(ValidationError, match="already been applied"):
        services.return_upload_apply(actor=ankang, upload=first.upload)
    assert ReturnUpload.objects.get(pk=first.upload.pk).failed_at is None
    values = stored(ret)
    history = DataValueHistory.objects.count()

    second = upload(ankang, ret, content)
    assert not second.changes and second.unchanged == len(values)
    services.return_upload_apply(actor=ankang, upload=second.upload)
    assert stored(ret) == values
    assert DataValue.objects.filter(region=ret.region, period=ret.period).count() == len(values)
    assert DataValueHistory.objects.count() == history
