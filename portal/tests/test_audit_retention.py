"""Retention of the audit log: nothing younger than AUDIT_RETENTION_DAYS (at least 180 days,
the Cybersecurity Law's six months) is ever purged; `manage.py purge_audit` archives what it
removes to .xlsx first, and the chain still verifies from the checkpoint it leaves."""

import io
from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone, translation
from openpyxl import load_workbook

from portal import audit
from portal.models import AuditCheckpoint, AuditEntry
from portal.services import audit_record
from portal.tests.helpers import tamper

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The messages are asserted in English, whatever a test before left active."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def record_at(moment, event: str, **fields) -> AuditEntry:
    with mock.patch("django.utils.timezone.now", return_value=moment):
        return audit_record(actor=None, actor_label="someone", event=event, **fields)


def days_ago(days: int):
    return timezone.now() - timedelta(days=days)


@pytest.fixture
def log():
    """Three rows 400 days old, then two of today."""
    old = [record_at(days_ago(400) + timedelta(minutes=i), f"test.old{i}") for i in range(3)]
    young = [audit_record(actor=None, actor_label="x", event=f"test.young{i}") for i in range(2)]
    return old, young


def purge(before, **options) -> str:
    out = io.StringIO()
    call_command("purge_audit", "--before", before.isoformat(), stdout=out, **options)
    return out.getvalue()


def test_the_settings_check_refuses_less_than_180_days(settings):
    settings.AUDIT_RETENTION_DAYS = 90
    assert [e.id for e in audit.check_audit_settings()] == ["portal.E301"]
    settings.AUDIT_RETENTION_DAYS = 180
    assert audit.check_audit_settings() == []


def test_a_date_within_the_retention_is_refused(settings, log, tmp_path):
    too_recent = timezone.localdate() - timedelta(days=179)
    with pytest.raises(CommandError, match="kept 180 days"):
        purge(too_recent)
    settings.AUDIT_RETENTION_DAYS = 365  # the setting is what counts, not only the floor
    with pytest.raises(CommandError, match="kept 365 days"):
        purge(timezone.localdate() - timedelta(days=200))
    settings.AUDIT_RETENTION_DAYS = 30  # below the floor: 180 still holds
    with pytest.raises(CommandError, match="kept 180 days"):
        purge(too_recent)
    assert AuditEntry.objects.count() == 5
    assert not (tmp_path / "audit-archive").exists()


def test_purge_archives_deletes_checkpoints_and_the_chain_still_verifies(log, tmp_path):
    old, young = log
    output = purge(timezone.localdate() - timedelta(days=200))

    assert "Purged 3 audit entries" in output
    assert not AuditEntry.objects.filter(pk__in=[e.pk for e in old]).exists()
    assert AuditEntry.objects.filter(pk__in=[e.pk for e in young]).count() == 2
    checkpoint = AuditCheckpoint.objects.get()
    assert (checkpoint.last_id, checkpoint.last_hash, checkpoint.rows) == (
        old[-1].pk,
        old[-1].hash,
        3,
    )
    # The archive holds every purged row with its hashes, before anything was deleted.
    archives = list((tmp_path / "audit-archive").glob("*.xlsx"))
    assert [str(p) for p in archives] == [checkpoint.archive]
    sheet = load_workbook(archives[0]).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in rows] == [e.pk for e in old]
    assert [row[-1] for row in rows] == [e.hash for e in old]
    assert [row[5] for row in rows] == ["test.old0", "test.old1", "test.old2"]
    # The purge is itself an audit row, chained on.
    entry = AuditEntry.objects.get(event="audit.purge")
    assert entry.after["last_id"] == old[-1].pk and entry.after["rows"] == 3
    assert entry.prev_hash == young[-1].hash

    result = audit.verify()
    assert result.ok and result.start == checkpoint and result.checked == 3
    out = io.StringIO()
    call_command("verify_audit_chain", stdout=out)
    assert f"from checkpoint after entry {old[-1].pk}" in out.getvalue()

    # The chain after the checkpoint is still checked.
    tamper("UPDATE portal_auditentry SET reason = 'x' WHERE id = %s", [young[0].pk])
    assert audit.verify().problem.kind == "changed"


