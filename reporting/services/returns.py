"""Writes of statistics returns: open, enter values (web form, workbook, API), submit, approve,
send back, correct. Each is one atomic, permission-checked, audited function.

Life cycle of a return version, declared once in RETURN (the portal's workflow engine):
draft → submitted → approved (locked) | returned → submitted …; an approved return is corrected
by opening version n + 1 (draft) with a reason, the approved version staying readable.
"""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from portal import permissions, uploads
from portal import workflow as engine
from portal.imports import marks_failure
from portal.models import Region, Role, User
from portal.services import audit_record, notify
from portal.workflow import Transition, Workflow
from reporting import events, importers
from reporting.models import (
    DataElement,
    DataValue,
    DataValueHistory,
    ReturnForm,
    ReturnUpload,
    StatReturn,
    ValidationRule,
)
from reporting.periods import Quarter
from reporting.validation import Entry, Problem, blocking, check_entries, problems_error

S = StatReturn.Status


@dataclass(frozen=True)
class Change:
    code: str
    name: str
    unit: str
    before: Decimal | None
    after: Decimal  # a change is made only by an entry with a value
    before_comment: str
    after_comment: str

    @property
    def kind(self) -> str:
        return "create" if self.before is None else "change"


@dataclass
class CheckResult:
    """What storing these entries would do, and every problem found."""

    problems: list[Problem] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    unchanged: int = 0
    upload: ReturnUpload | None = None
    # code → id of the stored DataValue row, as read by the check (for storing the changes).
    stored: dict[str, int] = field(default_factory=dict, repr=False)

    @property
    def can_store(self) -> bool:
        return not blocking(self.problems)

    @property
    def created(self) -> int:
        return sum(1 for c in self.changes if c.kind == "create")

    @property
    def changed(self) -> int:
        return sum(1 for c in self.changes if c.kind == "change")

    def as_dict(self) -> dict:
        return {
            "can_store": self.can_store,
            "problems": [p.as_dict() for p in self.problems],
            "created": self.created,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "changes": [
                {
                    "code": c.code,
                    "name": c.name,
                    "before": None if c.before is None else str(c.before),
                    "after": str(c.after),
                    "comment": c.after_comment,
                }
                for c in self.changes
            ],
            "upload": self.upload.pk if self.upload else None,
        }


# Reads the services need ----------------------------------------------------------------------


def form_elements(form: ReturnForm) -> list[DataElement]:
    return list(form.elements.filter(is_active=True).order_by("sort", "code"))


def active_rules() -> list[ValidationRule]:
    return list(ValidationRule.objects.filter(is_active=True))


def previous_values(*, region: Region, period: str) -> dict[str, Decimal]:
    previous = str(Quarter.parse(period).previous())
    return dict(
        DataValue.objects.filter(region=region, period=previous).values_list(
            "element__code", "value"
        )
    )


def current_values(stat_return: StatReturn) -> dict[str, DataValue]:
    return {
        v.element.code: v
        for v in DataValue.objects.filter(
            region=stat_return.region, period=stat_return.period
        ).select_related("element")
    }


@dataclass(frozen=True)
class Stored:
    """A stored figure as a check needs it (no model instance: a long return holds one small
    tuple per row), with the row's id to update it by."""

    pk: int
    value: Decimal
    comment: str


def stored_figures(stat_return: StatReturn) -> tuple[dict[str, Stored], dict[str, Decimal]]:
    """What is stored for the return's region: this period's figures (code → Stored) and the
    previous period's values (code → value, for prev() in the rules), in one query."""
    previous = str(Quarter.parse(stat_return.period).previous())
    rows = DataValue.objects.filter(
        region=stat_return.region, period__in=[stat_return.period, previous]
    ).values_list("period", "element__code", "pk", "value", "comment")
    current, before = {}, {}
    for period, code, pk, value, comment in rows:
        if period == previous:
            before[code] = value
        else:
            current[code] = Stored(pk, value, comment)
    return current, before


def stored_entries(stat_return: StatReturn) -> dict[str, Entry]:
    return {
        code: Entry(code=code, value=v.value, comment=v.comment, cell=code)
        for code, v in current_values(stat_return).items()
    }


# Opening a return -----------------------------------------------------------------------------


def _check_region(form: ReturnForm, region: Region) -> None:
    if form.regions.filter(pk=region.pk).exists():
        return
    if form.counties_may_report and region.level == Region.Level.COUNTY:
        return
    raise ValidationError(
        {"region": _("%(region)s does not report “%(form)s”.") % {"region": region, "form": form}}
    )


