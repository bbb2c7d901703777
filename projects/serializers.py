"""Shapes of the projects API: what comes in (checked for form only) and what goes out.

No business rule lives here: services decide whether a value is allowed (a KPI below the
minimum, a score above the weight, an amount beyond the budget) and the exception handler turns
their ValidationError into the same {"detail": "invalid", "errors": {…}} shape as a shape error.
"""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal import permissions
from portal.models import Organisation, User
from portal.serializers import ActionSerializer, StateChangeSerializer, WorkflowFieldsMixin
from portal.types import DecimalDigits
from projects import selectors, workflow
from projects.models import (
    Application,
    Assignment,
    Attachment,
    Call,
    CallCategory,
    Category,
    DeclaredPatent,
    KPICommitment,
    KPITemplate,
    ProgressReport,
    RubricCriterion,
    ScoreItem,
)

MONEY: DecimalDigits = {"max_digits": 14, "decimal_places": 2}


# Categories and calls ------------------------------------------------------------------------


class KPITemplateSerializer(serializers.ModelSerializer):
    class Meta:
        model = KPITemplate
        fields = ["code", "name", "unit", "comparator", "minimum", "source"]


class RubricCriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = RubricCriterion
        fields = ["code", "name", "guidance", "weight", "source"]


class CategorySerializer(serializers.ModelSerializer):
    eligible_kinds = serializers.ListField(child=serializers.CharField(), read_only=True)
    subtypes = serializers.ListField(child=serializers.CharField(), read_only=True)
    rules = serializers.ListField(child=serializers.JSONField(), read_only=True)
    kpis = KPITemplateSerializer(many=True, read_only=True)
    criteria = RubricCriterionSerializer(many=True, read_only=True)

    class Meta:
        model = Category
        fields = [
            "code",
            "name",
            "tasks",
            "eligibility_text",
            "period_months",
            "eligible_kinds",
            "rules",
            "subtypes",
            "amount_min",
            "amount_max",
            "amount_source",
            "source",
            "version",
            "kpis",
            "criteria",
        ]


class SpecKPISerializer(serializers.Serializer):
    """A KPI as frozen in a call (`CallCategory.spec["kpis"]`); the minimum is a decimal string."""

    code = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    comparator = serializers.CharField()
    minimum = serializers.CharField()
    # A declared field (the serializer metaclass takes it out of the class), not Field.source.
    source = serializers.CharField(required=False)  # type: ignore[assignment]


class SpecCriterionSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    guidance = serializers.CharField(required=False)
    weight = serializers.IntegerField()


class LotSerializer(serializers.ModelSerializer):
    """A category opened in a call, with the rules it was opened under."""

    category = serializers.IntegerField(source="code", read_only=True)
    name = serializers.CharField(read_only=True)
    period_months = serializers.IntegerField(source="spec.period_months", read_only=True)
    eligible_kinds = serializers.ListField(
        child=serializers.CharField(), source="spec.eligible_kinds", read_only=True
    )
    subtypes = serializers.ListField(
        child=serializers.CharField(), source="spec.subtypes", read_only=True
    )
    kpis = SpecKPISerializer(many=True, source="spec.kpis", read_only=True)
    criteria = SpecCriterionSerializer(many=True, source="spec.criteria", read_only=True)
    application_count = serializers.IntegerField(read_only=True, required=False)

    class Meta:
        model = CallCategory
        fields = [
            "id",
            "category",
            "name",
            "budget",
            "expected_projects",
            "amount_min",
            "amount_max",
            "category_version",
            "period_months",
            "eligible_kinds",
            "subtypes",
            "kpis",
            "criteria",
            "application_count",
        ]


class CallSerializer(serializers.ModelSerializer):
    is_open = serializers.SerializerMethodField()
    lots = LotSerializer(many=True, read_only=True)

    class Meta:
        model = Call
        fields = ["id", "year", "title", "description", "opens_at", "closes_at", "is_open", "lots"]

    def get_is_open(self, call: Call) -> bool:
        return call.is_open()


# Applications: output ------------------------------------------------------------------------


class OrganisationNameSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["id", "name"]


class KPICommitmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = KPICommitment
        fields = ["code", "name", "unit", "comparator", "minimum", "committed", "baseline"]


class DeclaredPatentSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeclaredPatent
        fields = ["number", "kind"]


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "name", "purpose", "content_type", "size", "sha256", "uploaded_at", "url"]

    def get_url(self, attachment: Attachment) -> str:
        return reverse("projects:attachment_download", args=[attachment.pk])


class EventSerializer(StateChangeSerializer):
    """The application's history, with the field names the API has always used."""

    from_status = serializers.CharField(source="from_state")
    to_status = serializers.CharField(source="to_state")

    class Meta(StateChangeSerializer.Meta):
        fields = ["action", "from_status", "to_status", "actor", "by_portal", "reason", "at"]


class ScoreItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScoreItem
        fields = ["criterion_code", "criterion_name", "weight", "points", "comment"]


class PanelMemberSerializer(serializers.ModelSerializer):
    """One expert's assignment as the bureau sees it on the application."""

    expert_name: "serializers.StringRelatedField[User]" = serializers.StringRelatedField(
        source="expert"
    )
    items = ScoreItemSerializer(many=True, read_only=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "expert",
            "expert_name",
            "status",
            "total",
            "comment",
            "submitted_at",
            "items",
        ]


class ScoresSerializer(serializers.Serializer):
    final_score = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    score_count = serializers.IntegerField()
    score_spread = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    panel = PanelMemberSerializer(many=True)


def _user(serializer: serializers.Serializer) -> User:
    return serializer.context["request"].user


class ApplicationListSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    call = serializers.IntegerField(source="call_category.call_id", read_only=True)
    call_title = serializers.CharField(source="call_category.call.title", read_only=True)
    lot = serializers.IntegerField(source="call_category_id", read_only=True)
    category = serializers.IntegerField(source="call_category.code", read_only=True)
    category_name = serializers.CharField(source="call_category.name", read_only=True)
    lead_organisation_name = serializers.CharField(source="lead_organisation.name", read_only=True)
    region = serializers.CharField(source="lead_organisation.region.code", read_only=True)
    final_score = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id",
            "number",
            "title",
            "status",
            "status_display",
            "call",
            "call_title",
            "lot",
            "category",
            "category_name",
            "subtype",
            "lead_organisation",
            "lead_organisation_name",
            "region",
            "period_months",
            "requested_amount",
            "approved_amount",
            "final_score",
            "submitted_at",
            "revision_due",
            "status_changed_at",
            "created_at",
        ]

    @extend_schema_field(OpenApiTypes.DECIMAL)
    def get_final_score(self, application: Application) -> str | None:
        """Only for those who may see scores (project.application.scores); null otherwise."""
        if application.final_score is None or not permissions.can(
            _user(self), "project.application.scores", application
        ):
            return None
        return str(application.final_score)


class ApplicationDetailSerializer(ApplicationListSerializer):
    narrative = serializers.DictField(child=serializers.CharField(), read_only=True)
    joint_organisations = OrganisationNameSerializer(many=True, read_only=True)
    kpis = KPICommitmentSerializer(many=True, read_only=True)
    patents = DeclaredPatentSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    history = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()
    scores = serializers.SerializerMethodField()
    acceptance_result = serializers.JSONField(read_only=True)

    class Meta(ApplicationListSerializer.Meta):
        fields = [
            *ApplicationListSerializer.Meta.fields,
            "summary",
            "contact_name",
            "contact_phone",
            "narrative",
            "joint_organisations",
            "kpis",
            "patents",
            "attachments",
            "decision_reason",
            "decided_at",
            "start_date",
            "end_date",
            "acceptance_result",
            "verdict_reason",
            "history",
            "actions",
            "scores",
        ]

    @extend_schema_field(EventSerializer(many=True))
    def get_history(self, application: Application) -> list:
        # With many=True the instance is a ListSerializer, whose data is a list (ReturnList).
        return EventSerializer(selectors.application_history(application), many=True).data  # type: ignore[return-value]

    @extend_schema_field(ActionSerializer(many=True))
    def get_actions(self, application: Application) -> list:
        """What the user may do now (workflow.available): state and permission together."""
        return [
            {"action": t.action, "label": str(t.label)}
            for t in workflow.available(_user(self), application)
        ]

    @extend_schema_field(ScoresSerializer(allow_null=True))
    def get_scores(self, application: Application) -> dict | None:
        """Every expert's scores, for the bureau and leaders only; applicants never see them."""
        if not permissions.can(_user(self), "project.application.scores", application):
            return None
        return ScoresSerializer(
            {
                "final_score": application.final_score,
                "score_count": application.score_count,
                "score_spread": application.score_spread,
                "panel": selectors.application_assignments(application),
            }
        ).data


class FindingSerializer(serializers.Serializer):
    code = serializers.CharField()
    passed = serializers.BooleanField()
    message = serializers.CharField()


class ProblemSerializer(serializers.Serializer):
    field = serializers.CharField()
    message = serializers.CharField()


class CheckSerializer(serializers.Serializer):
    ready = serializers.BooleanField()
    findings = FindingSerializer(many=True)
    problems = ProblemSerializer(many=True)


class ExpertSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)
    field = serializers.CharField(source="expert_profile.field", read_only=True, default="")
    title = serializers.CharField(source="expert_profile.title", read_only=True, default="")
    organisation_name = serializers.CharField(
        source="organisation.name", read_only=True, default=""
    )

    class Meta:
        model = User
        fields = ["id", "name", "field", "title", "organisation_name"]


