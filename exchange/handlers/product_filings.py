"""Patent-intensive product filings from the national filing platform (专利密集型产品备案;
陕政办发〔2024〕11号 (六)): one row per filing, its product, patents, holder and sales.

The holder is matched by credit code (an unknown code: a warning, the name kept as written). An
optional region code (a former code such as 610928 is read as today's 610981) is checked against
a matched holder's region; for a holder the portal does not know, it is kept in the note.
"""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exchange.files import cell_of
from exchange.handlers import conversions
from exchange.targets import Plan, Target, register
from patents.models import Conversion
from portal.models import Organisation, Region
from portal.problems import WARNING, Problem

LAYOUT = conversions.Layout(
    kind=Conversion.Kind.PRODUCT_FILING,
    figure="sales",
    party="holder",
    party_code="holder_credit_code",
)
PRODUCT_MAX = Conversion._meta.get_field("product").max_length
REGION_NOTE = "；所在地区代码 "
REGION_IN_NOTE = re.compile(re.escape(REGION_NOTE) + r"(\w+)")
FIELDS = {
    "registration_number": gettext_lazy("filing number (identifies the filing)"),
    "product": gettext_lazy("product"),
    "patent_numbers": gettext_lazy("application numbers of the patents"),
    "holder": gettext_lazy("holder, as written"),
    "holder_credit_code": gettext_lazy("holder's unified social credit code"),
    "region_code": gettext_lazy("holder's region code (checked against the holder)"),
    "sales": gettext_lazy("annual sales (yuan)"),
    "starts_on": gettext_lazy("filed on"),
}


def _values(row: dict, mapping) -> tuple[dict, list[Problem]]:
    product = (row.get("product") or "").strip()
    if not product:
        return {}, [Problem(_("Name the product."), cell=cell_of(row, mapping, "product"))]
    return {"product": product[:PRODUCT_MAX]}, []


def check(rows: list[dict], mapping) -> Plan:
    codes = {row["region_code"] for row in rows if row.get("region_code")}
    regions = {r.code: r for r in Region.objects.filter(code__in=codes)}

    def region(row: dict, holder: Organisation | None) -> tuple[list[Problem], str]:
        found = regions.get(row.get("region_code") or "")
        if found is None:
            return [], ""
        if holder is None or holder.kind != Organisation.Kind.ENTERPRISE:
            return [], f"{REGION_NOTE}{found.code}"
        # The file may name the city of a county holder, or the county of a city-level one.
        if holder.region.path.startswith(found.path) or found.path.startswith(holder.region.path):
            return [], ""
        message = _(
            "%(holder)s is registered in %(region)s (%(code)s), not in %(file_region)s "
            "(%(file_code)s): the filing is recorded; check the holder."
        ) % {
            "holder": holder.name,
            "region": holder.region.name,
            "code": holder.region.code,
            "file_region": found.name,
            "file_code": found.code,
        }
        cell = cell_of(row, mapping, "region_code")
        return [Problem(message, cell=cell, importance=WARNING)], ""

    return conversions.check(rows, mapping, LAYOUT, _values, region)


def apply(plan: Plan, actor) -> dict:
    return conversions.apply(plan, actor, LAYOUT)


def _row(event: Conversion) -> dict:
    holder = event.counterparty
    region_code: str | None
    if holder is not None:
        region_code = holder.region.code
    else:
        found = REGION_IN_NOTE.search(event.note)
        region_code = found.group(1) if found else None
    return {
        "product": event.product,
        "holder": event.counterparty_name,
        "holder_credit_code": holder.credit_code if holder else None,
        "region_code": region_code,
    }


def rows(actor, params: dict):
    """The pool's product filings, as the filing platform lists them."""
    return conversions.rows(LAYOUT, params, _row)


register(
    Target(
        name="product_filings",
        label=gettext_lazy("Patent-intensive product filings"),
        direction="import",
        fields=FIELDS,
        required=("registration_number", "product", "patent_numbers", "holder", "starts_on"),
        check=check,
        apply=apply,
        rows=rows,
    )
)
