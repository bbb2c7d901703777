from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal import workflow
from portal.models import Organisation, Qualification, Region, StateChange, User


class SlugRelatedField(serializers.SlugRelatedField):
    """DRF's, refusing a value the database could not even be asked about (a NUL character:
    PostgreSQL refuses it in any text parameter, which would be a 500, not "not found")."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data.replace("\x00", ""))
        return super().to_internal_value(data)


class RegionSerializer(serializers.ModelSerializer):
    # A declared field (the serializer metaclass takes it out of the class), not Field.parent.
    parent: "serializers.SlugRelatedField[Region]" = serializers.SlugRelatedField(  # type: ignore[assignment]
        slug_field="code", read_only=True
    )

    class Meta:
        model = Region
        fields = ["id", "code", "name", "level", "parent", "is_internal_code"]


class QualificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Qualification
        fields = ["kind", "year", "recognised_on", "valid_until", "source"]


class StateChangeSerializer(serializers.ModelSerializer):
    """One step of a record's history (portal/workflow.py); no actor is the portal's own act."""

    actor: "serializers.StringRelatedField[User]" = serializers.StringRelatedField()
    by_portal = serializers.SerializerMethodField()
    to_label = serializers.CharField(read_only=True)

    class Meta:
        model = StateChange
        fields = ["action", "from_state", "to_state", "to_label", "actor", "by_portal", "reason",
                  "at"]  # fmt: skip

    def get_by_portal(self, change: StateChange) -> bool:
        return change.actor_id is None


class ActionSerializer(serializers.Serializer):
    """A step the user may take now (portal/workflow.py `available`)."""

    action = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a declared field


class WorkflowFieldsMixin(serializers.Serializer):
    """`history` and `actions` of a record with a workflow (portal/workflow.py), on a single
    record's response; a list leaves them empty rather than pay a query per row."""

    history = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    def _single(self) -> bool:
        view = self.context.get("view")
        return view is not None and getattr(view, "action", None) != "list"

    @extend_schema_field(StateChangeSerializer(many=True))
    def get_history(self, obj) -> list:
        if not self._single():
            return []
        return list(StateChangeSerializer(workflow.history(obj), many=True).data)

    @extend_schema_field(ActionSerializer(many=True))
    def get_actions(self, obj) -> list:
        """What the user may do now: the state and the permission together."""
        request = self.context.get("request")
        if not self._single() or request is None:
            return []
        flow = workflow.workflow_of(obj)
        return [
            {"action": t.action, "label": str(t.label)}
            for t in workflow.available(flow, request.user, obj)
        ]


class OrganisationSerializer(WorkflowFieldsMixin, serializers.ModelSerializer):
    region: "serializers.SlugRelatedField[Region]" = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    region_name = serializers.CharField(source="region.name", read_only=True)
    qualifications = QualificationSerializer(many=True, read_only=True)

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "credit_code",
            "kind",
            "region",
            "region_name",
            "status",
            "verified_at",
            "qualifications",
            "history",
            "actions",
        ]
