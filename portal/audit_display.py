"""How the audit log reads for people (issue 18): what happened as a label (登录, 提交统计报表),
the object by its kind and name, when in the portal's own way of writing a moment, and each
changed field by its name with its old and new value written as the pages write them.

The log itself stays as recorded (portal/audit.py hashes it): event names, field keys and values
are machine text, and the exports keep them so. Here they are only read. A field key or a value
that has no label (a statistics element code, a nested record) is shown as code, inside <code>,
which is what the audit administrator needs to search for it.
"""

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import DecimalField, FloatField, IntegerField, Model
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import formats
from portal.models import AuditEntry
from portal.workflow import PORTAL_LABEL

# What each event means, as the log lists it. Every event an app declares has one (tested in
# portal/tests/test_audit_display.py); an event no longer declared shows its name as code.
EVENT_LABELS: dict[str, Promise] = {
    "access.denied": gettext_lazy("Access denied"),
    "admin.add": gettext_lazy("Added in the administration site"),
    "admin.change": gettext_lazy("Changed in the administration site"),
    "admin.delete": gettext_lazy("Deleted in the administration site"),
    "audit.chain_broken": gettext_lazy("Audit chain found broken"),
    "audit.export": gettext_lazy("Audit log exported"),
    "audit.purge": gettext_lazy("Audit log archived and purged"),
    "auth.lockout": gettext_lazy("Locked after failed logins"),
    "auth.login": gettext_lazy("Logged in"),
    "auth.login_failed": gettext_lazy("Login failed"),
    "auth.logout": gettext_lazy("Logged out"),
    "auth.otp_disabled": gettext_lazy("Two-factor authentication turned off"),
    "auth.otp_enrolled": gettext_lazy("Two-factor authentication set up"),
    "auth.otp_failed": gettext_lazy("Wrong two-factor code"),
    "auth.otp_reset": gettext_lazy("Two-factor authentication reset"),
    "auth.otp_verified": gettext_lazy("Two-factor code accepted"),
    "auth.password_change": gettext_lazy("Password changed"),
    "auth.session_expired": gettext_lazy("Session expired"),
    "auth.unlock": gettext_lazy("Lockout released"),
    "demo.incentives": gettext_lazy("Demo incentives loaded"),
    "demo.patents": gettext_lazy("Demo patents loaded"),
    "demo.project_backdate": gettext_lazy("Demo project dates moved back"),
    "demo.reporting": gettext_lazy("Demo statistics loaded"),
    "demo.user_create": gettext_lazy("Demo account created"),
    "document.correct": gettext_lazy("Document corrected"),
    "document.download": gettext_lazy("Document downloaded"),
    "document.issue": gettext_lazy("Document issued"),
    "exchange.download": gettext_lazy("Exchange file downloaded"),
    "exchange.export": gettext_lazy("Exchange file exported"),
    "exchange.import.apply": gettext_lazy("Exchange file imported"),
    "exchange.import.check": gettext_lazy("Exchange file checked"),
    "exchange.import.fail": gettext_lazy("Exchange file import failed"),
    "exchange.mapping.save": gettext_lazy("Mapping saved"),
    "incentive.budget.set": gettext_lazy("Budget set"),
    "incentive.claim.approve": gettext_lazy("Claim approved"),
    "incentive.claim.attach": gettext_lazy("Evidence attached to a claim"),
    "incentive.claim.create": gettext_lazy("Claim created"),
    "incentive.claim.decision": gettext_lazy("Claimant told of the decision"),
    "incentive.claim.download": gettext_lazy("Claim evidence downloaded"),
    "incentive.claim.paid": gettext_lazy("Claim paid in full"),
    "incentive.claim.pay": gettext_lazy("Payment recorded"),
    "incentive.claim.reject": gettext_lazy("Claim rejected"),
    "incentive.claim.return": gettext_lazy("Claim returned for correction"),
    "incentive.claim.submit": gettext_lazy("Claim submitted"),
    "incentive.claim.update": gettext_lazy("Claim changed"),
    "incentive.export": gettext_lazy("Claims exported"),
    "organisation.qualification.import": gettext_lazy("Qualifications imported"),
    "organisation.qualification.update": gettext_lazy("Qualification updated by an import"),
    "organisation.register": gettext_lazy("Organisation registered"),
    "organisation.registered": gettext_lazy("Reviewers told of a registration"),
    "organisation.reject": gettext_lazy("Registration refused"),
    "organisation.resubmit": gettext_lazy("Corrected registration sent"),
    "organisation.update": gettext_lazy("Organisation changed"),
    "organisation.verify": gettext_lazy("Organisation verified"),
    "patent.conversion": gettext_lazy("Counterparty told of a conversion"),
    "patent.conversion.contract": gettext_lazy("Technology contract recorded"),
    "patent.conversion.end.licence": gettext_lazy("Licence ended"),
    "patent.conversion.end.open_licence": gettext_lazy("Open licence withdrawn"),
    "patent.conversion.end.pledge": gettext_lazy("Pledge released"),
    "patent.conversion.end.use_first": gettext_lazy("Use-first term ended"),
    "patent.conversion.import.contract": gettext_lazy("Technology contract imported"),
    "patent.conversion.import.contract.update": gettext_lazy(
        "Technology contract updated by an import"
    ),
    "patent.conversion.import.pledge": gettext_lazy("Pledge imported"),
    "patent.conversion.import.pledge.update": gettext_lazy("Pledge updated by an import"),
    "patent.conversion.import.product_filing": gettext_lazy("Product filing imported"),
    "patent.conversion.import.product_filing.update": gettext_lazy(
        "Product filing updated by an import"
    ),
    "patent.conversion.licence": gettext_lazy("Licence recorded"),
    "patent.conversion.open_licence": gettext_lazy("Open licence recorded"),
    "patent.conversion.pledge": gettext_lazy("Pledge recorded"),
    "patent.conversion.product_filing": gettext_lazy("Product filing recorded"),
    "patent.conversion.transfer": gettext_lazy("Transfer recorded"),
    "patent.conversion.use_first": gettext_lazy("Use-first licence recorded"),
    "patent.export": gettext_lazy("Patent pool exported"),
    "patent.feedback": gettext_lazy("Feedback on a patent given"),
    "patent.import.apply": gettext_lazy("Patent list imported"),
    "patent.import.check": gettext_lazy("Patent list checked"),
    "patent.import.fail": gettext_lazy("Patent list import failed"),
    "patent.match.new": gettext_lazy("New matching patents suggested"),
    "patent.need.create": gettext_lazy("Technology need posted"),
    "patent.push": gettext_lazy("Patent pushed to enterprises"),
    "patent.screen": gettext_lazy("Patent screened"),
    "patent.template.download": gettext_lazy("Patent list template downloaded"),
    "project.acceptance.requested": gettext_lazy("Acceptance requested"),
    "project.application.accept": gettext_lazy("Project accepted"),
    "project.application.approve": gettext_lazy("Project approved"),
    "project.application.assign": gettext_lazy("Experts assigned"),
    "project.application.complete_scoring": gettext_lazy("Scoring completed"),
    "project.application.create": gettext_lazy("Application created"),
    "project.application.not_accept": gettext_lazy("Project not accepted"),
    "project.application.pass": gettext_lazy("Formal review passed"),
    "project.application.print": gettext_lazy("Application printed"),
    "project.application.reject": gettext_lazy("Project not approved"),
    "project.application.reopen_scoring": gettext_lazy("Scoring reopened"),
    "project.application.report_progress": gettext_lazy("Progress report submitted"),
    "project.application.request_acceptance": gettext_lazy("Acceptance applied for"),
    "project.application.return": gettext_lazy("Application returned for correction"),
    "project.application.submit": gettext_lazy("Application submitted"),
    "project.application.update": gettext_lazy("Application changed"),
    "project.assignment.decline": gettext_lazy("Expert declined for a conflict of interest"),
    "project.assignment.new": gettext_lazy("Expert invited to review"),
    "project.assignment.no_conflict": gettext_lazy("Expert declared no conflict of interest"),
    "project.attachment.add": gettext_lazy("Attachment added"),
    "project.attachment.delete": gettext_lazy("Attachment deleted"),
    "project.attachment.download": gettext_lazy("Attachment downloaded"),
    "project.call.create": gettext_lazy("Call created"),
    "project.call.update": gettext_lazy("Call changed"),
    "project.category.update": gettext_lazy("Project category changed"),
    "project.expert.profile": gettext_lazy("Expert profile changed"),
    "project.ranking.export": gettext_lazy("Ranking exported"),
    "project.score.reopen": gettext_lazy("Score reopened"),
    "project.score.submit": gettext_lazy("Score submitted"),
    "qualification.add": gettext_lazy("Qualification added"),
    "reporting.element.save": gettext_lazy("Data element saved"),
    "reporting.export.download": gettext_lazy("Statistics export downloaded"),
    "reporting.export.request": gettext_lazy("Statistics export requested"),
    "reporting.reminder.due_soon": gettext_lazy("Reminder: return due soon"),
    "reporting.reminder.overdue": gettext_lazy("Reminder: return overdue"),
    "reporting.return.approve": gettext_lazy("Return approved"),
    "reporting.return.auto_approve": gettext_lazy("Return approved without review"),
    "reporting.return.correct": gettext_lazy("Approved return corrected"),
    "reporting.return.export": gettext_lazy("Return exported"),
    "reporting.return.open": gettext_lazy("Return opened"),
    "reporting.return.send_back": gettext_lazy("Return sent back for correction"),
    "reporting.return.submit": gettext_lazy("Return submitted"),
    "reporting.return.template": gettext_lazy("Return template downloaded"),
    "reporting.rule.save": gettext_lazy("Validation rule saved"),
    "reporting.target.save": gettext_lazy("Target saved"),
    "reporting.upload.check": gettext_lazy("Return workbook checked"),
    "reporting.upload.download": gettext_lazy("Return workbook downloaded"),
    "reporting.values.store": gettext_lazy("Return figures entered"),
    "user.assign_role": gettext_lazy("Role assigned"),
    "user.create": gettext_lazy("Account created"),
    "user.disabled_inactive": gettext_lazy("Unused account disabled"),
    "user.set_password": gettext_lazy("Password set by an administrator"),
    "user.update": gettext_lazy("Account changed"),
}

