"""The whole demo of `manage.py load_demo`, loaded twice into an empty database as `make run`
would on a second start: the second run creates nothing, and the first holds the patent pool the
portal's pages are shown with (patents/demo.py). Apart from test_demo.py, whose tests share one
load of the pool: this one needs a database of its own."""

import io

import pytest
from django.core.management import call_command

from patents.models import Conversion, Feedback, Match, Patent, TechNeed
from portal.models import AuditEntry, Notification, Organisation

pytestmark = pytest.mark.django_db

COUNTED = (Organisation, Patent, TechNeed, Match, Feedback, Conversion, Notification, AuditEntry)


def load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", "--not-production", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def test_load_demo_twice_creates_nothing_new():
    first = load_demo()
    after_first = counts()
    second = load_demo()

    assert counts() == after_first
    assert "Demo data: 0 rows created." in second
    assert "Demo data: 0 rows created." not in first
    assert 2900 <= after_first["Patent"] <= 3100
    assert 8 <= after_first["TechNeed"] <= 12
    assert after_first["Match"] > 0 and after_first["Feedback"] > 0
    assert 35 <= after_first["Conversion"] <= 50
