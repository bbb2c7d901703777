"""Projects of the 2023 patent-conversion programme: categories, calls, applications, expert
review, execution and acceptance.

Categories, their KPI templates and scoring rubrics are data (seeded from the 2023 guide,
陕西省2023年专利转化专项计划项目申报指南), so next year's call needs no code change. A call keeps a
frozen copy of each category as it stood when the call was opened (`CallCategory.spec`), so
editing a category never changes the rules under which earlier applications were made.
"""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Organisation
from portal.types import DecimalDigits

MONEY: DecimalDigits = {"max_digits": 14, "decimal_places": 2}
QUANTITY: DecimalDigits = {"max_digits": 14, "decimal_places": 2}


class Comparator(models.TextChoices):
    """How a KPI's actual value is held against its target."""

    AT_LEAST = "gte", _("At least")
    GROWTH_AT_LEAST = "growth", _("Growth of at least (%)")
    DELIVERED = "done", _("Delivered")


class Category(models.Model):
    """One of the six project categories of the 2023 guide; editable for the next call."""

    code = models.PositiveSmallIntegerField(_("number"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    tasks = models.TextField(_("tasks"), blank=True)
    eligibility_text = models.TextField(_("eligible applicants (guide text)"), blank=True)
    period_months = models.PositiveSmallIntegerField(_("period (months)"))
    eligible_kinds = models.JSONField(
        _("eligible organisation kinds"), default=list, help_text=_("Organisation kind codes.")
    )
    # Machine-checked rules beyond the organisation kind, e.g.
    # {"rule": "qualification", "kind": "listing_reserve", "year": 2023}. See eligibility.py.
    rules = models.JSONField(_("eligibility rules"), default=list, blank=True)
    subtypes = models.JSONField(_("sub-types"), default=list, blank=True)
    amount_min = models.DecimalField(_("minimum grant (yuan)"), null=True, blank=True, **MONEY)
    amount_max = models.DecimalField(_("maximum grant (yuan)"), null=True, blank=True, **MONEY)
    amount_source = models.CharField(_("source of the amounts"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=200)
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("project category")
        verbose_name_plural = _("project categories")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_min__isnull=True)
                | models.Q(amount_max__isnull=True)
                | models.Q(amount_min__lte=models.F("amount_max")),
                name="category_amount_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.name}"


class KPITemplate(models.Model):
    """A KPI every project of the category commits to; applicants may commit more, never less."""

    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="kpis"
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=16, blank=True)
    comparator = models.CharField(_("comparator"), max_length=8, choices=Comparator.choices)
    minimum = models.DecimalField(_("minimum"), validators=[MinValueValidator(0)], **QUANTITY)
    source = models.CharField(_("source"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["category", "position", "pk"]
        verbose_name = _("KPI template")
        verbose_name_plural = _("KPI templates")
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="kpi_code_per_category")
        ]

    def __str__(self) -> str:
        return self.name


class RubricCriterion(models.Model):
    """A scoring criterion; an expert gives 0…weight points, and the weights sum to 100."""

    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="criteria"
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    guidance = models.TextField(_("guidance"), blank=True)
    weight = models.PositiveSmallIntegerField(_("weight (points)"))
    source = models.CharField(_("source"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["category", "position", "pk"]
        verbose_name = _("scoring criterion")
        verbose_name_plural = _("scoring criteria")
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="criterion_code_per_category")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.weight})"


class Call(models.Model):
    """A call for applications (申报批次): which categories, when, how much money."""

    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-opens_at"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")), name="call_window"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def is_open(self, at=None) -> bool:
        at = at or timezone.now()
        return self.opens_at <= at < self.closes_at


