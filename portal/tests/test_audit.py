"""The audit log is append-only: no role can edit or delete an entry, anywhere."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from portal import services
from portal.factories import UserFactory
from portal.models import AuditEntry, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry():
    return services.audit_record(actor=None, actor_label="tester", event="test.event")


def test_model_refuses_update_and_delete(entry):
    entry.reason = "rewritten"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="rewritten")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).reason == ""


@pytest.mark.postgres
def test_database_trigger_refuses_raw_update_and_delete(entry):
    for sql in (
        "UPDATE portal_auditentry SET reason = 'rewritten' WHERE id = %s",
        "DELETE FROM portal_auditentry WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).reason == ""


def test_admin_site_offers_no_edit_or_delete_even_to_a_superuser(client, entry):
    superuser = UserFactory(is_superuser=True, is_staff=True, role="")
    client.force_login(superuser)
    change_url = reverse("admin:portal_auditentry_change", args=[entry.pk])
    delete_url = reverse("admin:portal_auditentry_delete", args=[entry.pk])
    assert client.post(change_url, {"reason": "rewritten"}).status_code == 403
    assert client.post(delete_url, {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:portal_auditentry_add")).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk, reason="").exists()


def test_audit_admin_page_is_read_only_and_others_are_refused(client, entry):
    auditor = UserFactory(role=Role.AUDIT_ADMIN)
    client.force_login(auditor)
    page = client.get(reverse("portal:audit_list"))
    assert page.status_code == 200 and b"test.event" in page.content
    assert client.post(reverse("portal:audit_list"), {"reason": "x"}).status_code == 405
    for role in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.REVIEWER, Role.LEADER):
        client.force_login(UserFactory(role=role))
        assert client.get(reverse("portal:audit_list")).status_code == 403, role


def test_audit_csv_export_is_itself_audited_and_formula_safe(client):
    services.audit_record(actor=None, actor_label='=HYPERLINK("x")', event="test.event")
    auditor = UserFactory(role=Role.AUDIT_ADMIN)
    client.force_login(auditor)
    response = client.get(reverse("portal:audit_list"), {"format": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    assert "'=HYPERLINK" in body
    assert AuditEntry.objects.filter(event="audit.export", actor=auditor).exists()


def test_login_logout_and_failed_login_are_audited(client):
    user = UserFactory(username="someone", role=Role.REVIEWER)
    client.post(
        reverse("portal:login"),
        {"username": "someone", "password": "wrong"},
        REMOTE_ADDR="10.1.2.3",
    )
    failed = AuditEntry.objects.get(event="auth.login_failed")
    assert failed.actor_label == "someone" and failed.outcome == "failure"
    assert failed.ip == "10.1.2.3"
    assert "wrong" not in str(failed.after) + str(failed.reason)
    client.post(reverse("portal:login"), {"username": "someone", "password": "Pass-word-2025"})
    assert AuditEntry.objects.filter(event="auth.login", actor=user).exists()
    client.post(reverse("portal:logout"))
    assert AuditEntry.objects.filter(event="auth.logout", actor=user).exists()


def test_password_change_is_audited_without_the_password(client):
    user = UserFactory(username="changer", role=Role.REVIEWER)
    client.force_login(user)
    response = client.post(
        reverse("portal:password_change"),
        {
            "old_password": "Pass-word-2025",
            "new_password1": "Nw9!pQr4#zT",
            "new_password2": "Nw9!pQr4#zT",
        },
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(event="auth.password_change")
    assert entry.actor == user and "Nw9" not in f"{entry.before}{entry.after}{entry.reason}"