# Keys the services record that are no field of the object (counts, files, formats).
KEY_LABELS: dict[str, Promise] = {
    "amount": gettext_lazy("amount"),
    "changes": gettext_lazy("values changed"),
    "code": gettext_lazy("code"),
    "ends_on": gettext_lazy("term ends"),
    "file": gettext_lazy("file"),
    "format": gettext_lazy("format"),
    "label": gettext_lazy("label"),
    "mapping": gettext_lazy("mapping"),
    "name": gettext_lazy("name"),
    "paid_on": gettext_lazy("paid on"),
    "party": gettext_lazy("counterparty"),
    "period": gettext_lazy("period"),
    "problems": gettext_lazy("problems"),
    "registration_number": gettext_lazy("registration number"),
    "rows": gettext_lazy("rows"),
    "sha256": gettext_lazy("SHA-256"),
    "starts_on": gettext_lazy("date"),
    "target": gettext_lazy("maps onto"),
    "version": gettext_lazy("version"),
    "voucher": gettext_lazy("voucher"),
}

ISO_MOMENT = re.compile(
    r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
)
ISO_DAY = re.compile(r"(?<![\d-])\d{4}-\d{2}-\d{2}(?![\d-])")
QUARTER = re.compile(r"(?<![\w])\d{4}Q[1-4](?![\w])")
DECIMAL = re.compile(r"-?\d+(?:\.(\d+))?")
# Machine text: a code, a slug, a key, a hash (no space, no Chinese, no capitalised word).
MACHINE = re.compile(r"[A-Za-z0-9_.:/=&%+-]*[_.=/-][A-Za-z0-9_.:/=&%+-]*|[a-z0-9]+|[A-Z0-9_]+")


