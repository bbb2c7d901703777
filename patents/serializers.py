"""Shapes of the patent API: input checked for shape only; services enforce the rules."""

from rest_framework import serializers

from patents.models import Patent


class PatentSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.name", read_only=True)
    high_value_reasons = serializers.SerializerMethodField()
    unimplemented_state_funded = serializers.SerializerMethodField()

    class Meta:
        model = Patent
        fields = [
            "id", "number", "title", "abstract", "kind", "ipc", "owner", "inventors", "filed_on",
            "granted_on", "status", "state_funded", "funding_project", "converted",
            "foreign_family", "award", "screened_at", "tier", "industry", "screen_note",
            "high_value_reasons", "unimplemented_state_funded",
        ]  # fmt: skip
        read_only_fields = fields

    def get_high_value_reasons(self, patent: Patent) -> list[str]:
        return patent.high_value_reasons()

    def get_unimplemented_state_funded(self, patent: Patent) -> bool:
        return patent.unimplemented_state_funded()


class ScreenSerializer(serializers.Serializer):
    tier = serializers.CharField(max_length=1)
    industry = serializers.CharField(max_length=2)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField()
    dry_run = serializers.BooleanField(default=True)
