"""`manage.py load_demo` follows the calendar (issue 18): loaded with the clock at two different
days, each load is dated from its own day. The statistics' round in progress is that day's last
complete quarter, with every earlier quarter back to 2023Q1 approved; this year's call is open on
it; the budgets are for its year; the latest patent conversions fall in the weeks before it; and
nothing is dated after it but deadlines and terms.

The clock is Django's (`django.utils.timezone.now`, which the services, `localdate()` and
auto_now fields read), moved to 10:00 on the day and running from there. The days lie after
today: a few columns default to the unmoved clock (`default=timezone.now`), which must not fall
after the day of the load either.
"""

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from unittest import mock

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.utils import timezone

from incentives.models import Budget, Claim, Policy
from patents import demo as patents_demo
from patents.models import Conversion, Patent
from portal import demo as portal_demo
from portal.models import Region, User
from portal.periods import Quarter
from projects import demo as projects_demo
from projects.models import Application
from reporting import demo as reporting_demo
from reporting import selectors
from reporting.models import StatReturn

pytestmark = pytest.mark.django_db

APPS = ("portal", "projects", "patents", "incentives", "reporting", "exchange")
# Dated after the day of the load by what they are: a deadline, the end of a term or window, or
# an expiry; (app label, model, field).
AHEAD = {
    ("projects", "call", "closes_at"),  # the open call closes in 60 days
    ("projects", "application", "end_date"),  # projects run their period
    ("projects", "application", "revision_due"),  # a returned declaration is due back by
    ("patents", "conversion", "ends_on"),  # licences, pledges, open licences run their term
    ("incentives", "policy", "closes_on"),  # claims are taken until
    ("reporting", "target", "deadline"),
}


def load_days() -> list[date]:
    """Days after today, in different quarters: in Q1 (the round is last year's Q4), in Q3, and
    the first day of Q4 (the round ended yesterday: its returns are all dated that morning)."""
    year = timezone.localdate().year + 1
    return [date(year, 2, 10), date(year, 8, 20), date(year, 10, 1)]


@contextmanager
def clock_at(day: date) -> Iterator[None]:
    real = timezone.now
    start, began = timezone.make_aware(datetime.combine(day, time(10, 0))), real()
    with mock.patch("django.utils.timezone.now", lambda: start + (real() - began)):
        yield


def load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", "--not-production", stdout=out)
    return out.getvalue()


def dated_after(day: date) -> list[str]:
    """Every (model.field: latest value) of the project's models dated after `day`, but AHEAD."""
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time(0, 0)))
    found = []
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.concrete_fields:
                key = (label, model._meta.model_name, field.name)
                if key in AHEAD:
                    continue
                if isinstance(field, models.DateTimeField):
                    limit: date | datetime = end
                elif isinstance(field, models.DateField):
                    limit = day
                else:
                    continue
                late = model._default_manager.filter(**{f"{field.name}__gt": limit})
                latest = late.order_by(f"-{field.name}").values_list(field.name, flat=True).first()
                if latest is not None:
                    found.append(f"{model._meta.label}.{field.name}: {latest}")
    return found


@pytest.mark.parametrize("which", [0, 1, 2], ids=["q1", "q3", "first-day-of-q4"])
def test_the_demo_is_dated_from_the_day_it_is_loaded(which):
    day = load_days()[which]
    with clock_at(day):
        load_demo()
        province = Region.objects.get(code="610000")
        dashboard = selectors.dashboard(user=User.objects.get(username="leader"), region=province)

    # Statistics: the round in progress is the day's last complete quarter, on the dashboard.
    round_ = Quarter.last_completed(day)
    assert reporting_demo.current_round(day) == round_
    assert dashboard.period == str(round_)
    in_round = dict(
        StatReturn.objects.filter(period=str(round_), region__code__in=reporting_demo.WEIGHTS)
        .values_list("region__code", "status")
        .order_by()
    )
    assert {code for code, status in in_round.items() if status == "approved"} == set(
        reporting_demo.ROUND_APPROVED
    )
    assert {code for code, status in in_round.items() if status == "submitted"} == set(
        reporting_demo.ROUND_SUBMITTED
    )
    assert {code for code, status in in_round.items() if status == "draft"} == {"610600"}
    assert "610900" not in in_round  # Ankang's to fill in
    # Every earlier quarter, the 2023–2025 plan period among them, is approved history.
    history = StatReturn.objects.filter(region__code="610900").exclude(period=str(round_))
    assert set(history.values_list("period", flat=True)) == {
        str(q) for q in Quarter.span(Quarter(2023, 1), round_.previous())
    }
    assert set(history.values_list("status", flat=True)) == {"approved"}
    assert not StatReturn.objects.filter(period__gt=str(round_)).exists()

    # This year's call is open on the day; last year's holds the projects.
    call = projects_demo.open_call(day)
    assert call is not None and call.year == day.year
    assert timezone.localdate(call.opens_at) < day < timezone.localdate(call.closes_at)
    assert call.lots.count() == 6
    assert Application.objects.filter(call_category__call=call).count() == len(
        projects_demo.CURRENT_DECLARATIONS
    )

    # The budgets are for the day's year (and 2025's, history), for every policy.
    policies = Policy.objects.filter(is_active=True).count()
    assert Budget.objects.filter(year=day.year).count() == policies
    assert set(Budget.objects.values_list("year", flat=True)) <= {2025, 2026, day.year}
    assert Claim.objects.exclude(status="draft").exists()

    # The pool's latest conversions fall in the weeks before the day.
    latest = Conversion.objects.order_by("-starts_on").values_list("starts_on", flat=True)[0]
    assert day - timedelta(days=92) <= latest <= day
    screened = Patent.objects.exclude(screened_at=None).order_by("-screened_at")[0].screened_at
    assert day - timedelta(days=92) <= timezone.localdate(screened) <= day

    assert dated_after(day) == []


def test_the_loaders_date_from_the_day_they_are_given_with_the_clock_unmoved():
    """The services take declarations only while a call is open now: given another day, the
    projects loader opens this year's call for the while, then sets its window on that day."""
    day = load_days()[1]
    organisations, _regions, _created = portal_demo.load()
    projects_demo.load(organisations=organisations, today=day)
    reporting_demo.load(today=day)

    call = projects_demo.open_call(day)
    assert call is not None and call.year == day.year
    assert timezone.localdate(call.opens_at) < day < timezone.localdate(call.closes_at)
    assert Application.objects.filter(call_category__call=call).count() == len(
        projects_demo.CURRENT_DECLARATIONS
    )
    round_ = str(Quarter.last_completed(day))
    assert StatReturn.objects.filter(period=round_, status="approved").exists()
    assert not StatReturn.objects.filter(period__gt=round_).exists()


def test_loaded_again_later_it_adds_the_new_quarters_and_nothing_twice():
    first, later, _first_day = load_days()
    with clock_at(first):
        load_demo()
        assert "Demo data: 0 rows created." in load_demo()
    counts = {model: model.objects.count() for model in (Patent, Conversion, Claim)}
    with clock_at(later):
        load_demo()
    assert {model: model.objects.count() for model in counts} == counts
    # The quarters since were added: the later day's round, in progress, and those before it.
    for quarter in Quarter.span(Quarter.last_completed(first), Quarter.last_completed(later)):
        assert StatReturn.objects.filter(period=str(quarter), region__code="610100").exists()
    assert Budget.objects.filter(year=later.year).exists()
    assert patents_demo.shift(later) > patents_demo.shift(first)
