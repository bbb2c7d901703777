"""The stock-patent pool of universities and research institutes (DOMAIN.md §7).

A patent belongs to the organisation that owns it; it is identified by its normalised
application number (portal.identifiers.parse_patent_number). Universities and institutes import
their lists, then screen (盘点) each unconverted valid patent with a market-potential tier and an
industry sub-field. Coverage = screened / unconverted valid.
"""

from datetime import date

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Organisation

# National Bureau of Statistics 2019 classification of patent-intensive industries (DOMAIN.md §8).
INTENSIVE_INDUSTRIES = [
    ("01", "信息通信技术制造业"),
    ("02", "信息通信技术服务业"),
    ("03", "新装备制造业"),
    ("04", "新材料制造业"),
    ("05", "医药医疗产业"),
    ("06", "环保产业"),
    ("07", "研发、设计和技术服务业"),
]
# Of these, the strategic emerging industries that make a valid invention a high-value candidate.
STRATEGIC_INDUSTRIES = {"01", "02", "03", "04", "05", "06"}


class Patent(models.Model):
    class Kind(models.TextChoices):
        INVENTION = "invention", _("Invention")
        UTILITY_MODEL = "utility_model", _("Utility model")
        DESIGN = "design", _("Design")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        VALID = "valid", _("Valid")
        LAPSED = "lapsed", _("Lapsed")
        EXPIRED = "expired", _("Expired")
        INVALIDATED = "invalidated", _("Invalidated")

    class Tier(models.TextChoices):
        A = "A", _("A · high market potential")
        B = "B", _("B · medium market potential")
        C = "C", _("C · low market potential")

    number = models.CharField(_("application number"), max_length=16, unique=True)
    title = models.CharField(_("title"), max_length=300)
    abstract = models.TextField(_("abstract"), blank=True)
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    ipc = models.CharField(
        _("IPC classes"), max_length=300, blank=True, help_text=_("Main class first, ';' between.")
    )
    owner = models.ForeignKey(
        Organisation, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="patents"
    )
    inventors = models.CharField(_("inventors"), max_length=300, blank=True)
    filed_on = models.DateField(_("filing date"))
    granted_on = models.DateField(_("grant date"), null=True, blank=True)
    status = models.CharField(_("legal status"), max_length=16, choices=Status.choices)
    state_funded = models.BooleanField(_("state-funded"), default=False)
    funding_project = models.CharField(_("funding project"), max_length=200, blank=True)
    converted = models.BooleanField(
        _("converted"),
        default=False,
        help_text=_("Transferred, licensed or otherwise implemented."),
    )
    foreign_family = models.BooleanField(_("family member granted abroad"), default=False)
    award = models.CharField(_("award"), max_length=100, blank=True)
    # Inventory (盘点).
    screened_at = models.DateTimeField(_("screened at"), null=True, blank=True)
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("screened by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    tier = models.CharField(_("tier"), max_length=1, choices=Tier.choices, blank=True)
    industry = models.CharField(
        _("industry sub-field"), max_length=2, choices=INTENSIVE_INDUSTRIES, blank=True
    )
    screen_note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # Not columns: set on a page of patents by selectors.with_feedback.
    feedback_count: int
    feedback_mean: float | None

    class Meta:
        ordering = ["owner", "-filed_on", "number"]
        verbose_name = _("patent")
        verbose_name_plural = _("patents")
        indexes = [
            # Covers the per-owner counts of the pool page (selectors.owner_counts).
            models.Index(
                fields=["owner", "status", "converted", "screened_at"], name="patent_owner_counts"
            ),
            models.Index(fields=["status", "converted", "screened_at"]),
            # The pool page's order: a page of 200,000 patents read without a sort.
            models.Index(fields=["owner", "-filed_on", "number"], name="patent_pool_order"),
            # The pool's fingerprint (selectors.pool_fingerprint): the latest change, looked up.
            models.Index(fields=["updated_at"], name="patent_updated_at"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def main_ipc(self) -> str:
        return self.ipc.split(";")[0].strip() if self.ipc else ""

    @property
    def is_unconverted_valid(self) -> bool:
        return self.status == self.Status.VALID and not self.converted

    @property
    def is_screened(self) -> bool:
        return self.screened_at is not None

    def years_in_force(self, today: date | None = None) -> int | None:
        """Whole years since filing (a Chinese patent's term runs from the filing date)."""
        if self.status != self.Status.VALID:
            return None
        today = today or timezone.localdate()
        years = today.year - self.filed_on.year
        if (today.month, today.day) < (self.filed_on.month, self.filed_on.day):
            years -= 1
        return years

    def high_value_reasons(self, today: date | None = None) -> list[str]:
        """Why a valid invention is a high-value candidate (CNIPA's statistical definition,
        DOMAIN.md §8); empty when it is not one. The count a city reports stays authoritative."""
        if self.kind != self.Kind.INVENTION or self.status != self.Status.VALID:
            return []
        reasons = []
        if self.industry in STRATEGIC_INDUSTRIES:
            reasons.append(str(_("in a strategic emerging industry")))
        if self.foreign_family:
            reasons.append(str(_("family member granted abroad")))
        years = self.years_in_force(today)
        if years is not None and years > 10:
            reasons.append(str(_("maintained more than 10 years")))
        if self.award:
            reasons.append(str(_("award: %(award)s") % {"award": self.award}))
        return reasons

    def unimplemented_state_funded(self, today: date | None = None) -> bool:
        """State-funded, granted more than 5 years ago and never implemented (国办 plan (六))."""
        if not self.state_funded or self.converted or self.granted_on is None:
            return False
        today = today or timezone.localdate()
        try:
            five_years_on = self.granted_on.replace(year=self.granted_on.year + 5)
        except ValueError:  # 29 February
            five_years_on = self.granted_on.replace(year=self.granted_on.year + 5, day=28)
        return self.status == self.Status.VALID and today > five_years_on


class ImportStatus(models.TextChoices):
    """Of an uploaded list or file: checked (the dry run), then applied or failed."""

    CHECKED = "checked", _("Checked, awaiting confirmation")
    APPLIED = "applied", _("Applied")
    FAILED = "failed", _("Failed, nothing stored")


class PatentImport(models.Model):
    """An uploaded patent list: checked first (dry run), applied when the user confirms."""

    Status = ImportStatus

    owner = models.ForeignKey(
        Organisation, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="+"
    )
    file = models.FileField(_("file"), upload_to="patents/imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    rows = models.PositiveIntegerField(_("rows"), default=0)
    problem_count = models.PositiveIntegerField(_("problems"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    status = models.CharField(
        _("status"), max_length=8, choices=ImportStatus.choices, default=ImportStatus.CHECKED
    )
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    failure = models.TextField(_("why it failed"), blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name = _("patent import")
        verbose_name_plural = _("patent imports")

    def __str__(self) -> str:
        return self.original_name


class TechNeed(models.Model):
    """An enterprise's technology need (技术需求), matched against the pool."""

    class Cooperation(models.TextChoices):
        TRANSFER = "transfer", _("Transfer")
        LICENCE = "licence", _("Licence")
        JOINT = "joint", _("Joint development")

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="needs"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    industry = models.CharField(
        _("industry sub-field"), max_length=2, choices=INTENSIVE_INDUSTRIES, blank=True
    )
    ipc = models.CharField(_("IPC classes, if known"), max_length=100, blank=True)
    budget_min = models.DecimalField(
        _("budget from (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    budget_max = models.DecimalField(
        _("budget up to (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    cooperation = models.CharField(
        _("cooperation wanted"), max_length=16, choices=Cooperation.choices
    )
    is_open = models.BooleanField(_("open"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    matched_at = models.DateTimeField(_("matched at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("technology need")
        verbose_name_plural = _("technology needs")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(budget_min__isnull=True)
                | models.Q(budget_max__isnull=True)
                | models.Q(budget_min__lte=models.F("budget_max")),
                name="need_budget_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.title


class Match(models.Model):
    """A suggestion: this patent for this need, with why it matched."""

    need = models.ForeignKey(
        TechNeed, verbose_name=_("need"), on_delete=models.CASCADE, related_name="matches"
    )
    patent = models.ForeignKey(
        Patent, verbose_name=_("patent"), on_delete=models.CASCADE, related_name="matches"
    )
    rank = models.PositiveSmallIntegerField(_("rank"))
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=4)
    shared_terms = models.JSONField(_("shared terms"), default=list)
    same_industry = models.BooleanField(_("same industry sub-field"), default=False)
    ipc_overlap = models.CharField(_("shared IPC"), max_length=20, blank=True)
    computed_at = models.DateTimeField(_("computed at"))
    notified_at = models.DateTimeField(_("pushed at"), null=True, blank=True)

    class Meta:
        ordering = ["need", "rank"]
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        constraints = [
            models.UniqueConstraint(fields=["need", "patent"], name="match_once_per_pair")
        ]

    def __str__(self) -> str:
        return f"{self.need_id} → {self.patent_id} ({self.score})"


class Feedback(models.Model):
    """An enterprise's view of a patent suggested to it; feedback re-tiers the patent."""

    match = models.OneToOneField(
        Match, verbose_name=_("suggestion"), on_delete=models.CASCADE, related_name="feedback"
    )
    rating = models.PositiveSmallIntegerField(
        _("prospect (1–5)"),
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    improvements = models.TextField(_("what would have to improve"), blank=True)
    wants_cooperation = models.BooleanField(_("wants to cooperate"), default=False)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    given_at = models.DateTimeField(_("given at"), auto_now=True)

    class Meta:
        ordering = ["-given_at"]
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")
        # The pool page's "feedback received", newest first, without joining every suggestion.
        indexes = [models.Index(fields=["-given_at"], name="feedback_newest_first")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_to_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.match_id}: {self.rating}"


class Conversion(models.Model):
    """An event in a patent's conversion (DOMAIN.md §7): a transfer, a licence, an open licence
    declaration, a pledge, a patent-product filing, a technology contract registration, or a
    "use first, pay later" agreement. Amounts are in yuan. An event with a term is in force from
    `starts_on` to `ends_on` unless ended earlier (`ended_on`: pledge released, declaration
    withdrawn, licence terminated)."""

    class Kind(models.TextChoices):
        TRANSFER = "transfer", _("Transfer")
        LICENCE = "licence", _("Licence")
        OPEN_LICENCE = "open_licence", _("Open licence declaration")
        PLEDGE = "pledge", _("Pledge")
        PRODUCT_FILING = "product_filing", _("Patent-product filing")
        CONTRACT = "contract", _("Technology contract registration")
        USE_FIRST = "use_first", _("Use first, pay later")

    class LicenceKind(models.TextChoices):
        EXCLUSIVE = "exclusive", _("Exclusive")
        SOLE = "sole", _("Sole")
        ORDINARY = "ordinary", _("Ordinary")

    class ContractKind(models.TextChoices):
        DEVELOPMENT = "development", "技术开发"
        TRANSFER = "transfer", "技术转让"
        LICENCE = "licence", "技术许可"
        CONSULTING = "consulting", "技术咨询"
        SERVICE = "service", "技术服务"

    # Kinds that make a patent "converted" (it leaves the unconverted pool and its coverage).
    CONVERTING = frozenset({Kind.TRANSFER, Kind.LICENCE, Kind.CONTRACT, Kind.USE_FIRST})
    # Kinds with a term that can end early (pledge released, declaration withdrawn, …).
    WITH_TERM = frozenset({Kind.LICENCE, Kind.OPEN_LICENCE, Kind.PLEDGE, Kind.USE_FIRST})

    patent = models.ForeignKey(
        Patent, verbose_name=_("patent"), on_delete=models.PROTECT, related_name="conversions"
    )
    kind = models.CharField(_("event"), max_length=16, choices=Kind.choices)
    counterparty = models.ForeignKey(
        Organisation,
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="patent_conversions",
        help_text=_("The assignee, licensee or user, when it is registered in the portal."),
    )
    counterparty_name = models.CharField(
        _("counterparty"),
        max_length=200,
        blank=True,
        help_text=_("Assignee, licensee, pledgee bank or user as written in the contract."),
    )
    project = models.ForeignKey(
        "projects.Application",
        verbose_name=_("project"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="patent_conversions",
    )
    amount = models.DecimalField(
        _("amount (yuan)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    starts_on = models.DateField(_("date"))
    ends_on = models.DateField(_("term ends"), null=True, blank=True)
    ended_on = models.DateField(_("ended early on"), null=True, blank=True)
    licence_kind = models.CharField(
        _("licence kind"), max_length=12, choices=LicenceKind.choices, blank=True
    )
    via_open_licence = models.BooleanField(_("under an open licence declaration"), default=False)
    fee_standard = models.CharField(_("fee standard"), max_length=200, blank=True)
    payment_method = models.CharField(_("payment method"), max_length=200, blank=True)
    product = models.CharField(_("product"), max_length=200, blank=True)
    sales = models.DecimalField(
        _("sales (yuan)"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    contract_kind = models.CharField(
        _("contract kind"), max_length=12, choices=ContractKind.choices, blank=True
    )
    registration_number = models.CharField(_("registration number"), max_length=40, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("conversion event")
        verbose_name_plural = _("conversion events")
        indexes = [models.Index(fields=["kind", "starts_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="conversion_term_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.patent_id} {self.starts_on}"

    @property
    def party(self) -> str:
        return self.counterparty.name if self.counterparty is not None else self.counterparty_name

    @property
    def can_end(self) -> bool:
        return self.kind in self.WITH_TERM and self.ended_on is None

    def in_force(self, day: date) -> bool:
        """Does the event's term cover this day?"""
        if self.starts_on > day:
            return False
        if self.ended_on is not None and self.ended_on <= day:
            return False
        return self.ends_on is None or self.ends_on >= day


class Push(models.Model):
    """A reviewer's push of a patent to an enterprise chosen by hand (the enterprise finds it in
    its suggestions and its inbox)."""

    patent = models.ForeignKey(
        Patent, verbose_name=_("patent"), on_delete=models.CASCADE, related_name="pushes"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="+"
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    pushed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    pushed_at = models.DateTimeField(_("pushed at"), auto_now_add=True)

    class Meta:
        ordering = ["-pushed_at", "-id"]
        verbose_name = _("push")
        verbose_name_plural = _("pushes")
        constraints = [
            models.UniqueConstraint(fields=["patent", "organisation"], name="push_once_per_pair")
        ]

    def __str__(self) -> str:
        return f"{self.patent_id} → {self.organisation_id}"
