"""Core of the portal: regions, organisations, users and roles, the audit log, notifications."""

import uuid
from typing import ClassVar, Self

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.identifiers import validate_credit_code


class Region(models.Model):
    """An administrative area (GB/T 2260) or a reporting unit with an internal code."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")
        COUNTY = "county", _("County")

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=64)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised path of codes ("610000/610900/610902/"): scoping a user to a region and
    # everything under it is one indexed prefix match, not a recursive query.
    path = models.CharField(max_length=128, db_index=True, editable=False)
    is_internal_code = models.BooleanField(
        _("internal code"),
        default=False,
        help_text=_("The unit has no GB/T 2260 code; the portal assigned this one."),
    )
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        # The path is derived, never typed: keep it in step with code and parent.
        self.path = f"{self.parent.path if self.parent_id else ''}{self.code}/"
        super().save(*args, **kwargs)


class RegionCodeAlias(models.Model):
    """A former code still found in old files, e.g. 旬阳县 610928 → 旬阳市 610981."""

    code = models.CharField(_("former code"), max_length=12, unique=True)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.CASCADE, related_name="aliases"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("former region code")
        verbose_name_plural = _("former region codes")

    def __str__(self) -> str:
        return f"{self.code} → {self.region.code}"


class Organisation(models.Model):
    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("Enterprise")
        UNIVERSITY = "university", _("University")
        RESEARCH_INSTITUTE = "institute", _("Research institute")
        PARK_COMMITTEE = "park", _("Park management committee")
        SERVICE_AGENCY = "agency", _("Service agency")
        GOVERNMENT = "government", _("Government agency")

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting verification")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Verification refused")

    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_credit_code],
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="organisations"
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=64, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    status = models.CharField(
        _("verification"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    status_reason = models.CharField(_("reason"), max_length=500, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        indexes = [models.Index(fields=["status", "kind"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.status == self.Status.VERIFIED


class Qualification(models.Model):
    """A dated recognition of an organisation, with the list or document it comes from."""

    class Kind(models.TextChoices):
        SPECIALISED_PROVINCIAL = "specialised_provincial", _("Provincial specialised SME")
        LITTLE_GIANT = "little_giant", _("National specialised 'little giant'")
        SINGLE_CHAMPION = "single_champion", _("Manufacturing single champion")
        HIGH_TECH = "high_tech", _("High-tech enterprise")
        LISTING_RESERVE = "listing_reserve", _("Key listing-reserve enterprise")
        HIDDEN_CHAMPION = "hidden_champion", _("Hidden champion")
        GAZELLE = "gazelle", _("Gazelle enterprise")
        UNICORN = "unicorn", _("Unicorn enterprise")
        INNOVATION_CENTRE_NATIONAL = (
            "innovation_national",
            _("National innovation centre / engineering centre / key laboratory"),
        )
        INNOVATION_CENTRE_PROVINCIAL = (
            "innovation_provincial",
            _("Provincial innovation centre / engineering centre / key laboratory"),
        )

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="qualifications",
    )
    kind = models.CharField(_("qualification"), max_length=32, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("year / batch"))
    recognised_on = models.DateField(_("recognised on"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200)

    class Meta:
        ordering = ["organisation", "kind", "year"]
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "year"], name="qualification_once_per_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.year}"


class Role(models.TextChoices):
    """Stable role codes. Display names are translated; access decisions use the codes only."""

    APPLICANT = "applicant", _("Applicant")
    REVIEWER = "reviewer", _("Reviewer (IP bureau)")
    EXPERT = "expert", _("Expert")
    CITY_AGENCY = "city_agency", _("City agency")
    LEADER = "leader", _("Leader")
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")


ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})


class User(AbstractUser):
    """A person. One account holds exactly one role, which keeps the three admins apart."""

    name = models.CharField(_("full name"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agents",
        help_text=_("For a city agency: the region it reports for (and the counties under it)."),
    )
    # When the password was last set (portal/passwords.py stamps it): it expires after
    # PASSWORD_MAX_AGE_DAYS. None means "change it at the next login" (a password set by an
    # administrator).
    password_changed_at = models.DateTimeField(
        _("password changed at"), null=True, blank=True, default=timezone.now, editable=False
    )
    # When a disabled account was enabled again: inactivity (ACCOUNT_INACTIVE_DAYS) counts from
    # the latest of this, the last login and the date joined.
    reactivated_at = models.DateTimeField(
        _("enabled again at"), null=True, blank=True, editable=False
    )

    objects: ClassVar[UserManager[Self]] = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="applicant") | models.Q(organisation__isnull=False),
                name="applicant_has_organisation",
            ),
            models.CheckConstraint(
                condition=~models.Q(role="city_agency") | models.Q(region__isnull=False),
                name="city_agency_has_region",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.username

    def clean(self) -> None:
        super().clean()
        if self.role == Role.APPLICANT and not self.organisation_id:
            raise ValidationError({"organisation": _("An applicant belongs to an organisation.")})
        if self.role == Role.CITY_AGENCY and not self.region_id:
            raise ValidationError({"region": _("A city agency is scoped to a region.")})


class PasswordHistory(models.Model):
    """A hash of a password the user had, so the last PASSWORD_HISTORY ones are not reused.

    Written by portal.passwords.PasswordHistoryValidator.password_changed, which Django calls
    whenever a password is set and saved (password change, an administrator's reset, account
    creation). Only the hash is kept, with the same hasher as the account's password.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="password_history",
    )
    password = models.CharField(_("password hash"), max_length=128)
    created_at = models.DateTimeField(_("set at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("former password")
        verbose_name_plural = _("former passwords")

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d}"


class UserSession(models.Model):
    """A session a user logged in with, so disabling the account can end every one of them.

    Django's session table cannot be searched by user (the data is encoded); this small index
    is written at login and whenever the session key changes (portal.accounts).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="sessions",
    )
    session_key = models.CharField(_("session key"), max_length=40, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("user session")
        verbose_name_plural = _("user sessions")

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M}"


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def delete(self):
        raise PermissionError("The audit log is append-only.")


class AuditEntry(models.Model):
    """One row per thing that happened. Rows are written once and never changed.

    The model refuses updates and deletes; on PostgreSQL a trigger refuses them too, so not even
    raw SQL through the application's connection can rewrite history. Each row also carries the
    hash of its predecessor and its own hash (portal/audit.py), so `manage.py verify_audit_chain`
    finds a row changed, removed or slipped in by someone who got past both.
    """

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("Success")
        FAILURE = "failure", _("Failure")
        DENIED = "denied", _("Denied")

    # Set by portal.audit.append once it holds the chain lock, so time order is chain order.
    at = models.DateTimeField(_("time"), default=timezone.now, editable=False, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("user name"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    event = models.CharField(_("event"), max_length=64, db_index=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.SUCCESS
    )
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(_("object"), max_length=200, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    before = models.JSONField(_("before"), null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("after"), null=True, blank=True, encoder=DjangoJSONEncoder)
    # The hash chain (portal/audit.py documents what is hashed): hex digests, never edited.
    hash_algorithm = models.CharField(_("hash algorithm"), max_length=16, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=128, blank=True)
    hash = models.CharField(_("hash"), max_length=128, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.event}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")


class AuditCheckpoint(models.Model):
    """Where the audit chain starts after a purge (`manage.py purge_audit`).

    The rows up to `last_id` went to an archive workbook; the first row still in the log must
    chain to `last_hash`. The purge's own audit row repeats these values, so a checkpoint
    forged to hide a deletion does not match the log.
    """

    at = models.DateTimeField(_("time"), default=timezone.now, editable=False)
    actor_label = models.CharField(_("user name"), max_length=150, blank=True)
    before = models.DateTimeField(_("purged rows before"))
    last_id = models.BigIntegerField(_("last purged entry"), unique=True)
    last_hash = models.CharField(_("hash of the last purged entry"), max_length=128)
    rows = models.PositiveIntegerField(_("rows purged"))
    archive = models.CharField(_("archive file"), max_length=500)
    archive_sha256 = models.CharField(_("SHA-256 of the archive file"), max_length=64)

    class Meta:
        ordering = ["-last_id"]
        verbose_name = _("audit checkpoint")
        verbose_name_plural = _("audit checkpoints")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} ≤{self.last_id}"


class Notification(models.Model):
    """An in-app message to one user; e-mailed after commit by a Celery task."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    event = models.CharField(_("event"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title


class StateChange(models.Model):
    """One transition of a record with a life cycle (portal/workflow.py): who, when, from, to,
    why. The history a record's page shows; the audit log records the same act for auditors.
    An empty actor is the portal's own act (an automatic step)."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    workflow = models.CharField(_("workflow"), max_length=40)
    action = models.CharField(_("action"), max_length=32)
    from_state = models.CharField(_("from"), max_length=24, blank=True)
    to_state = models.CharField(_("to"), max_length=24)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(_("reason"), blank=True)
    payload = models.JSONField(_("details"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("state change")
        verbose_name_plural = _("state changes")
        indexes = [
            models.Index(fields=["content_type", "object_id", "at"], name="state_change_record"),
            models.Index(fields=["workflow", "action", "at"], name="state_change_action"),
        ]

    def __str__(self) -> str:
        return f"{self.workflow} {self.object_id}: {self.from_state} → {self.to_state}"

    @property
    def to_label(self) -> str:
        """The state reached, as its workflow names it (translated)."""
        from portal.workflow import workflows  # the engine imports this module

        flow = workflows().get(self.workflow)
        return flow.state_label(self.to_state) if flow else self.to_state

    @property
    def action_label(self) -> str:
        from portal.workflow import workflows

        flow = workflows().get(self.workflow)
        if flow is None or self.action not in flow.by_action:
            return self.action
        return str(flow.by_action[self.action].label)


def issued_document_path(instance: "IssuedDocument", filename: str) -> str:
    # A name the server makes up: the file is served only by the permission-checked view.
    return f"documents/{instance.kind}/{uuid.uuid4().hex}.pdf"


class IssuedDocument(models.Model):
    """An official document (portal/documents.py) as issued: the PDF rendered once and stored
    with its SHA-256, so every reprint is the same file. A correction is the next version, with
    its reason; the earlier versions are kept."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(_("kind"), max_length=40)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    title = models.CharField(_("title"), max_length=200)
    number = models.CharField(_("document number"), max_length=60, blank=True)
    file = models.FileField(_("file"), upload_to=issued_document_path, max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    # SHA-256 of the figures and words the document shows (its template context): tells whether
    # the record changed since, for documents that follow a record still being edited.
    content_sha256 = models.CharField(_("SHA-256 of the content"), max_length=64)
    reason = models.TextField(_("reason for this version"), blank=True)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["content_type", "object_id", "kind", "version"]
        verbose_name = _("issued document")
        verbose_name_plural = _("issued documents")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "kind", "version"],
                name="issued_document_version_once",
            )
        ]

    def __str__(self) -> str:
        suffix = f" v{self.version}" if self.version > 1 else ""
        return f"{self.title}{suffix}"


class Counter(models.Model):
    """Yearly serials (claim and application numbers): one row per key, incremented in one
    statement (portal/serials.py), so two transactions never hand out the same number."""

    key = models.CharField(max_length=60, unique=True)
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("counter")
        verbose_name_plural = _("counters")

    def __str__(self) -> str:
        return f"{self.key}={self.value}"
