"""The one workflow engine: every record with a life cycle changes state here and nowhere else.

A workflow is declared once per model, as data (`Workflow` with its `Transition`s): the states,
which action leads from which states to which, the permission code it needs, whether a reason
is required, whether the portal makes the step itself, and its side effects (whom to tell,
what to run after commit). `apply()` carries out the whole contract in one atomic block:

1. lock the row and read its current state from the database;
2. refuse a user who may not see the record, or could never take this step on it, without a
   word about its state; then check the state (a user who could act, on a stale page, is told
   what changed); then the transition's permission as the state is now;
3. require the reason where declared;
4. change the state with `save(update_fields=…)`, with the caller's other changes and stamps;
5. write one history row (`StateChange`: who, when, from, to, why, payload) and the audit entry;
6. notify the declared recipients and queue the declared after-commit effects.

Automatic steps (scoring complete, a return whose form needs no approval) go through the same
`apply()` with `automatic=True`: they are recorded as the portal's own act (no actor), with the
user whose act caused them in the payload.

`available(user, obj)` answers which actions a user may take now; pages and the API draw their
buttons from it, never from the status.

Why our own small table and not django-fsm-2 or viewflow: the contract above (lock, scoped
refusal order, reasons, one history table, audit chain, notifications after commit) is the
portal's; django-fsm would give decorated methods on the models (logic in models, which the
style guide avoids) and its own signals, viewflow a whole BPMN process layer. What is left to
write is a declaration and one function of about a hundred lines.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from portal import permissions
from portal.models import StateChange, User

Recipients = Callable[[Any], Iterable[User]]
M = TypeVar("M", bound=Model)
Effect = Callable[[Any], None]

# Stamps: fields set by a transition to the moment it happens, or to the acting user.
NOW = "now"
ACTOR = "actor"
REASON = "reason"
NONE = "none"
EMPTY = "empty"

PORTAL_LABEL = "system"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    event: str
    label: str | Promise
    # None: no user may take this step; the portal makes it itself (automatic=True).
    permission: str | None = None
    reason_required: bool = False
    automatic: bool = False
    # Whom to tell, and the after-commit effects (a recompute): each called with the record.
    notify: Recipients | None = None
    # The notification's title; by default "<record>: <new state>".
    title: Callable[[Any], str] | None = None
    # The notification's text and link; by default the reason and the workflow's `url`.
    body: Callable[[Any], str] | None = None
    url: Callable[[Any], str] | None = None
    after_commit: tuple[Effect, ...] = ()
    # field → NOW | ACTOR | REASON | NONE | EMPTY, set together with the state.
    stamps: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Workflow:
    name: str
    model: type[Model]
    transitions: tuple[Transition, ...]
    field: str = "status"
    # Checked before the state: a user who may not see the record learns nothing about it.
    view_permission: str | None = None
    # Extra condition on the record beyond its state (e.g. "the current version"): returns why
    # the record cannot move now, or "".
    guard: Callable[[Any], str] | None = None
    # Fields the model updates by itself on save (auto_now), added to update_fields.
    touch: tuple[str, ...] = ()
    # How messages and notifications name the record, and where it is read.
    describe: Callable[[Any], str] = str
    url: Callable[[Any], str] = lambda obj: ""
    reason_prompt: str | Promise = ""
    by_action: dict[str, Transition] = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        actions = {t.action: t for t in self.transitions}
        if len(actions) != len(self.transitions):
            raise ValueError(f"Workflow {self.name}: an action is declared twice.")
        states = set(self._choices())
        for t in self.transitions:
            unknown = (set(t.sources) | {t.target}) - states
            if unknown:
                raise ValueError(f"Workflow {self.name}, {t.action}: unknown states {unknown}.")
            if t.permission is None and not t.automatic:
                raise ValueError(f"Workflow {self.name}, {t.action}: no permission declared.")
        object.__setattr__(self, "by_action", actions)
        _REGISTRY[self.name] = self

    def transition(self, action: str) -> Transition:
        return self.by_action[action]  # an unknown action is a programming error

    def _choices(self) -> dict[str, Any]:
        """The state field's choices, {value: label}: a workflow's field is a CharField."""
        field = self.model._meta.get_field(self.field)
        return dict(getattr(field, "choices", None) or ())

    def state_label(self, state: str) -> str:
        return str(self._choices().get(state, state))

    @property
    def states(self) -> list[str]:
        return list(self._choices())


_REGISTRY: dict[str, Workflow] = {}


def workflows() -> dict[str, Workflow]:
    """Every declared workflow by name (apps declare theirs when their models load)."""
    return dict(_REGISTRY)


def workflow_of(model: type[Model] | Model) -> Workflow:
    model = model if isinstance(model, type) else type(model)
    for workflow in _REGISTRY.values():
        if workflow.model is model:
            return workflow
    raise LookupError(f"No workflow is declared for {model.__name__}.")


# Questions -----------------------------------------------------------------------------------


def state_problem(workflow: Workflow, obj: Model, action: str) -> str:
    """Why `action` is not possible on `obj` in its current state, or "" when it is."""
    transition = workflow.transition(action)
    current = getattr(obj, workflow.field)
    if current not in transition.sources:
        return _("%(record)s is %(state)s; “%(action)s” is not possible now.") % {
            "record": workflow.describe(obj),
            "state": workflow.state_label(current),
            "action": transition.label,
        }
    return workflow.guard(obj) if workflow.guard else ""


def check_state(workflow: Workflow, obj: Model, action: str) -> None:
    problem = state_problem(workflow, obj, action)
    if problem:
        raise ValidationError(problem, code="invalid_transition")


def could_act(workflow: Workflow, actor: Any, obj: Model, action: str) -> bool:
    """Could `actor` take `action` on `obj` were it in one of the action's source states? (Who
    they are and what the record is theirs to do, apart from its state.)"""
    transition = workflow.transition(action)
    if transition.permission is None:
        return False
    current = getattr(obj, workflow.field)
    try:
        for source in sorted(transition.sources):
            setattr(obj, workflow.field, source)
            if permissions.can(actor, transition.permission, obj):
                return True
        return False
    finally:
        setattr(obj, workflow.field, current)


def check(workflow: Workflow, actor: Any, obj: Model, action: str) -> None:
    """What `apply()` checks first, for a service to call before its own business checks. A
    user who may not see the record, or could never take this step on it, is refused without
    learning its state; a user who could is told what the state is now (a stale page)."""
    if workflow.view_permission and not permissions.can_see(actor, workflow.view_permission, obj):
        raise PermissionDenied(workflow.view_permission)
    if not could_act(workflow, actor, obj, action):
        raise PermissionDenied(workflow.transition(action).permission or action)
    check_state(workflow, obj, action)


def allowed(workflow: Workflow, user: Any, obj: Model, action: str) -> bool:
    """May `user` take `action` on `obj` now (its state and the user's permission)?"""
    transition = workflow.transition(action)
    if transition.automatic or transition.permission is None:
        return False
    if state_problem(workflow, obj, action):
        return False
    return permissions.can(user, transition.permission, obj)


def available(workflow: Workflow, user: Any, obj: Model) -> list[Transition]:
    """The actions `user` may take on `obj` now, in declaration order."""
    return [t for t in workflow.transitions if allowed(workflow, user, obj, t.action)]


def history(obj: Model) -> list[StateChange]:
    """The record's history, oldest first, with the actors loaded."""
    return list(
        StateChange.objects.filter(
            content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk
        )
        .select_related("actor")
        .order_by("at", "pk")
    )


def histories(objs: Iterable[Model]) -> dict[Any, list[StateChange]]:
    """The histories of a page of records of one model in one query: pk → steps, oldest first."""
    objs = list(objs)
    if not objs:
        return {}
    found: dict[Any, list[StateChange]] = {obj.pk: [] for obj in objs}
    changes = StateChange.objects.filter(
        content_type=ContentType.objects.get_for_model(type(objs[0])), object_id__in=list(found)
    ).select_related("actor")
    for change in changes.order_by("at", "pk"):
        found[change.object_id].append(change)
    return found


# The one way to change state -----------------------------------------------------------------


def apply(
    workflow: Workflow,
    *,
    actor: User | None,
    obj: M,
    action: str,
    reason: str = "",
    changes: dict[str, Any] | None = None,
    payload: dict[str, Any] | None = None,
    automatic: bool = False,
    cause: User | None = None,
) -> M:
    """Make one transition of `obj` (see the module's docstring for the contract).

    `changes` are other fields saved with the state (an approved amount); `payload` is kept in
    the history row. With `automatic=True` the portal acts (the actor is recorded as none) and
    `cause` names the user whose act led to it.
    """
    transition = workflow.transition(action)
    actor, cause = _acting(transition, actor, cause, automatic=automatic)
    with transaction.atomic():
        current = _lock(workflow, obj)
        if actor is None:
            check_state(workflow, obj, action)
        else:
            check(workflow, actor, obj, action)
            permissions.require(actor, transition.permission or "", obj)
        reason = _reason(workflow, transition, reason)
        now = timezone.now()
        changes = dict(changes or {})
        stamped = {NOW: now, ACTOR: actor, REASON: reason, NONE: None, EMPTY: ""}
        for name, kind in transition.stamps:
            changes.setdefault(name, stamped[kind])
        previous = {name: _attribute(obj, name) for name in changes}
        for name, value in changes.items():
            setattr(obj, name, value)
        setattr(obj, workflow.field, transition.target)
        obj.save(update_fields=[workflow.field, *changes, *workflow.touch])
        payload = {**(payload or {})}
        if cause is not None and actor is None:
            payload.setdefault("cause", cause.get_username())
        _record(workflow, transition, obj, actor=actor, before=current, reason=reason,
                payload=payload, at=now, previous=previous, changes=changes)  # fmt: skip
        _tell(workflow, transition, obj, reason)
        for effect in transition.after_commit:
            transaction.on_commit(_Deferred(effect, obj))
    return obj


def _acting(
    transition: Transition, actor: User | None, cause: User | None, *, automatic: bool
) -> tuple[User | None, User | None]:
    """Who acts (none: the portal) and who caused it. A user's step is never made
    "automatically", and the portal's own step never by a user."""
    if automatic != transition.automatic or (not automatic and actor is None):
        raise PermissionDenied(transition.action)
    return (None, cause or actor) if automatic else (actor, cause)


def _reason(workflow: Workflow, transition: Transition, reason: str) -> str:
    reason = (reason or "").strip()
    if transition.reason_required and not reason:
        prompt = workflow.reason_prompt or _("Give a reason for “%(action)s”.") % {
            "action": transition.label
        }
        raise ValidationError({"reason": prompt})
    return reason


def _lock(workflow: Workflow, obj: Model) -> str:
    """Lock the record's row and read its state there (a stale object is brought up to date)."""
    current = (
        type(obj)
        ._default_manager.select_for_update()
        .values_list(workflow.field, flat=True)
        .get(pk=obj.pk)
    )
    setattr(obj, workflow.field, current)
    return current


def _record(
    workflow: Workflow, transition: Transition, obj: Model, *, actor: User | None, before: str,
    reason: str, payload: dict, at: Any, previous: dict, changes: dict,
) -> None:  # fmt: skip
    """The history row and the audit entry of one step."""
    from portal.services import audit_record  # services import this module's callers

    StateChange.objects.create(
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=obj.pk,
        workflow=workflow.name,
        action=transition.action,
        from_state=before,
        to_state=transition.target,
        actor=actor,
        reason=reason,
        payload=_json(payload),
        at=at,
    )
    audit_record(
        actor=actor,
        actor_label=PORTAL_LABEL if actor is None else "",
        event=transition.event,
        target=obj,
        before={workflow.field: before, **_json(_plain(previous))},
        after={workflow.field: transition.target, **_json(_plain(changes))},
        reason=reason,
    )


def _tell(workflow: Workflow, transition: Transition, obj: Model, reason: str) -> None:
    """The declared notification of a step (the inbox now, e-mail after commit)."""
    from portal.services import notify

    if transition.notify is None:
        return
    title = (
        transition.title(obj)
        if transition.title is not None
        else _("%(record)s: %(state)s")
        % {"record": workflow.describe(obj), "state": workflow.state_label(transition.target)}
    )
    notify(
        event=transition.event,
        recipients=transition.notify(obj),
        title=title,
        body=transition.body(obj) if transition.body is not None else reason,
        url=(transition.url or workflow.url)(obj),
    )


def backfill(workflow: Workflow, steps: Iterable[tuple[Model, str, User | None, Any, str]]) -> int:
    """History rows of records loaded in the state they reached in the past (demo data, a
    migration from the Word-and-Excel era): `(record, action, actor, at, reason)`, oldest first
    per record. Writes history only; the records are already in their state."""
    rows = []
    for obj, action, actor, at, reason in steps:
        transition = workflow.transition(action)
        sources = sorted(transition.sources)
        rows.append(
            StateChange(
                content_type=ContentType.objects.get_for_model(type(obj)),
                object_id=obj.pk,
                workflow=workflow.name,
                action=action,
                from_state=sources[0] if len(sources) == 1 else "",
                to_state=transition.target,
                actor=actor,
                reason=reason,
                payload={"backfilled": True},
                at=at,
            )
        )
    StateChange.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


class _Deferred:
    """An after-commit effect bound to its record (a class, so a test can see what is queued)."""

    def __init__(self, effect: Effect, obj: Model) -> None:
        self.effect, self.obj = effect, obj

    def __call__(self) -> None:
        self.effect(self.obj)


def _attribute(obj: Model, name: str) -> Any:
    """A field's value before the change (a foreign key as its row, like the change gives it)."""
    field = obj._meta.get_field(name)
    if getattr(field, "many_to_one", False):
        pk = getattr(obj, getattr(field, "attname", name))
        return None if pk is None else field.related_model(pk=pk)  # type: ignore[misc]
    return getattr(obj, name)


def _plain(changes: dict[str, Any]) -> dict[str, Any]:
    """Foreign keys by id in the audit entry."""
    return {
        (f"{name}_id" if isinstance(value, Model) else name): (
            value.pk if isinstance(value, Model) else value
        )
        for name, value in changes.items()
    }


def _json(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Model):
        return value.pk
    return str(value)
