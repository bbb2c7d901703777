"""Execution and acceptance: progress reports, KPI results, the verdict; expert profiles."""

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from portal import permissions
from portal.models import Role, User
from portal.services import audit_record, notify
from projects import events, files, workflow
from projects.models import (
    Application,
    Attachment,
    ExpertProfile,
    KPIActual,
    ProgressReport,
)
from projects.services.common import (
    _locked,
)
from projects.services.declaration import attachment_add

# Execution and acceptance --------------------------------------------------------------------


@transaction.atomic
def progress_report_submit(
    *,
    actor: User,
    application: Application,
    narrative: str,
    actuals: Mapping[str, Any],
    final: bool = False,
    evidence: Iterable[tuple[str, IO[bytes], int]] = (),
) -> ProgressReport:
    """File a progress report, or the final report that requests acceptance.

    A final report needs an actual value for every KPI; a progress report for any of them.
    """
    application = _locked(application)
    workflow.check_source(application, "request_acceptance" if final else "report_progress")
    permissions.require(actor, "project.application.report", application)
    problems: dict[str, list[str]] = {}
    if not narrative.strip():
        problems["narrative"] = [_("Describe what the project has done.")]
    values: dict[int, Decimal] = {}
    for kpi in application.kpis.all():
        raw = actuals.get(kpi.code)
        field = f"actual_{kpi.code}"
        if raw in (None, ""):
            if final:
                problems[field] = [_("“%(kpi)s”: enter the actual value.") % {"kpi": kpi.name}]
            continue
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            problems[field] = [_("%(value)s is not a number.") % {"value": raw}]
            continue
        if value < 0:
            problems[field] = [_("“%(kpi)s” cannot be negative.") % {"kpi": kpi.name}]
            continue
        values[kpi.pk] = value
    if not final and not values and "narrative" not in problems:
        problems["__all__"] = [_("Report the actual value of at least one KPI.")]
    # Every file is checked before any is stored: a bad second file must not leave the first on
    # disk with no row pointing at it.
    evidence = list(evidence)
    max_bytes = settings.PROJECT_ATTACHMENT_MAX_MB * 1_048_576
    for name, handle, size in evidence:
        try:
            files.check_upload(name=name, handle=handle, size=size, max_bytes=max_bytes)
        except ValidationError as error:
            problems.setdefault("evidence", []).extend(error.messages)
    if problems:
        raise ValidationError(problems)
    report = ProgressReport.objects.create(
        application=application,
        kind=ProgressReport.Kind.FINAL if final else ProgressReport.Kind.PROGRESS,
        narrative=narrative.strip(),
        submitted_by=actor,
    )
    KPIActual.objects.bulk_create(
        KPIActual(report=report, kpi_id=kpi_id, actual=value) for kpi_id, value in values.items()
    )
    purpose = Attachment.Purpose.ACCEPTANCE if final else Attachment.Purpose.PROGRESS
    for name, handle, size in evidence:
        attachment_add(
            actor=actor,
            application=application,
            name=name,
            handle=handle,
            size=size,
            purpose=purpose,
            report=report,
        )
    workflow.apply(
        actor=actor,
        application=application,
        action="request_acceptance" if final else "report_progress",
        reason=_("Report filed with %(count)d KPI values.") % {"count": len(values)},
    )
    if final:
        notify(
            event=events.ACCEPTANCE_REQUESTED,
            recipients=User.objects.filter(role=Role.REVIEWER, is_active=True),
            title=_("Acceptance requested: %(number)s") % {"number": application.number},
            url=reverse("projects:application_detail", args=[application.pk]),
        )
    return report


@transaction.atomic
def acceptance_decide(
    *, actor: User, application: Application, accepted: bool, reason: str
) -> Application:
    """Record the verdict, with each KPI's met / not met as it stood when decided."""
    from projects.selectors import kpi_results  # the selectors import the services package

    application = _locked(application)
    results = [outcome.as_dict() for outcome in kpi_results(application)]
    return workflow.apply(
        actor=actor,
        application=application,
        action="accept" if accepted else "not_accept",
        reason=reason,
        changes={
            "acceptance_result": {
                "kpis": results,
                "met": sum(1 for r in results if r["met"]),
                "total": len(results),
            },
            "verdict_reason": (reason or "").strip(),
        },
    )


def expert_profile_set(*, actor: User, expert: User, field: str, title: str = "") -> ExpertProfile:
    """Record an expert's field (used to propose balanced panels)."""
    permissions.require(actor, "project.application.review")
    profile, _created = ExpertProfile.objects.update_or_create(
        user=expert, defaults={"field": field, "title": title}
    )
    audit_record(actor=actor, event=events.EXPERT_PROFILE, target=expert, after={"field": field})
    return profile
