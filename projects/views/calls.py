"""Pages of the calls for applications (申报指南) and their categories (lots)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from portal.types import AuthenticatedHttpRequest
from portal.views import form_errors_from, permission_required
from projects import selectors, services
from projects.forms import CallForm, LotFormSet
from projects.models import Application, Call, Category


@permission_required("project.call.view")
def call_list(request: HttpRequest) -> HttpResponse:
    return render(request, "projects/call_list.html", {"calls": selectors.call_list()})


@permission_required("project.call.view")
def call_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    call = selectors.call_get(pk=pk)
    lots = list(call.lots.all())
    budgets = {lot.pk: selectors.budget_summary(lot) for lot in lots}
    own = {}
    if request.user.organisation_id:
        own = {
            a.call_category_id: a
            for a in Application.objects.filter(
                call_category__call=call, lead_organisation_id=request.user.organisation_id
            )
        }
    rows = [{"lot": lot, "budget": budgets[lot.pk], "own": own.get(lot.pk)} for lot in lots]
    return render(request, "projects/call_detail.html", {"call": call, "rows": rows})


def _lot_inputs(lot_forms) -> list[services.LotInput]:
    categories = {c.pk: c for c in Category.objects.all()}
    return [
        services.LotInput(
            category=categories[f.cleaned_data["category"]],
            budget=f.cleaned_data["budget"],
            expected_projects=f.cleaned_data["expected_projects"],
            amount_min=f.cleaned_data.get("amount_min"),
            amount_max=f.cleaned_data.get("amount_max"),
        )
        for f in lot_forms
        if f.cleaned_data.get("include")
    ]


def _rows_intact(lot_forms, categories) -> bool:
    """Each category's row came back, in order. A truncated or tampered form (rows missing,
    added or swapped) is refused with a message, never a server error."""
    if not lot_forms.management_form.is_valid() or len(lot_forms.forms) != len(categories):
        return False
    return all(
        str(lot_form.data.get(lot_form.add_prefix("category"), "")) == str(category.pk)
        for lot_form, category in zip(lot_forms.forms, categories, strict=True)
    )


def _lot_initial(categories: list[Category], call: Call | None) -> list[dict]:
    """One row per category: the call's lot when it has one, else the category's defaults (all
    categories included in a new call)."""
    existing = {lot.category_id: lot for lot in call.lots.all()} if call else {}
    lot_initial = []
    for category in categories:
        lot = existing.get(category.pk)
        lot_initial.append(
            {
                "category": category.pk,
                "include": lot is not None or call is None,
                "budget": lot.budget if lot else None,
                "expected_projects": lot.expected_projects if lot else None,
                "amount_min": lot.amount_min if lot else category.amount_min,
                "amount_max": lot.amount_max if lot else category.amount_max,
            }
        )
    return lot_initial


def _call_initial(call: Call | None) -> dict:
    if call is None:
        return {}
    return {
        "year": call.year,
        "title": call.title,
        "description": call.description,
        "opens_at": call.opens_at,
        "closes_at": call.closes_at,
    }


def _call_save(*, actor, call: Call | None, form: CallForm, lot_forms) -> Call | None:
    """Create the call (or update it) from the valid forms; None, with the service's errors on
    the form, when the service refuses."""
    try:
        lots = _lot_inputs(lot_forms)
        if call is None:
            return services.call_create(actor=actor, data=form.cleaned_data, lots=lots)
        services.call_update(actor=actor, call=call, data=form.cleaned_data, lots=lots)
    except ValidationError as error:
        form_errors_from(form, error)
        for message in getattr(error, "message_dict", {}).get("lots", []):
            form.add_error(None, message)
        return None
    return call


def _call_form(request: HttpRequest, call: Call | None = None) -> HttpResponse:
    categories = list(Category.objects.all())
    lot_initial = _lot_initial(categories, call)
    data = request.POST if request.method == "POST" else None
    form = CallForm(data, initial=_call_initial(call))
    lot_forms = LotFormSet(data, initial=lot_initial, prefix="lot")
    if data is not None and not _rows_intact(lot_forms, categories):
        form.is_valid()
        form.add_error(
            None,
            _("The category rows of the form came back incomplete: reload the page and try again."),
        )
        lot_forms = LotFormSet(initial=lot_initial, prefix="lot")
    elif request.method == "POST" and form.is_valid() and lot_forms.is_valid():
        saved = _call_save(actor=request.user, call=call, form=form, lot_forms=lot_forms)
        if saved is not None:
            messages.success(request, _("The call is saved."))
            return redirect("projects:call_detail", pk=saved.pk)
    rows = list(zip(categories, lot_forms, strict=True))
    return render(
        request,
        "projects/call_form.html",
        {"form": form, "lot_forms": lot_forms, "rows": rows, "call": call},
    )


@permission_required("project.call.manage")
def call_create(request: HttpRequest) -> HttpResponse:
    return _call_form(request)


@permission_required("project.call.manage")
def call_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _call_form(request, selectors.call_get(pk=pk))
