"""Pages of the incentives app: policies explained, claims from draft to payment, budgets.
Thin: parse input, call a selector or a service, render."""

from datetime import date
from decimal import Decimal
from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import model_to_dict
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from incentives import eligibility, events, selectors, services
from incentives.forms import (
    ApproveForm,
    BudgetForm,
    ClaimFilterForm,
    ClaimForm,
    PaymentForm,
    PolicyForm,
    ReasonForm,
    payment_formset,
    payments_from,
    policy_regions,
)
from incentives.models import Claim, Policy
from incentives.workflow import CLAIM
from portal import formats, permissions, ratelimits, spreadsheets, uploads
from portal import workflow as engine
from portal.models import Organisation, Region
from portal.services import audit_record
from portal.types import AuthenticatedHttpRequest
from portal.views import form_errors_from, paginate, permission_required

# Policies ------------------------------------------------------------------------------------


@permission_required("incentive.policy.view")
def policy_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every current policy; for an applicant, with what makes its organisation eligible or
    what is missing (eligible ones first), and a claim button."""
    user = request.user
    found = selectors.eligibility_for(user=user, today=timezone.localdate())
    if found:
        # Eligible first; the sort is stable: level, code within.
        rows = [
            {"policy": f.policy, "found": f} for f in sorted(found, key=lambda f: not f.eligible)
        ]
    else:
        rows = [{"policy": p, "found": None} for p in selectors.policy_list(user=user)]
    return render(
        request,
        "incentives/policy_list.html",
        {
            "rows": rows,
            "is_claimant": bool(found),
            "can_manage": permissions.can(user, "incentive.policy.manage"),
        },
    )


@permission_required("incentive.policy.view")
def policy_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    policy = selectors.policy_get(user=request.user, pk=pk)
    versions = list(selectors.policy_versions(policy))
    current = next((v for v in versions if v.is_active), None)
    found = None
    if permissions.can(request.user, "incentive.claim.create") and policy == current:
        # The permission is an applicant's of a verified organisation (incentives/permissions.py).
        organisation = cast(Organisation, request.user.organisation)
        found = eligibility.check(organisation, policy, today=timezone.localdate())
    return render(
        request,
        "incentives/policy_detail.html",
        {
            "policy": policy,
            "versions": versions,
            "current": current,
            "found": found,
            "can_manage": permissions.can(request.user, "incentive.policy.manage"),
        },
    )


@permission_required("incentive.policy.manage")
def policy_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A new policy (next year's, or a city's own), optionally starting from a copy of one."""
    initial = {}
    copy = _int(request.GET.get("copy"))
    if copy and request.method == "GET":
        source = selectors.policy_get(user=request.user, pk=copy)
        initial = model_to_dict(source, fields=PolicyForm.Meta.fields)
        initial["evidence"] = "\n".join(source.evidence)
        initial["region"] = source.region_id
    form = PolicyForm(request.POST or None, initial=initial, creating=True)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        code = data.pop("code")
        try:
            policy = services.policy_save(actor=request.user, data=data, code=code)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(
                request,
                _("Policy “%(title)s” created.") % {"title": formats.nested_quotes(policy.title)},
            )
            return redirect("incentives:policy_detail", pk=policy.pk)
    return render(request, "incentives/policy_form.html", {"form": form, "policy": None})


@permission_required("incentive.policy.manage")
def policy_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    policy = selectors.policy_get(user=request.user, pk=pk)
    form = PolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.policy_save(actor=request.user, data=form.cleaned_data, policy=policy)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            if saved.pk != policy.pk:
                messages.info(
                    request,
                    _(
                        "Claims were made under version %(old)d, so the change is saved as "
                        "version %(new)d; those claims keep version %(old)d."
                    )
                    % {"old": policy.version, "new": saved.version},
                )
            else:
                messages.success(request, _("The policy is saved."))
            return redirect("incentives:policy_detail", pk=saved.pk)
    return render(
        request,
        "incentives/policy_form.html",
        {"form": form, "policy": policy, "in_use": policy.claims.exists()},
    )


