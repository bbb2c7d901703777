"""REST API v1 of the projects app. Thin: selectors read, services write and decide.

Access is the permission module's: `Can` checks each action's `permission_code` before anything
is loaded, and selectors answer 404 for an object the user may not see (never 403, which would
reveal that it exists). Services raise ValidationError / PermissionDenied, which the portal's
exception handler turns into the one error shape {"detail", "errors"}.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from portal.api import Can
from portal.types import AuthenticatedRequest
from projects import selectors, services
from projects.models import Application, Assignment, Call, ProgressReport
from projects.serializers import (
    ApplicationCreateSerializer,
    ApplicationDetailSerializer,
    ApplicationFilterSerializer,
    ApplicationListSerializer,
    ApplicationUpdateSerializer,
    ApproveSerializer,
    AssignmentDetailSerializer,
    AssignmentSerializer,
    AssignSerializer,
    CallSerializer,
    CategorySerializer,
    CheckSerializer,
    DecideSerializer,
    DeclineSerializer,
    ExpertSerializer,
    ProgressReportCreateSerializer,
    ProgressReportFilterSerializer,
    ProgressReportSerializer,
    ProjectDetailSerializer,
    ProjectSerializer,
    ReasonSerializer,
    ReturnSerializer,
    ReviewFilterSerializer,
    ScoreSerializer,
    VerdictSerializer,
)


def _input(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    """The request checked for shape only; business rules are the service's."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _params(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    values = _input(serializer_class, request.query_params)
    return {key: value for key, value in values.items() if value not in (None, "")}


class ActionCodes:
    """Per-action permission codes for `Can`; an action not listed needs only "portal.api"."""

    # Keyed by the viewset's action, None before one is chosen.
    permission_codes: dict[str | None, str] = {}
    object_permission_codes: dict[str | None, str] = {}

    @property
    def permission_code(self) -> str:
        return self.permission_codes.get(getattr(self, "action", None), "portal.api")

    @property
    def object_permission_code(self) -> str | None:
        return self.object_permission_codes.get(getattr(self, "action", None))


# Categories and calls ------------------------------------------------------------------------


class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """The project categories with their KPI minimums and scoring rubric."""

    serializer_class = CategorySerializer
    permission_classes = [Can]
    permission_code = "project.category.view"
    lookup_field = "code"
    lookup_value_regex = r"\d+"
    filter_backends = []

    def get_queryset(self):
        return selectors.category_list()


