"""Every date and date-time input of every form shows its value in the one format its HTML input
type reads, in Chinese and in English, and the form takes that format back (issue 18).

<input type="date"> and <input type="datetime-local"> accept only 2026-12-06 and
2026-12-06T09:00. Django's own widgets write the language's first input format instead
(2026/12/06 09:00 in Chinese): the browser then shows an empty input, and a required one blocks
saving. The forms of every app are found here by walking the apps' forms modules, so a form added
later is checked without being listed; one that needs a constructor argument this module cannot
give fails with its name (add it to `arguments`).
"""

import importlib
import importlib.util
import inspect
import re
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.utils import translation

from portal import forms as portal_forms

pytestmark = pytest.mark.django_db

LANGUAGES = ("zh-hans", "en")
DAY = date(2026, 12, 6)
# As the database gives it back: in UTC. Shown and read back in Beijing time, 09:00.
MOMENT = datetime(2026, 12, 6, 1, 0, tzinfo=UTC)
SHOWN = {"date": "2026-12-06", "datetime-local": "2026-12-06T09:00"}
PATTERN = {"date": r"\d{4}-\d{2}-\d{2}", "datetime-local": r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"}
INPUT = re.compile(r"<input\b[^>]*>")
ATTRIBUTE = re.compile(r'\s([\w-]+)(?:="([^"]*)")?')


def form_classes() -> list[type[forms.BaseForm]]:
    """The form classes defined in the forms module of every app of the project."""
    root = Path(settings.BASE_DIR).resolve()
    found = []
    for config in apps.get_app_configs():
        if Path(config.path).resolve().parent != root:  # Django's and third-party apps
            continue
        name = f"{config.name}.forms"
        if importlib.util.find_spec(name) is None:
            continue
        module = importlib.import_module(name)
        for _name, member in inspect.getmembers(module, inspect.isclass):
            if issubclass(member, forms.BaseForm) and member.__module__ == name:
                found.append(member)
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


FORMS = form_classes()


def arguments() -> dict:
    """A value for each keyword argument the forms' constructors require, by its name."""
    from incentives.models import Policy
    from portal.factories import OrganisationFactory
    from projects import factories as projects_factories
    from projects import services as projects_services
    from reporting.models import ReturnForm

    call = projects_factories.open_call()
    applicant = projects_factories.applicant(kind="enterprise")
    application = projects_services.application_create(
        actor=applicant, lot=projects_factories.lot(call, 2)
    )
    return {
        "application": application,
        "sections": projects_services.NARRATIVE_SECTIONS,
        "final": True,
        "candidates": applicant.__class__.objects.none(),
        "criteria": application.spec["criteria"],
        # The policy whose claims carry dates: the loan's start and end.
        "policy": Policy.objects.get(code="pledge-interest", is_active=True),
        "policies": Policy.objects.filter(is_active=True),
        "kind": "licence",  # starts_on and ends_on
        "owner": OrganisationFactory(),
        "regions": [],
        "forms_qs": ReturnForm.objects.none(),
        "periods": [],
        "elements": [],
        "initial_values": {},
    }


def build(cls: type[forms.BaseForm], given: dict, **kwargs) -> forms.BaseForm:
    wanted = {}
    for name, parameter in inspect.signature(cls.__init__).parameters.items():
        if parameter.kind is not parameter.KEYWORD_ONLY or parameter.default is not parameter.empty:
            continue
        if name not in given:
            pytest.fail(
                f"{cls.__module__}.{cls.__qualname__} needs `{name}`: add it to arguments()"
            )
        wanted[name] = given[name]
    return cls(**wanted, **kwargs)


def inputs(html: str) -> list[dict[str, str]]:
    return [dict(ATTRIBUTE.findall(tag)) for tag in INPUT.findall(html)]


def date_fields(form: forms.BaseForm) -> dict[str, str]:
    """Field name → the input type of each field that renders a date or date-time input."""
    found = {}
    for name, field in form.fields.items():
        for attrs in inputs(str(form[name])):
            if attrs.get("type") in SHOWN:
                found[name] = attrs["type"]
        if isinstance(field, forms.DateTimeField | forms.DateField) and name not in found:
            found[name] = "text"  # a date typed as text: reported below
    return found


def test_the_walk_finds_the_forms_of_every_app():
    modules = {cls.__module__ for cls in FORMS}
    assert {f"{app}.forms" for app in ("portal", "projects", "patents", "incentives")} <= modules
    assert {"reporting.forms", "exchange.forms"} <= modules


def test_every_date_input_shows_and_takes_the_format_of_its_input_type():
    given = arguments()
    checked = 0
    for cls in FORMS:
        label = f"{cls.__module__}.{cls.__qualname__}"
        fields = date_fields(build(cls, given))
        if not fields:
            continue
        initial = {
            name: MOMENT if kind == "datetime-local" else DAY for name, kind in fields.items()
        }
        for language in LANGUAGES:
            with translation.override(language):
                form = build(cls, given, initial=initial)
                for name, kind in fields.items():
                    assert kind in SHOWN, f"{label}.{name} is not a date input in {language}"
                    [attrs] = [a for a in inputs(str(form[name])) if a.get("name") == name]
                    value = attrs.get("value", "")
                    assert re.fullmatch(PATTERN[kind], value), (label, name, language, value)
                    assert value == SHOWN[kind], (label, name, language, value)
                    # What the browser posts back unchanged is read as the same day or moment.
                    cleaned = form.fields[name].clean(value)
                    assert cleaned == initial[name], (label, name, language, cleaned)
                    checked += 1
    # Calls, audit search, qualifications, claims and payments, policies, conversions, targets
    # and exports: a walk that silently found none would pass for nothing.
    assert checked >= 2 * 19, checked


def test_every_declared_date_field_uses_the_portals_inputs():
    """Fields a form removes in its constructor (a claim's loan dates under most policies) are
    not rendered above: their declarations are checked here."""
    for cls in FORMS:
        for name, field in cls.base_fields.items():
            if isinstance(field, forms.DateTimeField):
                assert isinstance(field.widget, portal_forms.DateTimeInput), (cls, name)
            elif isinstance(field, forms.DateField):
                assert isinstance(field.widget, portal_forms.DateInput), (cls, name)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_call_posted_from_the_browser_keeps_its_local_time(language):
    from projects.forms import CallForm

    data = {
        "year": 2026,
        "title": "2026年度专利转化专项计划",
        "opens_at": "2026-12-06T09:00",
        "closes_at": "2027-02-04T17:30",
    }
    with translation.override(language):
        form = CallForm(data)
        assert form.is_valid(), form.errors
    shanghai = ZoneInfo("Asia/Shanghai")
    assert form.cleaned_data["opens_at"] == datetime(2026, 12, 6, 9, 0, tzinfo=shanghai)
    assert form.cleaned_data["closes_at"] == datetime(2027, 2, 4, 17, 30, tzinfo=shanghai)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_languages_own_date_formats_are_still_read(language):
    """A script or an older browser may post the language's format: still a date."""
    field = portal_forms.DateField()
    with translation.override(language):
        assert field.clean("2026-12-06") == DAY
        if language == "zh-hans":
            assert field.clean("2026/12/06") == DAY
