"""Returns through the services as a city agency fills them in: the template, an upload checked
(the dry run), the figures stored. Shared by the reporting tests; the `ret` fixture (a draft
return of Ankang for PERIOD) is in conftest.py."""

import io
from decimal import Decimal

from reporting import exporters, selectors, services
from reporting.models import DataValue, StatReturn
from reporting.selectors import previous_values
from reporting.tests.workbooks import all_figures, fill


def template_for(stat_return: StatReturn) -> bytes:
    return exporters.return_template(
        stat_return=stat_return,
        elements=selectors.form_elements(stat_return.form),
        previous=previous_values(region=stat_return.region, period=stat_return.period),
    )


def upload(actor, stat_return, content: bytes, name: str = "return.xlsx"):
    return services.return_upload_check(
        actor=actor,
        stat_return=stat_return,
        handle=io.BytesIO(content),
        name=name,
        size=len(content),
    )


def stored(stat_return) -> dict[str, Decimal]:
    return dict(
        DataValue.objects.filter(region=stat_return.region, period=stat_return.period).values_list(
            "element__code", "value"
        )
    )


def store_all(actor, stat_return, **changes):
    template = template_for(stat_return)
    result = upload(actor, stat_return, fill(template, all_figures(stat_return.form, **changes)))
    assert result.can_store, result.problems
    return services.return_upload_apply(actor=actor, upload=result.upload)
