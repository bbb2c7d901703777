"""The demo projects of `manage.py load_demo` (projects/demo.py), loaded twice as `make run` would
on a second start: every state present, an open call, nothing created twice, and category 3 of
the open call left for the demo enterprise's end-to-end journey.

The demo is loaded once for the module (`loaded`); each test runs in a savepoint, so the one
that declares for the demo enterprise leaves the demo as it was for the next."""

import io
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F
from django.utils import translation

from portal.models import (
    AuditEntry,
    Notification,
    Organisation,
    Qualification,
    Role,
    StateChange,
    User,
)
from projects import demo, factories, scoring, selectors, services
from projects.models import (
    Application,
    Assignment,
    Call,
    DeclaredPatent,
    ExpertProfile,
    KPIActual,
    ProgressReport,
    ScoreItem,
)
from tests.helpers import built_once

pytestmark = pytest.mark.django_db

S = Application.Status
COUNTED = (
    Organisation,
    Qualification,
    User,
    ExpertProfile,
    Call,
    Application,
    StateChange,
    Assignment,
    ScoreItem,
    ProgressReport,
    KPIActual,
    Notification,
    AuditEntry,
)


def load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", "--not-production", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


@dataclass
class Loaded:
    first: str
    second: str
    after_first: dict[str, int]
    after_second: dict[str, int]


def load_twice() -> Loaded:
    # In English, as the tests' messages are (conftest.py's `_english_messages`, a per-test
    # fixture, is not active yet when a module fixture is set up).
    with translation.override("en"):
        first = load_demo()
        after_first = counts()
        second = load_demo()
    return Loaded(first, second, after_first, counts())


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker) -> Iterator[Loaded]:
    """The demo loaded twice into an empty database, once for the module's tests."""
    yield from built_once(django_db_blocker, load_twice)


def one(status: str) -> Application:
    return Application.objects.select_related("call_category__call").get(status=status)


def test_every_status_has_an_application(loaded):
    present = set(Application.objects.values_list("status", flat=True))

    assert present == set(S.values)


def test_the_second_run_creates_nothing(loaded):
    assert loaded.after_first["Application"] >= len(S)
    assert loaded.after_second == loaded.after_first
    assert "Demo data: 0 rows created." in loaded.second
    assert "Demo data: 0 rows created." not in loaded.first


def test_the_open_call_is_open_with_all_six_categories_and_budgets(loaded):
    call = demo.open_call()

    assert call is not None and call.is_open()
    assert sorted(call.lots.values_list("category__code", flat=True)) == [1, 2, 3, 4, 5, 6]
    for lot in call.lots.all():
        assert 300 * factories.WAN <= lot.budget <= 1000 * factories.WAN
    earlier = Call.objects.exclude(pk=call.pk).get()
    assert earlier.year == call.year - 1 and earlier.closes_at < call.opens_at
    assert not earlier.is_open()


def test_declarations_are_in_the_open_call_and_projects_in_last_years(loaded):
    call = demo.open_call()
    in_open_call = set(
        Application.objects.filter(call_category__call=call).values_list("status", flat=True)
    )

    assert in_open_call == {
        S.DRAFT,
        S.SUBMITTED,
        S.RETURNED,
        S.FORMAL_PASSED,
        S.UNDER_REVIEW,
        S.SCORED,
        S.REJECTED,
    }
    earlier = set(
        Application.objects.exclude(call_category__call=call).values_list("status", flat=True)
    )
    assert earlier == Application.PROJECT_STATES


def test_the_demo_enterprise_can_still_declare_category_3_and_must_list_patents(loaded):
    enterprise = User.objects.get(username="enterprise")
    organisation = enterprise.organisation
    lot = demo.open_call().lots.get(category__code=3)
    assert not lot.applications.exists()
    assert organisation.qualifications.filter(
        kind=Qualification.Kind.LISTING_RESERVE, year=2023
    ).exists()
    assert not DeclaredPatent.objects.filter(application__lead_organisation=organisation).exists()

    application = services.application_create(actor=enterprise, lot=lot)
    findings = {f.code: f.passed for f in services.application_check(application)[0]}
    assert findings == {
        "verified": True,
        "applicant_kind": True,
        "one_per_call": True,
        "qualification": True,
        "patent_count": False,
    }

    factories.complete(application, actor=enterprise)  # declares twelve patents
    submitted = services.application_submit(actor=enterprise, application=application)
    assert submitted.status == S.SUBMITTED


