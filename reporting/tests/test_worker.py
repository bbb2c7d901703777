"""The recompute task through the broker to a real Celery worker, against the test database."""

import time

import pytest

from config.celery import app
from portal.models import Region
from reporting import tasks
from reporting.models import IndicatorValue, ProgressSnapshot, StatReturn
from tests.services import broker_url

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_progress_is_recomputed_by_a_real_worker_and_twice_is_the_same(seeded, celery_worker):
    queue, log = celery_worker
    ankang = Region.objects.get(code="610900")
    for period, count in [("2024Q3", 300), ("2025Q2", 350)]:
        StatReturn.objects.create(
            form=seeded,
            region=ankang,
            period=period,
            status=StatReturn.Status.APPROVED,
            snapshot={"VALID_INVENTION": {"value": str(count), "comment": ""}},
        )

    app.conf.task_always_eager = False
    with app.connection_for_write(broker_url()) as conn:
        for _ in range(2):
            tasks.recompute_progress.apply_async(
                kwargs={"region_id": ankang.pk, "since": "2024Q3"}, queue=queue, connection=conn
            )

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and log.read_text().count("succeeded") < 2:
        time.sleep(0.5)
    output = log.read_text()
    assert output.count("succeeded") == 2, output
    values = IndicatorValue.objects.filter(indicator__code="VALID_INVENTION", region=ankang)
    assert dict(values.values_list("period", "value")) == {
        "2024Q3": 300,
        "2024Q4": 300,
        "2025Q1": 300,
        "2025Q2": 350,
    }
    # The province rolls Ankang up; the second run wrote the same rows, not twice as many.
    assert (
        IndicatorValue.objects.get(
            indicator__code="VALID_INVENTION", region__code="610000", period="2025Q2"
        ).value
        == 350
    )
    snapshot = ProgressSnapshot.objects.get(
        target__indicator__code="VALID_INVENTION", target__region=ankang, period="2025Q2"
    )
    assert snapshot.actual == 350 and snapshot.status in {"on_track", "at_risk", "behind"}
