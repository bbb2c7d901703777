"""The claim life cycle, declared once for the portal's workflow engine (portal/workflow.py).

draft → submitted → approved → paid (in full), or → returned (→ submitted …) / rejected.
Services (incentives/services.py) check the business rules of each step (eligibility, the
entitlement, the budget) and then call `engine.apply(CLAIM, …)`.
"""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from incentives import events
from incentives.models import Claim
from portal import formats
from portal import selectors as portal_selectors
from portal.workflow import ACTOR, NOW, REASON, Transition, Workflow

S = Claim.Status


def claimants(claim: Claim):
    return portal_selectors.applicants_of(claim.organisation_id)


def reviewers(claim: Claim):
    return portal_selectors.reviewers()


def _describe(claim: Claim) -> str:
    return _("Claim %(number)s") % {"number": claim.number}


def _submitted_title(claim: Claim) -> str:
    return _("Claim %(number)s submitted: %(policy)s") % {
        "number": claim.number,
        "policy": claim.policy.title,
    }


def _approved_title(claim: Claim) -> str:
    if claim.approved_amount is None:
        return _("Claim %(number)s approved") % {"number": claim.number}
    return _("Claim %(number)s approved: %(amount)s") % {
        "number": claim.number,
        "amount": formats.money_with_unit(claim.approved_amount),
    }


_DECIDED = (("decided_by", ACTOR), ("decided_at", NOW), ("decision_reason", REASON))

CLAIM = Workflow(
    name="incentives.claim",
    model=Claim,
    view_permission="incentive.claim.view",
    touch=("updated_at",),
    describe=_describe,
    url=lambda claim: reverse("incentives:claim_detail", args=[claim.pk]),
    reason_prompt=gettext_lazy("Give the reason."),
    transitions=(
        Transition(
            action="submit", sources=frozenset({S.DRAFT, S.RETURNED}), target=S.SUBMITTED,
            permission="incentive.claim.edit", label=gettext_lazy("Submit"),
            event=events.CLAIM_SUBMIT, notify=reviewers, title=_submitted_title,
            stamps=(("submitted_at", NOW),),
        ),
        Transition(
            action="approve", sources=frozenset({S.SUBMITTED}), target=S.APPROVED,
            permission="incentive.claim.decide", label=pgettext_lazy("claim", "Approve"),
            event=events.CLAIM_APPROVE, notify=claimants, title=_approved_title,
            stamps=_DECIDED,
        ),
        Transition(
            action="return", sources=frozenset({S.SUBMITTED}), target=S.RETURNED,
            permission="incentive.claim.decide", label=gettext_lazy("Return for revision"),
            event=events.CLAIM_RETURN, notify=claimants, stamps=_DECIDED, reason_required=True,
        ),
        Transition(
            action="reject", sources=frozenset({S.SUBMITTED}), target=S.REJECTED,
            permission="incentive.claim.decide", label=pgettext_lazy("claim", "Reject"),
            event=events.CLAIM_REJECT, notify=claimants, stamps=_DECIDED, reason_required=True,
        ),
        # Recording payments is the service's act (incentives.services.claim_pay); the claim
        # moves to "paid" with the payment that completes the approved amount.
        Transition(
            action="pay", sources=frozenset({S.APPROVED}), target=S.PAID,
            permission="incentive.claim.pay", label=gettext_lazy("Record a payment"),
            event=events.CLAIM_PAID, notify=claimants,
        ),
    ),
)  # fmt: skip
