"""Celery entry points of the patents app: thin, idempotent, ids in, services do the work."""

from celery import shared_task

from patents import services


@shared_task
def match_need(need_id: int) -> int:
    """Match one new need against the pool."""
    return services.needs_match(need_ids=[need_id])


@shared_task
def match_needs() -> int:
    """Match every open need (the pool changed, or the nightly full run), comparing every
    patent's stamp with the matching index (patents.pool_index)."""
    return services.needs_match(full=True)
