"""Quarterly statistics from cities, indicators against targets, and the snapshots dashboards read.

The statistics side follows DHIS2's aggregate model, narrowed to our case: data elements, a
return form grouping them, data values keyed by (element, period, region) with a history per
cell, and validation rules over elements of this and the previous period. Targets are first-class
objects; progress is computed by Celery into snapshots, so dashboards never sum raw rows.

Periods are strings such as "2025Q2", parsed in one place (`portal.periods`); they sort in
time order as text.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.models import Region


class DataElement(models.Model):
    """One figure a city reports (统计指标项)."""

    class Unit(models.TextChoices):
        PIECE = "件", _("件 (items)")
        WAN_YUAN = "万元", _("万元 (10,000 yuan)")
        ENTERPRISE = "家", _("家 (enterprises)")
        PERSON_TIME = "人次", _("人次 (person-times)")
        PERCENT = "%", _("% (percent)")
        COUNT = "个", _("个 (count)")
        SESSION = "场", _("场 (sessions)")

    class ValueType(models.TextChoices):
        INTEGER = "integer", _("Whole number")
        DECIMAL = "decimal", _("Decimal number")

    class Kind(models.TextChoices):
        STOCK = "stock", _("Stock (latest value counts)")
        FLOW = "flow", _("Flow (summed over quarters)")

    code = models.CharField(
        _("code"),
        max_length=32,
        unique=True,
        help_text=_("Capital letters, digits and underscores; used in validation rules."),
    )
    name = models.CharField(_("name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices)
    value_type = models.CharField(_("value type"), max_length=8, choices=ValueType.choices)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    lower_bound = models.DecimalField(
        _("lowest value"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    upper_bound = models.DecimalField(
        _("highest value"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    sort = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort", "code"]
        verbose_name = _("data element")
        verbose_name_plural = _("data elements")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lower_bound__isnull=True)
                | models.Q(upper_bound__isnull=True)
                | models.Q(lower_bound__lte=models.F("upper_bound")),
                name="data_element_bounds_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit}）"

    @property
    def is_integer(self) -> bool:
        return self.value_type == self.ValueType.INTEGER


class ReturnForm(models.Model):
    """A quarterly return (报表): the elements it asks for and who must report it, by when."""

    class PeriodType(models.TextChoices):
        QUARTER = "quarter", _("Quarter")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    period_type = models.CharField(
        _("period type"), max_length=8, choices=PeriodType.choices, default=PeriodType.QUARTER
    )
    elements = models.ManyToManyField(
        DataElement, verbose_name=_("data elements"), related_name="forms"
    )
    regions = models.ManyToManyField(
        Region,
        verbose_name=_("regions that must report"),
        related_name="return_forms",
        help_text=_(
            "The ten cities, Yangling and Xixian. Counties may report without being listed."
        ),
    )
    counties_may_report = models.BooleanField(_("counties may report"), default=True)
    due_days = models.PositiveSmallIntegerField(_("due, days after the period ends"), default=15)
    needs_approval = models.BooleanField(_("needs the bureau's approval"), default=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("return form")
        verbose_name_plural = _("return forms")

    def __str__(self) -> str:
        return self.name


class StatReturn(models.Model):
    """One region's return of one form for one period, in versions.

    Version 1 is the original. After approval the return is locked; a correction opens version
    n + 1 with a reason and the approved version stays readable (its values are kept in
    `snapshot`). Exactly one version per (form, region, period) is current.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for correction")
        APPROVED = "approved", pgettext_lazy("statistics return", "Approved")

    EDITABLE = (Status.DRAFT, Status.RETURNED)

    form = models.ForeignKey(
        ReturnForm, verbose_name=_("return form"), on_delete=models.PROTECT, related_name="returns"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="stat_returns"
    )
    period = models.CharField(_("period"), max_length=8, db_index=True)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    is_current = models.BooleanField(_("current version"), default=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    reason = models.TextField(_("reason for returning"), blank=True)
    correction_reason = models.TextField(_("reason for the correction"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The values as approved: {element code: {"value": "12.5", "comment": "…"}}. Readable after a
    # correction replaced them in the live table.
    snapshot = models.JSONField(_("values as approved"), null=True, blank=True)

    class Meta:
        ordering = ["-period", "region__path", "-version"]
        verbose_name = _("statistics return")
        verbose_name_plural = _("statistics returns")
        constraints = [
            models.UniqueConstraint(
                fields=["form", "region", "period", "version"], name="stat_return_version_once"
            ),
            models.UniqueConstraint(
                fields=["form", "region", "period"],
                condition=models.Q(is_current=True),
                name="stat_return_one_current",
            ),
        ]
        indexes = [models.Index(fields=["form", "period", "status"])]

    def __str__(self) -> str:
        from portal import formats

        suffix = f"（v{self.version}）" if self.version > 1 else ""
        return f"{self.region.name}{formats.period(self.period)}{self.form.name}{suffix}"

    @property
    def is_editable(self) -> bool:
        return self.is_current and self.status in self.EDITABLE


class ReturnUpload(models.Model):
    """A workbook uploaded for a return: kept whether it was applied or only checked."""

    stat_return = models.ForeignKey(
        StatReturn, verbose_name=_("return"), on_delete=models.CASCADE, related_name="uploads"
    )
    file = models.FileField(_("file"), upload_to="reporting/uploads/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    problem_count = models.PositiveIntegerField(_("problems found"), default=0)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    failure = models.TextField(_("why it failed"), blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("uploaded workbook")
        verbose_name_plural = _("uploaded workbooks")

    def __str__(self) -> str:
        return self.original_name


class DataValue(models.Model):
    """The current value of one element for one period and region."""

    element = models.ForeignKey(
        DataElement, verbose_name=_("data element"), on_delete=models.PROTECT, related_name="values"
    )
    period = models.CharField(_("period"), max_length=8)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="data_values"
    )
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    stat_return = models.ForeignKey(
        StatReturn,
        verbose_name=_("return"),
        on_delete=models.PROTECT,
        related_name="values",
        help_text=_("The return version that last wrote this value."),
    )
    updated_at = models.DateTimeField(_("updated at"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["period", "region__path", "element__sort"]
        verbose_name = _("data value")
        verbose_name_plural = _("data values")
        constraints = [
            models.UniqueConstraint(
                fields=["element", "period", "region"], name="data_value_once_per_cell"
            )
        ]
        indexes = [models.Index(fields=["region", "period"])]

    def __str__(self) -> str:
        return f"{self.element.code} {self.period} {self.region.code} = {self.value}"


class DataValueHistory(models.Model):
    """Every change of a cell: what it was, what it became, who, when, through which return."""

    element = models.ForeignKey(
        DataElement, verbose_name=_("data element"), on_delete=models.PROTECT, related_name="+"
    )
    period = models.CharField(_("period"), max_length=8)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    previous_value = models.DecimalField(
        _("previous value"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    value = models.DecimalField(_("new value"), max_digits=20, decimal_places=4, null=True)
    previous_comment = models.CharField(_("previous comment"), max_length=500, blank=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    stat_return = models.ForeignKey(
        StatReturn, verbose_name=_("return"), on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed at"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    via = models.CharField(_("entered through"), max_length=16)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("value history")
        verbose_name_plural = _("value history")
        indexes = [models.Index(fields=["element", "period", "region"])]

    def __str__(self) -> str:
        return f"{self.element_id} {self.period} {self.previous_value} → {self.value}"


class ValidationRule(models.Model):
    """left operator right, over elements of this period (CODE) and the previous one (prev(CODE)).

    A rule with `for_each` is written with `$` for "the element": it applies to every element of
    that kind in the form. A rule with a `condition` applies only when the condition holds. A rule
    is skipped when a value it needs is missing. `comment_excuses`: a comment on the cell
    accepts a break (e.g. a stock figure that fell, explained).
    """

    class Operator(models.TextChoices):
        LTE = "<=", "≤"
        LT = "<", "<"
        EQ = "==", "="
        NE = "!=", "≠"
        GTE = ">=", "≥"
        GT = ">", ">"

    class Importance(models.TextChoices):
        BLOCKING = "blocking", _("Blocking: the return cannot be stored")
        WARNING = "warning", _("Warning: shown, may be stored")

    class ForEach(models.TextChoices):
        NONE = "", _("—")
        STOCK = "stock", _("Every stock element")
        FLOW = "flow", _("Every flow element")
        MONEY = "money", _("Every amount (万元)")
        ALL = "all", _("Every element")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    condition = models.CharField(
        _("applies when"),
        max_length=200,
        blank=True,
        help_text=_("Optional, e.g. PLEDGE_AMOUNT > 0"),
    )
    left = models.CharField(_("left side"), max_length=200)
    operator = models.CharField(_("operator"), max_length=2, choices=Operator.choices)
    right = models.CharField(_("right side"), max_length=200)
    for_each = models.CharField(
        _("for each"), max_length=8, choices=ForEach.choices, blank=True, default=""
    )
    importance = models.CharField(
        _("importance"), max_length=8, choices=Importance.choices, default=Importance.BLOCKING
    )
    comment_excuses = models.BooleanField(_("a comment on the cell accepts a break"), default=False)
    message = models.CharField(_("message"), max_length=300)
    source = models.CharField(_("source"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("validation rule")
        verbose_name_plural = _("validation rules")

    def __str__(self) -> str:
        return self.name


class Indicator(models.Model):
    """A measured quantity targets are set on, computed from statistics or portal data."""

    class Source(models.TextChoices):
        ELEMENT = "element", _("A data element (stock: latest; flow: year to date)")
        PORTAL = "portal", _("Portal data")
        RATIO = "ratio", _("Ratio of two data elements")

    class Rollup(models.TextChoices):
        SUM = "sum", _("Sum of the units under it")
        OWN = "own", _("Its own reported figure")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=8)
    group = models.CharField(_("group"), max_length=32, default="")
    source_kind = models.CharField(_("computed from"), max_length=8, choices=Source.choices)
    element = models.ForeignKey(
        DataElement,
        verbose_name=_("data element"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="indicators",
    )
    denominator = models.ForeignKey(
        DataElement,
        verbose_name=_("denominator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    scale = models.DecimalField(
        _("multiplier"),
        max_digits=12,
        decimal_places=4,
        default=1,
        help_text=_("e.g. 100 for a ratio shown in percent, 0.0001 for 万元 shown in 亿元."),
    )
    portal_source = models.CharField(_("portal figure"), max_length=64, blank=True)
    rollup = models.CharField(
        _("region roll-up"), max_length=8, choices=Rollup.choices, default=Rollup.SUM
    )
    description = models.TextField(_("description"), blank=True)
    sort = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        ordering = ["sort", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(source_kind="element") | models.Q(element__isnull=False),
                name="indicator_element_has_element",
            ),
            models.CheckConstraint(
                condition=~models.Q(source_kind="ratio")
                | (models.Q(element__isnull=False) & models.Q(denominator__isnull=False)),
                name="indicator_ratio_has_both",
            ),
            models.CheckConstraint(
                condition=~models.Q(source_kind="portal") | ~models.Q(portal_source=""),
                name="indicator_portal_has_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.unit}）"


class Target(models.Model):
    """What an indicator must reach in a region by a deadline, and from where it started."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="targets"
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="targets",
        help_text=_("Empty: a national target, shown for reference (the portal has no data)."),
    )
    deadline = models.DateField(_("deadline"))
    target_value = models.DecimalField(_("target"), max_digits=20, decimal_places=4)
    baseline_value = models.DecimalField(
        _("baseline"),
        max_digits=20,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_(
            "Empty: the portal's own value at the end of the quarter of the baseline date."
        ),
    )
    baseline_date = models.DateField(_("baseline date"))
    source = models.CharField(_("source"), max_length=300)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["indicator__sort", "region__path", "deadline"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "region", "deadline"], name="target_once_per_deadline"
            ),
            models.CheckConstraint(
                condition=models.Q(baseline_date__lt=models.F("deadline")),
                name="target_baseline_before_deadline",
            ),
        ]

    def __str__(self) -> str:
        where = self.region.name if self.region is not None else _("China")
        return f"{where} {self.indicator.name} {self.deadline:%Y-%m-%d}"

    @property
    def is_national(self) -> bool:
        return self.region_id is None


class IndicatorValue(models.Model):
    """A computed value of an indicator for a region and period (for ranking and trends)."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="values"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.CASCADE, related_name="+"
    )
    period = models.CharField(_("period"), max_length=8)
    value = models.DecimalField(_("value"), max_digits=24, decimal_places=4)
    # Flow elements: the value of the quarter alone, besides the year to date in `value`.
    quarter_value = models.DecimalField(
        _("in the quarter"), max_digits=24, decimal_places=4, null=True, blank=True
    )
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        ordering = ["indicator", "region__path", "period"]
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "region", "period"], name="indicator_value_once"
            )
        ]
        indexes = [models.Index(fields=["period", "indicator"])]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.region.code} {self.period} = {self.value}"


class ProgressSnapshot(models.Model):
    """Progress of one target as of the end of one period, computed by Celery."""

    class Status(models.TextChoices):
        ON_TRACK = "on_track", _("On track")
        AT_RISK = "at_risk", _("At risk")
        BEHIND = "behind", _("Behind")
        NO_DATA = "no_data", _("No data")

    target = models.ForeignKey(
        Target, verbose_name=_("target"), on_delete=models.CASCADE, related_name="snapshots"
    )
    period = models.CharField(_("period"), max_length=8)
    actual = models.DecimalField(
        _("actual"), max_digits=24, decimal_places=4, null=True, blank=True
    )
    percent = models.DecimalField(
        _("percent of target"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    expected = models.DecimalField(_("expected by now"), max_digits=24, decimal_places=4)
    projection = models.DecimalField(
        _("projection to the deadline"), max_digits=24, decimal_places=4, null=True, blank=True
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    explanation = models.JSONField(_("how it was computed"), default=dict)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        ordering = ["target", "period"]
        verbose_name = _("progress snapshot")
        verbose_name_plural = _("progress snapshots")
        constraints = [
            models.UniqueConstraint(fields=["target", "period"], name="progress_once_per_period")
        ]
        indexes = [models.Index(fields=["period", "target"])]

    def __str__(self) -> str:
        return f"{self.target} {self.period}: {self.status}"


class Reminder(models.Model):
    """A reminder sent to a region about a return: recorded so each goes out once."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("Due soon")
        OVERDUE = "overdue", _("Overdue")

    form = models.ForeignKey(ReturnForm, on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=8)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    sent_at = models.DateTimeField()

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["form", "region", "period", "kind"], name="reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.period} {self.kind}"


class ExportJob(models.Model):
    """An Excel export made by a worker, with progress the page shows while it runs."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=32)
    params = models.JSONField(_("parameters"), default=dict)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    file = models.FileField(_("file"), upload_to="reporting/exports/%Y/%m/", blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"
