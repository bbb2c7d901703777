from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        from django.contrib.auth import signals

        from portal import organisation_workflow, otp, services  # noqa: F401

        # Django reports logins only through these signals; the handlers just write audit rows.
        signals.user_logged_in.connect(services.audit_login, dispatch_uid="portal.audit_login")
        signals.user_logged_out.connect(services.audit_logout, dispatch_uid="portal.audit_logout")
        signals.user_login_failed.connect(
            services.audit_login_failed, dispatch_uid="portal.audit_login_failed"
        )
        # A session of a user with an authenticator must give its code (portal/otp.py).
        signals.user_logged_in.connect(
            otp.remember_enrolment, dispatch_uid="portal.otp_remember_enrolment"
        )
        # Session clocks and index, lockouts, disabled accounts (portal/accounts.py).
        from axes.signals import user_locked_out
        from django.db.models.signals import post_save

        from portal import accounts
        from portal.models import User

        signals.user_logged_in.connect(accounts.on_login, dispatch_uid="portal.accounts_login")
        signals.user_logged_out.connect(accounts.on_logout, dispatch_uid="portal.accounts_logout")
        user_locked_out.connect(accounts.audit_lockout, dispatch_uid="portal.audit_lockout")
        post_save.connect(accounts.on_user_saved, sender=User, dispatch_uid="portal.user_saved")
        # The portal's system checks (defusedxml, rate-limit cache, upload limits) and the audit
        # settings checks (retention of at least 180 days, hash algorithm).
        from portal import audit, checks  # noqa: F401
