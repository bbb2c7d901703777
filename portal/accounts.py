"""Sign-in security: lockouts, sessions and dormant accounts (GB/T 22239-2019 8.1.4.1).

* Lockout after repeated failed logins, by account and by IP address independently
  (django-axes counts the failures; the settings are in config/settings.py). The security
  administrator sees current lockouts and lifts one early (`lockout_list`, `lockout_release`).
* Sessions: each login is indexed in UserSession, so disabling an account ends every session
  it has (`sessions_end`); the idle and absolute time limits are enforced by
  portal.session_security.SessionTimeoutMiddleware with the times stored here at login.
* Accounts not used for ACCOUNT_INACTIVE_DAYS are disabled by a periodic task.
"""

import ipaddress
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Sum
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import events, formats, permissions
from portal.models import AuditEntry, User, UserSession
from portal.services import audit_record

# Session keys (the session data is server-side; the browser holds only the session id).
SESSION_LOGIN_AT = "portal_login_at"
SESSION_LAST_ACTIVITY = "portal_last_activity"
SESSION_TRACKED_KEY = "portal_session_key"


# Lockouts ------------------------------------------------------------------------------------

LOCKOUT_KINDS = ("username", "ip_address")


@dataclass(frozen=True)
class Lockout:
    kind: str  # "username" or "ip_address"
    value: str
    failures: int
    last_attempt: datetime
    until: datetime


def _cool_off() -> timedelta:
    return get_cool_off() or timedelta(0)


def lockout_list(*, user: User) -> list[Lockout]:
    """Accounts and IP addresses locked now: at least AXES_FAILURE_LIMIT failures within the
    cool-off period, counted the way django-axes counts them (each parameter on its own)."""
    permissions.require(user, "lockout.manage")
    cool_off = _cool_off()
    recent = AccessAttempt.objects.all()
    if cool_off:
        recent = recent.filter(attempt_time__gte=timezone.now() - cool_off)
    locks: list[Lockout] = []
    for kind in LOCKOUT_KINDS:
        rows = recent.exclude(**{f"{kind}__isnull": True})
        if kind == "username":
            rows = rows.exclude(username="")
        rows = (
            rows.values(kind)
            .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
            .order_by("-last")
        )
        locks.extend(
            Lockout(
                kind=kind,
                value=row[kind],
                failures=row["failures"],
                last_attempt=row["last"],
                until=row["last"] + cool_off,
            )
            for row in rows
        )
    return locks


@transaction.atomic
def lockout_release(*, actor: User, kind: str, value: str, reason: str = "") -> int:
    """Lift a lockout before its cool-off ends: forget the failed attempts of an account (user
    name) or of an IP address. Returns the number of attempt records removed."""
    permissions.require(actor, "lockout.manage")
    value = value.strip()
    if kind not in LOCKOUT_KINDS:
        raise ValidationError({"kind": _("Choose an account or an IP address to unlock.")})
    if not value:
        raise ValidationError({"value": _("Say which account or IP address to unlock.")})
    if kind == "ip_address":
        try:
            value = str(ipaddress.ip_address(value))
        except ValueError as error:
            raise ValidationError({"value": _("This is not an IP address.")}) from error
    removed = AxesProxyHandler.reset_attempts(**{kind: value})
    audit_record(
        actor=actor,
        event=events.AUTH_UNLOCK,
        after={kind: value, "attempts_removed": removed},
        reason=reason,
    )
    return removed


def audit_lockout(
    sender: Any, request: Any = None, username: str = "", ip_address: str = "", **kwargs: Any
) -> None:
    """Connected to axes' user_locked_out signal: every refused attempt while locked."""
    audit_record(
        actor=None,
        actor_label=str(username or "")[:150],
        ip=ip_address or None,
        event=events.AUTH_LOCKOUT,
        outcome=AuditEntry.Outcome.DENIED,
        reason=_("%(count)d or more failed logins within %(minutes)d minutes.")
        % {
            "count": settings.AXES_FAILURE_LIMIT,
            "minutes": _cool_off().total_seconds() // 60,
        },
    )


# Sessions ------------------------------------------------------------------------------------


def _session_store_class():
    return import_module(settings.SESSION_ENGINE).SessionStore