# Claims --------------------------------------------------------------------------------------


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _show_errors(form: ClaimForm, error: ValidationError) -> list[str]:
    """A service's errors on the claim form; those about the interest payments go under the
    payment rows (returned), the rest on their fields or at the top."""
    if hasattr(error, "error_dict"):
        below = [str(m) for m in error.message_dict.get("interest_payments", [])]
        rest = {k: v for k, v in error.error_dict.items() if k != "interest_payments"}
        if rest:
            form_errors_from(form, ValidationError(rest))
        return below
    form_errors_from(form, error)
    return []


def _attach(request: AuthenticatedHttpRequest, claim: Claim) -> list[str]:
    """The evidence files chosen on the form (one input per required document, and one more),
    attached through the service; returns the messages of those refused."""
    labels = [*claim.policy.evidence, _("Other supporting document")]
    refused = []
    for index, label in enumerate(labels):
        upload = request.FILES.get(f"evidence-{index}")
        if upload is None:
            continue
        name, handle, size = uploads.received(upload)
        try:
            services.claim_attach(
                actor=request.user, claim=claim, label=label, name=name, handle=handle, size=size
            )
        except ValidationError as error:
            refused.extend(error.messages)
    return refused


def _evidence_rows(policy: Policy, claim: Claim | None) -> list[dict]:
    """One file input per document the policy requires, and one for anything else, with the
    files already attached under each label."""
    labels = [*policy.evidence, _("Other supporting document")]
    files = list(claim.files.all()) if claim is not None else []
    return [
        {
            "name": f"evidence-{index}",
            "label": label,
            "required": index < len(policy.evidence),
            "files": [f for f in files if f.label == label],
        }
        for index, label in enumerate(labels)
    ]


def _claim_data(form: ClaimForm, payments) -> dict:
    data = dict(form.cleaned_data)
    if payments is not None:
        data["interest_payments"] = payments_from(payments)
    return data


def _current_policy(request: AuthenticatedHttpRequest, pk: int) -> Policy:
    """Claims are made under the current version of a policy only."""
    policy = selectors.policy_list(user=request.user).filter(pk=pk).first()
    if policy is None:
        raise Http404
    return policy


@permission_required("incentive.claim.create")
@ratelimits.limit(ratelimits.UPLOAD)
def claim_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    policy = _current_policy(request, pk)
    today = timezone.localdate()
    # The permission is an applicant's of a verified organisation (incentives/permissions.py).
    organisation = cast(Organisation, request.user.organisation)
    found = eligibility.check(organisation, policy, today=today)
    data = request.POST if request.method == "POST" else None
    form = ClaimForm(data, policy=policy, recognitions=found.recognitions)
    payments = payment_formset(data) if form.needs_payments else None
    payment_errors: list[str] = []
    if (
        data is not None
        and found.eligible
        and form.is_valid()
        and (payments is None or payments.is_valid())
    ):
        try:
            claim = services.claim_create(
                actor=request.user, policy=policy, data=_claim_data(form, payments), today=today
            )
        except ValidationError as error:
            payment_errors = _show_errors(form, error)
        else:
            messages.success(request, _("Draft claim %(number)s saved.") % {"number": claim.number})
            for message in _attach(request, claim):
                messages.error(request, message)
            return redirect("incentives:claim_edit", pk=claim.pk)
    return render(
        request,
        "incentives/claim_form.html",
        {
            "policy": policy,
            "found": found,
            "form": form,
            "payments": payments,
            "payment_errors": payment_errors,
            "claim": None,
            "evidence": _evidence_rows(policy, None),
        },
    )