class CallCategory(models.Model):
    """A category open in a call, with its budget and the category's rules frozen at opening."""

    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.CASCADE, related_name="lots"
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="lots"
    )
    budget = models.DecimalField(_("budget (yuan)"), validators=[MinValueValidator(0)], **MONEY)
    expected_projects = models.PositiveSmallIntegerField(_("expected number of projects"))
    amount_min = models.DecimalField(_("minimum grant (yuan)"), null=True, blank=True, **MONEY)
    amount_max = models.DecimalField(_("maximum grant (yuan)"), null=True, blank=True, **MONEY)
    category_version = models.PositiveIntegerField(_("category version"))
    # The category as it stood when the call opened: name, period, kinds, rules, sub-types,
    # KPIs and rubric. Applications, eligibility and scoring read this, never the live category.
    spec = models.JSONField(_("category as opened"))

    class Meta:
        ordering = ["call", "category__code"]
        verbose_name = _("category in a call")
        verbose_name_plural = _("categories in a call")
        constraints = [
            models.UniqueConstraint(fields=["call", "category"], name="category_once_per_call"),
            models.CheckConstraint(
                condition=models.Q(amount_min__isnull=True)
                | models.Q(amount_max__isnull=True)
                | models.Q(amount_min__lte=models.F("amount_max")),
                name="lot_amount_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.call} · {self.spec.get('name', self.category_id)}"

    @property
    def code(self) -> int:
        return self.spec["code"]

    @property
    def name(self) -> str:
        return self.spec["name"]


class Application(models.Model):
    """A project from declaration to acceptance. Its status changes only in workflow.py."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for revision")
        FORMAL_PASSED = "formal_passed", _("Passed formal review")
        UNDER_REVIEW = "under_review", _("Under expert review")
        SCORED = "scored", _("Scored")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        IN_EXECUTION = "in_execution", _("In execution")
        ACCEPTANCE_SUBMITTED = "acceptance_submitted", _("Acceptance requested")
        ACCEPTED = "accepted", _("Accepted")
        NOT_ACCEPTED = "not_accepted", _("Not accepted")

    EDITABLE = frozenset({Status.DRAFT, Status.RETURNED})
    PROJECT_STATES = frozenset(
        {
            Status.APPROVED,
            Status.IN_EXECUTION,
            Status.ACCEPTANCE_SUBMITTED,
            Status.ACCEPTED,
            Status.NOT_ACCEPTED,
        }
    )

    number = models.CharField(_("number"), max_length=20, unique=True)
    # Its workflow history (portal.StateChange), queryable as `application__…` from there.
    history = GenericRelation("portal.StateChange", related_query_name="application")
    call_category = models.ForeignKey(
        CallCategory,
        verbose_name=_("call and category"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    lead_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("lead organisation"),
        on_delete=models.PROTECT,
        related_name="led_applications",
    )
    joint_organisations = models.ManyToManyField(
        Organisation,
        verbose_name=_("joint organisations"),
        blank=True,
        related_name="joint_applications",
    )
    subtype = models.CharField(_("sub-type"), max_length=40, blank=True)
    title = models.CharField(_("project title"), max_length=200, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    period_months = models.PositiveSmallIntegerField(_("period (months)"))
    requested_amount = models.DecimalField(
        _("requested amount (yuan)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        **MONEY,
    )
    contact_name = models.CharField(_("contact person"), max_length=64, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    narrative = models.JSONField(_("narrative sections"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=24, choices=Status.choices, default=Status.DRAFT
    )
    status_changed_at = models.DateTimeField(_("status changed at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # Set when returned for revision: the applicant may resubmit until then, even after the call
    # has closed (formal review usually happens after the deadline).
    revision_due = models.DateTimeField(_("revision due"), null=True, blank=True)
    final_score = models.DecimalField(
        _("final score"), null=True, blank=True, max_digits=6, decimal_places=2
    )
    score_count = models.PositiveSmallIntegerField(_("scores"), default=0)
    score_spread = models.DecimalField(
        _("score spread"), null=True, blank=True, max_digits=6, decimal_places=2
    )
    approved_amount = models.DecimalField(
        _("approved amount (yuan)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        **MONEY,
    )
    decision_reason = models.TextField(_("decision reason"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    acceptance_result = models.JSONField(_("acceptance result"), null=True, blank=True)
    verdict_reason = models.TextField(_("verdict reason"), blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        constraints = [
            # 2023 guide: one organisation leads at most one application per category and call.
            models.UniqueConstraint(
                fields=["call_category", "lead_organisation"],
                name="one_lead_application_per_category_and_call",
            ),
            models.CheckConstraint(
                condition=models.Q(approved_amount__isnull=True) | models.Q(approved_amount__gte=0),
                name="approved_amount_not_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "call_category"]),
            # The application list's order (newest first): a page without sorting them all.
            models.Index(fields=["-created_at", "-id"], name="application_newest_first"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}".strip()

    @property
    def spec(self) -> dict:
        return self.call_category.spec

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    @property
    def is_project(self) -> bool:
        return self.status in self.PROJECT_STATES


class KPICommitment(models.Model):
    """A KPI the application commits to; after approval, the committed value is the target."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="kpis"
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=16, blank=True)
    comparator = models.CharField(_("comparator"), max_length=8, choices=Comparator.choices)
    minimum = models.DecimalField(_("minimum"), **QUANTITY)
    committed = models.DecimalField(_("committed"), null=True, blank=True, **QUANTITY)
    # For growth KPIs: the value of the year before the project, from which growth is measured.
    baseline = models.DecimalField(_("baseline"), null=True, blank=True, **QUANTITY)
    source = models.CharField(_("source"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["application", "position", "pk"]
        verbose_name = _("KPI commitment")
        verbose_name_plural = _("KPI commitments")
        constraints = [
            models.UniqueConstraint(fields=["application", "code"], name="kpi_once_per_application")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_growth(self) -> bool:
        return self.comparator == Comparator.GROWTH_AT_LEAST

    @property
    def is_deliverable(self) -> bool:
        return self.comparator == Comparator.DELIVERED


class DeclaredPatent(models.Model):
    """A patent the lead organisation declares it holds (category 3 counts them)."""

    class Kind(models.TextChoices):
        INVENTION = "invention", _("Invention")
        UTILITY_MODEL = "utility_model", _("Utility model")
        DESIGN = "design", _("Design")
        OTHER = "other", _("Other")

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="patents"
    )
    number = models.CharField(_("application number"), max_length=20)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)

    class Meta:
        ordering = ["application", "number"]
        verbose_name = _("declared patent")
        verbose_name_plural = _("declared patents")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "number"], name="patent_once_per_application"
            )
        ]

    def __str__(self) -> str:
        return self.number


