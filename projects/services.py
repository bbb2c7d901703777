"""Writes of the projects app: categories, calls, applications, review, scoring, execution.

Each function runs in one transaction, checks the business rule (raising ValidationError with a
message the user can act on), records the audit entry and returns the object. Status changes go
through workflow.apply().
"""

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import permissions
from portal.identifiers import parse_patent_number
from portal.models import Organisation, Role, User
from portal.services import audit_record, notify, snapshot
from projects import eligibility, files, scoring, workflow
from projects.models import (
    Application,
    Assignment,
    Attachment,
    Call,
    CallCategory,
    Category,
    DeclaredPatent,
    ExpertProfile,
    KPIActual,
    KPICommitment,
    KPITemplate,
    ProgressReport,
    RubricCriterion,
    ScoreItem,
)

S = Application.Status
# Scoring completes when every active expert has scored and at least this many did.
MIN_SCORES = 3
# A returned application may be resubmitted this many days after the return, by default.
REVISION_DAYS = 7
# Progress reports are due every three months of execution.
PROGRESS_INTERVAL_MONTHS = 3


def _money(value: Any, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation as error:
        raise ValidationError(
            {field: _("%(value)s is not a number.") % {"value": value}}
        ) from error
    if amount < 0:
        raise ValidationError({field: _("The amount cannot be negative.")})
    return amount


def _fmt(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


def wan(amount: Decimal | None) -> str:
    """Yuan shown in 万元, as the documents do."""
    return "" if amount is None else _fmt((amount / 10_000).quantize(Decimal("0.01")))


# Categories ----------------------------------------------------------------------------------

CATEGORY_FIELDS = (
    "name",
    "tasks",
    "eligibility_text",
    "period_months",
    "eligible_kinds",
    "subtypes",
    "amount_min",
    "amount_max",
    "amount_source",
)


def category_spec(category: Category) -> dict[str, Any]:
    """The category frozen as JSON, for a call opening it."""
    return {
        "code": category.code,
        "name": category.name,
        "tasks": category.tasks,
        "eligibility_text": category.eligibility_text,
        "period_months": category.period_months,
        "eligible_kinds": list(category.eligible_kinds),
        "rules": list(category.rules),
        "subtypes": list(category.subtypes),
        "source": category.source,
        "version": category.version,
        "kpis": [
            {
                "code": kpi.code,
                "name": kpi.name,
                "unit": kpi.unit,
                "comparator": kpi.comparator,
                "minimum": _fmt(kpi.minimum),
                "source": kpi.source,
            }
            for kpi in category.kpis.all()
        ],
        "criteria": [
            {
                "code": criterion.code,
                "name": criterion.name,
                "guidance": criterion.guidance,
                "weight": criterion.weight,
            }
            for criterion in category.criteria.all()
        ],
    }


@transaction.atomic
def category_update(
    *,
    actor: User,
    category: Category,
    data: Mapping[str, Any],
    kpis: list[Mapping[str, Any]],
    criteria: list[Mapping[str, Any]],
) -> Category:
    """Edit a category for the next call. Calls already opened keep the version they froze."""
    permissions.require(actor, "project.category.edit")
    problems: dict[str, list[str]] = {}
    if not kpis:
        problems.setdefault("kpis", []).append(_("A category needs at least one KPI."))
    kpi_codes = [kpi["code"] for kpi in kpis]
    if len(set(kpi_codes)) != len(kpi_codes):
        problems.setdefault("kpis", []).append(_("Two KPIs have the same code."))
    criterion_codes = [criterion["code"] for criterion in criteria]
    if len(set(criterion_codes)) != len(criterion_codes):
        problems.setdefault("criteria", []).append(_("Two criteria have the same code."))
    total = sum(int(criterion["weight"]) for criterion in criteria)
    if total != 100:
        problems.setdefault("criteria", []).append(
            _("The criteria weights must sum to 100; they sum to %(total)d.") % {"total": total}
        )
    low, high = data.get("amount_min"), data.get("amount_max")
    if low is not None and high is not None and low > high:
        problems.setdefault("amount_max", []).append(_("The maximum grant is below the minimum."))
    if problems:
        raise ValidationError(problems)

    category = Category.objects.select_for_update().get(pk=category.pk)
    before = {**snapshot(category, CATEGORY_FIELDS), "spec": category_spec(category)}
    for field in CATEGORY_FIELDS:
        if field in data:
            setattr(category, field, data[field])
    category.version += 1
    category.save()
    category.kpis.all().delete()
    KPITemplate.objects.bulk_create(
        KPITemplate(category=category, position=index, **kpi) for index, kpi in enumerate(kpis)
    )
    category.criteria.all().delete()
    RubricCriterion.objects.bulk_create(
        RubricCriterion(category=category, position=index, **criterion)
        for index, criterion in enumerate(criteria)
    )
    after = {**snapshot(category, CATEGORY_FIELDS), "spec": category_spec(category)}
    audit_record(
        actor=actor,
        event="project.category.update",
        target=category,
        before=_jsonable(before),
        after=_jsonable(after),
    )
    return category


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in values.items()}


# Calls ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LotInput:
    category: Category
    budget: Decimal
    expected_projects: int
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None


def _check_call(data: Mapping[str, Any], lots: list[LotInput]) -> None:
    problems: dict[str, list[str]] = {}
    if data["closes_at"] <= data["opens_at"]:
        problems["closes_at"] = [_("The call must close after it opens.")]
    if not lots:
        problems["lots"] = [_("Open at least one category in the call.")]
    for lot in lots:
        low, high = lot.amount_min, lot.amount_max
        if low is not None and high is not None and low > high:
            problems.setdefault("lots", []).append(
                _("Category %(code)s: the maximum grant is below the minimum.")
                % {"code": lot.category.code}
            )
        if lot.amount_min is not None and lot.amount_min > lot.budget:
            problems.setdefault("lots", []).append(
                _("Category %(code)s: the budget is smaller than one minimum grant.")
                % {"code": lot.category.code}
            )
    if problems:
        raise ValidationError(problems)


def _lot_fields(lot: LotInput) -> dict[str, Any]:
    category = lot.category
    return {
        "budget": lot.budget,
        "expected_projects": lot.expected_projects,
        # The call's own range, or the category's documented one.
        "amount_min": lot.amount_min if lot.amount_min is not None else category.amount_min,
        "amount_max": lot.amount_max if lot.amount_max is not None else category.amount_max,
    }


@transaction.atomic
def call_create(*, actor: User, data: Mapping[str, Any], lots: list[LotInput]) -> Call:
    permissions.require(actor, "project.call.manage")
    _check_call(data, lots)
    call = Call.objects.create(
        year=data["year"],
        title=data["title"],
        description=data.get("description", ""),
        opens_at=data["opens_at"],
        closes_at=data["closes_at"],
        created_by=actor,
    )
    for lot in lots:
        category = Category.objects.prefetch_related("kpis", "criteria").get(pk=lot.category.pk)
        CallCategory.objects.create(
            call=call,
            category=category,
            category_version=category.version,
            spec=category_spec(category),
            **_lot_fields(lot),
        )
    audit_record(
        actor=actor,
        event="project.call.create",
        target=call,
        after={
            "title": call.title,
            "opens_at": call.opens_at.isoformat(),
            "closes_at": call.closes_at.isoformat(),
            "categories": [lot.category.code for lot in lots],
            "budgets": [str(lot.budget) for lot in lots],
        },
    )
    return call


@transaction.atomic
def call_update(*, actor: User, call: Call, data: Mapping[str, Any], lots: list[LotInput]) -> Call:
    """Change dates, texts and budgets. A category already open keeps its frozen version."""
    permissions.require(actor, "project.call.manage")
    _check_call(data, lots)
    call = Call.objects.select_for_update().get(pk=call.pk)
    before = {
        **snapshot(call, ("title", "description", "opens_at", "closes_at")),
        "lots": {str(lot.category.code): str(lot.budget) for lot in call.lots.all()},
    }
    for field in ("year", "title", "description", "opens_at", "closes_at"):
        setattr(call, field, data.get(field, getattr(call, field)))
    call.save()
    existing = {lot.category_id: lot for lot in call.lots.select_for_update()}
    wanted = {lot.category.pk: lot for lot in lots}
    for category_id, lot in existing.items():
        if category_id not in wanted:
            if lot.applications.exists():
                raise ValidationError(
                    {
                        "lots": _(
                            "Category %(code)s has applications in this call and cannot be "
                            "removed from it."
                        )
                        % {"code": lot.code}
                    }
                )
            lot.delete()
    for category_id, lot_input in wanted.items():
        lot = existing.get(category_id)
        fields = _lot_fields(lot_input)
        if lot is None:
            category = Category.objects.prefetch_related("kpis", "criteria").get(pk=category_id)
            CallCategory.objects.create(
                call=call,
                category=category,
                category_version=category.version,
                spec=category_spec(category),
                **fields,
            )
            continue
        used = _budget_used(lot)
        if fields["budget"] < used:
            raise ValidationError(
                {
                    "lots": _(
                        "Category %(code)s: %(used)s万元 is already approved; the budget cannot "
                        "be lower."
                    )
                    % {"code": lot.code, "used": wan(used)}
                }
            )
        for field, value in fields.items():
            setattr(lot, field, value)
        lot.save()
    after = {
        **snapshot(call, ("title", "description", "opens_at", "closes_at")),
        "lots": {str(lot.category.code): str(lot.budget) for lot in call.lots.all()},
    }
    audit_record(
        actor=actor,
        event="project.call.update",
        target=call,
        before=_jsonable({k: str(v) if hasattr(v, "isoformat") else v for k, v in before.items()}),
        after=_jsonable({k: str(v) if hasattr(v, "isoformat") else v for k, v in after.items()}),
    )
    return call


def _budget_used(lot: CallCategory, *, exclude: Application | None = None) -> Decimal:
    approved = Application.objects.filter(
        call_category=lot, status__in=Application.PROJECT_STATES
    ).exclude(pk=getattr(exclude, "pk", None))
    return approved.aggregate(total=Sum("approved_amount"))["total"] or Decimal(0)


def _check_window(lot: CallCategory) -> None:
    call = lot.call
    if not call.is_open():
        raise ValidationError(
            _("The call “%(call)s” accepts applications from %(opens)s to %(closes)s.")
            % {
                "call": call.title,
                "opens": timezone.localtime(call.opens_at).strftime("%Y-%m-%d %H:%M"),
                "closes": timezone.localtime(call.closes_at).strftime("%Y-%m-%d %H:%M"),
            },
            code="call_closed",
        )


def _check_submission_time(application: Application) -> None:
    """A first submission inside the call's window; a revision until its due time."""
    due = application.revision_due
    if application.status == S.RETURNED and due is not None:
        if timezone.now() > due:
            raise ValidationError(
                _("The revision was due by %(due)s; ask the IP bureau to return it again.")
                % {"due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M")},
                code="revision_overdue",
            )
        return
    _check_window(application.call_category)


