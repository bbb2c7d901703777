"""The second factor (portal/otp.py): enrol, verify at login, disable, reset."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from portal import otp, selectors
from portal.forms import OTPTokenForm
from portal.types import AuthenticatedHttpRequest
from portal.views.common import form_errors_from, permission_required


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _with_query(url: str, request: HttpRequest) -> str:
    query = request.GET.urlencode()
    return f"{url}?{query}" if query else url


def _otp_signed_in(request: HttpRequest, device) -> None:
    otp_login(request, device)
    # A new session key once the second factor is given: a key seen before it is worth nothing.
    request.session.cycle_key()


@login_required
def otp_account(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The account page's "Two-factor authentication" section: status, enable, disable."""
    user = request.user
    device = otp.confirmed_device(user)
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and device is not None and form.is_valid():
        try:
            otp.otp_disable(user=user, token=form.cleaned_data["token"])
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            request.session.pop(otp.SESSION_ENROLLED, None)
            messages.success(request, _("Two-factor authentication is off."))
            return redirect("portal:otp_account")
    return render(
        request,
        "portal/otp_account.html",
        {"device": device, "required": otp.required_by_policy(user), "form": form},
    )


@login_required
def otp_enrol(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if otp.confirmed_device(user) is not None:
        # Enrolling another device would need only the password: verify the existing one.
        if otp.is_verified(user):
            messages.info(request, _("Two-factor authentication is already enabled."))
            return redirect("portal:otp_account")
        return redirect(_with_query(reverse("portal:otp_verify"), request))
    device = otp.otp_device_for_enrolment(user=user)
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = otp.otp_enrol(user=user, token=form.cleaned_data["token"])
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            _otp_signed_in(request, device)
            request.session[otp.SESSION_ENROLLED] = True
            messages.success(
                request,
                _("Two-factor authentication is on. Every login will now ask for a code."),
            )
            return redirect(_next_url(request, reverse("portal:otp_account")))
    return render(
        request,
        "registration/otp_enrol.html",
        {
            "form": form,
            "qr_code": mark_safe(otp.qr_code_svg(device)),  # noqa: S308 - our own segno markup
            "secret": otp.secret_base32(device),
            "required": otp.required_by_policy(user),
            "next": _next_url(request, ""),
        },
    )


@login_required
def otp_verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if otp.is_verified(user):
        return redirect(_next_url(request, reverse("portal:home")))
    if otp.confirmed_device(user) is None:
        return redirect(_with_query(reverse("portal:otp_enrol"), request))
    form = OTPTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = otp.otp_verify(user=user, token=form.cleaned_data["token"])
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            _otp_signed_in(request, device)
            return redirect(_next_url(request, reverse("portal:home")))
    return render(
        request, "registration/otp_verify.html", {"form": form, "next": _next_url(request, "")}
    )


@require_POST
@permission_required("user.list")
def otp_reset(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    target = selectors.user_get(user=request.user, pk=pk)
    count = otp.otp_reset(actor=request.user, user=target)
    if count:
        messages.success(
            request,
            _("Two-factor authentication of %(name)s was reset: they enrol again at next login.")
            % {"name": target.username},
        )
    else:
        messages.info(request, _("%(name)s had no authenticator.") % {"name": target.username})
    return redirect("portal:user_edit", pk=pk)
