"""Entering a return's values (web form, workbook, API): checked, then stored all or nothing, each
change with its history. Each write is one atomic, permission-checked, audited function."""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import formats, uploads
from portal.imports import marks_failure
from portal.models import User
from portal.services import audit_record
from reporting import events, importers
from reporting.models import (
    DataElement,
    DataValue,
    DataValueHistory,
    ReturnUpload,
    StatReturn,
)
from reporting.selectors import (
    ENTRY_METHODS,
    active_rules,
    form_elements,
    stored_figures,
)
from reporting.services.returns import _json, _locked, _require_editable
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
    names = {e.code: e for e in elements}
    # Rules see the figures as they will be: stored ones, overridden by what is entered now.
    # A stored figure's place is its element, named as the city knows it.
    merged = {code: Entry(code=code, value=row.value, comment=row.comment,
                          cell=names[code].name if code in names else code)
              for code, row in stored.items()}  # fmt: skip
    merged.update({code: entry for code, entry in entries.items() if entry.value is not None})
    problems += check_entries(
        elements=elements, entries=merged, previous=previous, rules=active_rules()
    )
    problems.sort(key=_reading_order)
    result = CheckResult(problems=problems)
    result.stored = {code: row.pk for code, row in stored.items()}
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
            % {"count": len(result.changes), "via": ENTRY_METHODS.get(via, via)},
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
                % {
                    "period": formats.period(parsed.period),
                    "own": formats.period(stat_return.period),
                },
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