def session_track(*, user: User, session: Any) -> None:
    """Index the session under its user; follow the key when it changes (login, password change,
    second factor: each gives a new key)."""
    key = session.session_key
    if not key or session.get(SESSION_TRACKED_KEY) == key:
        return
    previous = session.get(SESSION_TRACKED_KEY)
    UserSession.objects.update_or_create(session_key=key, defaults={"user": user})
    if previous:
        UserSession.objects.filter(session_key=previous).delete()
    session[SESSION_TRACKED_KEY] = key


def sessions_end(*, user: User) -> int:
    """Delete every session the user logged in with, wherever they are. Returns how many."""
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    store = _session_store_class()()
    for key in keys:
        store.delete(key)
    UserSession.objects.filter(user=user).delete()
    return len(keys)


def sessions_prune(*, now: datetime | None = None) -> int:
    """Forget index rows (and delete the sessions) older than SESSION_ABSOLUTE_LIFETIME: such a
    session is over whatever its cookie says, and the index must not grow for ever."""
    lifetime = settings.SESSION_ABSOLUTE_LIFETIME
    if not lifetime:
        return 0
    cutoff = (now or timezone.now()) - timedelta(seconds=lifetime)
    stale = UserSession.objects.filter(created_at__lt=cutoff)
    keys = list(stale.values_list("session_key", flat=True))
    store = _session_store_class()()
    for key in keys:
        store.delete(key)
    stale.delete()
    return len(keys)


def session_expire(*, request: Any, reason: str) -> None:
    """End the request's session because it was idle or open too long (audited)."""
    user = request.user
    audit_record(actor=user, event=events.AUTH_SESSION_EXPIRED, target=user, reason=reason)
    key = request.session.session_key
    if key:
        UserSession.objects.filter(session_key=key).delete()
    request.session.flush()


def on_login(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    """Connected to user_logged_in: start the session's clocks, index it, and forget this
    account's failed attempts (only the account's: the IP address's others stay counted, so one
    good login cannot reset an attack on other accounts from the same address)."""
    session = getattr(request, "session", None)
    if session is not None:
        now = int(time.time())
        session[SESSION_LOGIN_AT] = now
        session[SESSION_LAST_ACTIVITY] = now
        if session.session_key is None:
            # Logging in over another user's session flushes it: give it its key now, so it
            # is indexed here rather than on the next request.
            session.save()
        session_track(user=user, session=session)
    if getattr(settings, "AXES_ENABLED", True):  # axes sets its default on django.conf.settings
        AxesProxyHandler.reset_attempts(username=user.get_username())


def on_logout(sender: Any, request: Any, user: User | None, **kwargs: Any) -> None:
    """Connected to user_logged_out (Django then deletes the session row itself)."""
    session = getattr(request, "session", None)
    key = getattr(session, "session_key", None)
    if key:
        UserSession.objects.filter(session_key=key).delete()


def on_user_saved(sender: Any, instance: User, **kwargs: Any) -> None:
    """Connected to User's post_save: a disabled account keeps no session, however it was
    disabled (the system admin's page, the Django admin, the inactivity task)."""
    if not instance.is_active:
        sessions_end(user=instance)


# Dormant accounts ----------------------------------------------------------------------------


def users_disable_inactive(*, now: datetime | None = None) -> list[User]:
    """Disable active accounts not used for ACCOUNT_INACTIVE_DAYS: no login since then (nor
    creation, nor being enabled again). Idempotent: a disabled account is not counted twice."""
    days = settings.ACCOUNT_INACTIVE_DAYS
    if days <= 0:
        return []
    now = now or timezone.now()
    cutoff = now - timedelta(days=days)
    disabled: list[User] = []
    with transaction.atomic():
        candidates = (
            User.objects.select_for_update()
            .filter(is_active=True)
            .annotate(
                last_seen=Greatest(
                    Coalesce("last_login", "date_joined"),
                    Coalesce("reactivated_at", "date_joined"),
                )
            )
            .filter(last_seen__lt=cutoff)
            .order_by("pk")
        )
        for user in candidates:
            user.is_active = False
            user.save(update_fields=["is_active"])
            audit_record(
                actor=None,
                actor_label="system",
                event=events.USER_DISABLED_INACTIVE,
                target=user,
                before={"is_active": True},
                after={"is_active": False},
                reason=_("Not used since %(date)s (%(days)d days).")
                % {"date": formats.day(user.last_seen), "days": days},
            )
            disabled.append(user)
    return disabled
