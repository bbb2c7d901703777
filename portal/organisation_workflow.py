"""Verification of a registered organisation, declared for the workflow engine (workflow.py).

pending → verified, or → rejected (with the reason) → pending again when the applicant fixes
the registration (organisation_update) → …
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import events, selectors
from portal.models import Organisation
from portal.workflow import ACTOR, EMPTY, NOW, REASON, Transition, Workflow

S = Organisation.Status


def members(org: Organisation):
    return org.members.all()


def reviewers(org: Organisation):
    return selectors.reviewers()


ORGANISATION = Workflow(
    name="portal.organisation",
    model=Organisation,
    view_permission="organisation.view",
    describe=str,
    url=lambda org: f"/organisations/{org.pk}/",
    reason_prompt=gettext_lazy("Say why the registration is refused."),
    transitions=(
        Transition(
            action="verify", sources=frozenset({S.PENDING, S.REJECTED}), target=S.VERIFIED,
            permission="organisation.verify", label=gettext_lazy("Verify this organisation"),
            event=events.ORGANISATION_VERIFY, notify=members,
            title=lambda org: _("%(name)s has been verified") % {"name": org.name},
            body=lambda org: _("Your organisation can now declare projects and claim incentives."),
            url=lambda org: "/organisation/",
            stamps=(("verified_at", NOW), ("verified_by", ACTOR), ("status_reason", REASON)),
        ),
        Transition(
            action="reject", sources=frozenset({S.PENDING, S.REJECTED}), target=S.REJECTED,
            permission="organisation.verify", label=gettext_lazy("Refuse verification"),
            event=events.ORGANISATION_REJECT, notify=members, reason_required=True,
            title=lambda org: _("Verification of %(name)s was refused") % {"name": org.name},
            url=lambda org: "/organisation/",
            stamps=(("status_reason", REASON),),
        ),
        Transition(
            action="resubmit", sources=frozenset({S.REJECTED}), target=S.PENDING,
            permission="organisation.edit", label=gettext_lazy("Send the corrected registration"),
            event=events.ORGANISATION_RESUBMIT, notify=reviewers,
            stamps=(("status_reason", EMPTY),),  # the refusal's reason stays in the history
            title=lambda org: _("Corrected registration awaiting verification: %(name)s")
            % {"name": org.name},
        ),
    ),
)  # fmt: skip
