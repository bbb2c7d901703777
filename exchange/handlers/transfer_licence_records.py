"""Patent transfer and licence records of the pool, for matching against technology-contract
registrations (陕政办发〔2024〕11号 (十): contract registration shares data with transfer and
licence records by the end of 2024). Optional params: since, until (the event's date).
"""

from collections.abc import Iterator

from django.utils.translation import gettext_lazy

from exchange.handlers.conversions import date_param
from exchange.targets import Target, register
from patents.models import Conversion

FIELDS = {
    "number": gettext_lazy("application number"),
    "title": gettext_lazy("title"),
    "owner": gettext_lazy("patentee"),
    "event": gettext_lazy("event (transfer or licence)"),
    "licence_kind": gettext_lazy("licence kind"),
    "party": gettext_lazy("assignee or licensee"),
    "party_credit_code": gettext_lazy("assignee's or licensee's unified social credit code"),
    "amount": gettext_lazy("amount (yuan)"),
    "starts_on": gettext_lazy("date"),
    "ends_on": gettext_lazy("term ends"),
}


def rows(actor, params: dict) -> Iterator[dict]:
    """Parameters are checked here, before a file is opened; the rows are read as written."""
    since, until = date_param(params, "since"), date_param(params, "until")
    events = Conversion.objects.filter(
        kind__in=[Conversion.Kind.TRANSFER, Conversion.Kind.LICENCE]
    ).select_related("patent__owner", "counterparty")
    if since:
        events = events.filter(starts_on__gte=since)
    if until:
        events = events.filter(starts_on__lte=until)
    events = events.order_by("starts_on", "patent__number", "pk")
    return (_row(event) for event in events.iterator(chunk_size=2000))


def _credit_code(event: Conversion) -> str | None:
    return event.counterparty.credit_code if event.counterparty is not None else None


def _row(event: Conversion) -> dict:
    return {
        "number": event.patent.number,
        "title": event.patent.title,
        "owner": event.patent.owner.name,
        "event": event.kind,
        "licence_kind": event.licence_kind or None,
        "party": event.party or None,
        "party_credit_code": event.counterparty.credit_code
        if event.counterparty is not None
        else None,
        "amount": event.amount,
        "starts_on": event.starts_on,
        "ends_on": event.ends_on,
    }


register(
    Target(
        name="transfer_licence_records",
        label=gettext_lazy("Patent transfer and licence records"),
        direction="export",
        fields=FIELDS,
        required=("number", "event"),
        rows=rows,
    )
)
