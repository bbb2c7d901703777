"""Lockout after failed logins: by account and by IP address, one message, unlock by the
security administrator only (django-axes, portal/accounts.py)."""

import base64
import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse

from portal.factories import UserFactory
from portal.models import AuditEntry, Role

pytestmark = pytest.mark.django_db

PASSWORD = "Pass-word-2025"
LOGIN = reverse("portal:login")


def attempt(username: str, password: str, ip: str = "10.0.0.1", client: Client | None = None):
    client = client or Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def alert(response) -> str:
    """The login page's message, without the user name typed back into the form."""
    match = re.search(r'<div class="alert[^"]*"[^>]*>(.*?)</div>', response.content.decode())
    return match.group(1) if match else ""


def logged_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == reverse("portal:home")


def test_five_failures_lock_the_account_even_from_different_addresses():
    UserFactory(username="victim")
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt("victim", "wrong", ip=f"10.0.1.{n}")
    # The right password, from yet another address: still refused.
    response = attempt("victim", PASSWORD, ip="10.0.1.99")
    assert response.status_code == 429 and not logged_in(response)
    assert "Too many failed logins" in alert(response)
    # Another account from those addresses is not affected (no address reached the limit).
    UserFactory(username="bystander")
    assert logged_in(attempt("bystander", PASSWORD, ip="10.0.1.0"))


def test_four_failures_do_not_lock():
    UserFactory(username="clumsy")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt("clumsy", "wrong")
    assert logged_in(attempt("clumsy", PASSWORD))


def test_five_failures_from_one_address_over_different_names_lock_the_address():
    UserFactory(username="alice")
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(f"guess{n}", "wrong", ip="10.0.2.1")
    response = attempt("alice", PASSWORD, ip="10.0.2.1")
    assert response.status_code == 429 and not logged_in(response)
    # The account itself is not locked: from another address it logs in.
    assert logged_in(attempt("alice", PASSWORD, ip="10.0.2.2"))


def test_the_message_is_the_same_for_existing_and_unknown_accounts():
    UserFactory(username="real")
    wrong_password = attempt("real", "wrong", ip="10.0.3.1")
    unknown_user = attempt("nobody", "wrong", ip="10.0.3.2")
    assert wrong_password.status_code == unknown_user.status_code == 200
    assert alert(wrong_password) and alert(wrong_password) == alert(unknown_user)
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt("real", "wrong", ip=f"10.0.4.{n}")
        attempt("nobody", "wrong", ip=f"10.0.5.{n}")
    locked_real_right = attempt("real", PASSWORD, ip="10.0.6.1")
    locked_real_wrong = attempt("real", "wrong", ip="10.0.6.2")
    locked_unknown = attempt("nobody", "wrong", ip="10.0.6.3")
    responses = [locked_real_right, locked_real_wrong, locked_unknown]
    assert {r.status_code for r in responses} == {429}
    assert len({alert(r) for r in responses}) == 1
    assert "Too many failed logins" in alert(locked_unknown)


def test_the_lockout_ends_after_the_cool_off():
    UserFactory(username="patient")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt("patient", "wrong")
    assert attempt("patient", PASSWORD).status_code == 429
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    # Still locked just inside the cool-off...
    last = AccessAttempt.objects.get().attempt_time
    AccessAttempt.objects.update(attempt_time=last - timedelta(minutes=14))
    assert attempt("patient", PASSWORD).status_code == 429
    # ...free once it has passed since the last failure.
    AccessAttempt.objects.update(attempt_time=last - timedelta(minutes=16))
    assert logged_in(attempt("patient", PASSWORD))


def test_a_good_login_forgets_the_accounts_failures_but_not_the_addresss():
    UserFactory(username="owner")
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(f"target{n}", "wrong", ip="10.0.7.1")
    attempt("owner", "wrong", ip="10.0.7.2")
    assert logged_in(attempt("owner", PASSWORD, ip="10.0.7.1"))
    assert not AccessAttempt.objects.filter(username="owner").exists()
    # The address's failures on other accounts still count: one more locks it.
    attempt("target9", "wrong", ip="10.0.7.1")
    assert attempt("owner", PASSWORD, ip="10.0.7.1").status_code == 429


