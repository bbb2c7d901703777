"""Conversion events of pool patents (transfer, licence, open licence, pledge, filing, contract,
use first): recorded by the owner, or registered from a national platform's list, under the
same checks (Patent Law 2020 Art. 50–52; Implementing Rules 2023 Art. 85–88; Civil Code
Art. 444)."""

from datetime import timedelta
from typing import cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Field
from django.urls import reverse
from django.utils.translation import gettext as _

from patents import events
from patents.models import (
    Conversion,
    Patent,
)
from portal import formats, permissions
from portal import selectors as portal_selectors
from portal.models import Organisation, User
from portal.services import audit_record, notify

# Conversions ---------------------------------------------------------------------------------

CONVERSION_FIELDS = (
    "counterparty", "counterparty_name", "project", "amount", "starts_on", "ends_on",
    "licence_kind", "via_open_licence", "fee_standard", "payment_method", "product", "sales",
    "contract_kind", "registration_number", "note",
)  # fmt: skip
# What each kind of event must state, besides its date.
CONVERSION_REQUIRED = {
    Conversion.Kind.TRANSFER: ("party",),
    Conversion.Kind.LICENCE: ("party", "licence_kind"),
    Conversion.Kind.OPEN_LICENCE: ("fee_standard", "payment_method", "ends_on"),
    Conversion.Kind.PLEDGE: ("party", "amount", "ends_on"),
    Conversion.Kind.PRODUCT_FILING: ("product",),
    Conversion.Kind.CONTRACT: ("contract_kind", "registration_number", "amount"),
    Conversion.Kind.USE_FIRST: ("party",),
}
EXCLUSIVE_KINDS = {Conversion.LicenceKind.EXCLUSIVE, Conversion.LicenceKind.SOLE}


def _overlaps(event: Conversion, starts_on, ends_on) -> bool:
    """Does the event's term (as it stands) meet [starts_on, ends_on] (ends_on None: open)?
    An event ended early is no longer in force from its `ended_on`."""
    last = event.ends_on
    if event.ended_on is not None:
        early = event.ended_on - timedelta(days=1)
        last = early if last is None else min(last, early)
    if last is not None and last < event.starts_on:
        return False
    return (ends_on is None or event.starts_on <= ends_on) and (last is None or last >= starts_on)


def _in_force(
    patent: Patent, kind: str, starts_on, ends_on, ignore: Conversion | None = None, **filters
) -> Conversion | None:
    """The first event of this kind on the patent whose term meets the given one (`ignore`: the
    event being updated)."""
    others = patent.conversions.filter(kind=kind, **filters)
    if ignore is not None:
        others = others.exclude(pk=ignore.pk)
    for event in others.order_by("starts_on"):
        if _overlaps(event, starts_on, ends_on):
            return event
    return None


def _exclusive_in_force(
    patent: Patent, starts_on, ends_on, ignore: Conversion | None
) -> Conversion | None:
    """An exclusive or sole licence of the patent in force over the term."""
    return _in_force(
        patent, Conversion.Kind.LICENCE, starts_on, ends_on, ignore,
        licence_kind__in=EXCLUSIVE_KINDS,
    )  # fmt: skip


def _licence_facts(licence: Conversion) -> dict[str, str]:
    """The facts a refusal names: the licence's kind, its licensee and its start."""
    return {
        "kind": licence.get_licence_kind_display().lower(),
        "party": licence.party,
        "start": formats.day(licence.starts_on),
    }


