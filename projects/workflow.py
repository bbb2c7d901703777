"""The application life cycle (DOMAIN.md §3), declared once.

draft → submitted → (returned → submitted) → formal review passed → under expert review → scored
→ approved / rejected → in execution → acceptance requested → accepted / not accepted.

Every change of `Application.status` goes through `apply()`: it checks the current state and the
actor's permission, records who/when/why in the application's history and the audit log, and
tells the applicant. Services add the business checks of each step and call `apply()`.
"""

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import permissions
from portal.models import Role, User
from portal.services import audit_record, notify
from projects.models import Application, ApplicationEvent

S = Application.Status


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    # None: the portal makes this step itself after another permitted action (scoring complete).
    permission: str | None
    label: str | Promise
    reason_required: bool = False


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition(
            "submit",
            frozenset({S.DRAFT, S.RETURNED}),
            S.SUBMITTED,
            "project.application.submit",
            gettext_lazy("Submit"),
        ),
        Transition(
            "return",
            frozenset({S.SUBMITTED}),
            S.RETURNED,
            "project.application.review",
            gettext_lazy("Return for revision"),
            reason_required=True,
        ),
        Transition(
            "pass",
            frozenset({S.SUBMITTED}),
            S.FORMAL_PASSED,
            "project.application.review",
            gettext_lazy("Pass formal review"),
        ),
        Transition(
            "assign",
            frozenset({S.FORMAL_PASSED, S.UNDER_REVIEW, S.SCORED}),
            S.UNDER_REVIEW,
            "project.application.review",
            gettext_lazy("Assign experts"),
        ),
        Transition(
            "complete_scoring",
            frozenset({S.UNDER_REVIEW}),
            S.SCORED,
            None,
            gettext_lazy("Scoring complete"),
        ),
        Transition(
            "reopen_scoring",
            frozenset({S.UNDER_REVIEW, S.SCORED}),
            S.UNDER_REVIEW,
            "project.application.review",
            gettext_lazy("Reopen a score"),
            reason_required=True,
        ),
        Transition(
            "approve",
            frozenset({S.SCORED}),
            S.APPROVED,
            "project.application.review",
            gettext_lazy("Approve"),
        ),
        Transition(
            "reject",
            frozenset({S.SUBMITTED, S.FORMAL_PASSED, S.UNDER_REVIEW, S.SCORED}),
            S.REJECTED,
            "project.application.review",
            gettext_lazy("Reject"),
            reason_required=True,
        ),
        Transition(
            "report_progress",
            frozenset({S.APPROVED, S.IN_EXECUTION}),
            S.IN_EXECUTION,
            "project.application.report",
            gettext_lazy("File a progress report"),
        ),
        Transition(
            "request_acceptance",
            frozenset({S.APPROVED, S.IN_EXECUTION}),
            S.ACCEPTANCE_SUBMITTED,
            "project.application.report",
            gettext_lazy("Request acceptance"),
        ),
        Transition(
            "accept",
            frozenset({S.ACCEPTANCE_SUBMITTED}),
            S.ACCEPTED,
            "project.application.review",
            gettext_lazy("Accept"),
            reason_required=True,
        ),
        Transition(
            "not_accept",
            frozenset({S.ACCEPTANCE_SUBMITTED}),
            S.NOT_ACCEPTED,
            "project.application.review",
            gettext_lazy("Not accept"),
            reason_required=True,
        ),
    )
}


def allowed(user: Any, application: Application, action: str) -> bool:
    """May `user` take `action` on `application` now (state and permission)?"""
    transition = TRANSITIONS[action]
    if application.status not in transition.sources:
        return False
    return transition.permission is not None and permissions.can(
        user, transition.permission, application
    )


def available(user: Any, application: Application) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if allowed(user, application, t.action)]


def check_source(application: Application, action: str) -> None:
    """Refuse, with a message, an action the application's current state does not allow.

    Checked before the permission, whose rules also look at the state: a stale page (a colleague
    already submitted) gets this explanation, not a bare "forbidden".
    """
    transition = TRANSITIONS[action]
    if application.status not in transition.sources:
        raise ValidationError(
            _("Application %(number)s is %(status)s; it cannot be changed by “%(action)s”.")
            % {
                "number": application.number,
                "status": application.get_status_display(),
                "action": transition.label,
            },
            code="invalid_transition",
        )


def apply(
    *,
    actor: User,
    application: Application,
    action: str,
    reason: str = "",
    changes: dict[str, Any] | None = None,
) -> Application:
    """Make one transition; the caller holds the row lock (select_for_update) in its transaction."""
    transition = TRANSITIONS[action]
    check_source(application, action)
    if transition.permission is not None:
        permissions.require(actor, transition.permission, application)
    elif actor is None:
        raise PermissionDenied(action)
    reason = (reason or "").strip()
    if transition.reason_required and not reason:
        raise ValidationError({"reason": _("Give a reason: the applicant will read it.")})

    before = application.status
    now = timezone.now()
    changes = changes or {}
    for field, value in changes.items():
        setattr(application, field, value)
    application.status = transition.target
    application.status_changed_at = now
    application.save(update_fields=["status", "status_changed_at", "updated_at", *changes])
    ApplicationEvent.objects.create(
        application=application,
        action=action,
        from_status=before,
        to_status=transition.target,
        actor=actor,
        reason=reason,
        at=now,
    )
    audit_record(
        actor=actor,
        event=f"project.application.{action}",
        target=application,
        before={"status": before},
        after={"status": transition.target, **{k: _json(v) for k, v in changes.items()}},
        reason=reason,
    )
    notify(
        event=f"project.application.{action}",
        recipients=applicant_users(application),
        title=_("Application %(number)s: %(status)s")
        % {"number": application.number, "status": application.get_status_display()},
        body=reason,
        url=reverse("projects:application_detail", args=[application.pk]),
    )
    return application


def applicant_users(application: Application):
    return User.objects.filter(
        organisation_id=application.lead_organisation_id, role=Role.APPLICANT, is_active=True
    )


def _json(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)
