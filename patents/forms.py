"""Input shapes of the patent pages. Business rules live in services.py."""

from django import forms
from django.utils.translation import gettext_lazy as _

from patents.models import INTENSIVE_INDUSTRIES, Patent
from portal.forms import BootstrapMixin


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
