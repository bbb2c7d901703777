"""Pages of the portal core. Thin: parse input, call a selector or a service, render."""

import csv
import tempfile
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.forms import Form
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_otp import login as otp_login

from portal import accounts, errors, otp, permissions, ratelimits, selectors, services, uploads
from portal import home as home_panels
from portal.celery import app as celery_app
from portal.forms import (
    AuditFilterForm,
    LockoutReleaseForm,
    OrganisationForm,
    OTPTokenForm,
    QualificationForm,
    RegistrationForm,
    RejectForm,
    RoleForm,
    UserCreateForm,
    UserEditForm,
    UserPasswordForm,
)
from portal.models import Organisation, Role
from portal.spreadsheets import csv_cell


def permission_required(code: str) -> Callable:
    """Login, then ask the permission module; a 403 page otherwise."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(request: HttpRequest, *args, **kwargs):
            if not permissions.can(request.user, code):
                raise PermissionDenied(code)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def form_errors_from(form: Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has it."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def paginate(request: HttpRequest, queryset, per_page: int = 50, *, count: int | None = None):
    """A page of the list. `count`, when the caller already knows it (e.g. from cached
    figures), spares the COUNT over the whole list."""
    paginator = Paginator(queryset, per_page)
    if count is not None:
        paginator.count = count  # a cached_property: set, it is not computed
    return paginator.get_page(request.GET.get("page"))


class PasswordChangeView(auth_views.PasswordChangeView):
    success_url = "/password/done/"

    def form_valid(self, form):
        response = super().form_valid(form)
        services.audit_record(
            actor=self.request.user, event="auth.password_change", target=self.request.user
        )
        return response


# Home and registration -----------------------------------------------------------------------


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context: dict = {"role": user.role}
    if user.role == Role.APPLICANT:
        context["organisation"] = user.organisation
    elif user.role == Role.REVIEWER:
        context["pending_organisations"] = selectors.organisation_list(
            user=user, status=Organisation.Status.PENDING
        )[:10]
    elif user.role == Role.CITY_AGENCY:
        context["region"] = user.region
        context["organisation_count"] = selectors.organisation_list(user=user).count()
    elif user.role in {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN}:
        counts = selectors.role_counts()
        context["role_counts"] = [(label, counts[code]) for code, label in Role.choices]
    elif user.role == Role.AUDIT_ADMIN:
        context["recent_entries"] = selectors.audit_list(user=user)[:10]
    context["notifications"] = selectors.notification_list(user=user)[:5]
    context["panels"] = home_panels.panels_for(user)
    return render(request, "portal/home.html", context)


def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("portal:home")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.organisation_register(
                username=data["username"],
                password=data["password1"],
                name=data["name"],
                email=data["email"],
                phone=data["phone"],
                organisation_name=data["organisation_name"],
                credit_code=data["credit_code"],
                kind=data["kind"],
                region=data["region"],
                address=data["address"],
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                _("Registered. The IP bureau will verify %(name)s before it can submit anything.")
                % {"name": user.organisation.name},
            )
            return redirect("portal:my_organisation")
    return render(request, "portal/register.html", {"form": form})


# Organisations -------------------------------------------------------------------------------


@permission_required("organisation.list")
def organisation_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    organisations = selectors.organisation_list(
        user=request.user, search=search, status=status, kind=kind
    )
    return render(
        request,
        "portal/organisation_list.html",
        {
            "page": paginate(request, organisations),
            "q": search,
            "status": status,
            "kind": kind,
            "statuses": Organisation.Status.choices,
            "kinds": Organisation.Kind.choices,
        },
    )


@login_required
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.organisation_get(user=request.user, pk=pk)
    return render(
        request,
        "portal/organisation_detail.html",
        {
            "organisation": organisation,
            "reject_form": RejectForm(),
            "qualification_form": QualificationForm(),
        },
    )


@permission_required("organisation.own")
def my_organisation(request: HttpRequest) -> HttpResponse:
    return organisation_detail(request, request.user.organisation_id)


@login_required
def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.organisation_get(user=request.user, pk=pk)
    permissions.require(request.user, "organisation.edit", organisation)
    form = OrganisationForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.organisation_update(actor=request.user, organisation=organisation, data=data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("portal:organisation_detail", pk=pk)
    return render(
        request, "portal/organisation_edit.html", {"form": form, "organisation": organisation}
    )


@require_POST
@login_required
def organisation_verify(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.organisation_get(user=request.user, pk=pk)
    try:
        services.organisation_verify(actor=request.user, organisation=organisation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(name)s is verified.") % {"name": organisation.name})
    return redirect("portal:organisation_detail", pk=pk)


@require_POST
@login_required
def organisation_reject(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.organisation_get(user=request.user, pk=pk)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services.organisation_reject(
                actor=request.user, organisation=organisation, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The registration was refused and the applicant told."))
    else:
        messages.error(request, _("Say why the registration is refused."))
    return redirect("portal:organisation_detail", pk=pk)


@require_POST
@login_required
def qualification_add(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.organisation_get(user=request.user, pk=pk)
    permissions.require(request.user, "qualification.manage", organisation)
    form = QualificationForm(request.POST)
    if form.is_valid():
        try:
            services.qualification_add(
                actor=request.user, organisation=organisation, **form.cleaned_data
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Qualification added."))
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}")
    return redirect("portal:organisation_detail", pk=pk)


# Users and roles -----------------------------------------------------------------------------


@permission_required("user.list")
def user_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    role = request.GET.get("role", "")
    users = selectors.user_list(user=request.user, search=search, role=role)
    return render(
        request,
        "portal/user_list.html",
        {"page": paginate(request, users), "q": search, "role": role, "roles": Role.choices},
    )


@permission_required("user.manage")
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(
                request,
                _("Account %(name)s created. A security administrator grants its role.")
                % {"name": user.username},
            )
            return redirect("portal:user_list")
    return render(request, "portal/user_form.html", {"form": form, "title": _("New account")})


@permission_required("user.list")
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    target = selectors.user_get(user=request.user, pk=pk)
    may_manage = permissions.can(request.user, "user.manage", target)
    may_assign = permissions.can(request.user, "role.assign", target)
    details = UserEditForm(instance=target)
    role_form = RoleForm(
        initial={"role": target.role, "organisation": target.organisation, "region": target.region}
    )
    password_form = UserPasswordForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "password" and may_manage:
                password_form = UserPasswordForm(request.POST)
                if password_form.is_valid():
                    services.user_set_password(
                        actor=request.user,
                        user=target,
                        password=password_form.cleaned_data["password"],
                    )
                    messages.success(
                        request,
                        _("New password set. %(name)s must choose their own at the next login.")
                        % {"name": target.username},
                    )
                    return redirect("portal:user_edit", pk=pk)
            elif request.POST.get("action") == "details" and may_manage:
                details = UserEditForm(request.POST, instance=target)
                if details.is_valid():
                    data = {name: details.cleaned_data[name] for name in details.changed_data}
                    services.user_update(actor=request.user, user=target, data=data)
                    messages.success(request, _("Saved."))
                    return redirect("portal:user_edit", pk=pk)
            elif request.POST.get("action") == "role" and may_assign:
                role_form = RoleForm(request.POST)
                if role_form.is_valid():
                    services.user_assign_role(
                        actor=request.user, user=target, **role_form.cleaned_data
                    )
                    messages.success(request, _("Role saved."))
                    return redirect("portal:user_edit", pk=pk)
            else:
                raise PermissionDenied
        except ValidationError as error:
            forms_by_action = {"role": role_form, "password": password_form}
            form_errors_from(forms_by_action.get(action, details), error)
    return render(
        request,
        "portal/user_edit.html",
        {
            "target": target,
            "details": details,
            "role_form": role_form,
            "password_form": password_form,
            "may_manage": may_manage,
            "may_assign": may_assign,
            "may_reset_otp": permissions.can(request.user, "otp.reset", target),
            "otp_enabled": otp.confirmed_device(target) is not None,
        },
    )


# Lockouts after failed logins (portal/accounts.py) ---------------------------------------------


def lockout_response(request: HttpRequest, original_response=None, credentials=None):
    """What django-axes answers a locked login (AXES_LOCKOUT_CALLABLE): the login page with one
    message, whether the user name exists and whether the password was right."""
    form = AuthenticationForm(request, initial={"username": request.POST.get("username", "")})
    message = _(
        "Too many failed logins. Logging in is blocked for %(minutes)d minutes; the security "
        "administrator can unblock it sooner."
    ) % {"minutes": settings.AXES_COOLOFF_TIME.total_seconds() // 60}
    return render(
        request,
        "registration/login.html",
        {"form": form, "locked_out": message, "next": request.POST.get("next", "")},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


@permission_required("lockout.manage")
def lockout_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/lockout_list.html",
        {"lockouts": accounts.lockout_list(user=request.user), "form": LockoutReleaseForm()},
    )


@require_POST
@permission_required("lockout.manage")
def lockout_release(request: HttpRequest) -> HttpResponse:
    form = LockoutReleaseForm(request.POST)
    if form.is_valid():
        try:
            accounts.lockout_release(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("%(value)s is unlocked.") % {"value": form.cleaned_data["value"]}
            )
    else:
        for field, errors_ in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors_)}")
    return redirect("portal:lockout_list")


# Regions -------------------------------------------------------------------------------------


@permission_required("region.list")
def region_list(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/region_list.html", {"regions": selectors.region_list()})


# Audit log -----------------------------------------------------------------------------------


@require_GET
@permission_required("audit.view")
def audit_list(request: HttpRequest) -> HttpResponse:
    """Search the audit log; export what the search found as .csv or .xlsx (audited)."""
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        # A search that cannot be read finds nothing (and exports nothing), never everything.
        return render(request, "portal/audit_list.html", {"form": form, "page": None}, status=400)
    filters = form.cleaned_data if form.is_bound else {}
    entries = selectors.audit_list(user=request.user, **filters)
    fmt = request.GET.get("format")
    if fmt in {"csv", "xlsx"}:
        if ratelimits.over_limit(request, ratelimits.EXPORT, method=None):
            return errors.too_many(request)
        return _audit_csv(request, entries) if fmt == "csv" else _audit_xlsx(request, entries)
    return render(
        request, "portal/audit_list.html", {"form": form, "page": paginate(request, entries)}
    )


def _audit_xlsx(request: HttpRequest, entries) -> FileResponse:
    """The rows found, as .xlsx written to a temporary file (on disk past a few MB), then
    streamed; openpyxl's write-only mode keeps memory bounded however long the log."""
    from portal import exporters

    handle = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    try:
        rows = exporters.audit_workbook(entries.iterator(chunk_size=2000), handle)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    services.audit_record(
        actor=request.user,
        event="audit.export",
        reason=request.GET.urlencode(),
        after={"format": "xlsx", "rows": rows},
    )
    name = f"audit-log-{timezone.localdate():%Y%m%d}.xlsx"
    return uploads.file_response(handle, name=name, content_type=uploads.XLSX_TYPE)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _audit_csv(request: HttpRequest, entries) -> StreamingHttpResponse:
    services.audit_record(
        actor=request.user,
        event="audit.export",
        reason=request.GET.urlencode(),
        after={"format": "csv"},
    )
    writer = csv.writer(_Echo())
    header = [
        _("time"),
        _("user"),
        _("IP address"),
        _("event"),
        _("outcome"),
        _("object"),
        _("reason"),
        _("before"),
        _("after"),
    ]

    def rows():
        yield "\ufeff" + writer.writerow(header)  # BOM: Excel and WPS then read UTF-8
        for entry in entries.iterator(chunk_size=2000):
            yield writer.writerow(
                csv_cell(value)  # = + - @ tab CR would run in a spreadsheet: defused
                for value in (
                    timezone.localtime(entry.at).isoformat(),
                    entry.actor_label,
                    entry.ip,
                    entry.event,
                    entry.outcome,
                    entry.target_label,
                    entry.reason,
                    entry.before,
                    entry.after,
                )
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    uploads.protect(response, name="audit-log.csv")
    return response


# Notifications -------------------------------------------------------------------------------


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    notes = selectors.notification_list(user=request.user)
    return render(request, "portal/inbox.html", {"page": paginate(request, notes)})


@require_POST
@login_required
def inbox_mark_read(request: HttpRequest) -> HttpResponse:
    ids = [int(value) for value in request.POST.getlist("id") if value.isdigit()]
    services.notification_mark_read(user=request.user, notification_ids=ids or None)
    return redirect("portal:inbox")


# Second factor (portal/otp.py) ---------------------------------------------------------------


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
def otp_account(request: HttpRequest) -> HttpResponse:
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
def otp_enrol(request: HttpRequest) -> HttpResponse:
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
def otp_verify(request: HttpRequest) -> HttpResponse:
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
def otp_reset(request: HttpRequest, pk: int) -> HttpResponse:
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


# Health --------------------------------------------------------------------------------------


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database and broker status as JSON; HTTP 503 when either is down."""
    checks: dict[str, dict[str, str]] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"status": "ok", "vendor": connection.vendor}
    except Exception as error:
        checks["database"] = {"status": "down", "error": type(error).__name__}
    if celery_app.conf.task_always_eager:
        checks["broker"] = {"status": "ok", "mode": "in-process"}
    else:
        try:
            with celery_app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
            checks["broker"] = {"status": "ok", "mode": "broker"}
        except Exception as error:
            checks["broker"] = {"status": "down", "error": type(error).__name__}
    healthy = all(check["status"] == "ok" for check in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "down", "checks": checks}, status=200 if healthy else 503
    )
