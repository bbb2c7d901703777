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
given on. It works on sets: each portal source is one GROUP BY in the database
(reporting/sources), its figures and the "reported here" flags are rolled up the region tree once
per run, each region's series is walked once, and the indicator values are written with one COPY
on PostgreSQL (a full recompute of the province takes seconds, not minutes). Writing is
delete-then-insert in one transaction, so running it twice gives the same rows. On PostgreSQL
one recompute runs at a time (an advisory lock held for the whole run), so two at once (a
redelivered task, the nightly run) neither collide on the unique rows nor let an older reading
overwrite a newer one; SQLite serialises writers by itself.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from portal.models import Region
from portal.periods import Quarter
from reporting import progress
from reporting.models import (
    DataElement,
    Indicator,
    IndicatorValue,
    ProgressSnapshot,
    StatReturn,
    Target,
)
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

    def __init__(self, codes: set[str] | None = None) -> None:
        """`codes`: only these elements' figures are kept (those the indicators read)."""
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
        parsed: dict[str, Quarter] = {}
        for region_id, path, period, snapshot in approved:
            quarter = parsed.get(period)
            if quarter is None:
                quarter = parsed[period] = Quarter.parse(period)
            self.quarters.add(quarter)
            for code, cell in (snapshot or {}).items():
                if codes is not None and code not in codes:
                    continue
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
        self._element: dict = {}
        # Portal figures and "reported here" flags, rolled up the region tree once per run
        # rather than searched for every region and quarter.
        self._portal: dict[str, dict[tuple[int, str], Decimal]] = {}
        self._fresh: dict[str, set[tuple[int, Quarter]]] = {}
        self._by_path = {r.path: r.pk for r in regions}
        self._trees: dict[str, list[int]] = {}
        self._periods = {q: str(q) for q in quarters}

    def period(self, quarter: Quarter) -> str:
        """The text form of a quarter ("2025Q2"), computed once per run."""
        text = self._periods.get(quarter)
        return text if text is not None else str(quarter)

    def _up_the_tree(self, path: str) -> list[int]:
        """The regions whose subtree holds `path`: the region itself and its ancestors."""
        if path in self._trees:
            return self._trees[path]
        found = self._trees[path] = []
        end = path.find("/")
        while end != -1:
            region_id = self._by_path.get(path[: end + 1])
            if region_id is not None:
                found.append(region_id)
            end = path.find("/", end + 1)
        return found

    # Elements ---------------------------------------------------------------------------------

    def own(
        self, code: str, region_id: int, quarter: Quarter
    ) -> tuple[Decimal | None, Decimal | None]:
        """A region's own figure (year to date for flows) and, for flows, the quarter alone."""
        key = (code, region_id, quarter)
        found = self._own.get(key)
        if found is not None:
            return found
        self._own_series(code, region_id)
        if key not in self._own:  # a quarter outside the run's span
            series = self.data.reported.get(code, {}).get(region_id, {})
            element = self.elements.get(code)
            if element is not None and element.kind == DataElement.Kind.FLOW:
                in_year = [series[q] for q in quarter.year_to_date() if q in series]
                self._own[key] = (sum(in_year) if in_year else None, series.get(quarter))
            else:
                earlier = [q for q in series if q <= quarter]
                self._own[key] = (series[max(earlier)] if earlier else None, None)
        return self._own[key]

    def _own_series(self, code: str, region_id: int) -> None:
        """`own` for every quarter of the run in one pass over the region's reported quarters
        (the same figures, without searching the series again for each quarter)."""
        series = self.data.reported.get(code, {}).get(region_id, {})
        element = self.elements.get(code)
        if element is not None and element.kind == DataElement.Kind.FLOW:
            in_year: list[Decimal] = []
            for index, quarter in enumerate(self.quarters):
                if index == 0 or quarter.quarter == 1:  # the quarters run on without gaps
                    in_year = [series[q] for q in quarter.year_to_date()[:-1] if q in series]
                value = series.get(quarter)
                if value is not None:
                    in_year.append(value)
                self._own[(code, region_id, quarter)] = (sum(in_year) if in_year else None, value)
            return
        # The latest figure reported by each quarter, walking both in time order; compared as
        # (year, quarter) tuples: the same order, at C speed.
        reported = [((q.year, q.quarter), value) for q, value in sorted(series.items())]
        latest, index = None, 0
        for quarter in self.quarters:
            now = (quarter.year, quarter.quarter)
            while index < len(reported) and reported[index][0] <= now:
                latest, index = reported[index][1], index + 1
            self._own[(code, region_id, quarter)] = (latest, None)

    def element(
        self, code: str, region_id: int, quarter: Quarter, rollup: str
    ) -> tuple[Decimal | None, Decimal | None]:
        value, in_quarter = self.own(code, region_id, quarter)
        if value is not None or rollup != Indicator.Rollup.SUM:
            return value, in_quarter
        key = (code, region_id, quarter)
        if key not in self._element:
            parts = [
                self.element(code, child, quarter, rollup) for child in self.children[region_id]
            ]
            values = [v for v, _q in parts if v is not None]
            quarters = [q for _v, q in parts if q is not None]
            self._element[key] = (
                sum(values) if values else None,
                sum(quarters) if quarters else None,
            )
        return self._element[key]

    # Indicators -------------------------------------------------------------------------------

    def indicator(
        self, indicator: Indicator, region_id: int, quarter: Quarter
    ) -> tuple[Decimal | None, Decimal | None]:
        return self.values(indicator, region_id, [quarter])[0]

    def values(
        self, indicator: Indicator, region_id: int, quarters: list[Quarter]
    ) -> list[tuple[Decimal | None, Decimal | None]]:
        """The indicator's value (and, for flows, the quarter's alone) in the region for each of
        `quarters`: one region's series at a time, looking the indicator's parts up once."""
        kind, scale = indicator.source_kind, indicator.scale
        if kind == Indicator.Source.PORTAL:
            source = indicator.portal_source
            found: list[tuple[Decimal | None, Decimal | None]] = []
            for quarter in quarters:
                value = self.portal(source, region_id, quarter)
                found.append((None if value is None else value * scale, None))
            return found
        code, rollup = _element(indicator).code, indicator.rollup
        numerators = [self.element(code, region_id, quarter, rollup) for quarter in quarters]
        if kind == Indicator.Source.RATIO:
            # The check constraint indicator_ratio_has_both keeps a ratio's denominator set.
            below = cast(DataElement, indicator.denominator).code
            found = []
            for quarter, (numerator, _q) in zip(quarters, numerators, strict=True):
                denominator, _q = self.element(below, region_id, quarter, rollup)
                if numerator is None or not denominator:
                    found.append((None, None))
                else:
                    found.append((numerator / denominator * scale, None))
            return found
        return [
            (
                None if numerator is None else numerator * scale,
                None if in_quarter is None else in_quarter * scale,
            )
            for numerator, in_quarter in numerators
        ]

    def _portal_sum(self, key: str, compute, region_id: int, quarter: Quarter) -> Decimal | None:
        """The source's figures summed over the region's subtree (None where it has none)."""
        if key not in self._portal:
            parts: dict[tuple[int, str], list[Decimal]] = defaultdict(list)
            for (where, period), value in compute(self.quarters).items():
                for region in self._up_the_tree(where):
                    parts[(region, period)].append(value)
            self._portal[key] = {cell: sum(values, Decimal(0)) for cell, values in parts.items()}
        return self._portal[key].get((region_id, self.period(quarter)))

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
        code = _element(indicator).code
        if code not in self._fresh:
            self._fresh[code] = {
                (region, reported)
                for reported, paths in self.data.reported_at.get(code, {}).items()
                for where in paths
                for region in self._up_the_tree(where)
            }
        return (region_id, quarter) in self._fresh[code]

    def accumulates(self, indicator: Indicator) -> bool:
        """Year-to-date indicators (flows) project by quarterly flow, the rest by trend."""
        return (
            indicator.source_kind == Indicator.Source.ELEMENT
            and _element(indicator).kind == DataElement.Kind.FLOW
        )


