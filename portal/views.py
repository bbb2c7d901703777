"""Pages of the portal core. Thin: parse input, call a selector or a service, render."""

import csv
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.forms import Form
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal import home as home_panels
from portal import permissions, selectors, services
from portal.celery import app as celery_app
from portal.forms import (
    AuditFilterForm,
    OrganisationForm,
    QualificationForm,
    RegistrationForm,
    RejectForm,
    RoleForm,
    UserCreateForm,
    UserEditForm,
)
from portal.models import Organisation, Role


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


def paginate(request: HttpRequest, queryset, per_page: int = 50):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


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
    if request.method == "POST":
        try:
            if request.POST.get("action") == "details" and may_manage:
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
            form_errors_from(role_form if request.POST.get("action") == "role" else details, error)
    return render(
        request,
        "portal/user_edit.html",
        {
            "target": target,
            "details": details,
            "role_form": role_form,
            "may_manage": may_manage,
            "may_assign": may_assign,
        },
    )


# Regions -------------------------------------------------------------------------------------


@permission_required("region.list")
def region_list(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/region_list.html", {"regions": selectors.region_list()})


# Audit log -----------------------------------------------------------------------------------


@require_GET
@permission_required("audit.view")
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = selectors.audit_list(user=request.user, **filters)
    if request.GET.get("format") == "csv":
        return _audit_csv(request, entries)
    return render(
        request, "portal/audit_list.html", {"form": form, "page": paginate(request, entries)}
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_safe(value: object) -> str:
    """Spreadsheet programs run cells that start with = + - @ as formulas; defuse them."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


def _audit_csv(request: HttpRequest, entries) -> StreamingHttpResponse:
    services.audit_record(actor=request.user, event="audit.export", reason=request.GET.urlencode())
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
                _csv_safe(value)
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
    response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
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
