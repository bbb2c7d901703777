"""Builders of the portal's rows for tests: organisations, users of each role, qualifications.

Regions are seeded by migration; builders use the real ones rather than making new ones.
"""

import factory
from factory.django import DjangoModelFactory

from portal.identifiers import credit_code_check_character
from portal.models import Organisation, Qualification, Region, Role, User


def region(code: str) -> Region:
    """Regions are seeded by migration; tests use the real ones."""
    return Region.objects.get(code=code)


def credit_code(body17: str) -> str:
    """The unified social credit code of these 17 characters, its check character added."""
    return body17 + credit_code_check_character(body17)


def valid_credit_code(n: int) -> str:
    return credit_code(f"91610900{n:09d}")


def wrong_check(code: str) -> str:
    """The same code with another last character: a check character that does not match."""
    return code[:-1] + ("1" if code[-1] != "1" else "2")


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"测试单位{n}有限公司")
    credit_code = factory.Sequence(valid_credit_code)
    kind = Organisation.Kind.ENTERPRISE
    region = factory.LazyFunction(lambda: region("610902"))
    status = Organisation.Status.VERIFIED


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"用户{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    role = Role.REVIEWER
    password = factory.PostGenerationMethodCall("set_password", "Pass-word-2025")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ApplicantFactory(UserFactory):
    role = Role.APPLICANT
    organisation = factory.SubFactory(OrganisationFactory)


class CityAgencyFactory(UserFactory):
    role = Role.CITY_AGENCY
    region = factory.LazyFunction(lambda: region("610900"))


class QualificationFactory(DjangoModelFactory):
    """A recognition of an enterprise: by default a national little giant of 2024."""

    class Meta:
        model = Qualification

    organisation = factory.SubFactory(OrganisationFactory)
    kind = Qualification.Kind.LITTLE_GIANT
    year = 2024
    source = "第六批名单"
