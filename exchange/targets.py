"""What a mapping maps onto: the registry of targets. Each target lists its fields and either
checks and applies imported rows or gives the rows of an export.

An import target's `check(rows, mapping)` returns a `Plan` (what would be created or updated,
and the problems it found, e.g. a credit code no organisation has) without writing; `apply(plan,
actor)` writes it, inside the one transaction of the run. Targets live in exchange/handlers/.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise

from portal.problems import Problem


@dataclass
class Plan:
    actions: list[Any] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0

    def summary(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
        }


@dataclass(frozen=True)
class Target:
    name: str
    label: str | Promise  # lazily translated
    direction: str  # "import" or "export"
    fields: Mapping[str, str | Promise]  # field → what it holds
    required: tuple[str, ...] = ()
    check: Callable[[list[dict], Any], Plan] | None = None
    apply: Callable[[Plan, Any], dict] | None = None
    rows: Callable[[Any, dict], Iterable[dict]] | None = None  # export: (actor, params) → rows
    permission: str = "exchange.run"


TARGETS: dict[str, Target] = {}


def register(target: Target) -> Target:
    if target.name in TARGETS:
        raise ValueError(f"Exchange target {target.name!r} is registered twice.")
    TARGETS[target.name] = target
    return target


def choices() -> list[tuple[str, str]]:
    return [(t.name, str(t.label)) for t in TARGETS.values()]


from exchange import handlers  # noqa: E402, F401  (registers the targets)
