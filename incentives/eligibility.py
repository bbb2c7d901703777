"""Who may claim what, explained: which qualification or event makes an organisation eligible for
a policy, or what is missing. Read-only; the services call it again before every write."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from incentives.models import Claim, Policy
from portal import formats
from portal.models import Organisation, Qualification


@dataclass
class Eligibility:
    policy: Policy
    reasons: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    recognitions: list[Qualification] = field(default_factory=list)
    claimed: list[Claim] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return not self.missing

    def as_dict(self) -> dict:
        return {
            "policy": self.policy.pk,
            "eligible": self.eligible,
            "reasons": self.reasons,
            "missing": self.missing,
            "recognitions": [q.pk for q in self.recognitions],
            "claimed": [c.number for c in self.claimed],
        }


def current_policies() -> QuerySet[Policy]:
    """The latest active version of every policy."""
    latest: dict[str, Policy] = {}
    for policy in (
        Policy.objects.filter(is_active=True).select_related("region").order_by("code", "-version")
    ):
        latest.setdefault(policy.code, policy)
    return Policy.objects.filter(pk__in=[p.pk for p in latest.values()]).select_related("region")


def check(organisation: Organisation, policy: Policy, *, today: date) -> Eligibility:
    found = Eligibility(policy)
    kinds = dict(Organisation.Kind.choices)
    if not policy.is_active:
        found.missing.append(
            _("This version of the policy is superseded; claim under its current version.")
        )
    if policy.claimant_kinds and organisation.kind not in policy.claimant_kinds:
        found.missing.append(
            _("Open to %(kinds)s; %(name)s is a %(kind)s.")
            % {
                "kinds": formats.names(formats.label(kinds, k) for k in policy.claimant_kinds),
                "name": organisation.name,
                "kind": formats.label(kinds, organisation.kind),
            }
        )
    if organisation.status != Organisation.Status.VERIFIED:
        found.missing.append(_("The organisation is not verified yet."))
    if not organisation.region.path.startswith(policy.region.path):
        found.missing.append(
            _("A policy of %(region)s: only organisations there may claim.")
            % {"region": policy.region.name}
        )
    elif policy.level == Policy.Level.CITY:
        found.reasons.append(_("registered in %(region)s") % {"region": policy.region.name})
    if policy.qualification:
        # Quoted in the messages, so its own quotation marks nest: “国家级专精特新‘小巨人’企业”.
        label = formats.nested_quotes(Qualification.Kind(policy.qualification).label)
        held = list(organisation.qualifications.filter(kind=policy.qualification).order_by("year"))
        if policy.qualified_since:
            fitting = [q for q in held if q.year >= policy.qualified_since]
        else:
            fitting = held
        if not fitting:
            since = (
                _(" (first recognised in %(year)d or later)") % {"year": policy.qualified_since}
                if policy.qualified_since
                else ""
            )
            found.missing.append(
                _("Needs the qualification “%(label)s”%(since)s.")
                % {"label": label, "since": since}
            )
        else:
            found.recognitions = fitting
            found.reasons.extend(
                _("recognised as “%(label)s” in %(year)d (%(source)s)")
                % {"label": label, "year": q.year, "source": q.source}
                for q in fitting
            )
    if today < policy.opens_on or today > policy.closes_on:
        found.missing.append(
            _("Claims are accepted from %(start)s to %(end)s.")
            % {"start": formats.day(policy.opens_on), "end": formats.day(policy.closes_on)}
        )
    found.claimed = list(
        Claim.objects.filter(
            organisation=organisation, policy__code=policy.code, status__in=Claim.LIVE
        ).order_by("created_at")
    )
    if policy.one_time and found.recognitions:
        taken = {c.recognition_id for c in found.claimed}
        open_ones = [q for q in found.recognitions if q.pk not in taken]
        if not open_ones:
            found.missing.append(
                _("A one-time reward, already claimed: %(numbers)s.")
                % {"numbers": formats.names(c.number for c in found.claimed)}
            )
        found.recognitions = open_ones
    return found


def for_organisation(organisation: Organisation, *, today: date) -> list[Eligibility]:
    return [
        check(organisation, policy, today=today)
        for policy in current_policies().order_by("level", "code")
    ]
