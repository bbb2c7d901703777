"""Builders of statistics returns for tests, against the quarterly form and the regions seeded
by migration."""

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from portal.factories import region
from reporting.models import ReturnForm, StatReturn

# The period tests report for: long past, so it is open whatever today is.
PERIOD = "2025Q2"


def as_approved(values: dict[str, int | Decimal | str]) -> dict[str, dict[str, str]]:
    """Figures as an approved return keeps them."""
    return {code: {"value": str(value), "comment": ""} for code, value in values.items()}


class StatReturnFactory(DjangoModelFactory):
    """A return of Ankang (610900) for PERIOD on the quarterly form, in draft. Give `values`
    (indicator code → figure) for an approved return holding them."""

    class Meta:
        model = StatReturn

    class Params:
        values = None

    form = factory.LazyFunction(lambda: ReturnForm.objects.get(code="QUARTERLY"))
    region = factory.LazyFunction(lambda: region("610900"))
    period = PERIOD
    status = factory.LazyAttribute(
        lambda ret: StatReturn.Status.DRAFT if ret.values is None else StatReturn.Status.APPROVED
    )
    snapshot = factory.LazyAttribute(
        lambda ret: None if ret.values is None else as_approved(ret.values)
    )
