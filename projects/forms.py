"""Input shapes of the project pages. Business rules live in services/.

Money is typed in 万元, as in the documents, and handed to services in yuan.
"""

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import BootstrapMixin, DateTimeField
from portal.models import Organisation, User
from projects.models import Application, Comparator

TEN_THOUSAND = Decimal(10_000)


class WanField(forms.DecimalField):
    """An amount typed in 万元, cleaned to yuan."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 4)
        kwargs.setdefault("min_value", 0)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, Decimal):  # initial values are yuan; bound data is typed in 万元
            return f"{(value / TEN_THOUSAND).normalize():f}"
        return value

    def clean(self, value):
        amount = super().clean(value)
        return None if amount is None else (amount * TEN_THOUSAND).quantize(Decimal("0.01"))


def lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class CategoryForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    tasks = forms.CharField(label=_("tasks"), widget=forms.Textarea(attrs={"rows": 3}))
    eligibility_text = forms.CharField(
        label=_("eligible applicants (guide text)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    period_months = forms.IntegerField(label=_("period (months)"), min_value=1, max_value=60)
    eligible_kinds = forms.MultipleChoiceField(
        label=_("eligible organisation kinds"),
        choices=Organisation.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    subtypes = forms.CharField(
        label=_("sub-types"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line; leave empty when the category has none."),
    )
    amount_min = WanField(label=_("minimum grant (CNY 10k)"), required=False)
    amount_max = WanField(label=_("maximum grant (CNY 10k)"), required=False)
    amount_source = forms.CharField(label=_("source of the amounts"), required=False)

    def clean_subtypes(self):
        return lines(self.cleaned_data["subtypes"])


class KPIForm(BootstrapMixin, forms.Form):
    code = forms.SlugField(label=_("code"), max_length=40)
    name = forms.CharField(label=_("name"), max_length=200)
    unit = forms.CharField(label=_("unit"), max_length=16, required=False)
    comparator = forms.ChoiceField(label=_("comparator"), choices=Comparator.choices)
    minimum = forms.DecimalField(label=_("minimum"), min_value=0, max_digits=14, decimal_places=2)
    source = forms.CharField(label=_("source"), max_length=200)


class CriterionForm(BootstrapMixin, forms.Form):
    code = forms.SlugField(label=_("code"), max_length=40)
    name = forms.CharField(label=_("name"), max_length=200)
    guidance = forms.CharField(label=_("guidance"), required=False)
    weight = forms.IntegerField(label=_("weight"), min_value=1, max_value=100)
    source = forms.CharField(label=_("source"), max_length=200, required=False)


KPIFormSet = forms.formset_factory(KPIForm, extra=1, can_delete=True)
CriterionFormSet = forms.formset_factory(CriterionForm, extra=1, can_delete=True)


class CallForm(BootstrapMixin, forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=2023, max_value=2100)
    title = forms.CharField(label=_("title"), max_length=200)
    description = forms.CharField(
        label=_("description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    opens_at = DateTimeField(label=_("opens at"))
    closes_at = DateTimeField(label=_("closes at"))


class LotForm(BootstrapMixin, forms.Form):
    """One category row of a call: open it or not, with its budget."""

    category = forms.IntegerField(widget=forms.HiddenInput)
    include = forms.BooleanField(label=_("open"), required=False)
    budget = WanField(label=_("budget (CNY 10k)"), required=False)
    expected_projects = forms.IntegerField(
        label=_("expected projects"), min_value=1, max_value=999, required=False
    )
    amount_min = WanField(label=_("minimum grant (CNY 10k)"), required=False)
    amount_max = WanField(label=_("maximum grant (CNY 10k)"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("include"):
            if data.get("budget") is None:
                self.add_error("budget", _("Give the category's budget."))
            if not data.get("expected_projects"):
                self.add_error("expected_projects", _("Give the expected number of projects."))
        return data


LotFormSet = forms.formset_factory(LotForm, extra=0)


class StartForm(BootstrapMixin, forms.Form):
    subtype = forms.ChoiceField(label=_("sub-type"), required=False)

    def __init__(self, *args, subtypes=(), **kwargs):
        super().__init__(*args, **kwargs)
        if subtypes:
            self.fields["subtype"].choices = [(s, s) for s in subtypes]
            self.fields["subtype"].required = True
        else:
            del self.fields["subtype"]


class ApplicationForm(BootstrapMixin, forms.Form):
    """The declaration: fixed fields, then one field per narrative section and per KPI."""

    title = forms.CharField(label=_("project title"), max_length=200, required=False)
    summary = forms.CharField(
        label=_("summary"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    subtype = forms.ChoiceField(label=_("sub-type"), required=False)
    period_months = forms.IntegerField(label=_("period (months)"), min_value=1, max_value=60)
    requested_amount = WanField(label=_("requested amount (CNY 10k)"), required=False)
    contact_name = forms.CharField(label=_("contact person"), max_length=64, required=False)
    contact_phone = forms.CharField(label=_("contact phone"), max_length=32, required=False)
    joint_organisations = forms.ModelMultipleChoiceField(
        label=_("joint organisations"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
        help_text=_("Hold Ctrl (⌘ on a Mac) to choose several."),
    )
    patents = forms.CharField(
        label=_("patents held (application numbers)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "202110182616.5"}),
        help_text=_("One per line, e.g. 202110182616.5; the check character is verified."),
    )

    def __init__(self, *args, application: Application, sections, **kwargs):
        super().__init__(*args, **kwargs)
        self.application = application
        subtypes = application.spec.get("subtypes") or []
        if subtypes:
            cast(forms.ChoiceField, self.fields["subtype"]).choices = [
                ("", "—"),
                *[(s, s) for s in subtypes],
            ]
        else:
            del self.fields["subtype"]
        joint = cast(forms.ModelMultipleChoiceField, self.fields["joint_organisations"])
        joint.queryset = Organisation.objects.filter(status=Organisation.Status.VERIFIED).exclude(
            pk=application.lead_organisation_id
        )
        self.section_names = []
        for key, label in sections:
            name = f"narrative_{key}"
            self.fields[name] = forms.CharField(
                label=label, required=False, widget=forms.Textarea(attrs={"rows": 4})
            )
            self.section_names.append(name)
        self.kpi_rows: list[dict[str, Any]] = []
        for kpi in application.kpis.all():
            row: dict[str, Any] = {"kpi": kpi, "committed": None, "baseline": None}
            self.kpi_rows.append(row)
            if kpi.is_deliverable:
                continue  # a deliverable is committed as such; there is no number to type
            committed = f"kpi_{kpi.code}_committed"
            self.fields[committed] = forms.DecimalField(
                label=kpi.name, required=False, max_digits=14, decimal_places=2, min_value=0
            )
            row["committed"] = committed
            if kpi.is_growth:
                baseline = f"kpi_{kpi.code}_baseline"
                self.fields[baseline] = forms.DecimalField(
                    label=_("%(kpi)s: last year's value") % {"kpi": kpi.name},
                    required=False,
                    max_digits=14,
                    decimal_places=2,
                    min_value=0,
                )
                row["baseline"] = baseline
        self._style()  # the mixin styled only the fields declared on the class

    def _style(self):
        for field in self.fields.values():
            widget = field.widget
            if "class" not in widget.attrs:
                css = "form-select" if isinstance(widget, forms.Select) else "form-control"
                widget.attrs["class"] = css

    def services_input(self) -> dict:
        data = self.cleaned_data
        fields = {
            key: data[key]
            for key in (
                "title",
                "summary",
                "period_months",
                "requested_amount",
                "contact_name",
                "contact_phone",
            )
        }
        if "subtype" in self.fields:
            fields["subtype"] = data["subtype"]
        fields["narrative"] = {
            name.removeprefix("narrative_"): data[name] for name in self.section_names
        }
        kpis = {}
        for row in self.kpi_rows:
            if row["committed"] is None:
                continue
            values = {"committed": data[row["committed"]]}
            if row["baseline"]:
                values["baseline"] = data[row["baseline"]]
            kpis[row["kpi"].code] = values
        return {
            "data": fields,
            "kpis": kpis,
            "joint_organisations": list(data["joint_organisations"]),
            "patents": lines(data.get("patents", "")),
        }


class ApproveForm(BootstrapMixin, forms.Form):
    amount = WanField(label=_("approved amount (CNY 10k)"))
    reason = forms.CharField(
        label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class VerdictForm(BootstrapMixin, forms.Form):
    verdict = forms.ChoiceField(
        label=_("verdict"),
        choices=[("accept", _("Accepted")), ("not_accept", _("Not accepted"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}))


class AssignForm(BootstrapMixin, forms.Form):
    experts: "forms.ModelMultipleChoiceField[User]" = forms.ModelMultipleChoiceField(
        label=_("experts"), queryset=None, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["experts"].queryset = candidates
        self.fields["experts"].label_from_instance = self._label

    @staticmethod
    def _label(expert) -> str:
        profile = getattr(expert, "expert_profile", None)
        field = profile.get_field_display() if profile else "—"
        org = expert.organisation.name if expert.organisation_id else "—"
        return f"{expert} · {field} · {org}"


class ScoreForm(BootstrapMixin, forms.Form):
    comment = forms.CharField(
        label=_("overall comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for criterion in criteria:
            points = f"points_{criterion['code']}"
            note = f"comment_{criterion['code']}"
            self.fields[points] = forms.DecimalField(
                label=_("%(name)s (%(detail)s)")
                % {"name": criterion["name"], "detail": f"0–{criterion['weight']}"},
                min_value=0,
                max_value=criterion["weight"],
                decimal_places=1,
                max_digits=5,
                widget=forms.NumberInput(attrs={"step": "0.5", "class": "form-control"}),
            )
            self.fields[note] = forms.CharField(
                label=_("comment"),
                required=False,
                widget=forms.TextInput(attrs={"class": "form-control"}),
            )
            self.rows.append({"criterion": criterion, "points": points, "comment": note})

    def services_input(self) -> dict:
        data = self.cleaned_data
        return {
            "points": {r["criterion"]["code"]: data[r["points"]] for r in self.rows},
            "comments": {r["criterion"]["code"]: data[r["comment"]] for r in self.rows},
            "comment": data["comment"],
        }


class ReportForm(BootstrapMixin, forms.Form):
    narrative = forms.CharField(label=_("what was done"), widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, application: Application, final: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows: list[dict[str, Any]] = []
        for kpi in application.kpis.all():
            name = f"actual_{kpi.code}"
            field: forms.Field
            if kpi.is_deliverable:
                field = forms.TypedChoiceField(
                    label=kpi.name,
                    choices=[("", "—"), ("1", _("Delivered")), ("0", _("Not delivered"))],
                    coerce=Decimal,
                    empty_value=None,
                    required=final,
                    widget=forms.Select(attrs={"class": "form-select"}),
                )
            else:
                field = forms.DecimalField(
                    label=_("%(name)s (%(detail)s)") % {"name": kpi.name, "detail": kpi.unit}
                    if kpi.unit
                    else kpi.name,
                    required=final,
                    min_value=0,
                    max_digits=14,
                    decimal_places=2,
                    widget=forms.NumberInput(attrs={"class": "form-control", "step": "any"}),
                )
            self.fields[name] = field
            self.rows.append({"kpi": kpi, "field": name})

    def actuals(self) -> dict:
        return {
            row["kpi"].code: self.cleaned_data[row["field"]]
            for row in self.rows
            if self.cleaned_data.get(row["field"]) is not None
        }
