"""The audit admin's page: search by user, time range, event, object, outcome and IP address;
export what was found to Excel (and CSV), each export audited; nobody else gets in."""

import io
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from portal.factories import UserFactory
from portal.models import AuditEntry, Region, Role
from portal.services import audit_record

pytestmark = pytest.mark.django_db

URL = reverse("portal:audit_list")


@pytest.fixture
def auditor(client, settings):
    user = UserFactory(username="auditor", role=Role.AUDIT_ADMIN)
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return user


@pytest.fixture
def log():
    """Entries that differ in one thing each; the search must tell them apart."""
    alice = UserFactory(username="alice", role=Role.REVIEWER)
    bob = UserFactory(username="bob", role=Role.REVIEWER)
    region = Region.objects.get(code="610900")
    other = Region.objects.get(code="610100")
    week_ago = timezone.now() - timedelta(days=7)
    with mock.patch("django.utils.timezone.now", return_value=week_ago):
        audit_record(actor=alice, event="old.thing", ip="192.168.9.9")
    audit_record(actor=alice, event="project.submit", target=region, ip="10.1.2.3")
    audit_record(actor=bob, event="project.approve", target=other, ip="10.1.7.7")
    audit_record(
        actor=bob,
        event="access.denied",
        outcome=AuditEntry.Outcome.DENIED,
        ip="2001:db8::5",
    )
    audit_record(actor=None, actor_label="=cmd|' /C calc'!A0", event="auth.login_failed",
                 outcome=AuditEntry.Outcome.FAILURE, ip="10.2.0.1")  # fmt: skip
    return {"region": region, "other": other, "week_ago": week_ago}


def found(client, **query) -> list[str]:
    response = client.get(URL, query)
    assert response.status_code == 200, response.content[:2000]
    return sorted(entry.event for entry in response.context["page"].object_list)


def test_search_by_every_criterion(client, auditor, log):
    region_type = ContentType.objects.get_for_model(Region)
    assert found(client, actor="alic") == ["old.thing", "project.submit"]
    assert found(client, event="project.") == ["project.approve", "project.submit"]
    assert found(client, outcome="denied") == ["access.denied"]
    assert found(client, outcome="failure") == ["auth.login_failed"]
    assert found(client, target_type=region_type.pk) == ["project.approve", "project.submit"]
    assert found(client, target_type=region_type.pk, target_id=log["region"].pk) == [
        "project.submit"
    ]
    assert found(client, target=log["other"].name) == ["project.approve"]
    assert found(client, ip="10.1.2.3") == ["project.submit"]
    assert found(client, ip="10.1.") == ["project.approve", "project.submit"]
    assert found(client, ip="2001:db8::5") == ["access.denied"]
    # Time range: a date means the whole day; a date and time, to the minute.
    day = timezone.localtime(log["week_ago"])
    assert found(client, since=day.date().isoformat(), until=day.date().isoformat()) == [
        "old.thing"
    ]
    since = (timezone.localtime() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    assert "old.thing" not in found(client, since=since)
    until = (day + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
    assert found(client, until=until) == ["old.thing"]


def test_a_search_that_cannot_be_read_finds_and_exports_nothing(client, auditor, log):
    response = client.get(URL, {"ip": "10.0.0.1; DROP", "format": "xlsx"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Enter an IP address or its beginning" in body
    assert "project.submit" not in body
    assert not AuditEntry.objects.filter(event="audit.export").exists()
    response = client.get(URL, {"since": "2025-06-02", "until": "2025-06-01"})
    assert response.status_code == 400
    assert "before its start" in response.content.decode()


def test_the_excel_export_holds_the_rows_found_formula_safe_and_is_audited(client, auditor, log):
    response = client.get(URL, {"event": "auth.login_f", "format": "xlsx"}, REMOTE_ADDR="10.7.7.7")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].startswith("attachment;")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book.active.iter_rows(values_only=True))
    # The title block (title, export time), the header and the one failed login.
    assert len(rows) == 4
    _title, _line, header, row = rows
    assert "event" in header and "hash" in header
    assert row[header.index("event")] == "auth.login_failed"
    assert row[header.index("user")] == "'=cmd|' /C calc'!A0"  # text, never a formula
    assert all(cell.data_type != "f" for line in book.active.iter_rows() for cell in line)
    export = AuditEntry.objects.get(event="audit.export")
    assert export.actor == auditor and export.ip == "10.7.7.7"
    assert export.outcome == "success"
    assert export.after == {"format": "xlsx", "rows": 1} and "event=auth.login_f" in export.reason


def test_only_the_audit_admin_searches_or_exports(client, log):
    for role in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.REVIEWER, Role.LEADER):
        client.force_login(UserFactory(role=role))
        for query in ({"actor": "alice"}, {"format": "xlsx"}, {"format": "csv"}):
            assert client.get(URL, query).status_code == 403, (role, query)
    assert not AuditEntry.objects.filter(event="audit.export").exists()
    client.logout()
    assert client.get(URL, {"format": "xlsx"}).status_code == 302


def test_pagination_keeps_the_search(client, auditor, django_assert_max_num_queries):
    for index in range(55):
        audit_record(actor=None, actor_label="x", event=f"bulk.{index}")
    audit_record(actor=None, actor_label="x", event="other")
    with django_assert_max_num_queries(12):
        response = client.get(URL, {"event": "bulk."})
    page = response.context["page"]
    assert page.paginator.count == 55 and len(page.object_list) == 50
    assert "event=bulk." in response.content.decode() and "page=2" in response.content.decode()
    second = client.get(URL, {"event": "bulk.", "page": 2}).context["page"]
    assert len(second.object_list) == 5
