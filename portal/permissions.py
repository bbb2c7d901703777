"""The one place that decides access.

Views, the API, templates and selectors all ask `can(user, code, obj)` or `scope(user, code,
queryset)`. Rules are keyed by stable codes ("organisation.verify") and look only at role codes,
never at translated names. Other apps register their rules here from their AppConfig.ready(),
so the question "may this user…" still has one answer.
"""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet

from portal.models import AuditEntry, Notification, Organisation, Role, User

Rule = Callable[[User, Any], bool]
Scope = Callable[[User, QuerySet], QuerySet]

_RULES: dict[str, Rule] = {}
_SCOPES: dict[str, Scope] = {}


def rule(code: str) -> Callable[[Rule], Rule]:
    def register(check: Rule) -> Rule:
        if code in _RULES:
            raise ValueError(f"Permission rule {code!r} is registered twice.")
        _RULES[code] = check
        return check

    return register


def scoper(code: str) -> Callable[[Scope], Scope]:
    def register(narrow: Scope) -> Scope:
        if code in _SCOPES:
            raise ValueError(f"Permission scope {code!r} is registered twice.")
        _SCOPES[code] = narrow
        return narrow

    return register


def _active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def can(user: Any, code: str, obj: Model | None = None) -> bool:
    """May `user` do `code` (to `obj`, when the rule is about one object)?"""
    check = _RULES[code]  # an unknown code is a programming error, not a "no"
    return _active(user) and check(user, obj)


def require(user: Any, code: str, obj: Model | None = None) -> None:
    if not can(user, code, obj):
        raise PermissionDenied(code)


def scope(user: Any, code: str, queryset: QuerySet) -> QuerySet:
    """Narrow `queryset` to the rows `user` may `code`; nothing for an inactive user."""
    narrow = _SCOPES[code]
    if not _active(user):
        return queryset.none()
    return narrow(user, queryset)


def can_see(user: Any, code: str, obj: Model) -> bool:
    """May `user` see `obj` under `code`: its rule when there is one, else its scope."""
    if code in _RULES:
        return can(user, code, obj)
    return scope(user, code, type(obj)._default_manager.filter(pk=obj.pk)).exists()


def has_role(user: Any, *roles: str) -> bool:
    return _active(user) and user.role in roles


def in_region(user: User, region_path: str) -> bool:
    """A city agency sees its own region and every region under it."""
    return user.region is not None and region_path.startswith(user.region.path)


# Portal-wide pages ---------------------------------------------------------------------------


@rule("portal.api")
def _use_api(user: User, obj: None) -> bool:
    return bool(user.role)


@rule("region.view")
def _view_regions(user: User, obj: None) -> bool:
    return True


# Organisations -------------------------------------------------------------------------------

ALL_ORGANISATION_ROLES = {Role.REVIEWER, Role.LEADER, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN}


@rule("organisation.list")
def _list_organisations(user: User, obj: None) -> bool:
    return user.role in ALL_ORGANISATION_ROLES or user.role == Role.CITY_AGENCY


@scoper("organisation.view")
def _organisations_visible(user: User, queryset: QuerySet) -> QuerySet:
    if user.role in ALL_ORGANISATION_ROLES:
        return queryset
    if user.role == Role.CITY_AGENCY and user.region is not None:
        return queryset.filter(region__path__startswith=user.region.path)
    if user.role == Role.APPLICANT and user.organisation_id:
        return queryset.filter(pk=user.organisation_id)
    return queryset.none()


@rule("organisation.view")
def _view_organisation(user: User, org: Organisation) -> bool:
    if user.role in ALL_ORGANISATION_ROLES:
        return True
    if user.role == Role.CITY_AGENCY:
        return in_region(user, org.region.path)
    return user.role == Role.APPLICANT and user.organisation_id == org.pk


@rule("organisation.edit")
def _edit_organisation(user: User, org: Organisation) -> bool:
    if user.role == Role.REVIEWER:
        return True
    return user.role == Role.APPLICANT and user.organisation_id == org.pk


@rule("organisation.verify")
def _verify_organisation(user: User, org: Organisation | None) -> bool:
    if user.role != Role.REVIEWER:
        return False
    return org is None or org.status != Organisation.Status.VERIFIED


@rule("organisation.submit")
def _submit_for_organisation(user: User, obj: None) -> bool:
    """Declaring projects or claiming incentives needs an organisation the bureau verified."""
    return (
        user.role == Role.APPLICANT
        and user.organisation is not None
        and user.organisation.status == Organisation.Status.VERIFIED
    )


@rule("qualification.manage")
def _manage_qualifications(user: User, org: Organisation | None) -> bool:
    return user.role == Role.REVIEWER


# Users and roles: the three separated administrators -----------------------------------------


@rule("user.list")
def _list_users(user: User, obj: None) -> bool:
    return user.role in {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN}


@rule("user.manage")
def _manage_user(user: User, target: User | None) -> bool:
    """System admin: create accounts, edit contact details, enable and disable. Not roles."""
    if user.role != Role.SYSTEM_ADMIN:
        return False
    return target is None or target.pk != user.pk


@rule("role.assign")
def _assign_role(user: User, target: User | None) -> bool:
    """Security admin: roles and their scope, never on their own account."""
    if user.role != Role.SECURITY_ADMIN:
        return False
    return target is None or target.pk != user.pk


@rule("lockout.manage")
def _manage_lockouts(user: User, obj: None) -> bool:
    """Security admin: sees the accounts and addresses locked after failed logins, lifts one."""
    return user.role == Role.SECURITY_ADMIN


@rule("otp.enrol")
def _enrol_second_factor(user: User, obj: None) -> bool:
    """Anyone may protect their own account with an authenticator app (portal/otp.py)."""
    return True


@rule("otp.reset")
def _reset_second_factor(user: User, target: User | None) -> bool:
    """Security admin removes a user's authenticators (a lost phone), never their own: another
    security administrator does that, so no one can swap their own second factor alone."""
    if user.role != Role.SECURITY_ADMIN:
        return False
    return target is None or target.pk != user.pk


# Audit log -----------------------------------------------------------------------------------


@rule("audit.view")
def _view_audit(user: User, obj: AuditEntry | None) -> bool:
    return user.role == Role.AUDIT_ADMIN


@scoper("audit.view")
def _audit_visible(user: User, queryset: QuerySet) -> QuerySet:
    return queryset if user.role == Role.AUDIT_ADMIN else queryset.none()


# Notifications -------------------------------------------------------------------------------


@scoper("notification.view")
def _notifications_visible(user: User, queryset: QuerySet) -> QuerySet:
    return queryset.filter(recipient=user)


@rule("notification.view")
def _view_notification(user: User, note: Notification) -> bool:
    return note.recipient_id == user.pk


@rule("portal.home")
def _home(user: User, obj: None) -> bool:
    return True


@rule("organisation.own")
def _own_organisation(user: User, obj: None) -> bool:
    return user.role == Role.APPLICANT and bool(user.organisation_id)


@rule("region.list")
def _list_regions(user: User, obj: None) -> bool:
    return user.role in {Role.REVIEWER, Role.SYSTEM_ADMIN, Role.LEADER, Role.CITY_AGENCY}