def _conversion_refusals(
    patent: Patent, kind: str, values: dict, ignore: Conversion | None = None
) -> dict[str, str]:
    """The legal checks of an event against the patent's other events (Patent Law 2020
    Art. 50–52; Implementing Rules 2023 Art. 85–88), field → message."""
    starts_on, ends_on = values["starts_on"], values.get("ends_on")
    errors: dict[str, str] = {}
    if kind == Conversion.Kind.OPEN_LICENCE:
        if patent.granted_on is None or patent.status != Patent.Status.VALID:
            errors["kind"] = _(
                "Only a granted, valid patent can be offered under an open licence; "
                "%(number)s is %(status)s."
            ) % {
                "number": patent.number,
                "status": patent.get_status_display()
                if patent.status != Patent.Status.VALID
                else _("not granted"),
            }
            return errors
        exclusive = _exclusive_in_force(patent, starts_on, ends_on, ignore)
        if exclusive is not None:
            errors["kind"] = _(
                "An open licence cannot be declared while the %(kind)s licence to %(party)s "
                "(from %(start)s) is in force."
            ) % _licence_facts(exclusive)
        pledge = _in_force(patent, Conversion.Kind.PLEDGE, starts_on, ends_on, ignore)
        if pledge is not None:
            errors["kind"] = _(
                "An open licence cannot be declared while the patent is pledged to %(party)s "
                "(from %(start)s); record the pledge's release first."
            ) % {"party": pledge.party, "start": formats.day(pledge.starts_on)}
        declared = _in_force(patent, Conversion.Kind.OPEN_LICENCE, starts_on, ends_on, ignore)
        if declared is not None:
            errors["kind"] = _(
                "An open licence declaration (from %(start)s) is already in force."
            ) % {"start": formats.day(declared.starts_on)}
    elif kind == Conversion.Kind.LICENCE:
        exclusive = _exclusive_in_force(patent, starts_on, ends_on, ignore)
        if exclusive is not None:
            errors["licence_kind"] = _(
                "The %(kind)s licence to %(party)s (from %(start)s) is in force over this term; "
                "no other licence can be granted."
            ) % _licence_facts(exclusive)
        if values.get("licence_kind") in EXCLUSIVE_KINDS:
            declared = _in_force(patent, Conversion.Kind.OPEN_LICENCE, starts_on, ends_on, ignore)
            if declared is not None:
                errors["licence_kind"] = _(
                    "The patent is under an open licence declaration (from %(start)s); only "
                    "ordinary licences can be granted during it."
                ) % {"start": formats.day(declared.starts_on)}
        if values.get("via_open_licence"):
            if values.get("licence_kind") != Conversion.LicenceKind.ORDINARY:
                errors["licence_kind"] = _("A licence under an open licence is ordinary.")
            elif (
                _in_force(patent, Conversion.Kind.OPEN_LICENCE, starts_on, starts_on, ignore)
                is None
            ):
                errors["via_open_licence"] = _(
                    "No open licence declaration is in force on %(date)s."
                ) % {"date": formats.day(starts_on)}
    if kind == Conversion.Kind.TRANSFER and patent.status not in {
        Patent.Status.VALID,
        Patent.Status.PENDING,  # the right of a pending application can be transferred
    }:
        errors["kind"] = _("%(number)s is %(status)s and cannot be transferred.") % {
            "number": patent.number,
            "status": patent.get_status_display(),
        }
    return errors


# What a national platform's registration list carries, by kind: a registry row is not refused
# for a field its list does not have (a pledge registration without the term's end).
REGISTRY_REQUIRED = {
    Conversion.Kind.PLEDGE: ("party",),  # the loan is on the first patent of a registration
    Conversion.Kind.CONTRACT: ("registration_number",),
    Conversion.Kind.PRODUCT_FILING: ("product",),
}


def _verbose_name(name: str) -> str:
    """A concrete field's label (the conversion fields named here are all concrete)."""
    return str(cast(Field, Conversion._meta.get_field(name)).verbose_name)


def _values(data: dict) -> dict:
    values = {name: data.get(name) for name in CONVERSION_FIELDS}
    for name in ("counterparty_name", "licence_kind", "fee_standard", "payment_method",
                 "product", "contract_kind", "registration_number", "note"):  # fmt: skip
        values[name] = (values[name] or "").strip()
    values["via_open_licence"] = bool(values["via_open_licence"])
    return values


