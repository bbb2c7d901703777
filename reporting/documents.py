"""The official document of a statistics return (portal/documents.py): the quarterly return as
the region reported it (统计报表), each data element with its unit and value, the reporting unit,
the period (2025年第二季度) and the signature block of a statistical return (单位负责人, 填表人,
联系电话, 报出日期), to be signed and stamped on paper.

An approved version shows its values as approved (`snapshot`, kept after a correction replaced
them); a submitted one the values stored for its region and period. A return sent back and
submitted again with other figures is issued again as the next version."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from portal import formats
from portal.documents import DocumentKind, register
from reporting import selectors
from reporting.models import DataElement, StatReturn

S = StatReturn.Status


def _value(element: DataElement, value: Any) -> str:
    if value is None or value == "":
        return formats.MISSING
    return formats.count(value) if element.is_integer else formats.number(value)


def stat_return(stat_return: StatReturn) -> dict[str, Any]:
    elements = selectors.form_elements(stat_return.form)
    if stat_return.snapshot is not None:
        stored = {
            code: (cell.get("value"), cell.get("comment", ""))
            for code, cell in stat_return.snapshot.items()
        }
    else:
        stored = {
            code: (value.value, value.comment)
            for code, value in selectors.current_values(stat_return).items()
        }
    submitter = stat_return.submitted_by
    return {
        "form": stat_return.form.name,
        "unit": stat_return.region.name,
        "period": formats.period_official(stat_return.period),
        "version": stat_return.version,
        "correction": stat_return.correction_reason,
        "rows": [
            {
                "name": element.name,
                "unit": element.unit,
                "value": _value(element, stored.get(element.code, (None, ""))[0]),
                "comment": stored.get(element.code, (None, ""))[1],
            }
            for element in elements
        ],
        "filled_by": (submitter.name or submitter.get_username()) if submitter else "",
        "phone": submitter.phone if submitter else "",
        "date": formats.day(stat_return.submitted_at),
    }


KINDS = [
    DocumentKind(
        code="stat-return",
        title="统计报表",
        label=_("Statistics return (PDF)"),
        model="reporting.StatReturn",
        template="documents/stat_return.html",
        context=stat_return,
        may_issue=lambda stat_return: stat_return.status in (S.SUBMITTED, S.APPROVED),
        filename=lambda stat_return: (
            f"统计报表-{stat_return.region.name}-"
            f"{formats.period_official(stat_return.period)}"
            f"{f'-第{stat_return.version}版' if stat_return.version > 1 else ''}.pdf"
        ),
        read_permission="reporting.return.view",
        correct_permission="reporting.return.decide",
        related=("form", "region", "submitted_by"),
        follows_record=True,
    ),
]

register(*KINDS)