def _check_period(period: str, *, today: date | None = None) -> Quarter:
    quarter = Quarter.parse(period)
    today = today or timezone.localdate()
    if quarter.end >= today:
        raise ValidationError(
            {
                "period": _("%(period)s has not ended yet; its return opens on %(day)s.")
                % {"period": quarter, "day": quarter.next().start.isoformat()}
            }
        )
    return quarter


@transaction.atomic
def return_open(*, actor: User, form: ReturnForm, region: Region, period: str) -> StatReturn:
    """The current return of (form, region, period), created as a draft when there is none."""
    permissions.require(actor, "reporting.region.report", region)
    quarter = _check_period(period)
    _check_region(form, region)
    current = StatReturn.objects.select_for_update().filter(
        form=form, region=region, period=str(quarter), is_current=True
    )
    existing = current.first()
    if existing is not None:
        return existing
    try:
        # Opened twice at once (a double click, two of the city's staff): the database lets
        # one insert through (one current return per form, region and period); the other
        # waits for it to commit, then returns that return.
        with transaction.atomic():
            stat_return = StatReturn.objects.create(
                form=form, region=region, period=str(quarter), created_by=actor
            )
    except IntegrityError:
        return current.get()
    audit_record(actor=actor, event=events.RETURN_OPEN, target=stat_return)
    return stat_return


def _locked(stat_return: StatReturn) -> StatReturn:
    return (
        StatReturn.objects.select_for_update(of=("self",))
        .select_related("form", "region")
        .get(pk=stat_return.pk)
    )


def _require_editable(actor: User, stat_return: StatReturn) -> None:
    if not stat_return.is_editable:
        raise ValidationError(
            _(
                "The return %(name)s is %(status)s and locked. An approved return is changed by "
                "opening a correction."
            )
            % {"name": stat_return, "status": stat_return.get_status_display()},
            code="locked",
        )
    permissions.require(actor, "reporting.return.edit", stat_return)


# Entering values ------------------------------------------------------------------------------


def check(
    *,
    stat_return: StatReturn,
    entries: Mapping[str, Entry],
    extra: list[Problem] | None = None,
    elements: list[DataElement] | None = None,
) -> CheckResult:
    """The dry run: problems and the changes storing `entries` would make. Stores nothing.
    `elements`: the form's, when the caller has read them already."""
    elements = form_elements(stat_return.form) if elements is None else elements
    stored, previous = stored_figures(stat_return)
    problems = list(extra or [])
    # Rules see the figures as they will be: stored ones, overridden by what is entered now.
    merged = {code: Entry(code=code, value=row.value, comment=row.comment, cell=code)
              for code, row in stored.items()}  # fmt: skip
    merged.update({code: entry for code, entry in entries.items() if entry.value is not None})
    problems += check_entries(
        elements=elements, entries=merged, previous=previous, rules=active_rules()
    )
    problems.sort(key=_reading_order)
    result = CheckResult(problems=problems)
    result.stored = {code: row.pk for code, row in stored.items()}
    names = {e.code: e for e in elements}
    for code, entry in entries.items():
        if entry.value is None:
            continue
        row = stored.get(code)
        before, before_comment = (row.value, row.comment) if row else (None, "")
        if before is not None and before == entry.value and before_comment == entry.comment:
            result.unchanged += 1
            continue
        result.changes.append(
            Change(
                code=code,
                name=names[code].name,
                unit=names[code].unit,
                before=before,
                after=entry.value,
                before_comment=before_comment,
                after_comment=entry.comment,
            )
        )
    return result


def _reading_order(problem: Problem) -> tuple[str, int, str]:
    """Problems in the order a person reads the sheet: by row, then column."""
    digits = "".join(c for c in problem.cell if c.isdigit())
    return problem.sheet, int(digits) if digits and problem.sheet else 0, problem.cell


