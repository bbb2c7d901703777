"""The stock-patent registration batch for the national IP operation public service platform
(国家知识产权运营公共服务平台; 国办 plan (一), 陕政办发〔2024〕11号 (一)): the screened,
unconverted, valid patents of the pool with their tier and industry sub-field.

A reviewer exports any organisation's batch (params {"organisation": id}; without it, every
pool); a university or institute exports its own pool only, whatever the params say.
"""

from collections.abc import Iterator

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exchange.targets import Target, register
from patents.models import Patent
from portal import permissions
from portal.models import Role

FIELDS = {
    "number": gettext_lazy("application number"),
    "title": gettext_lazy("title"),
    "kind": gettext_lazy("patent type"),
    "owner": gettext_lazy("patentee"),
    "owner_credit_code": gettext_lazy("patentee's unified social credit code"),
    "ipc": gettext_lazy("IPC classes"),
    "tier": gettext_lazy("tier"),
    "industry": gettext_lazy("industry sub-field"),
    "screened_on": gettext_lazy("screened on"),
}


def _organisation(params: dict) -> int | None:
    value = params.get("organisation")
    if value in (None, ""):
        return None
    try:
        return int(getattr(value, "pk", value))
    except (TypeError, ValueError) as error:
        raise ValidationError({"organisation": _("Choose an organisation.")}) from error


def rows(actor, params: dict) -> Iterator[dict]:
    """Parameters are checked here, before a file is opened; the rows are read as written."""
    organisation = _organisation(params)
    patents = permissions.scope(
        actor,
        "patent.view",
        Patent.objects.filter(
            status=Patent.Status.VALID, converted=False, screened_at__isnull=False
        ),
    )
    # Only a reviewer chooses the organisation; a pool owner's scope is its own pool already.
    if organisation is not None and actor.role == Role.REVIEWER:
        patents = patents.filter(owner_id=organisation)
    patents = patents.select_related("owner").order_by("owner__credit_code", "number")
    return (_row(patent) for patent in patents.iterator(chunk_size=2000))


def _row(patent: Patent) -> dict:
    return {
        "number": patent.number,
        "title": patent.title,
        "kind": patent.kind,
        "owner": patent.owner.name,
        "owner_credit_code": patent.owner.credit_code,
        "ipc": patent.ipc or None,
        "tier": patent.tier or None,
        "industry": patent.industry or None,
        "screened_on": timezone.localdate(patent.screened_at),
    }


register(
    Target(
        name="registration_batch",
        label=gettext_lazy("Stock-patent registration batch (national IP operation platform)"),
        direction="export",
        fields=FIELDS,
        required=("number",),
        rows=rows,
        permission="exchange.batch",
    )
)
