"""The province's periodic classified statistics report to the national level (陕政办发〔2024〕11号
(十五)): the approved figures of one period, one row per region and data element.

Only approved figures count, as in the reporting engine: each (form, region, period) gives the
values of its latest approved version (kept with it, so a correction in progress does not leak
into the report). params {"period": "2025Q1"}; without it, the latest period with an approved
return.
"""

from collections.abc import Iterator

from django.utils.translation import gettext_lazy

from exchange.targets import Target, register
from portal.periods import Quarter
from reporting import selectors

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
    return selectors.latest_approved_period()


def rows(actor, params: dict) -> Iterator[dict]:
    """The period is checked here, before a file is opened."""
    period = _period(params)
    if period is None:
        return iter(())
    return (
        {
            "region_code": figure.region_code,
            "region": figure.region,
            "element_code": figure.element_code,
            "element": figure.element,
            "unit": figure.unit,
            "value": figure.value,
            "period": period,
        }
        for figure in selectors.approved_figures(period)
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
