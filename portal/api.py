"""REST API v1 of the portal core. Thin: selectors for reads, the permission module for access."""

from typing import Any

import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import exceptions, viewsets
from rest_framework import permissions as drf_permissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from portal import permissions, selectors
from portal.models import Organisation, Region
from portal.serializers import OrganisationSerializer, RegionSerializer


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """One error shape for the whole API: {"detail": …, "errors": {field: [messages]}}.

    Services raise Django's ValidationError; here it becomes the same 400 a serializer gives.
    """
    if isinstance(exc, DataError):
        # The database refused a value (too long, out of range, a NUL character) that some
        # field's validation let through: the client's input is wrong, not the server.
        exc = exceptions.ValidationError(
            {"non_field_errors": [_("A value is too long, too large or holds characters that "
                                    "cannot be stored.")]}
        )  # fmt: skip
    elif isinstance(exc, DjangoValidationError):
        errors = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = exceptions.ValidationError(errors)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.ValidationError):
        data = (
            response.data
            if isinstance(response.data, dict)
            else {"non_field_errors": response.data}
        )
        response.data = {"detail": "invalid", "errors": data}
    return response


class Can(drf_permissions.BasePermission):
    """DRF adapter of the permission module: `permission_code` on the view, checked per request
    and, for object views, per object."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        code = getattr(view, "permission_code", "portal.api")
        return permissions.can(request.user, code)

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        code = getattr(view, "object_permission_code", None)
        return code is None or permissions.can(request.user, code, obj)


class RegionFilter(django_filters.FilterSet):
    parent = django_filters.CharFilter(field_name="parent__code")

    class Meta:
        model = Region
        fields = ["level", "parent", "is_internal_code"]


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """GB/T 2260 regions of Shaanxi and its internal reporting units."""

    serializer_class = RegionSerializer
    permission_classes = [Can]
    permission_code = "region.view"
    filterset_class = RegionFilter
    search_fields = ["name", "code"]
    lookup_field = "code"

    def get_queryset(self):
        return selectors.region_list()


class OrganisationFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__code")

    class Meta:
        model = Organisation
        fields = ["kind", "status", "region"]


class OrganisationViewSet(viewsets.ReadOnlyModelViewSet):
    """Organisations: applicants see their own, city agencies their region's, reviewers all."""

    serializer_class = OrganisationSerializer
    permission_classes = [Can]
    permission_code = "portal.api"
    object_permission_code = "organisation.view"
    filterset_class = OrganisationFilter
    search_fields = ["name", "credit_code"]
    ordering_fields = ["name", "created_at"]

    def get_queryset(self):
        return selectors.organisation_list(user=self.request.user).prefetch_related(
            "qualifications"
        )


# Swagger UI at /api/v1/docs/. drf-spectacular's plain view writes its start-up script inline;
# the split view serves it from this same URL (?script), so script-src stays 'self' here as on
# every other page. Its page template is overridden (templates/drf_spectacular/swagger_ui.html)
# to take its styles from static/portal/api-docs.css rather than a <style> element, so the page
# carries the same strict policy as every other, style-src 'self' included.
api_docs = SpectacularSwaggerSplitView.as_view(url_name="api-schema")
