"""Input shapes. Business rules live in services; these only check the form of the input."""

import re
from collections.abc import Collection, Iterable, Iterator
from datetime import timedelta
from typing import cast

from django import forms
from django.contrib.auth import password_validation
from django.contrib.contenttypes.models import ContentType
from django.db.models.fields import BLANK_CHOICE_DASH
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from portal import selectors
from portal.identifiers import normalise_credit_code
from portal.models import AuditEntry, Organisation, Qualification, Region, Role, User


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
            _label_blank_choice(field)

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-invalid"] = "true"


def _label_blank_choice(field: forms.Field) -> None:
    """Django's empty choice "---------" says nothing (issue 18): a required select asks the
    user to choose, an optional one shows "—" (nothing chosen). A label a form set stays."""
    blank = BLANK_CHOICE_DASH[0][1]
    label = _("Choose…") if field.required else "—"
    if isinstance(field, forms.ModelChoiceField):
        if field.empty_label == blank:
            field.empty_label = label
    elif isinstance(field, forms.ChoiceField):
        choices = list(cast(Iterable, field.choices))
        if choices and choices[0] == ("", blank):
            field.choices = [("", label), *choices[1:]]


# Dates and times ---------------------------------------------------------------------------------
# <input type="date"> and <input type="datetime-local"> read and write one format each (HTML's
# "valid date string" and "valid normalized local date and time string"), whatever the language
# of the page. Django's own widgets render the active language's first input format instead
# (2026/12/06 09:00 in Chinese), which the browser refuses as a value: the input shows empty and
# a required one blocks the form (issue 18). Every form's dates go through this pair.
ISO_DATE = "%Y-%m-%d"
ISO_MINUTE = "%Y-%m-%dT%H:%M"


class DateInput(forms.DateInput):
    """<input type="date">: its value is always YYYY-MM-DD."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=ISO_DATE)


class DateTimeInput(forms.DateTimeInput):
    """<input type="datetime-local">: its value is always YYYY-MM-DDTHH:MM, in local time (the
    field converts an aware value to the current time zone first)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=ISO_MINUTE)


class _InputFormats(Collection[str]):
    """The input's own formats first, then the active language's (a script or an older browser
    posting 2026/12/06), as Django's fields read them: read on every use, so the language is the
    request's, not the one active at import."""

    def __init__(self, own: tuple[str, ...], *settings: str) -> None:
        self.own, self.settings = own, settings

    def __iter__(self) -> Iterator[str]:
        yield from self.own
        for setting in self.settings:
            yield from (f for f in formats.get_format(setting) if f not in self.own)

    def __len__(self) -> int:
        return sum(1 for _format in self)

    def __contains__(self, value: object) -> bool:
        return any(value == f for f in self)


class DateField(forms.DateField):
    widget = DateInput
    input_formats = _InputFormats((ISO_DATE,), "DATE_INPUT_FORMATS")


class DateTimeField(forms.DateTimeField):
    widget = DateTimeInput
    # A date alone is a moment too (midnight), as Django's own DateTimeField reads it.
    input_formats = _InputFormats(
        (ISO_MINUTE, "%Y-%m-%dT%H:%M:%S"), "DATETIME_INPUT_FORMATS", "DATE_INPUT_FORMATS"
    )


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
        field_classes = {"recognised_on": DateField, "valid_until": DateField}


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


class UserPasswordForm(BootstrapMixin, forms.Form):
    """The system administrator sets a new password; the service checks it against the policy
    and the account's history, and the user must replace it at the next login."""

    password = forms.CharField(
        label=_("new password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )
    password2 = forms.CharField(
        label=_("new password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = " ".join(
            password_validation.password_validators_help_texts()
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password") and cleaned.get("password2") != cleaned["password"]:
            self.add_error("password2", _("The two passwords differ."))
        return cleaned


class RoleForm(BootstrapMixin, forms.Form):
    role = forms.ChoiceField(label=_("role"), choices=[("", "—"), *Role.choices], required=False)
    organisation = forms.ModelChoiceField(
        label=_("organisation"), queryset=Organisation.objects.order_by("name"), required=False
    )
    region = forms.ModelChoiceField(
        label=_("region"), queryset=Region.objects.order_by("path"), required=False
    )
    reason = forms.CharField(label=_("reason"), max_length=500, required=False)


# The audit search's IP filter: a whole address or its beginning ("10.1.", "2001:db8:").
IP_PREFIX = re.compile(r"[0-9A-Fa-f:.]+")


def _audit_object_types():
    return ContentType.objects.filter(
        app_label__in=["portal", "projects", "patents", "incentives", "reporting", "exchange"]
    ).order_by("app_label", "model")


class _ObjectTypeField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        model = obj.model_class()
        return capfirst(model._meta.verbose_name) if model else obj.model


def _moment(label):
    return DateTimeField(label=label, required=False, help_text=_("A date, or a date and time."))


class AuditFilterForm(BootstrapMixin, forms.Form):
    """The audit admin's search. `until` comes out exclusive: a date alone means the whole day,
    a time the whole minute."""

    actor = forms.CharField(label=_("user"), required=False, max_length=150)
    since = _moment(_("from"))
    until = _moment(_("to"))
    event = forms.CharField(label=_("event"), required=False, max_length=64)
    outcome = forms.ChoiceField(
        label=_("outcome"),
        required=False,
        choices=[("", "—"), *AuditEntry.Outcome.choices],
    )
    target_type = _ObjectTypeField(
        label=_("object type"),
        required=False,
        queryset=ContentType.objects.none(),
        empty_label="—",
    )
    target_id = forms.CharField(label=_("object id"), required=False, max_length=64)
    target = forms.CharField(label=_("object"), required=False, max_length=200)
    ip = forms.CharField(
        label=_("IP address"),
        required=False,
        max_length=45,
        help_text=_("A whole address, or its beginning (10.1.)."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_type"].queryset = _audit_object_types()

    def clean_ip(self) -> str:
        value = self.cleaned_data["ip"].strip()
        if value and not IP_PREFIX.fullmatch(value):
            raise forms.ValidationError(
                _("Enter an IP address or its beginning: digits, dots and colons only.")
            )
        return value

    def clean(self):
        cleaned = super().clean()
        until = cleaned.get("until")
        if until is not None:
            raw = str(self.data.get(self.add_prefix("until"), ""))
            cleaned["until"] = until + (
                timedelta(minutes=1) if ("T" in raw or " " in raw.strip()) else timedelta(days=1)
            )
        since = cleaned.get("since")
        if since is not None and until is not None and cleaned["until"] <= since:
            self.add_error("until", _("The end of the time range is before its start."))
        return cleaned


class OTPTokenForm(BootstrapMixin, forms.Form):
    """The 6-digit code of an authenticator app; spaces (as some apps show "123 456") are
    ignored. Whether the code is right is for the service to say."""

    token = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        token = "".join(self.cleaned_data["token"].split())
        if not (len(token) == 6 and token.isascii() and token.isdigit()):
            raise forms.ValidationError(_("Enter the 6 digits your authenticator app shows."))
        return token


class LockoutReleaseForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("locked"),
        choices=[("username", _("account")), ("ip_address", _("IP address"))],
    )
    value = forms.CharField(label=_("account or IP address"), max_length=255)
    reason = forms.CharField(label=_("reason"), max_length=500, required=False)
