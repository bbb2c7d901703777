"""Reacting to what happened, without the writer knowing who listens.

Every write already records an audit entry (`services.audit_record`), so the audit event is the
portal's event stream: an app subscribes to event names, the constants of the writing app's
`events` module, from its AppConfig.ready(), and its handler runs after the writing transaction
commits (never for a write that rolled back). Every `audit_record(event=…)` and
`notify(event=…)` names a constant of an app's `events.py`, never a string at the call site;
`declared()` lists them all, and tests/test_events_declared.py fails on a name written as text,
or subscribed to and never produced.
Dependencies keep pointing one way: `reporting` learns that a project was accepted without
`projects` importing `reporting`. Handlers must be quick (typically they enqueue a Celery task).
"""

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction


@dataclass(frozen=True)
class Event:
    name: str
    target_model: str  # "app_label.model", or "" when the event has no target
    target_id: str


Handler = Callable[[Event], None]

_HANDLERS: list[tuple[frozenset[str], Handler, str]] = []


def declared() -> frozenset[str]:
    """Every event name declared by an installed app's `events` module: its string constants and
    the values of its tuples and dicts of names."""
    from django.apps import apps

    names: set[str] = set()
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.events")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.events":
                raise
            continue
        for attr, value in vars(module).items():
            if not attr.isupper():
                continue
            if isinstance(value, str):
                names.add(value)
            elif isinstance(value, dict):
                names.update(v for v in value.values() if isinstance(v, str))
            elif isinstance(value, tuple | frozenset):
                names.update(v for v in value if isinstance(v, str))
    return frozenset(names)


def subscriptions() -> list[tuple[frozenset[str], Handler, str]]:
    return list(_HANDLERS)


def subscribe(names: str | Iterable[str], handler: Handler, *, once_key: str = "") -> None:
    """Call `handler(event)` after commit for every event named in `names` (event constants).

    With `once_key`, the handler runs once per transaction however many matching events it
    wrote (an import of 200 pledges recomputes each indicator source once, not 200 times); it
    then receives the first such event. Handlers sharing a key share that one run.
    """
    wanted = frozenset([names] if isinstance(names, str) else names)
    if not any(n == wanted and h is handler for n, h, _k in _HANDLERS):
        _HANDLERS.append((wanted, handler, once_key))


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
    for names, handler, once_key in _HANDLERS:
        if event.name not in names:
            continue
        if once_key and _pending(once_key):
            continue
        transaction.on_commit(_Call(handler, event, once_key))