@dataclass(frozen=True)
class Value:
    text: str
    code: bool = False  # machine text, shown inside <code>


@dataclass(frozen=True)
class Change:
    label: str  # "" when the key has no label: the key is then shown as code
    key: str
    before: Value | None
    after: Value | None


@dataclass
class Row:
    entry: AuditEntry
    at: str
    actor: str
    event: str  # the label; "" when the event has none (the name is shown as code)
    object_kind: str
    target: str
    reason: Value | None
    changes: list[Change] = field(default_factory=list)
    other_before: Value | None = None  # a before/after that is not a dict of fields
    other_after: Value | None = None


def event_label(name: str) -> str:
    label = EVENT_LABELS.get(name)
    return str(label) if label is not None else ""


def _model_field(model: type[Model] | None, key: str):
    if model is None:
        return None
    for name in (key, key.removesuffix("_id")):
        try:
            return model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
    return None


def _key_label(model: type[Model] | None, key: str) -> str:
    found = _model_field(model, key)
    label = getattr(found, "verbose_name", None) if found is not None else KEY_LABELS.get(key)
    return capfirst(str(label)) if label else ""


def value(model: type[Model] | None, key: str, raw: Any) -> Value:
    """A recorded value as the pages write it: a choice by its label, a date or a moment in
    the portal's way, a number with separators; other machine text as code."""
    if raw is None or raw == "":
        return Value(formats.MISSING)
    if isinstance(raw, bool):
        return Value(formats.yes_no(raw))
    found = _model_field(model, key)
    choices = getattr(found, "choices", None) if found is not None else None
    if choices and not isinstance(raw, dict | list):
        label = formats.label(choices, raw)
        if label != formats.MISSING:
            return Value(label)
    if found is not None and found.is_relation and isinstance(raw, int):
        return Value(f"#{raw}")  # a related record, by its id
    if isinstance(raw, dict | list):
        return Value(json.dumps(raw, ensure_ascii=False, cls=_Encoder), code=True)
    if isinstance(raw, int | float | Decimal):
        return Value(_number(str(raw)))
    text = str(raw)
    if ISO_MOMENT.fullmatch(text) or ISO_DAY.fullmatch(text) or QUARTER.fullmatch(text):
        return Value(formats.recorded(text))
    numeric = isinstance(found, DecimalField | IntegerField | FloatField)
    if DECIMAL.fullmatch(text) and (numeric or "." in text):
        return Value(_number(text))  # an amount recorded as text; a code of digits stays as is
    if MACHINE.fullmatch(text):
        return Value(text, code=True)
    return Value(formats.recorded(text))


