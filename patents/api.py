"""REST API v1 of the patent pool. Thin: selectors read, services write and decide."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from patents import selectors, services
from patents.models import Patent
from patents.serializers import ImportSerializer, PatentSerializer, ScreenSerializer
from portal.api import Can


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

    serializer_class = PatentSerializer
    permission_classes = [Can]
    permission_code = "patent.pool.view"
    filterset_class = PatentFilter
    search_fields = ["number", "title"]

    def get_queryset(self):
        return selectors.patent_list(user=self.request.user).order_by("owner_id", "number")

    @extend_schema(request=ScreenSerializer, responses=PatentSerializer)
    @action(detail=True, methods=["post"])
    def screen(self, request: Request, pk=None) -> Response:
        serializer = ScreenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        patent = services.patent_screen(
            actor=request.user, patent=self.get_object(), **serializer.validated_data
        )
        return Response(PatentSerializer(patent).data)


class PatentImportViewSet(viewsets.ViewSet):
    """Import a patent list: dry_run (default) lists every bad row; dry_run=false imports the
    good rows in one transaction."""

    permission_classes = [Can]
    permission_code = "patent.pool.manage"
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=ImportSerializer)
    def create(self, request: Request) -> Response:
        serializer = ImportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        result = services.patent_import_check(
            actor=request.user,
            owner=request.user.organisation,
            handle=upload,
            name=upload.name,
            size=upload.size,
        )
        if not serializer.validated_data["dry_run"] and result.can_apply:
            result = services.patent_import_apply(
                actor=request.user, patent_import=result.patent_import
            )
        return Response(result.as_dict(), status=status.HTTP_200_OK)
