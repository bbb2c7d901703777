from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        from django.contrib.auth import signals

        from portal import services

        # Django reports logins only through these signals; the handlers just write audit rows.
        signals.user_logged_in.connect(services.audit_login, dispatch_uid="portal.audit_login")
        signals.user_logged_out.connect(services.audit_logout, dispatch_uid="portal.audit_logout")
        signals.user_login_failed.connect(
            services.audit_login_failed, dispatch_uid="portal.audit_login_failed"
        )
