"""The official document of a claim (portal/documents.py): the decision notice (奖补核定通知)
of an approved claim, with the entitlement's working line by line (incentives/entitlement.py),
the amount approved in figures and in capitals (DOMAIN.md §10), and the clause it rests on."""

import re
from datetime import date
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from incentives import selectors
from incentives.models import Claim, Policy
from portal import formats
from portal.documents import DocumentKind, capitals, register

ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


def issuer(policy: Policy) -> str:
    """The responsible department in full: 省工业和信息化厅 of a provincial policy is
    陕西省工业和信息化厅, 市工信局 of an Ankang policy 安康市工信局; the bureau when none is
    named."""
    department = policy.department.strip()
    if not department:
        return settings.DOCUMENT_AUTHORITY
    region = policy.region.name
    for short, level in (("省", Policy.Level.PROVINCE), ("市", Policy.Level.CITY)):
        if department.startswith(short) and policy.level == level:
            return f"{region}{department.removeprefix(short)}"
    return department


def _chinese_dates(text: str) -> str:
    """The working of a duration rule names its period in ISO dates: written as 2025年7月15日."""

    def day(match: re.Match[str]) -> str:
        try:
            return formats.day(date(*(int(part) for part in match.groups())))
        except ValueError:
            return match.group(0)

    return ISO_DATE.sub(day, text)


def _working(claim: Claim) -> list[dict[str, str]]:
    """The working as computed now in Chinese, when it still comes to the entitlement decided;
    otherwise as stored with the decision (another claim granted since moves a cumulative cap)."""
    computed = selectors.entitlement_of(claim)
    if not computed.errors and computed.amount == claim.entitlement:
        lines = [(line.label, line.amount) for line in computed.lines]
    else:
        lines = [(line.get("label", ""), line.get("amount")) for line in claim.working]
    return [
        {"label": _chinese_dates(str(label)), "amount": f"{formats.yuan(amount)}元"}
        for label, amount in lines
    ]


def claim_decision(claim: Claim) -> dict[str, Any]:
    policy = claim.policy
    reduced = (
        claim.approved_amount is not None
        and claim.entitlement is not None
        and claim.approved_amount < claim.entitlement
    )
    return {
        "organisation": claim.organisation.name,
        "credit_code": claim.organisation.credit_code,
        "claim_number": claim.number,
        "policy": policy.title,
        "citation": policy.citation,
        "recognition": (
            f"{claim.recognition.get_kind_display()}（{formats.year(claim.recognition.year)}）"
            if claim.recognition
            else ""
        ),
        "submitted": formats.day(claim.submitted_at),
        "working": _working(claim),
        "entitlement": formats.money_with_unit(claim.entitlement, "wan"),
        "approved": formats.money_with_unit(claim.approved_amount, "wan"),
        "approved_capitals": capitals(claim.approved_amount),
        "reduced": reduced,
        "reason": claim.decision_reason if reduced else "",
        "budget_year": formats.year(claim.budget_year),
        "issuer": issuer(policy),
        "date": formats.day(claim.decided_at),
    }


KINDS = [
    DocumentKind(
        code="claim-decision",
        title="奖补核定通知",
        label=_("Decision notice (PDF)"),
        model="incentives.Claim",
        template="documents/claim_decision.html",
        context=claim_decision,
        may_issue=lambda claim: claim.status in Claim.GRANTED,
        filename=lambda claim: f"奖补核定通知-{claim.number}.pdf",
        read_permission="incentive.claim.view",
        correct_permission="incentive.claim.decide",
        related=("policy__region", "organisation__region", "recognition"),
    ),
]

register(*KINDS)
