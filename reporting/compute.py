"""Indicator values and target progress, computed from approved returns and portal data.

Dashboards read what this writes (IndicatorValue, ProgressSnapshot), never raw rows. Only
approved figures count: each (form, region, period) contributes the snapshot of its latest
approved version, so a correction in progress does not move the dashboards until it is approved.

Rules of aggregation (DOMAIN.md §6):
- a stock element counts its latest reported value (a quarter not reported keeps the last one);
- a flow element is summed over the quarters of the year to date;
- a region's own reported figure wins; where a region reports nothing itself (the province) and
  the indicator rolls up by sum, its value is the sum of the units under it;
- a ratio is computed from the rolled-up numerator and denominator, never averaged.

The computation reads everything it needs (a province's quarterly statistics are small) and
writes only what the change touches: the regions given and their ancestors, from the period
given on. Writing is delete-then-insert in one transaction, so running it twice gives the same
rows. On PostgreSQL one recompute runs at a time (an advisory lock held for the whole run), so
two at once (a redelivered task, the nightly run) neither collide on the unique rows nor let an
older reading overwrite a newer one; SQLite serialises writers by itself.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from portal.models import Region
from reporting import progress
from reporting.models import (
    DataElement,
    Indicator,
    IndicatorValue,
    ProgressSnapshot,
    StatReturn,
    Target,
)
from reporting.periods import Quarter
from reporting.sources import SOURCES

Snapshot = ProgressSnapshot.Status
FOUR = 4


@dataclass
class Result:
    values: int = 0
    snapshots: int = 0
    periods: list[str] = field(default_factory=list)


class _Data:
    """Approved figures, by element code, region id and period."""

    def __init__(self) -> None:
        self.reported: dict[str, dict[int, dict[Quarter, Decimal]]] = defaultdict(
            lambda: defaultdict(dict)
        )
        self.quarters: set[Quarter] = set()
        # Where each element was actually reported each quarter (region paths), to tell a fresh
        # figure from one carried forward.
        self.reported_at: dict[str, dict[Quarter, set[str]]] = defaultdict(lambda: defaultdict(set))
        approved = (
            StatReturn.objects.filter(status=StatReturn.Status.APPROVED)
            .order_by("version", "pk")
            .values_list("region_id", "region__path", "period", "snapshot")
        )
        for region_id, path, period, snapshot in approved:
            quarter = Quarter.parse(period)
            self.quarters.add(quarter)
            for code, cell in (snapshot or {}).items():
                if cell.get("value") is not None:
                    self.reported[code][region_id][quarter] = Decimal(cell["value"])
                    self.reported_at[code][quarter].add(path)


class Engine:
    def __init__(self, quarters: list[Quarter], regions: list[Region], data: _Data) -> None:
        self.quarters = quarters
        self.regions = {r.pk: r for r in regions}
        self.children: dict[int | None, list[int]] = defaultdict(list)
        for region in regions:
            self.children[region.parent_id].append(region.pk)
        self.data = data
        self.elements = {e.code: e for e in DataElement.objects.all()}
        self._own: dict = {}
        self._portal: dict[str, dict[tuple[str, str], Decimal]] = {}

    # Elements ---------------------------------------------------------------------------------

    def own(
        self, code: str, region_id: int, quarter: Quarter
    ) -> tuple[Decimal | None, Decimal | None]:
        """A region's own figure (year to date for flows) and, for flows, the quarter alone."""
        key = (code, region_id, quarter)
        if key not in self._own:
            series = self.data.reported.get(code, {}).get(region_id, {})
            element = self.elements.get(code)
            if element is not None and element.kind == DataElement.Kind.FLOW:
                in_year = [series[q] for q in quarter.year_to_date() if q in series]
                self._own[key] = (sum(in_year) if in_year else None, series.get(quarter))
            else:
                earlier = [q for q in series if q <= quarter]
                self._own[key] = (series[max(earlier)] if earlier else None, None)
        return self._own[key]

    def element(
        self, code: str, region_id: int, quarter: Quarter, rollup: str
    ) -> tuple[Decimal | None, Decimal | None]:
        value, in_quarter = self.own(code, region_id, quarter)
        if value is not None or rollup != Indicator.Rollup.SUM:
            return value, in_quarter
        parts = [self.element(code, child, quarter, rollup) for child in self.children[region_id]]
        values = [v for v, _q in parts if v is not None]
        quarters = [q for _v, q in parts if q is not None]
        return (sum(values) if values else None, sum(quarters) if quarters else None)

    # Indicators -------------------------------------------------------------------------------

    def indicator(
        self, indicator: Indicator, region_id: int, quarter: Quarter
    ) -> tuple[Decimal | None, Decimal | None]:
        kind = indicator.source_kind
        if kind == Indicator.Source.PORTAL:
            value = self.portal(indicator.portal_source, region_id, quarter)
            return (None if value is None else value * indicator.scale), None
        numerator, in_quarter = self.element(
            indicator.element.code, region_id, quarter, indicator.rollup
        )
        if kind == Indicator.Source.RATIO:
            denominator, _q = self.element(
                indicator.denominator.code, region_id, quarter, indicator.rollup
            )
            if numerator is None or not denominator:
                return None, None
            return numerator / denominator * indicator.scale, None
        scale = indicator.scale
        return (
            None if numerator is None else numerator * scale,
            None if in_quarter is None else in_quarter * scale,
        )

    def _portal_sum(self, key: str, compute, region_id: int, quarter: Quarter) -> Decimal | None:
        if key not in self._portal:
            self._portal[key] = compute(self.quarters)
        path = self.regions[region_id].path
        total = [
            value
            for (where, period), value in self._portal[key].items()
            if period == str(quarter) and where.startswith(path)
        ]
        return sum(total) if total else None

    def portal(self, source: str, region_id: int, quarter: Quarter) -> Decimal | None:
        """A portal figure summed over the region's subtree; a ratio source divides the sums."""
        found = SOURCES.get(source)
        if found is None:
            return None
        value = self._portal_sum(source, found.compute, region_id, quarter)
        if found.denominator is None:
            return value
        denominator = self._portal_sum(f"{source}/", found.denominator, region_id, quarter)
        if not denominator:
            return None
        return (value or Decimal(0)) / denominator

    def fresh(self, indicator: Indicator, region_id: int, quarter: Quarter) -> bool:
        """Was the indicator's figure reported in this quarter by the region or a unit under it
        (rather than carried forward from an earlier quarter)? Trends are drawn through fresh
        figures only."""
        if indicator.source_kind == Indicator.Source.PORTAL:
            return True
        path = self.regions[region_id].path
        return any(
            where.startswith(path)
            for where in self.data.reported_at.get(indicator.element.code, {}).get(quarter, ())
        )

    def accumulates(self, indicator: Indicator) -> bool:
        """Year-to-date indicators (flows) project by quarterly flow, the rest by trend."""
        return (
            indicator.source_kind == Indicator.Source.ELEMENT
            and indicator.element.kind == DataElement.Kind.FLOW
        )