# Applications: input -------------------------------------------------------------------------


class ApplicationCreateSerializer(serializers.Serializer):
    lot = serializers.PrimaryKeyRelatedField(
        queryset=CallCategory.objects.select_related("call"),
        help_text="The category in a call (see calls[].lots[].id).",
    )
    subtype = serializers.CharField(required=False, allow_blank=True, default="")


class KPIValuesSerializer(serializers.Serializer):
    committed = serializers.DecimalField(required=False, allow_null=True, **MONEY)
    baseline = serializers.DecimalField(required=False, allow_null=True, **MONEY)


class ApplicationUpdateSerializer(serializers.Serializer):
    """A partial save of a draft: only the keys sent are changed."""

    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    summary = serializers.CharField(required=False, allow_blank=True)
    subtype = serializers.CharField(required=False, allow_blank=True, max_length=40)
    period_months = serializers.IntegerField(required=False, min_value=1, max_value=60)
    requested_amount = serializers.DecimalField(required=False, allow_null=True, **MONEY)
    contact_name = serializers.CharField(required=False, allow_blank=True, max_length=64)
    contact_phone = serializers.CharField(required=False, allow_blank=True, max_length=32)
    narrative = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False)
    kpis = serializers.DictField(
        child=KPIValuesSerializer(), required=False, help_text="{kpi code: {committed, baseline}}"
    )
    joint_organisations = serializers.PrimaryKeyRelatedField(
        many=True,
        required=False,
        queryset=Organisation.objects.filter(status=Organisation.Status.VERIFIED),
    )
    patents = serializers.ListField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        help_text="Application numbers, e.g. 202110182616.5.",
    )


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ReturnSerializer(ReasonSerializer):
    days = serializers.IntegerField(
        required=False, min_value=1, max_value=60, help_text="Days allowed for the revision."
    )


class AssignSerializer(serializers.Serializer):
    experts = serializers.PrimaryKeyRelatedField(
        many=True, queryset=User.objects.select_related("organisation")
    )


class ApproveSerializer(ReasonSerializer):
    amount = serializers.DecimalField(help_text="Yuan.", **MONEY)


class DecideSerializer(ReasonSerializer):
    decision = serializers.ChoiceField(choices=["approve", "reject"])
    amount = serializers.DecimalField(
        required=False, allow_null=True, help_text="Yuan; for approve.", **MONEY
    )


class VerdictSerializer(ReasonSerializer):
    accepted = serializers.BooleanField()


# Expert review -------------------------------------------------------------------------------


class ReviewedApplicationSerializer(serializers.ModelSerializer):
    """What an expert sees before declaring no conflict: who applies, never what they wrote."""

    category = serializers.IntegerField(source="call_category.code", read_only=True)
    category_name = serializers.CharField(source="call_category.name", read_only=True)
    lead_organisation_name = serializers.CharField(source="lead_organisation.name", read_only=True)
    joint_organisation_names: "serializers.SlugRelatedField[Organisation]" = (
        serializers.SlugRelatedField(
            source="joint_organisations", slug_field="name", many=True, read_only=True
        )
    )

    class Meta:
        model = Application
        fields = [
            "id",
            "number",
            "category",
            "category_name",
            "lead_organisation_name",
            "joint_organisation_names",
        ]


class ApplicationContentSerializer(serializers.ModelSerializer):
    """The declaration itself, shown to an expert only after declaring no conflict."""

    narrative = serializers.DictField(child=serializers.CharField(), read_only=True)
    kpis = KPICommitmentSerializer(many=True, read_only=True)
    patents = DeclaredPatentSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Application
        fields = [
            "title",
            "summary",
            "subtype",
            "period_months",
            "requested_amount",
            "narrative",
            "kpis",
            "patents",
            "attachments",
        ]


class AssignmentSerializer(WorkflowFieldsMixin, serializers.ModelSerializer):
    application = ReviewedApplicationSerializer(read_only=True)
    expert_name: "serializers.StringRelatedField[User]" = serializers.StringRelatedField(
        source="expert"
    )

    class Meta:
        model = Assignment
        fields = [
            "id",
            "status",
            "application",
            "expert",
            "expert_name",
            "assigned_at",
            "responded_at",
            "decline_reason",
            "total",
            "submitted_at",
            "history",
            "actions",
        ]