# Declaration ---------------------------------------------------------------------------------

APPLICATION_FIELDS = (
    "title",
    "summary",
    "subtype",
    "period_months",
    "requested_amount",
    "contact_name",
    "contact_phone",
    "narrative",
)
# The narrative sections of a declaration (申报书正文), in order.
NARRATIVE_SECTIONS = (
    ("basis", "申报单位基本情况与工作基础"),
    ("plan", "项目实施方案"),
    ("schedule", "进度安排"),
    ("budget", "经费预算与自筹配套"),
    ("benefit", "预期效益"),
)


@transaction.atomic
def application_create(*, actor: User, lot: CallCategory, subtype: str = "") -> Application:
    """Start a draft led by the actor's organisation, with the category's KPIs pre-filled."""
    permissions.require(actor, "project.application.create")
    lot = CallCategory.objects.select_for_update().select_related("call").get(pk=lot.pk)
    _check_window(lot)
    organisation = actor.organisation
    earlier = Application.objects.filter(call_category=lot, lead_organisation=organisation).first()
    if earlier is not None:
        raise ValidationError(
            _(
                "%(org)s already leads application %(number)s in this category of the call; "
                "an organisation may lead only one."
            )
            % {"org": organisation.name, "number": earlier.number},
            code="one_per_call",
        )
    application = Application(
        number=_next_number(lot),
        call_category=lot,
        lead_organisation=organisation,
        subtype=subtype if subtype in lot.spec.get("subtypes", []) else "",
        period_months=lot.spec["period_months"],
        contact_name=actor.name,
        contact_phone=actor.phone,
        created_by=actor,
    )
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError as error:  # a concurrent draft of the same organisation won the race
        raise ValidationError(
            _("%(org)s already leads an application in this category of the call.")
            % {"org": organisation.name},
            code="one_per_call",
        ) from error
    KPICommitment.objects.bulk_create(
        KPICommitment(
            application=application,
            code=kpi["code"],
            name=kpi["name"],
            unit=kpi["unit"],
            comparator=kpi["comparator"],
            minimum=Decimal(kpi["minimum"]),
            committed=Decimal(kpi["minimum"]),
            source=kpi.get("source", ""),
            position=index,
        )
        for index, kpi in enumerate(lot.spec["kpis"])
    )
    audit_record(
        actor=actor,
        event="project.application.create",
        target=application,
        after={"call_category": lot.pk, "lead_organisation": organisation.pk},
    )
    return application