def test_every_expert_has_a_profile_in_a_field_of_their_own(loaded):
    experts = User.objects.filter(role=Role.EXPERT)

    assert experts.count() >= 6
    assert not experts.filter(expert_profile__isnull=True).exists()
    fields = list(experts.values_list("expert_profile__field", flat=True))
    assert len(set(fields)) == len(fields)
    assert set(experts.exclude(organisation=None).values_list("organisation", flat=True))
    assert experts.filter(organisation=None).exists()


def test_the_scored_application_has_five_scores_and_a_trimmed_mean(loaded):
    application = one(S.SCORED)
    totals = list(
        application.assignments.filter(status=Assignment.Status.SUBMITTED).values_list(
            "total", flat=True
        )
    )

    assert len(totals) == application.score_count == 5
    assert application.final_score == scoring.trimmed_mean(totals) == Decimal("82.00")
    assert application.final_score != sum(totals) / len(totals)  # the trim changed the result


def test_under_review_has_experts_in_every_stage(loaded):
    application = one(S.UNDER_REVIEW)
    stages = set(application.assignments.values_list("status", flat=True))

    assert stages == set(Assignment.Status.values)
    declined = application.assignments.get(status=Assignment.Status.DECLINED)
    assert declined.decline_reason
    pending = application.assignments.get(status=Assignment.Status.PENDING)
    assert pending.expert.username == "expert"  # the demo expert has something to do
    assert application.score_count == 2


def test_no_expert_scores_an_application_of_their_own_organisation(loaded):
    assert not Assignment.objects.filter(
        expert__organisation=F("application__lead_organisation")
    ).exists()
    assert not Assignment.objects.filter(
        expert__organisation__joint_applications=F("application")
    ).exists()


def test_decisions_carry_their_reasons_and_verdicts_their_kpi_results(loaded):
    returned = one(S.RETURNED)
    assert returned.history.get(action="return").reason
    assert one(S.REJECTED).decision_reason
    assert one(S.IN_EXECUTION).reports.filter(kind=ProgressReport.Kind.PROGRESS).exists()
    assert one(S.ACCEPTANCE_SUBMITTED).reports.filter(kind=ProgressReport.Kind.FINAL).exists()

    accepted, refused = one(S.ACCEPTED), one(S.NOT_ACCEPTED)
    assert accepted.verdict_reason and refused.verdict_reason
    assert accepted.acceptance_result["met"] == accepted.acceptance_result["total"] > 0
    assert 0 < refused.acceptance_result["met"] < refused.acceptance_result["total"]
    assert [k["met"] for k in refused.acceptance_result["kpis"]].count(False) == 2


def test_every_history_ends_in_the_current_status_and_is_audited(loaded):
    for application in Application.objects.exclude(status=S.DRAFT):
        last = application.history.order_by("at", "pk").last()
        assert last.to_state == application.status, application.number
        assert AuditEntry.objects.filter(
            event=f"project.application.{last.action}", target_id=str(application.pk)
        ).exists()


def test_a_project_is_overdue_with_its_progress_report(loaded):
    reviewer = User.objects.get(username="reviewer")

    overdue = selectors.overdue_projects(user=reviewer)

    assert [(o.application.status, o.what) for o in overdue] == [(S.APPROVED, "progress")]
    assert AuditEntry.objects.filter(
        event="demo.project_backdate", target_id=str(overdue[0].application.pk)
    ).exists()


def test_the_output_lists_the_new_logins_and_the_count_per_status(loaded):
    for username in ("park", "agency", "county", "government", "expert2", "expert6"):
        assert f"  {username} " in loaded.second
    for status in S.values:
        assert f"  {status} " in loaded.second


def test_refuses_without_debug_unless_not_production(settings):
    settings.DEBUG = False
    before = counts()  # the module's demo, when a test before this one loaded it

    with pytest.raises(CommandError):
        call_command("load_demo", stdout=io.StringIO())

    assert counts() == before
