"""The province's periodic classified statistics report to the national level (陕政办发〔2024〕11号
(十五)): the approved figures of one period, one row per region and data element.

Only approved figures count, as in the reporting engine: each (form, region, period) gives the
values of its latest approved version (kept with it, so a correction in progress does not leak
into the report). params {"period": "2025Q1"}; without it, the latest period with an approved
return.
"""

from collections.abc import Iterator
from decimal import Decimal

from django.utils.translation import gettext_lazy

from exchange.targets import Target, register
from reporting.models import DataElement, StatReturn
from reporting.periods import Quarter

FIELDS = {
    "region_code": gettext_lazy("region code"),
    "region": gettext_lazy("region"),
    "element_code": gettext_lazy("data element code"),
    "element": gettext_lazy("data element"),
    "unit": gettext_lazy("unit"),
    "value": gettext_lazy("value"),
    "period": gettext_lazy("period"),
}


def _period(params: dict) -> str | None:
    if params.get("period"):
        return str(Quarter.parse(str(params["period"])))
    return (
        StatReturn.objects.filter(status=StatReturn.Status.APPROVED)
        .order_by("-period")
        .values_list("period", flat=True)
        .first()
    )


def rows(actor, params: dict) -> Iterator[dict]:
    """The period is checked here, before a file is opened."""
    period = _period(params)
    if period is None:
        return iter(())
    approved = (
        StatReturn.objects.filter(status=StatReturn.Status.APPROVED, period=period)
        .select_related("region")
        .order_by("version", "pk")
    )
    # Later approved versions overwrite earlier ones, element by element.
    values: dict[tuple[str, str], Decimal] = {}
    regions = {}
    for stat_return in approved:
        regions[stat_return.region.code] = stat_return.region
        for code, cell in (stat_return.snapshot or {}).items():
            if cell.get("value") is not None:
                values[(stat_return.region.code, code)] = Decimal(cell["value"])
    elements = {e.code: e for e in DataElement.objects.filter(code__in={c for _r, c in values})}
    ordered = sorted(
        (key for key in values if key[1] in elements),
        key=lambda key: (key[0], elements[key[1]].sort, key[1]),
    )
    return (
        {
            "region_code": region_code,
            "region": regions[region_code].name,
            "element_code": element_code,
            "element": elements[element_code].name,
            "unit": elements[element_code].unit,
            "value": values[(region_code, element_code)],
            "period": period,
        }
        for region_code, element_code in ordered
    )


register(
    Target(
        name="classified_statistics",
        label=gettext_lazy("Classified statistics report to the national level"),
        direction="export",
        fields=FIELDS,
        required=("region_code", "element_code", "value", "period"),
        rows=rows,
    )
)
