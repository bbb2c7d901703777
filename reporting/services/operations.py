"""Reminders before and after the due date, and exports made by a worker."""

import logging
from datetime import date

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal import formats, permissions
from portal.models import Region, Role, User
from portal.periods import Quarter
from portal.services import audit_record, notify
from reporting import events
from reporting.models import ExportJob, Reminder, ReturnForm, StatReturn

logger = logging.getLogger(__name__)

SUBMITTED = (StatReturn.Status.SUBMITTED, StatReturn.Status.APPROVED)


def reminders_send(*, today: date | None = None) -> int:
    """Remind each region that has not submitted last quarter's return: once when the due date
    is near (REPORTING_REMINDER_DAYS), once when it has passed. Idempotent (Reminder rows)."""
    today = today or timezone.localdate()
    quarter = Quarter.last_completed(today)
    sent = 0
    for form in ReturnForm.objects.filter(is_active=True).prefetch_related("regions"):
        due = quarter.due_date(form.due_days)
        if today > due:
            kind = Reminder.Kind.OVERDUE
        elif (due - today).days <= settings.REPORTING_REMINDER_DAYS:
            kind = Reminder.Kind.DUE_SOON
        else:
            continue
        done = set(
            StatReturn.objects.filter(
                form=form, period=str(quarter), is_current=True, status__in=SUBMITTED
            ).values_list("region_id", flat=True)
        )
        for region in form.regions.all():
            if region.pk in done:
                continue
            with transaction.atomic():
                _reminder, created = Reminder.objects.get_or_create(
                    form=form,
                    region=region,
                    period=str(quarter),
                    kind=kind,
                    defaults={"sent_at": timezone.now()},
                )
                if not created:
                    continue
                _notify_region(form, region, quarter, due, kind)
                sent += 1
    return sent


def _notify_region(form: ReturnForm, region: Region, quarter: Quarter, due: date, kind) -> None:
    title = (
        _("Reminder: the %(period)s return of %(region)s is due on %(due)s")
        if kind == Reminder.Kind.DUE_SOON
        else _("Overdue: the %(period)s return of %(region)s was due on %(due)s")
    ) % {"period": formats.period(quarter), "region": region.name, "due": formats.day(due)}
    notify(
        event=events.REMINDERS[kind],
        recipients=User.objects.filter(role=Role.CITY_AGENCY, is_active=True, region=region),
        title=title,
        body=str(form),
        url=reverse("reporting:return_list") + f"?period={quarter}",
    )


# Exports --------------------------------------------------------------------------------------

EXPORT_KINDS = ("dashboard",)


@transaction.atomic
def export_request(*, actor: User, kind: str, params: dict) -> ExportJob:
    """Queue an export; a worker makes it while the page shows its progress."""
    from reporting import tasks

    permissions.require(actor, "reporting.export")
    if kind not in EXPORT_KINDS:
        raise ValueError(kind)
    # The workbook is written later, by a worker, in the language of the page that asked for it.
    params = {**params, "language": translation.get_language() or settings.LANGUAGE_CODE}
    job = ExportJob.objects.create(kind=kind, params=params, requested_by=actor)
    audit_record(actor=actor, event=events.EXPORT_REQUEST, target=job, after=params)
    transaction.on_commit(lambda: tasks.run_export.delay(job.pk))
    return job


def export_run(*, job_id: int) -> str:
    """Make the export of a queued job. Running it again for a finished job does nothing; two
    runs at once (a task redelivered while the first still runs) keep one file."""
    from reporting import exporters, selectors

    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    if job.status == ExportJob.Status.DONE:
        return job.status

    def report(percent: int) -> None:
        unfinished.update(progress=min(percent, 99))

    # Never over a run of the same job that finished meanwhile.
    unfinished = ExportJob.objects.filter(pk=job.pk).exclude(status=ExportJob.Status.DONE)
    unfinished.update(status=ExportJob.Status.RUNNING, progress=1)
    try:
        region = Region.objects.get(code=job.params["region"])
        dashboard = selectors.dashboard(
            user=job.requested_by, region=region, period=job.params.get("period") or None
        )
        with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
            content = exporters.dashboard_workbook(dashboard, progress=report)
            name, stored = exporters.dashboard_file_names(region, dashboard.period)
        job.file.save(stored, ContentFile(content), save=False)
        with transaction.atomic():
            if (
                ExportJob.objects.select_for_update().filter(pk=job.pk).get().status
                == ExportJob.Status.DONE
            ):
                job.file.delete(save=False)  # another run of this job finished first
                return ExportJob.Status.DONE
            job.file_name, job.error = name, ""
            job.status, job.progress, job.finished_at = ExportJob.Status.DONE, 100, timezone.now()
            job.save(
                update_fields=["file", "file_name", "status", "progress", "finished_at", "error"]
            )
    except Exception as error:
        logger.exception("export %s failed", job.pk)
        unfinished.update(
            status=ExportJob.Status.FAILED, error=str(error)[:500], finished_at=timezone.now()
        )
        raise
    return job.status
