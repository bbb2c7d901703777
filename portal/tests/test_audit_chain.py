"""The audit log's hash chain: every row hashes its content with its predecessor's hash, and
`manage.py verify_audit_chain` finds the first row changed, deleted or inserted behind the
application's back (GB/T 22239-2019 8.1.4.3 c).

Tampering goes through raw SQL, as an intruder with a database account would; on PostgreSQL
the append-only trigger is disabled first (inside the test's transaction), since the chain is
what must catch a change that got past it.
"""

import hashlib
import io
import itertools
import threading
import time
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from portal import audit
from portal.factories import UserFactory
from portal.models import AuditEntry, Region, Role
from portal.services import audit_record
from portal.tests.helpers import tamper

pytestmark = pytest.mark.django_db


def verify_command() -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit_chain", stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, str(error)
    return 0, out.getvalue()


@pytest.fixture
def entries():
    """Five rows with the kinds of values the services write."""
    user = UserFactory(role=Role.REVIEWER)
    region = Region.objects.get(code="610900")
    rows = [
        audit_record(actor=user, event="test.one", target=region, ip="10.1.2.3"),
        audit_record(
            actor=user,
            event="test.two",
            target=user,
            before={"amount": Decimal("12.50"), "day": date(2025, 6, 1), "n": 1},
            after={"amount": Decimal("13.00"), "day": date(2025, 6, 2), "n": 2},
            ip="::ffff:10.0.0.1",
        ),
        audit_record(
            actor=None, actor_label="匿名 =1+1", event="test.three", reason="原因\n第二行"
        ),
        audit_record(
            actor=user,
            event="test.four",
            after={"ratio": 0.1, "big": 1e20, "whole": 3.0, "list": [1, "二", None, True]},
            ip="2001:0db8:0000::0001",
        ),
        audit_record(actor=user, event="test.five", outcome=AuditEntry.Outcome.DENIED),
    ]
    return rows


def test_each_row_chains_to_the_one_before(entries):
    rows = list(AuditEntry.objects.order_by("id"))
    assert rows[0].prev_hash == ""
    for previous, row in itertools.pairwise(rows):
        assert row.prev_hash == previous.hash
        assert row.hash_algorithm == "sha256" and len(row.hash) == 64
    # The documented serialisation, recomputed from what the database gives back.
    values = AuditEntry.objects.filter(pk=rows[1].pk).values(*audit.CHAIN_FIELDS).get()
    assert hashlib.sha256(audit.canonical(values)).hexdigest() == rows[1].hash
    assert b'"prev_hash":"' + rows[0].hash.encode() + b'"' in audit.canonical(values)


def test_a_clean_chain_verifies(entries):
    code, output = verify_command()
    assert code == 0, output
    assert "intact: 5 entries" in output and entries[-1].hash in output


@pytest.mark.postgres
def test_a_clean_chain_verifies_on_postgresql_too(entries):
    """jsonb rewrites numbers and inet rewrites addresses: the hash must survive both."""
    assert verify_command()[0] == 0


def test_a_changed_row_is_reported(entries):
    tamper("UPDATE portal_auditentry SET reason = %s WHERE id = %s", ["edited", entries[2].pk])
    code, message = verify_command()
    assert code == 1
    assert "changed" in message and f"Entry {entries[2].pk} " in message


def test_a_changed_json_value_is_reported(entries):
    tamper(
        "UPDATE portal_auditentry SET after = %s WHERE id = %s",
        ['{"amount": "99.00", "day": "2025-06-02", "n": 2}', entries[1].pk],
    )
    code, message = verify_command()
    assert code == 1 and f"Entry {entries[1].pk} was changed" in message


def test_a_row_rewritten_with_a_fresh_hash_is_reported(entries):
    """An intruder who recomputes the row's own hash still breaks the next link."""
    row = AuditEntry.objects.filter(pk=entries[2].pk).values(*audit.CHAIN_FIELDS).get()
    row["reason"] = "edited"
    tamper(
        "UPDATE portal_auditentry SET reason = %s, hash = %s WHERE id = %s",
        ["edited", audit.digest(row), entries[2].pk],
    )
    code, message = verify_command()
    assert code == 1
    assert f"Entry {entries[2].pk} was rewritten" in message


def test_a_deleted_row_is_reported(entries):
    tamper("DELETE FROM portal_auditentry WHERE id = %s", [entries[2].pk])
    code, message = verify_command()
    assert code == 1
    assert "deleted" in message
    assert f"between entries {entries[1].pk} and {entries[3].pk}" in message


def test_deleting_the_first_rows_is_reported(entries):
    tamper("DELETE FROM portal_auditentry WHERE id <= %s", [entries[1].pk])
    code, message = verify_command()
    assert code == 1 and f"deleted before entry {entries[2].pk}" in message