def _element(indicator: Indicator) -> DataElement:
    """The data element of an indicator computed from returns: the check constraints
    indicator_element_has_element and indicator_ratio_has_both keep it set."""
    return cast(DataElement, indicator.element)


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
    region_id = cast(int, target.region_id)  # regional targets only (see _recompute)
    # The quarter in progress (portal data, to date) is judged as of today, not its last day.
    as_of = min(quarter.end, timezone.localdate(now))
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
    fresh = [q for q in sorted(values) if q <= quarter and engine.fresh(indicator, region_id, q)]
    recent = fresh[-FOUR:]
    projection = None
    if engine.accumulates(indicator):
        deadline_quarter = Quarter.containing(target.deadline)
        flows = [flow for q in recent if (flow := series[q][1]) is not None]
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


VALUE_COLUMNS = ("indicator_id", "region_id", "period", "value", "quarter_value", "computed_at")
PLACES = Decimal("0.0001")


def _insert_values(rows: list[tuple]) -> None:
    """Insert IndicatorValue rows given as VALUE_COLUMNS tuples. On PostgreSQL one COPY: a full
    recompute writes tens of thousands of rows, which INSERTs built by the ORM would spend
    seconds on; elsewhere bulk_create."""
    with connection.cursor() as cursor:
        raw: Any = getattr(cursor, "cursor", None)
        if connection.vendor == "postgresql" and hasattr(raw, "copy"):
            table = connection.ops.quote_name(IndicatorValue._meta.db_table)
            columns = ", ".join(connection.ops.quote_name(c) for c in VALUE_COLUMNS)
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                copy.write(_copy_text(rows))
            return
    IndicatorValue.objects.bulk_create(
        (IndicatorValue(**dict(zip(VALUE_COLUMNS, row, strict=True))) for row in rows),
        batch_size=1000,
    )