def _next_number(lot: CallCategory) -> str:
    """申报编号 "2026-3-0007": year, category, sequence within the year and category.

    The category row is locked, so two calls of the same year cannot hand out one number twice.
    """
    Category.objects.select_for_update().filter(pk=lot.category_id).first()
    prefix = f"{lot.call.year}-{lot.code}-"
    last = (
        Application.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    sequence = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{sequence:04d}"


def _locked(application: Application) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("call_category__call", "lead_organisation")
        .get(pk=application.pk)
    )


@transaction.atomic
def application_update(
    *,
    actor: User,
    application: Application,
    data: Mapping[str, Any],
    kpis: Mapping[str, Mapping[str, Any]] | None = None,
    joint_organisations: Iterable[Organisation] | None = None,
    patents: Iterable[str] | None = None,
) -> Application:
    """Save a draft (or a returned application). Incomplete is fine; malformed is refused."""
    application = _locked(application)
    permissions.require(actor, "project.application.edit", application)
    problems: dict[str, list[str]] = {}

    before = snapshot(application, APPLICATION_FIELDS)
    for field in APPLICATION_FIELDS:
        if field not in data:
            continue
        value = data[field]
        if field == "requested_amount":
            value = _money(value, field)
        if field == "narrative":
            value = {key: str(text) for key, text in (value or {}).items()}
        if field == "subtype" and value and value not in application.spec.get("subtypes", []):
            problems.setdefault("subtype", []).append(
                _("%(value)s is not a sub-type of this category.") % {"value": value}
            )
            continue
        setattr(application, field, value if value is not None else getattr(application, field))
        if field == "requested_amount":
            application.requested_amount = value

    if joint_organisations is not None:
        joint = list(joint_organisations)
        if any(org.pk == application.lead_organisation_id for org in joint):
            problems.setdefault("joint_organisations", []).append(
                _("The lead organisation cannot also be a joint organisation.")
            )
        else:
            application.joint_organisations.set(joint)

    if kpis is not None:
        for commitment in application.kpis.all():
            values = kpis.get(commitment.code)
            if values is None:
                continue
            for field in ("committed", "baseline"):
                if field not in values:
                    continue
                try:
                    value = _money(values[field], f"kpi_{commitment.code}_{field}")
                except ValidationError as error:
                    for key, messages in error.message_dict.items():
                        problems.setdefault(key, []).extend(
                            f"{commitment.name}: {message}" for message in messages
                        )
                    continue
                setattr(commitment, field, value)
            commitment.save(update_fields=["committed", "baseline"])

    if patents is not None:
        parsed: dict[str, str] = {}
        for raw in patents:
            if not raw.strip():
                continue
            try:
                number = parse_patent_number(raw)
            except ValidationError as error:
                problems.setdefault("patents", []).extend(error.messages)
                continue
            parsed[number.number] = number.kind
        if "patents" not in problems:
            application.patents.all().delete()
            DeclaredPatent.objects.bulk_create(
                DeclaredPatent(application=application, number=number, kind=kind)
                for number, kind in sorted(parsed.items())
            )

    if problems:
        # Nothing of this save is kept: the user corrects and saves again.
        raise ValidationError(problems)
    application.save()
    audit_record(
        actor=actor,
        event="project.application.update",
        target=application,
        before=_jsonable(before),
        after=_jsonable(snapshot(application, APPLICATION_FIELDS)),
    )
    return application


