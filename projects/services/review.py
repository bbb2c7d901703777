"""Review: formal review, experts, scoring and the decision."""

from collections.abc import Iterable, Mapping
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import formats, permissions
from portal import workflow as engine
from portal.dates import add_months
from portal.models import Role, User
from portal.services import notify
from projects import events, scoring, workflow
from projects.models import (
    Application,
    Assignment,
    CallCategory,
    ScoreItem,
)
from projects.services.common import (
    MIN_SCORES,
    REVISION_DAYS,
    S,
    _budget_used,
    _locked,
    _locked_assignment,
    _money,
)
from projects.workflow import ASSIGNMENT

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

# Formal review -------------------------------------------------------------------------------


@transaction.atomic
def application_return(
    *, actor: User, application: Application, reason: str, days: int = REVISION_DAYS
) -> Application:
    """Return for revision with a reason; the applicant may resubmit within `days`."""
    if not 1 <= days <= 60:
        raise ValidationError({"days": _("Allow between 1 and 60 days for the revision.")})
    return workflow.apply(
        actor=actor,
        application=_locked(application),
        action="return",
        reason=reason,
        changes={"revision_due": timezone.now() + timedelta(days=days)},
    )


@transaction.atomic
def application_pass(*, actor: User, application: Application, reason: str = "") -> Application:
    return workflow.apply(
        actor=actor, application=_locked(application), action="pass", reason=reason
    )


@transaction.atomic
def application_reject(*, actor: User, application: Application, reason: str) -> Application:
    return workflow.apply(
        actor=actor,
        application=_locked(application),
        action="reject",
        reason=reason,
        changes={"decided_at": timezone.now(), "decision_reason": reason},
    )


# Experts -------------------------------------------------------------------------------------


def conflicted_organisation_ids(application: Application) -> set[int]:
    """The lead and joint organisations: their experts never score this application."""
    ids = {application.lead_organisation_id}
    ids.update(application.joint_organisations.values_list("pk", flat=True))
    return ids


class _Load(TypedDict):
    load: int  # the expert's pending and accepted assignments


def experts_propose(*, application: Application, count: int = 5) -> list[User]:
    """A panel balanced by field: round-robin over fields, least-loaded experts first."""
    from django.db.models import Count, Q

    from projects.selectors import expert_candidates  # the selectors import the services package

    candidates = list(
        expert_candidates(application).annotate(
            load=Count(
                "assignments",
                filter=Q(
                    assignments__status__in=[Assignment.Status.PENDING, Assignment.Status.ACCEPTED]
                ),
            )
        )
    )
    by_field: dict[str, list[WithAnnotations[User, _Load]]] = {}
    for expert in sorted(candidates, key=lambda e: (e.load, e.pk)):
        profile = getattr(expert, "expert_profile", None)
        by_field.setdefault(profile.field if profile else "", []).append(expert)
    fields = sorted(by_field, key=lambda f: (by_field[f][0].load, f))
    panel: list[User] = []
    while len(panel) < count and any(by_field.values()):
        for field in fields:
            if by_field[field] and len(panel) < count:
                panel.append(by_field[field].pop(0))
    return panel


