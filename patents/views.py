"""Pages of the patent pool. Thin: parse input, call a selector or a service, render."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Avg, Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patents import exporters, selectors, services
from patents.forms import FeedbackForm, ImportForm, NeedForm, PoolFilterForm, ScreenForm
from portal import permissions
from portal.views import form_errors_from, paginate, permission_required

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@permission_required("patent.pool.view")
def pool(request: HttpRequest) -> HttpResponse:
    form = PoolFilterForm(request.GET)
    patents = selectors.patent_list(user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            patents = patents.filter(Q(title__icontains=data["q"]) | Q(number__icontains=data["q"]))
        if data["status"]:
            patents = patents.filter(status=data["status"])
        if data["tier"]:
            patents = patents.filter(tier=data["tier"])
        if data["screened"]:
            patents = patents.filter(screened_at__isnull=data["screened"] == "no")
    return render(
        request,
        "patents/pool.html",
        {
            "page": paginate(
                request,
                patents.annotate(
                    feedback_count=Count("matches__feedback"),
                    feedback_mean=Avg("matches__feedback__rating"),
                ).order_by("owner__name", "-filed_on", "number"),
            ),
            "coverage": selectors.coverage_by_organisation(user=request.user),
            "regions": selectors.coverage_by_region(user=request.user),
            "today": timezone.localdate(),
            "can_manage": permissions.can(request.user, "patent.pool.manage"),
            "filters": form,
            "feedback": selectors.feedback_received(user=request.user)[:20],
        },
    )


@permission_required("patent.pool.manage")
def template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(exporters.patent_template(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="patent-list-template.xlsx"'
    return response


@permission_required("patent.pool.manage")
def import_list(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.patent_import_check(
                actor=request.user,
                owner=request.user.organisation,
                handle=upload,
                name=upload.name,
                size=upload.size,
            )
        except ValidationError as error:
            form_errors_from(form, error)
    return render(request, "patents/import.html", {"form": form, "result": result})


@require_POST
@permission_required("patent.pool.manage")
def import_apply(request: HttpRequest, pk: int) -> HttpResponse:
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
def screen(request: HttpRequest, pk: int) -> HttpResponse:
    patent = selectors.patent_list(user=request.user).filter(pk=pk).first()
    if patent is None:
        raise Http404
    form = ScreenForm(
        request.POST or None,
        initial={"tier": patent.tier, "industry": patent.industry, "note": patent.screen_note},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.patent_screen(actor=request.user, patent=patent, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("Screened: %(number)s.") % {"number": patent.number})
            return redirect("patents:pool")
    return render(request, "patents/screen.html", {"patent": patent, "form": form})


@permission_required("patent.need.list")
def need_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "patents/need_list.html",
        {
            "needs": selectors.need_list(user=request.user),
            "can_post": permissions.can(request.user, "patent.need.manage"),
        },
    )


@permission_required("patent.need.manage")
def need_new(request: HttpRequest) -> HttpResponse:
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
def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    need = selectors.need_get(user=request.user, pk=pk)
    return render(
        request, "patents/need_detail.html", {"need": need, "matches": selectors.need_matches(need)}
    )


@require_POST
@permission_required("patent.need.manage")
def feedback(request: HttpRequest, pk: int) -> HttpResponse:
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
