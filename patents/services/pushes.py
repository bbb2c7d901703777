"""Pushes of pool patents to enterprises, by the bureau's reviewers."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from patents import events
from patents.models import (
    Patent,
    Push,
)
from portal import permissions
from portal.models import Organisation, Role, User
from portal.services import audit_record, notify

# Pushes by reviewers -------------------------------------------------------------------------


@transaction.atomic
def patent_push(*, actor: User, patent: Patent, organisations, note: str = "") -> int:
    """A reviewer pushes a patent to enterprises chosen by hand; each is told once. Returns how
    many enterprises were newly pushed to."""
    permissions.require(actor, "patent.push", patent)
    organisations = list(organisations)
    if not organisations:
        raise ValidationError({"organisations": _("Choose at least one enterprise.")})
    wrong = [o.name for o in organisations if o.kind != Organisation.Kind.ENTERPRISE]
    if wrong:
        raise ValidationError(
            {"organisations": _("Not an enterprise: %(names)s.") % {"names": "、".join(wrong)}}
        )
    already = set(
        Push.objects.filter(patent=patent, organisation__in=organisations).values_list(
            "organisation_id", flat=True
        )
    )
    fresh = [
        Push(patent=patent, organisation=o, note=note.strip()[:500], pushed_by=actor)
        for o in organisations
        if o.pk not in already
    ]
    Push.objects.bulk_create(fresh)
    for push in fresh:
        notify(
            event=events.PUSH,
            recipients=User.objects.filter(
                organisation_id=push.organisation_id, role=Role.APPLICANT, is_active=True
            ),
            title=_("A patent is recommended to you: %(title)s") % {"title": patent.title},
            body=push.note,
            url=reverse("patents:need_list"),
        )
    audit_record(
        actor=actor,
        event=events.PUSH,
        target=patent,
        after={"organisations": [p.organisation_id for p in fresh]},
    )
    return len(fresh)
