"""Subsidy and reward policies as data, claims with a computed entitlement, budgets, payments.

A policy is one clause of a document (陕政办发〔2024〕11号 (三)) with who may claim and its amount
rule. Its rule is data, combinable: a fixed amount, a range the reviewer decides within, a floor
("not less than"), or a proportion of a base figure; then an optional cap per claim, a cumulative
cap per organisation across the claims of the policy, a duration (only the base falling within so
many months of a start date counts), and "one-time" (once per organisation and recognition).

Policies are versioned: once a claim was made under a version, that version is never edited; a
change makes the next version (same `code`), and claims keep the version they were made under.
Amounts are Decimal yuan, exact to the fen.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.models import Organisation, Qualification, Region
from portal.types import DecimalDigits

MONEY: DecimalDigits = {"max_digits": 14, "decimal_places": 2}


class Policy(models.Model):
    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        CITY = "city", _("City")

    class AmountKind(models.TextChoices):
        FIXED = "fixed", _("Fixed amount")
        RANGE = "range", _("Range (the reviewer decides within it)")
        FLOOR = "floor", _("Not less than")
        PROPORTION = "proportion", _("Proportion of a base figure")

    code = models.SlugField(_("code"), max_length=40)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    title = models.CharField(_("title"), max_length=200)
    level = models.CharField(_("issuing level"), max_length=10, choices=Level.choices)
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The province, or the city whose policy this is."),
    )
    document = models.CharField(_("document number"), max_length=100)
    clause = models.CharField(_("clause"), max_length=50)
    department = models.CharField(_("responsible department"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    # Who may claim.
    claimant_kinds = models.JSONField(
        _("organisation kinds that may claim"), default=list, blank=True
    )
    qualification = models.CharField(
        _("required qualification"),
        max_length=32,
        choices=Qualification.Kind.choices,
        blank=True,
    )
    qualified_since = models.PositiveSmallIntegerField(
        _("first recognised in or after"),
        null=True,
        blank=True,
        help_text=_("For rewards to those first recognised from a given year (batch)."),
    )
    evidence = models.JSONField(_("evidence required"), default=list, blank=True)
    opens_on = models.DateField(_("claims accepted from"))
    closes_on = models.DateField(_("claims accepted until"))
    # The amount rule.
    amount_kind = models.CharField(_("amount rule"), max_length=12, choices=AmountKind.choices)
    amount = models.DecimalField(_("amount (fixed, or the floor)"), null=True, blank=True, **MONEY)
    amount_min = models.DecimalField(_("range from"), null=True, blank=True, **MONEY)
    amount_max = models.DecimalField(_("range up to"), null=True, blank=True, **MONEY)
    rate = models.DecimalField(
        _("rate"),
        max_digits=7,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("0.5 for 50%."),
    )
    base_label = models.CharField(
        _("base figure"), max_length=100, blank=True, help_text=_("e.g. interest actually paid")
    )
    cap_per_claim = models.DecimalField(_("cap per claim"), null=True, blank=True, **MONEY)
    cumulative_cap = models.DecimalField(
        _("cumulative cap per organisation"), null=True, blank=True, **MONEY
    )
    duration_months = models.PositiveSmallIntegerField(
        _("duration (months from the start date)"), null=True, blank=True
    )
    one_time = models.BooleanField(_("one-time per organisation and recognition"), default=False)
    source = models.CharField(_("source"), max_length=300)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["level", "code", "-version"]
        verbose_name = _("policy")
        verbose_name_plural = _("policies")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="policy_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.document} {self.clause}）"

    @property
    def citation(self) -> str:
        return f"{self.document} {self.clause}"

    @property
    def needs_base(self) -> bool:
        return self.amount_kind == self.AmountKind.PROPORTION

    @property
    def needs_request(self) -> bool:
        """The claimant states the amount it asks for (a range or a floor)."""
        return self.amount_kind in {self.AmountKind.RANGE, self.AmountKind.FLOOR}


class Budget(models.Model):
    """Money set aside for a policy (all its versions) in a year; per city for city policies."""

    policy_code = models.SlugField(_("policy code"), max_length=40)
    year = models.PositiveSmallIntegerField(_("year"))
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT)
    allocated = models.DecimalField(_("allocated (yuan)"), **MONEY)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["policy_code", "year"]
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        constraints = [
            models.UniqueConstraint(
                fields=["policy_code", "year", "region"], name="budget_once_per_policy_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.policy_code} {self.year}"


class Claim(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for revision")
        APPROVED = "approved", pgettext_lazy("claim", "Approved")
        REJECTED = "rejected", pgettext_lazy("claim", "Rejected")
        PAID = "paid", pgettext_lazy("claim", "Paid")

    EDITABLE = frozenset({Status.DRAFT, Status.RETURNED})
    # Claims that hold money or a place: they count for duplicates, caps and one-time rewards.
    LIVE = frozenset({Status.SUBMITTED, Status.APPROVED, Status.PAID})
    GRANTED = frozenset({Status.APPROVED, Status.PAID})

    number = models.CharField(_("number"), max_length=20, unique=True)
    policy = models.ForeignKey(
        Policy, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="claims"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="claims",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    recognition = models.ForeignKey(
        Qualification,
        verbose_name=_("recognition"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Base figures (a loan for an interest subsidy; an amount asked for within a range).
    requested_amount = models.DecimalField(
        _("amount asked for (yuan)"), null=True, blank=True, **MONEY
    )
    base_amount = models.DecimalField(_("base amount (yuan)"), null=True, blank=True, **MONEY)
    loan_bank = models.CharField(_("lending bank"), max_length=100, blank=True)
    loan_contract = models.CharField(_("loan contract number"), max_length=60, blank=True)
    loan_amount = models.DecimalField(_("loan amount (yuan)"), null=True, blank=True, **MONEY)
    loan_start = models.DateField(_("loan start"), null=True, blank=True)
    loan_end = models.DateField(_("loan repaid on"), null=True, blank=True)
    interest_payments = models.JSONField(
        _("interest payments"), default=list, blank=True, help_text=_("[{date, amount}]")
    )
    description = models.TextField(_("description"), blank=True)
    # The entitlement, as computed at submission (and on the reviewer's screen).
    entitlement = models.DecimalField(_("entitlement (yuan)"), null=True, blank=True, **MONEY)
    working = models.JSONField(_("working"), default=list, blank=True)
    approved_amount = models.DecimalField(
        _("approved amount (yuan)"), null=True, blank=True, **MONEY
    )
    budget_year = models.PositiveSmallIntegerField(_("budget year"), null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        indexes = [models.Index(fields=["organisation", "status"])]

    def __str__(self) -> str:
        return self.number

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    @property
    def paid_amount(self) -> Decimal:
        return sum((p.amount for p in self.payments.all()), Decimal(0))


class ClaimFile(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="files")
    label = models.CharField(_("evidence"), max_length=100)
    file = models.FileField(_("file"), upload_to="incentives/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return self.original_name


class Payment(models.Model):
    claim = models.ForeignKey(
        Claim, verbose_name=_("claim"), on_delete=models.PROTECT, related_name="payments"
    )
    paid_on = models.DateField(_("paid on"))
    amount = models.DecimalField(
        _("amount (yuan)"), validators=[MinValueValidator(Decimal("0.01"))], **MONEY
    )
    voucher = models.CharField(_("voucher number"), max_length=60)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["paid_on", "id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [models.UniqueConstraint(fields=["voucher"], name="payment_voucher_once")]

    def __str__(self) -> str:
        return f"{self.voucher} {self.amount}"
