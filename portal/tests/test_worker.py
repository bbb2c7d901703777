"""A real Celery worker, on Redis, against the test database: the path every task takes.
The `celery_worker` and `redis_broker` fixtures are in the root conftest.py."""

import re
import time

import pytest

from config.celery import app
from portal import tasks
from portal.factories import UserFactory
from portal.models import Notification
from tests.services import broker_url

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


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
