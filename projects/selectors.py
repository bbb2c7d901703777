"""Reads of the projects app, scoped to the user through the permission module.

This module imports the services package, so a service that reads through a selector imports it
inside the function (a module-level import would be a cycle)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Max, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from portal import permissions
from portal.dates import add_months
from portal.models import Role, StateChange, User
from portal.workflow import history as workflow_history
from projects import scoring
from projects.models import (
    Application,
    Assignment,
    Attachment,
    Call,
    CallCategory,
    Category,
    KPIActual,
    KPICommitment,
    ProgressReport,
)
from projects.services import PROGRESS_INTERVAL_MONTHS, conflicted_organisation_ids

S = Application.Status


def category_list() -> QuerySet[Category]:
    return Category.objects.prefetch_related("kpis", "criteria")


def category_get(*, code: int) -> Category:
    try:
        return category_list().get(code=code)
    except Category.DoesNotExist as error:
        raise Http404 from error


def call_list() -> QuerySet[Call]:
    lots = CallCategory.objects.select_related("category").annotate(
        application_count=Count("applications")
    )
    return Call.objects.prefetch_related(Prefetch("lots", queryset=lots))


def call_choices() -> QuerySet[Call]:
    """The calls a list filters by: titles only. Not call_list(), whose per-category counts
    scan every application on each request."""
    return Call.objects.only("pk", "title").order_by("-opens_at")


def call_get(*, pk: int) -> Call:
    try:
        return call_list().get(pk=pk)
    except Call.DoesNotExist as error:
        raise Http404 from error


def open_lots(*, at=None) -> QuerySet[CallCategory]:
    at = at or timezone.now()
    return (
        CallCategory.objects.filter(call__opens_at__lte=at, call__closes_at__gt=at)
        .select_related("call", "category")
        .order_by("call__closes_at", "category__code")
    )


def lot_get(*, pk: int) -> CallCategory:
    try:
        return CallCategory.objects.select_related("call", "category").get(pk=pk)
    except CallCategory.DoesNotExist as error:
        raise Http404 from error


def application_list(
    *,
    user: User,
    call: int | None = None,
    category: int | None = None,
    status: str = "",
    region: str = "",
    organisation: int | None = None,
    search: str = "",
) -> QuerySet[Application]:
    applications = permissions.scope(user, "project.application.view", Application.objects.all())
    if call:
        applications = applications.filter(call_category__call_id=call)
    if category:
        applications = applications.filter(call_category__category__code=category)
    if status:
        applications = applications.filter(status=status)
    if region:
        applications = applications.filter(lead_organisation__region__path__contains=f"{region}/")
    if organisation:
        applications = applications.filter(lead_organisation_id=organisation)
    if search:
        applications = applications.filter(
            Q(title__icontains=search)
            | Q(number__icontains=search)
            | Q(lead_organisation__name__icontains=search)
        )
    return applications.select_related(
        "call_category__call", "call_category__category", "lead_organisation__region"
    ).order_by("-created_at", "-pk")


def application_get(*, user: User, pk: int, code: str = "project.application.view") -> Application:
    """One application, if the user may `code` it; 404 otherwise (never reveal it exists)."""
    application = (
        Application.objects.select_related(
            "call_category__call",
            "call_category__category",
            "lead_organisation__region",
            "created_by",
        )
        .prefetch_related(
            "joint_organisations",
            Prefetch("kpis", queryset=KPICommitment.objects.order_by("position", "pk")),
            "patents",
            Prefetch(
                "attachments",
                queryset=Attachment.objects.select_related("uploaded_by").order_by("uploaded_at"),
            ),
        )
        .filter(pk=pk)
        .first()
    )
    if application is None or not permissions.can(user, code, application):
        raise Http404
    return application


def application_history(application: Application) -> list[StateChange]:
    return workflow_history(application)


def application_assignments(application: Application) -> QuerySet[Assignment]:
    return (
        application.assignments.select_related("expert__organisation", "expert__expert_profile")
        .prefetch_related("items")
        .order_by("assigned_at", "pk")
    )


def application_reports(application: Application) -> QuerySet[ProgressReport]:
    return (
        application.reports.select_related("submitted_by")
        .prefetch_related("actuals__kpi", "attachments")
        .order_by("submitted_at", "pk")
    )


def expert_candidates(application: Application) -> QuerySet[User]:
    """Active experts who may be assigned: none from the applicant's or a joint organisation,
    none who declined this application before, none already assigned."""
    excluded = conflicted_organisation_ids(application)
    return (
        User.objects.filter(role=Role.EXPERT, is_active=True)
        .exclude(organisation_id__in=excluded)
        .exclude(assignments__application=application)
        .select_related("expert_profile", "organisation")
        .order_by("pk")
    )


def kpi_results(application: Application) -> list[scoring.KPIOutcome]:
    """Each KPI's latest actual value against its target (the committed value)."""
    latest: dict[int, Decimal] = {}
    for actual in (
        KPIActual.objects.filter(report__application=application)
        .order_by("report__submitted_at", "report_id")
        .only("kpi_id", "actual")
    ):
        latest[actual.kpi_id] = actual.actual
    return [
        scoring.kpi_outcome(
            code=kpi.code,
            name=kpi.name,
            unit=kpi.unit,
            comparator=kpi.comparator,
            target=kpi.committed,
            baseline=kpi.baseline,
            actual=latest.get(kpi.pk),
        )
        for kpi in application.kpis.all()
    ]


