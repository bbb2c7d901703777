from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncentivesConfig(AppConfig):
    """Subsidy and reward policies as rules, claims, budgets and payments."""

    name = "incentives"
    verbose_name = _("Incentives")

    def ready(self) -> None:
        from incentives import permissions, workflow  # noqa: F401  (rules, workflow)
