"""The set-based recompute gives exactly what the rules say, on random data of every kind.

The recompute sums the portal's data in the database (one GROUP BY per source), rolls portal
figures and "reported here" flags up the region tree once, walks each region's series once, and
writes indicator values with one COPY on PostgreSQL. These tests hold it to plain, row-by-row
readings of the rules (DOMAIN.md §6), written here as the reference: every portal source against
a walk over its rows, and every indicator value of a full recompute against a direct evaluation
over random returns (stocks carried forward, flows summed over the year to date, a region's own
figure first and else the sum of the units under it, ratios of sums), corrections included.
"""

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from portal.models import Organisation, Region
from portal.periods import Quarter
from reporting import compute
from reporting.models import (
    DataElement,
    Indicator,
    IndicatorValue,
    ProgressSnapshot,
    StatReturn,
    Target,
)
from reporting.sources import SOURCES

pytestmark = pytest.mark.django_db

QUARTERS = Quarter.span(Quarter(2023, 1), Quarter(2025, 4))
PLACES = Decimal("0.0001")


# The rules, row by row (the reference) ---------------------------------------------------------


def counted_by(day: date, quarters) -> list[Quarter]:
    return [q for q in quarters if day <= q.end]


def reference_source(name: str, quarters, *, denominator: bool = False) -> dict:
    """What a portal source gives, from its rows one at a time (the rules of reporting/sources)."""
    from incentives.models import Payment
    from patents.models import Conversion, Patent
    from portal.models import StateChange
    from projects.models import Application

    totals: dict = defaultdict(Decimal)
    rows: list[tuple[str, date, Decimal]] = []
    if name.startswith("projects."):
        action = {"projects.accepted": "accept", "projects.approved": "approve"}[name]
        for event in StateChange.objects.filter(workflow="projects.application", action=action):
            application = Application.objects.get(pk=event.object_id)
            region = application.lead_organisation.region
            rows.append((region.path, timezone.localdate(event.at), Decimal(1)))
    elif name == "patents.inventory_coverage":
        for patent in Patent.objects.filter(status=Patent.Status.VALID, converted=False):
            day = patent.filed_on
            if not denominator:
                if patent.screened_at is None:
                    continue
                day = max(day, timezone.localdate(patent.screened_at))
            rows.append((patent.owner.region.path, day, Decimal(1)))
    elif name == "incentives.paid":
        for payment in Payment.objects.all():
            rows.append((payment.claim.organisation.region.path, payment.paid_on, payment.amount))
    else:
        kinds = ("pledge",) if name == "patents.pledge_amount" else ("transfer", "licence")
        for event in Conversion.objects.filter(kind__in=kinds, amount__isnull=False):
            party = event.counterparty if name == "patents.uptake_amount" else event.patent.owner
            if party is not None:
                rows.append((party.region.path, event.starts_on, event.amount))
    for path, day, amount in rows:
        for quarter in counted_by(day, quarters):
            totals[(path, str(quarter))] += amount
    return dict(totals)


def reference_values(regions, quarters) -> dict[tuple[str, str, str], tuple]:
    """(indicator, region code, period) → (value, quarter value) by the rules, for the
    indicators computed from returns; the latest approved version of each return counts."""
    reported: dict = defaultdict(dict)  # (code, region id) → {quarter: value}
    for stat_return in StatReturn.objects.filter(status=StatReturn.Status.APPROVED).order_by(
        "version"
    ):
        for code, cell in stat_return.snapshot.items():
            reported[(code, stat_return.region_id)][Quarter.parse(stat_return.period)] = Decimal(
                cell["value"]
            )
    kinds = dict(DataElement.objects.values_list("code", "kind"))
    children = defaultdict(list)
    for region in regions:
        children[region.parent_id].append(region)

    def own(code, region, quarter):
        series = reported.get((code, region.pk), {})
        if kinds[code] == DataElement.Kind.FLOW:
            year = [v for q, v in series.items() if q.year == quarter.year and q <= quarter]
            return (sum(year) if year else None), series.get(quarter)
        earlier = [q for q in series if q <= quarter]
        return (series[max(earlier)] if earlier else None), None

    def element(code, region, quarter, rollup):
        value, in_quarter = own(code, region, quarter)
        if value is not None or rollup != Indicator.Rollup.SUM:
            return value, in_quarter
        parts = [element(code, child, quarter, rollup) for child in children[region.pk]]
        values = [v for v, _q in parts if v is not None]
        flows = [q for _v, q in parts if q is not None]
        return (sum(values) if values else None), (sum(flows) if flows else None)

    approved = StatReturn.objects.filter(status=StatReturn.Status.APPROVED)
    last = max(Quarter.parse(p) for p in approved.values_list("period", flat=True))
    expected = {}
    for indicator in Indicator.objects.exclude(source_kind=Indicator.Source.PORTAL):
        for region in regions:
            for quarter in quarters:
                if quarter > last:
                    continue
                value, flow = element(indicator.element.code, region, quarter, indicator.rollup)
                if indicator.source_kind == Indicator.Source.RATIO:
                    below, _q = element(
                        indicator.denominator.code, region, quarter, indicator.rollup
                    )
                    if value is None or not below:
                        continue
                    value, flow = value / below * indicator.scale, None
                elif value is None:
                    continue
                else:
                    value = value * indicator.scale
                    flow = None if flow is None else flow * indicator.scale
                expected[(indicator.code, region.code, str(quarter))] = (
                    value.quantize(PLACES),
                    None if flow is None else flow.quantize(PLACES),
                )
    return expected


