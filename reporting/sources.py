"""Indicator values computed from the portal's own data rather than from city returns.

Each source gives, for a list of quarters, {(region path, quarter): value} at the regions where
the data sits (an organisation's county or city); the engine sums them up the region tree.
Sources are keyed by the stable names stored in `Indicator.portal_source`. The audit events that
change a source's data are listed with it (the writing apps' event constants), so the reporting
app recomputes when they happen.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, DateField, Sum
from django.db.models.functions import Greatest, TruncQuarter

from incentives import events as incentive_events
from patents import events as patent_events
from portal.periods import Quarter
from projects import events as project_events


@dataclass(frozen=True)
class PortalSource:
    """`compute` gives the figure by (region path, quarter); a ratio source also gives its
    `denominator`, and the engine divides the sums (never averages the ratios)."""

    label: str
    compute: Callable[[list[Quarter]], dict[tuple[str, str], Decimal]]
    events: tuple[str, ...]
    denominator: Callable[[list[Quarter]], dict[tuple[str, str], Decimal]] | None = None


def _cumulative(
    rows: Iterable[tuple[str, date, Decimal | int]], quarters: list[Quarter]
) -> dict[tuple[str, str], Decimal]:
    """Running totals by the end of each quarter from `(region path, first day of the quarter
    from which a group counts, its total)` rows, one per group the database summed. A (path,
    quarter) with nothing counted by then has no entry (the engine shows no figure there)."""
    starts: dict[str, dict[Quarter, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for path, day, total in rows:
        starts[path][Quarter.containing(day)] += Decimal(total)
    ordered = sorted(set(quarters))
    result = {}
    for path, by_quarter in starts.items():
        pending = sorted(by_quarter.items(), reverse=True)
        running, counted = Decimal(0), False
        for quarter in ordered:
            while pending and pending[-1][0] <= quarter:
                running += pending.pop()[1]
                counted = True
            if counted:
                result[(path, str(quarter))] = running
    return result


def _by_quarter(queryset, by: str, day: str, total=None) -> list[tuple[Any, date, Decimal | int]]:
    """`(by, first day of day's quarter, total)` per group (`by`: a region path, or an
    organisation's pk, hence Any): one GROUP BY in the database (a count of rows, or the sum of
    `total`), so a pool of 200,000 patents is never walked row by row. A datetime is taken in
    the local time zone, as `timezone.localdate` does."""
    grouped = (
        queryset.annotate(_quarter=TruncQuarter(day, output_field=DateField()))
        .values(by, "_quarter")
        .annotate(_total=Count("pk") if total is None else Sum(total))
        .order_by()
        .values_list(by, "_quarter", "_total")
    )
    return list(grouped)


def _project_events(quarters: list[Quarter], action: str) -> dict[tuple[str, str], Decimal]:
    """Applications that went through `action` by the end of each quarter, by the region of the
    lead organisation (cumulative count)."""
    from portal.models import StateChange

    changes = StateChange.objects.filter(workflow="projects.application", action=action)
    return _cumulative(
        _by_quarter(changes, "application__lead_organisation__region__path", "at"), quarters
    )


def projects_accepted(quarters: list[Quarter]) -> dict[tuple[str, str], Decimal]:
    """Projects of the special programme accepted by the end of each quarter, by the region of the
    lead organisation (cumulative count)."""
    return _project_events(quarters, "accept")


def projects_approved(quarters: list[Quarter]) -> dict[tuple[str, str], Decimal]:
    """Projects of the special programme approved (立项) by the end of each quarter, by the region
    of the lead organisation (cumulative count: an approval is final, so a project accepted since
    still counts)."""
    return _project_events(quarters, "approve")


def _pool_by_quarter(quarters: list[Quarter], *, screened: bool) -> dict[tuple[str, str], Decimal]:
    from patents.models import Patent
    from portal.models import Organisation

    # Grouped by owner, then placed at the owner's region: the pool belongs to a few universities
    # and institutes, so the database need not join every patent to its owner and region.
    pool = Patent.objects.filter(status=Patent.Status.VALID, converted=False)
    if not screened:
        grouped = _by_quarter(pool, "owner", "filed_on")
    else:
        # A screened patent counts from the later of its filing and its screening quarter.
        grouped = list(
            pool.filter(screened_at__isnull=False)
            .annotate(
                _quarter=Greatest(
                    TruncQuarter("filed_on", output_field=DateField()),
                    TruncQuarter("screened_at", output_field=DateField()),
                )
            )
            .values("owner", "_quarter")
            .annotate(_total=Count("pk"))
            .order_by()
            .values_list("owner", "_quarter", "_total")
        )
    owners = {owner for owner, _quarter, _total in grouped}
    paths = dict(Organisation.objects.filter(pk__in=owners).values_list("pk", "region__path"))
    return _cumulative(((paths[owner], at, n) for owner, at, n in grouped), quarters)


def pool_screened(quarters: list[Quarter]) -> dict[tuple[str, str], Decimal]:
    """Unconverted valid patents of the pool screened by the end of each quarter (盘点)."""
    return _pool_by_quarter(quarters, screened=True)


def pool_unconverted_valid(quarters: list[Quarter]) -> dict[tuple[str, str], Decimal]:
    """Unconverted valid patents of the pool filed by the end of each quarter. The pool holds
    today's legal status, so earlier quarters are counted against today's pool."""
    return _pool_by_quarter(quarters, screened=False)


def _amounts_by_quarter(
    quarters: list[Quarter], kinds: tuple[str, ...], *, at: str = "patent__owner"
) -> dict[tuple[str, str], Decimal]:
    """Amounts (yuan) of the pool's conversion events of these kinds dated by the end of each
    quarter, cumulative, at the region of the patent's owner (or of the party named by `at`)."""
    from patents.models import Conversion

    events = Conversion.objects.filter(
        kind__in=kinds, amount__isnull=False, **{f"{at}__isnull": False}
    )
    return _cumulative(
        _by_quarter(events, f"{at}__region__path", "starts_on", total="amount"), quarters
    )


