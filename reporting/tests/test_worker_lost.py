"""A worker killed in the middle of a recompute loses nothing and doubles nothing.

The recompute runs in a real Celery worker on Redis against the test database and is stopped
inside its write transaction (portal/tests/pause.py: after the indicator values are inserted,
before the snapshots), then killed with SIGKILL:

- the whole worker dies, its main process and the child running the task (acks late: the
  message stays unacknowledged in Redis; acknowledged on receipt it would be lost): a new
  worker gets it back after the visibility timeout and finishes it;
- only the process running the task dies (a prefork child, as the OOM killer does): the worker
  puts the task back (CELERY_TASK_REJECT_ON_WORKER_LOST) and a new child runs it.

Either way the rows stored equal those of a clean run, and nothing half-written is ever seen.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from config.celery import app
from portal.models import Region
from reporting import compute, tasks
from reporting.models import IndicatorValue, ProgressSnapshot, StatReturn
from tests.services import broker_url, database_url

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("redis_broker"),
]

PAUSE_IN = "reporting.compute:_insert_values"  # after the values are written, before snapshots


def start_worker(queue: str, log: Path, *, paused: Path | None = None, pool: str = "solo",
                 env: dict | None = None) -> subprocess.Popen:  # fmt: skip
    """`celery worker` in a session of its own (so killing it kills its children too)."""
    command = ["-m", "celery"]
    extra = {}
    if paused is not None:
        command = ["-m", "portal.tests.pause", "celery"]
        extra = {"PAUSE_IN": PAUSE_IN, "PAUSE_MARKER": str(paused)}
    with log.open("a") as out:
        return subprocess.Popen(
            [sys.executable, *command, "-A", "config", "worker", f"--pool={pool}",
             "--concurrency=1", "--without-gossip", "--without-mingle", "--without-heartbeat",
             "-Q", queue, "--loglevel=INFO"],
            env={**os.environ, "DATABASE_URL": database_url(), "CELERY_BROKER_URL": broker_url(),
                 "SECRET_KEY": settings.SECRET_KEY, "PYTHONUNBUFFERED": "1", **extra,
                 **(env or {})},
            stdout=out, stderr=subprocess.STDOUT, cwd=settings.BASE_DIR, start_new_session=True,
        )  # fmt: skip


def stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)


def wait_for(condition, what: str, log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    pytest.fail(f"timed out waiting for {what}:\n{log.read_text()}")


def stored() -> tuple[list, list]:
    values = IndicatorValue.objects.order_by("indicator_id", "region_id", "period")
    snapshots = ProgressSnapshot.objects.order_by("target_id", "period")
    return (
        list(values.values_list("indicator_id", "region_id", "period", "value", "quarter_value")),
        list(snapshots.values_list("target_id", "period", "actual", "expected", "status")),
    )


@pytest.fixture
def returns(seeded):
    """Approved Ankang returns, and the rows a clean in-process recompute stores from them."""
    ankang = Region.objects.get(code="610900")
    for period, count in [("2024Q3", 300), ("2024Q4", 320), ("2025Q2", 350)]:
        StatReturn.objects.create(
            form=seeded, region=ankang, period=period, status=StatReturn.Status.APPROVED,
            snapshot={"VALID_INVENTION": {"value": str(count), "comment": ""}},
        )  # fmt: skip
    compute.recompute(region_ids=[ankang.pk], since="2024Q3")
    clean = stored()
    assert clean[0] and clean[1]
    IndicatorValue.objects.all().delete()
    ProgressSnapshot.objects.all().delete()
    return ankang, clean


def send_recompute(queue: str, ankang: Region) -> None:
    app.conf.task_always_eager = False
    with app.connection_for_write(broker_url()) as conn:
        tasks.recompute_progress.apply_async(
            kwargs={"region_id": ankang.pk, "since": "2024Q3"}, queue=queue, connection=conn
        )


def test_a_killed_worker_s_recompute_is_redelivered_to_a_new_worker(returns, tmp_path):
    ankang, clean = returns
    queue, log, marker = f"test-{uuid.uuid4().hex[:8]}", tmp_path / "worker.log", tmp_path / "p"
    first = start_worker(queue, log, paused=marker, pool="prefork")
    try:
        send_recompute(queue, ankang)
        wait_for(marker.exists, "the recompute to reach its write", log)
        # Mid-transaction: the values inserted so far are not visible to anyone else.
        assert IndicatorValue.objects.count() == 0
    finally:
        stop(first)
    assert "succeeded" not in log.read_text()
    # The killed transaction was rolled back: nothing half-written.
    assert stored() == ([], [])
    time.sleep(2.5)  # the message has been unacknowledged longer than the timeout below

    # The new worker looks for messages left unacknowledged longer than the visibility
    # timeout (short here so the test need not wait two hours) and runs the task again.
    second = start_worker(queue, log, env={"CELERY_VISIBILITY_TIMEOUT": "2"})
    try:
        wait_for(lambda: "succeeded" in log.read_text(), "the redelivered recompute", log)
    finally:
        stop(second)
    values, snapshots = stored()
    assert len(values) == len(clean[0]) and len(snapshots) == len(clean[1])
    assert (values, snapshots) == clean


def test_a_task_whose_process_dies_is_put_back_and_run_again(returns, tmp_path):
    ankang, clean = returns
    queue, log, marker = f"test-{uuid.uuid4().hex[:8]}", tmp_path / "worker.log", tmp_path / "p"
    worker = start_worker(queue, log, paused=marker, pool="prefork")
    try:
        send_recompute(queue, ankang)
        wait_for(marker.exists, "the recompute to reach its write", log)
        child = int(marker.read_text())
        assert child != worker.pid
        os.kill(child, signal.SIGKILL)
        # The worker sees its child lost, puts the task back, and a new child runs it (it finds
        # the marker and does not stop again).
        wait_for(lambda: "succeeded" in log.read_text(), "the task to run again", log)
    finally:
        stop(worker)
    output = log.read_text()
    assert "WorkerLostError" in output and output.count("succeeded") == 1, output
    values, snapshots = stored()
    assert len(values) == len(clean[0]) and len(snapshots) == len(clean[1])
    assert (values, snapshots) == clean
