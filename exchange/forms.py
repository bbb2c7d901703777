"""Input shapes of the exchange pages. Business rules (what a mapping may hold, what a file
may import) live in services.py."""

import json
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from exchange.fields import TRANSFORMS, TYPES
from exchange.models import Mapping
from exchange.targets import TARGETS, choices
from portal.forms import BootstrapMixin, DateField
from portal.models import Organisation, Qualification
from portal.periods import Quarter, quarter_choices

# The parameters an export may be given, whatever its target; a target reads those it knows.
EXPORT_PARAMS = ("organisation", "period", "kind", "since", "until")
PERIODS = 20  # the quarters an export offers, newest first: five years


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("file (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx,.csv"}),
    )


class ExportForm(BootstrapMixin, forms.Form):
    """The export's format and the parameters its target takes (the others are removed)."""

    fmt = forms.ChoiceField(
        label=_("format"), choices=[("xlsx", "Excel (.xlsx)"), ("csv", "CSV")], initial="xlsx"
    )
    organisation = forms.ModelChoiceField(
        label=_("organisation"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("every organisation"),
    )
    period = forms.ChoiceField(label=_("period"), required=False)
    kind = forms.ChoiceField(
        label=_("qualification kind"),
        choices=[("", "—"), *Qualification.Kind.choices],
        required=False,
    )
    since = DateField(label=_("from"), required=False)
    until = DateField(label=_("to"), required=False)

    def __init__(self, *args, params: tuple[str, ...] = EXPORT_PARAMS, **kwargs):
        super().__init__(*args, **kwargs)
        for name in EXPORT_PARAMS:
            if name not in params:
                del self.fields[name]
        if "period" in self.fields:
            # The latest quarters, written as the page writes periods; the value is 2025Q2.
            last = Quarter.last_completed(timezone.localdate())
            periods = cast(forms.ChoiceField, self.fields["period"])
            periods.choices = [("", _("latest approved")), *quarter_choices(last, PERIODS)]
        for field in self.fields.values():
            css = field.widget.attrs.get("class", "")
            small = "form-select-sm" if "form-select" in css else "form-control-sm"
            field.widget.attrs["class"] = f"{css} {small}"
        if "organisation" in self.fields:
            organisations = cast(forms.ModelChoiceField, self.fields["organisation"])
            organisations.queryset = Organisation.objects.filter(
                kind__in=[Organisation.Kind.UNIVERSITY, Organisation.Kind.RESEARCH_INSTITUTE],
                status=Organisation.Status.VERIFIED,
            ).order_by("name")

    def params(self) -> dict:
        """The filled parameters, as plain values a target reads (and a run records)."""
        found = {}
        for name in EXPORT_PARAMS:
            value = self.cleaned_data.get(name)
            if value in (None, ""):
                continue
            if isinstance(value, Organisation):
                value = value.pk
            elif hasattr(value, "isoformat"):
                value = value.isoformat()
            found[name] = value
        return found


def _json_object(text: str, what: str) -> dict:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise forms.ValidationError(
            _("%(what)s: not valid JSON (line %(line)d, column %(column)d).")
            % {"what": what, "line": error.lineno, "column": error.colno}
        ) from error
    if not isinstance(value, dict):
        raise forms.ValidationError(_("%(what)s: write a JSON object, {…}.") % {"what": what})
    return value


class MappingForm(BootstrapMixin, forms.Form):
    code = forms.SlugField(
        label=_("code"),
        max_length=60,
        help_text=_(
            "Letters, digits and hyphens: it names the mapping in links and file names, and "
            "stays when the mapping changes."
        ),
    )
    name = forms.CharField(label=_("name"), max_length=200)
    target = forms.ChoiceField(label=_("maps onto"))
    direction = forms.ChoiceField(label=_("direction"), choices=Mapping.Direction.choices)
    sheet = forms.CharField(
        label=_("sheet"),
        max_length=60,
        required=False,
        help_text=_("Empty: the first sheet."),
    )
    header_row = forms.IntegerField(
        label=_("header row"),
        min_value=0,
        max_value=1000,
        initial=0,
        help_text=_("0: the first row holding every required header."),
    )
    source = forms.CharField(
        label=_("source"),
        max_length=300,
        required=False,
        help_text=_("Where the layout comes from: the platform, the document, the list."),
    )
    params = forms.CharField(
        label=_("parameters"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "font-monospace"}),
        help_text=_(
            "Fixed values for every row, one “name=value” a line (kind=little_giant), or a JSON "
            "object."
        ),
    )

    def __init__(self, *args, new: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["target"]).choices = choices()
        if not new:
            del self.fields["code"]

    def clean_params(self) -> dict:
        text = self.cleaned_data["params"].strip()
        if text.startswith("{"):
            return _json_object(text, str(_("Parameters")))
        return parse_choices(text)


