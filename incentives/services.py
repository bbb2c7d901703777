"""Writes of the incentives app: policies (versioned), budgets, claims from draft to payment.

Each is one atomic, permission-checked, audited function. The entitlement is computed by
`entitlement.compute` from the claim's figures, on submission and again on approval (what the
organisation received in between counts against a cumulative cap).
"""

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Max, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from incentives import eligibility
from incentives.entitlement import Entitlement, Figures, Rule, compute, money
from incentives.models import Budget, Claim, ClaimFile, Payment, Policy
from portal import permissions, uploads
from portal.models import Role, User
from portal.services import audit_record, notify

ZERO = Decimal("0.00")
CLAIM_FIELDS = (
    "recognition", "requested_amount", "base_amount", "loan_bank", "loan_contract", "loan_amount",
    "loan_start", "loan_end", "interest_payments", "description",
)  # fmt: skip
POLICY_FIELDS = (
    "title", "level", "region", "document", "clause", "department", "description",
    "claimant_kinds", "qualification", "qualified_since", "evidence", "opens_on", "closes_on",
    "amount_kind", "amount", "amount_min", "amount_max", "rate", "base_label", "cap_per_claim",
    "cumulative_cap", "duration_months", "one_time", "source", "is_active",
)  # fmt: skip


def _today(today: date | None) -> date:
    return today or timezone.localdate()


# Policies and budgets --------------------------------------------------------------------------


def _check_rule(values: dict) -> dict[str, str]:
    """What an amount rule of this kind needs, field → message."""
    errors = {}
    kind = values.get("amount_kind")
    needs = {
        Policy.AmountKind.FIXED: ("amount",),
        Policy.AmountKind.FLOOR: ("amount",),
        Policy.AmountKind.RANGE: ("amount_min",),
        Policy.AmountKind.PROPORTION: ("rate", "base_label"),
    }.get(kind, ())
    for name in needs:
        if values.get(name) in (None, ""):
            errors[name] = _("This amount rule needs “%(field)s”.") % {
                "field": Policy._meta.get_field(name).verbose_name
            }
    low, high = values.get("amount_min"), values.get("amount_max")
    if low is not None and high is not None and low > high:
        errors["amount_max"] = _("The upper end of the range is below the lower end.")
    if values.get("duration_months") and kind != Policy.AmountKind.PROPORTION:
        errors["duration_months"] = _("A duration applies to a proportion of a base figure.")
    opens, closes = values.get("opens_on"), values.get("closes_on")
    if opens and closes and closes < opens:
        errors["closes_on"] = _("Claims close before they open.")
    region, level = values.get("region"), values.get("level")
    if region is not None and level == Policy.Level.CITY and region.level != "city":
        errors["region"] = _("A city policy belongs to a city.")
    return errors


@transaction.atomic
def policy_save(*, actor: User, data: dict, policy: Policy | None = None, code: str = "") -> Policy:
    """Create a policy, or change one. A version claims were made under is never changed: the
    change becomes the next version, and those claims keep theirs."""
    permissions.require(actor, "incentive.policy.manage")
    values = {name: data.get(name) for name in POLICY_FIELDS if name in data}
    if policy is not None:
        merged = {name: getattr(policy, name) for name in POLICY_FIELDS} | values
    else:
        merged = values
    errors = _check_rule(merged)
    if errors:
        raise ValidationError(errors)
    if policy is None:
        if not code:
            raise ValidationError({"code": _("Give the policy a code.")})
        if Policy.objects.filter(code=code).exists():
            raise ValidationError({"code": _("The code %(code)s is taken.") % {"code": code}})
        new = Policy(code=code, version=1, created_by=actor, **merged)
        event, before = "incentive.policy.create", None
    elif policy.claims.exists():
        latest = Policy.objects.filter(code=policy.code).aggregate(v=Max("version"))["v"]
        new = Policy(code=policy.code, version=latest + 1, created_by=actor, **merged)
        Policy.objects.filter(code=policy.code).exclude(pk=policy.pk).update(is_active=False)
        policy.is_active = False
        policy.save(update_fields=["is_active"])
        event, before = "incentive.policy.version", {"version": policy.version}
    else:
        new = policy
        for name, value in merged.items():
            setattr(new, name, value)
        event, before = "incentive.policy.change", None
    new.full_clean()
    new.save()
    audit_record(
        actor=actor,
        event=event,
        target=new,
        before=before,
        after={"code": new.code, "version": new.version},
    )
    return new


