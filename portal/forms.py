"""Input shapes. Business rules live in services; these only check the form of the input."""

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from portal import selectors
from portal.identifiers import normalise_credit_code
from portal.models import Organisation, Qualification, Region, Role, User


class BootstrapMixin:
    """Give every widget Bootstrap's class, and mark invalid fields for screen readers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect):
                # Also CheckboxSelectMultiple. Django puts the class on the wrapping <div> as
                # well as on each input, so a Bootstrap class would squeeze the whole list;
                # portal.css styles these lists instead.
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-invalid"] = "true"


class CreditCodeField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("unified social credit code"))
        kwargs.setdefault("max_length", 18)
        kwargs.setdefault("min_length", 1)
        kwargs.setdefault("help_text", _("18 characters, as printed on the business licence."))
        super().__init__(**kwargs)

    def clean(self, value):
        return normalise_credit_code(super().clean(value))


class RegistrationForm(BootstrapMixin, forms.Form):
    organisation_name = forms.CharField(label=_("organisation name"), max_length=200)
    credit_code = CreditCodeField()
    kind = forms.ChoiceField(
        label=_("kind"),
        choices=[(k, v) for k, v in Organisation.Kind.choices if k != Organisation.Kind.GOVERNMENT],
    )
    region = forms.ModelChoiceField(label=_("region"), queryset=Region.objects.none())
    address = forms.CharField(label=_("address"), max_length=200, required=False)
    name = forms.CharField(label=_("your full name"), max_length=64)
    phone = forms.CharField(label=_("phone"), max_length=32)
    email = forms.EmailField(label=_("e-mail"))
    username = forms.RegexField(
        label=_("user name"),
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        help_text=_("Letters, digits and @/./+/-/_ only."),
    )
    password1 = forms.CharField(label=_("password"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("password again"), widget=forms.PasswordInput, strip=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = selectors.region_choices_for_registration()

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            probe = User(username=cleaned.get("username", ""), email=cleaned.get("email", ""))
            try:
                password_validation.validate_password(first, probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class OrganisationForm(BootstrapMixin, forms.ModelForm):
    credit_code = CreditCodeField()

    class Meta:
        model = Organisation
        fields = [
            "name",
            "credit_code",
            "kind",
            "region",
            "address",
            "contact_name",
            "contact_phone",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.order_by("path")

    def validate_unique(self):
        """Uniqueness is the service's business; it says it in a friendlier way."""


class RejectForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3}))


class QualificationForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Qualification
        fields = ["kind", "year", "recognised_on", "valid_until", "source"]
        widgets = {
            "recognised_on": forms.DateInput(attrs={"type": "date"}),
            "valid_until": forms.DateInput(attrs={"type": "date"}),
        }


class UserCreateForm(BootstrapMixin, forms.Form):
    username = forms.RegexField(label=_("user name"), max_length=150, regex=r"^[\w.@+-]+\Z")
    name = forms.CharField(label=_("full name"), max_length=64)
    email = forms.EmailField(label=_("e-mail"), required=False)
    phone = forms.CharField(label=_("phone"), max_length=32, required=False)
    password = forms.CharField(label=_("initial password"), widget=forms.PasswordInput, strip=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password"):
            probe = User(username=cleaned.get("username", ""), email=cleaned.get("email", ""))
            try:
                password_validation.validate_password(cleaned["password"], probe)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class UserEditForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = ["name", "email", "phone", "is_active"]


class RoleForm(BootstrapMixin, forms.Form):
    role = forms.ChoiceField(label=_("role"), choices=[("", "—"), *Role.choices], required=False)
    organisation = forms.ModelChoiceField(
        label=_("organisation"), queryset=Organisation.objects.order_by("name"), required=False
    )
    region = forms.ModelChoiceField(
        label=_("region"), queryset=Region.objects.order_by("path"), required=False
    )
    reason = forms.CharField(label=_("reason"), max_length=500, required=False)


class AuditFilterForm(BootstrapMixin, forms.Form):
    event = forms.CharField(label=_("event"), required=False)
    actor = forms.CharField(label=_("user"), required=False)
    target = forms.CharField(label=_("object"), required=False)
    since = forms.DateField(
        label=_("from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
