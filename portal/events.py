"""Reacting to what happened, without the writer knowing who listens.

Every write already records an audit entry (`services.audit_record`), so the audit event is the
portal's event stream: an app subscribes to event names by prefix from its AppConfig.ready(),
and its handler runs after the writing transaction commits (never for a write that rolled back).
Dependencies keep pointing one way: `reporting` learns that a project was accepted without
`projects` importing `reporting`. Handlers must be quick (typically they enqueue a Celery task).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction


@dataclass(frozen=True)
class Event:
    name: str
    target_model: str  # "app_label.model", or "" when the event has no target
    target_id: str


Handler = Callable[[Event], None]

_HANDLERS: list[tuple[str, Handler, str]] = []


def subscribe(prefix: str, handler: Handler, *, once_key: str = "") -> None:
    """Call `handler(event)` after commit for every event whose name starts with `prefix`.

    With `once_key`, the handler runs once per transaction however many matching events it
    wrote (an import of 200 pledges recomputes each indicator source once, not 200 times); it
    then receives the first such event. Handlers sharing a key share that one run.
    """
    if not any(p == prefix and h is handler for p, h, _k in _HANDLERS):
        _HANDLERS.append((prefix, handler, once_key))


def _pending(key: str) -> bool:
    """Is a callback with this key already waiting for the current transaction's commit?"""
    connection = transaction.get_connection()
    return any(
        getattr(entry[1], "portal_once_key", None) == key and not entry[1].portal_done
        for entry in getattr(connection, "run_on_commit", ())
    )


class _Call:
    """One handler call waiting for the commit; `key` lets a keyed handler see it is queued."""

    def __init__(self, handler: Handler, event: Event, key: str) -> None:
        self.handler, self.event, self.portal_once_key = handler, event, key or None
        self.portal_done = False

    def __call__(self) -> None:
        self.portal_done = True
        self.handler(self.event)


def publish(event: Event) -> None:
    for prefix, handler, once_key in _HANDLERS:
        if not event.name.startswith(prefix):
            continue
        if once_key and _pending(once_key):
            continue
        transaction.on_commit(_Call(handler, event, once_key))
