"""The life cycle of workflow.TRANSITIONS, one transition at a time, through the services that
make it: who may, from which state, with what reason, and what each step leaves behind."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from portal.factories import UserFactory
from portal.models import AuditEntry, Notification, Role, StateChange
from projects import factories as f
from projects import services, workflow
from projects.models import Application, Assignment

pytestmark = pytest.mark.django_db

S = Application.Status
ROLES = ("applicant", "other_applicant", "expert", "leader", "reviewer")
FINAL_ACTUALS = {"transfers_in": 6, "hv_patents": 5, "nav_report": 1, "product_filing": 1}


@pytest.fixture
def call(rev):
    return f.open_call(rev, categories=(3,))


# States, reached through the services --------------------------------------------------------


def draft(call, rev):
    user = f.applicant()
    f.listing_reserve(user.organisation)
    application = services.application_create(actor=user, lot=f.lot(call, 3))
    return f.complete(application, actor=user)


def submitted(call, rev):
    return f.submitted(call, 3)


def formal_passed(call, rev):
    return services.application_pass(actor=rev, application=submitted(call, rev))


def scored(call, rev):
    return f.scored(call, [80, 70, 90], actor=rev)


def approved(call, rev):
    return services.application_approve(actor=rev, application=scored(call, rev), amount=30 * f.WAN)


def acceptance_submitted(call, rev):
    application = approved(call, rev)
    services.progress_report_submit(
        actor=application.created_by,
        application=application,
        narrative="结题报告",
        actuals=FINAL_ACTUALS,
        final=True,
    )
    application.refresh_from_db()
    return application


def submitted_assignment(application):
    return application.assignments.filter(status=Assignment.Status.SUBMITTED).first()


@dataclass(frozen=True)
class Case:
    setup: Callable  # (call, reviewer) -> an application in a source state
    run: Callable  # (actor, application, reason) -> makes the transition
    by: str  # the role allowed
    wrong_state: Callable  # (call, reviewer) -> an application in a state the action refuses


CASES: dict[str, Case] = {
    "submit": Case(
        draft,
        lambda actor, app, reason: services.application_submit(actor=actor, application=app),
        "applicant",
        submitted,
    ),
    "return": Case(
        submitted,
        lambda actor, app, reason: services.application_return(
            actor=actor, application=app, reason=reason
        ),
        "reviewer",
        draft,
    ),
    "pass": Case(
        submitted,
        lambda actor, app, reason: services.application_pass(
            actor=actor, application=app, reason=reason
        ),
        "reviewer",
        formal_passed,
    ),
    "assign": Case(
        formal_passed,
        lambda actor, app, reason: services.application_assign(
            actor=actor, application=app, experts=f.experts(1)
        ),
        "reviewer",
        submitted,
    ),
    "reopen_scoring": Case(
        scored,
        lambda actor, app, reason: services.score_reopen(
            actor=actor, assignment=submitted_assignment(app), reason=reason
        ),
        "reviewer",
        approved,
    ),
    "approve": Case(
        scored,
        lambda actor, app, reason: services.application_approve(
            actor=actor, application=app, amount=30 * f.WAN, reason=reason
        ),
        "reviewer",
        formal_passed,
    ),
    "reject": Case(
        scored,
        lambda actor, app, reason: services.application_reject(
            actor=actor, application=app, reason=reason
        ),
        "reviewer",
        approved,
    ),
    "report_progress": Case(
        approved,
        lambda actor, app, reason: services.progress_report_submit(
            actor=actor, application=app, narrative="季度进展", actuals={"transfers_in": 2}
        ),
        "applicant",
        scored,
    ),
    "request_acceptance": Case(
        approved,
        lambda actor, app, reason: services.progress_report_submit(
            actor=actor, application=app, narrative="结题报告", actuals=FINAL_ACTUALS, final=True
        ),
        "applicant",
        acceptance_submitted,
    ),
    "accept": Case(
        acceptance_submitted,
        lambda actor, app, reason: services.acceptance_decide(
            actor=actor, application=app, accepted=True, reason=reason
        ),
        "reviewer",
        approved,
    ),
    "not_accept": Case(
        acceptance_submitted,
        lambda actor, app, reason: services.acceptance_decide(
            actor=actor, application=app, accepted=False, reason=reason
        ),
        "reviewer",
        approved,
    ),
}
# complete_scoring has no permission of its own: the portal makes it after the last score.
AUTOMATIC = {"complete_scoring"}


def person(role: str, application: Application):
    if role == "applicant":
        return application.created_by
    if role == "other_applicant":
        return f.applicant()
    if role == "expert":
        # An expert on the application's own panel when there is one: the nearest outsider.
        assignment = application.assignments.order_by("pk").first()
        return assignment.expert if assignment else f.expert()
    if role == "leader":
        return UserFactory(role=Role.LEADER)
    return f.reviewer()


def records(application: Application, action: str) -> tuple[int, int, int]:
    return (
        StateChange.objects.filter(application=application, action=action).count(),
        AuditEntry.objects.filter(
            event=f"project.application.{action}", target_id=str(application.pk)
        ).count(),
        Notification.objects.filter(event=f"project.application.{action}").count(),
    )


def test_every_transition_of_the_table_is_covered():
    assert set(CASES) | AUTOMATIC == set(workflow.TRANSITIONS)


@pytest.mark.parametrize("action", sorted(CASES))
def test_the_allowed_role_makes_the_transition_and_it_is_recorded(call, rev, action):
    case = CASES[action]
    transition = workflow.TRANSITIONS[action]
    application = case.setup(call, rev)
    before = application.status
    assert before in transition.sources
    actor = rev if case.by == "reviewer" else application.created_by
    reason = "理由：材料齐全" if transition.reason_required else ""
    colleague = f.applicant()  # another organisation's applicant, who must not be told
    assert workflow.allowed(actor, application, action)

    case.run(actor, application, reason)

    application.refresh_from_db()
    assert application.status == transition.target
    event = StateChange.objects.get(application=application, action=action)
    assert (event.from_state, event.to_state, event.actor) == (before, transition.target, actor)
    assert event.reason.startswith(reason)
    audit = AuditEntry.objects.get(
        event=f"project.application.{action}", target_id=str(application.pk)
    )
    assert audit.actor == actor
    assert audit.before["status"] == before
    assert audit.after["status"] == transition.target
    if transition.reason_required:
        assert audit.reason == reason
    note = Notification.objects.get(event=f"project.application.{action}")
    assert note.recipient == application.created_by
    assert application.number in note.title
    assert note.url == reverse("projects:application_detail", args=[application.pk])
    assert not Notification.objects.filter(
        recipient=colleague, event=f"project.application.{action}"
    ).exists()


WRONG = [
    (action, role) for action, case in sorted(CASES.items()) for role in ROLES if role != case.by
]


@pytest.mark.parametrize(("action", "role"), WRONG)
def test_a_wrong_role_is_refused(call, rev, action, role):
    case = CASES[action]
    application = case.setup(call, rev)
    before = application.status
    actor = person(role, application)
    counts = records(application, action)
    assert not workflow.allowed(actor, application, action)

    with pytest.raises(PermissionDenied):
        case.run(actor, application, "理由")

    application.refresh_from_db()
    assert application.status == before
    assert records(application, action) == counts


@pytest.mark.parametrize("action", sorted(CASES))
def test_a_wrong_source_state_is_refused_with_a_message(call, rev, action):
    case = CASES[action]
    application = case.wrong_state(call, rev)
    before = application.status
    assert before not in workflow.TRANSITIONS[action].sources
    actor = rev if case.by == "reviewer" else application.created_by
    counts = records(application, action)

    with pytest.raises(ValidationError) as error:
        case.run(actor, application, "理由")

    assert error.value.code == "invalid_transition"
    assert application.number in error.value.messages[0]
    application.refresh_from_db()
    assert application.status == before
    assert records(application, action) == counts


@pytest.mark.parametrize("action", sorted(CASES))
def test_apply_refuses_every_action_from_a_draft_except_submit(call, rev, action):
    application = draft(call, rev)
    if action == "submit":
        assert workflow.allowed(application.created_by, application, action)
        return
    actor = rev if CASES[action].by == "reviewer" else application.created_by
    with pytest.raises(ValidationError) as error:
        workflow.apply(actor=actor, application=application, action=action, reason="理由")
    assert error.value.code == "invalid_transition"


REASONED = sorted(action for action, t in workflow.TRANSITIONS.items() if t.reason_required)


def test_the_table_requires_a_reason_where_the_applicant_must_be_told_why():
    assert REASONED == ["accept", "not_accept", "reject", "reopen_scoring", "return"]


@pytest.mark.parametrize("action", REASONED)
@pytest.mark.parametrize("reason", ["", "   "])
def test_a_reason_is_required(call, rev, action, reason):
    case = CASES[action]
    application = case.setup(call, rev)
    before = application.status
    counts = records(application, action)

    with pytest.raises(ValidationError) as error:
        case.run(rev, application, reason)

    assert "reason" in error.value.message_dict
    application.refresh_from_db()
    assert application.status == before
    assert records(application, action) == counts


def test_available_lists_what_each_role_may_do_now(call, rev):
    application = submitted(call, rev)
    assert {t.action for t in workflow.available(rev, application)} == {"return", "pass", "reject"}
    assert workflow.available(application.created_by, application) == []
    assert workflow.available(UserFactory(role=Role.LEADER), application) == []


# complete_scoring: made by the portal after the last score --------------------------------------


def under_review(call, rev, count=3):
    application = formal_passed(call, rev)
    services.application_assign(actor=rev, application=application, experts=f.experts(count))
    for assignment in application.assignments.order_by("pk"):
        services.assignment_accept(actor=assignment.expert, assignment=assignment)
    application.refresh_from_db()
    return application


def test_scoring_completes_after_the_last_score_and_is_recorded(call, rev):
    application = under_review(call, rev)
    assignments = list(application.assignments.order_by("pk"))
    for assignment in assignments:
        services.score_submit(
            actor=assignment.expert,
            assignment=assignment,
            points=f.points_for(application, 75),
        )
    application.refresh_from_db()
    assert application.status == S.SCORED
    event = StateChange.objects.get(application=application, action="complete_scoring")
    assert (event.from_state, event.to_state) == (S.UNDER_REVIEW, S.SCORED)
    # The portal's own act, not the last expert's (issue 17), with the cause kept.
    assert event.actor is None
    assert event.payload["cause"] == assignments[-1].expert.get_username()
    assert "3 experts scored" in event.reason
    assert AuditEntry.objects.filter(
        event="project.application.complete_scoring", target_id=str(application.pk)
    ).exists()
    note = Notification.objects.get(event="project.application.complete_scoring")
    assert note.recipient == application.created_by


@pytest.mark.parametrize("role", ["applicant", "other_applicant", "leader", "reviewer", "expert"])
def test_nobody_but_the_assigned_expert_can_give_the_last_score(call, rev, role):
    application = under_review(call, rev)
    assignments = list(application.assignments.order_by("pk"))
    for assignment in assignments[:2]:
        services.score_submit(
            actor=assignment.expert,
            assignment=assignment,
            points=f.points_for(application, 75),
        )
    actor = f.expert() if role == "expert" else person(role, application)
    with pytest.raises(PermissionDenied):
        services.score_submit(
            actor=actor, assignment=assignments[2], points=f.points_for(application, 75)
        )
    application.refresh_from_db()
    assert application.status == S.UNDER_REVIEW
    assert not StateChange.objects.filter(action="complete_scoring").exists()


def test_complete_scoring_is_only_the_portals_step_on_an_application_under_review(call, rev):
    application = under_review(call, rev)
    with pytest.raises(PermissionDenied):
        workflow.apply(actor=None, application=application, action="complete_scoring")
    with pytest.raises(PermissionDenied):
        workflow.apply(actor=rev, application=application, action="complete_scoring")
    with pytest.raises(ValidationError):
        workflow.apply(
            actor=rev, application=draft(call, rev), action="complete_scoring", automatic=True
        )
    with pytest.raises(PermissionDenied):  # a step users take is never made "automatically"
        workflow.apply(actor=rev, application=application, action="approve", automatic=True)
    assert not workflow.allowed(rev, application, "complete_scoring")


def test_the_history_of_a_whole_life_cycle_reads_in_order(call, rev):
    application = acceptance_submitted(call, rev)
    services.acceptance_decide(actor=rev, application=application, accepted=True, reason="达标")
    assert list(application.history.values_list("action", flat=True)) == [
        "submit",
        "pass",
        "assign",
        "complete_scoring",
        "approve",
        "request_acceptance",
        "accept",
    ]
