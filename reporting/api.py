"""REST API v1 of the reporting app. Thin: selectors read, services write and decide.

City agencies see and write only their region (the permission module's scopes); an object
outside them is a 404. Uploads return the same problem list as the page: sheet, cell, message.
"""

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from portal import permissions
from portal.api import Can
from portal.models import Region
from portal.numbers import NumberError, parse_number
from portal.ratelimits import UPLOAD, api_limit
from portal.types import AuthenticatedRequest
from reporting import selectors, services
from reporting.models import (
    DataElement,
    DataValue,
    Indicator,
    ProgressSnapshot,
    ReturnForm,
    StatReturn,
    Target,
)
from reporting.serializers import (
    DataElementSerializer,
    DataValueSerializer,
    IndicatorSerializer,
    OpenReturnSerializer,
    ProgressSerializer,
    ReasonSerializer,
    ReturnFormSerializer,
    StatReturnSerializer,
    TargetSerializer,
    UploadSerializer,
    ValuesSerializer,
)
from reporting.validation import Entry, Problem


def _input(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _problems_response(problems: list[Problem]) -> Response:
    return Response(
        {"detail": "invalid", "problems": [p.as_dict() for p in problems]},
        status=status.HTTP_400_BAD_REQUEST,
    )


class PerAction:
    permission_codes: dict[str | None, str] = {}  # keyed by action, None before one is chosen

    @property
    def permission_code(self) -> str:
        return self.permission_codes.get(getattr(self, "action", None), "portal.api")


class DataElementViewSet(PerAction, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                         viewsets.ReadOnlyModelViewSet):  # fmt: skip
    """Data elements (统计指标项); the bureau adds and edits them."""

    serializer_class = DataElementSerializer
    permission_classes = [Can]
    permission_codes = {
        "list": "reporting.setup.view",
        "retrieve": "reporting.setup.view",
        "create": "reporting.setup.manage",
        "update": "reporting.setup.manage",
        "partial_update": "reporting.setup.manage",
    }
    filterset_fields = ["kind", "unit", "is_active"]
    search_fields = ["code", "name"]
    lookup_field = "code"

    def get_queryset(self) -> QuerySet[DataElement]:
        return DataElement.objects.all()

    def perform_create(self, serializer):
        serializer.instance = services.element_save(
            actor=self.request.user, data=dict(serializer.validated_data)
        )

    def perform_update(self, serializer):
        data = {**DataElementSerializer(serializer.instance).data, **serializer.validated_data}
        data.pop("id", None)
        serializer.instance = services.element_save(
            actor=self.request.user, data=data, element=serializer.instance
        )


class ReturnFormViewSet(PerAction, viewsets.ReadOnlyModelViewSet):
    serializer_class = ReturnFormSerializer
    permission_classes = [Can]
    permission_codes = {"list": "reporting.setup.view", "retrieve": "reporting.setup.view"}
    lookup_field = "code"

    def get_queryset(self) -> QuerySet[ReturnForm]:
        return ReturnForm.objects.prefetch_related("elements", "regions")


class StatReturnFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__code")
    form = django_filters.CharFilter(field_name="form__code")

    class Meta:
        model = StatReturn
        fields = ["period", "region", "status", "form", "is_current"]


class StatReturnViewSet(PerAction, viewsets.ReadOnlyModelViewSet):
    """Returns (报表填报): open, enter values, upload a workbook (dry run first), submit,
    approve, return for correction, correct after approval."""

    request: AuthenticatedRequest  # Can: only signed-in users get here

    serializer_class = StatReturnSerializer
    permission_classes = [Can]
    permission_codes = {
        "list": "reporting.return.list",
        "retrieve": "reporting.return.list",
        "create": "reporting.region.report",
    }
    filterset_class = StatReturnFilter
    ordering_fields = ["period", "submitted_at"]

    def get_queryset(self) -> QuerySet[StatReturn]:
        return permissions.scope(
            self.request.user, "reporting.return.view", StatReturn.objects.all()
        ).select_related("form", "region")

    @extend_schema(request=OpenReturnSerializer, responses=StatReturnSerializer)
    def create(self, request: Request) -> Response:
        data = _input(OpenReturnSerializer, request.data)
        region = Region.objects.filter(code=data["region"]).first()
        if region is None:
            raise ValidationError(
                {"region": _("“%(code)s” is not a region code.") % {"code": data["region"]}}
            )
        stat_return = services.return_open(
            actor=self.request.user, form=data["form"], region=region, period=data["period"]
        )
        return Response(StatReturnSerializer(stat_return).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ValuesSerializer)
    @action(detail=True, methods=["post"])
    def values(self, request: AuthenticatedRequest, pk=None) -> Response:
        """Enter values ({"values": [{"code", "value", "comment"}]}); `?dry_run=1` only checks."""
        stat_return = self.get_object()
        elements = {e.code: e for e in selectors.form_elements(stat_return.form)}
        problems, entries = [], {}
        for item in _input(ValuesSerializer, request.data)["values"]:
            code = item["code"].strip().upper()
            if code not in elements:
                problems.append(
                    Problem(
                        _("%(code)s is not asked for in this return.") % {"code": code},
                        cell=code,
                        code=code,
                    )
                )
                continue
            try:
                value = parse_number(item["value"], integer=elements[code].is_integer)
            except NumberError as error:
                problems.append(Problem(error.message, cell=code, code=code))
                continue
            entries[code] = Entry(code=code, value=value, comment=item["comment"], cell=code)
        if problems:
            return _problems_response(problems)
        if request.query_params.get("dry_run") in ("1", "true"):
            permissions.require(request.user, "reporting.return.edit", stat_return)
            return Response(services.check(stat_return=stat_return, entries=entries).as_dict())
        try:
            result = services.return_values_store(
                actor=request.user, stat_return=stat_return, entries=entries, via="api"
            )
        except ValidationError as error:
            refused = getattr(error, "problems", None)  # set by the services on a refusal
            if refused:
                return _problems_response(refused)
            raise
        return Response(result.as_dict())

    @extend_schema(request=UploadSerializer)
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    @api_limit(UPLOAD)
    def upload(self, request: AuthenticatedRequest, pk=None) -> Response:
        """Upload a filled workbook. dry_run (default true) lists every problem and what would
        change; dry_run=false stores all values or none."""
        stat_return = self.get_object()
        data = _input(UploadSerializer, request.data)
        upload = data["file"]
        result = services.return_upload_check(
            actor=request.user,
            stat_return=stat_return,
            handle=upload,
            name=upload.name,
            size=upload.size,
        )
        if data["dry_run"]:
            return Response(result.as_dict())
        try:
            result = services.return_upload_apply(actor=request.user, upload=result.upload)
        except ValidationError as error:
            refused = getattr(error, "problems", None)  # set by the services on a refusal
            if refused:
                return _problems_response(refused)
            raise
        return Response(result.as_dict())

    def _transition(self, request: Request, call) -> Response:
        stat_return = self.get_object()
        reason = _input(ReasonSerializer, request.data)["reason"]
        try:
            result = call(request.user, stat_return, reason)
        except ValidationError as error:
            refused = getattr(error, "problems", None)  # set by the services on a refusal
            if refused:
                return _problems_response(refused)
            raise
        return Response(StatReturnSerializer(result).data)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, FormParser])
    def submit(self, request: Request, pk=None) -> Response:
        return self._transition(
            request, lambda user, r, _reason: services.return_submit(actor=user, stat_return=r)
        )

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, FormParser])
    def approve(self, request: Request, pk=None) -> Response:
        return self._transition(
            request, lambda user, r, _reason: services.return_approve(actor=user, stat_return=r)
        )

    @extend_schema(request=ReasonSerializer)
    @action(detail=True, methods=["post"], url_path="return",
            parser_classes=[JSONParser, FormParser])  # fmt: skip
    def send_back(self, request: Request, pk=None) -> Response:
        return self._transition(
            request,
            lambda user, r, reason: services.return_send_back(
                actor=user, stat_return=r, reason=reason
            ),
        )

    @extend_schema(request=ReasonSerializer)
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, FormParser])
    def correct(self, request: Request, pk=None) -> Response:
        return self._transition(
            request,
            lambda user, r, reason: services.return_correct(
                actor=user, stat_return=r, reason=reason
            ),
        )


class DataValueFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__code")
    element = django_filters.CharFilter(field_name="element__code")

    class Meta:
        model = DataValue
        fields = ["period", "region", "element"]


class DataValueViewSet(PerAction, viewsets.ReadOnlyModelViewSet):
    serializer_class = DataValueSerializer
    permission_classes = [Can]
    permission_codes = {"list": "reporting.return.list", "retrieve": "reporting.return.list"}
    filterset_class = DataValueFilter

    def get_queryset(self) -> QuerySet[DataValue]:
        regions = permissions.scope(
            self.request.user, "reporting.dashboard.view", Region.objects.all()
        )
        return (
            DataValue.objects.filter(region__in=regions)
            .select_related("element", "region")
            .order_by("period", "region__path", "element__sort")
        )


class IndicatorViewSet(PerAction, viewsets.ReadOnlyModelViewSet):
    serializer_class = IndicatorSerializer
    permission_classes = [Can]
    permission_codes = {"list": "reporting.dashboard.view", "retrieve": "reporting.dashboard.view"}
    lookup_field = "code"

    def get_queryset(self) -> QuerySet[Indicator]:
        return Indicator.objects.select_related("element", "denominator")


class TargetViewSet(PerAction, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                    viewsets.ReadOnlyModelViewSet):  # fmt: skip
    """Targets; leaders and the bureau add next year's without a code change."""

    serializer_class = TargetSerializer
    permission_classes = [Can]
    permission_codes = {
        "list": "reporting.dashboard.view",
        "retrieve": "reporting.dashboard.view",
        "create": "reporting.target.manage",
        "update": "reporting.target.manage",
        "partial_update": "reporting.target.manage",
    }

    def get_queryset(self) -> QuerySet[Target]:
        return selectors.target_list()

    def perform_create(self, serializer):
        serializer.instance = services.target_save(
            actor=self.request.user, data=dict(serializer.validated_data)
        )

    def perform_update(self, serializer):
        target = serializer.instance
        data = {**services.target_data(target), **serializer.validated_data}
        serializer.instance = services.target_save(
            actor=self.request.user, data=data, target=target
        )


class ProgressFilter(django_filters.FilterSet):
    indicator = django_filters.CharFilter(field_name="target__indicator__code")
    region = django_filters.CharFilter(field_name="target__region__code")

    class Meta:
        model = ProgressSnapshot
        fields = ["indicator", "region", "period", "status"]


class ProgressViewSet(PerAction, viewsets.ReadOnlyModelViewSet):
    """Progress snapshots per (indicator, region, period), as computed by the workers."""

    serializer_class = ProgressSerializer
    permission_classes = [Can]
    permission_codes = {"list": "reporting.dashboard.view", "retrieve": "reporting.dashboard.view"}
    filterset_class = ProgressFilter

    def get_queryset(self) -> QuerySet[ProgressSnapshot]:
        regions = permissions.scope(
            self.request.user, "reporting.dashboard.view", Region.objects.all()
        )
        return selectors.progress_list().filter(target__region__in=regions)
