"""Pages of the patent pool. Thin: parse input, call a selector or a service, render."""

import tempfile
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patents import events, exporters, selectors, services
from patents.forms import (
    ConversionEndForm,
    ConversionForm,
    FeedbackForm,
    ImportForm,
    NeedForm,
    OpenLicenceSearchForm,
    PoolFilterForm,
    PushForm,
    ScreenForm,
)
from patents.models import Conversion
from portal import permissions, ratelimits, spreadsheets, workflow
from portal.models import Organisation
from portal.services import audit_record
from portal.types import AuthenticatedHttpRequest
from portal.views import form_errors_from, paginate, permission_required

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@permission_required("patent.pool.view")
def pool(request: AuthenticatedHttpRequest) -> HttpResponse:
    form, patents = _pool_filtered(request)
    filtered = form.is_valid() and any(form.cleaned_data.values())
    counts = selectors.owner_counts(user=request.user)
    # Grouped by owner, newest filing first: the order of the index (owner, -filed_on, number),
    # so a page is read without sorting the pool (200,000 patents for the province). The
    # unfiltered count comes with the cached coverage figures.
    page = paginate(
        request,
        # "owner_id", not "owner": ordering by a relation sorts by the owner's name.
        patents.order_by("owner_id", "-filed_on", "number"),
        count=None if filtered else selectors.pool_size(user=request.user, counts=counts),
    )
    page.object_list = selectors.with_feedback(list(page.object_list))
    return render(
        request,
        "patents/pool.html",
        {
            "page": page,
            "coverage": selectors.coverage_by_organisation(user=request.user, counts=counts),
            "regions": selectors.coverage_by_region(user=request.user, counts=counts),
            "today": timezone.localdate(),
            "can_manage": permissions.can(request.user, "patent.pool.manage"),
            "filters": form,
            "feedback": selectors.feedback_received(user=request.user)[:20],
        },
    )


@permission_required("patent.pool.manage")
@ratelimits.limit(ratelimits.EXPORT, method=None)
def template(request: AuthenticatedHttpRequest) -> HttpResponse:
    organisation = request.user.organisation.name if request.user.organisation else ""
    content = exporters.patent_template(organisation=organisation)
    audit_record(actor=request.user, event=events.TEMPLATE_DOWNLOAD)
    name, fallback = exporters.template_file_names()
    return cast(HttpResponse, spreadsheets.download(content, name=name, fallback=fallback))


@permission_required("patent.pool.manage")
@ratelimits.limit(ratelimits.UPLOAD)
def import_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.patent_import_check(
                actor=request.user,
                # patent.pool.manage: a verified university or institute's user (permissions.py).
                owner=cast(Organisation, request.user.organisation),
                handle=upload,
                name=upload.name,
                size=upload.size,
            )
        except ValidationError as error:
            form_errors_from(form, error)
    imports = selectors.patent_import_list(user=request.user)
    history = workflow.histories(imports)
    return render(
        request,
        "patents/import.html",
        {
            "form": form,
            "result": result,
            "imports": [(imported, history.get(imported.pk, [])) for imported in imports],
        },
    )


