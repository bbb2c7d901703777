"""Reads of the reporting app, scoped to the user asking. Dashboards read snapshots only, in a
fixed number of queries whatever the number of regions and periods."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Max, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import formats, permissions
from portal.models import Region, User
from portal.periods import Quarter
from reporting.models import (
    DataElement,
    DataValue,
    DataValueHistory,
    Indicator,
    IndicatorValue,
    ProgressSnapshot,
    ReturnForm,
    StatReturn,
    Target,
    ValidationRule,
)
from reporting.validation import Entry

TREND_QUARTERS = 8

# How a figure was entered (DataValueHistory.via, the audit entry of a store): shown by label.
ENTRY_METHODS = {
    "web": gettext_lazy("web form"),
    "excel": gettext_lazy("Excel workbook"),
    "api": gettext_lazy("data interface"),
}


# What pages and messages call things --------------------------------------------------------


def return_label(stat_return: StatReturn) -> str:
    """A return as a sentence names it: 西安市 2025年第二季度 专利转化运用季度统计表 (第2版)."""
    label = _("%(region)s %(period)s %(form)s") % {
        "region": stat_return.region.name,
        "period": formats.period(stat_return.period),
        "form": stat_return.form.name,
    }
    if stat_return.version > 1:
        label += _(" (version %(version)d)") % {"version": stat_return.version}
    return label


class Figures:
    """How one table shows indicator figures: counts (件, 家, …) as integers, and amounts in one
    unit for the whole table (万元, or 亿元 when every amount reaches 1亿元: formats.unit_for),
    named in its unit column, whether each indicator is recorded in 万元 or in 亿元. Built from
    the (unit, value) pairs the table shows."""

    def __init__(self, pairs) -> None:
        amounts = [formats.in_yuan(value, unit) for unit, value in pairs]
        self.money_unit = formats.unit_for(a for a in amounts if a is not None)

    def unit(self, unit: str) -> str:
        """The unit a figure recorded in `unit` is shown in."""
        return formats.unit_label(self.money_unit) if unit in formats.YUAN_PER_UNIT else unit

    def show(self, value, unit: str) -> str:
        """A figure recorded in `unit`, as this table shows it (without the unit)."""
        amount = formats.in_yuan(value, unit)
        if amount is not None:
            return formats.money(amount, self.money_unit)
        return formats.figure(value, unit)

    def with_unit(self, value, unit: str) -> str:
        """A figure with its unit, in a cell or a sentence: 300亿元, 30,000件 (CNY 30,000m,
        30,000 件 in English)."""
        amount = formats.in_yuan(value, unit)
        if amount is not None:
            return formats.money_with_unit(amount, self.money_unit)
        shown = formats.figure(value, unit)
        if shown == formats.MISSING:
            return shown
        return f"{shown}{unit}" if formats.chinese() else f"{shown} {unit}"


def return_list(
    *, user: User, period: str = "", region: str = "", status: str = ""
) -> QuerySet[StatReturn]:
    returns = permissions.scope(user, "reporting.return.view", StatReturn.objects.all())
    returns = returns.filter(is_current=True)
    if period:
        returns = returns.filter(period=period)
    if region:
        returns = returns.filter(region__code=region)
    if status:
        returns = returns.filter(status=status)
    return returns.select_related("form", "region", "submitted_by", "decided_by").order_by(
        "-period", "region__path"
    )


def return_periods(*, user: User) -> list[str]:
    """The periods the user has returns of, newest first (the list page's period filter)."""
    returns = permissions.scope(user, "reporting.return.view", StatReturn.objects.all())
    return sorted(set(returns.values_list("period", flat=True)), reverse=True)


def return_get(*, user: User, pk: int) -> StatReturn:
    """One return the user may see, or 404 (another city's returns are not even confirmed)."""
    found = (
        permissions.scope(user, "reporting.return.view", StatReturn.objects.all())
        .select_related("form", "region", "submitted_by", "decided_by", "created_by")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def return_versions(stat_return: StatReturn) -> QuerySet[StatReturn]:
    return StatReturn.objects.filter(
        form_id=stat_return.form_id, region_id=stat_return.region_id, period=stat_return.period
    ).order_by("version")


def value_history(stat_return: StatReturn) -> QuerySet[DataValueHistory]:
    return (
        DataValueHistory.objects.filter(region=stat_return.region, period=stat_return.period)
        .select_related("element", "changed_by", "stat_return")
        .order_by("-changed_at", "-id")
    )


def region_for_user(*, user: User, code: str) -> Region:
    region = (
        permissions.scope(user, "reporting.dashboard.view", Region.objects.all())
        .filter(code=code)
        .select_related("parent")
        .first()
    )
    if region is None:
        raise Http404
    return region


def reportable_regions(*, user: User, form: ReturnForm) -> list[Region]:
    """The regions the user may file `form` for: its city and, if allowed, its counties."""
    if user.region is None:
        return []
    regions = Region.objects.filter(path__startswith=user.region.path).order_by("path")
    required = set(form.regions.values_list("pk", flat=True))
    return [
        r
        for r in regions
        if r.pk in required or (form.counties_may_report and r.level == Region.Level.COUNTY)
    ]


def latest_period() -> str | None:
    return StatReturn.objects.filter(status=StatReturn.Status.APPROVED).aggregate(
        latest=Max("period")
    )["latest"]


def setup_lists() -> dict:
    return {
        "elements": DataElement.objects.prefetch_related("forms"),
        "rules": ValidationRule.objects.all(),
        "forms": ReturnForm.objects.prefetch_related("elements", "regions"),
        "indicators": Indicator.objects.select_related("element", "denominator"),
    }


def target_list() -> QuerySet[Target]:
    return Target.objects.select_related("indicator", "region").order_by(
        "region__path", "indicator__sort", "deadline"
    )


# Completeness ---------------------------------------------------------------------------------


@dataclass
class CompletenessRow:
    region: Region
    stat_return: StatReturn | None
    due: date
    state: str  # missing, draft, submitted, returned, approved
    on_time: bool | None


@dataclass
class Completeness:
    form: ReturnForm
    period: str
    due: date
    rows: list[CompletenessRow]

    @property
    def missing(self) -> list[CompletenessRow]:
        return [r for r in self.rows if r.state in ("missing", "draft", "returned")]

    @property
    def submitted_count(self) -> int:
        return sum(1 for r in self.rows if r.state in ("submitted", "approved"))


def completeness(*, form: ReturnForm, period: str, regions: list[Region]) -> Completeness:
    """Which of `regions` have submitted `period`, on time or late, and who is missing."""
    quarter = Quarter.parse(period)
    due = quarter.due_date(form.due_days)
    returns = {
        r.region_id: r
        for r in StatReturn.objects.filter(
            form=form, period=period, is_current=True, region__in=regions
        )
    }
    rows = []
    for region in regions:
        found = returns.get(region.pk)
        state = found.status if found else "missing"
        on_time = None
        if found is not None and found.submitted_at is not None:
            on_time = timezone.localdate(found.submitted_at) <= due
        rows.append(CompletenessRow(region, found, due, state, on_time))
    return Completeness(form=form, period=period, due=due, rows=rows)


def completeness_for(
    *, user: User, period: str, within: Region | None = None
) -> list[Completeness]:
    """Completeness of every active form for the regions the user sees (under `within`)."""
    forms = list(ReturnForm.objects.filter(is_active=True).prefetch_related("regions"))
    visible = permissions.scope(user, "reporting.dashboard.view", Region.objects.all())
    if within is not None:
        visible = visible.filter(path__startswith=within.path)
    visible_ids = set(visible.values_list("pk", flat=True))
    return [
        completeness(
            form=form,
            period=period,
            regions=[r for r in form.regions.all() if r.pk in visible_ids],
        )
        for form in forms
    ]


# Dashboards -----------------------------------------------------------------------------------


@dataclass
class TargetRow:
    target: Target
    snapshot: ProgressSnapshot | None
    trend: list[tuple[str, float]] = field(default_factory=list)

    @property
    def bar_percent(self) -> float:
        if self.snapshot is None or self.snapshot.percent is None:
            return 0.0
        return float(min(self.snapshot.percent, Decimal(100)))

    @property
    def expected_percent(self) -> float:
        if self.snapshot is None or not self.target.target_value:
            return 0.0
        return float(min(self.snapshot.expected / self.target.target_value * 100, Decimal(100)))

    @property
    def projection_percent(self) -> float | None:
        if self.snapshot is None or self.snapshot.projection is None:
            return None
        return float(min(self.snapshot.projection / self.target.target_value * 100, Decimal(100)))


@dataclass
class Dashboard:
    region: Region
    period: str | None
    periods: list[str]
    targets: list[TargetRow]
    national: list[tuple[Target, IndicatorValue | None]]
    ranking: list[tuple[Indicator, list[IndicatorValue]]]
    values: list[IndicatorValue]
    completeness: list[Completeness]
    computed_at: datetime | None

    @property
    def as_of(self) -> date | None:
        """The day the figures are counted up to: the period's last day, or today while the
        period runs (the portal's own figures run to date)."""
        if not self.period:
            return None
        return min(Quarter.parse(self.period).end, timezone.localdate())

    @property
    def untargeted(self) -> list[IndicatorValue]:
        """The region's figures of indicators it has no target for (e.g. the pool's recorded
        licence and pledge amounts)."""
        targeted = {row.target.indicator_id for row in self.targets}
        return [v for v in self.values if v.indicator_id not in targeted]

    @property
    def groups(self) -> dict[str, list[TargetRow]]:
        grouped: dict[str, list[TargetRow]] = defaultdict(list)
        for row in self.targets:
            grouped[row.target.indicator.group or "—"].append(row)
        return dict(grouped)


def dashboard(*, user: User, region: Region, period: str | None = None) -> Dashboard:
    """Everything a dashboard shows, for `region` as of `period` (default: the latest approved)."""
    permissions.require(user, "reporting.dashboard.view", region)
    approved = sorted(
        StatReturn.objects.filter(status=StatReturn.Status.APPROVED)
        .order_by()
        .values_list("period", flat=True)
        .distinct(),
        reverse=True,
    )
    latest = approved[0] if approved else None
    period = str(Quarter.parse(period)) if period else latest
    # The quarter in progress is offered too: the figures recorded in the portal (licences,
    # payments, approvals) run to date, before any return of that quarter is due.
    current = str(Quarter.containing(timezone.localdate()))
    periods = sorted({current, *approved}, reverse=True)
    targets = list(Target.objects.filter(region=region).select_related("indicator", "region"))
    snapshots: dict[int, ProgressSnapshot] = {}
    history: dict[int, list[ProgressSnapshot]] = defaultdict(list)
    if period:
        for snap in ProgressSnapshot.objects.filter(
            target__in=targets, period__lte=period
        ).order_by("target_id", "period"):
            snapshots[snap.target_id] = snap  # the latest up to the period wins
            history[snap.target_id].append(snap)
    own_values: list[IndicatorValue] = []
    trend: dict[int, list[tuple[str, float]]] = defaultdict(list)
    if period:
        first = str(Quarter.parse(period).shift(-(TREND_QUARTERS - 1)))
        for value in (
            IndicatorValue.objects.filter(region=region, period__gte=first, period__lte=period)
            .select_related("indicator")
            .order_by("indicator__sort", "period")
        ):
            trend[value.indicator_id].append((value.period, float(value.value)))
            if value.period == period:
                own_values.append(value)
    rows = [
        TargetRow(target=t, snapshot=snapshots.get(t.pk), trend=trend.get(t.indicator_id, []))
        for t in targets
    ]
    national: list[tuple[Target, IndicatorValue | None]] = []
    if region.parent_id is None:
        own_by_indicator = {v.indicator_id: v for v in own_values}
        national = [
            (t, own_by_indicator.get(t.indicator_id))
            for t in Target.objects.filter(region__isnull=True).select_related("indicator")
        ]
    ranking: dict[int, list[IndicatorValue]] = defaultdict(list)
    indicators: dict[int, Indicator] = {}
    if period:
        for value in (
            IndicatorValue.objects.filter(region__parent=region, period=period)
            .select_related("indicator", "region")
            .order_by("indicator__sort", "-value")
        ):
            ranking[value.indicator_id].append(value)
            indicators[value.indicator_id] = value.indicator
    computed = [s.computed_at for s in snapshots.values()] + [v.computed_at for v in own_values]
    return Dashboard(
        region=region,
        period=period,
        periods=periods,
        targets=rows,
        national=national,
        ranking=[(indicators[pk], values) for pk, values in ranking.items()],
        values=own_values,
        completeness=(completeness_for(user=user, period=period, within=region) if period else []),
        computed_at=max(computed) if computed else None,
    )


def progress_list(
    *, indicator: str = "", region: str = "", period: str = ""
) -> QuerySet[ProgressSnapshot]:
    snapshots = ProgressSnapshot.objects.select_related("target__indicator", "target__region")
    if indicator:
        snapshots = snapshots.filter(target__indicator__code=indicator)
    if region:
        snapshots = snapshots.filter(target__region__code=region)
    if period:
        snapshots = snapshots.filter(period=period)
    return snapshots.order_by("target__region__path", "target__indicator__sort", "period")


def export_job_get(*, user: User, pk: int):
    from reporting.models import ExportJob

    job = (
        permissions.scope(user, "reporting.export.view", ExportJob.objects.all())
        .filter(pk=pk)
        .first()
    )
    if job is None:
        raise Http404
    return job


# What the return services read ----------------------------------------------------------------


def form_elements(form: ReturnForm) -> list[DataElement]:
    return list(form.elements.filter(is_active=True).order_by("sort", "code"))


def active_rules() -> list[ValidationRule]:
    return list(ValidationRule.objects.filter(is_active=True))


def previous_values(*, region: Region, period: str) -> dict[str, Decimal]:
    previous = str(Quarter.parse(period).previous())
    return dict(
        DataValue.objects.filter(region=region, period=previous).values_list(
            "element__code", "value"
        )
    )


def current_values(stat_return: StatReturn) -> dict[str, DataValue]:
    return {
        v.element.code: v
        for v in DataValue.objects.filter(
            region=stat_return.region, period=stat_return.period
        ).select_related("element")
    }


@dataclass(frozen=True)
class Stored:
    """A stored figure as a check needs it (no model instance: a long return holds one small
    tuple per row), with the row's id to update it by."""

    pk: int
    value: Decimal
    comment: str


def stored_figures(stat_return: StatReturn) -> tuple[dict[str, Stored], dict[str, Decimal]]:
    """What is stored for the return's region: this period's figures (code → Stored) and the
    previous period's values (code → value, for prev() in the rules), in one query."""
    previous = str(Quarter.parse(stat_return.period).previous())
    rows = DataValue.objects.filter(
        region=stat_return.region, period__in=[stat_return.period, previous]
    ).values_list("period", "element__code", "pk", "value", "comment")
    current, before = {}, {}
    for period, code, pk, value, comment in rows:
        if period == previous:
            before[code] = value
        else:
            current[code] = Stored(pk, value, comment)
    return current, before


def stored_entries(stat_return: StatReturn) -> dict[str, Entry]:
    return {
        code: Entry(code=code, value=v.value, comment=v.comment, cell=v.element.name)
        for code, v in current_values(stat_return).items()
    }


# What the exchange reports to the national level ---------------------------------------------


def latest_approved_period() -> str | None:
    """The latest quarter with an approved return."""
    return (
        StatReturn.objects.filter(status=StatReturn.Status.APPROVED)
        .order_by("-period")
        .values_list("period", flat=True)
        .first()
    )


@dataclass(frozen=True)
class ApprovedFigure:
    region_code: str
    region: str
    element_code: str
    element: str
    unit: str
    value: Decimal


def approved_figures(period: str) -> list[ApprovedFigure]:
    """The approved figures of one quarter, one per region and data element, in region and
    form order: each (form, region) gives the values of its latest approved version (kept with
    it, so a correction in progress does not leak), as the reporting engine counts them."""
    approved = (
        StatReturn.objects.filter(status=StatReturn.Status.APPROVED, period=period)
        .select_related("region")
        .order_by("version", "pk")
    )
    # Later approved versions overwrite earlier ones, element by element.
    values: dict[tuple[str, str], Decimal] = {}
    regions: dict[str, str] = {}
    for stat_return in approved:
        regions[stat_return.region.code] = stat_return.region.name
        for code, cell in (stat_return.snapshot or {}).items():
            if cell.get("value") is not None:
                values[(stat_return.region.code, code)] = Decimal(cell["value"])
    elements = {e.code: e for e in DataElement.objects.filter(code__in={c for _r, c in values})}
    ordered = sorted(
        (key for key in values if key[1] in elements),
        key=lambda key: (key[0], elements[key[1]].sort, key[1]),
    )
    return [
        ApprovedFigure(
            region_code=region_code,
            region=regions[region_code],
            element_code=element_code,
            element=elements[element_code].name,
            unit=elements[element_code].unit,
            value=values[(region_code, element_code)],
        )
        for region_code, element_code in ordered
    ]