def _copy_text(rows: list[tuple]) -> str:
    """VALUE_COLUMNS rows in COPY's text format (ids, a period, decimals, a timestamp: nothing
    to escape; a missing quarter value is \\N)."""
    stamps: dict[datetime, str] = {}
    lines = []
    for indicator_id, region_id, period, value, quarter_value, computed_at in rows:
        stamp = stamps.get(computed_at) or stamps.setdefault(computed_at, computed_at.isoformat())
        flow = r"\N" if quarter_value is None else quarter_value
        lines.append(f"{indicator_id}\t{region_id}\t{period}\t{value}\t{flow}\t{stamp}\n")
    return "".join(lines)


# pg_advisory_xact_lock key of the recompute (any constant; "RCMP" in ASCII).
RECOMPUTE_LOCK = 0x52434D50


def recompute(
    *,
    region_ids: Iterable[int] | None = None,
    since: str | None = None,
    sources: Iterable[str] | None = None,
    statistics_only: bool = False,
) -> Result:
    """Recompute indicator values and progress snapshots.

    `region_ids`: only these regions and their ancestors are rewritten (None: all).
    `since`: only periods from this one on (None: all). `sources`: only indicators fed by these
    portal sources (an event of the projects app touches no statistics indicator).
    `statistics_only`: only indicators computed from returns, after an approved return (portal
    figures do not depend on returns, so their values stay as they are; unless the return is
    the earliest approved, which moves where every series starts: then all are recomputed).
    """
    options: dict[str, Any] = {"region_ids": region_ids, "since": since, "sources": sources}
    if connection.vendor != "postgresql":
        return _recompute(**options, statistics_only=statistics_only)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RECOMPUTE_LOCK])
        return _recompute(**options, statistics_only=statistics_only)


def _recompute(
    *,
    region_ids: Iterable[int] | None,
    since: str | None,
    sources: Iterable[str] | None,
    statistics_only: bool = False,
) -> Result:
    all_indicators = list(Indicator.objects.select_related("element", "denominator"))
    data = _Data(
        codes={e.code for i in all_indicators for e in (i.element, i.denominator) if e is not None}
    )
    regions = list(Region.objects.all())
    by_id = {r.pk: r for r in regions}
    today = timezone.localdate()
    # Portal data (events recorded in the portal, dated) runs to the quarter in progress, to
    # date: a licence recorded or a reward paid today shows on the dashboard of this quarter once
    # the recompute has run, not only after the quarter has ended.
    portal_quarters = set()
    if data.quarters:
        portal_quarters = set(Quarter.span(min(data.quarters), Quarter.containing(today)))
    elif sources:
        portal_quarters = {Quarter.containing(today)}
    all_quarters = sorted(data.quarters | portal_quarters)
    result = Result()
    if not all_quarters:
        return result
    quarters = Quarter.span(all_quarters[0], all_quarters[-1])
    engine = Engine(quarters, regions, data)
    indicators = all_indicators
    if sources is not None:
        wanted_sources = set(sources)
        indicators = [i for i in indicators if i.portal_source in wanted_sources]
    if statistics_only and since and data.quarters and Quarter.parse(since) > min(data.quarters):
        # Not the earliest return: every portal series already starts where it should.
        indicators = [i for i in indicators if i.source_kind != Indicator.Source.PORTAL]
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
    # portal data runs to the quarter in progress.
    data_last = max(data.quarters) if data.quarters else None

    def last_for(indicator: Indicator) -> Quarter | None:
        return quarters[-1] if indicator.source_kind == Indicator.Source.PORTAL else data_last

    rows = []
    for indicator in indicators:
        last = last_for(indicator)
        if last is None:
            continue
        wanted = [q for q in scope_quarters if q <= last]
        labels = [engine.period(q) for q in wanted]
        for region_id in scope_regions:
            series = engine.values(indicator, region_id, wanted)
            for period, (value, in_quarter) in zip(labels, series, strict=True):
                if value is None:
                    continue
                rows.append(
                    (
                        indicator.pk,
                        region_id,
                        period,
                        value.quantize(PLACES),
                        None if in_quarter is None else in_quarter.quantize(PLACES),
                        now,
                    )
                )
    targets = list(
        Target.objects.filter(region_id__in=scope_regions, indicator__in=indicators).select_related(
            "indicator__element", "indicator__denominator", "region"
        )
    )
    snapshots = []
    for target in targets:
        # Regional targets only (the filter above): region_id is set.
        region_id = cast(int, target.region_id)
        target_series = dict(
            zip(quarters, engine.values(target.indicator, region_id, quarters), strict=True)
        )
        deadline_quarter = Quarter.containing(target.deadline)
        last = last_for(target.indicator)
        for quarter in scope_quarters:
            if quarter > deadline_quarter or last is None or quarter > last:
                break
            snapshots.append(_snapshot(engine, target, quarter, target_series, now))
    periods = [str(q) for q in scope_quarters]
    with transaction.atomic():
        IndicatorValue.objects.filter(
            indicator__in=indicators, region_id__in=scope_regions, period__in=periods
        ).delete()
        _insert_values(rows)
        ProgressSnapshot.objects.filter(target__in=targets, period__in=periods).delete()
        ProgressSnapshot.objects.bulk_create(snapshots, batch_size=1000)
    result.values, result.snapshots = len(rows), len(snapshots)
    return result