def _number(text: str) -> str:
    """A recorded number with separators, keeping its decimals (500000.00 → 500,000.00)."""
    found = DECIMAL.fullmatch(text)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return text
    places = len(found.group(1) or "") if found else 0
    return formats.yuan(amount) if places == 2 else formats.number(amount, places)


class _Encoder(json.JSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, datetime | date):
            return o.isoformat()
        return str(o)


def _changes(model: type[Model] | None, before: Any, after: Any) -> list[Change]:
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    # The log keeps what changed in no set order: show the object's fields in its own order,
    # then the other keys alphabetically.
    order = {f.attname: i for i, f in enumerate(model._meta.concrete_fields)} if model else {}
    keys = sorted({*before, *after}, key=lambda key: (order.get(key, len(order)), key))
    return [
        Change(
            label=_key_label(model, key),
            key=key,
            before=value(model, key, before[key]) if key in before else None,
            after=value(model, key, after[key]) if key in after else None,
        )
        for key in keys
    ]


def _whole(raw: Any) -> Value | None:
    """A before or after that is not a dict of fields (a list, a number): shown as it is."""
    if raw is None or isinstance(raw, dict):
        return None
    return value(None, "", raw)


def actor(entry: AuditEntry) -> str:
    """Who acted: the user name, the portal itself for its own acts, "—" when nobody is known."""
    if entry.actor_label == PORTAL_LABEL:
        return _("the portal")
    return entry.actor_label or formats.MISSING


def row(entry: AuditEntry) -> Row:
    target_type = entry.target_type if entry.target_type_id else None
    model = target_type.model_class() if target_type else None
    kind = ""
    if target_type is not None:
        kind = capfirst(str(model._meta.verbose_name)) if model else target_type.model
    # A reason is the user's words, or machine text (an export's search, as its query string).
    reason = value(None, "", entry.reason) if entry.reason else None
    return Row(
        entry=entry,
        at=formats.instant(entry.at),
        actor=actor(entry),
        event=event_label(entry.event),
        object_kind=kind,
        target=formats.recorded(entry.target_label) if entry.target_label else "",
        reason=reason,
        changes=_changes(model, entry.before, entry.after),
        other_before=_whole(entry.before),
        other_after=_whole(entry.after),
    )


def rows(entries) -> list[Row]:
    return [row(entry) for entry in entries]