def _store(
    *,
    actor: User,
    stat_return: StatReturn,
    result: CheckResult,
    via: str,
    elements: list[DataElement] | None = None,
) -> CheckResult:
    now = timezone.now()
    by_code = {
        e.code: e for e in (form_elements(stat_return.form) if elements is None else elements)
    }
    new_rows, updated, history = [], [], []
    for change in result.changes:
        element = by_code[change.code]
        history.append(
            DataValueHistory(
                element=element,
                period=stat_return.period,
                region=stat_return.region,
                previous_value=change.before,
                value=change.after,
                previous_comment=change.before_comment,
                comment=change.after_comment,
                stat_return=stat_return,
                changed_at=now,
                changed_by=actor,
                via=via,
            )
        )
        pk = result.stored.get(change.code)
        if pk is None:
            new_rows.append(
                DataValue(
                    element=element,
                    period=stat_return.period,
                    region=stat_return.region,
                    value=change.after,
                    comment=change.after_comment,
                    stat_return=stat_return,
                    updated_at=now,
                    updated_by=actor,
                )
            )
        else:
            updated.append((pk, change.after, change.after_comment))
    DataValue.objects.bulk_create(new_rows)
    _update_values(updated, stat_return=stat_return, at=now, by=actor)
    DataValueHistory.objects.bulk_create(history)
    if result.changes:
        audit_record(
            actor=actor,
            event=events.VALUES_STORE,
            target=stat_return,
            before={c.code: _json(c.before) for c in result.changes},
            after={c.code: _json(c.after) for c in result.changes},
            reason=_("%(count)d values entered through %(via)s")
            % {"count": len(result.changes), "via": via},
        )
    return result


def _update_values(
    rows: list[tuple[int, Decimal, str]], *, stat_return: StatReturn, at, by: User
) -> None:
    """Rewrite stored figures, `(id, value, comment)` each, in one UPDATE joined to the list
    (PostgreSQL and SQLite alike): the ORM's bulk_update would build a CASE per row and field,
    which costs more than the whole statement."""
    if not rows:
        return
    table = connection.ops.quote_name(DataValue._meta.db_table)
    listed = ", ".join(["(%s, %s, %s)"] * len(rows))
    params: list[int | Decimal | str | None] = [part for row in rows for part in row]
    params += [stat_return.pk, connection.ops.adapt_datetimefield_value(at), by.pk]
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH changed (id, value, comment) AS (VALUES {listed}) "  # noqa: S608
            f"UPDATE {table} SET value = changed.value, comment = changed.comment, "
            f"stat_return_id = %s, updated_at = %s, updated_by_id = %s "
            f"FROM changed WHERE {table}.id = changed.id",
            params,
        )


