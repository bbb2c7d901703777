"""The official documents of a project (portal/documents.py): the declaration (申报书) the lead
unit stamps and uploads, and the bureau's approval notice (立项通知书) and acceptance opinion
(验收意见书). DOMAIN.md §10: after approval the bureau sends the approval notice; at the end of
the period the acceptance opinion records each KPI against its commitment."""

import functools
import itertools
from typing import Any

from django.utils.translation import gettext_lazy as _

from portal import formats
from portal.documents import DocumentKind, capitals, register
from projects.models import Application, Comparator, KPICommitment
from projects.services import NARRATIVE_SECTIONS

S = Application.Status
NUMERALS = "一二三四五六七八九"


def _numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十: the numbers of a document's parts."""
    tens, units = divmod(n, 10)
    text = (NUMERALS[tens - 1] if tens > 1 else "") + ("十" if tens else "")
    return text + (NUMERALS[units - 1] if units else "")


RELATED = ("call_category__call", "lead_organisation__region", "created_by")


def _quantity(value: Any, comparator: str, unit: str) -> str:
    """A KPI figure as the guide writes it: 6人, 20%, 完成."""
    if comparator == Comparator.DELIVERED:
        return "完成"
    if value is None or value == "":
        return formats.MISSING
    if comparator == Comparator.GROWTH_AT_LEAST:
        return f"增长{formats.number(value)}%"
    return f"{formats.number(value)}{unit}"


def _category(application: Application) -> str:
    spec = application.spec
    name = f"{spec['name']}（{application.subtype}）" if application.subtype else spec["name"]
    return f"第{spec['code']}类 {name}"


def _basics(application: Application) -> dict[str, Any]:
    lead = application.lead_organisation
    return {
        "number": application.number,
        "title": application.title or formats.MISSING,
        "call": application.call_category.call.title,
        "year": formats.year(application.call_category.call.year),
        "category": _category(application),
        "category_name": application.spec["name"],
        "lead": lead.name,
        "credit_code": lead.credit_code,
        "region": lead.region.name,
        "joint": formats.names(org.name for org in application.joint_organisations.all()),
        "months": formats.count(application.period_months),
    }


def _kpis(application: Application) -> list[KPICommitment]:
    return list(application.kpis.order_by("position", "pk"))


def declaration(application: Application) -> dict[str, Any]:
    narrative = application.narrative or {}
    patents = [
        {"number": patent.number, "kind": patent.get_kind_display()}
        for patent in application.patents.order_by("pk")
    ]
    # Parts 一 to 三 are fixed; the declared patents, when any, are 四; then the narrative.
    numbers = map(_numeral, itertools.count(4))
    patents_number = next(numbers) if patents else ""
    sections = [
        {"number": next(numbers), "label": str(label), "text": narrative.get(key, "") or "—"}
        for key, label in NARRATIVE_SECTIONS
    ]
    return {
        **_basics(application),
        "requested": formats.money_with_unit(application.requested_amount, "wan"),
        "contact": f"{application.contact_name} {application.contact_phone}".strip()
        or formats.MISSING,
        "address": application.lead_organisation.address or formats.MISSING,
        "summary": application.summary or formats.MISSING,
        "submitted": formats.day(application.submitted_at) if application.submitted_at else "",
        "kpis": [
            {
                "name": kpi.name,
                "minimum": _quantity(kpi.minimum, kpi.comparator, kpi.unit),
                "committed": _quantity(kpi.committed, kpi.comparator, kpi.unit),
                "baseline": formats.number(kpi.baseline) if kpi.is_growth else formats.MISSING,
            }
            for kpi in _kpis(application)
        ],
        "patents": patents,
        "patents_number": patents_number,
        "sections": sections,
        "attachments_number": next(numbers),
        "attachments": [
            {"name": attachment.name, "purpose": attachment.get_purpose_display()}
            for attachment in application.attachments.order_by("uploaded_at", "pk")
        ],
        # Signed on paper: the date the unit submitted, or left for the unit to write in.
        "date": formats.day(application.submitted_at) if application.submitted_at else "",
    }


def approval_notice(application: Application) -> dict[str, Any]:
    return {
        **_basics(application),
        "approved": formats.money_with_unit(application.approved_amount, "wan"),
        "approved_capitals": capitals(application.approved_amount),
        "start": formats.day(application.start_date),
        "end": formats.day(application.end_date),
        "kpis": [
            {"name": kpi.name, "target": _quantity(kpi.committed, kpi.comparator, kpi.unit)}
            for kpi in _kpis(application)
        ],
        "date": formats.day(application.decided_at),
    }


def acceptance_opinion(application: Application) -> dict[str, Any]:
    result = application.acceptance_result or {}
    rows = []
    for kpi in result.get("kpis", []):
        comparator, unit = kpi.get("comparator", ""), kpi.get("unit", "")
        if comparator == Comparator.DELIVERED:
            actual = "已完成" if kpi.get("met") else "未完成"
        elif comparator == Comparator.GROWTH_AT_LEAST and kpi.get("actual") is not None:
            actual = (
                f"{formats.number(kpi['actual'])}（增长{formats.number(kpi.get('achieved'))}%）"
            )
        else:
            actual = _quantity(kpi.get("actual"), Comparator.AT_LEAST, unit)
        rows.append(
            {
                "name": kpi.get("name", ""),
                "target": _quantity(kpi.get("target"), comparator, unit),
                "baseline": formats.number(kpi.get("baseline"))
                if comparator == Comparator.GROWTH_AT_LEAST
                else formats.MISSING,
                "actual": actual,
                "met": "达标" if kpi.get("met") else "未达标",
            }
        )
    accepted = application.history.filter(action="accept").order_by("-at", "-pk").first()
    return {
        **_basics(application),
        "approved": formats.money_with_unit(application.approved_amount, "wan"),
        "start": formats.day(application.start_date),
        "end": formats.day(application.end_date),
        "kpis": rows,
        "met": formats.count(result.get("met", 0)),
        "total": formats.count(result.get("total", len(rows))),
        "all_met": bool(rows) and result.get("met") == result.get("total"),
        "opinion": application.verdict_reason,
        "date": formats.day(accepted.at if accepted else application.status_changed_at),
    }


def _title(application: Application) -> str:
    return application.title or application.number


# What the three documents of an application share: whose record it is, who reads and corrects it.
_of_application = functools.partial(
    DocumentKind,
    model="projects.Application",
    read_permission="project.application.view",
    correct_permission="project.application.review",
    related=RELATED,
)

KINDS = [
    _of_application(
        code="declaration",
        title="申报书",
        label=_("Declaration (PDF)"),
        template="documents/declaration.html",
        context=declaration,
        # The unit prints it to stamp and upload while the draft is open; it follows the draft.
        may_issue=lambda application: True,
        filename=lambda application: f"申报书-{_title(application)}.pdf",
        follows_record=True,
        order=10,
    ),
    _of_application(
        code="approval",
        title="立项通知书",
        label=_("Approval notice (PDF)"),
        template="documents/approval_notice.html",
        context=approval_notice,
        may_issue=lambda application: application.is_project,
        filename=lambda application: f"立项通知书-{_title(application)}.pdf",
        numbered=True,
        order=20,
    ),
    _of_application(
        code="acceptance",
        title="验收意见书",
        label=_("Acceptance opinion (PDF)"),
        template="documents/acceptance_opinion.html",
        context=acceptance_opinion,
        may_issue=lambda application: application.status == S.ACCEPTED,
        filename=lambda application: f"验收意见书-{_title(application)}.pdf",
        numbered=True,
        order=30,
    ),
]

register(*KINDS)