def _ancestors(region: Region, regions: dict[int, Region]) -> set[int]:
    found = set()
    current: Region | None = region
    while current is not None:
        found.add(current.pk)
        current = regions.get(current.parent_id) if current.parent_id else None
    return found


def _baseline_quarter(day: date) -> Quarter:
    """The last quarter that ended on or before `day`."""
    quarter = Quarter.containing(day)
    return quarter if quarter.end == day else quarter.previous()


def _snapshot(
    engine: Engine,
    target: Target,
    quarter: Quarter,
    series: dict[Quarter, tuple[Decimal | None, Decimal | None]],
    now,
) -> ProgressSnapshot:
    indicator = target.indicator
    as_of = quarter.end
    explanation: dict = {"as_of": as_of.isoformat(), "unit": indicator.unit}
    values = {q: v for q, (v, _iq) in series.items() if v is not None}
    # The baseline: as the target says, else the portal's own value at the baseline date.
    if target.baseline_value is not None:
        baseline, baseline_date = target.baseline_value, target.baseline_date
        explanation["baseline_from"] = "target"
    else:
        wanted = _baseline_quarter(target.baseline_date)
        if wanted in values:
            baseline, baseline_date = values[wanted], wanted.end
            explanation["baseline_from"] = str(wanted)
        elif values:
            first = min(values)
            baseline, baseline_date = values[first], first.end
            explanation["baseline_from"] = f"first:{first}"
        else:
            baseline, baseline_date = None, target.baseline_date
    actual = values.get(quarter)
    if baseline is None or baseline_date >= target.deadline:
        expected = target.target_value
    else:
        expected = progress.expected_by(
            baseline=baseline,
            baseline_date=baseline_date,
            target=target.target_value,
            deadline=target.deadline,
            as_of=as_of,
        )
    explanation["baseline"] = None if baseline is None else f"{baseline:f}"
    explanation["baseline_date"] = baseline_date.isoformat()
    fresh = [
        q for q in sorted(values) if q <= quarter and engine.fresh(indicator, target.region_id, q)
    ]
    recent = fresh[-FOUR:]
    projection = None
    if engine.accumulates(indicator):
        deadline_quarter = Quarter.containing(target.deadline)
        flows = [series[q][1] for q in recent if series[q][1] is not None]
        if quarter.year == deadline_quarter.year:
            ytd, left = actual or Decimal(0), deadline_quarter.quarter - quarter.quarter
        else:
            ytd, left = Decimal(0), deadline_quarter.quarter
        projection = progress.flow_projection(
            year_to_date=ytd, recent_quarter_values=flows, quarters_left=max(left, 0)
        )
        explanation["projection"] = "flow"
        explanation["recent_quarters"] = [f"{f:f}" for f in flows]
    else:
        points = [(q.end, values[q]) for q in recent]
        projection = progress.linear_projection(points, target.deadline)
        explanation["projection"] = "trend"
        explanation["points"] = [[d.isoformat(), f"{v:f}"] for d, v in points]
    on_track = Decimal(str(settings.REPORTING_ON_TRACK_RATIO))
    at_risk = Decimal(str(settings.REPORTING_AT_RISK_RATIO))
    explanation["thresholds"] = [f"{on_track:f}", f"{at_risk:f}"]
    return ProgressSnapshot(
        target=target,
        period=str(quarter),
        actual=actual,
        percent=progress.percent(actual, target.target_value),
        expected=expected.quantize(Decimal("0.0001")),
        projection=None if projection is None else projection.quantize(Decimal("0.0001")),
        status=progress.status(
            actual=actual,
            expected=expected,
            target=target.target_value,
            projection=projection,
            on_track=on_track,
            at_risk=at_risk,
        ),
        explanation=explanation,
        computed_at=now,
    )


