"""The demo patent pool of `manage.py load_demo` (patents/demo.py): loaded again it creates
nothing new; every number is a valid application number; the demo university sees its own pool
only; screening, conversions and open licences are consistent with the portal's rules.

The pool is loaded once for the module (`pool`), and each test runs in a savepoint. The whole
demo loaded twice into an empty database is test_demo_reload.py's."""

import io
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from patents import demo, selectors
from patents.models import Conversion, Feedback, Patent, TechNeed
from portal.identifiers import parse_patent_number
from portal.models import Notification, Organisation, User
from projects import demo as projects_demo
from reporting import demo as reporting_demo
from tests.helpers import built_once

pytestmark = pytest.mark.django_db

EXCLUSIVE = {Conversion.LicenceKind.EXCLUSIVE, Conversion.LicenceKind.SOLE}


def load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", "--not-production", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def pool(django_db_setup, django_db_blocker) -> Iterator[str]:
    """The base demo (organisations, users) and the patent pool, without the demo projects and
    statistics, which this module does not look at; loaded once for the module's tests."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(projects_demo, "load", lambda **kwargs: 0)
        patch.setattr(reporting_demo, "load", lambda **kwargs: 0)
        yield from built_once(django_db_blocker, load_demo)


def last_day(event: Conversion) -> date | None:
    """The last day an event is in force (None: no end)."""
    last = event.ends_on
    if event.ended_on is not None:
        early = event.ended_on - timedelta(days=1)
        last = early if last is None else min(last, early)
    return last


def overlaps(event: Conversion, starts_on: date, ends_on: date | None) -> bool:
    last = last_day(event)
    return (ends_on is None or event.starts_on <= ends_on) and (last is None or last >= starts_on)


def test_patents_demo_load_again_creates_nothing(pool):
    assert demo.load() == 0


def test_the_plan_is_the_same_on_every_run():
    first, second = demo.plan_pool(), demo.plan_pool()

    assert [p.patent.number for p in first] == [p.patent.number for p in second]
    assert [p.events for p in first] == [p.events for p in second]


def test_every_number_is_valid_unique_and_of_its_kind(pool):
    numbers = list(Patent.objects.values_list("number", "kind", "filed_on"))

    assert len({number for number, _kind, _filed in numbers}) == len(numbers)
    for number, kind, filed_on in numbers:
        parsed = parse_patent_number(number)
        assert parsed.number == number
        assert parsed.kind == kind and not parsed.warning
        assert number.startswith(str(filed_on.year))


def test_five_or_six_owners_in_their_cities(pool):
    owners = Organisation.objects.filter(patents__isnull=False).distinct()

    assert 5 <= owners.count() <= 6
    assert set(owners.values_list("kind", flat=True)) <= {
        Organisation.Kind.UNIVERSITY,
        Organisation.Kind.RESEARCH_INSTITUTE,
    }
    regions = dict(owners.values_list("name", "region__code"))
    assert regions["西北农林科技大学（演示）"] == "61YL00"
    assert regions["西安交通大学（演示）"] == "610100"


def test_the_demo_university_sees_its_own_pool_only(pool):
    user = User.objects.get(username="university")

    visible = selectors.patent_list(user=user)

    assert 0 < visible.count() < Patent.objects.count()
    assert set(visible.values_list("owner", flat=True)) == {user.organisation_id}
    coverage = selectors.coverage_by_organisation(user=user)
    assert [row.key for row in coverage] == [str(user.organisation_id)]
    assert 40 <= coverage[0].percent <= 80
    enterprise = User.objects.get(username="enterprise")
    assert not selectors.patent_list(user=enterprise).exists()


def test_screening_shares_dates_and_screeners(pool):
    unconverted_valid = Patent.objects.filter(status=Patent.Status.VALID, converted=False)
    screened = unconverted_valid.filter(screened_at__isnull=False)

    share = screened.count() / unconverted_valid.count()
    assert 0.5 <= share <= 0.7
    tiers = Counter(screened.values_list("tier", flat=True))
    for tier, expected in (("A", 0.2), ("B", 0.5), ("C", 0.3)):
        assert abs(tiers[tier] / screened.count() - expected) < 0.08, tiers
    assert not screened.filter(industry="").exists()
    # In the two years before the load: the plan's 2024–2025, moved to the day of the load.
    today = timezone.localdate()
    days = {timezone.localdate(at) for at in screened.values_list("screened_at", flat=True)}
    assert date(2024, 1, 1) + demo.shift(today) <= min(days)
    assert today - timedelta(days=60) <= max(days) <= today
    university = User.objects.get(username="university")
    assert set(screened.exclude(screened_by=None).values_list("screened_by", flat=True)) == {
        university.pk
    }
    assert not screened.exclude(owner=university.organisation).exclude(screened_by=None).exists()
    assert not Patent.objects.exclude(status=Patent.Status.VALID).exclude(screened_at=None).exists()


def test_grants_follow_filings_and_pending_patents_have_none(pool):
    for filed_on, granted_on, status in Patent.objects.values_list(
        "filed_on", "granted_on", "status"
    ):
        assert date(2010, 1, 1) <= filed_on <= date(2024, 12, 31)
        if status == Patent.Status.PENDING:
            assert granted_on is None
        else:
            assert filed_on < granted_on <= filed_on + timedelta(days=3 * 366 + 30)


def test_every_demo_open_licence_keeps_the_rule(pool):
    declarations = Conversion.objects.filter(kind=Conversion.Kind.OPEN_LICENCE).select_related(
        "patent"
    )
    in_force = []
    for declaration in declarations:
        patent = declaration.patent
        assert patent.status == Patent.Status.VALID
        assert patent.granted_on is not None and patent.granted_on <= declaration.starts_on
        assert declaration.fee_standard and declaration.payment_method and declaration.ends_on
        blocking = patent.conversions.filter(kind=Conversion.Kind.PLEDGE) | (
            patent.conversions.filter(kind=Conversion.Kind.LICENCE, licence_kind__in=EXCLUSIVE)
        )
        for event in blocking:
            assert not overlaps(event, declaration.starts_on, declaration.ends_on), event
        for licence in patent.conversions.filter(via_open_licence=True):
            assert licence.licence_kind == Conversion.LicenceKind.ORDINARY
            assert declaration.in_force(licence.starts_on)
        if declaration.in_force(timezone.localdate()) and not patent.converted:
            in_force.append(patent)

    assert 12 <= len(in_force) <= 20
    # Declared in the year before the load.
    today = timezone.localdate()
    assert all(
        today - timedelta(days=366) <= declaration.starts_on <= today
        for declaration in declarations
    )
    assert len({patent.ipc[:1] for patent in in_force if patent.ipc}) >= 4


def test_converting_events_convert_and_link_the_demo_enterprise(pool):
    events = Conversion.objects.select_related("patent")

    today = timezone.localdate()
    for event in events:
        # From the plan's 2023 on, moved to the day of the load: nothing after it but terms.
        assert date(2023, 1, 1) + demo.shift(today) <= event.starts_on <= today
        assert event.ended_on is None or event.ended_on <= today
        assert event.patent.granted_on <= event.starts_on
        assert event.party or event.kind == Conversion.Kind.OPEN_LICENCE
        if event.kind in Conversion.CONVERTING:
            assert event.patent.converted
        if event.kind == Conversion.Kind.LICENCE:
            assert 30_000 <= event.amount <= 3_000_000 and event.licence_kind
        if event.kind == Conversion.Kind.PLEDGE:
            assert 1_000_000 <= event.amount <= 20_000_000 and event.ends_on
        if event.kind == Conversion.Kind.CONTRACT:
            assert event.contract_kind and event.registration_number and event.amount
        if event.kind == Conversion.Kind.PRODUCT_FILING:
            assert event.product and event.sales
    assert max(event.starts_on for event in events) >= today - timedelta(days=92)
    kinds = set(events.values_list("kind", flat=True))
    assert kinds == set(Conversion.Kind.values)
    enterprise = User.objects.get(username="enterprise").organisation
    assert events.filter(counterparty=enterprise).count() >= 3
    recorders = set(events.values_list("recorded_by__username", flat=True))
    assert recorders <= {"university", "reviewer"}


def test_the_demo_enterprise_has_needs_suggestions_and_feedback(pool):
    enterprise = User.objects.get(username="enterprise")
    needs = TechNeed.objects.filter(organisation=enterprise.organisation)

    assert 8 <= needs.count() <= 12
    for need in needs:
        assert need.matched_at is not None and need.created_by == enterprise
        assert need.budget_min <= need.budget_max
        assert need.matches.exists()
        assert need.matches.order_by("rank").first().patent.is_unconverted_valid
    feedback = Feedback.objects.filter(match__need__in=needs)
    assert feedback.count() >= 8
    assert set(feedback.values_list("given_by", flat=True)) == {enterprise.pk}
    assert Notification.objects.filter(recipient=enterprise, event="patent.match.new").count() == (
        needs.count()
    )
