from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    """Quarterly statistics from cities, indicators against targets, dashboards and exports."""

    name = "reporting"
    verbose_name = _("Reporting")

    def ready(self) -> None:
        from portal import eventbus

        # permissions registers the access rules; workflow declares the return workflow.
        from reporting import home, permissions, workflow  # noqa: F401
        from reporting.sources import SOURCES

        home.register_panels()
        # Portal data that feeds an indicator changed: recompute those indicators after commit.
        for name, source in SOURCES.items():
            eventbus.subscribe(source.events, _recompute_source(name), once_key=f"recompute:{name}")


def _recompute_source(name: str):
    def handler(event) -> None:
        from reporting import tasks

        tasks.recompute_progress.delay(sources=[name])

    handler.__qualname__ = f"recompute_{name}"
    return handler