def conversion_amounts(quarters: list[Quarter]) -> dict[tuple[str, str], Decimal]:
    """Transfer and licence amounts recorded in the pool (contract registrations of the same
    deals are not added again)."""
    return _amounts_by_quarter(quarters, ("transfer", "licence"))


def uptake_amounts(quarters: list[Quarter]) -> dict[tuple[str, str], Decimal]:
    """The same transfers and licences, at the region of the enterprise taking the patent up
    (the assignee or licensee registered in the portal). The pool's universities sit mostly in
    Xi'an, so this is where a city such as Ankang sees its own enterprises' uptake (the 2023
    guide, category 3: 专利转让、许可承接; category 1: 受让高校院所专利的中小企业)."""
    return _amounts_by_quarter(quarters, ("transfer", "licence"), at="counterparty")


def pledge_amounts(quarters: list[Quarter]) -> dict[tuple[str, str], Decimal]:
    """Pledge financing recorded on the pool's patents."""
    return _amounts_by_quarter(quarters, ("pledge",))


def incentives_paid(quarters: list[Quarter]) -> dict[tuple[str, str], Decimal]:
    """Incentive money paid (yuan) by the end of each quarter, cumulative, at the region of the
    claiming organisation, by the payment's date (DOMAIN.md §4; paid amounts feed reporting)."""
    from incentives.models import Payment

    return _cumulative(
        _by_quarter(
            Payment.objects.all(), "claim__organisation__region__path", "paid_on", total="amount"
        ),
        quarters,
    )


SOURCES: dict[str, PortalSource] = {
    "patents.conversion_amount": PortalSource(
        label="专利转让许可金额累计（存量专利库登记）",
        compute=conversion_amounts,
        events=patent_events.CONVERSION_EVENTS,
    ),
    "patents.uptake_amount": PortalSource(
        label="企业受让和获许可专利金额累计（存量专利库登记，按受让方所在地）",
        compute=uptake_amounts,
        events=patent_events.CONVERSION_EVENTS,
    ),
    "patents.pledge_amount": PortalSource(
        label="专利质押融资金额累计（存量专利库登记）",
        compute=pledge_amounts,
        events=patent_events.CONVERSION_EVENTS,
    ),
    "patents.inventory_coverage": PortalSource(
        label="存量专利盘点覆盖率（存量专利库：已盘点 / 未转化有效专利）",
        compute=pool_screened,
        denominator=pool_unconverted_valid,
        events=(patent_events.SCREEN, patent_events.IMPORT_APPLY, *patent_events.CONVERSION_EVENTS),
    ),
    "incentives.paid": PortalSource(
        label="奖补资金已兑付累计（政策兑现）",
        compute=incentives_paid,
        events=(incentive_events.CLAIM_PAY,),
    ),
    "projects.approved": PortalSource(
        label="立项的专利转化专项项目数（项目管理）",
        compute=projects_approved,
        events=(project_events.APPLICATION_APPROVE,),
    ),
    "projects.accepted": PortalSource(
        label="通过验收的专利转化专项项目数（项目管理）",
        compute=projects_accepted,
        events=(project_events.APPLICATION_ACCEPT,),
    ),
}