# Random data -----------------------------------------------------------------------------------


def moment(rng: random.Random) -> datetime:
    """A time in 2022-2026, often within hours of a quarter's end (where time zones matter)."""
    if rng.random() < 0.4:
        quarter = rng.choice(QUARTERS)
        end = datetime(quarter.end.year, quarter.end.month, quarter.end.day, 23, 30, tzinfo=UTC)
        return end + timedelta(hours=rng.uniform(-30, 30))
    return datetime(2022, 1, 1, tzinfo=UTC) + timedelta(days=rng.uniform(0, 5 * 365))


@pytest.fixture
def portal_data(form):
    """Patents, conversions, payments and project events in random regions and quarters."""
    from incentives.models import Claim, Payment, Policy
    from patents.models import Conversion, Patent
    from portal.factories import ApplicantFactory, OrganisationFactory, UserFactory
    from portal.models import Role
    from projects import factories as pf

    rng = random.Random(20250630)
    places = list(Region.objects.exclude(level=Region.Level.PROVINCE).order_by("code"))
    owners = [
        OrganisationFactory(kind=Organisation.Kind.UNIVERSITY, region=rng.choice(places))
        for _ in range(6)
    ]
    firms = [OrganisationFactory(region=rng.choice(places)) for _ in range(5)]
    clerk = UserFactory(role=Role.REVIEWER)
    patents = []
    for n in range(60):
        screened = rng.random() < 0.6
        patents.append(
            Patent.objects.create(
                number=f"20211{n:07d}.0", title=f"专利{n}", kind=Patent.Kind.INVENTION,
                status=rng.choice([Patent.Status.VALID] * 4 + [Patent.Status.LAPSED]),
                converted=rng.random() < 0.2, owner=rng.choice(owners),
                filed_on=moment(rng).date() - timedelta(days=rng.choice([0, 0, 400, 2000])),
                screened_at=moment(rng) if screened else None,
            )
        )  # fmt: skip
    for _ in range(40):
        kind = rng.choice(["transfer", "licence", "pledge", "contract"])
        Conversion.objects.create(
            patent=rng.choice(patents), kind=kind,
            counterparty=rng.choice([*firms, None]),
            amount=rng.choice([None, Decimal(0), Decimal(rng.randint(1, 10**7)) / 100]),
            starts_on=moment(rng).date(), recorded_by=clerk,
        )  # fmt: skip
    decided = datetime(2025, 1, 10, 2, tzinfo=UTC)
    for n in range(15):
        applicant = ApplicantFactory(organisation=rng.choice(firms + owners))
        amount = Decimal(rng.randint(1, 500_000))
        claim = Claim.objects.create(
            number=f"JL2025-{n:05d}", policy=Policy.objects.get(code="navigation-project"),
            organisation=applicant.organisation, created_by=applicant, status="paid",
            requested_amount=amount, entitlement=amount, approved_amount=amount,
            budget_year=2025, decided_by=clerk, decided_at=decided,
        )  # fmt: skip
        for part in range(rng.randint(1, 2)):
            Payment.objects.create(
                claim=claim, paid_on=moment(rng).date(), amount=amount / 2 + part,
                voucher=f"PZ-{n}-{part}", recorded_by=clerk,
            )  # fmt: skip
    call = pf.open_call(pf.reviewer())
    for _ in range(4):
        application = pf.submitted(call, 3)
        Organisation.objects.filter(pk=application.lead_organisation_id).update(
            region=rng.choice(places)
        )
        for _event in range(rng.randint(1, 4)):
            action = rng.choice(["accept", "approve", "pass"])
            application.history.create(
                workflow="projects.application",
                action=action,
                to_state="accepted",
                at=moment(rng),
            )
    return rng