class AssignmentDetailSerializer(AssignmentSerializer):
    criteria = SpecCriterionSerializer(
        many=True, source="application.call_category.spec.criteria", read_only=True
    )
    items = ScoreItemSerializer(many=True, read_only=True)
    content = serializers.SerializerMethodField()

    class Meta(AssignmentSerializer.Meta):
        fields = [*AssignmentSerializer.Meta.fields, "comment", "criteria", "items", "content"]

    @extend_schema_field(ApplicationContentSerializer(allow_null=True))
    def get_content(self, assignment: Assignment) -> dict | None:
        """The application as the view loaded it for this user, or null while it may not."""
        application = self.context.get("content")
        return None if application is None else ApplicationContentSerializer(application).data


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class ScoreSerializer(serializers.Serializer):
    points = serializers.DictField(
        child=serializers.DecimalField(max_digits=5, decimal_places=1),
        help_text="{criterion code: points within 0…weight}",
    )
    comments = serializers.DictField(
        child=serializers.CharField(allow_blank=True), required=False, default=dict
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="")


# Execution -----------------------------------------------------------------------------------


class KPIOutcomeSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    comparator = serializers.CharField()
    target = serializers.DecimalField(allow_null=True, **MONEY)
    baseline = serializers.DecimalField(allow_null=True, **MONEY)
    actual = serializers.DecimalField(allow_null=True, **MONEY)
    achieved = serializers.DecimalField(allow_null=True, **MONEY)
    met = serializers.BooleanField()
    explanation = serializers.CharField()


class ActualSerializer(serializers.Serializer):
    code = serializers.CharField(source="kpi.code")
    name = serializers.CharField(source="kpi.name")
    unit = serializers.CharField(source="kpi.unit")
    actual = serializers.DecimalField(**MONEY)


class ProgressReportSerializer(serializers.ModelSerializer):
    application_number = serializers.CharField(source="application.number", read_only=True)
    submitted_by: "serializers.StringRelatedField[User]" = serializers.StringRelatedField()
    actuals = ActualSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "application",
            "application_number",
            "kind",
            "narrative",
            "actuals",
            "attachments",
            "submitted_by",
            "submitted_at",
        ]


class ProgressReportCreateSerializer(serializers.Serializer):
    application = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ProgressReport.Kind.choices)
    narrative = serializers.CharField(allow_blank=True)
    actuals = serializers.DictField(
        child=serializers.DecimalField(allow_null=True, **MONEY),
        required=False,
        default=dict,
        help_text="{kpi code: actual value}; deliverables: 1 delivered, 0 not.",
    )


class ProjectSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    category = serializers.IntegerField(source="call_category.code", read_only=True)
    category_name = serializers.CharField(source="call_category.name", read_only=True)
    lead_organisation_name = serializers.CharField(source="lead_organisation.name", read_only=True)

    class Meta:
        model = Application
        fields = [
            "id",
            "number",
            "title",
            "status",
            "status_display",
            "category",
            "category_name",
            "lead_organisation",
            "lead_organisation_name",
            "approved_amount",
            "start_date",
            "end_date",
        ]


class ProjectDetailSerializer(ProjectSerializer):
    kpi_results = serializers.SerializerMethodField()
    reports = serializers.SerializerMethodField()
    acceptance_result = serializers.JSONField(read_only=True)

    class Meta(ProjectSerializer.Meta):
        fields = [
            *ProjectSerializer.Meta.fields,
            "kpi_results",
            "reports",
            "acceptance_result",
            "verdict_reason",
        ]

    @extend_schema_field(KPIOutcomeSerializer(many=True))
    def get_kpi_results(self, application: Application) -> list:
        # With many=True the instance is a ListSerializer, whose data is a list (ReturnList).
        return KPIOutcomeSerializer(self.context["kpi_results"], many=True).data  # type: ignore[return-value]

    @extend_schema_field(ProgressReportSerializer(many=True))
    def get_reports(self, application: Application) -> list:
        return ProgressReportSerializer(self.context["reports"], many=True).data  # type: ignore[return-value]  # a ReturnList


# Query parameters ----------------------------------------------------------------------------


class ApplicationFilterSerializer(serializers.Serializer):
    call = serializers.IntegerField(required=False, help_text="Call id.")
    category = serializers.IntegerField(required=False, help_text="Category number (1–6).")
    status = serializers.ChoiceField(choices=Application.Status.choices, required=False)
    region = serializers.CharField(
        required=False, max_length=12, help_text="GB/T 2260 code; includes the counties under it."
    )
    organisation = serializers.IntegerField(required=False, help_text="Lead organisation id.")
    search = serializers.CharField(
        required=False, allow_blank=True, help_text="Number, title or lead organisation name."
    )


class ReviewFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Assignment.Status.choices, required=False)
    application = serializers.IntegerField(required=False)


class ProgressReportFilterSerializer(serializers.Serializer):
    application = serializers.IntegerField(required=False)
    kind = serializers.ChoiceField(choices=ProgressReport.Kind.choices, required=False)