@require_POST
@permission_required("patent.pool.manage")
def import_apply(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    patent_import = selectors.patent_import_get(user=request.user, pk=pk)
    try:
        result = services.patent_import_apply(actor=request.user, patent_import=patent_import)
    except ValidationError as error:
        for message in error.messages[:20]:
            messages.error(request, message)
        return redirect("patents:import")
    messages.success(
        request,
        _("Imported: %(created)d new and %(updated)d updated patents.")
        % {"created": result.to_create, "updated": result.to_update},
    )
    return redirect("patents:pool")


@permission_required("patent.pool.manage")
def screen(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    patent = selectors.patent_list(user=request.user).filter(pk=pk).first()
    if patent is None:
        raise Http404
    form = ScreenForm(
        request.POST or None,
        initial={"tier": patent.tier, "industry": patent.industry, "note": patent.screen_note},
    )
    # Back to the list the user came from (its filters and page), never to another site.
    back = request.POST.get("next") or request.GET.get("next") or ""
    if not back.startswith("/") or not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("patents:pool")
    if request.method == "POST" and form.is_valid():
        try:
            services.patent_screen(actor=request.user, patent=patent, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("Screened: %(number)s.") % {"number": patent.number})
            return redirect(back)
    return render(request, "patents/screen.html", {"patent": patent, "form": form, "back": back})


@permission_required("patent.need.list")
def need_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "patents/need_list.html",
        {
            "needs": selectors.need_list(user=request.user),
            "can_post": permissions.can(request.user, "patent.need.manage"),
        },
    )


@permission_required("patent.need.manage")
def need_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = NeedForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            need = services.need_create(actor=request.user, data=form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("Your need is posted; matching patents are being found."))
            return redirect("patents:need_detail", pk=need.pk)
    return render(request, "patents/need_form.html", {"form": form})


@permission_required("patent.need.list")
def need_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    need = selectors.need_get(user=request.user, pk=pk)
    return render(
        request, "patents/need_detail.html", {"need": need, "matches": selectors.need_matches(need)}
    )


@require_POST
@permission_required("patent.need.manage")
def feedback(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    match = selectors.match_get(user=request.user, pk=pk)
    form = FeedbackForm(request.POST)
    if form.is_valid():
        try:
            services.feedback_give(actor=request.user, match=match, **form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Thank you: the university sees your feedback."))
    else:
        messages.error(request, _("Rate the prospect from 1 to 5."))
    return redirect("patents:need_detail", pk=match.need_id)


# Conversions, open licences, pushes -----------------------------------------------------------


@permission_required("patent.conversion.list")
def conversion_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    events = selectors.conversion_list(user=request.user)
    kind = request.GET.get("kind", "")
    if kind in Conversion.Kind.values:
        events = events.filter(kind=kind)
    return render(
        request,
        "patents/conversion_list.html",
        {
            "page": paginate(request, events),
            "kinds": Conversion.Kind.choices,
            "kind": kind,
            "today": timezone.localdate(),
        },
    )


@login_required
def patent_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A patent with its events and feedback: for its pool's readers, and for an enterprise it
    was suggested or pushed to or offered under an open licence (404 for anyone else)."""
    patent = selectors.patent_get(user=request.user, pk=pk)
    return render(request, "patents/patent_detail.html", _detail_context(request, patent))


def _detail_context(request: AuthenticatedHttpRequest, patent, **extra) -> dict:
    can_push = permissions.can(request.user, "patent.push", patent)
    return {
        "patent": patent,
        "today": timezone.localdate(),
        "events": selectors.conversion_list(user=request.user).filter(patent=patent),
        "feedback": selectors.feedback_received(user=request.user).filter(match__patent=patent),
        "can_record": permissions.can(request.user, "patent.conversion.record", patent),
        "can_push": can_push,
        "prospects": selectors.likely_enterprises(patent) if can_push else [],
        "pushes": patent.pushes.select_related("organisation") if can_push else [],
        "push_form": extra.pop("push_form", None) or (PushForm() if can_push else None),
        "kinds": Conversion.Kind.choices,
        "end_form": ConversionEndForm(initial={"ended_on": timezone.localdate()}),
        **extra,
    }


@permission_required("patent.pool.manage")
def conversion_new(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    patent = selectors.patent_get(user=request.user, pk=pk)
    if not permissions.can(request.user, "patent.conversion.record", patent):
        raise PermissionDenied("patent.conversion.record")
    kind = request.GET.get("kind") or request.POST.get("kind") or Conversion.Kind.LICENCE
    if kind not in Conversion.Kind.values:
        raise Http404
    form = ConversionForm(
        request.POST or None,
        kind=kind,
        owner=patent.owner,
        # Choosing the counterparty reloads the project list with its projects (htmx).
        counterparty=request.GET.get("counterparty"),
        reload_url=f"{reverse('patents:conversion_new', args=[patent.pk])}?kind={kind}",
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.conversion_record(
                actor=request.user, patent=patent, kind=kind, data=form.cleaned_data
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(
                request,
                _("Recorded: %(kind)s of %(number)s.")
                % {"kind": Conversion.Kind(kind).label, "number": patent.number},
            )
            return redirect("patents:patent_detail", pk=patent.pk)
    return render(
        request,
        "patents/conversion_form.html",
        {"patent": patent, "form": form, "kind": kind, "kinds": Conversion.Kind.choices},
    )


@require_POST
@permission_required("patent.pool.manage")
def conversion_end(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    event = selectors.conversion_get(user=request.user, pk=pk)
    form = ConversionEndForm(request.POST)
    if form.is_valid():
        try:
            services.conversion_end(
                actor=request.user, conversion=event, ended_on=form.cleaned_data["ended_on"]
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The event's term is ended."))
    else:
        messages.error(request, _("Give the date the term ended."))
    return redirect("patents:patent_detail", pk=event.patent_id)


@permission_required("patent.open_licence.list")
def open_licence_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = OpenLicenceSearchForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    offers = selectors.open_licences(
        user=request.user,
        q=filters.get("q", ""),
        industry=filters.get("industry", ""),
        ipc=filters.get("ipc", ""),
    )
    return render(
        request,
        "patents/open_licences.html",
        {"page": paginate(request, offers), "form": form},
    )


@require_POST
@permission_required("patent.pool.view")
def push(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    patent = selectors.patent_get(user=request.user, pk=pk)
    if not permissions.can(request.user, "patent.push", patent):
        raise PermissionDenied("patent.push")
    form = PushForm(request.POST)
    if form.is_valid():
        try:
            count = services.patent_push(
                actor=request.user,
                patent=patent,
                organisations=form.cleaned_data["organisations"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("Pushed to %(count)d enterprises.") % {"count": count})
            return redirect("patents:patent_detail", pk=patent.pk)
    return render(
        request,
        "patents/patent_detail.html",
        _detail_context(request, patent, push_form=form),
        status=400,
    )


# Statistics and export of the pool ------------------------------------------------------------


def _pool_filtered(request: AuthenticatedHttpRequest):
    """The pool page's filters (q, status, tier, screened), read once for the page and the
    export alike; an invalid value filters nothing, as on the page."""
    form = PoolFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    return form, selectors.patent_search(user=request.user, **filters)


@permission_required("patent.statistics.view")
def statistics(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "patents/statistics.html",
        {"stats": selectors.pool_statistics(user=request.user)},
    )


@permission_required("patent.pool.view")
@ratelimits.limit(ratelimits.EXPORT, method=None)
def export(request: AuthenticatedHttpRequest) -> FileResponse:
    """The pool the user may see, filtered as on the page, as .xlsx. The workbook is written to
    a temporary file (on disk once it grows past a few MB), then streamed; the file goes when
    the response is closed."""
    _form, patents = _pool_filtered(request)
    # A university exports its own pool: the list is its own (the bureau's holds every pool).
    own = permissions.can(request.user, "patent.pool.manage") and request.user.organisation
    organisation = request.user.organisation.name if own and request.user.organisation else ""
    handle = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    try:
        rows = exporters.pool_workbook(
            selectors.patent_export_rows(patents), handle, organisation=organisation
        )
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    audit_record(
        actor=request.user,
        event=events.EXPORT,
        reason=request.GET.urlencode(),
        after={"rows": rows},
    )
    name, fallback = exporters.pool_file_names(organisation)
    return cast(FileResponse, spreadsheets.download(handle, name=name, fallback=fallback))