def random_returns(form, rng: random.Random) -> None:
    """Approved returns for a random half of the units and quarters, some corrected (a later
    approved version wins; a correction not yet approved does not count)."""
    units = list(Region.objects.exclude(level=Region.Level.PROVINCE).order_by("code"))
    elements = list(form.elements.all())
    for region in units:
        for quarter in QUARTERS:
            if rng.random() < 0.5:
                continue
            figures = {
                e.code: Decimal(rng.randint(0, 5000)) / (100 if not e.is_integer else 1)
                for e in elements
                if rng.random() < 0.9
            }
            versions = rng.choice([1, 1, 1, 2, 3])
            for version in range(1, versions + 1):
                last = version == versions
                status = StatReturn.Status.APPROVED
                if last and version > 1 and rng.random() < 0.5:
                    status = StatReturn.Status.SUBMITTED
                StatReturn.objects.create(
                    form=form, region=region, period=str(quarter), version=version,
                    is_current=last, status=status,
                    snapshot={
                        code: {"value": f"{value + version - 1:f}", "comment": ""}
                        for code, value in figures.items()
                    } if status == StatReturn.Status.APPROVED else None,
                )  # fmt: skip


# The tests -------------------------------------------------------------------------------------


def test_every_portal_source_matches_its_rows_counted_one_by_one(portal_data):
    quarters = Quarter.span(Quarter(2021, 1), Quarter(2026, 4))
    for name, source in SOURCES.items():
        assert source.compute(quarters) == reference_source(name, quarters), name
        if source.denominator is not None:
            assert source.denominator(quarters) == reference_source(
                name, quarters, denominator=True
            ), name
    # Quarters given out of order or with gaps are answered the same way.
    some = [Quarter(2025, 3), Quarter(2023, 2), Quarter(2024, 4)]
    for name, source in SOURCES.items():
        assert source.compute(some) == reference_source(name, some), name


def test_a_full_recompute_gives_every_value_the_rules_give(form, portal_data):
    random_returns(form, portal_data)
    result = compute.recompute()
    regions = list(Region.objects.all())
    stored = {
        (code, region, period): (value, flow)
        for code, region, period, value, flow in IndicatorValue.objects.values_list(
            "indicator__code", "region__code", "period", "value", "quarter_value"
        )
    }
    assert len(stored) == result.values
    expected = reference_values(regions, QUARTERS)
    returned = set(
        Indicator.objects.exclude(source_kind=Indicator.Source.PORTAL).values_list(
            "code", flat=True
        )
    )
    assert {k: v for k, v in stored.items() if k[0] in returned} == expected
    # Portal indicators: the source's figures summed over the region's subtree, × the scale.
    today = timezone.localdate()
    span = Quarter.span(QUARTERS[0], Quarter.containing(today))
    for indicator in Indicator.objects.filter(source_kind=Indicator.Source.PORTAL):
        source = SOURCES[indicator.portal_source]
        figures = reference_source(indicator.portal_source, span)
        below = (
            reference_source(indicator.portal_source, span, denominator=True)
            if source.denominator
            else None
        )
        for region in regions:
            for quarter in span:
                cell = (indicator.code, region.code, str(quarter))
                value = _subtree(figures, region.path, str(quarter))
                if below is not None:
                    whole = _subtree(below, region.path, str(quarter))
                    value = (value or Decimal(0)) / whole if whole else None
                if value is None:
                    assert cell not in stored, cell
                else:
                    assert stored[cell] == ((value * indicator.scale).quantize(PLACES), None), cell


