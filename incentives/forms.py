"""Input shapes of the incentives pages. Business rules live in services.py.

Claim amounts are typed in yuan, to the fen, as on the vouchers and loan contracts they come from;
policy amounts too (the rule is shown in 万元 where the documents use 万元).
"""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils.safestring import mark_safe
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from incentives.models import MONEY, Claim, Policy
from portal import formats
from portal.forms import BootstrapMixin, DateField
from portal.models import Organisation, Qualification, Region

# At least this many interest-payment rows are offered; empty rows are ignored.
PAYMENT_ROWS = 8
FEN = Decimal("0.01")


def lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _yuan(label, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=MONEY["max_digits"],
        decimal_places=MONEY["decimal_places"],
        min_value=0,
        **kwargs,
    )


def policy_regions():
    return Region.objects.filter(level__in=[Region.Level.PROVINCE, Region.Level.CITY]).order_by(
        "path"
    )


# Claims --------------------------------------------------------------------------------------


class ClaimForm(BootstrapMixin, forms.Form):
    """Only the figures the policy's amount rule needs (see `fields_for`)."""

    recognition = forms.ModelChoiceField(
        label=_("recognition"), queryset=Qualification.objects.none(), empty_label=None
    )
    requested_amount = _yuan(_("amount asked for (yuan)"))
    base_amount = _yuan(_("base amount (yuan)"))
    loan_bank = forms.CharField(label=_("lending bank"), max_length=100)
    loan_contract = forms.CharField(label=_("loan contract number"), max_length=60)
    loan_amount = _yuan(_("loan amount (yuan)"))
    loan_start = DateField(label=_("loan start"))
    loan_end = DateField(label=_("loan repaid on"))
    description = forms.CharField(
        label=_("description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, policy: Policy, recognitions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.policy = policy
        wanted = fields_for(policy)
        for name in list(self.fields):
            if name not in wanted:
                del self.fields[name]
        if "recognition" in self.fields:
            recognition = cast(forms.ModelChoiceField, self.fields["recognition"])
            recognition.queryset = Qualification.objects.filter(
                pk__in=[q.pk for q in recognitions]
            ).order_by("year")
            # Django's documented way to label one field's choices: replace the method on it.
            recognition.label_from_instance = lambda q: (  # type: ignore[method-assign,assignment]
                f"{q.get_kind_display()} · {formats.year(q.year)} · {q.source}"
            )
        if "base_amount" in self.fields and policy.base_label:
            self.fields["base_amount"].label = _("%(base)s (yuan)") % {"base": policy.base_label}
        if "requested_amount" in self.fields:
            self.fields["requested_amount"].help_text = _(
                "Within the policy's amount rule; the reviewer decides the amount approved."
            )

    @property
    def needs_payments(self) -> bool:
        return bool(self.policy.needs_base and self.policy.duration_months)


def fields_for(policy: Policy) -> list[str]:
    """The claim fields a policy's rule needs, in order."""
    wanted = []
    if policy.qualification:
        wanted.append("recognition")
    if policy.needs_request:
        wanted.append("requested_amount")
    if policy.needs_base and policy.duration_months:
        wanted += ["loan_bank", "loan_contract", "loan_amount", "loan_start", "loan_end"]
    elif policy.needs_base:
        wanted.append("base_amount")
    wanted.append("description")
    return wanted


class InterestPaymentForm(BootstrapMixin, forms.Form):
    """One interest payment; a row left empty is ignored."""

    date = DateField(label=_("paid on"), required=False)
    amount = _yuan(_("interest (yuan)"), required=False)

    def clean(self):
        data = super().clean()
        day, amount = data.get("date"), data.get("amount")
        if day is None and amount is not None:
            self.add_error("date", _("Give the date of this payment."))
        if amount is None and day is not None:
            self.add_error("amount", _("Give the amount of this payment."))
        return data


InterestPaymentFormSet = forms.formset_factory(InterestPaymentForm, extra=0)


def payment_formset(data=None, *, claim: Claim | None = None) -> forms.BaseFormSet:
    """The stored payments, then empty rows up to PAYMENT_ROWS (two more when that many are
    stored)."""
    stored = list(claim.interest_payments) if claim is not None else []
    initial = [{"date": row["date"], "amount": Decimal(row["amount"])} for row in stored]
    initial += [{}] * max(PAYMENT_ROWS - len(initial), 2)
    return InterestPaymentFormSet(data, initial=initial, prefix="payment")


def payments_from(formset: forms.BaseFormSet) -> list[dict]:
    """The filled rows of a valid formset, as the service takes them."""
    return [
        {"date": row["date"].isoformat(), "amount": str(row["amount"].quantize(FEN))}
        for row in (f.cleaned_data for f in formset)
        if row.get("date") and row.get("amount") is not None
    ]


class EvidenceForm(BootstrapMixin, forms.Form):
    label = forms.ChoiceField(label=_("evidence"))
    file = forms.FileField(label=_("file"))

    def __init__(self, *args, policy: Policy, **kwargs):
        super().__init__(*args, **kwargs)
        labels = [*policy.evidence, str(_("Other supporting document"))]
        cast(forms.ChoiceField, self.fields["label"]).choices = [(label, label) for label in labels]


# Reviewer actions ----------------------------------------------------------------------------


class ApproveForm(BootstrapMixin, forms.Form):
    amount = _yuan(_("amount approved (yuan)"))
    reason = forms.CharField(
        label=_("reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when less than the entitlement is approved."),
    )


class ReasonForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label=_("reason (the applicant reads it)"), widget=forms.Textarea(attrs={"rows": 2})
    )


class PaymentForm(BootstrapMixin, forms.Form):
    paid_on = DateField(label=_("paid on"))
    amount = _yuan(_("amount (yuan)"))
    voucher = forms.CharField(label=_("voucher number"), max_length=60)


class ClaimFilterForm(forms.Form):
    status = forms.ChoiceField(required=False, choices=[("", ""), *Claim.Status.choices])
    policy = forms.SlugField(required=False)
    region = forms.CharField(required=False, max_length=12)


# Policies and budgets ------------------------------------------------------------------------


class PolicyForm(BootstrapMixin, forms.ModelForm):
    """The rule fields of a policy. The service decides whether a change edits this version or
    makes the next one, and validates the rule as a whole."""

    code = forms.SlugField(
        label=_("code"),
        max_length=40,
        # The code is machine text an administrator writes: shown as such (<code>).
        help_text=mark_safe(  # noqa: S308  (a constant example in our own markup)
            format_lazy(
                _("Stable across versions, e.g. {example}."),
                example="<code>little-giant-ankang</code>",
            )
        ),
    )
    claimant_kinds = forms.MultipleChoiceField(
        label=_("organisation kinds that may claim"),
        choices=Organisation.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("None ticked: any kind."),
    )
    evidence = forms.CharField(
        label=_("evidence required"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One document per line."),
    )

    class Meta:
        model = Policy
        fields = [
            "title", "level", "region", "document", "clause", "department", "description",
            "claimant_kinds", "qualification", "qualified_since", "evidence", "opens_on",
            "closes_on", "amount_kind", "amount", "amount_min", "amount_max", "rate",
            "base_label", "cap_per_claim", "cumulative_cap", "duration_months", "one_time",
            "source", "is_active",
        ]  # fmt: skip
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        field_classes = {"opens_on": DateField, "closes_on": DateField}

    def __init__(self, *args, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not creating:
            del self.fields["code"]
        else:
            self.order_fields(["code", *(self._meta.fields or ())])
        region = cast(forms.ModelChoiceField, self.fields["region"])
        region.queryset = policy_regions()
        # A real first choice instead of Django's "---------".
        region.empty_label = _("Choose…")
        _label_empty(self.fields["level"], _("Choose…"))
        _label_empty(self.fields["amount_kind"], _("Choose…"))
        _label_empty(self.fields["qualification"], _("No qualification required"))
        if self.instance.pk and not self.is_bound:
            self.initial["evidence"] = "\n".join(self.instance.evidence)

    def clean_evidence(self):
        return lines(self.cleaned_data["evidence"])

    def _post_clean(self):
        """The service validates the rule (and the model) and never edits a version in use:
        the instance is left untouched here."""


def _label_empty(field: forms.Field, label) -> None:
    """The empty choice of a select, labelled for what it means (never "---------")."""
    choice_field = cast(forms.ChoiceField, field)
    # A model field's flat (value, label) pairs, with Django's blank choice first.
    choices = cast(Iterable[tuple[Any, Any]], choice_field.choices)
    choice_field.choices = [(value, label if value == "" else text) for value, text in choices]


class BudgetForm(BootstrapMixin, forms.Form):
    policy_code = forms.ChoiceField(label=_("policy"))
    year = forms.IntegerField(label=_("year"), min_value=2023, max_value=2100)
    region = forms.ModelChoiceField(
        label=_("region"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=_("the policy's own region"),
    )
    allocated = _yuan(_("allocated (yuan)"))
    source = forms.CharField(label=_("source"), max_length=200, required=False)

    def __init__(self, *args, policies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["policy_code"].choices = [(p.code, p.title) for p in policies]
        self.fields["region"].queryset = policy_regions()
