"""Writes of the portal core. Every write goes through one of these functions.

Each runs in one transaction, enforces the business rule (raising ValidationError with a
message a user can act on), records the audit entry, and defers e-mail to after commit.
"""

import contextvars
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from django.contrib.auth import password_validation
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import audit, eventbus, events, permissions, workflow
from portal.identifiers import normalise_credit_code
from portal.middleware import current_client_ip
from portal.models import (
    AuditEntry,
    Notification,
    Organisation,
    Qualification,
    Region,
    Role,
    User,
)

# Audit ---------------------------------------------------------------------------------------


def snapshot(obj: Model, fields: Iterable[str]) -> dict[str, Any]:
    """The audited fields of `obj`, as JSON-friendly values (foreign keys by id)."""
    values: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        values[name] = getattr(obj, getattr(field, "attname", name))  # a relation: no column
    return values


def audit_record(
    *,
    actor: User | None,
    event: str,
    target: Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    outcome: str = AuditEntry.Outcome.SUCCESS,
    actor_label: str = "",
    ip: str | None = None,
) -> AuditEntry:
    """Append one row to the audit log. The client IP comes from the request being served.

    The row is chained to the one before it (portal/audit.py): on PostgreSQL this takes a lock
    held to the end of the caller's transaction. Audit after the transaction's row locks
    (select_for_update), as the services do: a row lock taken after the audit lock could wait
    on a transaction that waits for the audit lock. Long transactions should audit late."""
    if actor is not None and not actor.is_authenticated:
        actor = None
    if before is not None and after is not None:
        # Keep only what changed, so the log reads as a diff.
        changed = {key for key in after if before.get(key) != after.get(key)}
        before = {key: before.get(key) for key in changed}
        after = {key: after[key] for key in changed}
    target_type = ContentType.objects.get_for_model(target) if target is not None else None
    entry = AuditEntry(
        actor=actor,
        actor_label=actor_label or (actor.get_username() if actor else ""),
        ip=ip or current_client_ip(),
        event=event,
        outcome=outcome,
        target_type=target_type,
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:200] if target is not None else "",
        reason=reason,
        before=before,
        after=after,
    )
    pending = _deferred_audit.get()
    if pending is not None:
        pending.append(entry)
    else:
        audit.append(entry)
    if outcome == AuditEntry.Outcome.SUCCESS:
        eventbus.publish(
            eventbus.Event(
                name=event,
                target_model=f"{target_type.app_label}.{target_type.model}" if target_type else "",
                target_id=entry.target_id,
            )
        )
    return entry


_deferred_audit: contextvars.ContextVar[list[AuditEntry] | None] = contextvars.ContextVar(
    "deferred_audit", default=None
)


@contextmanager
def audit_deferred() -> Iterator[None]:
    """Inside this block (within the caller's transaction) audit_record collects its entries
    and appends them to the chain when the block ends. An import of thousands of rows then takes
    the audit chain's lock (held to commit, portal/audit.py) for its last moment, not for the
    whole run; a block that raises writes none (its transaction rolls back anyway)."""
    if _deferred_audit.get() is not None:  # already deferred by an outer block
        yield
        return
    pending: list[AuditEntry] = []
    token = _deferred_audit.set(pending)
    try:
        yield
    finally:
        _deferred_audit.reset(token)
    for entry in pending:
        audit.append(entry)


# Notifications -------------------------------------------------------------------------------


_emails_suppressed = contextvars.ContextVar("emails_suppressed", default=False)


@contextmanager
def emails_suppressed() -> Iterator[None]:
    """Inside this block notify() writes inbox rows but sends no e-mail (used by load_demo,
    whose invented addresses must never receive mail)."""
    token = _emails_suppressed.set(True)
    try:
        yield
    finally:
        _emails_suppressed.reset(token)


