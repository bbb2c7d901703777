"""Shapes of the patent API: input checked for shape only; services enforce the rules."""

from collections.abc import Mapping

from rest_framework import serializers

from patents.models import Conversion, Match, Patent, TechNeed
from portal.models import Organisation
from portal.numbers import row_id
from projects.selectors import projects_led_by


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


class ConversionSerializer(serializers.ModelSerializer):
    """A conversion event. On input, `patent`, `kind` and the kind's fields; the service checks
    what each kind requires and the open-licence refusals."""

    patent = serializers.PrimaryKeyRelatedField(queryset=Patent.objects.all())
    patent_number = serializers.CharField(source="patent.number", read_only=True)
    counterparty = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.filter(kind=Organisation.Kind.ENTERPRISE),
        required=False,
        allow_null=True,
    )
    project = serializers.PrimaryKeyRelatedField(
        queryset=projects_led_by(organisation_ids=[]), required=False, allow_null=True
    )

    class Meta:
        model = Conversion
        fields = [
            "id", "patent", "patent_number", "kind", "counterparty", "counterparty_name",
            "project", "amount", "starts_on", "ends_on", "ended_on", "licence_kind",
            "via_open_licence", "fee_standard", "payment_method", "product", "sales",
            "contract_kind", "registration_number", "note", "recorded_at",
        ]  # fmt: skip
        read_only_fields = ["id", "patent_number", "ended_on", "recorded_at"]
        validators: list = []  # the model's term check is the service's, with its message

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Only projects of the patent's owner or of the counterparty can be named (read from
        # the input, checked again by the service): another's project is "not found".
        data = kwargs.get("data")
        data = data if isinstance(data, Mapping) else {}  # another shape: is_valid() says so
        if not data:  # a response, or the API schema: no input, no query
            return
        owners = Patent.objects.filter(pk=row_id(data.get("patent"))).values_list("owner_id")
        ids = [owner for (owner,) in owners] + [row_id(data.get("counterparty"))]
        self.fields["project"].queryset = projects_led_by(organisation_ids=ids)


class ConversionEndSerializer(serializers.Serializer):
    ended_on = serializers.DateField()


class OpenLicenceSerializer(serializers.ModelSerializer):
    patent = PatentSerializer(read_only=True)

    class Meta:
        model = Conversion
        fields = ["id", "patent", "fee_standard", "payment_method", "starts_on", "ends_on"]
        read_only_fields = fields


class MatchSerializer(serializers.ModelSerializer):
    patent_number = serializers.CharField(source="patent.number", read_only=True)
    patent_title = serializers.CharField(source="patent.title", read_only=True)
    owner = serializers.CharField(source="patent.owner.name", read_only=True)
    feedback = serializers.SerializerMethodField()

    class Meta:
        model = Match
        fields = [
            "id", "need", "patent", "patent_number", "patent_title", "owner", "rank", "score",
            "shared_terms", "same_industry", "ipc_overlap", "computed_at", "feedback",
        ]  # fmt: skip
        read_only_fields = fields

    def get_feedback(self, match: Match) -> dict | None:
        feedback = getattr(match, "feedback", None)
        if feedback is None:
            return None
        return {
            "rating": feedback.rating,
            "improvements": feedback.improvements,
            "wants_cooperation": feedback.wants_cooperation,
        }


class NeedSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = TechNeed
        fields = [
            "id", "organisation", "title", "description", "industry", "ipc", "budget_min",
            "budget_max", "cooperation", "is_open", "created_at", "matched_at",
        ]  # fmt: skip
        read_only_fields = ["id", "organisation", "is_open", "created_at", "matched_at"]


class FeedbackSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    improvements = serializers.CharField(required=False, allow_blank=True, default="")
    wants_cooperation = serializers.BooleanField(default=False)


class PushSerializer(serializers.Serializer):
    organisations = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), many=True
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
