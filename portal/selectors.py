"""Reads of the portal core, always scoped to the user asking."""

import ipaddress
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from portal import permissions
from portal.models import AuditEntry, Notification, Organisation, Region, Role, User


def region_list() -> QuerySet[Region]:
    return Region.objects.select_related("parent").order_by("path")


def region_by_code(code: str) -> Region | None:
    """A region by its code, following former codes (旬阳县 610928 → 旬阳市 610981)."""
    code = code.strip().upper()
    region = Region.objects.filter(code=code).first()
    if region is None:
        region = Region.objects.filter(aliases__code=code).first()
    return region


def region_choices_for_registration() -> QuerySet[Region]:
    return Region.objects.exclude(level=Region.Level.PROVINCE).order_by("path")


def organisation_list(
    *, user: User, search: str = "", status: str = "", kind: str = ""
) -> QuerySet[Organisation]:
    organisations = permissions.scope(user, "organisation.view", Organisation.objects.all())
    if search:
        organisations = organisations.filter(
            Q(name__icontains=search) | Q(credit_code__icontains=search.upper())
        )
    if status:
        organisations = organisations.filter(status=status)
    if kind:
        organisations = organisations.filter(kind=kind)
    return (
        organisations.select_related("region")
        .annotate(member_count=Count("members", distinct=True))
        .order_by("status", "name")
    )


def organisation_get(*, user: User, pk: int) -> Organisation:
    """One organisation the user may see, or 404 (not 403: others' existence is not leaked)."""
    organisation = (
        permissions.scope(user, "organisation.view", Organisation.objects.all())
        .select_related("region", "verified_by")
        .prefetch_related("qualifications", "members")
        .filter(pk=pk)
        .first()
    )
    if organisation is None:
        raise Http404
    return organisation


def user_list(*, user: User, search: str = "", role: str = "") -> QuerySet[User]:
    if not permissions.can(user, "user.list"):
        return User.objects.none()
    users = User.objects.select_related("organisation", "region")
    if search:
        users = users.filter(
            Q(username__icontains=search) | Q(name__icontains=search) | Q(email__icontains=search)
        )
    if role:
        users = users.filter(role=role)
    return users.order_by("role", "username")


def user_get(*, user: User, pk: int) -> User:
    target = user_list(user=user).filter(pk=pk).first()
    if target is None:
        raise Http404
    return target


def audit_list(
    *,
    user: User,
    event: str = "",
    actor: str = "",
    target: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    outcome: str = "",
    target_type: ContentType | None = None,
    target_id: str = "",
    ip: str = "",
) -> QuerySet[AuditEntry]:
    """The audit log as the audit admin searches it: `since` inclusive, `until` exclusive; an
    IP address matches whole, or by its beginning when it is not a whole address."""
    entries = permissions.scope(user, "audit.view", AuditEntry.objects.all())
    if event:
        entries = entries.filter(event__startswith=event)
    if actor:
        entries = entries.filter(actor_label__icontains=actor)
    if target:
        entries = entries.filter(target_label__icontains=target)
    if since:
        entries = entries.filter(at__gte=since)
    if until:
        entries = entries.filter(at__lt=until)
    if outcome:
        entries = entries.filter(outcome=outcome)
    if target_type is not None:
        entries = entries.filter(target_type=target_type)
    if target_id:
        entries = entries.filter(target_id=target_id)
    if ip:
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            entries = entries.filter(ip__startswith=ip)
        else:
            entries = entries.filter(ip=ip)
    return entries.select_related("target_type").order_by("-at", "-id")


def notification_list(*, user: User) -> QuerySet[Notification]:
    return permissions.scope(user, "notification.view", Notification.objects.all())


def unread_notification_count(*, user: User) -> int:
    return notification_list(user=user).filter(read_at__isnull=True).count()


def pending_organisation_count(*, user: User) -> int:
    if not permissions.can(user, "organisation.verify"):
        return 0
    return Organisation.objects.filter(status=Organisation.Status.PENDING).count()


def role_counts() -> dict[str, int]:
    rows = User.objects.filter(is_active=True).values("role").annotate(n=Count("id"))
    counts = dict.fromkeys(Role.values, 0)
    counts.update({row["role"]: row["n"] for row in rows if row["role"]})
    return counts


# Whom the portal tells ------------------------------------------------------------------------


def reviewers() -> QuerySet[User]:
    """The IP bureau's active reviewers (told of submissions, declines, corrections)."""
    return User.objects.filter(role=Role.REVIEWER, is_active=True)


def applicants_of(organisation_id: int) -> QuerySet[User]:
    """The active applicant accounts of one organisation (told of decisions on its records)."""
    return User.objects.filter(organisation_id=organisation_id, role=Role.APPLICANT, is_active=True)
