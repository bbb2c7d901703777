from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    """Quarterly statistics from cities, indicators against targets, dashboards and exports."""

    name = "reporting"
    verbose_name = _("Reporting")
