"""Constants and helpers shared by the projects services."""

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils.translation import gettext as _

from portal import formats
from projects.models import (
    Application,
    Assignment,
    CallCategory,
)

S = Application.Status
# Scoring completes when every active expert has scored and at least this many did.
MIN_SCORES = 3
# A returned application may be resubmitted this many days after the return, by default.
REVISION_DAYS = 7
# Progress reports are due every three months of execution.
PROGRESS_INTERVAL_MONTHS = 3


def _money(value: Any, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation as error:
        raise ValidationError(
            {field: _("%(value)s is not a number.") % {"value": value}}
        ) from error
    if amount < 0:
        raise ValidationError({field: _("The amount cannot be negative.")})
    return amount


def _fmt(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in values.items()}


def _budget_used(lot: CallCategory, *, exclude: Application | None = None) -> Decimal:
    approved = Application.objects.filter(call_category=lot, status__in=Application.PROJECT_STATES)
    if exclude is not None:
        approved = approved.exclude(pk=exclude.pk)
    return approved.aggregate(total=Sum("approved_amount"))["total"] or Decimal(0)


def _check_window(lot: CallCategory) -> None:
    call = lot.call
    if not call.is_open():
        raise ValidationError(
            _("The call “%(call)s” accepts applications from %(opens)s to %(closes)s.")
            % {
                "call": formats.nested_quotes(call.title),
                "opens": formats.moment(call.opens_at),
                "closes": formats.moment(call.closes_at),
            },
            code="call_closed",
        )


def _locked(application: Application) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("call_category__call", "lead_organisation")
        .get(pk=application.pk)
    )


def _locked_assignment(assignment: Assignment) -> Assignment:
    return (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("application__call_category", "expert")
        .get(pk=assignment.pk)
    )