@login_required
@ratelimits.limit(ratelimits.UPLOAD)
def claim_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The draft: figures, evidence, the entitlement computed with its working, submit."""
    claim = selectors.claim_get(user=request.user, pk=pk)
    if not permissions.can(request.user, "incentive.claim.edit", claim):
        if claim.organisation_id == request.user.organisation_id:
            return redirect("incentives:claim_detail", pk=claim.pk)
        raise PermissionDenied("incentive.claim.edit")
    policy = claim.policy
    found = eligibility.check(claim.organisation, policy, today=timezone.localdate())
    recognitions = list(found.recognitions)
    if claim.recognition is not None and claim.recognition not in recognitions:
        recognitions.append(claim.recognition)
    data = request.POST if request.method == "POST" else None
    initial = {name: getattr(claim, name) for name in services.CLAIM_FIELDS}
    form = ClaimForm(data, initial=initial, policy=policy, recognitions=recognitions)
    payments = payment_formset(data, claim=claim) if form.needs_payments else None
    payment_errors: list[str] = []
    if data is not None and form.is_valid() and (payments is None or payments.is_valid()):
        submitting = "submit" in request.POST
        try:
            claim = services.claim_update(
                actor=request.user, claim=claim, data=_claim_data(form, payments)
            )
        except ValidationError as error:
            payment_errors = _show_errors(form, error)
        else:
            refused = _attach(request, claim)
            for message in refused:
                form.add_error(None, message)
            if not refused and not submitting:
                messages.success(request, _("Draft saved."))
                return redirect("incentives:claim_edit", pk=claim.pk)
            if not refused:
                try:
                    services.claim_submit(actor=request.user, claim=claim)
                except ValidationError as error:
                    payment_errors = _show_errors(form, error)
                else:
                    messages.success(
                        request, _("Claim %(number)s submitted.") % {"number": claim.number}
                    )
                    return redirect("incentives:claim_detail", pk=claim.pk)
        claim = selectors.claim_get(user=request.user, pk=pk)
    lines, errors, entitlement = _working(claim)
    return render(
        request,
        "incentives/claim_form.html",
        {
            "policy": policy,
            "found": found,
            "form": form,
            "payments": payments,
            "payment_errors": payment_errors,
            "claim": claim,
            "evidence": _evidence_rows(policy, claim),
            "lines": lines,
            "errors": errors,
            "entitlement": entitlement,
            "field_labels": _claim_labels(),
        },
    )


def _claim_labels() -> dict[str, str]:
    return {f.name: str(f.verbose_name) for f in Claim._meta.get_fields() if f.concrete}


def _working(claim: Claim):
    """(lines, errors, amount): computed now while the claim can still change or be decided,
    as kept with the decision afterwards."""
    if claim.is_editable or claim.status == Claim.Status.SUBMITTED:
        result = selectors.entitlement_of(claim)
        return [(line.label, line.amount) for line in result.lines], result.errors, result.amount
    lines = [(row["label"], Decimal(row["amount"])) for row in claim.working]
    return lines, {}, claim.entitlement


def _detail_context(request: AuthenticatedHttpRequest, claim: Claim, **bound) -> dict:
    user = request.user
    lines, errors, entitlement = _working(claim)
    context = {
        "claim": claim,
        "lines": lines,
        "errors": errors,
        "entitlement": entitlement,
        "field_labels": _claim_labels(),
        "files": claim.files.all(),
        "payments": claim.payments.all(),
        # Stored as the service keeps them (ISO date, amount string); shown as dates and yuan.
        "interest_payments": [
            (date.fromisoformat(row["date"]), Decimal(row["amount"]))
            for row in claim.interest_payments or []
        ],
        "can_edit": permissions.can(user, "incentive.claim.edit", claim),
    }
    today = timezone.localdate()
    available = {t.action for t in engine.available(CLAIM, user, claim)}
    context["history"] = engine.history(claim)
    if "submit" in available:  # the button comes from {% available_actions %}; this, its errors
        context["submit_form"] = bound.get("submit")
    if {"approve", "return", "reject"} <= available:
        context["approve_form"] = bound.get("approve") or ApproveForm(
            initial={"amount": entitlement}
        )
        context["return_form"] = bound.get("return") or ReasonForm(prefix="return")
        context["reject_form"] = bound.get("reject") or ReasonForm(prefix="reject")
    if "pay" in available:
        # "pay" is available on an approved claim only, and approving set its amount.
        context["pay_form"] = bound.get("pay") or PaymentForm(
            initial={
                "paid_on": today,
                "amount": cast(Decimal, claim.approved_amount) - claim.paid_amount,
            }
        )
    if permissions.can(user, "incentive.spending.view"):
        budget = selectors.budget_for(claim, claim.budget_year or today.year)
        context["budget"] = selectors.budget_status(budget) if budget else None
        context["budget_year"] = claim.budget_year or today.year
    return context


@login_required
def claim_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    claim = selectors.claim_get(user=request.user, pk=pk)
    return render(request, "incentives/claim_detail.html", _detail_context(request, claim))


# The actions on a claim's page: the applicant's submit (the draft's own page has the button
# too, not only its edit form) and the reviewer's decisions; the form each reads, and the service
# it calls with that form's data.
ACTIONS = {
    "submit": (
        lambda data: forms.Form(data),
        lambda user, claim, d: services.claim_submit(actor=user, claim=claim),
    ),
    "approve": (
        lambda data: ApproveForm(data),
        lambda user, claim, d: services.claim_approve(actor=user, claim=claim, **d),
    ),
    "return": (
        lambda data: ReasonForm(data, prefix="return"),
        lambda user, claim, d: services.claim_return(actor=user, claim=claim, reason=d["reason"]),
    ),
    "reject": (
        lambda data: ReasonForm(data, prefix="reject"),
        lambda user, claim, d: services.claim_reject(actor=user, claim=claim, reason=d["reason"]),
    ),
    "pay": (
        lambda data: PaymentForm(data),
        lambda user, claim, d: services.claim_pay(actor=user, claim=claim, **d),
    ),
}


@require_POST
@login_required
def claim_act(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    """The applicant's submit; the reviewer's approve, return, reject and record-payment. A
    refusal is shown on the action's own form, with the service's message (what is missing to
    submit; the budget figures when over budget)."""
    if action not in ACTIONS:
        raise Http404
    claim = selectors.claim_get(user=request.user, pk=pk)
    code = CLAIM.transition(action).permission or ""
    if not permissions.can(request.user, code, claim):
        raise PermissionDenied(code)
    stale = engine.state_problem(CLAIM, claim, action)
    if stale:  # a page from before a colleague's decision: say what the claim is now
        messages.error(request, stale)
        return redirect("incentives:claim_detail", pk=pk)
    make_form, service = ACTIONS[action]
    form = make_form(request.POST)
    if form.is_valid():
        try:
            service(request.user, claim, form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            claim = selectors.claim_get(user=request.user, pk=pk)
            messages.success(
                request,
                _("Claim %(number)s is now: %(status)s.")
                % {"number": claim.number, "status": claim.get_status_display()},
            )
            return redirect("incentives:claim_detail", pk=pk)
    claim = selectors.claim_get(user=request.user, pk=pk)
    return render(
        request,
        "incentives/claim_detail.html",
        _detail_context(request, claim, **{action: form}),
        status=400,
    )


@login_required
def claim_file_download(request: AuthenticatedHttpRequest, pk: int, file_pk: int) -> FileResponse:
    claim = selectors.claim_get(user=request.user, pk=pk)
    stored = claim.files.filter(pk=file_pk).first()
    if stored is None:
        raise Http404
    audit_record(
        actor=request.user,
        event=events.CLAIM_DOWNLOAD,
        target=claim,
        after={"name": stored.original_name, "label": stored.label},
    )
    kind = uploads.kind_of_stored(stored.file)
    return uploads.file_response(
        stored.file.open("rb"),
        name=stored.original_name,
        content_type=kind.content_type if kind else "application/octet-stream",
    )


@permission_required("incentive.claim.list")
def claim_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    is_staff = permissions.can(user, "incentive.spending.view")
    form = ClaimFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    claims = selectors.claim_list(user=user).prefetch_related("payments")
    if filters.get("status"):
        claims = claims.filter(status=filters["status"])
    if filters.get("policy"):
        claims = claims.filter(policy__code=filters["policy"])
    regions = list(policy_regions().filter(level=Region.Level.CITY)) if is_staff else []
    region = next((r for r in regions if r.code == filters.get("region")), None)
    if region is not None:
        claims = claims.filter(organisation__region__path__startswith=region.path)
    return render(
        request,
        "incentives/claim_list.html",
        {
            "page": paginate(request, claims),
            "filters": filters,
            "statuses": Claim.Status.choices,
            "policies": selectors.policy_list(user=user),
            "regions": regions,
            "is_staff": is_staff,
        },
    )


# Budgets -------------------------------------------------------------------------------------


@permission_required("incentive.spending.view")
def budget_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Allocated, committed (approved, not paid), paid and remaining per policy and year; a
    reviewer sets a budget here."""
    user = request.user
    year_text = request.GET.get("year", "")
    year = None if year_text == "all" else (_int(year_text) or timezone.localdate().year)
    policies = list(selectors.policy_list(user=user))
    can_manage = permissions.can(user, "incentive.policy.manage")
    form = None
    if can_manage:
        form = BudgetForm(
            request.POST or None, policies=policies, initial={"year": year or timezone.now().year}
        )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("incentive.policy.manage")
        if form.is_valid():
            data = form.cleaned_data
            policy = next(p for p in policies if p.code == data["policy_code"])
            try:
                services.budget_set(
                    actor=user,
                    policy_code=policy.code,
                    year=data["year"],
                    region=data["region"] or policy.region,
                    allocated=data["allocated"],
                    source=data["source"],
                )
            except ValidationError as error:
                form_errors_from(form, error)
            else:
                messages.success(
                    request,
                    _("Budget %(year)d of “%(title)s” set.")
                    % {"year": data["year"], "title": formats.nested_quotes(policy.title)},
                )
                return redirect(f"{reverse('incentives:budget_list')}?year={data['year']}")
    rows = selectors.budget_list(user=user, year=year)
    titles = {p.code: p.title for p in policies}
    totals = {
        "allocated": sum((r.budget.allocated for r in rows), Decimal(0)),
        "committed": sum((r.committed for r in rows), Decimal(0)),
        "paid": sum((r.paid for r in rows), Decimal(0)),
        "remaining": sum((r.remaining for r in rows), Decimal(0)),
    }
    return render(
        request,
        "incentives/budget_list.html",
        {
            "rows": [{"status": r, "title": titles.get(r.budget.policy_code, "")} for r in rows],
            "totals": totals,
            "year": year,
            "form": form,
        },
    )


