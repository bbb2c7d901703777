"""Builders of exchange mappings and runs for tests. The published layouts are seeded by
migration: `mapping` gives the active version of one; `MappingFactory` makes a new one."""

import factory
from factory.django import DjangoModelFactory

from exchange.models import Mapping, Run
from exchange.seeds import CREDIT, NAME
from portal.factories import UserFactory
from portal.models import Role


def mapping(code: str) -> Mapping:
    """The active version of a seeded mapping."""
    return Mapping.objects.get(code=code, is_active=True)


class MappingFactory(DjangoModelFactory):
    """A qualification list's layout: enterprise name, credit code, year."""

    class Meta:
        model = Mapping

    code = factory.Sequence(lambda n: f"test-list-{n}")
    name = factory.Sequence(lambda n: f"测试名单{n}")
    direction = Mapping.Direction.IMPORT
    target = "qualifications"
    params = factory.LazyFunction(lambda: {"kind": "high_tech", "source": "测试名单"})
    columns = factory.LazyFunction(
        lambda: [
            dict(NAME),
            dict(CREDIT),
            {"header": "认定年度", "field": "year", "type": "integer", "required": True},
        ]
    )


class RunFactory(DjangoModelFactory):
    """A checked run of the provincial 专精特新 list, by a reviewer."""

    class Meta:
        model = Run

    mapping = factory.LazyFunction(lambda: mapping("zjtx-provincial"))
    created_by = factory.SubFactory(UserFactory, role=Role.REVIEWER)
