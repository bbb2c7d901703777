"""Technology-contract registrations (技术合同登记; 陕政办发〔2024〕11号 (十): contract registration
shares data with patent transfer and licence records): one row per registered contract, its
patents, buyer and turnover.

The buyer is matched by credit code (an unknown code: a warning, the name kept as written). A
registered contract marks its patents converted, as recording one by hand does.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exchange.files import cell_of
from exchange.handlers import conversions
from exchange.targets import Plan, Target, register
from patents.models import Conversion
from portal.problems import Problem

LAYOUT = conversions.Layout(
    kind=Conversion.Kind.CONTRACT,
    figure="amount",
    party="buyer",
    party_code="buyer_credit_code",
)
FIELDS = {
    "registration_number": gettext_lazy("contract registration number (identifies the contract)"),
    "contract_kind": gettext_lazy("contract kind"),
    "patent_numbers": gettext_lazy("application numbers of the patents"),
    "buyer": gettext_lazy("buyer, as written"),
    "buyer_credit_code": gettext_lazy("buyer's unified social credit code"),
    "amount": gettext_lazy("turnover (yuan)"),
    "starts_on": gettext_lazy("registered on"),
}


def _values(row: dict, mapping) -> tuple[dict, list[Problem]]:
    kind = row.get("contract_kind") or ""
    if kind in Conversion.ContractKind.values:
        return {"contract_kind": kind}, []
    # A mapping whose column is not the choice of the five kinds lets anything through.
    message = _("“%(value)s” is not a contract kind (%(kinds)s).") % {
        "value": kind,
        "kinds": "、".join(Conversion.ContractKind.labels),
    }
    return {}, [Problem(message, cell=cell_of(row, mapping, "contract_kind"))]


def check(rows: list[dict], mapping) -> Plan:
    return conversions.check(rows, mapping, LAYOUT, _values)


def apply(plan: Plan, actor) -> dict:
    return conversions.apply(plan, actor, LAYOUT)


def _credit_code(event: Conversion) -> str | None:
    return event.counterparty.credit_code if event.counterparty is not None else None


def _row(event: Conversion) -> dict:
    return {
        "contract_kind": event.contract_kind or None,
        "buyer": event.counterparty_name,
        "buyer_credit_code": event.counterparty.credit_code
        if event.counterparty is not None
        else None,
    }


def rows(actor, params: dict):
    """The pool's registered technology contracts, as the registration system lists them."""
    return conversions.rows(LAYOUT, params, _row)


register(
    Target(
        name="contracts",
        label=gettext_lazy("Technology contract registrations"),
        direction="import",
        fields=FIELDS,
        required=("registration_number", "contract_kind", "patent_numbers", "amount",
                  "starts_on"),
        check=check,
        apply=apply,
        rows=rows,
    )
)  # fmt: skip