def parse_choices(text: str) -> dict:
    """Allowed values: a JSON object, or one "文件值=portal值" a line (a line without "=" keeps
    the value as it is)."""
    text = text.strip()
    if not text:
        return {}
    if text.startswith("{"):
        return _json_object(text, str(_("Allowed values")))
    found = {}
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        key, _sep, value = line.replace("＝", "=").partition("=")
        key, value = key.strip(), value.strip()
        found[key] = value if _sep else key
    return found


def choices_text(values: dict | None) -> str:
    """The editable text of allowed values: lines when every value is text, else JSON (so a
    yes/no or a number keeps its type)."""
    if not values:
        return ""
    plain = all(
        isinstance(v, str) and "=" not in k and "\n" not in k and "\n" not in v
        for k, v in values.items()
    )
    if plain:
        return "\n".join(k if k == v else f"{k}={v}" for k, v in values.items())
    return json.dumps(values, ensure_ascii=False)


class ColumnForm(BootstrapMixin, forms.Form):
    header = forms.CharField(label=_("header in the file"), max_length=100)
    field = forms.ChoiceField(label=_("portal field"))
    type = forms.ChoiceField(label=_("type"), choices=TYPES, initial="text")
    required = forms.BooleanField(label=_("required"), required=False)
    choices = forms.CharField(
        label=_("allowed values"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": _("file value=portal value")}),
    )
    transform = forms.ChoiceField(label=_("transformation"), choices=TRANSFORMS, required=False)

    def __init__(self, *args, target: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["field"]).choices = field_choices(target)

    def clean_choices(self) -> dict:
        return parse_choices(self.cleaned_data["choices"])

    def column(self) -> dict:
        """The column as a mapping stores it (only the keys that say something)."""
        data = self.cleaned_data
        column = {"header": data["header"].strip(), "field": data["field"], "type": data["type"]}
        if data["required"]:
            column["required"] = True
        if data["choices"]:
            column["choices"] = data["choices"]
        if data.get("transform"):
            column["transform"] = data["transform"]
        return column


def field_choices(target: str) -> list:
    """The fields of one target; or, before one is chosen, every target's, grouped. The empty
    choice first, so that an empty row of the table posts nothing to check."""
    fields: list[tuple[str, Any]]
    if target in TARGETS:
        fields = [(name, capfirst(str(label))) for name, label in TARGETS[target].fields.items()]
    else:
        fields = [
            (str(t.label), [(name, capfirst(str(label))) for name, label in t.fields.items()])
            for t in TARGETS.values()
        ]
    return [("", "—"), *fields]


def column_initial(column: dict) -> dict:
    return {
        "header": column.get("header", ""),
        "field": column.get("field", ""),
        "type": column.get("type", "text"),
        "required": bool(column.get("required")),
        "choices": choices_text(column.get("choices")),
        "transform": column.get("transform", ""),
    }


ColumnFormSet = forms.formset_factory(ColumnForm, extra=2, can_delete=True)


def column_formset(data=None, *, target: str, columns: list | None = None):
    return ColumnFormSet(
        data,
        initial=[column_initial(c) for c in columns or []],
        prefix="column",
        form_kwargs={"target": target},
    )


def columns_from(formset) -> list[dict]:
    """The filled rows of a valid formset, in order, as the service takes them."""
    return [
        form.column()
        for form in formset
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]