@dataclass(frozen=True)
class Problem:
    field: str
    message: str


def application_check(application: Application) -> tuple[list[eligibility.Finding], list[Problem]]:
    """Everything submission checks, at once: eligibility findings and form problems."""
    spec = application.spec
    findings = eligibility.check(
        organisation=application.lead_organisation,
        lot=application.call_category,
        subtype=application.subtype,
        declared_patent_kinds=[p.kind for p in application.patents.all()],
        application=application,
    )
    problems: list[Problem] = []
    required = (
        ("title", _("Project title")),
        ("summary", _("Summary")),
        ("contact_name", _("Contact person")),
        ("contact_phone", _("Contact phone")),
    )
    for field, label in required:
        if not str(getattr(application, field) or "").strip():
            problems.append(Problem(field, _("%(field)s is required.") % {"field": label}))
    if application.requested_amount is None:
        problems.append(Problem("requested_amount", _("Requested amount is required.")))
    else:
        lot = application.call_category
        if lot.amount_max is not None and application.requested_amount > lot.amount_max:
            problems.append(
                Problem(
                    "requested_amount",
                    _("The requested amount is above the category's maximum of %(max)s万元.")
                    % {"max": wan(lot.amount_max)},
                )
            )
        if application.requested_amount > lot.budget:
            problems.append(
                Problem(
                    "requested_amount",
                    _("The requested amount is above the category's budget of %(budget)s万元.")
                    % {"budget": wan(lot.budget)},
                )
            )
    if application.period_months > spec["period_months"]:
        problems.append(
            Problem(
                "period_months",
                _("The period of this category is %(months)d months at most.")
                % {"months": spec["period_months"]},
            )
        )
    for section, label in NARRATIVE_SECTIONS:
        if not (application.narrative or {}).get(section, "").strip():
            problems.append(
                Problem(f"narrative_{section}", _("%(field)s is required.") % {"field": label})
            )
    for kpi in application.kpis.all():
        if kpi.committed is None:
            problems.append(
                Problem(
                    f"kpi_{kpi.code}_committed",
                    _("%(kpi)s: enter the value you commit to.") % {"kpi": kpi.name},
                )
            )
        elif kpi.committed < kpi.minimum:
            problems.append(
                Problem(
                    f"kpi_{kpi.code}_committed",
                    _(
                        "%(kpi)s: %(value)s is below the category minimum of %(minimum)s "
                        "%(unit)s; commit at least the minimum."
                    )
                    % {
                        "kpi": kpi.name,
                        "value": _fmt(kpi.committed),
                        "minimum": _fmt(kpi.minimum),
                        "unit": kpi.unit,
                    },
                )
            )
        if kpi.is_growth and not kpi.baseline:
            problems.append(
                Problem(
                    f"kpi_{kpi.code}_baseline",
                    _("%(kpi)s: enter last year's value (above 0) from which growth is measured.")
                    % {"kpi": kpi.name},
                )
            )
    return findings, problems


