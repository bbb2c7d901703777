"""Django admin: a developer's tool (superusers only). Business users work in the portal pages.

Changes made here still go to the audit log, and the audit log itself cannot be edited here.
"""

from typing import cast

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from portal import events, services
from portal.models import (
    AuditCheckpoint,
    AuditEntry,
    Notification,
    Organisation,
    Qualification,
    Region,
    User,
)


def _audited_fields(obj) -> dict:
    names = [f.name for f in obj._meta.concrete_fields if f.name != "password"]
    return services.snapshot(obj, names)


class AuditedAdmin(admin.ModelAdmin):
    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        before = _audited_fields(type(obj).objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        services.audit_record(
            actor=cast(User, request.user),  # the admin site lets only staff in
            event=events.ADMIN_CHANGE if change else events.ADMIN_ADD,
            target=obj,
            before=before,
            after=_audited_fields(obj),
        )

    def delete_model(self, request: HttpRequest, obj) -> None:
        services.audit_record(
            actor=cast(User, request.user),  # the admin site lets only staff in
            event=events.ADMIN_DELETE,
            target=obj,
            before=_audited_fields(obj),
        )
        super().delete_model(request, obj)

    def get_actions(self, request: HttpRequest):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # bulk delete would bypass the audit log
        return actions


@admin.register(Region)
class RegionAdmin(AuditedAdmin):
    list_display = ["code", "name", "level", "parent", "is_internal_code"]
    list_filter = ["level", "is_internal_code"]
    search_fields = ["code", "name"]
    readonly_fields = ["path"]


class QualificationInline(admin.TabularInline):
    model = Qualification
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ["name", "credit_code", "kind", "region", "status"]
    list_filter = ["kind", "status", "region"]
    search_fields = ["name", "credit_code"]
    inlines = [QualificationInline]
    raw_id_fields = ["verified_by"]


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    list_display = ["username", "name", "role", "organisation", "region", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "name", "email"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("Portal", {"fields": ("name", "phone", "role", "organisation", "region")}),
    )


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_label", "ip", "event", "outcome", "target_label"]
    list_filter = ["outcome", "event"]
    search_fields = ["actor_label", "target_label", "event"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(AuditCheckpoint)
class AuditCheckpointAdmin(admin.ModelAdmin):
    """Written only by `manage.py purge_audit`; read-only here, like the log itself."""

    list_display = ["at", "before", "last_id", "rows", "archive", "actor_label"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "event", "title", "read_at", "emailed_at"]
    list_filter = ["event"]