@transaction.atomic
def application_assign(
    *, actor: User, application: Application, experts: Iterable[User]
) -> list[Assignment]:
    """Ask experts to score. Experts of the lead or a joint organisation are refused."""
    application = _locked(application)
    experts = list(experts)
    if not experts:
        raise ValidationError({"experts": _("Choose at least one expert.")})
    excluded = conflicted_organisation_ids(application)
    problems = []
    for expert in experts:
        if expert.role != Role.EXPERT or not expert.is_active:
            problems.append(_("%(name)s is not an active expert.") % {"name": expert})
        elif expert.organisation_id in excluded:
            problems.append(
                _("%(name)s belongs to %(org)s, which takes part in this application.")
                % {"name": expert, "org": expert.organisation}
            )
        elif application.assignments.filter(expert=expert).exists():
            problems.append(_("%(name)s is already assigned.") % {"name": expert})
    if problems:
        raise ValidationError({"experts": problems})
    workflow.apply(
        actor=actor,
        application=application,
        action="assign",
        # The history is shown to the applicant, who never learns who the experts are.
        reason=_("%(count)d experts assigned.") % {"count": len(experts)},
        payload={"experts": [expert.pk for expert in experts]},
    )
    assignments = [
        Assignment.objects.create(application=application, expert=expert, assigned_by=actor)
        for expert in experts
    ]
    for assignment in assignments:
        notify(
            event=events.ASSIGNMENT_NEW,
            recipients=[assignment.expert],
            title=_("Review requested: %(number)s") % {"number": application.number},
            body=_("Declare whether you have a conflict of interest before scoring."),
            url=reverse("projects:assignment_detail", args=[assignment.pk]),
        )
    _refresh_score(application)
    return assignments


@transaction.atomic
def assignment_accept(*, actor: User, assignment: Assignment) -> Assignment:
    """The expert declares no conflict of interest and may now read the application."""
    assignment = _locked_assignment(assignment)
    return engine.apply(ASSIGNMENT, actor=actor, obj=assignment, action="accept")


@transaction.atomic
def assignment_decline(*, actor: User, assignment: Assignment, reason: str) -> Assignment:
    """The expert declares a conflict or cannot review; the reviewers are told to replace them."""
    assignment = _locked_assignment(assignment)
    engine.apply(ASSIGNMENT, actor=actor, obj=assignment, action="decline", reason=reason)
    _maybe_complete_scoring(cause=actor, application_id=assignment.application_id)
    return assignment


@transaction.atomic
def score_submit(
    *,
    actor: User,
    assignment: Assignment,
    points: Mapping[str, Any],
    comments: Mapping[str, str] | None = None,
    comment: str = "",
) -> Assignment:
    """Score every criterion of the rubric within 0…weight; once (a reviewer can reopen)."""
    assignment = _locked_assignment(assignment)
    engine.check(ASSIGNMENT, actor, assignment, "submit")
    permissions.require(actor, "project.assignment.score", assignment)
    criteria = assignment.application.spec["criteria"]
    comments = comments or {}
    problems: dict[str, list[str]] = {}
    values: dict[str, Decimal] = {}
    for criterion in criteria:
        code, weight = criterion["code"], int(criterion["weight"])
        raw = points.get(code)
        field = f"points_{code}"
        if raw in (None, ""):
            problems[field] = [_("“%(name)s”: give a score.") % {"name": criterion["name"]}]
            continue
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            problems[field] = [_("%(value)s is not a number.") % {"value": raw}]
            continue
        if not 0 <= value <= weight:
            problems[field] = [
                _("“%(name)s” is scored from 0 to %(weight)d; %(value)s is outside.")
                % {"name": criterion["name"], "weight": weight, "value": formats.number(value, 1)}
            ]
            continue
        if value != value.quantize(Decimal("0.1")):
            problems[field] = [_("Scores have at most one decimal place.")]
            continue
        values[code] = value
    if problems:
        raise ValidationError(problems)
    assignment.items.all().delete()
    ScoreItem.objects.bulk_create(
        ScoreItem(
            assignment=assignment,
            criterion_code=criterion["code"],
            criterion_name=criterion["name"],
            weight=int(criterion["weight"]),
            points=values[criterion["code"]],
            comment=comments.get(criterion["code"], ""),
        )
        for criterion in criteria
    )
    total = sum(values.values(), Decimal(0))
    engine.apply(
        ASSIGNMENT, actor=actor, obj=assignment, action="submit",
        changes={"total": total, "comment": comment},
        payload={code: str(value) for code, value in values.items()},
    )  # fmt: skip
    _maybe_complete_scoring(cause=actor, application_id=assignment.application_id)
    return assignment


