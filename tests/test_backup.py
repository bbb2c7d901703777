"""`make backup` / `make restore`: a backup restored into another database holds every row of
every table (counts per table, checksums of a few), the audit log's append-only trigger comes
back with it, restoring over existing tables works, and uploaded files come back too."""

import re
import subprocess
import uuid
from datetime import date

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from patents.models import Patent
from portal import backups
from portal.factories import OrganisationFactory, UserFactory
from portal.models import AuditEntry, Notification, Organisation, Region
from portal.services import audit_record
from portal.tests.concurrency import reseed
from reporting.models import ReturnForm, StatReturn

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("_reseeded")]


@pytest.fixture
def _reseeded(transactional_db):
    reseed()


CHECKSUMMED = ("portal_auditentry", "portal_user", "patents_patent", "reporting_statreturn")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "projects").mkdir(parents=True)
    upload = settings.MEDIA_ROOT / "projects" / "申报书.pdf"
    upload.write_bytes(b"%PDF-1.4 attachment")
    return upload


def rows_in_several_apps() -> None:
    university = OrganisationFactory(kind=Organisation.Kind.UNIVERSITY)
    user = UserFactory(organisation=university, email="backup@example.invalid")
    for serial in range(1, 26):
        Patent.objects.create(
            number=f"2021100{serial:05d}.0", title=f"一种备份测试方法{serial}",
            kind=Patent.Kind.INVENTION, status=Patent.Status.VALID, filed_on=date(2021, 1, 1),
            owner=university,
        )  # fmt: skip
    StatReturn.objects.create(
        form=ReturnForm.objects.get(code="QUARTERLY"), region=Region.objects.get(code="610900"),
        period="2025Q2", status=StatReturn.Status.APPROVED,
        snapshot={"VALID_INVENTION": {"value": "300", "comment": "备份"}},
    )  # fmt: skip
    Notification.objects.create(recipient=user, event="test", title="备份前的通知")
    for n in range(5):
        audit_record(actor=user, event="test.backup", target=university, after={"n": n})


def tables() -> list[str]:
    return sorted(connection.introspection.table_names())


def figures(cursor, names: list[str]) -> dict[str, object]:
    """Rows per table, and a checksum of every row of a few tables."""
    found = {}
    for name in names:
        cursor.execute(f'SELECT count(*) FROM "{name}"')  # noqa: S608 (table names from Django)
        found[name] = cursor.fetchone()[0]
    for name in CHECKSUMMED:
        cursor.execute(
            f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) FROM \"{name}\" t"  # noqa: S608
        )
        found[f"{name} checksum"] = cursor.fetchone()[0]
    return found


@pytest.fixture
def scratch():
    """An empty database on the same server, dropped afterwards."""
    source = backups.Database.current()
    name = f"{source.name}_restore_{uuid.uuid4().hex[:6]}"

    def psql(sql: str) -> None:
        subprocess.run(
            ["psql", "-v", "ON_ERROR_STOP=1", "-d", "postgres", "-c", sql],
            env=source.environment(), check=True, capture_output=True,
        )  # fmt: skip

    psql(f'CREATE DATABASE "{name}"')
    url = (
        f"postgres://{source.user}{':' + source.password if source.password else ''}@"
        f"{source.host or '127.0.0.1'}:{source.port or 5432}/{name}"
    )
    try:
        yield url
    finally:
        psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
def test_a_backup_restored_into_another_database_holds_every_row(media, tmp_path, scratch):
    rows_in_several_apps()
    names = tables()
    with connection.cursor() as cursor:
        before = figures(cursor, names)
    assert before["patents_patent"] == 25 and before["portal_auditentry"] >= 5

    written = backups.backup(directory=tmp_path / "backups")
    dump = written[0]
    assert re.fullmatch(r"portal-\d{8}-\d{6}\.dump", dump.name)
    assert written[1].name == dump.name.removesuffix(".dump") + "-media.tar.gz"

    media.unlink()
    # Twice: into the empty database, then over the tables the first restore made (with the
    # audit trigger in place: --clean drops the table, which the trigger does not refuse).
    for _ in range(2):
        call_command("restore", str(dump), database_url=scratch, yes=True)
        with psycopg.connect(scratch) as restored, restored.cursor() as cursor:
            assert figures(cursor, names) == before
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgname = 'portal_auditentry_append_only'"
            )
            assert cursor.fetchone()[0] == 1
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                cursor.execute("UPDATE portal_auditentry SET event = 'rewritten'")
    assert media.read_bytes() == b"%PDF-1.4 attachment"


@pytest.mark.postgres
def test_restore_over_the_live_database_brings_back_deleted_rows(media, tmp_path):
    rows_in_several_apps()
    with connection.cursor() as cursor:
        before = figures(cursor, tables())
    dump = backups.backup(directory=tmp_path / "backups", media=False)[0]
    Patent.objects.all().delete()
    audit_record(actor=None, event="test.after-backup", actor_label="x")
    call_command("restore", str(dump), yes=True)
    with connection.cursor() as cursor:
        assert figures(cursor, tables()) == before


def test_a_sqlite_backup_is_a_consistent_copy_that_restores(media, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite path; PostgreSQL is covered above")
    rows_in_several_apps()
    count, audit = Patent.objects.count(), AuditEntry.objects.count()
    written = backups.backup(directory=tmp_path / "backups")
    assert re.fullmatch(r"portal-\d{8}-\d{6}\.sqlite3", written[0].name)
    Patent.objects.all().delete()
    media.unlink()
    call_command("restore", str(written[0]), yes=True)
    assert (Patent.objects.count(), AuditEntry.objects.count()) == (count, audit)
    assert media.read_bytes() == b"%PDF-1.4 attachment"


def test_restore_asks_first_and_a_no_changes_nothing(media, tmp_path, monkeypatch):
    rows_in_several_apps()
    dump = backups.backup(directory=tmp_path / "backups", media=False)[0]
    Patent.objects.all().delete()
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="Nothing restored"):
        call_command("restore", str(dump))
    assert not Patent.objects.exists()
    with pytest.raises(CommandError, match="No backup file"):
        call_command("restore", str(tmp_path / "missing.dump"), yes=True)