def notify(
    *,
    event: str,
    recipients: Iterable[User],
    title: str,
    body: str = "",
    url: str = "",
) -> list[Notification]:
    """Record an event in each recipient's inbox and e-mail it after the transaction commits.

    The one way the portal tells people things; later features call this and nothing else.
    """
    from portal import tasks  # tasks import services; keep the cycle out of import time

    people = {user.pk: user for user in recipients if user.is_active}
    notes = Notification.objects.bulk_create(
        Notification(recipient=user, event=event, title=title, body=body, url=url)
        for user in people.values()
    )
    ids = [note.pk for note in notes if people[note.recipient_id].email]
    if ids and not _emails_suppressed.get():
        transaction.on_commit(lambda: tasks.send_notification_emails.delay(ids))
    return notes


def notification_mark_read(*, user: User, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications (all of them when no ids are given) as read."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    return unread.update(read_at=timezone.now())


# Organisations -------------------------------------------------------------------------------

ORGANISATION_AUDITED = (
    "name",
    "credit_code",
    "kind",
    "region",
    "address",
    "contact_name",
    "contact_phone",
    "status",
    "status_reason",
)


def _check_credit_code_free(code: str, *, exclude_pk: int | None = None) -> None:
    taken = Organisation.objects.filter(credit_code=code)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError(
            {
                "credit_code": _(
                    "An organisation with the credit code %(code)s is already registered. "
                    "Ask its applicant or the IP bureau to add you."
                )
                % {"code": code}
            }
        )


@transaction.atomic
def organisation_register(
    *,
    username: str,
    password: str,
    name: str,
    email: str,
    phone: str,
    organisation_name: str,
    credit_code: str,
    kind: str,
    region: Region,
    address: str = "",
) -> User:
    """Self-registration: a person registers an organisation and becomes its applicant.

    The organisation waits for a reviewer's verification before it may submit anything.
    """
    try:
        code = normalise_credit_code(credit_code)
    except ValidationError as error:
        raise ValidationError({"credit_code": error.messages}) from error
    _check_credit_code_free(code)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This user name is taken.")})
    organisation = Organisation.objects.create(
        name=organisation_name,
        credit_code=code,
        kind=kind,
        region=region,
        address=address,
        contact_name=name,
        contact_phone=phone,
    )
    user = User(
        username=username,
        name=name,
        email=email,
        phone=phone,
        role=Role.APPLICANT,
        organisation=organisation,
    )
    user.set_password(password)
    user.full_clean()
    user.save()
    audit_record(
        actor=user,
        event=events.ORGANISATION_REGISTER,
        target=organisation,
        after=snapshot(organisation, ORGANISATION_AUDITED),
    )
    reviewers = User.objects.filter(role=Role.REVIEWER, is_active=True)
    notify(
        event=events.ORGANISATION_REGISTERED,
        recipients=reviewers,
        title=_("New organisation awaiting verification: %(name)s") % {"name": organisation.name},
        url=f"/organisations/{organisation.pk}/",
    )
    return user


def _locked_organisation(organisation: Organisation) -> Organisation:
    return Organisation.objects.select_for_update().select_related("region").get(pk=organisation.pk)


@transaction.atomic
def organisation_update(
    *, actor: User, organisation: Organisation, data: dict[str, Any]
) -> Organisation:
    """Edit an organisation's details. A verified organisation keeps its credit code."""
    org = _locked_organisation(organisation)
    permissions.require(actor, "organisation.edit", org)
    before = snapshot(org, ORGANISATION_AUDITED)
    allowed = {"name", "kind", "region", "address", "contact_name", "contact_phone", "credit_code"}
    unknown = set(data) - allowed
    if unknown:
        raise ValueError(f"Not editable here: {sorted(unknown)}")
    if "credit_code" in data:
        try:
            code = normalise_credit_code(data["credit_code"])
        except ValidationError as error:
            raise ValidationError({"credit_code": error.messages}) from error
        if code != org.credit_code:
            if org.is_verified and actor.role != Role.REVIEWER:
                raise ValidationError(
                    {
                        "credit_code": _(
                            "A verified organisation's credit code can only be "
                            "changed by the IP bureau."
                        )
                    }
                )
            _check_credit_code_free(code, exclude_pk=org.pk)
        data = {**data, "credit_code": code}
    for key, value in data.items():
        setattr(org, key, value)
    org.full_clean()
    org.save(update_fields=list(data))
    audit_record(
        actor=actor,
        event=events.ORGANISATION_UPDATE,
        target=org,
        before=before,
        after=snapshot(org, ORGANISATION_AUDITED),
    )
    if org.status == Organisation.Status.REJECTED and actor.role == Role.APPLICANT:
        # Fixing a refused registration sends it back to the reviewers.
        from portal.organisation_workflow import ORGANISATION

        workflow.apply(ORGANISATION, actor=actor, obj=org, action="resubmit")
    return org


@transaction.atomic
def organisation_verify(*, actor: User, organisation: Organisation) -> Organisation:
    from portal.organisation_workflow import ORGANISATION

    org = _locked_organisation(organisation)
    return workflow.apply(ORGANISATION, actor=actor, obj=org, action="verify")


@transaction.atomic
def organisation_reject(*, actor: User, organisation: Organisation, reason: str) -> Organisation:
    from portal.organisation_workflow import ORGANISATION

    org = _locked_organisation(organisation)
    return workflow.apply(ORGANISATION, actor=actor, obj=org, action="reject", reason=reason)


@transaction.atomic
def qualification_add(
    *,
    actor: User | None,
    organisation: Organisation,
    kind: str,
    year: int,
    source: str,
    recognised_on: date | None = None,
    valid_until: date | None = None,
) -> Qualification:
    if actor is not None:
        permissions.require(actor, "qualification.manage", organisation)
    if Qualification.objects.filter(organisation=organisation, kind=kind, year=year).exists():
        raise ValidationError(
            {
                "kind": _("%(org)s already holds this qualification for %(year)s.")
                % {"org": organisation.name, "year": year}
            }
        )
    qualification = Qualification(
        organisation=organisation,
        kind=kind,
        year=year,
        source=source,
        recognised_on=recognised_on,
        valid_until=valid_until,
    )
    qualification.full_clean()
    qualification.save()
    audit_record(
        actor=actor,
        event=events.QUALIFICATION_ADD,
        target=organisation,
        after=snapshot(qualification, ("kind", "year", "recognised_on", "valid_until", "source")),
    )
    return qualification


@transaction.atomic
def qualification_register(
    *,
    actor: User,
    organisation: Organisation,
    kind: str,
    year: int,
    source: str,
    recognised_on: date | None = None,
    valid_until: date | None = None,
) -> tuple[Qualification, bool]:
    """A recognition from a published list (the provincial 专精特新 list, a little-giant batch):
    the list is the fact, so a qualification the organisation already holds for the same kind
    and year is updated from it, never added twice (qualification_add refuses that repeat).
    Returns the qualification and whether it was created."""
    permissions.require(actor, "qualification.manage", organisation)
    found = (
        Qualification.objects.select_for_update()
        .filter(organisation=organisation, kind=kind, year=year)
        .first()
    )
    values = {"source": source, "recognised_on": recognised_on, "valid_until": valid_until}
    created = found is None
    qualification = found or Qualification(organisation=organisation, kind=kind, year=year)
    before = None if created else snapshot(qualification, tuple(values))
    for name, value in values.items():
        setattr(qualification, name, value)
    qualification.full_clean()
    qualification.save()
    audit_record(
        actor=actor,
        event=events.QUALIFICATION_IMPORT if created else events.QUALIFICATION_UPDATE,
        target=organisation,
        before=before,
        after={"kind": kind, "year": year, **snapshot(qualification, tuple(values))},
    )
    return qualification, created


# Users and roles -----------------------------------------------------------------------------

USER_AUDITED = ("username", "name", "email", "phone", "is_active", "role", "organisation", "region")


def _check_role_scope(role: str, organisation: Organisation | None, region: Region | None) -> None:
    if role == Role.APPLICANT and organisation is None:
        raise ValidationError({"organisation": _("An applicant belongs to an organisation.")})
    if role == Role.CITY_AGENCY and region is None:
        raise ValidationError({"region": _("A city agency is scoped to a region.")})


@transaction.atomic
def user_create(
    *,
    actor: User,
    username: str,
    password: str,
    name: str = "",
    email: str = "",
    phone: str = "",
) -> User:
    """System admin creates an account; the security admin then grants it a role."""
    permissions.require(actor, "user.manage")
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This user name is taken.")})
    user = User(username=username, name=name, email=email, phone=phone)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    user.set_password(password)
    user.full_clean()
    user.save()
    audit_record(
        actor=actor, event=events.USER_CREATE, target=user, after=snapshot(user, USER_AUDITED)
    )
    return user


@transaction.atomic
def user_update(*, actor: User, user: User, data: dict[str, Any]) -> User:
    """System admin edits contact details and enables or disables an account."""
    target = User.objects.select_for_update().get(pk=user.pk)
    permissions.require(actor, "user.manage", target)
    unknown = set(data) - {"name", "email", "phone", "is_active"}
    if unknown:
        raise ValueError(f"Not editable here: {sorted(unknown)}")
    before = snapshot(target, USER_AUDITED)
    for key, value in data.items():
        setattr(target, key, value)
    if target.is_active and not before["is_active"]:
        # Enabled again: inactivity counts from now, or the nightly task would disable it again.
        target.reactivated_at = timezone.now()
    target.full_clean()
    target.save()  # disabling ends the account's sessions (portal.accounts.on_user_saved)
    audit_record(
        actor=actor,
        event=events.USER_UPDATE,
        target=target,
        before=before,
        after=snapshot(target, USER_AUDITED),
    )
    return target


@transaction.atomic
def user_set_password(*, actor: User, user: User, password: str) -> User:
    """System admin gives an account a new password (a user who forgot theirs). The user must
    choose their own at the next login; the account's open sessions end."""
    from portal import accounts  # accounts imports services

    target = User.objects.select_for_update().get(pk=user.pk)
    permissions.require(actor, "user.manage", target)
    try:
        password_validation.validate_password(password, target)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    target.set_password(password)
    target.save(update_fields=["password"])  # the password history records it
    User.objects.filter(pk=target.pk).update(password_changed_at=None)
    target.password_changed_at = None
    accounts.sessions_end(user=target)
    audit_record(actor=actor, event=events.USER_SET_PASSWORD, target=target)
    return target


@transaction.atomic
def user_assign_role(
    *,
    actor: User,
    user: User,
    role: str,
    organisation: Organisation | None = None,
    region: Region | None = None,
    reason: str = "",
) -> User:
    """Security admin grants a role and its scope. One role per account keeps duties apart."""
    target = User.objects.select_for_update().get(pk=user.pk)
    permissions.require(actor, "role.assign", target)
    if role and role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    _check_role_scope(role, organisation, region)
    before = snapshot(target, USER_AUDITED)
    target.role = role
    target.organisation = organisation if role == Role.APPLICANT else None
    target.region = region if role == Role.CITY_AGENCY else None
    target.save(update_fields=["role", "organisation", "region"])
    audit_record(
        actor=actor,
        event=events.USER_ASSIGN_ROLE,
        target=target,
        before=before,
        after=snapshot(target, USER_AUDITED),
        reason=reason,
    )
    return target


# Sign-in events (connected to django.contrib.auth's signals in PortalConfig.ready) ------------


def audit_login(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    audit_record(actor=user, event=events.AUTH_LOGIN, target=user)


def audit_logout(sender: Any, request: Any, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        audit_record(actor=user, event=events.AUTH_LOGOUT, target=user)


def audit_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    # The attempted name is kept for the audit admin; the password never is.
    audit_record(
        actor=None,
        actor_label=str(credentials.get("username", ""))[:150],
        event=events.AUTH_LOGIN_FAILED,
        outcome=AuditEntry.Outcome.FAILURE,
    )
