"""Audited events reach their subscribers after commit, never for a rollback, and a handler
subscribed with a key runs once per transaction however many events match."""

import pytest
from django.db import transaction

from portal import events

pytestmark = pytest.mark.django_db


@pytest.fixture
def handlers(monkeypatch):
    monkeypatch.setattr(events, "_HANDLERS", [])
    return []


def event(name: str) -> events.Event:
    return events.Event(name=name, target_model="", target_id="")


def test_each_event_reaches_a_plain_handler_after_commit(
    handlers, django_capture_on_commit_callbacks
):
    events.subscribe("patent.", handlers.append)
    with django_capture_on_commit_callbacks(execute=True):
        events.publish(event("patent.screen"))
        events.publish(event("patent.conversion.pledge"))
        events.publish(event("project.accept"))
        assert handlers == []  # nothing before the commit
    assert [e.name for e in handlers] == ["patent.screen", "patent.conversion.pledge"]


def test_a_keyed_handler_runs_once_per_transaction(handlers, django_capture_on_commit_callbacks):
    calls = []
    events.subscribe("patent.conversion.", calls.append, once_key="recompute:pledge")
    events.subscribe("patent.screen", calls.append, once_key="recompute:pledge")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(200):
            events.publish(event("patent.conversion.import.pledge"))
        events.publish(event("patent.screen"))
    assert len(calls) == 1
    with django_capture_on_commit_callbacks(execute=True):
        events.publish(event("patent.screen"))
    assert len(calls) == 2  # the next transaction runs it again


def test_a_rolled_back_transaction_leaves_nothing_pending(
    handlers, django_capture_on_commit_callbacks
):
    calls = []
    events.subscribe("patent.", calls.append, once_key="k")
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                events.publish(event("patent.screen"))
                raise RuntimeError
        except RuntimeError:
            pass
        events.publish(event("patent.screen"))
    assert len(calls) == 1
