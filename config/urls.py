"""Root URLs: each app's pages under its prefix, the REST API's router, the admin site."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from incentives import api as incentives_api
from patents import api as patents_api
from portal import api, views
from projects import api as projects_api
from reporting import api as reporting_api

router = DefaultRouter()
router.register("regions", api.RegionViewSet, basename="region")
router.register("organisations", api.OrganisationViewSet, basename="organisation")
router.register("categories", projects_api.CategoryViewSet, basename="category")
router.register("calls", projects_api.CallViewSet, basename="call")
router.register("applications", projects_api.ApplicationViewSet, basename="application")
router.register("reviews", projects_api.ReviewViewSet, basename="review")
router.register("projects", projects_api.ProjectViewSet, basename="project")
router.register("progress-reports", projects_api.ProgressReportViewSet, basename="progress-report")
router.register("patents", patents_api.PatentViewSet, basename="patent")
router.register("patent-imports", patents_api.PatentImportViewSet, basename="patent-import")
router.register("conversions", patents_api.ConversionViewSet, basename="conversion")
router.register("open-licences", patents_api.OpenLicenceViewSet, basename="open-licence")
router.register("needs", patents_api.NeedViewSet, basename="need")
router.register("matches", patents_api.MatchViewSet, basename="match")
router.register("policies", incentives_api.PolicyViewSet, basename="policy")
router.register("eligibility", incentives_api.EligibilityViewSet, basename="eligibility")
router.register("claims", incentives_api.ClaimViewSet, basename="claim")
router.register("budgets", incentives_api.BudgetViewSet, basename="budget")
router.register("data-elements", reporting_api.DataElementViewSet, basename="data-element")
router.register("return-forms", reporting_api.ReturnFormViewSet, basename="return-form")
router.register("returns", reporting_api.StatReturnViewSet, basename="stat-return")
router.register("data-values", reporting_api.DataValueViewSet, basename="data-value")
router.register("indicators", reporting_api.IndicatorViewSet, basename="indicator")
router.register("targets", reporting_api.TargetViewSet, basename="target")
router.register("progress", reporting_api.ProgressViewSet, basename="progress")

urlpatterns = [
    path("", include("portal.urls")),
    path("projects/", include("projects.urls")),
    path("patents/", include("patents.urls")),
    path("incentives/", include("incentives.urls")),
    path("exchange/", include("exchange.urls")),
    path("reporting/", include("reporting.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", views.healthz, name="healthz"),
    path("api/v1/", include(router.urls)),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/v1/docs/", api.api_docs, name="api-docs"),
    path("admin/", admin.site.urls),
]

# Uploaded files are never served as static media: each download goes through a view that asks
# the permission module (projects:attachment_download).

# Error pages without stack traces or exception text (portal/errors.py); 403 and 404 are
# Django's own views rendering templates/403.html and 404.html.
handler400 = "portal.errors.bad_request"
handler500 = "portal.errors.server_error"