class CallViewSet(viewsets.ReadOnlyModelViewSet):
    """Calls for applications, each with its categories ("lots") as they were opened."""

    serializer_class = CallSerializer
    permission_classes = [Can]
    permission_code = "project.call.view"
    lookup_value_regex = r"\d+"
    filter_backends = [DjangoFilterBackend]
    filterset_fields = ["year"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Call.objects.none()
        return selectors.call_list()


# Applications --------------------------------------------------------------------------------

REVIEW_ACTIONS = (
    "pass_",
    "return_",
    "reject",
    "assign",
    "proposed_experts",
    "approve",
    "decide",
    "verdict",
)


@extend_schema_view(
    list=extend_schema(parameters=[ApplicationFilterSerializer]),
    retrieve=extend_schema(responses=ApplicationDetailSerializer),
)
class ApplicationViewSet(
    ActionCodes, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Applications from draft to decision, scoped to what the user may see."""

    request: AuthenticatedRequest  # Can: only signed-in users get here

    permission_classes = [Can]
    permission_codes = {
        "list": "project.application.list",
        "create": "project.application.create",
        **dict.fromkeys(REVIEW_ACTIONS, "project.application.review"),
    }
    object_permission_codes = {
        "partial_update": "project.application.edit",
        "check": "project.application.edit",
    }
    filter_backends = []
    lookup_value_regex = r"\d+"

    def get_serializer_class(self):
        return ApplicationListSerializer if self.action == "list" else ApplicationDetailSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Application.objects.none()
        filters = _params(ApplicationFilterSerializer, self.request)
        return selectors.application_list(user=self.request.user, **filters)

    def get_object(self) -> Application:
        application = selectors.application_get(user=self.request.user, pk=int(self.kwargs["pk"]))
        self.check_object_permissions(self.request, application)
        return application

    def _detail(self, application: Application, code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.application_get(user=self.request.user, pk=application.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(
        request=ApplicationCreateSerializer, responses={201: ApplicationDetailSerializer}
    )
    def create(self, request: Request) -> Response:
        data = _input(ApplicationCreateSerializer, request.data)
        application = services.application_create(
            actor=self.request.user, lot=data["lot"], subtype=data["subtype"]
        )
        return self._detail(application, status.HTTP_201_CREATED)

    @extend_schema(request=ApplicationUpdateSerializer, responses=ApplicationDetailSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        application = self.get_object()
        data = _input(ApplicationUpdateSerializer, request.data)
        services.application_update(
            actor=self.request.user,
            application=application,
            data={field: data[field] for field in services.APPLICATION_FIELDS if field in data},
            kpis=data.get("kpis"),
            joint_organisations=data.get("joint_organisations"),
            patents=data.get("patents"),
        )
        return self._detail(application)

    @extend_schema(responses=CheckSerializer)
    @action(detail=True, methods=["get"])
    def check(self, request: Request, pk: str) -> Response:
        """Everything submission would check, at once: eligibility findings and form problems."""
        findings, problems = services.application_check(self.get_object())
        ready = not problems and all(finding.passed for finding in findings)
        return Response(
            CheckSerializer({"ready": ready, "findings": findings, "problems": problems}).data
        )

    @extend_schema(request=None, responses=ApplicationDetailSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: AuthenticatedRequest, pk: str) -> Response:
        application = services.application_submit(actor=request.user, application=self.get_object())
        return self._detail(application)

    @extend_schema(request=ReturnSerializer, responses=ApplicationDetailSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request: AuthenticatedRequest, pk: str) -> Response:
        """Return for revision (formal review); the reason is required and sent to the applicant,
        who may resubmit within `days` (default 7), even after the call has closed."""
        application = self.get_object()
        data = _input(ReturnSerializer, request.data)
        application = services.application_return(
            actor=request.user,
            application=application,
            reason=data["reason"],
            days=data.get("days", services.REVISION_DAYS),
        )
        return self._detail(application)

    @extend_schema(request=ReasonSerializer, responses=ApplicationDetailSerializer)
    @action(detail=True, methods=["post"], url_path="pass", url_name="pass")
    def pass_(self, request: AuthenticatedRequest, pk: str) -> Response:
        """Pass formal review."""
        application = self.get_object()
        data = _input(ReasonSerializer, request.data)
        application = services.application_pass(
            actor=request.user, application=application, reason=data["reason"]
        )
        return self._detail(application)

    @extend_schema(request=ReasonSerializer, responses=ApplicationDetailSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: AuthenticatedRequest, pk: str) -> Response:
        application = self.get_object()
        data = _input(ReasonSerializer, request.data)
        application = services.application_reject(
            actor=request.user, application=application, reason=data["reason"]
        )
        return self._detail(application)

    @extend_schema(responses=ExpertSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def proposed_experts(self, request: Request, pk: str) -> Response:
        """A panel balanced by field, least-loaded first, without conflicted experts."""
        panel = services.experts_propose(application=self.get_object())
        return Response(ExpertSerializer(panel, many=True).data)

    @extend_schema(request=AssignSerializer, responses=ApplicationDetailSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request: AuthenticatedRequest, pk: str) -> Response:
        application = self.get_object()
        data = _input(AssignSerializer, request.data)
        services.application_assign(
            actor=request.user, application=application, experts=data["experts"]
        )
        return self._detail(application)

    @extend_schema(request=ApproveSerializer, responses=ApplicationDetailSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: AuthenticatedRequest, pk: str) -> Response:
        """Approve with an amount (yuan) inside the category's range and remaining budget."""
        application = self.get_object()
        data = _input(ApproveSerializer, request.data)
        services.application_approve(
            actor=request.user,
            application=application,
            amount=data["amount"],
            reason=data["reason"],
        )
        return self._detail(application)

    @extend_schema(request=DecideSerializer, responses=ApplicationDetailSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request: AuthenticatedRequest, pk: str) -> Response:
        """The decision after scoring: approve (with an amount) or reject (with a reason)."""
        application = self.get_object()
        data = _input(DecideSerializer, request.data)
        if data["decision"] == "approve":
            services.application_approve(
                actor=request.user,
                application=application,
                amount=data.get("amount"),
                reason=data["reason"],
            )
        else:
            services.application_reject(
                actor=request.user, application=application, reason=data["reason"]
            )
        return self._detail(application)

    @extend_schema(request=VerdictSerializer, responses=ApplicationDetailSerializer)
    @action(detail=True, methods=["post"])
    def verdict(self, request: AuthenticatedRequest, pk: str) -> Response:
        """Acceptance verdict (验收), recording each KPI's met / not met."""
        application = self.get_object()
        data = _input(VerdictSerializer, request.data)
        services.acceptance_decide(
            actor=request.user,
            application=application,
            accepted=data["accepted"],
            reason=data["reason"],
        )
        return self._detail(application)


# Expert review -------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(parameters=[ReviewFilterSerializer]),
    retrieve=extend_schema(responses=AssignmentDetailSerializer),
)
class ReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Expert assignments: an expert sees its own, the bureau all of them.

    Until the expert declares no conflict of interest, an assignment shows who applies (number,
    category, lead and joint organisations) and nothing of what they wrote.
    """

    request: AuthenticatedRequest  # Can: only signed-in users get here

    permission_classes = [Can]
    permission_code = "portal.api"
    serializer_class = AssignmentSerializer
    filter_backends = []
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Assignment.objects.none()
        filters = _params(ReviewFilterSerializer, self.request)
        assignments = selectors.assignment_list(user=self.request.user)
        if "status" in filters:
            assignments = assignments.filter(status=filters["status"])
        if "application" in filters:
            assignments = assignments.filter(application_id=filters["application"])
        return assignments.select_related("expert").prefetch_related(
            "application__joint_organisations"
        )

    def get_object(self) -> Assignment:
        return selectors.assignment_get(user=self.request.user, pk=int(self.kwargs["pk"]))

    def _detail(self, assignment: Assignment) -> Response:
        user = self.request.user
        assignment = selectors.assignment_get(user=user, pk=assignment.pk)
        try:
            # The application's own scope decides: an expert reads it only after "no conflict".
            content = selectors.application_get(user=user, pk=assignment.application_id)
        except Http404:
            content = None
        context = {**self.get_serializer_context(), "content": content}
        return Response(AssignmentDetailSerializer(assignment, context=context).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self._detail(self.get_object())

    @extend_schema(request=None, responses=AssignmentDetailSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: AuthenticatedRequest, pk: str) -> Response:
        """Declare no conflict of interest; the application's content becomes readable."""
        assignment = services.assignment_accept(actor=request.user, assignment=self.get_object())
        return self._detail(assignment)

    @extend_schema(request=DeclineSerializer, responses=AssignmentDetailSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request: AuthenticatedRequest, pk: str) -> Response:
        """Declare a conflict (or decline for another reason); the bureau replaces the expert."""
        assignment = self.get_object()
        data = _input(DeclineSerializer, request.data)
        assignment = services.assignment_decline(
            actor=request.user, assignment=assignment, reason=data["reason"]
        )
        return self._detail(assignment)

    @extend_schema(request=ScoreSerializer, responses=AssignmentDetailSerializer)
    @action(detail=True, methods=["post"])
    def score(self, request: AuthenticatedRequest, pk: str) -> Response:
        assignment = self.get_object()
        data = _input(ScoreSerializer, request.data)
        assignment = services.score_submit(
            actor=request.user,
            assignment=assignment,
            points=data["points"],
            comments=data["comments"],
            comment=data["comment"],
        )
        return self._detail(assignment)


# Execution -----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(parameters=[ApplicationFilterSerializer]),
    retrieve=extend_schema(responses=ProjectDetailSerializer),
)
class ProjectViewSet(
    ActionCodes, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Approved applications in execution and acceptance, with each KPI's result so far."""

    request: AuthenticatedRequest  # Can: only signed-in users get here

    permission_classes = [Can]
    permission_codes = {"list": "project.application.list"}
    serializer_class = ProjectSerializer
    filter_backends = []
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Application.objects.none()
        filters = _params(ApplicationFilterSerializer, self.request)
        return selectors.application_list(user=self.request.user, **filters).filter(
            status__in=Application.PROJECT_STATES
        )

    def retrieve(self, request: Request, pk: str) -> Response:
        application = selectors.application_get(user=self.request.user, pk=int(pk))
        if not application.is_project:
            raise Http404
        context = {
            **self.get_serializer_context(),
            "kpi_results": selectors.kpi_results(application),
            "reports": selectors.application_reports(application),
        }
        return Response(ProjectDetailSerializer(application, context=context).data)


@extend_schema_view(list=extend_schema(parameters=[ProgressReportFilterSerializer]))
class ProgressReportViewSet(
    ActionCodes,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Progress reports and final reports (the acceptance request) of the visible projects."""

    request: AuthenticatedRequest  # Can: only signed-in users get here

    permission_classes = [Can]
    # Filing is an applicant's, for its own project (the service's rule); a role that sees no
    # applications at all is refused before its payload is read.
    permission_codes = {
        "list": "project.application.list",
        "retrieve": "project.application.list",
        "create": "project.application.list",
    }
    serializer_class = ProgressReportSerializer
    filter_backends = []
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ProgressReport.objects.none()
        filters = _params(ProgressReportFilterSerializer, self.request)
        # Scoped by the applications selector: a report is visible with its application.
        visible = selectors.application_list(user=self.request.user).values("pk")
        reports = (
            ProgressReport.objects.filter(application__in=visible)
            .select_related("application", "submitted_by")
            .prefetch_related("actuals__kpi", "attachments")
            .order_by("-submitted_at", "-pk")
        )
        if "application" in filters:
            reports = reports.filter(application_id=filters["application"])
        if "kind" in filters:
            reports = reports.filter(kind=filters["kind"])
        return reports

    @extend_schema(
        request=ProgressReportCreateSerializer, responses={201: ProgressReportSerializer}
    )
    def create(self, request: Request) -> Response:
        """File a progress report, or with kind "final" the report that requests acceptance."""
        data = _input(ProgressReportCreateSerializer, request.data)
        try:
            application = selectors.application_get(user=self.request.user, pk=data["application"])
        except Http404:
            # The same answer for a missing application and one the user may not see.
            raise ValidationError({"application": [_("No such project.")]}) from None
        report = services.progress_report_submit(
            actor=self.request.user,
            application=application,
            narrative=data["narrative"],
            actuals=data["actuals"],
            final=data["kind"] == ProgressReport.Kind.FINAL,
        )
        fresh = self.get_queryset().get(pk=report.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)
