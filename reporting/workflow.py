"""The life cycle of a statistics return version, declared once for the portal's workflow
engine (portal/workflow.py).

draft → submitted → approved (locked) | returned → submitted …; a form that needs no approval is
approved by the portal itself on submission. An approved return is corrected by opening version
n + 1 (reporting.services.returns.return_correct), the approved version staying readable.
"""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from portal import selectors as portal_selectors
from portal import workflow as engine
from portal.models import Region, Role, User
from portal.workflow import Transition, Workflow
from reporting import events
from reporting.models import StatReturn

S = StatReturn.Status


def agency_users(region: Region):
    return User.objects.filter(
        role=Role.CITY_AGENCY, is_active=True, region__path__in=_ancestor_paths(region)
    )


def _ancestor_paths(region: Region) -> list[str]:
    parts = region.path.strip("/").split("/")
    return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def reviewers():
    return portal_selectors.reviewers()


def _recompute(stat_return: StatReturn) -> None:
    """After an approval commits: the region's indicators from that quarter on."""
    from reporting import tasks

    tasks.recompute_progress.delay(
        region_id=stat_return.region_id, since=stat_return.period, statistics_only=True
    )


def _describe(stat_return: StatReturn) -> str:
    return _("Statistics return %(name)s") % {"name": stat_return}


def _not_current(stat_return: StatReturn) -> str:
    if stat_return.is_current:
        return ""
    return _("Version %(version)d of %(name)s has been replaced by a correction.") % {
        "version": stat_return.version,
        "name": stat_return,
    }


def _to_agency(stat_return: StatReturn):
    return agency_users(stat_return.region)


def _to_reviewers(stat_return: StatReturn):
    return reviewers()


_DECIDED = (("decided_at", engine.NOW), ("decided_by", engine.ACTOR), ("reason", engine.REASON))

RETURN = Workflow(
    name="reporting.return",
    model=StatReturn,
    view_permission="reporting.return.view",
    guard=_not_current,
    describe=_describe,
    url=lambda stat_return: reverse("reporting:return_detail", args=[stat_return.pk]),
    reason_prompt=gettext_lazy("Give a reason: the city agency will read it."),
    transitions=(
        Transition(
            action="submit", sources=frozenset({S.DRAFT, S.RETURNED}), target=S.SUBMITTED,
            permission="reporting.return.edit", label=gettext_lazy("Submit"),
            event=events.RETURN_SUBMIT, notify=_to_reviewers,
            stamps=(("submitted_at", engine.NOW), ("submitted_by", engine.ACTOR)),
        ),
        Transition(
            action="approve", sources=frozenset({S.SUBMITTED}), target=S.APPROVED,
            permission="reporting.return.decide",
            label=pgettext_lazy("statistics return", "Approve"),
            event=events.RETURN_APPROVE, notify=_to_agency, stamps=_DECIDED,
            after_commit=(_recompute,),
        ),
        Transition(
            action="auto_approve", sources=frozenset({S.SUBMITTED}), target=S.APPROVED,
            automatic=True, label=gettext_lazy("Approved without review"),
            event=events.RETURN_AUTO_APPROVE, notify=_to_agency, stamps=_DECIDED,
            after_commit=(_recompute,),
        ),
        Transition(
            action="send_back", sources=frozenset({S.SUBMITTED}), target=S.RETURNED,
            permission="reporting.return.decide", label=gettext_lazy("Return for correction"),
            event=events.RETURN_SEND_BACK, notify=_to_agency, stamps=_DECIDED,
            reason_required=True,
        ),
    ),
)  # fmt: skip
TRANSITIONS = RETURN.by_action
