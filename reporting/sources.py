"""Indicator values computed from the portal's own data rather than from city returns.

Each source gives, for a list of quarters, {(region path, quarter): value} at the regions where
the data sits (an organisation's county or city); the engine sums them up the region tree.
Sources are keyed by the stable names stored in `Indicator.portal_source`. The audit events that
change a source's data are listed with it, so the reporting app recomputes when they happen.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from reporting.periods import Quarter


@dataclass(frozen=True)
class PortalSource:
    """`compute` gives the figure by (region path, quarter); a ratio source also gives its
    `denominator`, and the engine divides the sums (never averages the ratios)."""

    label: str
    compute: Callable[[list[Quarter]], dict[tuple[str, str], Decimal]]
    events: tuple[str, ...]
    denominator: Callable[[list[Quarter]], dict[tuple[str, str], Decimal]] | None = None


def projects_accepted(quarters: list[Quarter]) -> dict[tuple[str, str], Decimal]:
    """Projects of the special programme accepted by the end of each quarter, by the region of the
    lead organisation (cumulative count)."""
    from projects.models import ApplicationEvent

    accepted = ApplicationEvent.objects.filter(action="accept").values_list(
        "at", "application__lead_organisation__region__path"
    )
    by_path: dict[str, list] = defaultdict(list)
    for at, path in accepted:
        by_path[path].append(timezone.localdate(at))
    result = {}
    for path, days in by_path.items():
        for quarter in quarters:
            count = sum(1 for day in days if day <= quarter.end)
            if count:
                result[(path, str(quarter))] = Decimal(count)
    return result


def _pool_by_quarter(quarters: list[Quarter], *, screened: bool) -> dict[tuple[str, str], Decimal]:
    from patents.models import Patent

    pool = Patent.objects.filter(status=Patent.Status.VALID, converted=False).values_list(
        "owner__region__path", "filed_on", "screened_at"
    )
    result: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for path, filed_on, screened_at in pool:
        for quarter in quarters:
            if filed_on > quarter.end:
                continue
            if screened and (screened_at is None or timezone.localdate(screened_at) > quarter.end):
                continue
            result[(path, str(quarter))] += 1
    return dict(result)


def pool_screened(quarters: list[Quarter]) -> dict[tuple[str, str], Decimal]:
    """Unconverted valid patents of the pool screened by the end of each quarter (盘点)."""
    return _pool_by_quarter(quarters, screened=True)


def pool_unconverted_valid(quarters: list[Quarter]) -> dict[tuple[str, str], Decimal]:
    """Unconverted valid patents of the pool filed by the end of each quarter. The pool holds
    today's legal status, so earlier quarters are counted against today's pool."""
    return _pool_by_quarter(quarters, screened=False)


def _amounts_by_quarter(
    quarters: list[Quarter], kinds: tuple[str, ...]
) -> dict[tuple[str, str], Decimal]:
    """Amounts (yuan) of the pool's conversion events of these kinds dated by the end of each
    quarter, cumulative, at the region of the patent's owner."""
    from patents.models import Conversion

    events = Conversion.objects.filter(kind__in=kinds, amount__isnull=False).values_list(
        "patent__owner__region__path", "starts_on", "amount"
    )
    result: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for path, day, amount in events:
        for quarter in quarters:
            if day <= quarter.end:
                result[(path, str(quarter))] += amount
    return dict(result)


def conversion_amounts(quarters: list[Quarter]) -> dict[tuple[str, str], Decimal]:
    """Transfer and licence amounts recorded in the pool (contract registrations of the same
    deals are not added again)."""
    return _amounts_by_quarter(quarters, ("transfer", "licence"))


def pledge_amounts(quarters: list[Quarter]) -> dict[tuple[str, str], Decimal]:
    """Pledge financing recorded on the pool's patents."""
    return _amounts_by_quarter(quarters, ("pledge",))


def incentives_paid(quarters: list[Quarter]) -> dict[tuple[str, str], Decimal]:
    """Incentive money paid (yuan) by the end of each quarter, cumulative, at the region of the
    claiming organisation, by the payment's date (DOMAIN.md §4; paid amounts feed reporting)."""
    from incentives.models import Payment

    payments = Payment.objects.values_list("claim__organisation__region__path", "paid_on", "amount")
    result: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for path, day, amount in payments:
        for quarter in quarters:
            if day <= quarter.end:
                result[(path, str(quarter))] += amount
    return dict(result)


SOURCES: dict[str, PortalSource] = {
    "patents.conversion_amount": PortalSource(
        label="专利转让许可金额累计（存量专利库登记）",
        compute=conversion_amounts,
        events=("patent.conversion.",),
    ),
    "patents.pledge_amount": PortalSource(
        label="专利质押融资金额累计（存量专利库登记）",
        compute=pledge_amounts,
        events=("patent.conversion.",),
    ),
    "patents.inventory_coverage": PortalSource(
        label="存量专利盘点覆盖率（存量专利库：已盘点 / 未转化有效专利）",
        compute=pool_screened,
        denominator=pool_unconverted_valid,
        events=("patent.screen", "patent.import.apply", "patent.conversion."),
    ),
    "incentives.paid": PortalSource(
        label="奖补资金已兑付累计（政策兑现）",
        compute=incentives_paid,
        events=("incentive.claim.pay",),
    ),
    "projects.accepted": PortalSource(
        label="通过验收的专利转化专项项目数（项目管理）",
        compute=projects_accepted,
        events=("project.application.accept",),
    ),
}
