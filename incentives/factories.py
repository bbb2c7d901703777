"""Builders of incentive claims and budgets for tests, against the policies seeded by migration.

`submitted` goes through the services, so a claim starts from a state the portal itself can
reach; `ClaimFactory` writes a row directly, for tests that only need one to exist.
"""

from datetime import date
from decimal import Decimal

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from factory.django import DjangoModelFactory

from incentives import services
from incentives.models import Budget, Claim, Policy
from portal.factories import ApplicantFactory, OrganisationFactory, QualificationFactory, region
from portal.models import Organisation, User

TODAY = date(2025, 6, 30)  # the day claims are made and decided (budget year 2025)
WAN = Decimal(10_000)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def policy(code: str) -> Policy:
    """The active version of a seeded policy."""
    return Policy.objects.get(code=code, is_active=True)


def little_giant(region_code: str = "610902") -> User:
    """An applicant of an enterprise (in 汉滨区, 安康市, by default) first recognised as a
    national little giant in 2024."""
    user: User = ApplicantFactory.create(
        organisation=OrganisationFactory(
            kind=Organisation.Kind.ENTERPRISE, region=region(region_code)
        )
    )
    QualificationFactory(organisation=user.organisation)
    return user


class PolicyFactory(DjangoModelFactory):
    """A provincial policy of its own (not one of the seeded): a fixed reward of 10万元 for
    enterprises, open through 2024–2026, nothing required but the claim."""

    class Meta:
        model = Policy

    code = factory.Sequence(lambda n: f"test-policy-{n}")
    title = factory.Sequence(lambda n: f"测试奖励政策{n}")
    level = Policy.Level.PROVINCE
    region = factory.LazyFunction(lambda: region("610000"))
    document = "测试文件〔2024〕1号"
    clause = "第1条"
    claimant_kinds = factory.LazyFunction(lambda: [Organisation.Kind.ENTERPRISE.value])
    opens_on = date(2024, 1, 1)
    closes_on = date(2026, 12, 31)
    amount_kind = Policy.AmountKind.FIXED
    amount = 10 * WAN
    source = "测试文件〔2024〕1号 第1条"


class BudgetFactory(DjangoModelFactory):
    """A year's budget of a policy, in the policy's region (the province's, by default)."""

    class Meta:
        model = Budget

    class Params:
        policy = factory.LazyFunction(lambda: policy("little-giant-province"))

    policy_code = factory.LazyAttribute(lambda budget: budget.policy.code)
    region = factory.LazyAttribute(lambda budget: budget.policy.region)
    year = TODAY.year
    allocated = 1000 * WAN


class ClaimFactory(DjangoModelFactory):
    """A draft claim, written directly (no eligibility check, no entitlement computed)."""

    class Meta:
        model = Claim

    # Far from the numbers the services give (JL<year>-00001 on), so both can meet in a test.
    number = factory.Sequence(lambda n: f"JL{TODAY.year}-{90_000 + n:05d}")
    policy = factory.LazyFunction(lambda: policy("little-giant-province"))
    created_by = factory.SubFactory(ApplicantFactory)
    organisation = factory.LazyAttribute(lambda claim: claim.created_by.organisation)


def budgets(year: int = TODAY.year, amount: Decimal = 1000 * WAN) -> None:
    """A budget of `amount` for every active policy in `year`, where none exists yet."""
    for found in Policy.objects.filter(is_active=True):
        Budget.objects.get_or_create(
            policy_code=found.code, year=year, region=found.region, defaults={"allocated": amount}
        )


def submitted(user: User, code: str, **data) -> Claim:
    """A claim under policy `code`, its evidence attached, submitted on TODAY."""
    claim = services.claim_create(actor=user, policy=policy(code), data=data, today=TODAY)
    for label in claim.policy.evidence:
        services.claim_attach(
            actor=user, claim=claim, label=label, name="evidence.pdf",
            handle=SimpleUploadedFile("evidence.pdf", PDF), size=len(PDF),
        )  # fmt: skip
    return services.claim_submit(actor=user, claim=claim, today=TODAY)
