"""Organisations: the list, verification of a registration, qualifications; the regions."""

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import permissions, selectors, services
from portal.forms import OrganisationForm, QualificationForm, RejectForm
from portal.models import Organisation
from portal.types import AuthenticatedHttpRequest
from portal.views.common import (
    form_error_messages,
    form_errors_from,
    paginate,
    permission_required,
)


@permission_required("organisation.list")
def organisation_list(request: AuthenticatedHttpRequest) -> HttpResponse:
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
def organisation_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
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
def my_organisation(request: AuthenticatedHttpRequest) -> HttpResponse:
    # organisation.own: the user has an organisation (permissions.py).
    return organisation_detail(request, cast(int, request.user.organisation_id))


@login_required
def organisation_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.organisation_get(user=request.user, pk=pk)
    permissions.require(request.user, "organisation.edit", organisation)
    form = OrganisationForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        refused = organisation.status == Organisation.Status.REJECTED
        try:
            saved = services.organisation_update(
                actor=request.user, organisation=organisation, data=data
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            if refused and saved.status == Organisation.Status.PENDING:
                messages.success(
                    request, _("Saved and sent to the IP bureau again for verification.")
                )
            else:
                messages.success(request, _("Saved."))
            return redirect("portal:organisation_detail", pk=pk)
    return render(
        request, "portal/organisation_edit.html", {"form": form, "organisation": organisation}
    )


@require_POST
@login_required
def organisation_verify(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
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
def organisation_reject(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
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
def qualification_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
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
        form_error_messages(request, form)
    return redirect("portal:organisation_detail", pk=pk)


# Regions --------------------------------------------------------------------------------------


@permission_required("region.list")
def region_list(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/region_list.html", {"regions": selectors.region_list()})
