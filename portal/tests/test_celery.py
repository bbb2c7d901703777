"""Celery reliability: time limits under the Redis visibility timeout, tasks acknowledged late
and put back when their worker dies, and tasks queued only after the writing transaction
commits (a rolled-back write queues nothing, in-process and through a real Redis broker)."""

import ast
from importlib import import_module
from pathlib import Path
from unittest import mock

import pytest
from django.apps import apps
from django.conf import settings
from django.db import transaction

from config.celery import app
from patents import services as patent_services
from patents import tasks as patent_tasks
from patents.models import TechNeed
from portal import eventbus, services
from portal import tasks as portal_tasks
from portal.factories import ApplicantFactory, UserFactory
from portal.models import Role
from reporting import tasks as reporting_tasks
from reporting.services import export_request

APPS = ("portal", "projects", "patents", "incentives", "reporting", "exchange")
LONG_TASKS = {
    "reporting.tasks.recompute_progress",
    "reporting.tasks.recompute_all",
    "reporting.tasks.run_export",
    "patents.tasks.match_need",
    "patents.tasks.match_needs",
}
# Calls of a task that are deferred to the commit by other means than a lambda handed to
# transaction.on_commit: portal.eventbus runs its subscribers after the commit (test_events.py).
DEFERRED_BY_EVENTS = {
    ("reporting/apps.py", "handler"),
    # A workflow's after-commit effect: the engine queues it with transaction.on_commit
    # (portal/workflow.py; tests/test_workflows.py checks it runs only after the commit).
    ("reporting/workflow.py", "_recompute"),
}


def project_tasks() -> dict:
    """Every task of the project's apps, imported as a worker imports them."""
    for config in apps.get_app_configs():
        if config.name in APPS and (Path(config.path) / "tasks.py").exists():
            import_module(f"{config.name}.tasks")
    return {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}


# Configuration ---------------------------------------------------------------------------------


def test_every_task_has_time_limits_below_the_visibility_timeout():
    tasks = project_tasks()
    assert set(tasks) >= LONG_TASKS
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    assert visibility == settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    for name, task in tasks.items():
        assert task.soft_time_limit and task.time_limit, name
        assert task.soft_time_limit < task.time_limit, name
        # Redis would hand a task still running to a second worker after the timeout.
        assert task.time_limit < visibility, name
    # The long tasks get more time than the default.
    for name in LONG_TASKS:
        assert tasks[name].time_limit > app.conf.task_time_limit, name


def test_every_task_is_acknowledged_late_and_put_back_when_its_worker_is_lost():
    for name, task in project_tasks().items():
        assert task.acks_late, name
        assert task.reject_on_worker_lost, name
    assert app.conf.worker_prefetch_multiplier == 1


# Tasks are queued after the commit -------------------------------------------------------------


def _task_calls(path: Path):
    """(line, enclosing function, deferred to the commit?) of every .delay()/.apply_async()."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"delay", "apply_async"}
        ):
            continue
        deferred, function, current = False, "", node
        while current in parents:
            parent = parents[current]
            if (
                isinstance(current, ast.Lambda)
                and isinstance(parent, ast.Call)
                and isinstance(parent.func, ast.Attribute)
                and parent.func.attr == "on_commit"
                and current in parent.args
            ):
                deferred = True
            if isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef) and not function:
                function = parent.name
            current = parent
        yield node.lineno, function, deferred


def test_every_task_is_sent_after_the_commit():
    root = Path(settings.BASE_DIR)
    found, early = 0, []
    for name in APPS:
        for path in sorted((root / name).rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            if "/tests/" in relative or "/migrations/" in relative:
                continue
            for line, function, deferred in _task_calls(path):
                found += 1
                if not deferred and (relative, function) not in DEFERRED_BY_EVENTS:
                    early.append(f"{relative}:{line} in {function}()")
    assert found >= 6  # the scan sees the calls it is about
    assert not early, "send these tasks inside transaction.on_commit: " + ", ".join(early)


class Rollback(Exception):
    pass


def _notify():
    services.notify(event="test", recipients=[UserFactory(email="x@example.invalid")], title="通知")


def _need():
    patent_services.need_create(
        actor=ApplicantFactory(),
        data={"title": "富硒茶叶低温萃取", "description": "需要低温萃取工艺",
              "cooperation": TechNeed.Cooperation.LICENCE},
    )  # fmt: skip


def _export():
    leader = UserFactory(role=Role.LEADER)
    export_request(actor=leader, kind="dashboard", params={"region": "610000"})


def _pledge_event():
    # A write whose audit event feeds an indicator: reporting subscribes a recompute to it.
    eventbus.publish(eventbus.Event("patent.conversion.pledge", "patents.conversion", "1"))


WRITES = {
    "notification e-mail": (portal_tasks.send_notification_emails, _notify),
    "matching of a new need": (patent_tasks.match_need, _need),
    "export": (reporting_tasks.run_export, _export),
    "recompute after an event": (reporting_tasks.recompute_progress, _pledge_event),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", WRITES)
def test_a_rolled_back_write_queues_no_task(case, django_capture_on_commit_callbacks):
    task, write = WRITES[case]
    with mock.patch.object(task, "apply_async") as sent:
        with (
            django_capture_on_commit_callbacks(execute=True),
            pytest.raises(Rollback),
            transaction.atomic(),
        ):
            write()
            assert not sent.called  # nothing is sent before the commit
            raise Rollback
        assert not sent.called
        # The same write committed sends its task.
        with django_capture_on_commit_callbacks(execute=True):
            write()
        assert sent.called


@pytest.fixture
def redis_publishing(redis_broker):
    """The app publishes to a real Redis broker, as a web process with CELERY_BROKER_URL does."""
    import redis

    client = redis.Redis.from_url(redis_broker)
    queue = app.conf.task_default_queue
    client.delete(queue)
    previous = app.conf.broker_url
    previous_pools = app._pool, app.amqp._producer_pool
    app.conf.broker_url = redis_broker
    app.conf.task_always_eager = False
    app._pool, app.amqp._producer_pool = None, None
    try:
        yield lambda: client.llen(queue)
    finally:
        # Put the app's pools back, unclosed: with the same broker URL (the PostgreSQL pass),
        # kombu shares one producer pool per connection, and closing it here would break every
        # later test that publishes ("Acquire on closed pool").
        app._pool, app.amqp._producer_pool = previous_pools
        app.conf.broker_url = previous
        client.delete(queue)
        client.close()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_write_leaves_the_redis_queue_empty(redis_publishing):
    queued = redis_publishing
    with pytest.raises(Rollback), transaction.atomic():
        _notify()
        _export()
        raise Rollback
    assert queued() == 0
    # Committed, the same writes do reach the broker: the check above can see a message.
    _notify()
    assert queued() == 1
