"""Input shapes of the patent pages. Business rules live in services.py."""

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from patents.models import INTENSIVE_INDUSTRIES, Patent
from portal.forms import BootstrapMixin, DateField
from portal.models import Organisation


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("patent list (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx,.csv"}),
    )


class ScreenForm(BootstrapMixin, forms.Form):
    tier = forms.ChoiceField(label=_("tier"), choices=Patent.Tier.choices)
    industry = forms.ChoiceField(label=_("industry sub-field"), choices=INTENSIVE_INDUSTRIES)
    note = forms.CharField(label=_("note"), required=False, max_length=500)


class PoolFilterForm(forms.Form):
    q = forms.CharField(required=False)
    status = forms.ChoiceField(required=False, choices=[("", ""), *Patent.Status.choices])
    screened = forms.ChoiceField(required=False, choices=[("", ""), ("yes", ""), ("no", "")])
    tier = forms.ChoiceField(required=False, choices=[("", ""), *Patent.Tier.choices])


class NeedForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        from patents.models import TechNeed

        model = TechNeed
        fields = [
            "title",
            "description",
            "industry",
            "ipc",
            "budget_min",
            "budget_max",
            "cooperation",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("prospect (1–5)"), choices=[(n, n) for n in range(1, 6)], coerce=int
    )
    improvements = forms.CharField(label=_("what would have to improve"), required=False)
    wants_cooperation = forms.BooleanField(label=_("wants to cooperate"), required=False)


# The fields each kind of conversion event asks for, in order.
CONVERSION_FORM_FIELDS = {
    "transfer": ["counterparty", "counterparty_name", "amount", "starts_on", "project", "note"],
    "licence": [
        "counterparty", "counterparty_name", "licence_kind", "via_open_licence", "amount",
        "starts_on", "ends_on", "project", "note",
    ],
    "open_licence": ["fee_standard", "payment_method", "starts_on", "ends_on", "note"],
    "pledge": ["counterparty_name", "amount", "starts_on", "ends_on", "note"],
    "product_filing": ["counterparty", "product", "sales", "starts_on", "project", "note"],
    "contract": [
        "counterparty", "counterparty_name", "contract_kind", "registration_number", "amount",
        "starts_on", "project", "note",
    ],
    "use_first": [
        "counterparty", "counterparty_name", "amount", "starts_on", "ends_on", "fee_standard",
        "project", "note",
    ],
}  # fmt: skip


class ConversionForm(BootstrapMixin, forms.ModelForm):
    """One kind of conversion event: only that kind's fields are shown and read."""

    class Meta:
        from patents.models import Conversion

        model = Conversion
        fields = sorted({name for names in CONVERSION_FORM_FIELDS.values() for name in names})
        field_classes = {"starts_on": DateField, "ends_on": DateField}

    def __init__(
        self,
        *args,
        kind: str,
        owner: Organisation,
        counterparty: object = None,
        reload_url: str = "",
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        from portal.numbers import row_id
        from projects.selectors import projects_led_by

        wanted = CONVERSION_FORM_FIELDS[kind]
        for name in list(self.fields):
            if name not in wanted:
                del self.fields[name]
        self.order_fields(wanted)
        if "counterparty" in self.fields:
            counterparties = cast(forms.ModelChoiceField, self.fields["counterparty"])
            counterparties.queryset = Organisation.objects.filter(
                kind=Organisation.Kind.ENTERPRISE, status=Organisation.Status.VERIFIED
            ).order_by("name")
        if "project" in self.fields:
            projects = cast(forms.ModelChoiceField, self.fields["project"])
            # The owner's projects and, once chosen, the counterparty's: never another's.
            chosen = self.data.get("counterparty") if self.is_bound else counterparty
            projects.queryset = projects_led_by(organisation_ids=[owner.pk, row_id(chosen)])
            if not self.is_bound and row_id(counterparty):
                self.initial["counterparty"] = row_id(counterparty)
            if reload_url and "counterparty" in self.fields:
                self.fields["counterparty"].widget.attrs.update({
                    "hx-get": reload_url, "hx-trigger": "change", "hx-target": "#id_project",
                    "hx-select": "#id_project", "hx-swap": "outerHTML",
                })  # fmt: skip
        if kind == "pledge":
            self.fields["counterparty_name"].label = _("pledgee bank")
        if kind in {"open_licence", "use_first"} and "fee_standard" in self.fields:
            self.fields["fee_standard"].help_text = _(
                "e.g. 3 per cent of sales a year, or 50,000 yuan"
            )

    def _post_clean(self):
        """The service validates the whole event (with the patent's other events)."""


class ConversionEndForm(BootstrapMixin, forms.Form):
    ended_on = DateField(label=_("ended on"))


class OpenLicenceSearchForm(forms.Form):
    q = forms.CharField(label=_("keyword"), required=False, max_length=100)
    industry = forms.ChoiceField(
        label=_("industry sub-field"), required=False, choices=[("", "—"), *INTENSIVE_INDUSTRIES]
    )
    ipc = forms.CharField(label=_("IPC"), required=False, max_length=20)


class PushForm(BootstrapMixin, forms.Form):
    organisations = forms.ModelMultipleChoiceField(
        label=_("enterprises"),
        queryset=Organisation.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    note = forms.CharField(label=_("note"), required=False, max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisations"].queryset = Organisation.objects.filter(
            kind=Organisation.Kind.ENTERPRISE, status=Organisation.Status.VERIFIED
        ).order_by("name")
