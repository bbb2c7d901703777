"""The portal's own pages (accounts, organisations, users, audit, inbox); config/urls.py mounts
them at the root and holds the API router."""

from django.contrib.auth import views as auth_views
from django.urls import path

from portal import ratelimits, views
from portal.views.documents import document_download

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        # At most RATELIMIT_LOGIN password attempts per client address (429 beyond).
        ratelimits.limit(ratelimits.LOGIN)(
            auth_views.LoginView.as_view(redirect_authenticated_user=True)
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("account/two-factor/", views.otp_account, name="otp_account"),
    path("account/two-factor/enrol/", views.otp_enrol, name="otp_enrol"),
    path("login/verify/", views.otp_verify, name="otp_verify"),
    path("register/", ratelimits.limit(ratelimits.REGISTER)(views.register), name="register"),
    path("organisation/", views.my_organisation, name="my_organisation"),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/<int:pk>/edit/", views.organisation_edit, name="organisation_edit"),
    path("organisations/<int:pk>/verify/", views.organisation_verify, name="organisation_verify"),
    path("organisations/<int:pk>/reject/", views.organisation_reject, name="organisation_reject"),
    path(
        "organisations/<int:pk>/qualifications/",
        views.qualification_add,
        name="qualification_add",
    ),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_edit, name="user_edit"),
    path("security/lockouts/", views.lockout_list, name="lockout_list"),
    path("security/lockouts/unlock/", views.lockout_release, name="lockout_release"),
    path("users/<int:pk>/two-factor/reset/", views.otp_reset, name="otp_reset"),
    path("regions/", views.region_list, name="region_list"),
    path("audit/", views.audit_list, name="audit_list"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read/", views.inbox_mark_read, name="inbox_mark_read"),
    path("documents/<slug:kind>/<int:pk>/", document_download, name="document"),
]
