"""Calls for applications and the categories (with budgets) they open."""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal import formats, permissions
from portal.models import User
from portal.services import audit_record, snapshot
from projects import events
from projects.models import (
    Call,
    CallCategory,
    Category,
)
from projects.services.categories import category_spec
from projects.services.common import (
    _budget_used,
    _jsonable,
)

# Calls ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LotInput:
    category: Category
    budget: Decimal
    expected_projects: int
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None


def _check_call(data: Mapping[str, Any], lots: list[LotInput]) -> None:
    problems: dict[str, list[str]] = {}
    if data["closes_at"] <= data["opens_at"]:
        problems["closes_at"] = [_("The call must close after it opens.")]
    if not lots:
        problems["lots"] = [_("Open at least one category in the call.")]
    for lot in lots:
        low, high = lot.amount_min, lot.amount_max
        if low is not None and high is not None and low > high:
            problems.setdefault("lots", []).append(
                _("Category %(code)s: the maximum grant is below the minimum.")
                % {"code": lot.category.code}
            )
        if lot.amount_min is not None and lot.amount_min > lot.budget:
            problems.setdefault("lots", []).append(
                _("Category %(code)s: the budget is smaller than one minimum grant.")
                % {"code": lot.category.code}
            )
    if problems:
        raise ValidationError(problems)


def _lot_fields(lot: LotInput) -> dict[str, Any]:
    category = lot.category
    return {
        "budget": lot.budget,
        "expected_projects": lot.expected_projects,
        # The call's own range, or the category's documented one.
        "amount_min": lot.amount_min if lot.amount_min is not None else category.amount_min,
        "amount_max": lot.amount_max if lot.amount_max is not None else category.amount_max,
    }


@transaction.atomic
def call_create(*, actor: User, data: Mapping[str, Any], lots: list[LotInput]) -> Call:
    permissions.require(actor, "project.call.manage")
    _check_call(data, lots)
    call = Call.objects.create(
        year=data["year"],
        title=data["title"],
        description=data.get("description", ""),
        opens_at=data["opens_at"],
        closes_at=data["closes_at"],
        created_by=actor,
    )
    for lot in lots:
        category = Category.objects.prefetch_related("kpis", "criteria").get(pk=lot.category.pk)
        CallCategory.objects.create(
            call=call,
            category=category,
            category_version=category.version,
            spec=category_spec(category),
            **_lot_fields(lot),
        )
    audit_record(
        actor=actor,
        event=events.CALL_CREATE,
        target=call,
        after={
            "title": call.title,
            "opens_at": call.opens_at.isoformat(),
            "closes_at": call.closes_at.isoformat(),
            "categories": [lot.category.code for lot in lots],
            "budgets": [str(lot.budget) for lot in lots],
        },
    )
    return call


@transaction.atomic
def call_update(*, actor: User, call: Call, data: Mapping[str, Any], lots: list[LotInput]) -> Call:
    """Change dates, texts and budgets. A category already open keeps its frozen version."""
    permissions.require(actor, "project.call.manage")
    _check_call(data, lots)
    call = Call.objects.select_for_update().get(pk=call.pk)
    before = {
        **snapshot(call, ("title", "description", "opens_at", "closes_at")),
        "lots": {str(lot.category.code): str(lot.budget) for lot in call.lots.all()},
    }
    for field in ("year", "title", "description", "opens_at", "closes_at"):
        setattr(call, field, data.get(field, getattr(call, field)))
    call.save()
    existing = {lot.category_id: lot for lot in call.lots.select_for_update()}
    wanted = {lot.category.pk: lot for lot in lots}
    for category_id, old in existing.items():
        if category_id not in wanted:
            if old.applications.exists():
                raise ValidationError(
                    {
                        "lots": _(
                            "Category %(code)s has applications in this call and cannot be "
                            "removed from it."
                        )
                        % {"code": old.code}
                    }
                )
            old.delete()
    for category_id, lot_input in wanted.items():
        lot = existing.get(category_id)
        fields = _lot_fields(lot_input)
        if lot is None:
            category = Category.objects.prefetch_related("kpis", "criteria").get(pk=category_id)
            CallCategory.objects.create(
                call=call,
                category=category,
                category_version=category.version,
                spec=category_spec(category),
                **fields,
            )
            continue
        used = _budget_used(lot)
        if fields["budget"] < used:
            raise ValidationError(
                {
                    "lots": _(
                        "Category %(code)s: %(used)s is already approved; the budget cannot be "
                        "lower."
                    )
                    % {"code": lot.code, "used": formats.money_with_unit(used)}
                }
            )
        for field, value in fields.items():
            setattr(lot, field, value)
        lot.save()
    after = {
        **snapshot(call, ("title", "description", "opens_at", "closes_at")),
        "lots": {str(lot.category.code): str(lot.budget) for lot in call.lots.all()},
    }
    audit_record(
        actor=actor,
        event=events.CALL_UPDATE,
        target=call,
        before=_jsonable({k: str(v) if hasattr(v, "isoformat") else v for k, v in before.items()}),
        after=_jsonable({k: str(v) if hasattr(v, "isoformat") else v for k, v in after.items()}),
    )
    return call
