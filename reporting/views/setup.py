"""Set-up pages: data elements, validation rules, targets."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from portal import permissions
from portal.types import AuthenticatedHttpRequest
from portal.views import form_errors_from, permission_required
from reporting import selectors, services, sources, validation
from reporting.forms import (
    DataElementForm,
    TargetForm,
    ValidationRuleForm,
)
from reporting.models import DataElement

# Set-up: data elements, rules, targets --------------------------------------------------------


@permission_required("reporting.setup.view")
def setup(request: HttpRequest) -> HttpResponse:
    lists = selectors.setup_lists()
    names = {element.code: element.name for element in lists["elements"]}
    return render(
        request,
        "reporting/setup.html",
        {
            **lists,
            "rules_in_words": {
                rule.pk: validation.rule_in_words(rule, names) for rule in lists["rules"]
            },
            "portal_sources": {key: source.label for key, source in sources.SOURCES.items()},
            "can_manage": permissions.can(request.user, "reporting.setup.manage"),
        },
    )


def _model_form_page(request, *, form_class, instance, save, template, title, success):
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            save(form)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, success)
            return redirect("reporting:setup")
    return render(
        request,
        template,
        {"form": form, "title": title, "cancel_url": reverse("reporting:setup")},
    )


@permission_required("reporting.setup.manage")
def element_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    element = DataElement.objects.filter(pk=pk).first() if pk else None
    if pk and element is None:
        raise Http404

    def save(form):
        data = {k: v for k, v in form.cleaned_data.items() if k != "add_to_forms"}
        services.element_save(
            actor=request.user,
            data=data,
            element=DataElement.objects.get(pk=pk) if pk else None,
            forms=list(form.cleaned_data.get("add_to_forms") or []),
        )

    return _model_form_page(
        request,
        form_class=DataElementForm,
        instance=element,
        save=save,
        template="reporting/setup_form.html",
        title=_("Data element"),
        success=_("The data element is saved."),
    )


@permission_required("reporting.setup.manage")
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    from reporting.models import ValidationRule

    rule = ValidationRule.objects.filter(pk=pk).first() if pk else None
    if pk and rule is None:
        raise Http404

    def save(form):
        services.rule_save(
            actor=request.user,
            data=form.cleaned_data,
            rule=ValidationRule.objects.get(pk=pk) if pk else None,
        )

    return _model_form_page(
        request,
        form_class=ValidationRuleForm,
        instance=rule,
        save=save,
        template="reporting/setup_form.html",
        title=_("Validation rule"),
        success=_("The validation rule is saved."),
    )


@permission_required("reporting.dashboard.view")
def target_list(request: HttpRequest) -> HttpResponse:
    targets = list(selectors.target_list())
    figures = selectors.Figures(
        (t.indicator.unit, value) for t in targets for value in (t.target_value, t.baseline_value)
    )
    return render(
        request,
        "reporting/target_list.html",
        {
            "targets": [
                {
                    "target": t,
                    "value": figures.with_unit(t.target_value, t.indicator.unit),
                    "baseline": figures.with_unit(t.baseline_value, t.indicator.unit),
                }
                for t in targets
            ],
            "can_manage": permissions.can(request.user, "reporting.target.manage"),
        },
    )


@permission_required("reporting.target.manage")
def target_edit(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    target = selectors.target_list().filter(pk=pk).first() if pk else None
    if pk and target is None:
        raise Http404
    initial = services.target_data(target) if target else {}
    form = TargetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.target_save(actor=request.user, data=form.cleaned_data, target=target)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(request, _("The target is saved; its progress is being computed."))
            return redirect("reporting:target_list")
    return render(
        request,
        "reporting/setup_form.html",
        {"form": form, "title": _("Target"), "cancel_url": reverse("reporting:target_list")},
    )