def test_lockouts_and_failures_are_audited_without_the_password():
    UserFactory(username="audited")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt("audited", "secret-guess", ip="10.0.8.1")
    lock = AuditEntry.objects.filter(event="auth.lockout").first()
    assert lock is not None and lock.actor_label == "audited" and lock.ip == "10.0.8.1"
    assert lock.outcome == AuditEntry.Outcome.DENIED
    assert AuditEntry.objects.filter(event="auth.login_failed").count() == 5
    assert not AuditEntry.objects.filter(reason__contains="secret-guess").exists()


def test_the_admin_site_login_is_locked_too():
    UserFactory(username="staffer", is_staff=True, is_superuser=True, role="")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt("staffer", "wrong")
    response = Client().post(
        reverse("admin:login"),
        {"username": "staffer", "password": PASSWORD, "next": "/admin/"},
        REMOTE_ADDR="10.9.9.9",
    )
    assert response.status_code == 429


def test_the_api_takes_no_password(client):
    """Only the login forms check passwords (through axes): HTTP Basic is not an API login."""
    UserFactory(username="apiuser")
    basic = base64.b64encode(f"apiuser:{PASSWORD}".encode()).decode()
    response = client.get("/api/v1/regions/", HTTP_AUTHORIZATION=f"Basic {basic}")
    assert response.status_code in {401, 403}


def test_the_client_address_follows_trust_x_forwarded_for(settings):
    settings.TRUST_X_FORWARDED_FOR = True
    client = Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            LOGIN,
            {"username": f"probe{n}", "password": "wrong"},
            REMOTE_ADDR="10.0.0.254",  # the proxy
            HTTP_X_FORWARDED_FOR="203.0.113.7",
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}


# The security administrator's page -----------------------------------------------------------


def lock_account_and_address():
    UserFactory(username="locked")
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt("locked", "wrong", ip=f"10.1.0.{n}")
        attempt(f"spray{n}", "wrong", ip="10.2.0.1")


def test_security_admin_sees_and_lifts_lockouts(client):
    lock_account_and_address()
    security = UserFactory(role=Role.SECURITY_ADMIN)
    client.force_login(security)
    page = client.get(reverse("portal:lockout_list"))
    assert page.status_code == 200
    locks = {(lock.kind, lock.value) for lock in page.context["lockouts"]}
    assert locks == {("username", "locked"), ("ip_address", "10.2.0.1")}
    response = client.post(
        reverse("portal:lockout_release"),
        {"kind": "username", "value": "locked", "reason": "电话核实本人"},
    )
    assert response.status_code == 302
    assert logged_in(attempt("locked", PASSWORD, ip="10.1.0.50"))
    client.force_login(security)
    client.post(reverse("portal:lockout_release"), {"kind": "ip_address", "value": "10.2.0.1"})
    assert logged_in(attempt("locked", PASSWORD, ip="10.2.0.1"))
    unlocks = AuditEntry.objects.filter(event="auth.unlock", actor=security)
    assert unlocks.count() == 2
    assert unlocks.filter(reason="电话核实本人", after__username="locked").exists()


def test_the_unlock_form_names_a_bad_address(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(UserFactory(role=Role.SECURITY_ADMIN))
    response = client.post(
        reverse("portal:lockout_release"), {"kind": "ip_address", "value": "not-an-ip"}, follow=True
    )
    assert "This is not an IP address." in response.content.decode()
    assert not AuditEntry.objects.filter(event="auth.unlock").exists()


@pytest.mark.parametrize(
    "role",
    [Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN, Role.REVIEWER, Role.LEADER, Role.EXPERT],
)
def test_nobody_else_sees_or_lifts_lockouts(client, role):
    lock_account_and_address()
    client.force_login(UserFactory(role=role))
    assert client.get(reverse("portal:lockout_list")).status_code == 403
    response = client.post(reverse("portal:lockout_release"), {"kind": "username", "value": "x"})
    assert response.status_code == 403
    assert AccessAttempt.objects.filter(username="locked").exists()
    assert not AuditEntry.objects.filter(event="auth.unlock").exists()


def test_anonymous_is_sent_to_the_login(client):
    assert client.get(reverse("portal:lockout_list")).status_code == 302


def test_lockouts_are_in_the_security_admins_navigation(client):
    client.force_login(UserFactory(role=Role.SECURITY_ADMIN))
    assert reverse("portal:lockout_list") in client.get(reverse("portal:home")).content.decode()
    client.force_login(UserFactory(role=Role.SYSTEM_ADMIN))
    assert reverse("portal:lockout_list") not in client.get(reverse("portal:home")).content.decode()
