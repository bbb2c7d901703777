from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    """Files exchanged with the platforms the policies name: column mappings, imports, exports."""

    name = "exchange"
    verbose_name = _("Exchange")

    def ready(self) -> None:
        from exchange import permissions, targets, workflow  # noqa: F401  (rules, targets, workflow)