def attachment_get(*, user: User, pk: int) -> Attachment:
    attachment = Attachment.objects.select_related("application").filter(pk=pk).first()
    if attachment is None or not permissions.can(
        user, "project.application.view", attachment.application
    ):
        raise Http404
    return attachment


def assignment_list(*, user: User) -> QuerySet[Assignment]:
    return (
        permissions.scope(user, "project.assignment.view", Assignment.objects.all())
        .select_related(
            "application__call_category__call",
            "application__call_category__category",
            "application__lead_organisation",
        )
        .order_by("-assigned_at", "-pk")
    )


def assignment_get(*, user: User, pk: int) -> Assignment:
    assignment = (
        Assignment.objects.select_related(
            "application__call_category__call",
            "application__lead_organisation",
            "expert",
        )
        .prefetch_related("items", "application__joint_organisations")
        .filter(pk=pk)
        .first()
    )
    if assignment is None or not permissions.can(user, "project.assignment.view", assignment):
        raise Http404
    return assignment


@dataclass(frozen=True)
class Ranking:
    lot: CallCategory
    applications: list[Application]
    budget: Decimal
    used: Decimal
    requested: Decimal

    @property
    def available(self) -> Decimal:
        return self.budget - self.used


RANKED_STATES = (S.UNDER_REVIEW, S.SCORED, *Application.PROJECT_STATES, S.REJECTED)


def ranking(*, user: User, lot: CallCategory) -> Ranking:
    """Applications of one category and call with scores, best first; budget used vs available."""
    permissions.require(user, "project.ranking.view")
    applications: list[Application] = list(
        Application.objects.filter(call_category=lot, status__in=RANKED_STATES)
        .select_related("lead_organisation")
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.filter(status=Assignment.Status.SUBMITTED)
                .select_related("expert")
                .prefetch_related("items")
                .order_by("pk"),
                to_attr="submitted_scores",
            )
        )
        .order_by(models_nulls_last("final_score"), "number")
    )
    used = sum(
        (
            (a.approved_amount or Decimal(0))
            for a in applications
            if a.status in Application.PROJECT_STATES
        ),
        Decimal(0),
    )
    requested = sum(((a.requested_amount or Decimal(0)) for a in applications), Decimal(0))
    return Ranking(
        lot=lot, applications=applications, budget=lot.budget, used=used, requested=requested
    )


def models_nulls_last(field: str):
    from django.db.models import F

    return F(field).desc(nulls_last=True)


def lots_for_ranking() -> QuerySet[CallCategory]:
    return CallCategory.objects.select_related("call", "category").order_by(
        "-call__opens_at", "category__code"
    )


@dataclass(frozen=True)
class Overdue:
    application: Application
    what: str  # "progress" or "acceptance"
    due: date


def overdue_projects(*, user: User, today: date | None = None) -> list[Overdue]:
    """Projects whose progress report (every 3 months) or acceptance (at the end) is late."""
    permissions.require(user, "project.application.review")
    today = today or timezone.localdate()
    running = (
        Application.objects.filter(status__in=(S.APPROVED, S.IN_EXECUTION))
        .select_related("lead_organisation", "call_category__category")
        .annotate(
            last_report=Max(
                "reports__submitted_at", filter=Q(reports__kind=ProgressReport.Kind.PROGRESS)
            )
        )
        .order_by("end_date", "number")
    )
    late: list[Overdue] = []
    for application in running:
        if application.end_date and application.end_date < today:
            late.append(Overdue(application, "acceptance", application.end_date))
            continue
        since = (
            timezone.localdate(application.last_report)
            if application.last_report
            else application.start_date
        )
        if since is None:
            continue
        due = add_months(since, PROGRESS_INTERVAL_MONTHS)
        if due < today:
            late.append(Overdue(application, "progress", due))
    return late


def status_counts(*, user: User) -> dict[str, int]:
    rows = (
        permissions.scope(user, "project.application.view", Application.objects.all())
        .values("status")
        .annotate(n=Count("pk", distinct=True))
    )
    return {row["status"]: row["n"] for row in rows}


def approved_total(lot: CallCategory) -> Decimal:
    return lot.applications.filter(status__in=Application.PROJECT_STATES).aggregate(
        total=Sum("approved_amount")
    )["total"] or Decimal(0)


def budget_summary(lot: CallCategory) -> dict[str, Decimal]:
    used = approved_total(lot)
    return {"budget": lot.budget, "used": used, "available": lot.budget - used}


def projects_led_by(*, organisation_ids: Iterable[int]) -> QuerySet[Application]:
    """Approved projects (in execution or later) led by these organisations: what a conversion of
    a patent may name (the patent's owner's, or the enterprise's on the other side)."""
    wanted = [pk for pk in organisation_ids if pk]
    return Application.objects.filter(
        status__in=Application.PROJECT_STATES, lead_organisation_id__in=wanted
    ).order_by("-number")