def test_progress_points_follow_the_quarters_reported_under_the_region(form, portal_data):
    """A trend is drawn through quarters where the region or a unit under it reported the
    figure; quarters only carried forward are left out (the "fresh" flags rolled up once)."""
    random_returns(form, portal_data)
    compute.recompute()
    reported = defaultdict(set)  # (element code, quarter) → paths that reported it
    for stat_return in StatReturn.objects.filter(status=StatReturn.Status.APPROVED):
        for code in stat_return.snapshot:
            reported[(code, stat_return.period)].add(stat_return.region.path)
    checked = 0
    for target in Target.objects.filter(
        region__isnull=False, indicator__source_kind=Indicator.Source.ELEMENT
    ).select_related("indicator__element", "region"):
        if target.indicator.element.kind != DataElement.Kind.STOCK:
            continue
        for snap in ProgressSnapshot.objects.filter(target=target):
            fresh = [
                str(q)
                for q in QUARTERS
                if str(q) <= snap.period
                and any(
                    path.startswith(target.region.path)
                    for path in reported[(target.indicator.element.code, str(q))]
                )
            ]
            points = [point[0] for point in snap.explanation["points"]]
            assert points == [Quarter.parse(p).end.isoformat() for p in fresh[-4:]]
            checked += 1
    assert checked > 10


def _subtree(figures: dict, path: str, period: str) -> Decimal | None:
    found = [v for (where, p), v in figures.items() if p == period and where.startswith(path)]
    return sum(found) if found else None


def test_an_approved_return_recomputes_what_returns_feed_and_leaves_portal_figures(
    form, portal_data, ankang, reviewer, django_capture_on_commit_callbacks
):
    """After an approval only the indicators computed from returns are rewritten (portal figures
    do not depend on returns); the result is what a full recompute gives."""
    from reporting import services
    from reporting.tests.workbooks import all_figures
    from reporting.validation import Entry

    random_returns(form, portal_data)
    compute.recompute()
    portal = Indicator.objects.filter(source_kind=Indicator.Source.PORTAL)
    before = set(
        IndicatorValue.objects.filter(indicator__in=portal).values_list("pk", "computed_at")
    )
    assert before
    region = Region.objects.get(code="610900")
    StatReturn.objects.filter(region=region, period="2025Q4").delete()
    stat_return = services.return_open(actor=ankang, form=form, region=region, period="2025Q4")
    entries = {
        code: Entry(code=code, value=Decimal(value), cell=code)
        for code, value in all_figures(form, VALID_INVENTION=99_999).items()
    }
    services.return_values_store(actor=ankang, stat_return=stat_return, entries=entries)
    services.return_submit(actor=ankang, stat_return=stat_return)
    with django_capture_on_commit_callbacks(execute=True):
        services.return_approve(actor=reviewer, stat_return=stat_return)
    after = set(
        IndicatorValue.objects.filter(indicator__in=portal).values_list("pk", "computed_at")
    )
    assert after == before  # not one portal row rewritten
    shown = IndicatorValue.objects.get(
        indicator__code="VALID_INVENTION", region=region, period="2025Q4"
    )
    assert shown.value == 99_999
    incremental = sorted(
        IndicatorValue.objects.values_list("indicator_id", "region_id", "period", "value")
    )
    compute.recompute()
    assert incremental == sorted(
        IndicatorValue.objects.values_list("indicator_id", "region_id", "period", "value")
    )


def test_the_earliest_approved_return_extends_the_portal_series_too(form, portal_data):
    """An approved return earlier than any other moves where every series starts: the portal
    indicators then get their figures for that quarter as well."""
    random_returns(form, portal_data)
    compute.recompute()
    assert not IndicatorValue.objects.filter(period="2022Q4").exists()
    approved = StatReturn.objects.create(
        form=form, region=Region.objects.get(code="610100"), period="2022Q4",
        status=StatReturn.Status.APPROVED,
        snapshot={"VALID_INVENTION": {"value": "10", "comment": ""}},
    )  # fmt: skip
    compute.recompute(region_ids=[approved.region_id], since="2022Q4", statistics_only=True)
    # The return's region and the province, as any recompute of one region rewrites.
    touched = IndicatorValue.objects.filter(
        period="2022Q4", region__code__in=["610100", "610000"]
    ).order_by("indicator__code", "region_id")
    incremental = list(touched.values_list("indicator__code", "region_id", "value"))
    assert {code for code, _r, _v in incremental} & {
        i.code for i in Indicator.objects.filter(source_kind=Indicator.Source.PORTAL)
    }
    compute.recompute()
    assert incremental == list(touched.values_list("indicator__code", "region_id", "value"))
