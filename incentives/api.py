"""REST API v1 of the incentives app. Thin: selectors read, services write, decide and compute.

Access is the permission module's: `Can` checks each action's permission code before anything is
loaded; claims are looked up among those the caller may see (404 otherwise, never 403, which
would reveal that a claim exists); services check the rest and raise ValidationError or
PermissionDenied, which portal.api.exception_handler turns into the one error shape.
"""

import django_filters
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from incentives import selectors, services, spending
from incentives.models import Budget, Claim, Policy
from incentives.serializers import (
    BudgetChangeSerializer,
    BudgetInputSerializer,
    BudgetSerializer,
    ClaimApproveSerializer,
    ClaimAttachSerializer,
    ClaimCreateSerializer,
    ClaimInputSerializer,
    ClaimPaySerializer,
    ClaimReasonSerializer,
    ClaimSerializer,
    EligibilitySerializer,
    EntitlementSerializer,
    PolicySerializer,
)
from portal.api import Can
from portal.models import Region
from portal.ratelimits import UPLOAD, api_limit
from portal.types import AuthenticatedRequest


class ActionCodes:
    """Per-action permission codes for `Can`; an action not listed needs `permission_code`."""

    permission_code_default = "portal.api"
    permission_codes: dict[str | None, str] = {}  # keyed by action, None before one is chosen

    @property
    def permission_code(self) -> str:
        return self.permission_codes.get(
            getattr(self, "action", None), self.permission_code_default
        )


# Policies ------------------------------------------------------------------------------------


class PolicyFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__code")

    class Meta:
        model = Policy
        fields = ["level", "region", "code"]


