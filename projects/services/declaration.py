"""Declaration: drafts, the submission check, submission and attachments."""

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import formats, permissions
from portal.identifiers import parse_patent_number
from portal.models import Organisation, User
from portal.serials import next_number
from portal.services import audit_record, snapshot
from projects import eligibility, events, files, workflow
from projects.models import (
    Application,
    Attachment,
    CallCategory,
    DeclaredPatent,
    KPICommitment,
    ProgressReport,
)
from projects.services.common import (
    S,
    _check_window,
    _jsonable,
    _locked,
    _money,
)


def _check_submission_time(application: Application) -> None:
    """A first submission inside the call's window; a revision until its due time."""
    due = application.revision_due
    if application.status == S.RETURNED and due is not None:
        if timezone.now() > due:
            raise ValidationError(
                _("The revision was due by %(due)s; ask the IP bureau to return it again.")
                % {"due": formats.moment(due)},
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
    # project.application.create: the applicant of a verified organisation (permissions.py).
    organisation = cast(Organisation, actor.organisation)
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
        event=events.APPLICATION_CREATE,
        target=application,
        after={"call_category": lot.pk, "lead_organisation": organisation.pk},
    )
    return application


def _next_number(lot: CallCategory) -> str:
    """申报编号 "2026-3-0007": year, category, sequence within the year and category, from the
    portal's one counter (portal/serials.py): two declarations at once get two numbers."""
    return next_number(Application, f"{lot.call.year}-{lot.code}-", 4)


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
    _set_fields(application, data, problems)
    if joint_organisations is not None:
        _set_joint_organisations(application, joint_organisations, problems)
    if kpis is not None:
        _set_kpis(application, kpis, problems)
    if patents is not None:
        _set_patents(application, patents, problems)

    if problems:
        # Nothing of this save is kept: the user corrects and saves again.
        raise ValidationError(problems)
    application.save()
    audit_record(
        actor=actor,
        event=events.APPLICATION_UPDATE,
        target=application,
        before=_jsonable(before),
        after=_jsonable(snapshot(application, APPLICATION_FIELDS)),
    )
    return application


def _field_value(field: str, value: Any) -> Any:
    """A value of `data` as the model field holds it (an amount is checked as money)."""
    if field == "requested_amount":
        return _money(value, field)
    if field == "narrative":
        return {key: str(text) for key, text in (value or {}).items()}
    return value


def _set_fields(
    application: Application, data: Mapping[str, Any], problems: dict[str, list[str]]
) -> None:
    """The fields given in `data`; a sub-type the category does not have is a problem."""
    for field in APPLICATION_FIELDS:
        if field not in data:
            continue
        value = _field_value(field, data[field])
        if field == "subtype" and value and value not in application.spec.get("subtypes", []):
            problems.setdefault("subtype", []).append(
                _("%(value)s is not a sub-type of this category.") % {"value": value}
            )
            continue
        setattr(application, field, value if value is not None else getattr(application, field))
        if field == "requested_amount":
            application.requested_amount = value


def _set_joint_organisations(
    application: Application,
    joint_organisations: Iterable[Organisation],
    problems: dict[str, list[str]],
) -> None:
    joint = list(joint_organisations)
    if any(org.pk == application.lead_organisation_id for org in joint):
        problems.setdefault("joint_organisations", []).append(
            _("The lead organisation cannot also be a joint organisation.")
        )
    else:
        application.joint_organisations.set(joint)


def _set_kpis(
    application: Application,
    kpis: Mapping[str, Mapping[str, Any]],
    problems: dict[str, list[str]],
) -> None:
    """The committed and baseline values given, by KPI code; a malformed one is a problem."""
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


def _set_patents(
    application: Application, patents: Iterable[str], problems: dict[str, list[str]]
) -> None:
    """The declared patents replaced by those listed, unless a number is malformed."""
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
    problems.extend(_amount_problems(application))
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
    problems.extend(_kpi_problems(application))
    return findings, problems


def _amount_problems(application: Application) -> list[Problem]:
    """The requested amount: given, within the category's maximum and within its budget."""
    problems: list[Problem] = []
    if application.requested_amount is None:
        problems.append(Problem("requested_amount", _("Requested amount is required.")))
    else:
        lot = application.call_category
        if lot.amount_max is not None and application.requested_amount > lot.amount_max:
            problems.append(
                Problem(
                    "requested_amount",
                    _("The requested amount is above the category's maximum of %(max)s.")
                    % {"max": formats.money_with_unit(lot.amount_max)},
                )
            )
        if application.requested_amount > lot.budget:
            problems.append(
                Problem(
                    "requested_amount",
                    _("The requested amount is above the category's budget of %(budget)s.")
                    % {"budget": formats.money_with_unit(lot.budget)},
                )
            )
    return problems


def _kpi_problems(application: Application) -> list[Problem]:
    """Each KPI committed to at least the category minimum; a growth KPI has its baseline."""
    problems: list[Problem] = []
    for kpi in application.kpis.all():
        if kpi.committed is None:
            problems.append(
                Problem(
                    f"kpi_{kpi.code}_committed",
                    _("“%(kpi)s”: enter the value you commit to.") % {"kpi": kpi.name},
                )
            )
        elif kpi.committed < kpi.minimum:
            problems.append(
                Problem(
                    f"kpi_{kpi.code}_committed",
                    _(
                        "“%(kpi)s”: %(value)s is below the category minimum of %(minimum)s "
                        "%(unit)s; commit at least the minimum."
                    )
                    % {
                        "kpi": kpi.name,
                        "value": formats.number(kpi.committed),
                        "minimum": formats.number(kpi.minimum),
                        "unit": kpi.unit,
                    },
                )
            )
        if kpi.is_growth and not kpi.baseline:
            problems.append(
                Problem(
                    f"kpi_{kpi.code}_baseline",
                    _("“%(kpi)s”: enter last year's value (above 0) from which growth is measured.")
                    % {"kpi": kpi.name},
                )
            )
    return problems


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
        event=events.ATTACHMENT_ADD,
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
        event=events.ATTACHMENT_DELETE,
        target=application,
        before={"name": attachment.name, "sha256": attachment.sha256},
    )
    storage, path = attachment.file.storage, cast(str, attachment.file.name)  # a stored file
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(path))
