from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatentsConfig(AppConfig):
    """The stock-patent pool of universities and institutes, matching, feedback and conversions."""

    name = "patents"
    verbose_name = _("Patents")

    def ready(self) -> None:
        from patents import permissions, workflow  # noqa: F401  (rules, workflow)
