"""Input shapes of the reporting pages. Business rules live in services/."""

from typing import cast

from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from portal.forms import BootstrapMixin, DateField
from portal.models import Region
from portal.numbers import NumberError, parse_number
from portal.periods import Quarter
from reporting.models import DataElement, Indicator, ReturnForm, ValidationRule
from reporting.validation import Entry


def _choose_first(form: forms.BaseForm, *names: str) -> None:
    """A required select with no default opens on “Choose…”, not on Django's "---------"."""
    for name in names:
        field = form.fields[name]
        if isinstance(field, forms.ChoiceField):
            listed = cast(list[tuple[str, str]], field.choices)  # normalised by the field
            field.choices = [("", _("Choose…")), *((v, text) for v, text in listed if v)]


class OpenReturnForm(BootstrapMixin, forms.Form):
    form = forms.ModelChoiceField(
        label=_("return form"), queryset=ReturnForm.objects.none(), empty_label=_("Choose…")
    )
    region = forms.ModelChoiceField(
        label=_("region"), queryset=Region.objects.none(), empty_label=_("Choose…")
    )
    period = forms.ChoiceField(label=_("period"))

    def __init__(self, *args, regions, forms_qs, periods, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["form"].queryset = forms_qs
        self.fields["region"].queryset = Region.objects.filter(pk__in=[r.pk for r in regions])
        self.fields["period"].choices = periods


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("filled workbook (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx"}),
    )


class ReasonForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class ValuesForm(forms.Form):
    """The web form: one value and one comment per element, read as the workbook is read."""

    def __init__(self, *args, elements: list[DataElement], initial_values: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.elements = elements
        for element in elements:
            value, comment = initial_values.get(element.code, (None, ""))
            self.fields[f"v_{element.code}"] = forms.CharField(
                label=element.name,
                required=False,
                initial="" if value is None else f"{value.normalize():f}",
                widget=forms.TextInput(
                    attrs={"class": "form-control form-control-sm text-end", "inputmode": "decimal"}
                ),
            )
            self.fields[f"c_{element.code}"] = forms.CharField(
                label=_("comment"),
                required=False,
                max_length=500,
                initial=comment,
                widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
            )

    def rows(self):
        for element in self.elements:
            yield element, self[f"v_{element.code}"], self[f"c_{element.code}"]

    def entries(self) -> dict[str, Entry] | None:
        """Entries for the service, or None with the errors on the fields."""
        if not self.is_valid():
            return None
        entries = {}
        for element in self.elements:
            field = f"v_{element.code}"
            try:
                value = parse_number(self.cleaned_data[field], integer=element.is_integer)
            except NumberError as error:
                self.add_error(field, error.message)
                continue
            entries[element.code] = Entry(
                code=element.code,
                value=value,
                comment=self.cleaned_data[f"c_{element.code}"].strip(),
                cell=element.name,
            )
        return None if self.errors else entries


class DataElementForm(BootstrapMixin, forms.ModelForm):
    add_to_forms = forms.ModelMultipleChoiceField(
        label=_("add to return forms"),
        queryset=ReturnForm.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = DataElement
        fields = [
            "code", "name", "unit", "value_type", "kind", "lower_bound", "upper_bound",
            "description", "source", "sort", "is_active",
        ]  # fmt: skip
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _choose_first(self, "unit", "value_type", "kind")


class ValidationRuleForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = ValidationRule
        fields = [
            "code", "name", "condition", "left", "operator", "right", "for_each", "importance",
            "comment_excuses", "message", "source", "is_active",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _choose_first(self, "operator")
        # Formulas are written with element codes: the example is shown as code.
        self.fields["condition"].help_text = format_html(
            "{} <code>PLEDGE_AMOUNT &gt; 0</code>", _("Optional, a comparison such as")
        )


class TargetForm(BootstrapMixin, forms.Form):
    indicator = forms.ModelChoiceField(
        label=_("indicator"), queryset=Indicator.objects.all(), empty_label=_("Choose…")
    )
    region = forms.ModelChoiceField(
        label=_("region"),
        queryset=Region.objects.order_by("path"),
        required=False,
        empty_label=_("China (a national target, for reference)"),
        help_text=_("Leave empty for a national target shown for reference."),
    )
    deadline = DateField(label=_("deadline"))
    target_value = forms.DecimalField(label=_("target"), max_digits=20, decimal_places=4)
    baseline_value = forms.DecimalField(
        label=_("baseline"),
        max_digits=20,
        decimal_places=4,
        required=False,
        help_text=_("Leave empty to use the portal's own value at the baseline date."),
    )
    baseline_date = DateField(label=_("baseline date"))
    source = forms.CharField(
        label=_("source"),
        max_length=300,
        help_text=_("Document and clause, e.g. 陕政办发〔2024〕11号 (一)"),
    )


class PeriodForm(forms.Form):
    period = forms.CharField(required=False)

    def clean_period(self) -> str:
        text = self.cleaned_data["period"]
        return str(Quarter.parse(text)) if text else ""
