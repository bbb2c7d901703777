"""Builders of the patent pool's rows for tests: patents, technology needs, suggestions."""

from datetime import date
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from patents.models import Match, Patent, TechNeed
from portal.factories import ApplicantFactory, OrganisationFactory
from portal.identifiers import patent_check_character
from portal.models import Organisation


def patent_number(serial: int, year: int = 2021, kind: str = "1") -> str:
    """A valid application number: year, type digit (1 invention, 2 utility model, 3 design),
    serial, check character (DOMAIN.md §8)."""
    digits = f"{year}{kind}{serial:07d}"
    return f"{digits}.{patent_check_character(digits)}"


class PatentFactory(DjangoModelFactory):
    """A granted, valid invention patent in a university's pool. `serial` gives the number and
    the title (专利<serial>), as a list would."""

    class Meta:
        model = Patent

    class Params:
        serial = factory.Sequence(lambda n: n + 1)

    number = factory.LazyAttribute(lambda patent: patent_number(patent.serial))
    title = factory.LazyAttribute(lambda patent: f"专利{patent.serial}")
    kind = Patent.Kind.INVENTION
    status = Patent.Status.VALID
    filed_on = date(2015, 1, 1)
    granted_on = date(2018, 1, 1)
    owner = factory.SubFactory(OrganisationFactory, kind=Organisation.Kind.UNIVERSITY)


class TechNeedFactory(DjangoModelFactory):
    """An enterprise's technology need, posted by one of its applicants."""

    class Meta:
        model = TechNeed

    created_by = factory.SubFactory(ApplicantFactory)
    organisation = factory.LazyAttribute(lambda need: need.created_by.organisation)
    title = "负极材料"
    description = "提高电池负极比容量"
    cooperation = TechNeed.Cooperation.LICENCE


class MatchFactory(DjangoModelFactory):
    """A suggestion of a patent for a need, as the matching stores it."""

    class Meta:
        model = Match

    need = factory.SubFactory(TechNeedFactory)
    patent = factory.SubFactory(PatentFactory)
    rank = 1
    score = Decimal("0.5")
    shared_terms = factory.LazyFunction(lambda: ["负极材料"])
    computed_at = factory.LazyFunction(timezone.now)
