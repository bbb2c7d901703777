"""Suite-wide fixtures, the Redis broker and the real Celery worker among them.

Tests marked `postgres`, `services` (Redis + a Celery worker) or `e2e` (Debian's chromium) skip
with a message saying what to install when the service is missing on a developer's machine, and
FAIL in CI (CI=true): there, a missing service is a broken build, never a quiet skip (the rule is
`missing_service` in tests/services.py).
"""

import os
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from django.db import connection
from kombu import Connection

from config.celery import app as celery_app
from tests.services import broker_url, database_url, missing_service


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
def _default_language():
    """Every test starts in the portal's default language, whatever the one before left active
    (a test of the English pages must not make the next test's labels English)."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


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


@pytest.fixture
def redis_broker():
    """The broker's URL, once Redis answers there."""
    url = broker_url()
    try:
        with Connection(url, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as error:
        missing_service(f"needs Redis at {url} ({type(error).__name__}); start redis-server")
    return url


@pytest.fixture
def celery_worker(redis_broker, tmp_path):
    """Start `celery worker` in a subprocess on a queue of its own, against the test database;
    stop it afterwards. Gives (queue, path of the worker's log)."""
    from django.conf import settings

    queue = f"test-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": redis_broker,
        "SECRET_KEY": settings.SECRET_KEY,
        "PYTHONUNBUFFERED": "1",
    }
    with log.open("w") as out:
        worker = subprocess.Popen(  # noqa: S603 (a fixed command line, no outside input)
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-Q",
                queue,
                "--loglevel=INFO",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=settings.BASE_DIR,
        )
    try:
        yield queue, log
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
