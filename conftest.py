"""Suite-wide fixtures and the rule for tests that need real services.

Tests marked `postgres`, `services` (Redis + a Celery worker) or `e2e` (Debian's chromium) skip
with a message saying what to install when the service is missing on a developer's machine, and
FAIL in CI (CI=true): there, a missing service is a broken build, never a quiet skip.
"""

import os

import pytest
from django.db import connection

from portal.celery import app as celery_app

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def missing_service(message: str) -> None:
    """Skip locally; fail in CI."""
    if IN_CI:
        pytest.fail(f"CI requires this service: {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session", autouse=True)
def _plain_http():
    """The test client and the live server speak plain HTTP; production redirects it to HTTPS
    (portal/tests/test_http_security.py tests the redirect itself). Set for the whole session,
    before the live server loads its middleware (SecurityMiddleware reads it once)."""
    from django.conf import settings

    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Static files come from the finders, as in development: no collectstatic before tests.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Rate-limit counters start at zero in every test (the embedded cache is process memory).
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _celery_in_process():
    """Tasks run in-process unless a test asks for the real worker (see `celery_worker`)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _require_postgres(request):
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        missing_service("needs PostgreSQL: run with DATABASE_URL=postgres://USER@127.0.0.1:5432/DB")
