"""System checks of the portal's own security assumptions (run by every manage.py command;
the `deploy` ones by `check --deploy`)."""

from django.conf import settings
from django.core import checks

LOCMEM = "django.core.cache.backends.locmem.LocMemCache"


@checks.register(checks.Tags.security)
def defused_xml(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Uploaded workbooks are XML: openpyxl must parse them through defusedxml (no external
    entities, no entity expansion bombs). openpyxl uses it only when it is importable and
    OPENPYXL_DEFUSEDXML is not "False"; a missing package must stop the portal, not weaken it."""
    import openpyxl.xml

    if not openpyxl.xml.DEFUSEDXML:
        return [
            checks.Error(
                "openpyxl does not parse workbooks through defusedxml: uploaded .xlsx files "
                "could use XML external entities or entity expansion.",
                hint="pip install defusedxml (a dependency in pyproject.toml) and do not set "
                "OPENPYXL_DEFUSEDXML=False.",
                id="portal.E001",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def shared_rate_limit_cache(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Rate limits count in the cache; a per-process memory cache lets each gunicorn worker
    count on its own (settings.py silences django-ratelimit's error for the embedded default)."""
    if settings.CACHES["default"]["BACKEND"] == LOCMEM:
        return [
            checks.Warning(
                "Rate limits are counted in each process's memory.",
                hint="Set REDIS_CACHE_URL (e.g. redis://redis:6379/1) so every web process "
                "counts logins, uploads and exports together.",
                id="portal.W002",
            )
        ]
    return []


@checks.register(checks.Tags.security)
def upload_limits(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A request limit below a per-file limit would refuse, with 413, a file its app accepts."""
    largest = max(
        settings.PROJECT_ATTACHMENT_MAX_MB,
        settings.REPORTING_UPLOAD_MAX_MB,
        settings.PATENT_IMPORT_MAX_MB,
        settings.EXCHANGE_MAX_MB,
    )
    if largest > settings.UPLOAD_MAX_REQUEST_MB:
        return [
            checks.Warning(
                f"UPLOAD_MAX_REQUEST_MB ({settings.UPLOAD_MAX_REQUEST_MB}) is below the largest "
                f"per-file limit ({largest} MB).",
                hint="Raise UPLOAD_MAX_REQUEST_MB or lower the per-file limit.",
                id="portal.W003",
            )
        ]
    return []