@transaction.atomic
def application_submit(*, actor: User, application: Application) -> Application:
    """Run every check at once; submit only when all pass (2023 guide eligibility, KPIs, form)."""
    application = _locked(application)
    workflow.check_source(application, "submit")
    permissions.require(actor, "project.application.submit", application)
    _check_submission_time(application)
    findings, problems = application_check(application)
    # Keyed by field (eligibility findings under "eligibility"), so a form or the API can put
    # each message next to the value to fix.
    errors: dict[str, list[ValidationError]] = {}
    for finding in findings:
        if not finding.passed:
            errors.setdefault("eligibility", []).append(
                ValidationError(finding.message, code="submission_incomplete")
            )
    for problem in problems:
        errors.setdefault(problem.field, []).append(
            ValidationError(problem.message, code="submission_incomplete")
        )
    if errors:
        raise ValidationError(errors)
    changes: dict[str, Any] = {"submitted_at": timezone.now()}
    return workflow.apply(actor=actor, application=application, action="submit", changes=changes)


@transaction.atomic
def attachment_add(
    *,
    actor: User,
    application: Application,
    name: str,
    handle: IO[bytes],
    size: int,
    purpose: str = Attachment.Purpose.DECLARATION,
    report: ProgressReport | None = None,
) -> Attachment:
    """Store an uploaded file after checking its size and that its content is what it claims."""
    application = _locked(application)
    if purpose == Attachment.Purpose.DECLARATION:
        permissions.require(actor, "project.application.edit", application)
    else:
        permissions.require(actor, "project.application.report", application)
    max_bytes = settings.PROJECT_ATTACHMENT_MAX_MB * 1_048_576
    content_type = files.check_upload(name=name, handle=handle, size=size, max_bytes=max_bytes)
    digest = hashlib.sha256()
    handle.seek(0)
    for chunk in iter(lambda: handle.read(1 << 16), b""):
        digest.update(chunk)
    handle.seek(0)
    attachment = Attachment(
        application=application,
        report=report,
        purpose=purpose,
        name=name[:200],
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    attachment.file.save(name, File(handle), save=False)
    attachment.save()
    audit_record(
        actor=actor,
        event="project.attachment.add",
        target=application,
        after={"name": attachment.name, "sha256": attachment.sha256, "size": size},
    )
    return attachment


@transaction.atomic
def attachment_delete(*, actor: User, attachment: Attachment) -> None:
    application = _locked(attachment.application)
    permissions.require(actor, "project.application.edit", application)
    if attachment.purpose != Attachment.Purpose.DECLARATION:
        raise ValidationError(_("Evidence filed with a report cannot be removed."))
    audit_record(
        actor=actor,
        event="project.attachment.delete",
        target=application,
        before={"name": attachment.name, "sha256": attachment.sha256},
    )
    storage, path = attachment.file.storage, attachment.file.name
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(path))


# Formal review -------------------------------------------------------------------------------


@transaction.atomic
def application_return(
    *, actor: User, application: Application, reason: str, days: int = REVISION_DAYS
) -> Application:
    """Return for revision with a reason; the applicant may resubmit within `days`."""
    if not 1 <= days <= 60:
        raise ValidationError({"days": _("Allow between 1 and 60 days for the revision.")})
    return workflow.apply(
        actor=actor,
        application=_locked(application),
        action="return",
        reason=reason,
        changes={"revision_due": timezone.now() + timedelta(days=days)},
    )


@transaction.atomic
def application_pass(*, actor: User, application: Application, reason: str = "") -> Application:
    return workflow.apply(
        actor=actor, application=_locked(application), action="pass", reason=reason
    )


@transaction.atomic
def application_reject(*, actor: User, application: Application, reason: str) -> Application:
    return workflow.apply(
        actor=actor,
        application=_locked(application),
        action="reject",
        reason=reason,
        changes={"decided_at": timezone.now(), "decision_reason": reason},
    )


# Experts -------------------------------------------------------------------------------------


def conflicted_organisation_ids(application: Application) -> set[int]:
    """The lead and joint organisations: their experts never score this application."""
    ids = {application.lead_organisation_id}
    ids.update(application.joint_organisations.values_list("pk", flat=True))
    return ids


def expert_candidates(application: Application):
    """Active experts who may be assigned: none from the applicant's or a joint organisation,
    none who declined this application before, none already assigned."""
    excluded = conflicted_organisation_ids(application)
    return (
        User.objects.filter(role=Role.EXPERT, is_active=True)
        .exclude(organisation_id__in=excluded)
        .exclude(assignments__application=application)
        .select_related("expert_profile", "organisation")
        .order_by("pk")
    )


def experts_propose(*, application: Application, count: int = 5) -> list[User]:
    """A panel balanced by field: round-robin over fields, least-loaded experts first."""
    from django.db.models import Count, Q

    candidates = list(
        expert_candidates(application).annotate(
            load=Count(
                "assignments",
                filter=Q(
                    assignments__status__in=[Assignment.Status.PENDING, Assignment.Status.ACCEPTED]
                ),
            )
        )
    )
    by_field: dict[str, list[User]] = {}
    for expert in sorted(candidates, key=lambda e: (e.load, e.pk)):
        profile = getattr(expert, "expert_profile", None)
        by_field.setdefault(profile.field if profile else "", []).append(expert)
    fields = sorted(by_field, key=lambda f: (by_field[f][0].load, f))
    panel: list[User] = []
    while len(panel) < count and any(by_field.values()):
        for field in fields:
            if by_field[field] and len(panel) < count:
                panel.append(by_field[field].pop(0))
    return panel


