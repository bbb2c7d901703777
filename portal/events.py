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

_HANDLERS: list[tuple[str, Handler]] = []


def subscribe(prefix: str, handler: Handler) -> None:
    """Call `handler(event)` after commit for every event whose name starts with `prefix`."""
    if (prefix, handler) not in _HANDLERS:
        _HANDLERS.append((prefix, handler))


def publish(event: Event) -> None:
    for prefix, handler in _HANDLERS:
        if event.name.startswith(prefix):
            transaction.on_commit(lambda handler=handler: handler(event))