class PolicyViewSet(viewsets.ReadOnlyModelViewSet):
    """The current version of every policy, with its rule and source; a version is read by id
    (a claim keeps the version it was made under), all versions of one by `versions`."""

    request: AuthenticatedRequest  # Can: only signed-in users get here

    serializer_class = PolicySerializer
    permission_classes = [Can]
    permission_code = "incentive.policy.view"
    filterset_class = PolicyFilter
    search_fields = ["title", "document", "code"]
    ordering_fields = ["code", "level"]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Policy.objects.none()
        if self.action == "list":
            return selectors.policy_list(user=self.request.user)
        return Policy.objects.select_related("region").order_by("code", "-version")

    def get_object(self) -> Policy:
        return selectors.policy_get(user=self.request.user, pk=int(self.kwargs["pk"]))

    @extend_schema(responses=PolicySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def versions(self, request: Request, pk=None) -> Response:
        """Every version of the policy, newest first."""
        policy = self.get_object()
        rows = selectors.policy_versions(policy).select_related("region")
        return Response(PolicySerializer(rows, many=True).data)


# Eligibility ---------------------------------------------------------------------------------


class EligibilityViewSet(viewsets.ViewSet):
    """The caller's organisation against each current policy, explained: the qualification or
    region that makes it eligible (`reasons`, `recognitions`), or what is `missing`."""

    request: AuthenticatedRequest  # Can: only signed-in users get here

    permission_classes = [Can]
    permission_code = "incentive.claim.create"

    @extend_schema(responses=EligibilitySerializer(many=True))
    def list(self, request: Request) -> Response:
        found = selectors.eligibility_for(user=self.request.user, today=timezone.localdate())
        return Response(EligibilitySerializer(found, many=True).data)


# Claims --------------------------------------------------------------------------------------


class ClaimFilter(django_filters.FilterSet):
    policy = django_filters.NumberFilter(field_name="policy_id", help_text="A policy version.")
    policy_code = django_filters.CharFilter(
        field_name="policy__code", help_text="A policy, any version."
    )
    organisation = django_filters.NumberFilter(field_name="organisation_id")
    region = django_filters.CharFilter(
        method="in_region",
        help_text="A region code: claims of organisations there or in a region under it (a "
        "city takes its counties); or the start of a region code.",
    )

    class Meta:
        model = Claim
        fields = ["policy", "policy_code", "status", "organisation", "region"]

    def in_region(self, queryset, name: str, value: str):
        path = Region.objects.filter(code=value).values_list("path", flat=True).first()
        if path:
            return queryset.filter(organisation__region__path__startswith=path)
        return queryset.filter(organisation__region__code__startswith=value)


@extend_schema_view(
    create=extend_schema(request=ClaimCreateSerializer, responses={201: ClaimSerializer}),
    partial_update=extend_schema(request=ClaimInputSerializer, responses=ClaimSerializer),
)
class ClaimViewSet(
    ActionCodes,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Claims: an applicant's organisation sees and edits its own; reviewers and leaders read
    all, reviewers decide and pay. Filters: policy, policy_code, status, region, organisation."""

    request: AuthenticatedRequest  # Can: only signed-in users get here

    serializer_class = ClaimSerializer
    permission_classes = [Can]
    permission_code_default = "incentive.claim.list"
    permission_codes = {"create": "incentive.claim.create"}
    filterset_class = ClaimFilter
    search_fields = ["number", "organisation__name"]
    ordering_fields = ["created_at", "submitted_at", "number"]
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Claim.objects.none()
        return selectors.claim_list(user=self.request.user).prefetch_related("payments", "files")

    def get_object(self) -> Claim:
        return selectors.claim_get(user=self.request.user, pk=int(self.kwargs["pk"]))

    def _detail(self, claim: Claim, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=claim.pk)
        return Response(ClaimSerializer(fresh).data, status=code)

    def create(self, request: Request) -> Response:
        """Start a draft claim under a current policy the organisation is eligible for."""
        serializer = ClaimCreateSerializer(
            data=request.data,
            organisation=self.request.user.organisation,
            policies=selectors.policy_list(user=self.request.user),
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.data_for_service()
        policy = data.pop("policy")
        claim = services.claim_create(actor=self.request.user, policy=policy, data=data)
        return self._detail(claim, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk=None) -> Response:
        """Change the figures of a draft or returned claim."""
        claim = self.get_object()
        serializer = ClaimInputSerializer(
            data=request.data, organisation=claim.organisation, partial=True
        )
        serializer.is_valid(raise_exception=True)
        claim = services.claim_update(
            actor=self.request.user, claim=claim, data=serializer.data_for_service()
        )
        return self._detail(claim)

    @extend_schema(
        request={"multipart/form-data": ClaimAttachSerializer}, responses={201: ClaimSerializer}
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    @api_limit(UPLOAD)
    def files(self, request: AuthenticatedRequest, pk=None) -> Response:
        """Attach a piece of evidence (checked by content) to a draft or returned claim."""
        claim = self.get_object()
        serializer = ClaimAttachSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        services.claim_attach(
            actor=request.user, claim=claim, label=serializer.validated_data["label"],
            name=upload.name, handle=upload, size=upload.size,
        )  # fmt: skip
        return self._detail(claim, status.HTTP_201_CREATED)

    @extend_schema(responses=EntitlementSerializer)
    @action(detail=True, methods=["get"], filter_backends=[])
    def entitlement(self, request: Request, pk=None) -> Response:
        """The entitlement computed now from the claim's figures, line by line citing the clause
        (the same computation as the claim page and the reviewer's screen)."""
        result = selectors.entitlement_of(self.get_object())
        return Response(
            EntitlementSerializer(
                {"amount": result.amount, "lines": result.lines, "errors": result.errors}
            ).data
        )

    @extend_schema(request=None, responses=ClaimSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: AuthenticatedRequest, pk=None) -> Response:
        claim = services.claim_submit(actor=request.user, claim=self.get_object())
        return self._detail(claim)

    @extend_schema(request=ClaimApproveSerializer, responses=ClaimSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: AuthenticatedRequest, pk=None) -> Response:
        """Approve at most the entitlement, with a reason when less, within the year's budget."""
        claim = self.get_object()
        serializer = ClaimApproveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        claim = services.claim_approve(actor=request.user, claim=claim, **serializer.validated_data)
        return self._detail(claim)

    @extend_schema(request=ClaimReasonSerializer, responses=ClaimSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request: AuthenticatedRequest, pk=None) -> Response:
        """Return for revision, with the reason."""
        claim = self.get_object()
        serializer = ClaimReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        claim = services.claim_return(actor=request.user, claim=claim, **serializer.validated_data)
        return self._detail(claim)

    @extend_schema(request=ClaimReasonSerializer, responses=ClaimSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: AuthenticatedRequest, pk=None) -> Response:
        claim = self.get_object()
        serializer = ClaimReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        claim = services.claim_reject(actor=request.user, claim=claim, **serializer.validated_data)
        return self._detail(claim)

    @extend_schema(request=ClaimPaySerializer, responses=ClaimSerializer)
    @action(detail=True, methods=["post"])
    def pay(self, request: AuthenticatedRequest, pk=None) -> Response:
        """Record a payment (date, amount, voucher number); paid in full, the claim is closed."""
        claim = self.get_object()
        serializer = ClaimPaySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.claim_pay(actor=request.user, claim=claim, **serializer.validated_data)
        return self._detail(claim)


# Budgets -------------------------------------------------------------------------------------


class BudgetFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__code")

    class Meta:
        model = Budget
        fields = ["policy_code", "year", "region"]


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("policy_code", OpenApiTypes.STR),
            OpenApiParameter("year", OpenApiTypes.INT),
            OpenApiParameter("region", OpenApiTypes.STR),
        ]
    ),
    create=extend_schema(request=BudgetInputSerializer, responses={201: BudgetSerializer}),
    partial_update=extend_schema(request=BudgetChangeSerializer, responses=BudgetSerializer),
)
class BudgetViewSet(ActionCodes, viewsets.GenericViewSet):
    """Budgets per policy and year (per city for city policies) with what is committed
    (approved, not paid), paid and remaining. Reviewers set them: POST creates or changes the
    budget of a policy, year and region; PATCH changes one."""

    request: AuthenticatedRequest  # Can: only signed-in users get here

    serializer_class = BudgetSerializer
    permission_classes = [Can]
    permission_code_default = "incentive.spending.view"
    permission_codes = {"create": "incentive.policy.manage",
                        "partial_update": "incentive.policy.manage"}  # fmt: skip
    filter_backends = []
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return Budget.objects.select_related("region").order_by("year", "policy_code", "region")

    def _status(self, budget: Budget) -> dict:
        return BudgetSerializer(selectors.budget_status(budget)).data

    def list(self, request: Request) -> Response:
        filtered = BudgetFilter(request.query_params, queryset=self.get_queryset())
        if not filtered.is_valid():
            raise ValidationError(filtered.errors)
        rows = spending.budget_statuses(filtered.qs)
        page = self.paginate_queryset(rows)
        if page is not None:
            return self.get_paginated_response(BudgetSerializer(page, many=True).data)
        return Response(BudgetSerializer(rows, many=True).data)

    def retrieve(self, request: Request, pk=None) -> Response:
        return Response(self._status(self.get_object()))

    def create(self, request: Request) -> Response:
        serializer = BudgetInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        budget = services.budget_set(actor=self.request.user, **serializer.validated_data)
        return Response(self._status(budget), status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk=None) -> Response:
        budget = self.get_object()
        serializer = BudgetChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        budget = services.budget_set(
            actor=self.request.user, policy_code=budget.policy_code, year=budget.year,
            region=budget.region, **serializer.validated_data,
        )  # fmt: skip
        return Response(self._status(budget))
