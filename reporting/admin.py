"""Admin registrations of the reporting app: read-mostly; writes go through the pages."""

from django.contrib import admin

from reporting.models import (
    DataElement,
    DataValue,
    Indicator,
    ProgressSnapshot,
    ReturnForm,
    StatReturn,
    Target,
    ValidationRule,
)


@admin.register(DataElement)
class DataElementAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "unit", "value_type", "kind", "is_active"]
    search_fields = ["code", "name"]


@admin.register(ReturnForm)
class ReturnFormAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "due_days", "needs_approval", "is_active"]
    filter_horizontal = ["elements", "regions"]


@admin.register(ValidationRule)
class ValidationRuleAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "left", "operator", "right", "importance", "is_active"]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "unit", "source_kind", "rollup"]


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ["indicator", "region", "deadline", "target_value", "source"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Returns and values change only through the services, which audit every change."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StatReturn)
class StatReturnAdmin(ReadOnlyAdmin):
    list_display = ["region", "period", "form", "version", "status", "is_current"]
    list_filter = ["status", "period"]


@admin.register(DataValue)
class DataValueAdmin(ReadOnlyAdmin):
    list_display = ["element", "period", "region", "value"]
    list_filter = ["period"]


@admin.register(ProgressSnapshot)
class ProgressSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["target", "period", "actual", "expected", "status", "computed_at"]
