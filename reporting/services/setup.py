"""Writes of the reporting set-up the bureau manages without code: data elements, validation
rules, targets. Each is atomic, permission-checked and audited."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal import permissions
from portal.models import User
from portal.services import audit_record, snapshot
from reporting import events
from reporting.models import DataElement, ReturnForm, Target, ValidationRule
from reporting.validation import rule_check_definition

ELEMENT_FIELDS = (
    "code", "name", "unit", "value_type", "kind", "lower_bound", "upper_bound", "description",
    "source", "sort", "is_active",
)  # fmt: skip
RULE_FIELDS = (
    "code", "name", "condition", "left", "operator", "right", "for_each", "importance",
    "comment_excuses", "message", "source", "is_active",
)  # fmt: skip
TARGET_FIELDS = (
    "indicator", "region", "deadline", "target_value", "baseline_value", "baseline_date", "source",
)  # fmt: skip


def _save(*, actor: User, obj, fields, data: dict[str, Any], event: str):
    before = snapshot(obj, fields) if obj.pk else None
    for name in fields:
        if name in data:
            setattr(obj, name, data[name])
    obj.full_clean()
    obj.save()
    audit_record(actor=actor, event=event, target=obj, before=before, after=snapshot(obj, fields))
    return obj


@transaction.atomic
def element_save(
    *,
    actor: User,
    data: dict[str, Any],
    element: DataElement | None = None,
    forms: list[ReturnForm] | None = None,
) -> DataElement:
    """Create or edit a data element; a new one is added to the forms given. The code of an
    element in use never changes: rules and past values refer to it."""
    permissions.require(actor, "reporting.setup.manage")
    data = {**data, "code": (data.get("code") or "").strip().upper()}
    renamed = element is not None and element.pk and data["code"] != element.code
    if renamed and element is not None and element.values.exists():
        raise ValidationError(
                {"code": _("%(code)s already has reported values; its code cannot change.")
                 % {"code": element.code}}
            )  # fmt: skip
    element = _save(
        actor=actor,
        obj=element or DataElement(),
        fields=ELEMENT_FIELDS,
        data=data,
        event=events.ELEMENT_SAVE,
    )
    for form in forms or []:
        form.elements.add(element)
    return element


@transaction.atomic
def rule_save(
    *, actor: User, data: dict[str, Any], rule: ValidationRule | None = None
) -> ValidationRule:
    permissions.require(actor, "reporting.setup.manage")
    data = {**data, "code": (data.get("code") or "").strip().upper()}
    rule_check_definition(
        left=data["left"],
        right=data["right"],
        condition=data.get("condition", ""),
        for_each=data.get("for_each", ""),
    )
    return _save(
        actor=actor,
        obj=rule or ValidationRule(),
        fields=RULE_FIELDS,
        data=data,
        event=events.RULE_SAVE,
    )


def target_data(target: Target) -> dict[str, Any]:
    """A target's editable fields, to start an edit from (page and API)."""
    return {name: getattr(target, name) for name in TARGET_FIELDS}


@transaction.atomic
def target_save(*, actor: User, data: dict[str, Any], target: Target | None = None) -> Target:
    """Leaders and the bureau set targets; progress is recomputed for it after commit."""
    from reporting import tasks

    permissions.require(actor, "reporting.target.manage")
    if (
        data.get("baseline_date")
        and data.get("deadline")
        and (data["baseline_date"] >= data["deadline"])
    ):
        raise ValidationError(
            {"baseline_date": _("The baseline date must be before the deadline.")}
        )
    clash = Target.objects.filter(
        indicator=data["indicator"], region=data.get("region"), deadline=data["deadline"]
    )
    if target is not None and target.pk is not None:
        clash = clash.exclude(pk=target.pk)
    if clash.exists():
        raise ValidationError(
            {"deadline": _("This indicator already has a target for that region and deadline.")}
        )
    target = _save(
        actor=actor,
        obj=target or Target(created_by=actor),
        fields=TARGET_FIELDS,
        data=data,
        event=events.TARGET_SAVE,
    )
    if target.region_id:
        region_id = target.region_id
        transaction.on_commit(lambda: tasks.recompute_progress.delay(region_id=region_id))
    return target
