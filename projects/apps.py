from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    """Project declaration, review, expert scoring, approval, execution and acceptance
    (the six 2023 categories).
    """

    name = "projects"
    verbose_name = _("Projects")

    def ready(self) -> None:
        from projects import home, permissions, workflow  # noqa: F401  (rules, workflows)

        home.register_panels()
