"""Sessions: a new id at login, idle and absolute limits on the server, logout and disabling
delete the server-side session (portal/session_security.py, portal/accounts.py)."""

import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal import accounts
from portal.factories import UserFactory
from portal.models import AuditEntry, Role, User, UserSession
from portal.tasks import disable_inactive_accounts

pytestmark = pytest.mark.django_db

PASSWORD = "Pass-word-2025"


def session_key(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def alive(key: str) -> bool:
    return Session.objects.filter(session_key=key).exists()


def shift_clocks(client: Client, *, login_ago: int = 0, activity_ago: int = 0) -> None:
    session = client.session
    now = int(time.time())
    session[accounts.SESSION_LOGIN_AT] = now - login_ago
    session[accounts.SESSION_LAST_ACTIVITY] = now - activity_ago
    session.save()


def test_login_gives_a_new_session_id(client):
    UserFactory(username="fixated")
    session = client.session  # a session the attacker could have planted before the login
    session["planted"] = True
    session.save()
    before = session.session_key
    response = client.post(reverse("portal:login"), {"username": "fixated", "password": PASSWORD})
    assert response.status_code == 302
    after = session_key(client)
    assert after != before
    assert not alive(before) and alive(after)
    assert UserSession.objects.filter(session_key=after, user__username="fixated").exists()


def test_an_idle_session_ends_on_the_server(client):
    client.force_login(UserFactory(role=Role.REVIEWER))
    key = session_key(client)
    shift_clocks(client, activity_ago=settings.SESSION_IDLE_TIMEOUT + 1)
    response = client.get(reverse("portal:organisation_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("portal:login"))
    assert not alive(key)
    assert not UserSession.objects.filter(session_key=key).exists()
    entry = AuditEntry.objects.get(event="auth.session_expired")
    assert entry.reason == "idle"
    # The old cookie is worth nothing now.
    assert client.get(reverse("portal:organisation_list")).status_code == 302


def test_the_idle_message_is_shown_on_the_login_page(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(UserFactory(role=Role.REVIEWER))
    shift_clocks(client, activity_ago=settings.SESSION_IDLE_TIMEOUT + 1)
    page = client.get(reverse("portal:home"), follow=True)
    assert "without activity" in page.content.decode()


def test_activity_keeps_a_session_alive_and_is_recorded(client):
    client.force_login(UserFactory(role=Role.REVIEWER))
    shift_clocks(client, activity_ago=settings.SESSION_IDLE_TIMEOUT - 60)
    assert client.get(reverse("portal:organisation_list")).status_code == 200
    last = client.session[accounts.SESSION_LAST_ACTIVITY]
    assert int(time.time()) - last < 5


def test_the_api_answers_401_once_idle(client):
    client.force_login(UserFactory(role=Role.REVIEWER))
    assert client.get("/api/v1/regions/").status_code == 200
    shift_clocks(client, activity_ago=settings.SESSION_IDLE_TIMEOUT + 1)
    assert client.get("/api/v1/regions/").status_code == 401


def test_a_session_ends_after_its_absolute_lifetime_however_active(client):
    assert settings.SESSION_ABSOLUTE_LIFETIME == 12 * 60 * 60
    assert not settings.SESSION_SAVE_EVERY_REQUEST
    client.force_login(UserFactory(role=Role.REVIEWER))
    key = session_key(client)
    shift_clocks(client, login_ago=settings.SESSION_ABSOLUTE_LIFETIME - 60, activity_ago=10)
    assert client.get(reverse("portal:organisation_list")).status_code == 200
    shift_clocks(client, login_ago=settings.SESSION_ABSOLUTE_LIFETIME + 1, activity_ago=10)
    response = client.get(reverse("portal:organisation_list"))
    assert response.status_code == 302 and reverse("portal:login") in response["Location"]
    assert not alive(key)
    assert AuditEntry.objects.filter(event="auth.session_expired", reason="absolute").exists()


def test_logout_deletes_the_server_side_session(client):
    client.force_login(UserFactory())
    key = session_key(client)
    assert alive(key)
    assert client.post(reverse("portal:logout")).status_code == 302
    assert not alive(key)
    assert not UserSession.objects.filter(session_key=key).exists()


def test_disabling_an_account_on_the_admin_page_ends_all_its_sessions(client):
    target = UserFactory(role=Role.REVIEWER)
    laptop, phone = Client(), Client()
    laptop.force_login(target)
    phone.force_login(target)
    keys = [session_key(laptop), session_key(phone)]
    assert all(alive(key) for key in keys)
    client.force_login(UserFactory(role=Role.SYSTEM_ADMIN))
    response = client.post(
        reverse("portal:user_edit", args=[target.pk]),
        {"action": "details", "name": target.name, "email": target.email, "phone": ""},
    )  # is_active unchecked
    assert response.status_code == 302
    target.refresh_from_db()
    assert not target.is_active
    assert not any(alive(key) for key in keys)
    assert laptop.get(reverse("portal:home")).status_code == 302


def test_disabling_by_any_save_ends_the_sessions_and_follows_a_changed_key(client):
    user = UserFactory(role=Role.REVIEWER)
    client.force_login(user)
    first = session_key(client)
    # A password change gives the session a new key; the index follows it.
    response = client.post(
        reverse("portal:password_change"),
        {"old_password": PASSWORD, "new_password1": "Xa9!kLm2#pQ", "new_password2": "Xa9!kLm2#pQ"},
    )
    assert response.status_code == 302
    second = session_key(client)
    assert second != first and alive(second)
    assert list(UserSession.objects.filter(user=user).values_list("session_key", flat=True)) == [
        second
    ]
    user.refresh_from_db()
    user.is_active = False
    user.save()
    assert not alive(second)
    assert not UserSession.objects.filter(user=user).exists()


# Dormant accounts ----------------------------------------------------------------------------


def make_user(username: str, *, joined_days: int, login_days: int | None, **extra) -> User:
    user = UserFactory(username=username, **extra)
    now = timezone.now()
    User.objects.filter(pk=user.pk).update(
        date_joined=now - timedelta(days=joined_days),
        last_login=None if login_days is None else now - timedelta(days=login_days),
    )
    return user


def test_accounts_unused_for_the_limit_are_disabled_once(client):
    days = settings.ACCOUNT_INACTIVE_DAYS
    assert days == 90
    dormant = make_user("dormant", joined_days=400, login_days=days + 1)
    never = make_user("never", joined_days=days + 1, login_days=None)
    make_user("recent", joined_days=400, login_days=days - 1)
    make_user("newcomer", joined_days=3, login_days=None)
    make_user("revived", joined_days=400, login_days=300, reactivated_at=timezone.now())
    client.force_login(dormant)
    dormant_key = session_key(client)
    User.objects.filter(pk=dormant.pk).update(last_login=timezone.now() - timedelta(days=days + 1))

    assert disable_inactive_accounts.delay().get() == 2
    active = dict(User.objects.values_list("username", "is_active"))
    assert not active["dormant"] and not active["never"]
    assert active["recent"] and active["newcomer"] and active["revived"]
    entries = AuditEntry.objects.filter(event="user.disabled_inactive")
    assert sorted(entries.values_list("target_label", flat=True)) == sorted(
        [str(dormant), str(never)]
    )
    assert not alive(dormant_key)
    # Idempotent: a second run finds nothing more to do.
    assert disable_inactive_accounts.delay().get() == 0
    assert entries.count() == 2


def test_enabling_again_restarts_the_inactivity_clock():
    from portal import services

    system = UserFactory(role=Role.SYSTEM_ADMIN)
    user = make_user("comeback", joined_days=400, login_days=200)
    accounts.users_disable_inactive()
    user.refresh_from_db()
    assert not user.is_active
    services.user_update(actor=system, user=user, data={"is_active": True})
    assert accounts.users_disable_inactive() == []
    user.refresh_from_db()
    assert user.is_active and user.reactivated_at is not None


def test_inactivity_zero_turns_it_off(settings):
    settings.ACCOUNT_INACTIVE_DAYS = 0
    make_user("ancient", joined_days=4000, login_days=None)
    assert accounts.users_disable_inactive() == []


def test_the_tasks_are_scheduled_daily():
    from config.celery import app

    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for task in ("portal.tasks.disable_inactive_accounts", "portal.tasks.prune_user_sessions"):
        assert task in scheduled and task in app.tasks


def test_sessions_past_their_lifetime_are_pruned_from_the_index(client):
    from portal.tasks import prune_user_sessions

    client.force_login(UserFactory())
    key = session_key(client)
    fresh = Client()
    fresh.force_login(UserFactory())
    UserSession.objects.filter(session_key=key).update(
        created_at=timezone.now() - timedelta(seconds=settings.SESSION_ABSOLUTE_LIFETIME + 1)
    )
    assert prune_user_sessions.delay().get() == 1
    assert not alive(key) and alive(session_key(fresh))
    assert list(UserSession.objects.values_list("session_key", flat=True)) == [session_key(fresh)]


def test_logging_in_over_another_users_session_indexes_the_new_one_at_once(client):
    first, second = UserFactory(), UserFactory()
    client.force_login(first)
    old = session_key(client)
    client.force_login(second)  # Django flushes the first user's session
    new = session_key(client)
    assert new != old and not alive(old)
    assert UserSession.objects.filter(user=second, session_key=new).exists()
