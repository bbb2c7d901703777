"""User accounts and their roles."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BaseForm
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from portal import otp, permissions, selectors, services
from portal.forms import RoleForm, UserCreateForm, UserEditForm, UserPasswordForm
from portal.models import Role
from portal.types import AuthenticatedHttpRequest
from portal.views.common import form_errors_from, paginate, permission_required


@permission_required("user.list")
def user_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    role = request.GET.get("role", "")
    users = selectors.user_list(user=request.user, search=search, role=role)
    return render(
        request,
        "portal/user_list.html",
        {"page": paginate(request, users), "q": search, "role": role, "roles": Role.choices},
    )


@permission_required("user.manage")
def user_create(request: AuthenticatedHttpRequest) -> HttpResponse:
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
def user_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
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
            forms_by_action: dict[str | None, BaseForm] = {
                "role": role_form,
                "password": password_form,
            }
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
