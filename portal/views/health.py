"""The health check of the load balancer and the monitoring."""

from celery import current_app as celery_app
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database and broker status as JSON; HTTP 503 when either is down."""
    checks: dict[str, dict[str, str]] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"status": "ok", "vendor": connection.vendor}
    except Exception as error:
        checks["database"] = {"status": "down", "error": type(error).__name__}
    if celery_app.conf.task_always_eager:
        checks["broker"] = {"status": "ok", "mode": "in-process"}
    else:
        try:
            with celery_app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
            checks["broker"] = {"status": "ok", "mode": "broker"}
        except Exception as error:
            checks["broker"] = {"status": "down", "error": type(error).__name__}
    healthy = all(check["status"] == "ok" for check in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "down", "checks": checks}, status=200 if healthy else 503
    )
