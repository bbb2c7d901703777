import factory
from factory.django import DjangoModelFactory

from portal.identifiers import credit_code_check_character
from portal.models import Organisation, Region, Role, User


def region(code: str) -> Region:
    """Regions are seeded by migration; tests use the real ones."""
    return Region.objects.get(code=code)


def valid_credit_code(n: int) -> str:
    body = f"91610900{n:09d}"
    return body + credit_code_check_character(body)


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