@transaction.atomic
def budget_set(
    *, actor: User, policy_code: str, year: int, region, allocated: Decimal, source: str = ""
) -> Budget:
    permissions.require(actor, "incentive.policy.manage")
    if allocated < 0:
        raise ValidationError({"allocated": _("A budget is not negative.")})
    policy = Policy.objects.filter(code=policy_code).order_by("-version").first()
    if policy is None:
        raise ValidationError({"policy_code": _("No policy has the code %(code)s.")
                               % {"code": policy_code}})  # fmt: skip
    if region.pk != policy.region_id:
        raise ValidationError(
            {"region": _("%(policy)s is paid from the budget of %(region)s.")
             % {"policy": policy.title, "region": policy.region.name}}
        )  # fmt: skip
    budget, created = Budget.objects.select_for_update().get_or_create(
        policy_code=policy_code,
        year=year,
        region=region,
        defaults={"allocated": allocated, "source": source},
    )
    before = None if created else {"allocated": str(budget.allocated)}
    if not created:
        spent = budget_status(budget)
        if allocated < spent.committed + spent.paid:
            raise ValidationError(
                {
                    "allocated": _(
                        "%(committed)s yuan are approved and %(paid)s paid from this budget; it "
                        "cannot be less than their sum."
                    )
                    % {"committed": money(spent.committed), "paid": money(spent.paid)}
                }
            )
        budget.allocated, budget.source = allocated, source or budget.source
        budget.save(update_fields=["allocated", "source"])
    audit_record(
        actor=actor,
        event="incentive.budget.set",
        target=budget,
        before=before,
        after={"allocated": str(allocated)},
    )
    return budget


@dataclass(frozen=True)
class BudgetStatus:
    budget: Budget
    committed: Decimal  # approved, not yet paid
    paid: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.budget.allocated - self.committed - self.paid


def budget_status(budget: Budget) -> BudgetStatus:
    claims = Claim.objects.filter(
        policy__code=budget.policy_code,
        policy__region_id=budget.region_id,
        budget_year=budget.year,
        status__in=Claim.GRANTED,
    )
    approved = claims.aggregate(total=Sum("approved_amount"))["total"] or ZERO
    paid = Payment.objects.filter(claim__in=claims).aggregate(total=Sum("amount"))["total"] or ZERO
    return BudgetStatus(budget, approved - paid, paid)


# Claims --------------------------------------------------------------------------------------


