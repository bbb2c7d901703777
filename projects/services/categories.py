"""Categories: their frozen form for a call, and editing them for the next call."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from portal import permissions
from portal.models import User
from portal.services import audit_record, snapshot
from projects import events
from projects.models import (
    Category,
    KPITemplate,
    RubricCriterion,
)
from projects.services.common import (
    _fmt,
    _jsonable,
)

# Categories ----------------------------------------------------------------------------------

CATEGORY_FIELDS = (
    "name",
    "tasks",
    "eligibility_text",
    "period_months",
    "eligible_kinds",
    "subtypes",
    "amount_min",
    "amount_max",
    "amount_source",
)


def category_spec(category: Category) -> dict[str, Any]:
    """The category frozen as JSON, for a call opening it."""
    return {
        "code": category.code,
        "name": category.name,
        "tasks": category.tasks,
        "eligibility_text": category.eligibility_text,
        "period_months": category.period_months,
        "eligible_kinds": list(category.eligible_kinds),
        "rules": list(category.rules),
        "subtypes": list(category.subtypes),
        "source": category.source,
        "version": category.version,
        "kpis": [
            {
                "code": kpi.code,
                "name": kpi.name,
                "unit": kpi.unit,
                "comparator": kpi.comparator,
                "minimum": _fmt(kpi.minimum),
                "source": kpi.source,
            }
            for kpi in category.kpis.all()
        ],
        "criteria": [
            {
                "code": criterion.code,
                "name": criterion.name,
                "guidance": criterion.guidance,
                "weight": criterion.weight,
            }
            for criterion in category.criteria.all()
        ],
    }


@transaction.atomic
def category_update(
    *,
    actor: User,
    category: Category,
    data: Mapping[str, Any],
    kpis: list[Mapping[str, Any]],
    criteria: list[Mapping[str, Any]],
) -> Category:
    """Edit a category for the next call. Calls already opened keep the version they froze."""
    permissions.require(actor, "project.category.edit")
    problems: dict[str, list[str]] = {}
    if not kpis:
        problems.setdefault("kpis", []).append(_("A category needs at least one KPI."))
    kpi_codes = [kpi["code"] for kpi in kpis]
    if len(set(kpi_codes)) != len(kpi_codes):
        problems.setdefault("kpis", []).append(_("Two KPIs have the same code."))
    criterion_codes = [criterion["code"] for criterion in criteria]
    if len(set(criterion_codes)) != len(criterion_codes):
        problems.setdefault("criteria", []).append(_("Two criteria have the same code."))
    total = sum(int(criterion["weight"]) for criterion in criteria)
    if total != 100:
        problems.setdefault("criteria", []).append(
            _("The criteria weights must sum to 100; they sum to %(total)d.") % {"total": total}
        )
    low, high = data.get("amount_min"), data.get("amount_max")
    if low is not None and high is not None and low > high:
        problems.setdefault("amount_max", []).append(_("The maximum grant is below the minimum."))
    if problems:
        raise ValidationError(problems)

    category = Category.objects.select_for_update().get(pk=category.pk)
    before = {**snapshot(category, CATEGORY_FIELDS), "spec": category_spec(category)}
    for field in CATEGORY_FIELDS:
        if field in data:
            setattr(category, field, data[field])
    category.version += 1
    category.save()
    category.kpis.all().delete()
    KPITemplate.objects.bulk_create(
        KPITemplate(category=category, position=index, **kpi) for index, kpi in enumerate(kpis)
    )
    category.criteria.all().delete()
    RubricCriterion.objects.bulk_create(
        RubricCriterion(category=category, position=index, **criterion)
        for index, criterion in enumerate(criteria)
    )
    after = {**snapshot(category, CATEGORY_FIELDS), "spec": category_spec(category)}
    audit_record(
        actor=actor,
        event=events.CATEGORY_UPDATE,
        target=category,
        before=_jsonable(before),
        after=_jsonable(after),
    )
    return category