def test_the_first_row_after_the_checkpoint_must_chain_to_it(log):
    _old, young = log
    purge(timezone.localdate() - timedelta(days=200))
    tamper("DELETE FROM portal_auditentry WHERE id = %s", [young[0].pk])
    problem = audit.verify().problem
    assert problem.kind == "deleted" and problem.entry_id == young[1].pk


def test_a_forged_checkpoint_is_detected(log):
    _old, young = log
    AuditCheckpoint.objects.create(
        before=timezone.now(),
        last_id=young[0].pk,
        last_hash=young[0].hash,
        rows=4,
        archive="nowhere.xlsx",
        archive_sha256="0" * 64,
    )
    tamper("DELETE FROM portal_auditentry WHERE id <= %s", [young[0].pk])
    problem = audit.verify().problem
    assert problem.kind == "checkpoint"


def test_a_broken_chain_is_not_purged(log):
    old, _young = log
    tamper("UPDATE portal_auditentry SET reason = 'x' WHERE id = %s", [old[1].pk])
    with pytest.raises(CommandError, match="chain is broken"):
        purge(timezone.localdate() - timedelta(days=200))
    assert AuditEntry.objects.filter(pk__in=[e.pk for e in old]).count() == 3
    assert not AuditCheckpoint.objects.exists()


def test_only_the_chain_prefix_before_the_first_young_row_goes(tmp_path):
    first = record_at(days_ago(400), "test.old")
    young = audit_record(actor=None, actor_label="x", event="test.young")
    late = record_at(days_ago(300), "test.old-but-later")  # e.g. a server with a wrong clock
    purge(timezone.localdate() - timedelta(days=200), archive=tmp_path / "mine.xlsx")
    assert not AuditEntry.objects.filter(pk=first.pk).exists()
    assert AuditEntry.objects.filter(pk__in=[young.pk, late.pk]).count() == 2
    assert (tmp_path / "mine.xlsx").exists()
    assert audit.verify().ok


def test_an_archive_directory_is_made_and_an_existing_file_never_overwritten(log, tmp_path):
    existing = tmp_path / "kept.xlsx"
    existing.write_bytes(b"an earlier archive")
    with pytest.raises(CommandError, match="already exists"):
        purge(timezone.localdate() - timedelta(days=200), archive=existing)
    assert existing.read_bytes() == b"an earlier archive" and AuditEntry.objects.count() == 5
    purge(timezone.localdate() - timedelta(days=200), archive=tmp_path / "offsite" / "audit")
    archive = AuditCheckpoint.objects.get().archive
    assert archive.startswith(str(tmp_path / "offsite" / "audit")) and archive.endswith(".xlsx")


def test_nothing_old_enough_is_said(log):
    with pytest.raises(CommandError, match="No audit entry is older"):
        purge(timezone.localdate() - timedelta(days=500))


@pytest.mark.postgres
def test_the_trigger_refuses_young_deletes_and_any_update_even_through_raw_sql(log):
    old, young = log
    for sql, pk in (
        ("DELETE FROM portal_auditentry WHERE id = %s", young[0].pk),
        ("UPDATE portal_auditentry SET reason = 'x' WHERE id = %s", old[0].pk),
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [pk])
    recent = record_at(days_ago(170), "test.170-days")
    with (
        pytest.raises(DatabaseError, match="kept 180 days"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM portal_auditentry WHERE id = %s", [recent.pk])
    # A row past the retention may go (purge_audit archives it first).
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM portal_auditentry WHERE id = %s", [old[0].pk])
        assert cursor.rowcount == 1


@pytest.mark.postgres
def test_checkpoints_cannot_be_changed_or_deleted_on_postgresql(log):
    purge(timezone.localdate() - timedelta(days=200))
    checkpoint = AuditCheckpoint.objects.get()
    for sql in (
        "UPDATE portal_auditcheckpoint SET last_hash = 'x' WHERE id = %s",
        "DELETE FROM portal_auditcheckpoint WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [checkpoint.pk])