def _next_number(year: int) -> str:
    prefix = f"JL{year}-"
    last = (
        Claim.objects.select_for_update()
        .filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    serial = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{serial:05d}"


def _clean_payments(raw) -> tuple[list[dict], dict[str, str]]:
    """[{date, amount}] as stored (ISO date, amount string), or an error naming the row."""
    rows, errors = [], {}
    for index, row in enumerate(raw or [], start=1):
        try:
            day = date.fromisoformat(str(row.get("date", "")).strip())
            amount = Decimal(str(row.get("amount", "")).replace(",", "").strip())
        except (ValueError, ArithmeticError, AttributeError):
            errors["interest_payments"] = _(
                "Interest payment %(row)d: give a date (2025-03-21) and an amount."
            ) % {"row": index}
            break
        if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
            errors["interest_payments"] = _(
                "Interest payment %(row)d: the amount must be positive, in yuan and fen."
            ) % {"row": index}
            break
        rows.append({"date": day.isoformat(), "amount": str(amount)})
    return rows, errors


def _figures(claim: Claim) -> Figures:
    return Figures(
        requested=claim.requested_amount,
        base=claim.base_amount,
        start=claim.loan_start,
        payments=tuple(
            (date.fromisoformat(p["date"]), Decimal(p["amount"])) for p in claim.interest_payments
        ),
    )


def received(claim: Claim) -> Decimal:
    """What the organisation has been granted (approved or paid) under the claim's policy, in
    any version, by other claims: it counts against a cumulative cap."""
    return (
        Claim.objects.filter(
            organisation_id=claim.organisation_id,
            policy__code=claim.policy.code,
            status__in=Claim.GRANTED,
        )
        .exclude(pk=claim.pk)
        .aggregate(total=Sum("approved_amount"))["total"]
        or ZERO
    )


def entitlement_of(claim: Claim) -> Entitlement:
    """The computation shown by the page, the API and the reviewer's screen."""
    return compute(Rule.of(claim.policy), _figures(claim), received=received(claim))


def _earlier(claim: Claim) -> Claim | None:
    """A live claim of the same organisation and policy for the same recognition or loan."""
    others = Claim.objects.filter(
        organisation_id=claim.organisation_id, policy__code=claim.policy.code,
        status__in=Claim.LIVE,
    ).exclude(pk=claim.pk)  # fmt: skip
    if claim.recognition_id:
        return others.filter(recognition_id=claim.recognition_id).first()
    if claim.loan_contract:
        return others.filter(loan_bank=claim.loan_bank, loan_contract=claim.loan_contract).first()
    return None


def _apply_data(claim: Claim, data: dict) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name in CLAIM_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name == "interest_payments":
            value, payment_errors = _clean_payments(value)
            errors |= payment_errors
        elif name in {"loan_bank", "loan_contract", "description"}:
            value = (value or "").strip()
        setattr(claim, name, value)
    if claim.recognition_id and claim.recognition.organisation_id != claim.organisation_id:
        errors["recognition"] = _("Choose one of your organisation's recognitions.")
    if claim.loan_start and claim.loan_end and claim.loan_end < claim.loan_start:
        errors["loan_end"] = _("The loan is repaid before it starts.")
    return errors


@transaction.atomic
def claim_create(*, actor: User, policy: Policy, data: dict, today: date | None = None) -> Claim:
    """An applicant starts a claim under a policy its organisation is eligible for."""
    permissions.require(actor, "incentive.claim.create")
    organisation = actor.organisation
    found = eligibility.check(organisation, policy, today=_today(today))
    if not found.eligible:
        raise ValidationError(found.missing)
    claim = Claim(policy=policy, organisation=organisation, created_by=actor)
    if found.recognitions and not data.get("recognition"):
        data = {**data, "recognition": found.recognitions[0]}
    errors = _apply_data(claim, data)
    if errors:
        raise ValidationError(errors)
    claim.number = _next_number(_today(today).year)
    claim.save()
    audit_record(actor=actor, event="incentive.claim.create", target=claim,
                 after={"policy": policy.citation})  # fmt: skip
    return claim


def _locked(claim: Claim) -> Claim:
    return (
        Claim.objects.select_for_update(of=("self",))
        .select_related("policy__region", "organisation__region", "recognition")
        .get(pk=claim.pk)
    )


@transaction.atomic
def claim_update(*, actor: User, claim: Claim, data: dict) -> Claim:
    claim = _locked(claim)
    permissions.require(actor, "incentive.claim.edit", claim)
    errors = _apply_data(claim, data)
    if errors:
        raise ValidationError(errors)
    claim.save()
    audit_record(actor=actor, event="incentive.claim.update", target=claim)
    return claim


@transaction.atomic
def claim_attach(
    *, actor: User, claim: Claim, label: str, name: str, handle: IO[bytes], size: int
) -> ClaimFile:
    """Evidence for a claim, checked by content (portal.uploads), stored under a name the server
    makes up; the uploaded name is kept as data."""
    claim = _locked(claim)
    permissions.require(actor, "incentive.claim.edit", claim)
    kind = uploads.check_upload(
        name=name, handle=handle, size=size,
        max_bytes=settings.PROJECT_ATTACHMENT_MAX_MB * 1_048_576, field="file",
    )  # fmt: skip
    digest = hashlib.sha256()
    handle.seek(0)
    for chunk in iter(lambda: handle.read(1 << 16), b""):
        digest.update(chunk)
    handle.seek(0)
    stored = ClaimFile(claim=claim, label=(label or "").strip()[:100] or _("evidence"),
                       original_name=name[:200], uploaded_by=actor)  # fmt: skip
    stored.file.save(uploads.stored_name(kind), File(handle), save=False)
    stored.save()
    audit_record(actor=actor, event="incentive.claim.attach", target=claim,
                 after={"name": stored.original_name, "sha256": digest.hexdigest()})  # fmt: skip
    return stored


@transaction.atomic
def claim_submit(*, actor: User, claim: Claim, today: date | None = None) -> Claim:
    """Submit: still eligible, not a duplicate, the evidence the policy requires attached, and
    an entitlement that computes; the computation is kept with the claim."""
    claim = _locked(claim)
    permissions.require(actor, "incentive.claim.edit", claim)
    found = eligibility.check(claim.organisation, claim.policy, today=_today(today))
    problems = [m for m in found.missing if not m.startswith(_("A one-time reward"))]
    if problems:
        raise ValidationError(problems)
    earlier = _earlier(claim)
    if earlier is not None:
        raise ValidationError(
            _("This duplicates claim %(number)s (%(status)s) of the same organisation, policy "
              "and recognition or loan.")
            % {"number": earlier.number, "status": earlier.get_status_display()},
            code="duplicate",
        )  # fmt: skip
    if claim.policy.qualification and claim.recognition_id is None:
        raise ValidationError({"recognition": _("Choose the recognition this claim is for.")})
    attached = set(claim.files.values_list("label", flat=True))
    missing = [label for label in claim.policy.evidence if label not in attached]
    if missing:
        raise ValidationError(
            {"files": _("Attach the evidence: %(labels)s.") % {"labels": "、".join(missing)}}
        )
    result = entitlement_of(claim)
    if result.errors:
        raise ValidationError(result.errors)
    if result.amount <= 0:
        raise ValidationError(
            _("Nothing is left to claim under this policy: %(line)s.")
            % {"line": result.lines[-2].label if len(result.lines) > 1 else ""}
        )
    claim.entitlement, claim.working = result.amount, result.as_list()
    claim.status, claim.submitted_at = Claim.Status.SUBMITTED, timezone.now()
    claim.save()
    audit_record(actor=actor, event="incentive.claim.submit", target=claim,
                 after={"entitlement": str(result.amount)})  # fmt: skip
    notify(
        event="incentive.claim.submit",
        recipients=User.objects.filter(role=Role.REVIEWER, is_active=True),
        title=_("Claim %(number)s submitted: %(policy)s")
        % {"number": claim.number, "policy": claim.policy.title},
        url=reverse("incentives:claim_detail", args=[claim.pk]),
    )
    return claim


def _tell_claimant(claim: Claim, title: str, body: str = "") -> None:
    notify(
        event="incentive.claim.decision",
        recipients=User.objects.filter(
            organisation_id=claim.organisation_id, role=Role.APPLICANT, is_active=True
        ),
        title=title,
        body=body,
        url=reverse("incentives:claim_detail", args=[claim.pk]),
    )


def budget_for(claim: Claim, year: int) -> Budget | None:
    """The budget a claim is paid from: its policy's, for the year, of the policy's region."""
    return Budget.objects.filter(
        policy_code=claim.policy.code, year=year, region_id=claim.policy.region_id
    ).first()


@transaction.atomic
def claim_approve(
    *, actor: User, claim: Claim, amount: Decimal, reason: str = "", today: date | None = None
) -> Claim:
    """Approve at most the entitlement (recomputed now), with a reason when less, within what is
    left of the year's budget."""
    claim = _locked(claim)
    permissions.require(actor, "incentive.claim.decide", claim)
    if claim.status != Claim.Status.SUBMITTED:
        raise ValidationError(_("Only a submitted claim can be approved."), code="state")
    result = entitlement_of(claim)
    if result.errors:
        raise ValidationError(result.errors)
    amount = Decimal(amount).quantize(Decimal("0.01"))
    if amount <= 0:
        raise ValidationError({"amount": _("Approve a positive amount, or reject the claim.")})
    if amount > result.amount:
        raise ValidationError(
            {"amount": _("The entitlement is %(entitled)s yuan; %(amount)s is more.")
             % {"entitled": money(result.amount), "amount": money(amount)}}
        )  # fmt: skip
    if amount < result.amount and not reason.strip():
        raise ValidationError(
            {"reason": _("Say why less than the entitlement (%(entitled)s yuan) is approved.")
             % {"entitled": money(result.amount)}}
        )  # fmt: skip
    year = _today(today).year
    budget = (
        Budget.objects.select_for_update()
        .filter(policy_code=claim.policy.code, year=year, region_id=claim.policy.region_id)
        .first()
    )
    if budget is None:
        raise ValidationError(
            {"amount": _("No %(year)d budget is set for this policy.") % {"year": year}}
        )
    status = budget_status(budget)
    if amount > status.remaining:
        raise ValidationError(
            {"amount": _(
                "Over budget: %(year)d allocated %(allocated)s, approved not paid %(committed)s, "
                "paid %(paid)s, remaining %(remaining)s yuan; %(amount)s asked."
            ) % {
                "year": year, "allocated": money(budget.allocated),
                "committed": money(status.committed), "paid": money(status.paid),
                "remaining": money(status.remaining), "amount": money(amount),
            }}
        )  # fmt: skip
    claim.entitlement, claim.working = result.amount, result.as_list()
    claim.approved_amount, claim.budget_year = amount, year
    claim.decision_reason = reason.strip()
    claim.status, claim.decided_by, claim.decided_at = Claim.Status.APPROVED, actor, timezone.now()
    claim.save()
    audit_record(actor=actor, event="incentive.claim.approve", target=claim,
                 after={"amount": str(amount), "entitlement": str(result.amount)},
                 reason=claim.decision_reason)  # fmt: skip
    _tell_claimant(
        claim,
        _("Claim %(number)s approved: %(amount)s yuan")
        % {"number": claim.number, "amount": money(amount)},
        claim.decision_reason,
    )
    return claim


@transaction.atomic
def claim_return(*, actor: User, claim: Claim, reason: str) -> Claim:
    return _decide(actor, claim, Claim.Status.RETURNED, reason, "incentive.claim.return")


@transaction.atomic
def claim_reject(*, actor: User, claim: Claim, reason: str) -> Claim:
    return _decide(actor, claim, Claim.Status.REJECTED, reason, "incentive.claim.reject")


def _decide(actor: User, claim: Claim, status: str, reason: str, event: str) -> Claim:
    claim = _locked(claim)
    permissions.require(actor, "incentive.claim.decide", claim)
    if claim.status != Claim.Status.SUBMITTED:
        raise ValidationError(_("Only a submitted claim can be decided."), code="state")
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason.")})
    claim.status, claim.decision_reason = status, reason.strip()
    claim.decided_by, claim.decided_at = actor, timezone.now()
    claim.save()
    audit_record(actor=actor, event=event, target=claim, reason=claim.decision_reason)
    _tell_claimant(
        claim,
        _("Claim %(number)s: %(status)s") % {"number": claim.number,
                                             "status": claim.get_status_display()},
        claim.decision_reason,
    )  # fmt: skip
    return claim


@transaction.atomic
def claim_pay(
    *, actor: User, claim: Claim, paid_on: date, amount: Decimal, voucher: str
) -> Payment:
    """Record a payment (date, amount, voucher) of an approved claim; paid in full, it is
    closed. Paid amounts feed the reporting indicator of subsidies paid."""
    claim = _locked(claim)
    permissions.require(actor, "incentive.claim.pay", claim)
    if claim.status != Claim.Status.APPROVED:
        raise ValidationError(_("Only an approved claim is paid."), code="state")
    voucher = (voucher or "").strip()
    if not voucher:
        raise ValidationError({"voucher": _("Give the voucher number.")})
    if Payment.objects.filter(voucher=voucher).exists():
        raise ValidationError({"voucher": _("Voucher %(voucher)s is already recorded.")
                               % {"voucher": voucher}})  # fmt: skip
    amount = Decimal(amount).quantize(Decimal("0.01"))
    owed = claim.approved_amount - claim.paid_amount
    if amount <= 0 or amount > owed:
        raise ValidationError(
            {"amount": _("%(owed)s yuan remain to be paid on this claim.") % {"owed": money(owed)}}
        )
    if claim.decided_at and paid_on < timezone.localdate(claim.decided_at):
        raise ValidationError({"paid_on": _("A claim is paid after it is approved.")})
    payment = Payment.objects.create(
        claim=claim, paid_on=paid_on, amount=amount, voucher=voucher, recorded_by=actor
    )
    if amount == owed:
        claim.status = Claim.Status.PAID
        claim.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        event="incentive.claim.pay",
        target=claim,
        after={"amount": str(amount), "voucher": voucher, "paid_on": str(paid_on)},
    )
    _tell_claimant(
        claim,
        _("Claim %(number)s: %(amount)s yuan paid on %(day)s")
        % {"number": claim.number, "amount": money(amount), "day": paid_on.isoformat()},
    )
    return payment
