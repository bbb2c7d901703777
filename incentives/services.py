"""Writes of the incentives app: policies (versioned), budgets, claims from draft to payment.

Each is one atomic, permission-checked, audited function. The entitlement is computed by
`entitlement.compute` from the claim's figures, on submission and again on approval (what the
organisation received in between counts against a cumulative cap).
"""

import hashlib
from datetime import date
from decimal import Decimal
from typing import IO, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Field, Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from incentives import eligibility, events, selectors
from incentives.models import Budget, Claim, ClaimFile, Payment, Policy
from incentives.workflow import CLAIM, claimants
from portal import formats, permissions, uploads
from portal import workflow as engine
from portal.models import Organisation, User
from portal.serials import next_number
from portal.services import audit_record, notify

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
    errors: dict[str, str] = {}
    kind: str | None = values.get("amount_kind")
    needed: dict[str | None, tuple[str, ...]] = {
        Policy.AmountKind.FIXED: ("amount",),
        Policy.AmountKind.FLOOR: ("amount",),
        Policy.AmountKind.RANGE: ("amount_min",),
        Policy.AmountKind.PROPORTION: ("rate", "base_label"),
    }
    for name in needed.get(kind, ()):
        if values.get(name) in (None, ""):
            # The fields an amount rule needs are Policy's own columns, not reverse relations.
            field = cast(Field, Policy._meta.get_field(name))
            errors[name] = _("This amount rule needs “%(field)s”.") % {"field": field.verbose_name}
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
        # `policy` itself has this code: the maximum is never empty.
        latest = cast(int, Policy.objects.filter(code=policy.code).aggregate(v=Max("version"))["v"])
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
             % {"policy": formats.nested_quotes(policy.title), "region": policy.region.name}}
        )  # fmt: skip
    budget, created = Budget.objects.select_for_update().get_or_create(
        policy_code=policy_code,
        year=year,
        region=region,
        defaults={"allocated": allocated, "source": source},
    )
    before = None if created else {"allocated": str(budget.allocated)}
    if not created:
        spent = selectors.budget_status(budget)
        if allocated < spent.committed + spent.paid:
            raise ValidationError(
                {
                    "allocated": _(
                        "%(committed)s yuan are approved and %(paid)s paid from this budget; it "
                        "cannot be less than their sum."
                    )
                    % {"committed": formats.yuan(spent.committed), "paid": formats.yuan(spent.paid)}
                }
            )
        budget.allocated, budget.source = allocated, source or budget.source
        budget.save(update_fields=["allocated", "source"])
    audit_record(
        actor=actor,
        event=events.BUDGET_SET,
        target=budget,
        before=before,
        after={"allocated": str(allocated)},
    )
    return budget


# Claims --------------------------------------------------------------------------------------


def _next_number(year: int) -> str:
    """Claim number "JL2026-00001", from the portal's one counter (portal/serials.py): two
    applicants creating claims at the same moment get two numbers, not an IntegrityError."""
    return next_number(Claim, f"JL{year}-", 5)


def _clean_payments(raw) -> tuple[list[dict], dict[str, str]]:
    """[{date, amount}] as stored (ISO date, amount string), or an error naming the row."""
    rows, errors = [], {}
    for index, row in enumerate(raw or [], start=1):
        try:
            day = date.fromisoformat(str(row.get("date", "")).strip())
            amount = Decimal(str(row.get("amount", "")).replace(",", "").strip())
        except (ValueError, ArithmeticError, AttributeError):
            errors["interest_payments"] = _(
                "Interest payment %(row)d: give the day it was paid and the amount."
            ) % {"row": index}
            break
        if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
            errors["interest_payments"] = _(
                "Interest payment %(row)d: the amount must be positive, in yuan and fen."
            ) % {"row": index}
            break
        rows.append({"date": day.isoformat(), "amount": str(amount)})
    return rows, errors


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
    recognition = claim.recognition if claim.recognition_id else None
    if recognition is not None and recognition.organisation_id != claim.organisation_id:
        errors["recognition"] = _("Choose one of your organisation's recognitions.")
    if claim.loan_start and claim.loan_end and claim.loan_end < claim.loan_start:
        errors["loan_end"] = _("The loan is repaid before it starts.")
    return errors


@transaction.atomic
def claim_create(*, actor: User, policy: Policy, data: dict, today: date | None = None) -> Claim:
    """An applicant starts a claim under a policy its organisation is eligible for."""
    permissions.require(actor, "incentive.claim.create")
    # The permission is an applicant's of a verified organisation (incentives/permissions.py).
    organisation = cast(Organisation, actor.organisation)
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
    audit_record(actor=actor, event=events.CLAIM_CREATE, target=claim,
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
    audit_record(actor=actor, event=events.CLAIM_UPDATE, target=claim)
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
    audit_record(actor=actor, event=events.CLAIM_ATTACH, target=claim,
                 after={"name": stored.original_name, "sha256": digest.hexdigest()})  # fmt: skip
    return stored


@transaction.atomic
def claim_submit(*, actor: User, claim: Claim, today: date | None = None) -> Claim:
    """Submit: still eligible, not a duplicate, the evidence the policy requires attached, and
    an entitlement that computes; the computation is kept with the claim."""
    claim = _locked(claim)
    engine.check(CLAIM, actor, claim, "submit")
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
            {"files": _("Attach the evidence: %(labels)s.") % {"labels": formats.names(missing)}}
        )
    result = selectors.entitlement_of(claim)
    if result.errors:
        raise ValidationError(result.errors)
    # compute() leaves the amount empty only with an error, or for an amount rule outside
    # Policy.AmountKind, which policy_save's full_clean refuses.
    if cast(Decimal, result.amount) <= 0:
        raise ValidationError(
            _("Nothing is left to claim under this policy: %(line)s.")
            % {"line": result.lines[-2].label if len(result.lines) > 1 else ""}
        )
    engine.apply(
        CLAIM, actor=actor, obj=claim, action="submit",
        changes={"entitlement": result.amount, "working": result.as_list()},
    )  # fmt: skip
    return claim