@transaction.atomic
def application_assign(
    *, actor: User, application: Application, experts: Iterable[User]
) -> list[Assignment]:
    """Ask experts to score. Experts of the lead or a joint organisation are refused."""
    application = _locked(application)
    experts = list(experts)
    if not experts:
        raise ValidationError({"experts": _("Choose at least one expert.")})
    excluded = conflicted_organisation_ids(application)
    problems = []
    for expert in experts:
        if expert.role != Role.EXPERT or not expert.is_active:
            problems.append(_("%(name)s is not an active expert.") % {"name": expert})
        elif expert.organisation_id in excluded:
            problems.append(
                _("%(name)s belongs to %(org)s, which takes part in this application.")
                % {"name": expert, "org": expert.organisation}
            )
        elif application.assignments.filter(expert=expert).exists():
            problems.append(_("%(name)s is already assigned.") % {"name": expert})
    if problems:
        raise ValidationError({"experts": problems})
    workflow.apply(
        actor=actor,
        application=application,
        action="assign",
        reason=_("Experts assigned: %(names)s") % {"names": "、".join(str(e) for e in experts)},
    )
    assignments = [
        Assignment.objects.create(application=application, expert=expert, assigned_by=actor)
        for expert in experts
    ]
    for assignment in assignments:
        notify(
            event="project.assignment.new",
            recipients=[assignment.expert],
            title=_("Review requested: %(number)s") % {"number": application.number},
            body=_("Declare whether you have a conflict of interest before scoring."),
            url=reverse("projects:assignment_detail", args=[assignment.pk]),
        )
    _refresh_score(application)
    return assignments


def _locked_assignment(assignment: Assignment) -> Assignment:
    return (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("application__call_category", "expert")
        .get(pk=assignment.pk)
    )


@transaction.atomic
def assignment_accept(*, actor: User, assignment: Assignment) -> Assignment:
    """The expert declares no conflict of interest and may now read the application."""
    assignment = _locked_assignment(assignment)
    permissions.require(actor, "project.assignment.respond", assignment)
    assignment.status = Assignment.Status.ACCEPTED
    assignment.responded_at = timezone.now()
    assignment.save(update_fields=["status", "responded_at"])
    audit_record(
        actor=actor,
        event="project.assignment.no_conflict",
        target=assignment,
        after={"status": assignment.status},
    )
    return assignment


@transaction.atomic
def assignment_decline(*, actor: User, assignment: Assignment, reason: str) -> Assignment:
    """The expert declares a conflict or cannot review; the reviewers are told to replace them."""
    assignment = _locked_assignment(assignment)
    permissions.require(actor, "project.assignment.respond", assignment)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why you decline (e.g. the conflict).")})
    assignment.status = Assignment.Status.DECLINED
    assignment.responded_at = timezone.now()
    assignment.decline_reason = reason.strip()
    assignment.save(update_fields=["status", "responded_at", "decline_reason"])
    audit_record(
        actor=actor,
        event="project.assignment.decline",
        target=assignment,
        after={"status": assignment.status},
        reason=assignment.decline_reason,
    )
    notify(
        event="project.assignment.decline",
        recipients=User.objects.filter(role=Role.REVIEWER, is_active=True),
        title=_("%(expert)s declined to review %(number)s")
        % {"expert": assignment.expert, "number": assignment.application.number},
        body=assignment.decline_reason,
        url=reverse("projects:application_detail", args=[assignment.application_id]),
    )
    _maybe_complete_scoring(actor=actor, application_id=assignment.application_id)
    return assignment


@transaction.atomic
def score_submit(
    *,
    actor: User,
    assignment: Assignment,
    points: Mapping[str, Any],
    comments: Mapping[str, str] | None = None,
    comment: str = "",
) -> Assignment:
    """Score every criterion of the rubric within 0…weight; once (a reviewer can reopen)."""
    assignment = _locked_assignment(assignment)
    permissions.require(actor, "project.assignment.score", assignment)
    criteria = assignment.application.spec["criteria"]
    comments = comments or {}
    problems: dict[str, list[str]] = {}
    values: dict[str, Decimal] = {}
    for criterion in criteria:
        code, weight = criterion["code"], int(criterion["weight"])
        raw = points.get(code)
        field = f"points_{code}"
        if raw in (None, ""):
            problems[field] = [_("%(name)s: give a score.") % {"name": criterion["name"]}]
            continue
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            problems[field] = [_("%(value)s is not a number.") % {"value": raw}]
            continue
        if not 0 <= value <= weight:
            problems[field] = [
                _("%(name)s is scored from 0 to %(weight)d; %(value)s is outside.")
                % {"name": criterion["name"], "weight": weight, "value": _fmt(value)}
            ]
            continue
        if value != value.quantize(Decimal("0.1")):
            problems[field] = [_("Scores have at most one decimal place.")]
            continue
        values[code] = value
    if problems:
        raise ValidationError(problems)
    assignment.items.all().delete()
    ScoreItem.objects.bulk_create(
        ScoreItem(
            assignment=assignment,
            criterion_code=criterion["code"],
            criterion_name=criterion["name"],
            weight=int(criterion["weight"]),
            points=values[criterion["code"]],
            comment=comments.get(criterion["code"], ""),
        )
        for criterion in criteria
    )
    assignment.total = sum(values.values(), Decimal(0))
    assignment.comment = comment
    assignment.status = Assignment.Status.SUBMITTED
    assignment.submitted_at = timezone.now()
    assignment.save(update_fields=["total", "comment", "status", "submitted_at"])
    audit_record(
        actor=actor,
        event="project.score.submit",
        target=assignment,
        after={"total": str(assignment.total), **{k: str(v) for k, v in values.items()}},
    )
    _maybe_complete_scoring(actor=actor, application_id=assignment.application_id)
    return assignment


