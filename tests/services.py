"""The real services some tests need, and the rule when one is missing.

Tests marked `postgres`, `services` (Redis + a Celery worker) or `e2e` (Debian's chromium) call
`missing_service` when theirs is absent: a skip saying what to install on a developer's
machine, a failure in CI (CI=true), where a missing service is a broken build, never a quiet
skip. The fixtures that start a broker connection and a worker are in the root conftest.py.
"""

import os

import pytest
from django.conf import settings
from django.db import connection

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def missing_service(message: str) -> None:
    """Skip locally; fail in CI."""
    if IN_CI:
        pytest.fail(f"CI requires this service: {message}", pytrace=False)
    pytest.skip(message)


def broker_url() -> str:
    """The settings' broker, or a Redis database of its own for the tests."""
    return settings.CELERY_BROKER_URL or os.environ.get(
        "TEST_REDIS_URL", "redis://127.0.0.1:6379/15"
    )


def database_url() -> str:
    """The test database, as a DATABASE_URL for a worker or a command in another process."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