@transaction.atomic
def score_reopen(*, actor: User, assignment: Assignment, reason: str) -> Assignment:
    """A reviewer sends a submitted score back to its expert; the application's scoring
    reopens with it."""
    assignment = _locked_assignment(assignment)
    application = _locked(assignment.application)
    engine.check(ASSIGNMENT, actor, assignment, "reopen")
    workflow.apply(actor=actor, application=application, action="reopen_scoring", reason=reason)
    engine.apply(ASSIGNMENT, actor=actor, obj=assignment, action="reopen", reason=reason,
                 changes={"submitted_at": None},
                 payload={"total": str(assignment.total)})  # fmt: skip
    _refresh_score(application)
    return assignment


def _refresh_score(application: Application) -> None:
    # A submitted assignment has its total: the "submit" transition (score_submit) is the only
    # way to SUBMITTED, and it sets the total with the status.
    totals = cast(
        list[Decimal],
        list(
            application.assignments.filter(status=Assignment.Status.SUBMITTED).values_list(
                "total", flat=True
            )
        ),
    )
    application.final_score = scoring.trimmed_mean(totals)
    application.score_spread = scoring.spread(totals)
    application.score_count = len(totals)
    application.save(update_fields=["final_score", "score_spread", "score_count", "updated_at"])


def _maybe_complete_scoring(*, cause: User, application_id: int) -> None:
    """The portal's own step: once every active expert has scored (at least MIN_SCORES), the
    application is scored; recorded as the portal's act, caused by the last expert's."""
    application = _locked(Application(pk=application_id))
    _refresh_score(application)
    active = application.assignments.exclude(status=Assignment.Status.DECLINED)
    waiting = active.exclude(status=Assignment.Status.SUBMITTED).exists()
    if (
        application.status == S.UNDER_REVIEW
        and not waiting
        and application.score_count >= MIN_SCORES
    ):
        workflow.apply(
            actor=cause,
            application=application,
            action="complete_scoring",
            automatic=True,
            # The history is shown to the applicant: the count, never the score.
            reason=_("%(count)d experts scored.") % {"count": application.score_count},
        )


# Decision ------------------------------------------------------------------------------------


@transaction.atomic
def application_approve(
    *, actor: User, application: Application, amount: Any, reason: str = ""
) -> Application:
    """Approve with an amount inside the category's range and what is left of its budget."""
    application = _locked(application)
    permissions.require(actor, "project.application.review", application)
    # Lock the category's budget row: two approvals at once must not both spend the last yuan.
    lot = CallCategory.objects.select_for_update().get(pk=application.call_category_id)
    amount = _money(amount, "amount")
    if amount is None or amount <= 0:
        raise ValidationError({"amount": _("Enter the approved amount.")})
    problems = []
    if lot.amount_min is not None and amount < lot.amount_min:
        problems.append(
            _("The category grants at least %(min)s.")
            % {"min": formats.money_with_unit(lot.amount_min)}
        )
    if lot.amount_max is not None and amount > lot.amount_max:
        problems.append(
            _("The category grants at most %(max)s.")
            % {"max": formats.money_with_unit(lot.amount_max)}
        )
    if application.requested_amount is not None and amount > application.requested_amount:
        problems.append(
            _("The applicant requested %(requested)s; the grant cannot be more.")
            % {"requested": formats.money_with_unit(application.requested_amount)}
        )
    available = lot.budget - _budget_used(lot, exclude=application)
    if amount > available:
        problems.append(
            _("Only %(available)s of the category's %(budget)s budget is left.")
            % {
                "available": formats.money_with_unit(available),
                "budget": formats.money_with_unit(lot.budget),
            }
        )
    if problems:
        raise ValidationError({"amount": problems})
    today = timezone.localdate()
    return workflow.apply(
        actor=actor,
        application=application,
        action="approve",
        reason=reason,
        changes={
            "approved_amount": amount,
            "decided_at": timezone.now(),
            "decision_reason": reason,
            "start_date": today,
            "end_date": add_months(today, application.period_months),
        },
    )
