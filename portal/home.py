"""Panels of the home page, declared by each app.

`portal` never imports the capability apps (STYLE.md: dependencies point one way), so an app
registers its panels from its AppConfig.ready(); the home view shows those the permission module
allows, in order. A panel is a template and a function that builds its context for the user.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from portal import permissions
from portal.models import User


@dataclass(frozen=True)
class HomePanel:
    key: str
    template: str
    permission: str
    context: Callable[[User], dict[str, Any]]
    order: int = 100


_PANELS: dict[str, HomePanel] = {}


def register(panel: HomePanel) -> HomePanel:
    if panel.key in _PANELS:
        raise ValueError(f"Home panel {panel.key!r} is registered twice.")
    _PANELS[panel.key] = panel
    return panel


def panels_for(user: User) -> list[dict[str, Any]]:
    return [
        {"key": panel.key, "template": panel.template, "context": panel.context(user)}
        for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.key))
        if permissions.can(user, panel.permission)
    ]
