"""A patent list is applied all or nothing: an error at any row stores no row and marks the
import failed with the reason; a process killed in the middle stores nothing; the same list
imported twice doubles nothing."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.utils import translation

from patents import services
from patents.factories import patent_number
from patents.models import Patent, PatentImport
from patents.tests.helpers import check, csv_bytes, good_row
from portal.factories import ApplicantFactory, OrganisationFactory
from portal.models import Organisation, Region, RegionCodeAlias
from portal.seeds import seed_regions
from tests.services import database_url


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def university(db):
    seed_regions(Region, RegionCodeAlias)  # a transactional test starts without them
    return ApplicantFactory(
        organisation=OrganisationFactory(
            kind=Organisation.Kind.UNIVERSITY, region=Region.objects.get(code="610100")
        )
    ).organisation


@pytest.fixture
def staff(university):
    return university.members.first()


def failing_at_row(monkeypatch, row: int) -> None:
    """Patent rows are inserted one by one for real until `row`, where the database fails."""
    original = Patent.objects.bulk_create

    def insert(objs, **kwargs):
        objs = list(objs)
        original(objs[: row - 1], **kwargs)
        raise DatabaseError(f"value too long at row {row}")

    monkeypatch.setattr(Patent.objects, "bulk_create", insert)


@pytest.mark.django_db
def test_an_error_at_row_n_stores_nothing_and_marks_the_import_failed(
    staff, university, monkeypatch
):
    result = check(staff, university, csv_bytes([good_row(n) for n in range(1, 6)]))
    failing_at_row(monkeypatch, 4)
    with pytest.raises(DatabaseError):
        services.patent_import_apply(actor=staff, patent_import=result.patent_import)
    # Rows 1 to 3 were inserted before the failure: rolled back with it.
    assert not Patent.objects.exists()
    failed = PatentImport.objects.get(pk=result.patent_import.pk)
    assert failed.applied_at is None and failed.failed_at is not None
    assert "value too long at row 4" in failed.failure and "Nothing was stored" in failed.failure

    # Once the cause is gone the same import applies, and the failure is cleared.
    monkeypatch.undo()
    services.patent_import_apply(actor=staff, patent_import=failed)
    applied = PatentImport.objects.get(pk=failed.pk)
    assert applied.applied_at and applied.failed_at is None and applied.failure == ""
    assert Patent.objects.count() == 5
    # Applying it again is refused without marking it failed.
    with pytest.raises(ValidationError, match="already been imported"):
        services.patent_import_apply(actor=staff, patent_import=applied)
    assert PatentImport.objects.get(pk=failed.pk).failed_at is None


@pytest.mark.django_db
def test_a_list_refused_when_applied_records_why(staff, university):
    result = check(staff, university, csv_bytes([good_row(1)]))
    # Meanwhile another university imported the number: the re-check at apply refuses it.
    other = ApplicantFactory(organisation=OrganisationFactory(kind=Organisation.Kind.UNIVERSITY))
    first = check(other, other.organisation, csv_bytes([good_row(1)]))
    services.patent_import_apply(actor=other, patent_import=first.patent_import)
    with pytest.raises(ValidationError):
        services.patent_import_apply(actor=staff, patent_import=result.patent_import)
    failed = PatentImport.objects.get(pk=result.patent_import.pk)
    assert failed.failed_at and "another organisation's pool" in failed.failure
    assert Patent.objects.get().owner == other.organisation


@pytest.mark.django_db
def test_the_same_list_imported_twice_doubles_nothing(staff, university):
    content = csv_bytes([good_row(n) for n in range(1, 4)])
    services.patent_import_apply(
        actor=staff, patent_import=check(staff, university, content).patent_import
    )
    before = list(Patent.objects.order_by("number").values_list("number", "title", "updated_at"))
    again = check(staff, university, content)
    assert (again.to_create, again.to_update) == (0, 0) and not again.can_apply
    applied = services.patent_import_apply(actor=staff, patent_import=again.patent_import)
    assert (applied.to_create, applied.to_update) == (0, 0)
    after = list(Patent.objects.order_by("number").values_list("number", "title", "updated_at"))
    assert after == before and len(after) == 3


def apply_import(import_id: int) -> None:
    """Entry point of the killed process (portal/tests/pause.py `call`)."""
    patent_import = PatentImport.objects.get(pk=import_id)
    services.patent_import_apply(actor=patent_import.uploaded_by, patent_import=patent_import)


@pytest.mark.django_db(transaction=True)
def test_a_process_killed_in_the_middle_of_an_import_stores_nothing(staff, university, tmp_path):
    content = csv_bytes([good_row(n) for n in range(1, 201)])
    patent_import = check(staff, university, content).patent_import
    marker = tmp_path / "paused"
    process = subprocess.Popen(
        [sys.executable, "-m", "portal.tests.pause", "call",
         "patents.tests.test_import_reliability:apply_import",
         json.dumps({"import_id": patent_import.pk})],
        env={**os.environ, "DATABASE_URL": database_url(), "SECRET_KEY": settings.SECRET_KEY,
             "MEDIA_ROOT": str(settings.MEDIA_ROOT),
             # Stop once the 200 new patents are inserted, before anything else is written.
             "PAUSE_IN": "patents.models:Patent.objects.bulk_create",
             "PAUSE_MARKER": str(marker)},
        cwd=settings.BASE_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert marker.exists(), process.communicate(timeout=5)[0].decode()
        process.send_signal(signal.SIGKILL)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert not Patent.objects.exists()
    assert PatentImport.objects.get(pk=patent_import.pk).applied_at is None

    # Applied again (the user clicks once more): all of it, once.
    services.patent_import_apply(actor=staff, patent_import=patent_import)
    assert Patent.objects.count() == 200
    assert set(Patent.objects.values_list("number", flat=True)) == {
        patent_number(n) for n in range(1, 201)
    }