def _tell_claimant(claim: Claim, title: str, body: str = "") -> None:
    notify(
        event=events.CLAIM_DECISION,
        recipients=claimants(claim),
        title=title,
        body=body,
        url=reverse("incentives:claim_detail", args=[claim.pk]),
    )


@transaction.atomic
def claim_approve(
    *, actor: User, claim: Claim, amount: Decimal, reason: str = "", today: date | None = None
) -> Claim:
    """Approve at most the entitlement (recomputed now), with a reason when less, within what is
    left of the year's budget."""
    claim = _locked(claim)
    engine.check(CLAIM, actor, claim, "approve")
    permissions.require(actor, "incentive.claim.decide", claim)
    result = selectors.entitlement_of(claim)
    if result.errors:
        raise ValidationError(result.errors)
    # compute() leaves the amount empty only with an error, or for an amount rule outside
    # Policy.AmountKind, which policy_save's full_clean refuses.
    entitled = cast(Decimal, result.amount)
    amount = Decimal(amount).quantize(Decimal("0.01"))
    if amount <= 0:
        raise ValidationError({"amount": _("Approve a positive amount, or reject the claim.")})
    if amount > entitled:
        raise ValidationError(
            {"amount": _("The entitlement is %(entitled)s yuan; %(amount)s is more.")
             % {"entitled": formats.yuan(entitled), "amount": formats.yuan(amount)}}
        )  # fmt: skip
    if amount < entitled and not reason.strip():
        raise ValidationError(
            {"reason": _("Say why less than the entitlement (%(entitled)s yuan) is approved.")
             % {"entitled": formats.yuan(entitled)}}
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
    status = selectors.budget_status(budget)
    if amount > status.remaining:
        raise ValidationError(
            {"amount": _(
                "Over budget: %(year)d allocated %(allocated)s, approved not paid %(committed)s, "
                "paid %(paid)s, remaining %(remaining)s yuan; %(amount)s asked."
            ) % {
                "year": year, "allocated": formats.yuan(budget.allocated),
                "committed": formats.yuan(status.committed), "paid": formats.yuan(status.paid),
                "remaining": formats.yuan(status.remaining), "amount": formats.yuan(amount),
            }}
        )  # fmt: skip
    engine.apply(
        CLAIM, actor=actor, obj=claim, action="approve", reason=reason,
        changes={"entitlement": result.amount, "working": result.as_list(),
                 "approved_amount": amount, "budget_year": year},
    )  # fmt: skip
    return claim


@transaction.atomic
def claim_return(*, actor: User, claim: Claim, reason: str) -> Claim:
    """Back to the applicant for revision, with the reason they read."""
    return engine.apply(CLAIM, actor=actor, obj=_locked(claim), action="return", reason=reason)


@transaction.atomic
def claim_reject(*, actor: User, claim: Claim, reason: str) -> Claim:
    return engine.apply(CLAIM, actor=actor, obj=_locked(claim), action="reject", reason=reason)


@transaction.atomic
def claim_pay(
    *, actor: User, claim: Claim, paid_on: date, amount: Decimal, voucher: str
) -> Payment:
    """Record a payment (date, amount, voucher) of an approved claim; paid in full, it is
    closed. Paid amounts feed the reporting indicator of subsidies paid."""
    claim = _locked(claim)
    engine.check(CLAIM, actor, claim, "pay")
    permissions.require(actor, "incentive.claim.pay", claim)
    voucher = (voucher or "").strip()
    if not voucher:
        raise ValidationError({"voucher": _("Give the voucher number.")})
    if Payment.objects.filter(voucher=voucher).exists():
        raise ValidationError({"voucher": _("Voucher %(voucher)s is already recorded.")
                               % {"voucher": voucher}})  # fmt: skip
    amount = Decimal(amount).quantize(Decimal("0.01"))
    # The "pay" check above: the claim is approved, and approving set its amount.
    owed = cast(Decimal, claim.approved_amount) - claim.paid_amount
    if amount <= 0 or amount > owed:
        raise ValidationError(
            {
                "amount": _("%(owed)s yuan remain to be paid on this claim.")
                % {"owed": formats.yuan(owed)}
            }
        )
    if claim.decided_at and paid_on < timezone.localdate(claim.decided_at):
        raise ValidationError({"paid_on": _("A claim is paid after it is approved.")})
    payment = Payment.objects.create(
        claim=claim, paid_on=paid_on, amount=amount, voucher=voucher, recorded_by=actor
    )
    audit_record(
        actor=actor,
        event=events.CLAIM_PAY,
        target=claim,
        after={"amount": str(amount), "voucher": voucher, "paid_on": str(paid_on)},
    )
    _tell_claimant(
        claim,
        _("Claim %(number)s: %(amount)s paid on %(day)s")
        % {
            "number": claim.number,
            "amount": formats.money_with_unit(amount),
            "day": formats.day(paid_on),
        },
    )
    if amount == owed:
        engine.apply(CLAIM, actor=actor, obj=claim, action="pay",
                     payload={"voucher": voucher, "amount": str(amount)})  # fmt: skip
    return payment
