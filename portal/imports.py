"""What the imports (patent lists, exchange files, return workbooks) do when applying one fails.

Applying runs in one transaction: an error at any row rolls every row back. The import's own
record then says so, with the reason, in a write of its own made after the rollback (so that
write is not rolled back with the rows). The record keeps `failed_at` and `failure`; a later
successful apply clears them.

Imports with a status (patent lists, exchange runs) declare their workflow with
`import_workflow`: checked → applied, checked or failed → failed (the portal's own act, with the
reason) → applied on a later try. Their failure is recorded through the workflow engine.
"""

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.workflow import EMPTY, NONE, NOW, REASON, Transition, Workflow, workflow_of
from portal.workflow import apply as engine_apply

logger = logging.getLogger(__name__)

Result = TypeVar("Result")


def failure_reason(error: Exception) -> str:
    """The reason recorded: a refusal's messages as the user saw them, else what the error
    says (never the exception's class name: people read this; the log keeps the traceback)."""
    if isinstance(error, ValidationError):
        return "\n".join(error.messages)[:2000]
    said = str(error).strip()[:500] or _("an unexpected error stopped the import")
    return _("Nothing was stored: %(error)s") % {"error": said}


def import_workflow(
    *,
    name: str,
    model: type[models.Model],
    permission: str,
    describe: Callable[[Any], str],
    url: Callable[[Any], str],
    applied_event: str,
    failed_event: str,
) -> Workflow:
    """The life cycle every import shares: checked → applied; a failed apply → failed."""
    status = cast(models.Field, model._meta.get_field("status")).choices or ()
    checked, applied, failed = (value for value, _label in status)
    return Workflow(
        name=name,
        model=model,
        describe=describe,
        url=url,
        transitions=(
            Transition(
                action="apply", sources=frozenset({checked, failed}), target=applied,
                permission=permission, label=gettext_lazy("Import"), event=applied_event,
                stamps=(("applied_at", NOW), ("failed_at", NONE), ("failure", EMPTY)),
            ),
            Transition(
                action="fail", sources=frozenset({checked, failed}), target=failed,
                automatic=True, label=gettext_lazy("Failed"), event=failed_event,
                stamps=(("failed_at", NOW), ("failure", REASON)),
            ),
        ),
    )  # fmt: skip


def record_failure(model: type[models.Model], pk: int, error: Exception) -> None:
    try:
        with transaction.atomic():
            try:
                flow = workflow_of(model)
            except LookupError:
                model._default_manager.filter(pk=pk).update(
                    failed_at=timezone.now(), failure=failure_reason(error)
                )
            else:
                engine_apply(flow, actor=None, obj=model._default_manager.get(pk=pk), action="fail",
                             reason=failure_reason(error), automatic=True)  # fmt: skip
    except DatabaseError:  # the database itself is gone: the original error says more
        logger.exception("could not record the failure of %s %s", model.__name__, pk)


def marks_failure(model: type[models.Model], argument: str):
    """Decorate an atomic apply service: when it raises, record the failure on the import
    named by keyword `argument` (a refusal because it is already applied, or because the actor
    may not apply it, is no failure of the import), then raise again."""

    def decorate(apply: Callable[..., Result]) -> Callable[..., Result]:
        @wraps(apply)
        def wrapper(*args, **kwargs) -> Result:
            try:
                return apply(*args, **kwargs)
            except PermissionDenied:
                raise
            except ValidationError as error:
                if getattr(error, "code", None) != "applied":
                    record_failure(model, kwargs[argument].pk, error)
                raise
            except Exception as error:
                record_failure(model, kwargs[argument].pk, error)
                raise

        return wrapper

    return decorate