# pg_advisory_xact_lock key of the recompute (any constant; "RCMP" in ASCII).
RECOMPUTE_LOCK = 0x52434D50


def recompute(
    *,
    region_ids: Iterable[int] | None = None,
    since: str | None = None,
    sources: Iterable[str] | None = None,
) -> Result:
    """Recompute indicator values and progress snapshots.

    `region_ids`: only these regions and their ancestors are rewritten (None: all).
    `since`: only periods from this one on (None: all). `sources`: only indicators fed by these
    portal sources (an event of the projects app touches no statistics indicator).
    """
    if connection.vendor != "postgresql":
        return _recompute(region_ids=region_ids, since=since, sources=sources)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RECOMPUTE_LOCK])
        return _recompute(region_ids=region_ids, since=since, sources=sources)


def _recompute(
    *,
    region_ids: Iterable[int] | None,
    since: str | None,
    sources: Iterable[str] | None,
) -> Result:
    data = _Data()
    regions = list(Region.objects.all())
    by_id = {r.pk: r for r in regions}
    today = timezone.localdate()
    portal_quarters = set()
    if data.quarters:
        portal_quarters = set(Quarter.span(min(data.quarters), Quarter.last_completed(today)))
    elif sources:
        portal_quarters = {Quarter.last_completed(today)}
    all_quarters = sorted(data.quarters | portal_quarters)
    result = Result()
    if not all_quarters:
        return result
    quarters = Quarter.span(all_quarters[0], all_quarters[-1])
    engine = Engine(quarters, regions, data)
    indicators = list(Indicator.objects.select_related("element", "denominator"))
    if sources is not None:
        wanted = set(sources)
        indicators = [i for i in indicators if i.portal_source in wanted]
    scope_regions = (
        set().union(*(_ancestors(by_id[pk], by_id) for pk in region_ids if pk in by_id))
        if region_ids is not None
        else set(by_id)
    )
    first = Quarter.parse(since) if since else quarters[0]
    scope_quarters = [q for q in quarters if q >= first]
    result.periods = [str(q) for q in scope_quarters]
    now = timezone.now()

    # Statistics end with the last quarter reported (a stock carried past it would look current);
    # portal data runs to the last quarter ended.
    data_last = max(data.quarters) if data.quarters else None

    def last_for(indicator: Indicator) -> Quarter | None:
        return quarters[-1] if indicator.source_kind == Indicator.Source.PORTAL else data_last

    rows = []
    for indicator in indicators:
        last = last_for(indicator)
        for region_id in scope_regions:
            for quarter in scope_quarters:
                if last is None or quarter > last:
                    break
                value, in_quarter = engine.indicator(indicator, region_id, quarter)
                if value is None:
                    continue
                rows.append(
                    IndicatorValue(
                        indicator=indicator,
                        region_id=region_id,
                        period=str(quarter),
                        value=value.quantize(Decimal("0.0001")),
                        quarter_value=(
                            None if in_quarter is None else in_quarter.quantize(Decimal("0.0001"))
                        ),
                        computed_at=now,
                    )
                )
    targets = list(
        Target.objects.filter(region_id__in=scope_regions, indicator__in=indicators).select_related(
            "indicator__element", "region"
        )
    )
    snapshots = []
    for target in targets:
        series = {q: engine.indicator(target.indicator, target.region_id, q) for q in quarters}
        deadline_quarter = Quarter.containing(target.deadline)
        last = last_for(target.indicator)
        for quarter in scope_quarters:
            if quarter > deadline_quarter or last is None or quarter > last:
                break
            snapshots.append(_snapshot(engine, target, quarter, series, now))
    periods = [str(q) for q in scope_quarters]
    with transaction.atomic():
        IndicatorValue.objects.filter(
            indicator__in=indicators, region_id__in=scope_regions, period__in=periods
        ).delete()
        IndicatorValue.objects.bulk_create(rows, batch_size=1000)
        ProgressSnapshot.objects.filter(target__in=targets, period__in=periods).delete()
        ProgressSnapshot.objects.bulk_create(snapshots, batch_size=1000)
    result.values, result.snapshots = len(rows), len(snapshots)
    return result