@transaction.atomic
def score_reopen(*, actor: User, assignment: Assignment, reason: str) -> Assignment:
    """A reviewer sends a submitted score back to its expert."""
    assignment = _locked_assignment(assignment)
    application = _locked(assignment.application)
    permissions.require(actor, "project.application.review", application)
    if assignment.status != Assignment.Status.SUBMITTED:
        raise ValidationError(_("Only a submitted score can be reopened."))
    workflow.apply(actor=actor, application=application, action="reopen_scoring", reason=reason)
    assignment.status = Assignment.Status.ACCEPTED
    assignment.submitted_at = None
    assignment.save(update_fields=["status", "submitted_at"])
    audit_record(
        actor=actor,
        event="project.score.reopen",
        target=assignment,
        before={"status": Assignment.Status.SUBMITTED, "total": str(assignment.total)},
        after={"status": assignment.status},
        reason=reason,
    )
    notify(
        event="project.score.reopen",
        recipients=[assignment.expert],
        title=_("Your score of %(number)s was reopened") % {"number": application.number},
        body=reason,
        url=reverse("projects:assignment_detail", args=[assignment.pk]),
    )
    _refresh_score(application)
    return assignment


def _refresh_score(application: Application) -> None:
    totals = list(
        application.assignments.filter(status=Assignment.Status.SUBMITTED).values_list(
            "total", flat=True
        )
    )
    application.final_score = scoring.trimmed_mean(totals)
    application.score_spread = scoring.spread(totals)
    application.score_count = len(totals)
    application.save(update_fields=["final_score", "score_spread", "score_count", "updated_at"])


def _maybe_complete_scoring(*, actor: User, application_id: int) -> None:
    application = _locked(Application(pk=application_id))
    _refresh_score(application)
    active = application.assignments.exclude(status=Assignment.Status.DECLINED)
    waiting = active.exclude(status=Assignment.Status.SUBMITTED).exists()
    if (
        application.status == S.UNDER_REVIEW
        and not waiting
        and application.score_count >= MIN_SCORES
    ):
        workflow.apply(
            actor=actor,
            application=application,
            action="complete_scoring",
            # The history is shown to the applicant: the count, never the score.
            reason=_("%(count)d experts scored.") % {"count": application.score_count},
        )


# Decision ------------------------------------------------------------------------------------


def budget_summary(lot: CallCategory) -> dict[str, Decimal]:
    used = _budget_used(lot)
    return {"budget": lot.budget, "used": used, "available": lot.budget - used}


@transaction.atomic
def application_approve(
    *, actor: User, application: Application, amount: Any, reason: str = ""
) -> Application:
    """Approve with an amount inside the category's range and what is left of its budget."""
    application = _locked(application)
    permissions.require(actor, "project.application.review", application)
    # Lock the category's budget row: two approvals at once must not both spend the last yuan.
    lot = CallCategory.objects.select_for_update().get(pk=application.call_category_id)
    amount = _money(amount, "amount")
    if amount is None or amount <= 0:
        raise ValidationError({"amount": _("Enter the approved amount.")})
    problems = []
    if lot.amount_min is not None and amount < lot.amount_min:
        problems.append(
            _("The category grants at least %(min)s万元.") % {"min": wan(lot.amount_min)}
        )
    if lot.amount_max is not None and amount > lot.amount_max:
        problems.append(
            _("The category grants at most %(max)s万元.") % {"max": wan(lot.amount_max)}
        )
    if application.requested_amount is not None and amount > application.requested_amount:
        problems.append(
            _("The applicant requested %(requested)s万元; the grant cannot be more.")
            % {"requested": wan(application.requested_amount)}
        )
    available = lot.budget - _budget_used(lot, exclude=application)
    if amount > available:
        problems.append(
            _("Only %(available)s万元 of the category's %(budget)s万元 budget is left.")
            % {"available": wan(available), "budget": wan(lot.budget)}
        )
    if problems:
        raise ValidationError({"amount": problems})
    today = timezone.localdate()
    return workflow.apply(
        actor=actor,
        application=application,
        action="approve",
        reason=reason,
        changes={
            "approved_amount": amount,
            "decided_at": timezone.now(),
            "decision_reason": reason,
            "start_date": today,
            "end_date": add_months(today, application.period_months),
        },
    )


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


