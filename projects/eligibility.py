"""Who may lead an application in a category, checked from data and explained.

Each check returns a `Finding`: passed or not, with a sentence an applicant understands. The
rules come from the call's frozen copy of the category (`CallCategory.spec["rules"]`), so the
bureau can change them for the next call without code; the rule *kinds* are here.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from portal import formats
from portal.models import Organisation, Qualification, Region


@dataclass(frozen=True)
class Finding:
    code: str
    passed: bool
    message: str


# Once accepted or finally refused, a project no longer blocks the next application (2023 guide,
# category 2: "牵头单位承担我局高价值专利培育项目且尚未验收的，本次不申报").
UNFINISHED_PROJECT_STATES = ("approved", "in_execution", "acceptance_submitted")


def check(
    *,
    organisation: Organisation,
    lot,
    subtype: str = "",
    declared_patent_kinds: Iterable[str] = (),
    application=None,
) -> list[Finding]:
    """Every eligibility finding for `organisation` leading an application in `lot`."""
    from projects.models import Application

    spec = lot.spec
    findings: list[Finding] = []

    findings.append(
        Finding(
            "verified",
            organisation.is_verified,
            _("%(org)s is verified by the IP bureau.") % {"org": organisation.name}
            if organisation.is_verified
            else _("%(org)s has not been verified by the IP bureau yet.")
            % {"org": organisation.name},
        )
    )

    kinds = spec.get("eligible_kinds") or []
    kind_names = dict(Organisation.Kind.choices)
    allowed = formats.names(formats.label(kind_names, kind) for kind in kinds)
    kind_ok = organisation.kind in kinds
    findings.append(
        Finding(
            "applicant_kind",
            kind_ok,
            _("Category %(code)s accepts %(allowed)s; %(org)s is one (%(kind)s).")
            % {
                "code": spec["code"],
                "allowed": allowed,
                "org": organisation.name,
                "kind": organisation.get_kind_display(),
            }
            if kind_ok
            else _("Category %(code)s accepts only %(allowed)s; %(org)s is registered as %(kind)s.")
            % {
                "code": spec["code"],
                "allowed": allowed,
                "org": organisation.name,
                "kind": organisation.get_kind_display(),
            },
        )
    )

    others = Application.objects.filter(call_category=lot, lead_organisation=organisation)
    current = getattr(application, "pk", None)
    if current is not None:
        others = others.exclude(pk=current)
    other = others.only("number").first()
    findings.append(
        Finding(
            "one_per_call",
            other is None,
            _("%(org)s leads no other application in this category of the call.")
            % {"org": organisation.name}
            if other is None
            else _(
                "%(org)s already leads application %(number)s in this category of the call; "
                "an organisation may lead only one."
            )
            % {"org": organisation.name, "number": other.number},
        )
    )

    for rule in spec.get("rules") or []:
        handler = RULES.get(rule.get("rule"))
        if handler is None:
            raise ValueError(f"Unknown eligibility rule {rule!r} in category {spec['code']}")
        findings.append(
            handler(
                rule,
                organisation=organisation,
                lot=lot,
                subtype=subtype,
                declared_patent_kinds=list(declared_patent_kinds),
                application=application,
            )
        )
    return findings


def _qualification(rule: dict, *, organisation: Organisation, **_context) -> Finding:
    kind, year = rule["kind"], rule.get("year")
    held = organisation.qualifications.filter(kind=kind)
    if year:
        held = held.filter(year=year)
    label = Qualification.Kind(kind).label
    wanted = _("%(label)s (%(year)s)") % {"label": label, "year": year} if year else str(label)
    if held.exists():
        return Finding(
            "qualification",
            True,
            _("%(org)s is on the list: %(wanted)s.") % {"org": organisation.name, "wanted": wanted},
        )
    return Finding(
        "qualification",
        False,
        _("Only organisations on the list %(wanted)s may apply; %(org)s is not on it.")
        % {"org": organisation.name, "wanted": wanted},
    )


def _patent_count(rule: dict, *, declared_patent_kinds: list[str], **_context) -> Finding:
    kinds, minimum = rule["kinds"], int(rule["minimum"])
    count = sum(1 for kind in declared_patent_kinds if kind in kinds)
    if count >= minimum:
        return Finding(
            "patent_count",
            True,
            _(
                "%(count)s invention and utility-model patents declared; "
                "at least %(minimum)s needed."
            )
            % {"count": count, "minimum": minimum},
        )
    return Finding(
        "patent_count",
        False,
        _(
            "At least %(minimum)s invention and utility-model patents are required; "
            "%(count)s are declared. List the application numbers of the patents you hold."
        )
        % {"count": count, "minimum": minimum},
    )


def _no_unaccepted_project(rule: dict, *, organisation: Organisation, lot, **_context) -> Finding:
    from projects.models import Application

    earlier = (
        Application.objects.filter(
            lead_organisation=organisation,
            call_category__category__code=rule["category"],
            status__in=UNFINISHED_PROJECT_STATES,
        )
        .exclude(call_category=lot)
        .only("number")
        .first()
    )
    if earlier is None:
        return Finding(
            "no_unaccepted_project",
            True,
            _("%(org)s has no earlier project of category %(code)s awaiting acceptance.")
            % {"org": organisation.name, "code": rule["category"]},
        )
    return Finding(
        "no_unaccepted_project",
        False,
        _(
            "%(org)s leads project %(number)s of category %(code)s, which has not been accepted "
            "yet; the guide does not allow a new application until it is."
        )
        % {"org": organisation.name, "number": earlier.number, "code": rule["category"]},
    )


def _county_region(rule: dict, *, organisation: Organisation, **_context) -> Finding:
    region = organisation.region
    if region.level == Region.Level.COUNTY:
        return Finding(
            "county_region",
            True,
            _("%(org)s is in a county (%(region)s).")
            % {"org": organisation.name, "region": region.name},
        )
    return Finding(
        "county_region",
        False,
        _("This category is for county industrial zones; %(org)s is registered in %(region)s.")
        % {"org": organisation.name, "region": region.name},
    )


def _subtype(rule: dict, *, lot, subtype: str, **_context) -> Finding:
    subtypes = lot.spec.get("subtypes") or []
    if subtype in subtypes:
        return Finding("subtype", True, _("Sub-type: %(subtype)s.") % {"subtype": subtype})
    return Finding(
        "subtype",
        False,
        _("Choose one of the sub-types: %(subtypes)s.") % {"subtypes": formats.names(subtypes)},
    )


RULES: dict[str, Callable[..., Finding]] = {
    "qualification": _qualification,
    "patent_count": _patent_count,
    "no_unaccepted_project": _no_unaccepted_project,
    "county_region": _county_region,
    "subtype": _subtype,
}
