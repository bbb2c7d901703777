"""Shapes of the reporting API: input checked for shape only; services enforce the rules."""

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from portal.models import Region
from portal.serializers import SlugRelatedField, WorkflowFieldsMixin
from reporting.models import (
    DataElement,
    DataValue,
    Indicator,
    ProgressSnapshot,
    ReturnForm,
    StatReturn,
    Target,
)


class DataElementSerializer(serializers.ModelSerializer):
    class Meta:
        model = DataElement
        fields = [
            "id", "code", "name", "unit", "value_type", "kind", "lower_bound", "upper_bound",
            "description", "source", "sort", "is_active",
        ]  # fmt: skip


class ReturnFormSerializer(serializers.ModelSerializer):
    elements: "serializers.SlugRelatedField[DataElement]" = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="code"
    )
    regions: "serializers.SlugRelatedField[Region]" = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="code"
    )

    class Meta:
        model = ReturnForm
        fields = [
            "id", "code", "name", "period_type", "elements", "regions", "counties_may_report",
            "due_days", "needs_approval", "is_active",
        ]  # fmt: skip


class StatReturnSerializer(WorkflowFieldsMixin, serializers.ModelSerializer):
    form: "serializers.SlugRelatedField[ReturnForm]" = serializers.SlugRelatedField(
        read_only=True, slug_field="code"
    )
    region: "serializers.SlugRelatedField[Region]" = serializers.SlugRelatedField(
        read_only=True, slug_field="code"
    )
    region_name = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = StatReturn
        fields = [
            "id", "form", "region", "region_name", "period", "version", "is_current", "status",
            "reason", "correction_reason", "submitted_at", "decided_at", "snapshot", "history",
            "actions",
        ]  # fmt: skip


class OpenReturnSerializer(serializers.Serializer):
    form = SlugRelatedField(slug_field="code", queryset=ReturnForm.objects.filter(is_active=True))
    region = serializers.CharField(max_length=12)
    period = serializers.CharField(max_length=8)


class ValueInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=32)
    # Text or number, read exactly as an Excel cell is ("1,234.5", "１２", " 7 ").
    value = serializers.JSONField(allow_null=True)
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ValuesSerializer(serializers.Serializer):
    values = ValueInputSerializer(many=True)


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    dry_run = serializers.BooleanField(default=True)


# Named apart from projects' ReasonSerializer: one OpenAPI component per name (`check --deploy`
# runs drf-spectacular's schema check).
@extend_schema_serializer(component_name="StatReturnReason")
class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, allow_blank=True, default="")


class DataValueSerializer(serializers.ModelSerializer):
    element: "serializers.SlugRelatedField[DataElement]" = serializers.SlugRelatedField(
        read_only=True, slug_field="code"
    )
    region: "serializers.SlugRelatedField[Region]" = serializers.SlugRelatedField(
        read_only=True, slug_field="code"
    )

    class Meta:
        model = DataValue
        fields = ["element", "period", "region", "value", "comment", "updated_at"]


class IndicatorSerializer(serializers.ModelSerializer):
    element: "serializers.SlugRelatedField[DataElement]" = serializers.SlugRelatedField(
        read_only=True, slug_field="code"
    )
    denominator: "serializers.SlugRelatedField[DataElement]" = serializers.SlugRelatedField(
        read_only=True, slug_field="code"
    )

    class Meta:
        model = Indicator
        fields = [
            "id", "code", "name", "unit", "group", "source_kind", "element", "denominator",
            "scale", "portal_source", "rollup",
        ]  # fmt: skip


class TargetSerializer(serializers.ModelSerializer):
    indicator = SlugRelatedField(slug_field="code", queryset=Indicator.objects.all())
    region = SlugRelatedField(
        slug_field="code",
        queryset=Region.objects.all(),
        allow_null=True,
        required=False,
    )

    class Meta:
        model = Target
        fields = [
            "id", "indicator", "region", "deadline", "target_value", "baseline_value",
            "baseline_date", "source",
        ]  # fmt: skip


class ProgressSerializer(serializers.ModelSerializer):
    indicator = serializers.CharField(source="target.indicator.code", read_only=True)
    region = serializers.CharField(source="target.region.code", read_only=True)
    target_value = serializers.DecimalField(
        source="target.target_value", max_digits=20, decimal_places=4, read_only=True
    )
    deadline = serializers.DateField(source="target.deadline", read_only=True)

    class Meta:
        model = ProgressSnapshot
        fields = [
            "indicator", "region", "period", "target_value", "deadline", "actual", "percent",
            "expected", "projection", "status", "explanation", "computed_at",
        ]  # fmt: skip
