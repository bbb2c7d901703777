from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    """Project declaration, review, expert scoring, approval, execution and acceptance
    (the six 2023 categories).
    """

    name = "projects"
    verbose_name = _("Projects")

    def ready(self) -> None:
        from projects import home, permissions  # noqa: F401  (registers the access rules)

        home.register_panels()
