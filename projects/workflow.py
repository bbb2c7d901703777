"""The application life cycle (DOMAIN.md §3), declared once for the portal's workflow engine.

draft → submitted → (returned → submitted) → formal review passed → under expert review → scored
→ approved / rejected → in execution → acceptance requested → accepted / not accepted.

Every change of `Application.status` goes through `apply()` (portal/workflow.py): it checks the
current state and the actor's permission, records who/when/why in the application's history and
the audit log, and tells the applicant. Services add the business checks of each step and call
`apply()`; "scoring complete" is the portal's own step, made when the last expert scores.
"""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import selectors as portal_selectors
from portal import workflow as engine
from portal.models import User
from portal.workflow import NOW, REASON, Transition, Workflow
from projects import events
from projects.models import Application, Assignment

S = Application.Status


def applicant_users(application: Application):
    return portal_selectors.applicants_of(application.lead_organisation_id)


def _describe(application: Application) -> str:
    return _("Application %(number)s") % {"number": application.number}


def _step(action, sources, target, permission, label, event, **options) -> Transition:
    return Transition(
        action=action,
        sources=frozenset(sources),
        target=target,
        permission=permission,
        label=label,
        event=event,
        notify=applicant_users,
        stamps=(("status_changed_at", NOW),),
        **options,
    )


REVIEW = "project.application.review"
REPORT = "project.application.report"

APPLICATION = Workflow(
    name="projects.application",
    model=Application,
    view_permission="project.application.view",
    touch=("updated_at",),
    describe=_describe,
    url=lambda application: reverse("projects:application_detail", args=[application.pk]),
    reason_prompt=gettext_lazy("Give a reason: the applicant will read it."),
    transitions=(
        _step("submit", {S.DRAFT, S.RETURNED}, S.SUBMITTED, "project.application.submit",
              gettext_lazy("Submit"), events.APPLICATION_SUBMIT),
        _step("return", {S.SUBMITTED}, S.RETURNED, REVIEW,
              gettext_lazy("Return for revision"), events.APPLICATION_RETURN,
              reason_required=True),
        _step("pass", {S.SUBMITTED}, S.FORMAL_PASSED, REVIEW,
              gettext_lazy("Pass formal review"), events.APPLICATION_PASS),
        _step("assign", {S.FORMAL_PASSED, S.UNDER_REVIEW, S.SCORED}, S.UNDER_REVIEW, REVIEW,
              gettext_lazy("Assign experts"), events.APPLICATION_ASSIGN),
        _step("complete_scoring", {S.UNDER_REVIEW}, S.SCORED, None,
              gettext_lazy("Scoring complete"), events.APPLICATION_COMPLETE_SCORING,
              automatic=True),
        _step("reopen_scoring", {S.UNDER_REVIEW, S.SCORED}, S.UNDER_REVIEW, REVIEW,
              gettext_lazy("Reopen a score"), events.APPLICATION_REOPEN_SCORING,
              reason_required=True),
        _step("approve", {S.SCORED}, S.APPROVED, REVIEW,
              gettext_lazy("Approve"), events.APPLICATION_APPROVE),
        _step("reject", {S.SUBMITTED, S.FORMAL_PASSED, S.UNDER_REVIEW, S.SCORED}, S.REJECTED,
              REVIEW, gettext_lazy("Reject"), events.APPLICATION_REJECT, reason_required=True),
        _step("report_progress", {S.APPROVED, S.IN_EXECUTION}, S.IN_EXECUTION, REPORT,
              gettext_lazy("File a progress report"), events.APPLICATION_REPORT_PROGRESS),
        _step("request_acceptance", {S.APPROVED, S.IN_EXECUTION}, S.ACCEPTANCE_SUBMITTED, REPORT,
              gettext_lazy("Request acceptance"), events.APPLICATION_REQUEST_ACCEPTANCE),
        _step("accept", {S.ACCEPTANCE_SUBMITTED}, S.ACCEPTED, REVIEW,
              gettext_lazy("Accept"), events.APPLICATION_ACCEPT, reason_required=True),
        _step("not_accept", {S.ACCEPTANCE_SUBMITTED}, S.NOT_ACCEPTED, REVIEW,
              gettext_lazy("Not accept"), events.APPLICATION_NOT_ACCEPT, reason_required=True),
    ),
)  # fmt: skip

