"""Celery entry points of the reporting app: thin, idempotent, ids in, services do the work."""

from celery import shared_task

from reporting import compute


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def recompute_progress(
    region_id: int | None = None,
    since: str | None = None,
    sources: list[str] | None = None,
    statistics_only: bool = False,
) -> dict:
    """Recompute what a change touches: one region (and its ancestors) from one period on (only
    the indicators computed from returns, after an approved return), or the indicators fed by
    some portal sources. Running it twice writes the same rows."""
    result = compute.recompute(
        region_ids=None if region_id is None else [region_id],
        since=since,
        sources=sources,
        statistics_only=statistics_only,
    )
    return {"values": result.values, "snapshots": result.snapshots, "periods": result.periods}


@shared_task
def recompute_all() -> dict:
    """The nightly full recompute (beat), which also catches portal data changed without an
    event."""
    result = compute.recompute()
    return {"values": result.values, "snapshots": result.snapshots}


@shared_task
def send_reminders() -> int:
    from reporting.services import reminders_send

    return reminders_send()


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def run_export(job_id: int) -> str:
    from reporting.services import export_run

    return export_run(job_id=job_id)
