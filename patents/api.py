"""REST API v1 of the patent pool. Thin: selectors read, services write and decide."""

from typing import cast

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from patents import selectors, services
from patents.models import Conversion, Match, Patent
from patents.serializers import (
    ConversionEndSerializer,
    ConversionSerializer,
    FeedbackSerializer,
    ImportSerializer,
    MatchSerializer,
    NeedSerializer,
    OpenLicenceSerializer,
    PatentSerializer,
    PushSerializer,
    ScreenSerializer,
)
from portal import workflow
from portal.api import Can
from portal.models import Organisation
from portal.ratelimits import UPLOAD, api_limit
from portal.serializers import StateChangeSerializer
from portal.types import AuthenticatedRequest


class PatentFilter(django_filters.FilterSet):
    organisation = django_filters.NumberFilter(field_name="owner_id")
    ipc = django_filters.CharFilter(field_name="ipc", lookup_expr="icontains")
    screened = django_filters.BooleanFilter(field_name="screened_at", lookup_expr="isnull",
                                            exclude=True)  # fmt: skip

    class Meta:
        model = Patent
        fields = ["organisation", "kind", "status", "tier", "industry", "ipc", "converted"]


class PatentViewSet(viewsets.ReadOnlyModelViewSet):
    """The pool: a university sees its own patents; reviewers and leaders all."""

    request: AuthenticatedRequest  # Can: only signed-in users get here

    serializer_class = PatentSerializer
    permission_classes = [Can]
    permission_code = "patent.pool.view"
    filterset_class = PatentFilter
    search_fields = ["number", "title"]

    def get_queryset(self):
        return selectors.patent_list(user=self.request.user).order_by("owner_id", "number")

    @extend_schema(request=ScreenSerializer, responses=PatentSerializer)
    @action(detail=True, methods=["post"])
    def screen(self, request: AuthenticatedRequest, pk=None) -> Response:
        patent = self.get_object()  # 404 for a patent outside the pool, whatever the payload
        serializer = ScreenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        patent = services.patent_screen(
            actor=request.user, patent=patent, **serializer.validated_data
        )
        return Response(PatentSerializer(patent).data)

    @extend_schema(request=PushSerializer)
    @action(detail=True, methods=["post"])
    def push(self, request: AuthenticatedRequest, pk=None) -> Response:
        """A reviewer pushes the patent to chosen enterprises (each is told once)."""
        patent = self.get_object()
        serializer = PushSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        count = services.patent_push(actor=request.user, patent=patent, **serializer.validated_data)
        return Response({"pushed": count})


class PatentImportViewSet(viewsets.ViewSet):
    """Import a patent list: dry_run (default) lists every bad row; dry_run=false imports the
    good rows in one transaction."""

    request: AuthenticatedRequest  # Can: only signed-in users get here

    permission_classes = [Can]
    permission_code = "patent.pool.manage"
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=ImportSerializer, responses={200: OpenApiTypes.OBJECT})
    @api_limit(UPLOAD)
    def create(self, request: Request) -> Response:
        serializer = ImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        result = services.patent_import_check(
            actor=self.request.user,
            # patent.pool.manage: a verified university or institute's user (permissions.py).
            owner=cast(Organisation, self.request.user.organisation),
            handle=upload,
            name=upload.name,
            size=upload.size,
        )
        if not serializer.validated_data["dry_run"] and result.can_apply:
            result = services.patent_import_apply(
                actor=self.request.user, patent_import=result.patent_import
            )
        body = result.as_dict()
        if result.patent_import is not None:
            body["status"] = result.patent_import.status
            body["history"] = StateChangeSerializer(
                workflow.history(result.patent_import), many=True
            ).data
        return Response(body, status=status.HTTP_200_OK)


class ConversionFilter(django_filters.FilterSet):
    organisation = django_filters.NumberFilter(field_name="patent__owner_id")
    since = django_filters.DateFilter(field_name="starts_on", lookup_expr="gte")
    until = django_filters.DateFilter(field_name="starts_on", lookup_expr="lte")

    class Meta:
        model = Conversion
        fields = ["kind", "patent", "counterparty", "project", "organisation", "since", "until"]


class ConversionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Conversion events: universities record them on their own patents; the enterprise party
    and reviewers and leaders read them. POST runs the same checks as the page."""

    request: AuthenticatedRequest  # Can: only signed-in users get here

    serializer_class = ConversionSerializer
    permission_classes = [Can]
    permission_code = "patent.conversion.list"
    filterset_class = ConversionFilter

    def get_queryset(self):
        return selectors.conversion_list(user=self.request.user).order_by("-starts_on", "-id")

    def create(self, request: Request) -> Response:
        serializer = ConversionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        patent = selectors.patent_get(user=self.request.user, pk=data.pop("patent").pk)
        event = services.conversion_record(
            actor=self.request.user, patent=patent, kind=data.pop("kind"), data=data
        )
        return Response(ConversionSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ConversionEndSerializer, responses=ConversionSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request: AuthenticatedRequest, pk=None) -> Response:
        conversion = self.get_object()
        serializer = ConversionEndSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = services.conversion_end(
            actor=request.user, conversion=conversion, **serializer.validated_data
        )
        return Response(ConversionSerializer(event).data)


class OpenLicenceViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Open licence declarations in force: ?q= keyword, ?industry= sub-field code, ?ipc= class."""

    serializer_class = OpenLicenceSerializer
    permission_classes = [Can]
    permission_code = "patent.open_licence.list"
    filter_backends = []

    def get_queryset(self):
        params = self.request.query_params
        return selectors.open_licences(
            user=self.request.user,
            q=params.get("q", "")[:100],
            industry=params.get("industry", "")[:2],
            ipc=params.get("ipc", "")[:20],
        )


class NeedViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Technology needs: an enterprise posts and reads its own; reviewers and leaders read all.
    A new need is matched against the pool by a worker."""

    request: AuthenticatedRequest  # Can: only signed-in users get here

    serializer_class = NeedSerializer
    permission_classes = [Can]
    permission_code = "patent.need.list"
    filterset_fields = ["industry", "cooperation", "is_open"]

    def get_queryset(self):
        return selectors.need_list(user=self.request.user).order_by("-created_at", "-id")

    def create(self, request: Request) -> Response:
        serializer = NeedSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        need = services.need_create(actor=self.request.user, data=dict(serializer.validated_data))
        return Response(NeedSerializer(need).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=MatchSerializer(many=True))
    @action(detail=True, methods=["get"])
    def matches(self, request: Request, pk=None) -> Response:
        need = self.get_object()
        return Response(MatchSerializer(selectors.need_matches(need), many=True).data)


class MatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Suggestions made for the needs the caller may see, with why they matched; the enterprise
    the suggestion was made to gives feedback."""

    request: AuthenticatedRequest  # Can: only signed-in users get here

    serializer_class = MatchSerializer
    permission_classes = [Can]
    permission_code = "patent.need.list"
    filterset_fields = ["need", "patent"]

    def get_queryset(self):
        return (
            Match.objects.filter(need__in=selectors.need_list(user=self.request.user))
            .select_related("patent__owner", "feedback")
            .order_by("need_id", "rank")
        )

    @extend_schema(request=FeedbackSerializer, responses=MatchSerializer)
    @action(detail=True, methods=["post"])
    def feedback(self, request: AuthenticatedRequest, pk=None) -> Response:
        match = self.get_object()
        serializer = FeedbackSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.feedback_give(actor=request.user, match=match, **serializer.validated_data)
        return Response(MatchSerializer(self.get_queryset().get(pk=match.pk)).data)
