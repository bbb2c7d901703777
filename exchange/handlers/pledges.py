"""Pledge registrations from the national IP pledge information platform (国家知识产权质押信息平台;
国办 plan (九)): one row per registration, its patents, pledgor, pledgee and loan.

The pledgee (a bank) is named as written; the pledgor's credit code is checked against the pool
patent's owner (a mismatch is a warning: the pledge is recorded on the pool's patent). The loan
goes on the first pool patent of the registration and feeds the reporting indicator
POOL_PLEDGE_AMOUNT.
"""

from django.utils.translation import gettext_lazy

from exchange.handlers import conversions
from exchange.targets import Plan, Target, register
from patents.models import Conversion

LAYOUT = conversions.Layout(
    kind=Conversion.Kind.PLEDGE,
    figure="amount",
    party="pledgee",
    owner_code="pledgor_credit_code",
    positive=True,
)
FIELDS = {
    "registration_number": gettext_lazy("pledge registration number (identifies the pledge)"),
    "patent_numbers": gettext_lazy("application numbers of the pledged patents"),
    "pledgor": gettext_lazy("pledgor (shown)"),
    "pledgor_credit_code": gettext_lazy("pledgor's credit code (checked against the owner)"),
    "pledgee": gettext_lazy("pledgee, as written"),
    "amount": gettext_lazy("loan (yuan)"),
    "starts_on": gettext_lazy("registered on"),
    "ends_on": gettext_lazy("term ends"),
}


def _values(row: dict, mapping) -> tuple[dict, list]:
    return {"ends_on": row.get("ends_on")}, []


def check(rows: list[dict], mapping) -> Plan:
    return conversions.check(rows, mapping, LAYOUT, _values)


def apply(plan: Plan, actor) -> dict:
    return conversions.apply(plan, actor, LAYOUT)


def _row(event: Conversion) -> dict:
    return {
        "pledgor": event.patent.owner.name,
        "pledgor_credit_code": event.patent.owner.credit_code,
        "pledgee": event.counterparty_name,
        "ends_on": event.ends_on,
    }


def rows(actor, params: dict):
    """The pool's pledges with a registration number, as the platform lists them."""
    return conversions.rows(LAYOUT, params, _row)


register(
    Target(
        name="pledges",
        label=gettext_lazy("Pledge registrations (national IP pledge information platform)"),
        direction="import",
        fields=FIELDS,
        required=("registration_number", "patent_numbers", "pledgee", "amount", "starts_on"),
        check=check,
        apply=apply,
        rows=rows,
    )
)