def _shape_errors(patent: Patent, kind: str, values: dict, *, registry: bool) -> dict[str, str]:
    """What the event itself must state and may not say, field → message."""
    errors: dict[str, str] = {}
    if not values["starts_on"]:
        errors["starts_on"] = _("Give the date.")
    required: tuple[str, ...] = (
        REGISTRY_REQUIRED.get(Conversion.Kind(kind), ())
        if registry
        else CONVERSION_REQUIRED[Conversion.Kind(kind)]
    )
    for name in required:
        if name == "party":
            if not values["counterparty"] and not values["counterparty_name"]:
                errors["counterparty_name"] = _(
                    "Name the counterparty (choose a registered enterprise or type the name)."
                )
        elif values[name] in (None, ""):
            errors[name] = _("This event needs “%(field)s”.") % {"field": _verbose_name(name)}
    if values["ends_on"] and values["starts_on"] and values["ends_on"] < values["starts_on"]:
        errors["ends_on"] = _("The term ends before it starts.")
    if kind == Conversion.Kind.PLEDGE and values["amount"] is not None and values["amount"] <= 0:
        errors["amount"] = _("A pledge finances a positive amount.")
    counterparty = values["counterparty"]
    if counterparty is not None and counterparty.kind != Organisation.Kind.ENTERPRISE:
        errors["counterparty"] = _("Choose an enterprise.")
    project = values["project"]
    if project is not None and project.lead_organisation_id not in {
        patent.owner_id,
        getattr(counterparty, "pk", None),
    }:
        errors["project"] = _(
            "The project must be led by the patent's owner or by the enterprise of this event."
        )
    return errors


def _same_event(patent: Patent, kind: str, values: dict) -> Conversion | None:
    """The event already recorded that this one repeats: the same registration, or the same
    kind on the same day with the same counterparty and figure (a double submit, or a manual
    entry of what a registry list holds)."""
    events_ = patent.conversions.filter(kind=kind)
    if values["registration_number"]:
        found = events_.filter(registration_number=values["registration_number"]).first()
        if found is not None:
            return found
    party = values["counterparty"]
    same_party = (
        events_.filter(counterparty=party)
        if party is not None
        else events_.filter(
            counterparty__isnull=True, counterparty_name=values["counterparty_name"]
        )
    )
    return same_party.filter(starts_on=values["starts_on"], amount=values["amount"]).first()