# Execution and acceptance --------------------------------------------------------------------


@transaction.atomic
def progress_report_submit(
    *,
    actor: User,
    application: Application,
    narrative: str,
    actuals: Mapping[str, Any],
    final: bool = False,
    evidence: Iterable[tuple[str, IO[bytes], int]] = (),
) -> ProgressReport:
    """File a progress report, or the final report that requests acceptance.

    A final report needs an actual value for every KPI; a progress report for any of them.
    """
    application = _locked(application)
    workflow.check_source(application, "request_acceptance" if final else "report_progress")
    permissions.require(actor, "project.application.report", application)
    problems: dict[str, list[str]] = {}
    if not narrative.strip():
        problems["narrative"] = [_("Describe what the project has done.")]
    values: dict[int, Decimal] = {}
    for kpi in application.kpis.all():
        raw = actuals.get(kpi.code)
        field = f"actual_{kpi.code}"
        if raw in (None, ""):
            if final:
                problems[field] = [_("%(kpi)s: enter the actual value.") % {"kpi": kpi.name}]
            continue
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            problems[field] = [_("%(value)s is not a number.") % {"value": raw}]
            continue
        if value < 0:
            problems[field] = [_("%(kpi)s cannot be negative.") % {"kpi": kpi.name}]
            continue
        values[kpi.pk] = value
    if not final and not values and "narrative" not in problems:
        problems["__all__"] = [_("Report the actual value of at least one KPI.")]
    # Every file is checked before any is stored: a bad second file must not leave the first on
    # disk with no row pointing at it.
    evidence = list(evidence)
    max_bytes = settings.PROJECT_ATTACHMENT_MAX_MB * 1_048_576
    for name, handle, size in evidence:
        try:
            files.check_upload(name=name, handle=handle, size=size, max_bytes=max_bytes)
        except ValidationError as error:
            problems.setdefault("evidence", []).extend(error.messages)
    if problems:
        raise ValidationError(problems)
    report = ProgressReport.objects.create(
        application=application,
        kind=ProgressReport.Kind.FINAL if final else ProgressReport.Kind.PROGRESS,
        narrative=narrative.strip(),
        submitted_by=actor,
    )
    KPIActual.objects.bulk_create(
        KPIActual(report=report, kpi_id=kpi_id, actual=value) for kpi_id, value in values.items()
    )
    purpose = Attachment.Purpose.ACCEPTANCE if final else Attachment.Purpose.PROGRESS
    for name, handle, size in evidence:
        attachment_add(
            actor=actor,
            application=application,
            name=name,
            handle=handle,
            size=size,
            purpose=purpose,
            report=report,
        )
    workflow.apply(
        actor=actor,
        application=application,
        action="request_acceptance" if final else "report_progress",
        reason=_("Report filed with %(count)d KPI values.") % {"count": len(values)},
    )
    if final:
        notify(
            event="project.acceptance.requested",
            recipients=User.objects.filter(role=Role.REVIEWER, is_active=True),
            title=_("Acceptance requested: %(number)s") % {"number": application.number},
            url=reverse("projects:application_detail", args=[application.pk]),
        )
    return report


def kpi_results(application: Application) -> list[scoring.KPIOutcome]:
    """Each KPI's latest actual value against its target (the committed value)."""
    latest: dict[int, Decimal] = {}
    for actual in (
        KPIActual.objects.filter(report__application=application)
        .order_by("report__submitted_at", "report_id")
        .only("kpi_id", "actual")
    ):
        latest[actual.kpi_id] = actual.actual
    return [
        scoring.kpi_outcome(
            code=kpi.code,
            name=kpi.name,
            unit=kpi.unit,
            comparator=kpi.comparator,
            target=kpi.committed,
            baseline=kpi.baseline,
            actual=latest.get(kpi.pk),
        )
        for kpi in application.kpis.all()
    ]


@transaction.atomic
def acceptance_decide(
    *, actor: User, application: Application, accepted: bool, reason: str
) -> Application:
    """Record the verdict, with each KPI's met / not met as it stood when decided."""
    application = _locked(application)
    results = [outcome.as_dict() for outcome in kpi_results(application)]
    return workflow.apply(
        actor=actor,
        application=application,
        action="accept" if accepted else "not_accept",
        reason=reason,
        changes={
            "acceptance_result": {
                "kpis": results,
                "met": sum(1 for r in results if r["met"]),
                "total": len(results),
            },
            "verdict_reason": (reason or "").strip(),
        },
    )


def expert_profile_set(*, actor: User, expert: User, field: str, title: str = "") -> ExpertProfile:
    """Record an expert's field (used to propose balanced panels)."""
    permissions.require(actor, "project.application.review")
    profile, _created = ExpertProfile.objects.update_or_create(
        user=expert, defaults={"field": field, "title": title}
    )
    audit_record(actor=actor, event="project.expert.profile", target=expert, after={"field": field})
    return profile