TRANSITIONS = APPLICATION.by_action


def allowed(user: Any, application: Application, action: str) -> bool:
    """May `user` take `action` on `application` now (state and permission)?"""
    return engine.allowed(APPLICATION, user, application, action)


def available(user: Any, application: Application) -> list[Transition]:
    return engine.available(APPLICATION, user, application)


def check_source(application: Application, action: str) -> None:
    """Refuse, with a message, an action the application's current state does not allow.

    Services call it before their own checks, so a stale page (a colleague already submitted)
    gets this explanation, not a message about a field."""
    engine.check_state(APPLICATION, application, action)


def apply(
    *,
    actor: User | None,
    application: Application,
    action: str,
    reason: str = "",
    changes: dict[str, Any] | None = None,
    payload: dict[str, Any] | None = None,
    automatic: bool = False,
) -> Application:
    """Make one transition; see portal/workflow.py."""
    engine.apply(
        APPLICATION,
        actor=actor,
        obj=application,
        action=action,
        reason=reason,
        changes=changes,
        payload=payload,
        automatic=automatic,
    )
    return application


# An expert's assignment to score one application --------------------------------------------
#
# pending → accepted (no conflict declared) → submitted (scored) → accepted (reopened by a
# reviewer) …; pending → declined (a conflict, or cannot review), with the reason.

A = Assignment.Status


def _describe_assignment(assignment: Assignment) -> str:
    return _("Review of %(number)s by %(expert)s") % {
        "number": assignment.application.number,
        "expert": assignment.expert,
    }


def _reviewers(assignment: Assignment):
    return portal_selectors.reviewers()


def _expert(assignment: Assignment):
    return [assignment.expert]


ASSIGNMENT = Workflow(
    name="projects.assignment",
    model=Assignment,
    view_permission="project.assignment.view",
    describe=_describe_assignment,
    url=lambda assignment: reverse("projects:assignment_detail", args=[assignment.pk]),
    reason_prompt=gettext_lazy("Say why (e.g. the conflict of interest)."),
    transitions=(
        Transition(
            action="accept", sources=frozenset({A.PENDING}), target=A.ACCEPTED,
            permission="project.assignment.respond",
            label=gettext_lazy("I have no conflict of interest"),
            event=events.ASSIGNMENT_NO_CONFLICT, stamps=(("responded_at", NOW),),
        ),
        Transition(
            action="decline", sources=frozenset({A.PENDING}), target=A.DECLINED,
            permission="project.assignment.respond", label=gettext_lazy("Decline"),
            event=events.ASSIGNMENT_DECLINE, reason_required=True, notify=_reviewers,
            title=lambda a: _("%(expert)s declined to review %(number)s")
            % {"expert": a.expert, "number": a.application.number},
            url=lambda a: reverse("projects:application_detail", args=[a.application_id]),
            stamps=(("responded_at", NOW), ("decline_reason", REASON)),
        ),
        Transition(
            action="submit", sources=frozenset({A.ACCEPTED}), target=A.SUBMITTED,
            permission="project.assignment.score", label=gettext_lazy("Submit the score"),
            event=events.SCORE_SUBMIT, stamps=(("submitted_at", NOW),),
        ),
        Transition(
            action="reopen", sources=frozenset({A.SUBMITTED}), target=A.ACCEPTED,
            permission="project.assignment.reopen", label=gettext_lazy("Reopen the score"),
            event=events.SCORE_REOPEN, reason_required=True, notify=_expert,
            title=lambda a: _("Your score of %(number)s was reopened")
            % {"number": a.application.number},
        ),
    ),
)  # fmt: skip