# Spending ------------------------------------------------------------------------------------
# Computed by incentives/spending.py, written to Excel by incentives/exporters.py.

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _spending_year(request: HttpRequest) -> int | None:
    """?year=2025, or ?year=all for every year; this year by default (or when unreadable)."""
    text = request.GET.get("year", "").strip()
    if text == "all":
        return None
    return int(text) if text.isdigit() and 2000 <= int(text) <= 2100 else timezone.localdate().year


@permission_required("incentive.spending.view")
def spending_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Approved and paid by policy, city, organisation kind and quarter of payment; budgets
    against spending by policy and, for city policies, by city."""
    from incentives import spending

    data = spending.spending(user=request.user, year=_spending_year(request))
    return render(request, "incentives/spending.html", {"s": data, "chart": spending.chart(data)})


@permission_required("incentive.spending.view")
@ratelimits.limit(ratelimits.EXPORT, method=None)
def spending_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The spending page as .xlsx, one sheet per breakdown."""
    from incentives import exporters, spending

    year = _spending_year(request)
    organisation = request.user.organisation.name if request.user.organisation else ""
    content = exporters.spending_workbook(
        spending.spending(user=request.user, year=year), organisation=organisation
    )
    audit_record(
        actor=request.user,
        event=events.EXPORT,
        reason=request.GET.urlencode(),
        after={"export": "spending", "year": year},
    )
    name, fallback = exporters.spending_file_names(year)
    return cast(HttpResponse, spreadsheets.download(content, name=name, fallback=fallback))
