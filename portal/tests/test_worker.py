"""A real Celery worker, on Redis, against the test database: the path every task takes."""

import os
import re
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings
from django.db import connection
from kombu import Connection

from conftest import missing_service
from portal import tasks
from portal.celery import app
from portal.models import Notification
from portal.tests.factories import UserFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def broker_url() -> str:
    return settings.CELERY_BROKER_URL or os.environ.get(
        "TEST_REDIS_URL", "redis://127.0.0.1:6379/15"
    )


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


@pytest.fixture
def redis_broker():
    url = broker_url()
    try:
        with Connection(url, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as error:
        missing_service(f"needs Redis at {url} ({type(error).__name__}); start redis-server")
    return url


@pytest.fixture
def celery_worker(redis_broker, tmp_path):
    """Start `celery worker` in a subprocess on a queue of its own; stop it afterwards."""
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
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "portal",
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


def test_notification_email_goes_through_the_broker_to_a_real_worker(celery_worker):
    queue, log = celery_worker
    user = UserFactory(email="reader@example.invalid")
    note = Notification.objects.create(recipient=user, event="test", title="经由 Redis 的通知")

    app.conf.task_always_eager = False
    with app.connection_for_write(broker_url()) as conn:
        tasks.send_notification_emails.apply_async(args=[[note.pk]], queue=queue, connection=conn)
        # Sent twice: the task is idempotent, the mail goes out once.
        tasks.send_notification_emails.apply_async(args=[[note.pk]], queue=queue, connection=conn)

    # Wait until the worker has finished both runs.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and log.read_text().count("succeeded") < 2:
        time.sleep(0.5)
    output = log.read_text()
    note.refresh_from_db()
    assert note.emailed_at is not None, output
    # The first run sent one mail, the second found nothing left to send.
    assert re.search(r"succeeded in [\d.]+s: 1\b", output), output
    assert re.search(r"succeeded in [\d.]+s: 0\b", output), output
    # The console e-mail backend printed the message in the worker, exactly once.
    assert output.count("Subject: ") == 1, output
