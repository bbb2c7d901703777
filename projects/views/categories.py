"""Pages of the project categories: their rules, KPIs and scoring criteria."""

from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from portal.types import AuthenticatedHttpRequest
from portal.views import form_errors_from, permission_required
from projects import selectors, services
from projects.forms import CategoryForm, CriterionFormSet, KPIFormSet
from projects.models import Category


@permission_required("project.category.view")
def category_list(request: HttpRequest) -> HttpResponse:
    return render(request, "projects/category_list.html", {"categories": selectors.category_list()})


@permission_required("project.category.view")
def category_detail(request: HttpRequest, code: int) -> HttpResponse:
    category = selectors.category_get(code=code)
    return render(request, "projects/category_detail.html", {"category": category})


def _category_initial(category: Category) -> tuple[dict, list[dict], list[dict]]:
    """The category's current version: the form's initial values, its KPIs' and its criteria's."""
    initial = {
        "name": category.name,
        "tasks": category.tasks,
        "eligibility_text": category.eligibility_text,
        "period_months": category.period_months,
        "eligible_kinds": category.eligible_kinds,
        "subtypes": "\n".join(category.subtypes),
        "amount_min": category.amount_min,
        "amount_max": category.amount_max,
        "amount_source": category.amount_source,
    }
    kpi_initial = [
        {f: getattr(k, f) for f in ("code", "name", "unit", "comparator", "minimum", "source")}
        for k in category.kpis.all()
    ]
    criterion_initial = [
        {f: getattr(c, f) for f in ("code", "name", "guidance", "weight", "source")}
        for c in category.criteria.all()
    ]
    return initial, kpi_initial, criterion_initial


def _kept_rows(formset) -> list[Mapping[str, Any]]:
    """The filled rows of a formset that are not marked for deletion, without that mark."""
    rows = [f.cleaned_data for f in formset if f.cleaned_data and not f.cleaned_data["DELETE"]]
    for row in rows:
        row.pop("DELETE", None)
    return rows


def _show_errors(form: CategoryForm, error: ValidationError) -> None:
    """The service's errors on the form; those of the KPI and criterion rows above it."""
    form_errors_from(form, error)
    for field in ("kpis", "criteria"):
        for message in getattr(error, "message_dict", {}).get(field, []):
            form.add_error(None, message)


@permission_required("project.category.edit")
def category_edit(request: AuthenticatedHttpRequest, code: int) -> HttpResponse:
    category = selectors.category_get(code=code)
    initial, kpi_initial, criterion_initial = _category_initial(category)
    data = request.POST if request.method == "POST" else None
    form = CategoryForm(data, initial=initial)
    kpi_forms = KPIFormSet(data, initial=kpi_initial, prefix="kpi")
    criterion_forms = CriterionFormSet(data, initial=criterion_initial, prefix="criterion")
    if data is not None and not (
        kpi_forms.management_form.is_valid() and criterion_forms.management_form.is_valid()
    ):
        # A truncated or tampered form: a message a person can act on, never Django's
        # "ManagementForm data is missing" with its hidden field names, and fresh rows.
        form.is_valid()
        form.add_error(
            None,
            _(
                "The KPI and criterion rows of the form came back incomplete: reload the page "
                "and try again."
            ),
        )
        kpi_forms = KPIFormSet(initial=kpi_initial, prefix="kpi")
        criterion_forms = CriterionFormSet(initial=criterion_initial, prefix="criterion")
    elif request.method == "POST" and all(f.is_valid() for f in (form, kpi_forms, criterion_forms)):
        try:
            services.category_update(
                actor=request.user,
                category=category,
                data=form.cleaned_data,
                kpis=_kept_rows(kpi_forms),
                criteria=_kept_rows(criterion_forms),
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, _("Saved. Calls opened from now on use this version."))
            return redirect("projects:category_detail", code=category.code)
    return render(
        request,
        "projects/category_edit.html",
        {
            "category": category,
            "form": form,
            "kpi_forms": kpi_forms,
            "criterion_forms": criterion_forms,
        },
    )
