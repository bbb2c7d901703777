"""The demo incentives of `manage.py load_demo` (incentives/demo.py): loaded twice they create
nothing new; every seeded policy has demo claims, every status is shown; what the demo approved
fits its budgets; the demo enterprise is left free for the browser journey.

The demo is loaded once for the module (`loaded`), and each test runs in a savepoint. The
queries of a fresh load are test_demo_queries.py's: it needs a database without the demo."""

import io
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from incentives import demo, eligibility, selectors
from incentives.models import Budget, Claim, ClaimFile, Payment, Policy
from incentives.seeds import POLICIES
from patents import demo as patents_demo
from portal.models import AuditEntry, Notification, Qualification, User
from projects import demo as projects_demo
from reporting import demo as reporting_demo
from tests.helpers import built_once

pytestmark = pytest.mark.django_db
COUNTED = (Budget, Claim, ClaimFile, Payment, Qualification, User, Notification, AuditEntry)


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker) -> Iterator[None]:
    """The base demo (organisations, users) and the incentives, without the projects, the
    patent pool and the statistics, which this module does not look at (nor do the loads of its
    tests); loaded once for the module's tests."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(projects_demo, "load", lambda **kwargs: 0)
        patch.setattr(patents_demo, "load", lambda **kwargs: 0)
        patch.setattr(reporting_demo, "load", lambda **kwargs: 0)
        yield from built_once(
            django_db_blocker,
            lambda: call_command("load_demo", "--not-production", stdout=io.StringIO()),
        )


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


def test_loading_again_creates_nothing(loaded):
    before = counts()
    assert demo.load() == 0
    assert counts() == before
    out = io.StringIO()
    call_command("load_demo", "--not-production", stdout=out)
    assert "Demo data: 0 rows created." in out.getvalue()
    assert counts() == before


def test_every_policy_has_claims_and_every_status_is_shown(loaded):
    claimed = set(Claim.objects.values_list("policy__code", flat=True))
    assert set(POLICIES) <= claimed
    assert set(Claim.objects.values_list("status", flat=True)) == set(Claim.Status.values)
    # A claim approved and partly paid, and claims paid in several quarters.
    assert Claim.objects.filter(status="approved", payments__isnull=False).exists()
    assert len({(p.paid_on.year, (p.paid_on.month - 1) // 3) for p in Payment.objects.all()}) >= 4
    # Every submitted or decided claim holds its policy's evidence and its computed working.
    for claim in Claim.objects.exclude(status="draft").select_related("policy"):
        assert set(claim.files.values_list("label", flat=True)) == set(claim.policy.evidence)
        assert claim.entitlement is not None and claim.working[-1]["amount"] == str(
            claim.entitlement
        )


def test_what_the_demo_granted_fits_its_budgets_and_entitlements(loaded):
    for budget in Budget.objects.all():
        status = selectors.budget_status(budget)
        assert status.remaining >= 0, budget
        assert budget.source == "演示预算"
    granted = Claim.objects.filter(status__in=Claim.GRANTED)
    assert granted.exists()
    for claim in granted.select_related("policy"):
        assert Budget.objects.filter(policy_code=claim.policy.code, year=claim.budget_year,
                                     region=claim.policy.region).exists()  # fmt: skip
        assert Decimal(0) < claim.approved_amount <= claim.entitlement
        paid = claim.payments.aggregate(total=Sum("amount"))["total"] or Decimal(0)
        assert paid <= claim.approved_amount
        assert (claim.status == "paid") == (paid == claim.approved_amount)
        assert all(p.paid_on >= claim.decided_at.date() for p in claim.payments.all())
    # The cumulative caps hold across each organisation's claims.
    totals = defaultdict(Decimal)
    for organisation_id, code, amount in granted.values_list(
        "organisation_id", "policy__code", "approved_amount"
    ):
        totals[(organisation_id, code)] += amount
    for (_organisation, code), total in totals.items():
        cap = Policy.objects.filter(code=code, is_active=True).values_list(
            "cumulative_cap", flat=True
        )[0]
        assert cap is None or total <= cap
    # The capped pledge-interest claim of 2025 keeps its working: two years of interest, half
    # of it, capped at 50万元.
    [pledge] = Claim.objects.filter(policy__code="pledge-interest", budget_year=2025)
    assert [line["amount"] for line in pledge.working] == [
        "2260000.00", "1130000.00", "500000.00", "500000.00",
    ]  # fmt: skip
    assert pledge.approved_amount == Decimal("500000.00")


def test_the_demo_enterprise_is_a_little_giant_left_to_the_journey(loaded):
    enterprise = User.objects.get(username="enterprise").organisation
    giant = Qualification.objects.get(organisation=enterprise, kind="little_giant")
    assert giant.year == 2024 and "小巨人" in giant.source
    codes = ("little-giant-province", "little-giant-ankang", "pledge-interest")
    assert not Claim.objects.filter(organisation=enterprise, policy__code__in=codes).exists()
    # Both little-giant rewards are open to it, while the policies are.
    policies = Policy.objects.filter(is_active=True)
    day = min(timezone.localdate(), max(p.closes_on for p in policies))
    for code in codes[:2]:
        found = eligibility.check(enterprise, policies.get(code=code), today=day)
        assert found.eligible, found.missing
