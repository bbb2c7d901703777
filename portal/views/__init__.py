"""Pages of the portal core. Thin: parse input, call a selector or a service, render.

The URLconfs and the other apps use the names below (`views.user_edit`, `from portal.views import
permission_required`); settings name `portal.views.lockout_response` for django-axes.
"""

from portal.views.accounts import (
    PasswordChangeView,
    lockout_list,
    lockout_release,
    lockout_response,
    register,
)
from portal.views.audit import audit_list
from portal.views.common import (
    form_error_messages,
    form_errors_from,
    paginate,
    permission_required,
)
from portal.views.dashboard import home
from portal.views.health import healthz
from portal.views.notifications import inbox, inbox_mark_read
from portal.views.organisations import (
    my_organisation,
    organisation_detail,
    organisation_edit,
    organisation_list,
    organisation_reject,
    organisation_verify,
    qualification_add,
    region_list,
)
from portal.views.two_factor import otp_account, otp_enrol, otp_reset, otp_verify
from portal.views.users import user_create, user_edit, user_list

__all__ = [
    "PasswordChangeView",
    "audit_list",
    "form_error_messages",
    "form_errors_from",
    "healthz",
    "home",
    "inbox",
    "inbox_mark_read",
    "lockout_list",
    "lockout_release",
    "lockout_response",
    "my_organisation",
    "organisation_detail",
    "organisation_edit",
    "organisation_list",
    "organisation_reject",
    "organisation_verify",
    "otp_account",
    "otp_enrol",
    "otp_reset",
    "otp_verify",
    "paginate",
    "permission_required",
    "qualification_add",
    "region_list",
    "register",
    "user_create",
    "user_edit",
    "user_list",
]
