"""An exchange file is applied all or nothing: an error at any row stores no row and marks the
run failed with the reason; the same file applied twice doubles nothing."""

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.urls import reverse
from django.utils import translation

from exchange import services
from exchange.handlers import qualifications
from exchange.models import Run
from exchange.tests.helpers import check_list, published
from portal.factories import OrganisationFactory, UserFactory, credit_code, wrong_check
from portal.models import AuditEntry, Organisation, Qualification, Region, Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def reviewer(db):
    return UserFactory(role=Role.REVIEWER)


@pytest.fixture
def enterprises(db) -> list[Organisation]:
    return [
        OrganisationFactory(
            credit_code=credit_code(f"91610902MA6YQ{n:04d}"),
            region=Region.objects.get(code="610902"),
        )
        for n in range(1, 6)
    ]


def listing(enterprises) -> bytes:
    return published([[o.name, o.credit_code, "安康市", 2024] for o in enterprises])


def test_an_error_at_row_n_stores_nothing_and_marks_the_run_failed(
    client, reviewer, enterprises, monkeypatch
):
    result = check_list(reviewer, listing(enterprises))
    assert result.can_apply and result.plan.created == 5
    audit_before = AuditEntry.objects.count()
    original, calls = qualifications.qualification_register, []

    def register(**values):
        calls.append(values)
        if len(calls) == 4:
            raise DatabaseError("deadlock detected at row 4")
        return original(**values)

    monkeypatch.setattr(qualifications, "qualification_register", register)
    with pytest.raises(DatabaseError):
        services.import_apply(actor=reviewer, run=result.run)
    # Rows 1 to 3 and their audit entries were written before the failure: all rolled back.
    assert len(calls) == 4 and not Qualification.objects.exists()
    # What is left is the failure itself: the portal's own step of the run's workflow.
    assert list(AuditEntry.objects.order_by("pk").values_list("event", flat=True))[
        audit_before:
    ] == ["exchange.import.fail"]
    run = Run.objects.get(pk=result.run.pk)
    assert run.applied_at is None and run.failed_at is not None
    assert run.status == Run.Status.FAILED
    assert "deadlock detected at row 4" in run.failure

    # The runs page says so, with the reason.
    client.force_login(reviewer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("exchange:run_list")).content.decode()
    assert "import failed, nothing stored" in page and "deadlock detected at row 4" in page

    monkeypatch.undo()
    services.import_apply(actor=reviewer, run=run)
    run.refresh_from_db()
    assert run.applied_at and run.failed_at is None and run.failure == ""
    assert Qualification.objects.count() == 5


def test_a_file_refused_when_applied_records_why(reviewer, enterprises):
    result = check_list(reviewer, listing(enterprises))
    # Between the dry run and the apply, an enterprise's credit code changed.
    moved = enterprises[2]
    moved.credit_code = credit_code("91610902MA6YQ9999")
    moved.save(update_fields=["credit_code"])
    services.import_apply(actor=reviewer, run=result.run)  # unknown codes are only skipped
    assert Qualification.objects.count() == 4

    bad = published(
        [[enterprises[0].name, wrong_check(enterprises[0].credit_code), "安康市", 2024]]
    )
    refused = check_list(reviewer, bad)
    with pytest.raises(ValidationError):
        services.import_apply(actor=reviewer, run=refused.run)
    run = Run.objects.get(pk=refused.run.pk)
    assert run.failed_at and "C3" in run.failure


def test_the_same_file_applied_twice_doubles_nothing(reviewer, enterprises):
    content = listing(enterprises)
    first = check_list(reviewer, content)
    services.import_apply(actor=reviewer, run=first.run)
    with pytest.raises(ValidationError, match="already been imported"):
        services.import_apply(actor=reviewer, run=first.run)
    assert Run.objects.get(pk=first.run.pk).failed_at is None  # a refusal, not a failure
    again = check_list(reviewer, content)
    assert again.plan.unchanged == 5 and not again.can_apply
    assert Qualification.objects.count() == 5