def _json(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"


@transaction.atomic
def return_values_store(
    *, actor: User, stat_return: StatReturn, entries: Mapping[str, Entry], via: str = "web"
) -> CheckResult:
    """Store entered values (web form, API): all of them, or none when a check blocks."""
    stat_return = _locked(stat_return)
    _require_editable(actor, stat_return)
    elements = form_elements(stat_return.form)
    result = check(stat_return=stat_return, entries=entries, elements=elements)
    if not result.can_store:
        raise problems_error(blocking(result.problems))
    return _store(actor=actor, stat_return=stat_return, result=result, via=via, elements=elements)


def _upload_limit() -> int:
    return settings.REPORTING_UPLOAD_MAX_MB * 1024 * 1024


def _parse_for(
    stat_return: StatReturn,
    handle: IO[bytes],
    *,
    name: str,
    size: int,
    elements: list[DataElement],
):
    parsed = importers.read_return(
        handle,
        name=name,
        size=size,
        max_bytes=_upload_limit(),
        elements=elements,
        region_code=stat_return.region.code,
    )
    extra = list(parsed.problems)
    if parsed.region_code and parsed.region_code != stat_return.region.code:
        extra.append(
            Problem(
                _("This workbook is for region %(code)s, not %(region)s (%(own)s).")
                % {
                    "code": parsed.region_code,
                    "region": stat_return.region.name,
                    "own": stat_return.region.code,
                },
                sheet=importers.layout.SHEET,
                cell=_("region code"),
            )
        )
    if parsed.period and parsed.period != stat_return.period:
        extra.append(
            Problem(
                _("This workbook is for %(period)s, not %(own)s.")
                % {"period": parsed.period, "own": stat_return.period},
                sheet=importers.layout.SHEET,
                cell=_("period"),
            )
        )
    return parsed, extra


@transaction.atomic
def return_upload_check(
    *, actor: User, stat_return: StatReturn, handle: IO[bytes], name: str, size: int
) -> CheckResult:
    """Dry run of an uploaded workbook. Keeps the file with the return (to apply it after the
    user confirms, and as the original); stores no value."""
    stat_return = _locked(stat_return)
    _require_editable(actor, stat_return)
    handle.seek(0)
    elements = form_elements(stat_return.form)
    with uploads.on_field("file"):
        parsed, extra = _parse_for(stat_return, handle, name=name, size=size, elements=elements)
    result = check(stat_return=stat_return, entries=parsed.entries, extra=extra, elements=elements)
    handle.seek(0)
    content = handle.read()
    upload = ReturnUpload(
        stat_return=stat_return,
        original_name=name[:200],
        size=size,
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=actor,
        problem_count=len(result.problems),
    )
    upload.file.save(uploads.stored_name("xlsx"), ContentFile(content), save=False)
    upload.save()
    result.upload = upload
    audit_record(
        actor=actor,
        event=events.UPLOAD_CHECK,
        target=stat_return,
        after={"file": name, "problems": len(result.problems), "changes": len(result.changes)},
    )
    return result


@marks_failure(ReturnUpload, "upload")
@transaction.atomic
def return_upload_apply(*, actor: User, upload: ReturnUpload) -> CheckResult:
    """Store a checked workbook's values, all in one transaction or none (a failure marks the
    upload failed with the reason). The checks run again: the stored figures may have changed
    since the dry run."""
    stat_return = _locked(upload.stat_return)
    _require_editable(actor, stat_return)
    # Read under the return's lock: the same workbook applied twice at once is applied once.
    upload = ReturnUpload.objects.get(pk=upload.pk, stat_return=stat_return)
    if upload.applied_at is not None:
        raise ValidationError(_("This workbook has already been applied."), code="applied")
    elements = form_elements(stat_return.form)
    with upload.file.open("rb") as handle:
        parsed, extra = _parse_for(
            stat_return, handle, name=upload.original_name, size=upload.file.size,
            elements=elements,
        )  # fmt: skip
    result = check(stat_return=stat_return, entries=parsed.entries, extra=extra, elements=elements)
    if not result.can_store:
        raise problems_error(blocking(result.problems))
    _store(actor=actor, stat_return=stat_return, result=result, via="excel", elements=elements)
    upload.applied_at, upload.failed_at, upload.failure = timezone.now(), None, ""
    upload.save(update_fields=["applied_at", "failed_at", "failure"])
    result.upload = upload
    return result


# Transitions ----------------------------------------------------------------------------------


def _agency_users(region: Region):
    return User.objects.filter(
        role=Role.CITY_AGENCY, is_active=True, region__path__in=_ancestor_paths(region)
    )


def _ancestor_paths(region: Region) -> list[str]:
    parts = region.path.strip("/").split("/")
    return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def _reviewers():
    return User.objects.filter(role=Role.REVIEWER, is_active=True)


def _apply(
    *,
    actor: User,
    stat_return: StatReturn,
    action: str,
    reason: str = "",
    automatic: bool = False,
) -> StatReturn:
    changes = {}
    if RETURN.transition(action).target == S.APPROVED:
        changes["snapshot"] = _approved_values(stat_return)
    engine.apply(RETURN, actor=actor, obj=stat_return, action=action, reason=reason,
                 changes=changes, automatic=automatic)  # fmt: skip
    return stat_return


def _approved_values(stat_return: StatReturn) -> dict[str, dict[str, str | None]]:
    """The values as approved, kept with the version: what dashboards count, and what stays
    readable after a correction changes the live values."""
    return {
        code: {"value": _json(v.value), "comment": v.comment}
        for code, v in current_values(stat_return).items()
    }


def _recompute(stat_return: StatReturn) -> None:
    """After an approval commits: the region's indicators from that quarter on."""
    from reporting import tasks

    tasks.recompute_progress.delay(
        region_id=stat_return.region_id, since=stat_return.period, statistics_only=True
    )


def _describe(stat_return: StatReturn) -> str:
    return _("Statistics return %(name)s") % {"name": stat_return}


def _not_current(stat_return: StatReturn) -> str:
    if stat_return.is_current:
        return ""
    return _("Version %(version)d of %(name)s has been replaced by a correction.") % {
        "version": stat_return.version,
        "name": stat_return,
    }


def _to_agency(stat_return: StatReturn):
    return _agency_users(stat_return.region)


def _to_reviewers(stat_return: StatReturn):
    return _reviewers()


_DECIDED = (("decided_at", engine.NOW), ("decided_by", engine.ACTOR), ("reason", engine.REASON))

RETURN = Workflow(
    name="reporting.return",
    model=StatReturn,
    view_permission="reporting.return.view",
    guard=_not_current,
    describe=_describe,
    url=lambda stat_return: reverse("reporting:return_detail", args=[stat_return.pk]),
    reason_prompt=gettext_lazy("Give a reason: the city agency will read it."),
    transitions=(
        Transition(
            action="submit", sources=frozenset({S.DRAFT, S.RETURNED}), target=S.SUBMITTED,
            permission="reporting.return.edit", label=gettext_lazy("Submit"),
            event=events.RETURN_SUBMIT, notify=_to_reviewers,
            stamps=(("submitted_at", engine.NOW), ("submitted_by", engine.ACTOR)),
        ),
        Transition(
            action="approve", sources=frozenset({S.SUBMITTED}), target=S.APPROVED,
            permission="reporting.return.decide",
            label=pgettext_lazy("statistics return", "Approve"),
            event=events.RETURN_APPROVE, notify=_to_agency, stamps=_DECIDED,
            after_commit=(_recompute,),
        ),
        Transition(
            action="auto_approve", sources=frozenset({S.SUBMITTED}), target=S.APPROVED,
            automatic=True, label=gettext_lazy("Approved without review"),
            event=events.RETURN_AUTO_APPROVE, notify=_to_agency, stamps=_DECIDED,
            after_commit=(_recompute,),
        ),
        Transition(
            action="send_back", sources=frozenset({S.SUBMITTED}), target=S.RETURNED,
            permission="reporting.return.decide", label=gettext_lazy("Return for correction"),
            event=events.RETURN_SEND_BACK, notify=_to_agency, stamps=_DECIDED,
            reason_required=True,
        ),
    ),
)  # fmt: skip
TRANSITIONS = RETURN.by_action


@transaction.atomic
def return_submit(*, actor: User, stat_return: StatReturn) -> StatReturn:
    """Submit: every figure present, no blocking problem. A form that needs no approval is
    approved at once."""
    stat_return = _locked(stat_return)
    _require_editable(actor, stat_return)
    problems = check_entries(
        elements=form_elements(stat_return.form),
        entries=stored_entries(stat_return),
        previous=previous_values(region=stat_return.region, period=stat_return.period),
        rules=active_rules(),
        require_all=True,
    )
    if blocking(problems):
        raise problems_error(blocking(problems))
    stat_return = _apply(actor=actor, stat_return=stat_return, action="submit")
    if not stat_return.form.needs_approval:
        stat_return = _apply(
            actor=actor,
            stat_return=stat_return,
            action="auto_approve",
            reason=_("The form needs no approval."),
            automatic=True,
        )
    return stat_return


@transaction.atomic
def return_approve(*, actor: User, stat_return: StatReturn) -> StatReturn:
    """Approve and lock; progress is recomputed by a worker after commit."""
    return _apply(actor=actor, stat_return=_locked(stat_return), action="approve")


@transaction.atomic
def return_send_back(*, actor: User, stat_return: StatReturn, reason: str) -> StatReturn:
    return _apply(actor=actor, stat_return=_locked(stat_return), action="send_back", reason=reason)


@transaction.atomic
def return_correct(*, actor: User, stat_return: StatReturn, reason: str) -> StatReturn:
    """Open version n + 1 of an approved return. The approved version stays readable and keeps
    feeding the dashboards until the correction is approved."""
    stat_return = _locked(stat_return)
    if stat_return.status != S.APPROVED or not stat_return.is_current:
        raise ValidationError(
            _("Only the current, approved version of a return is corrected; this one is %(s)s.")
            % {"s": stat_return.get_status_display()},
            code="invalid_transition",
        )
    permissions.require(actor, "reporting.return.correct", stat_return)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the approved figures need a correction.")})
    stat_return.is_current = False
    stat_return.save(update_fields=["is_current"])
    correction = StatReturn.objects.create(
        form=stat_return.form,
        region=stat_return.region,
        period=stat_return.period,
        version=stat_return.version + 1,
        correction_reason=reason,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        event=events.RETURN_CORRECT,
        target=correction,
        before={"version": stat_return.version},
        after={"version": correction.version},
        reason=reason,
    )
    notify(
        event=events.RETURN_CORRECT,
        recipients=_reviewers()
        if actor.role != Role.REVIEWER
        else _agency_users(correction.region),
        title=_("Correction opened: %(name)s") % {"name": correction},
        body=reason,
        url=reverse("reporting:return_detail", args=[correction.pk]),
    )
    return correction