@transaction.atomic
def conversion_record(
    *,
    actor: User,
    patent: Patent,
    kind: str,
    data: dict,
    registry: bool = False,
    existing: Conversion | None = None,
) -> Conversion:
    """Record a conversion event of a pool patent. A transfer, licence, contract or use-first
    agreement marks the patent converted; the amounts feed the reporting indicators (after
    commit, through the audited event). The same event is recorded once: a repeat is refused,
    naming the event already recorded.

    `registry=True`: the row comes from a national platform's registration list (the pledge
    platform, technology-contract registration, patent-product filing), registered by the
    bureau (permission "patent.conversion.register") for any owner's patent. The registry has
    recorded the act, so it is a fact: fields its list does not carry are not required (a
    pledge's term end), and a registration the portal already holds (`existing`, the same
    registration number, or the same event entered by hand before it was registered) is
    updated, never added twice. The legal refusals still apply: what the law forbids is refused
    whatever its source, naming the blocking fact, and the import stores nothing. A registry row
    notifies nobody (the counterparty is told by the registry).
    """
    patent = Patent.objects.select_for_update().select_related("owner").get(pk=patent.pk)
    permissions.require(
        actor, "patent.conversion.register" if registry else "patent.conversion.record", patent
    )
    if kind not in Conversion.Kind.values:
        raise ValidationError({"kind": _("Choose the kind of event.")})
    values = _values(data)
    errors = _shape_errors(patent, kind, values, registry=registry)
    if errors:
        raise ValidationError(errors)
    if existing is not None and (existing.patent_id != patent.pk or existing.kind != kind):
        raise ValidationError(_("This event belongs to another patent or kind."))
    found = existing if registry else None
    if registry and found is None:
        found = _same_event(patent, kind, values)
    if not registry:
        repeated = _same_event(patent, kind, values)
        if repeated is not None:
            raise ValidationError(
                _("This %(kind)s of %(number)s with %(party)s on %(date)s is already recorded.")
                % {"kind": repeated.get_kind_display().lower(), "number": patent.number,
                   "party": repeated.party or "—", "date": formats.day(repeated.starts_on)},
                code="duplicate",
            )  # fmt: skip
    errors = _conversion_refusals(patent, kind, values, ignore=found)
    if errors:
        raise ValidationError(errors)
    counterparty = values["counterparty"]
    if counterparty is not None and not values["counterparty_name"]:
        values["counterparty_name"] = counterparty.name
    if found is None:
        event = Conversion(patent=patent, kind=kind, recorded_by=actor, **values)
        event.full_clean()
        event.save()
        name = events.CONVERSION_IMPORTED[kind] if registry else events.CONVERSION_RECORDED[kind]
        before = None
    else:
        event = found
        before = _audited(event)
        # A note written by hand is kept; an imported one follows the import.
        if event.note and not event.note.startswith(IMPORT_NOTE):
            values["note"] = event.note
        for field, value in values.items():
            setattr(event, field, value)
        event.full_clean()
        event.save(update_fields=list(values))
        name = events.CONVERSION_IMPORT_UPDATED[kind]
    if kind in Conversion.CONVERTING and not patent.converted:
        patent.converted = True
        patent.save(update_fields=["converted", "updated_at"])
    audit_record(
        actor=actor, event=name, target=patent, before=before,
        after={**_audited(event), "kind": kind},
    )  # fmt: skip
    if counterparty is not None and not registry:
        notify(
            event=events.CONVERSION,
            recipients=portal_selectors.applicants_of(counterparty.pk),
            title=_("%(owner)s recorded a %(kind)s of %(number)s with you")
            % {
                "owner": patent.owner.name,
                "kind": event.get_kind_display().lower(),
                "number": patent.number,
            },
            url=reverse("patents:conversions"),
        )
    return event


# An import's note starts so (the exchange mapping's name follows).
IMPORT_NOTE = "导入："


def _audited(event: Conversion) -> dict:
    return {
        "event": event.pk,
        "registration_number": event.registration_number,
        "party": event.party,
        "amount": str(event.amount) if event.amount is not None else None,
        "sales": str(event.sales) if event.sales is not None else None,
        "starts_on": str(event.starts_on),
        "ends_on": str(event.ends_on) if event.ends_on else None,
    }


@transaction.atomic
def conversion_end(*, actor: User, conversion: Conversion, ended_on) -> Conversion:
    """End an event's term early: a pledge released, an open licence withdrawn, a licence
    terminated."""
    event = (
        Conversion.objects.select_for_update().select_related("patent__owner").get(pk=conversion.pk)
    )
    permissions.require(actor, "patent.conversion.record", event.patent)
    if event.kind not in Conversion.WITH_TERM:
        raise ValidationError({"ended_on": _("This event has no term to end.")})
    if event.ended_on is not None:
        raise ValidationError({"ended_on": _("This event already ended.")})
    if ended_on < event.starts_on:
        raise ValidationError({"ended_on": _("The end is before the start.")})
    event.ended_on = ended_on
    event.save(update_fields=["ended_on"])
    audit_record(
        actor=actor,
        event=events.CONVERSION_ENDED[event.kind],
        target=event.patent,
        after={"event": event.pk, "ended_on": str(ended_on)},
    )
    return event
