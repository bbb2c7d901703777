"""Typed events (issue 17): every event name written by the portal's code is a constant of an
app's `events` module, and every event a subscriber listens to is produced somewhere.

Read from the source with `ast`, so a renamed or misspelt event fails here instead of silently
stopping a recompute until the nightly run."""

import ast
from pathlib import Path

import pytest

from portal import eventbus, workflow

ROOT = Path(__file__).resolve().parent.parent
APPS = ("portal", "projects", "patents", "incentives", "reporting", "exchange", "demo")


def _modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "tests" in parts or "migrations" in parts:
                continue
            yield path, ast.parse(path.read_text(encoding="utf-8"))


def _event_arguments():
    """(where, the `event=` argument) of every call that passes one."""
    for path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if keyword.arg == "event":
                        yield f"{path.relative_to(ROOT)}:{node.lineno}", keyword.value


def test_no_event_name_is_written_as_text():
    written = [
        where
        for where, value in _event_arguments()
        if isinstance(value, ast.Constant | ast.JoinedStr | ast.BinOp)
    ]
    assert written == [], "name the event by its constant in the app's events.py"


@pytest.mark.django_db
def test_every_event_a_workflow_writes_is_declared():
    declared = eventbus.declared()
    for flow in workflow.workflows().values():
        for transition in flow.transitions:
            assert transition.event in declared, (flow.name, transition.action)


def _produced() -> set[str]:
    """Event names some code produces: constants referenced outside the events modules, the
    members of the groups they use (conversions by kind), and every workflow's events."""
    import importlib

    produced = {t.event for flow in workflow.workflows().values() for t in flow.transitions}
    for path, tree in _modules():
        if path.name == "events.py":
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                if not node.value.id.endswith("events") or not node.attr.isupper():
                    continue
                app = node.value.id.removesuffix("_events") or path.relative_to(ROOT).parts[0]
                app = path.relative_to(ROOT).parts[0] if node.value.id == "events" else app
                module = importlib.import_module(f"{_app_module(app)}.events")
                value = getattr(module, node.attr)
                produced.update(_names(value))
    return produced


def _app_module(app: str) -> str:
    return {"patent": "patents", "project": "projects", "incentive": "incentives"}.get(app, app)


def _names(value) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set(value.values())
    return set(value)


@pytest.mark.django_db
def test_every_subscribed_event_is_declared_and_produced():
    declared, produced = eventbus.declared(), _produced()
    subscribed = set().union(*(names for names, _handler, _key in eventbus.subscriptions()))
    assert subscribed, "reporting subscribes its recomputes"
    assert subscribed <= declared, sorted(subscribed - declared)
    assert subscribed <= produced, sorted(subscribed - produced)
