"""Audited events reach their subscribers after commit, never for a rollback, and a handler
subscribed with a key runs once per transaction however many events match. Subscribers name
events exactly (the writing app's constants), never a prefix."""

import pytest
from django.db import transaction

from patents import events as patent_events
from portal import eventbus

pytestmark = pytest.mark.django_db

PLEDGE = patent_events.CONVERSION_RECORDED["pledge"]
IMPORTED = patent_events.CONVERSION_IMPORTED["pledge"]


@pytest.fixture
def handlers(monkeypatch):
    monkeypatch.setattr(eventbus, "_HANDLERS", [])
    return []


def event(name: str) -> eventbus.Event:
    return eventbus.Event(name=name, target_model="", target_id="")


def test_each_named_event_reaches_a_plain_handler_after_commit(
    handlers, django_capture_on_commit_callbacks
):
    eventbus.subscribe((patent_events.SCREEN, PLEDGE), handlers.append)
    with django_capture_on_commit_callbacks(execute=True):
        eventbus.publish(event(patent_events.SCREEN))
        eventbus.publish(event(PLEDGE))
        eventbus.publish(event("patent.screen.extra"))  # a longer name is another event
        eventbus.publish(event("project.accept"))
        assert handlers == []  # nothing before the commit
    assert [e.name for e in handlers] == [patent_events.SCREEN, PLEDGE]


def test_a_keyed_handler_runs_once_per_transaction(handlers, django_capture_on_commit_callbacks):
    calls = []
    eventbus.subscribe(patent_events.CONVERSION_EVENTS, calls.append, once_key="recompute:pledge")
    eventbus.subscribe(patent_events.SCREEN, calls.append, once_key="recompute:pledge")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(200):
            eventbus.publish(event(IMPORTED))
        eventbus.publish(event(patent_events.SCREEN))
    assert len(calls) == 1
    with django_capture_on_commit_callbacks(execute=True):
        eventbus.publish(event(patent_events.SCREEN))
    assert len(calls) == 2  # the next transaction runs it again


def test_a_rolled_back_transaction_leaves_nothing_pending(
    handlers, django_capture_on_commit_callbacks
):
    calls = []
    eventbus.subscribe(patent_events.SCREEN, calls.append, once_key="k")
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                eventbus.publish(event(patent_events.SCREEN))
                raise RuntimeError
        except RuntimeError:
            pass
        eventbus.publish(event(patent_events.SCREEN))
    assert len(calls) == 1