def attachment_path(instance: "Attachment", filename: str) -> str:
    # A random name: the file is reachable only through the permission-checked download view.
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"projects/{instance.application_id}/{uuid.uuid4().hex}{suffix}"


class Attachment(models.Model):
    class Purpose(models.TextChoices):
        DECLARATION = "declaration", _("Declaration")
        PROGRESS = "progress", _("Progress evidence")
        ACCEPTANCE = "acceptance", _("Acceptance evidence")

    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    report = models.ForeignKey(
        "ProgressReport",
        verbose_name=_("report"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=200)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["application", "uploaded_at", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class ExpertProfile(models.Model):
    """What an expert knows, so the portal can propose a panel balanced by field."""

    class Field(models.TextChoices):
        # 国家统计局《知识产权（专利）密集型产业统计分类（2019）》 plus the non-technical fields a
        # panel needs.
        ICT_MANUFACTURING = "01", _("ICT manufacturing")
        ICT_SERVICES = "02", _("ICT services")
        EQUIPMENT = "03", _("New equipment manufacturing")
        MATERIALS = "04", _("New materials")
        MEDICINE = "05", _("Medicine and medical devices")
        ENVIRONMENT = "06", _("Environmental industry")
        RD_SERVICES = "07", _("R&D, design and technical services")
        IP_LAW = "ip_law", _("IP law and patent practice")
        FINANCE = "finance", _("Finance and investment")
        MANAGEMENT = "management", _("Management and policy")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("expert"),
        on_delete=models.CASCADE,
        related_name="expert_profile",
    )
    field = models.CharField(_("field"), max_length=16, choices=Field.choices)
    title = models.CharField(_("professional title"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("expert profile")
        verbose_name_plural = _("expert profiles")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_field_display()})"


class Assignment(models.Model):
    """An expert asked to score one application."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting conflict declaration")
        ACCEPTED = "accepted", _("No conflict declared; scoring")
        DECLINED = "declined", _("Declined")
        SUBMITTED = "submitted", _("Score submitted")

    ACTIVE = frozenset({Status.PENDING, Status.ACCEPTED, Status.SUBMITTED})

    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("expert"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    assigned_at = models.DateTimeField(_("assigned at"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    total = models.DecimalField(_("total"), null=True, blank=True, max_digits=6, decimal_places=2)
    comment = models.TextField(_("overall comment"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        ordering = ["application", "assigned_at", "pk"]
        verbose_name = _("expert assignment")
        verbose_name_plural = _("expert assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "expert"], name="expert_once_per_application"
            )
        ]

    def __str__(self) -> str:
        return f"{self.application} · {self.expert}"


class ScoreItem(models.Model):
    assignment = models.ForeignKey(
        Assignment, verbose_name=_("assignment"), on_delete=models.CASCADE, related_name="items"
    )
    criterion_code = models.SlugField(_("criterion"), max_length=40)
    criterion_name = models.CharField(_("criterion name"), max_length=200)
    weight = models.PositiveSmallIntegerField(_("weight"))
    points = models.DecimalField(
        _("points"), max_digits=5, decimal_places=1, validators=[MinValueValidator(0)]
    )
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["assignment", "pk"]
        verbose_name = _("score item")
        verbose_name_plural = _("score items")
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "criterion_code"], name="criterion_once_per_assignment"
            ),
            models.CheckConstraint(
                condition=models.Q(points__gte=0) & models.Q(points__lte=models.F("weight")),
                name="points_within_weight",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion_name}: {self.points}"


class ProgressReport(models.Model):
    """A progress report during execution, or the final report that requests acceptance."""

    class Kind(models.TextChoices):
        PROGRESS = "progress", _("Progress report")
        FINAL = "final", _("Final report (acceptance request)")

    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="reports",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    narrative = models.TextField(_("narrative"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    class Meta:
        ordering = ["application", "submitted_at", "pk"]
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")

    def __str__(self) -> str:
        return f"{self.application} · {self.get_kind_display()}"


class KPIActual(models.Model):
    report = models.ForeignKey(
        ProgressReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="actuals"
    )
    kpi = models.ForeignKey(
        KPICommitment, verbose_name=_("KPI"), on_delete=models.CASCADE, related_name="actuals"
    )
    actual = models.DecimalField(_("actual value"), **QUANTITY)

    class Meta:
        ordering = ["report", "kpi__position"]
        verbose_name = _("KPI actual value")
        verbose_name_plural = _("KPI actual values")
        constraints = [
            models.UniqueConstraint(fields=["report", "kpi"], name="kpi_once_per_report")
        ]

    def __str__(self) -> str:
        return f"{self.kpi}: {self.actual}"