def _insert_between(entries, *, hash_value=None) -> int:
    """A forged row with an id between two real ones, chained to the first of them."""
    first = entries[1]
    new_id = first.pk + 1
    tamper("UPDATE portal_auditentry SET id = id + 1000 WHERE id > %s", [first.pk])
    row = {
        "at": first.at,
        "actor_id": None,
        "actor_label": "intruder",
        "ip": None,
        "event": "test.forged",
        "outcome": "success",
        "target_type__app_label": None,
        "target_type__model": None,
        "target_id": "",
        "target_label": "",
        "reason": "",
        "before": None,
        "after": None,
        "hash_algorithm": "sha256",
        "prev_hash": first.hash,
    }
    tamper(
        "INSERT INTO portal_auditentry (id, at, actor_label, event, outcome, target_id, "
        "target_label, reason, hash_algorithm, prev_hash, hash) "
        "VALUES (%s, %s, 'intruder', 'test.forged', 'success', '', '', '', 'sha256', %s, %s)",
        [new_id, first.at, first.hash, hash_value or audit.digest(row)],
    )
    return new_id


def test_an_inserted_row_with_a_correct_hash_is_reported(entries):
    forged = _insert_between(entries)
    code, message = verify_command()
    assert code == 1
    assert f"Entry {forged} was inserted" in message


def test_an_inserted_row_with_a_wrong_hash_is_reported(entries):
    forged = _insert_between(entries, hash_value="0" * 64)
    code, message = verify_command()
    assert code == 1
    assert f"Entry {forged} was inserted" in message


def test_sm3_the_national_standard_hash_can_chain_on(settings, entries):
    if "sm3" not in hashlib.algorithms_available:
        pytest.skip("this OpenSSL has no SM3")
    settings.AUDIT_HASH_ALGORITHM = "sm3"
    row = audit_record(actor=None, actor_label="x", event="test.sm3")
    assert row.hash_algorithm == "sm3" and row.prev_hash == entries[-1].hash
    values = AuditEntry.objects.filter(pk=row.pk).values(*audit.CHAIN_FIELDS).get()
    assert row.hash == hashlib.new("sm3", audit.canonical(values)).hexdigest()
    settings.AUDIT_HASH_ALGORITHM = "sha256"  # rows keep their own algorithm
    audit_record(actor=None, actor_label="x", event="test.after")
    assert verify_command()[0] == 0
    tamper("UPDATE portal_auditentry SET reason = 'x' WHERE id = %s", [row.pk])
    assert verify_command()[0] == 1


def test_the_settings_check_refuses_an_unknown_algorithm(settings):
    settings.AUDIT_HASH_ALGORITHM = "md5"
    assert [e.id for e in audit.check_audit_settings()] == ["portal.E302"]
    settings.AUDIT_HASH_ALGORITHM = "sha256"
    assert audit.check_audit_settings() == []


def test_an_append_costs_a_lock_and_one_select(django_assert_num_queries):
    """One lock and one SELECT of the last hash per row, then the INSERT; nothing cached."""
    audit_record(actor=None, actor_label="x", event="test.first")
    expected = 3 if connection.vendor == "postgresql" else 2
    with django_assert_num_queries(expected) as captured:
        audit_record(actor=None, actor_label="x", event="test.second")
    sql = [query["sql"] for query in captured.captured_queries]
    if connection.vendor == "postgresql":
        assert "pg_advisory_xact_lock" in sql[0]
    assert "ORDER BY" in sql[-2] and sql[-1].startswith("INSERT")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_writers_at_once_never_chain_to_the_same_row():
    """Writer A appends and keeps its transaction open; writer B appends meanwhile. Without the
    advisory lock B reads the last committed hash (A's row is not committed yet) and both rows
    chain to the same predecessor: a fork the verifier reports."""
    audit_record(actor=None, actor_label="seed", event="test.seed")
    a_wrote = threading.Event()
    errors: list[BaseException] = []

    def writer_a():
        try:
            with transaction.atomic():
                audit_record(actor=None, actor_label="a", event="test.a")
                a_wrote.set()
                time.sleep(1.0)
        except BaseException as error:
            errors.append(error)
        finally:
            a_wrote.set()
            connection.close()

    def writer_b():
        try:
            a_wrote.wait(10)
            with transaction.atomic():
                audit_record(actor=None, actor_label="b", event="test.b")
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer_a), threading.Thread(target=writer_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    rows = list(AuditEntry.objects.order_by("id").values_list("event", "prev_hash", "hash"))
    assert [event for event, _p, _h in rows] == ["test.seed", "test.a", "test.b"]
    assert len({prev for _e, prev, _h in rows}) == 3
    assert audit.verify().ok


def test_the_nightly_task_alerts_the_audit_admins_when_the_chain_breaks(entries, settings):
    from portal import tasks
    from portal.models import Notification

    assert "portal.tasks.verify_audit_chain" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    auditor = UserFactory(role=Role.AUDIT_ADMIN)
    bystander = UserFactory(role=Role.SECURITY_ADMIN)
    assert tasks.verify_audit_chain.delay().get() is True
    assert not Notification.objects.filter(event="audit.chain_broken").exists()

    tamper("UPDATE portal_auditentry SET reason = 'rewritten' WHERE id = %s", [entries[1].pk])
    assert tasks.verify_audit_chain.delay().get() is False
    alert = Notification.objects.get(event="audit.chain_broken")
    assert alert.recipient == auditor and str(entries[1].pk) in alert.body
    assert not Notification.objects.filter(recipient=bystander).exists()
    row = AuditEntry.objects.filter(event="audit.chain_broken").get()
    assert row.outcome == AuditEntry.Outcome.FAILURE and "changed" in row.reason
