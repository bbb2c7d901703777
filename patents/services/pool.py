"""The pool itself: an owner's patent list imported (dry run, then all or nothing; a
re-import updates by number) and patents screened.

Each is one atomic, permission-checked, audited function. An import is idempotent: a number
already in the pool is updated, never duplicated, and its screening is kept.
"""

from dataclasses import dataclass, field
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from patents import events, importers
from patents.models import (
    INTENSIVE_INDUSTRIES,
    Patent,
    PatentImport,
)
from patents.workflow import PATENT_IMPORT
from portal import permissions, uploads
from portal import workflow as engine
from portal.imports import marks_failure
from portal.models import Organisation, User
from portal.problems import Problem, blocking, problems_error
from portal.services import audit_record

IMPORTED_FIELDS = (
    "title", "abstract", "kind", "ipc", "inventors", "filed_on", "granted_on", "status",
    "state_funded", "funding_project", "converted", "foreign_family", "award",
)  # fmt: skip
LOOKUP_CHUNK = 5000


@dataclass
class ImportResult:
    problems: list[Problem] = field(default_factory=list)
    total: int = 0
    to_create: int = 0
    to_update: int = 0
    patent_import: PatentImport | None = None

    @property
    def can_apply(self) -> bool:
        return (self.to_create + self.to_update) > 0

    @property
    def bad_rows(self) -> int:
        return len({"".join(c for c in p.cell if c.isdigit()) for p in blocking(self.problems)})

    def as_dict(self) -> dict:
        return {
            "can_apply": self.can_apply,
            "rows": self.total,
            "create": self.to_create,
            "update": self.to_update,
            "problems": [p.as_dict() for p in self.problems],
            "import": self.patent_import.pk if self.patent_import else None,
        }


def _max_bytes() -> int:
    return settings.PATENT_IMPORT_MAX_MB * 1024 * 1024


def _existing(numbers: list[str]) -> dict[str, tuple[int, int, tuple]]:
    """number → (pk, owner id, imported values) for the numbers already in the pool."""
    found: dict[str, tuple[int, int, tuple]] = {}
    for start in range(0, len(numbers), LOOKUP_CHUNK):
        chunk = numbers[start : start + LOOKUP_CHUNK]
        for pk, number, owner_id, *values in Patent.objects.filter(number__in=chunk).values_list(
            "pk", "number", "owner_id", *IMPORTED_FIELDS
        ):
            found[number] = (pk, owner_id, tuple(values))
    return found


def _update_rows(changed: list[tuple[int, dict]], now) -> None:
    """The imported fields of changed patents, and their `updated_at`."""
    _update_by_pk(
        Patent,
        (*IMPORTED_FIELDS, "updated_at"),
        [(pk, {**values, "updated_at": now}) for pk, values in changed],
    )


def _update_by_pk(model, names, rows: list[tuple[int, dict]]) -> None:
    """UPDATE … SET these columns WHERE id = %s, executed many times in one statement batch.

    bulk_update() builds one CASE WHEN per column per batch, which grows quadratically with the
    batch and took minutes for 100,000 rows on SQLite; executemany() takes seconds on both
    SQLite and PostgreSQL (psycopg pipelines it).
    """
    if not rows:
        return
    fields = [model._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote('id')} = %s"  # noqa: S608 (column names from the model)
    params = [
        [*(f.get_db_prep_save(values[f.name], connection) for f in fields), pk]
        for pk, values in rows
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(params), LOOKUP_CHUNK):
            cursor.executemany(sql, params[start : start + LOOKUP_CHUNK])


@dataclass
class _Checked:
    total: int
    good: int  # rows neither bad nor refused: new, changed or the same as in the pool
    problems: list[Problem]
    to_create: int
    to_update: int


def _check(owner: Organisation, handle: IO[bytes], *, name: str, size: int, store=None):
    """Read a list chunk by chunk against the pool: a number in another organisation's pool is
    a problem; the others are new, changed or the same. `store(new, changed)` (when applying)
    writes each chunk's new rows and changed ones before the next is read, so a list of 100,000
    patents never sits in memory. Returns the counts and every problem, in row order."""
    listing = importers.open_patents(handle, name=name, size=size, max_bytes=_max_bytes())
    refused: list[Problem] = []
    to_create = to_update = read = 0
    for chunk in _chunks(listing, LOOKUP_CHUNK):
        existing = _existing([row["number"] for row in chunk])
        new, changed = [], []
        for row in chunk:
            found = existing.get(row["number"])
            if found is None:
                new.append(row)
            elif found[1] != owner.pk:
                refused.append(
                    Problem(
                        _("%(number)s is already in another organisation's pool.")
                        % {"number": row["number"]},
                        sheet=importers.SHEET,
                        cell=f"A{row['_row']}",
                    )
                )
            elif found[2] != tuple(row[name] for name in IMPORTED_FIELDS):
                changed.append((found[0], row))
        to_create, to_update, read = (
            to_create + len(new),
            to_update + len(changed),
            read + len(chunk),
        )
        if store is not None:
            store(new, changed)
    problems = listing.problems + refused
    problems.sort(key=lambda p: (int("".join(c for c in p.cell if c.isdigit()) or 0), p.cell))
    return _Checked(listing.total, read - len(refused), problems, to_create, to_update)


def _chunks(rows, size: int):
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@transaction.atomic
def patent_import_check(
    *, actor: User, owner: Organisation, handle: IO[bytes], name: str, size: int
) -> ImportResult:
    """Dry run: every bad row with its cell and reason, and how many patents would be created or
    updated. Keeps the file (to apply it once the user confirms); stores no patent."""
    permissions.require(actor, "patent.pool.manage", owner)
    handle.seek(0)
    with uploads.on_field("file"):
        checked = _check(owner, handle, name=name, size=size)
    patent_import = PatentImport(
        owner=owner,
        original_name=name[:200],
        uploaded_by=actor,
        rows=checked.total,
        problem_count=len(checked.problems),
        created=checked.to_create,
        updated=checked.to_update,
    )
    kind = uploads.sniff(handle, text=True) or "xlsx"
    patent_import.file.save(uploads.stored_name(kind), File(handle), save=False)
    patent_import.save()
    audit_record(
        actor=actor,
        event=events.IMPORT_CHECK,
        target=patent_import,
        after={"rows": checked.total, "problems": len(checked.problems)},
    )
    return ImportResult(
        problems=checked.problems,
        total=checked.total,
        to_create=patent_import.created,
        to_update=patent_import.updated,
        patent_import=patent_import,
    )


@marks_failure(PatentImport, "patent_import")
@transaction.atomic
def patent_import_apply(*, actor: User, patent_import: PatentImport) -> ImportResult:
    """Store every good row of a checked list in one transaction (a failure stores none, and
    the import is marked failed with the reason); the bad rows the dry run listed are skipped.
    The checks run again: the pool may have changed since the dry run. The list is read and
    stored a chunk at a time."""
    patent_import = PatentImport.objects.select_for_update().get(pk=patent_import.pk)
    owner = patent_import.owner
    permissions.require(actor, "patent.import.apply", patent_import)
    if patent_import.status == PatentImport.Status.APPLIED:
        raise ValidationError(_("This list has already been imported."), code="applied")
    now = timezone.now()

    def store(new: list[dict], changed: list[tuple[int, dict]]) -> None:
        Patent.objects.bulk_create(
            [Patent(number=row["number"], owner=owner,
                    **{name: row[name] for name in IMPORTED_FIELDS}) for row in new],
            batch_size=2000,
        )  # fmt: skip
        _update_rows([(pk, {name: row[name] for name in IMPORTED_FIELDS}) for pk, row in changed],
                     now)  # fmt: skip

    with patent_import.file.open("rb") as handle:
        checked = _check(
            owner, handle, name=patent_import.original_name, size=patent_import.file.size,
            store=store,
        )  # fmt: skip
    if not checked.good:
        raise problems_error(
            blocking(checked.problems) or [Problem(_("The list holds no patent."))]
        )
    engine.apply(
        PATENT_IMPORT, actor=actor, obj=patent_import, action="apply",
        changes={"applied_at": now, "created": checked.to_create, "updated": checked.to_update},
    )  # fmt: skip
    if checked.to_create or checked.to_update:
        from patents import tasks

        transaction.on_commit(lambda: tasks.match_needs.delay())
    return ImportResult(
        problems=checked.problems,
        total=checked.total,
        to_create=checked.to_create,
        to_update=checked.to_update,
        patent_import=patent_import,
    )


@transaction.atomic
def patent_screen(
    *, actor: User, patent: Patent, tier: str, industry: str, note: str = ""
) -> Patent:
    """Inventory (盘点): mark an unconverted valid patent as screened with a market-potential
    tier and an industry sub-field (陕政办发〔2024〕11号 (一))."""
    patent = Patent.objects.select_for_update().select_related("owner").get(pk=patent.pk)
    if not patent.is_unconverted_valid:
        raise ValidationError(
            _("Only unconverted valid patents are screened; %(number)s is %(status)s.")
            % {"number": patent.number, "status": patent.get_status_display()},
            code="not_screenable",
        )
    permissions.require(actor, "patent.screen", patent)
    errors = {}
    if tier not in Patent.Tier.values:
        errors["tier"] = _("Choose a tier: A, B or C.")
    if industry not in dict(INTENSIVE_INDUSTRIES):
        errors["industry"] = _("Choose the industry sub-field.")
    if errors:
        raise ValidationError(errors)
    before = {"tier": patent.tier, "industry": patent.industry, "note": patent.screen_note}
    patent.tier, patent.industry, patent.screen_note = tier, industry, note.strip()[:500]
    patent.screened_at, patent.screened_by = timezone.now(), actor
    patent.save(
        update_fields=[
            "tier",
            "industry",
            "screen_note",
            "screened_at",
            "screened_by",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        event=events.SCREEN,
        target=patent,
        before=before,
        after={"tier": tier, "industry": industry, "note": patent.screen_note},
    )
    return patent
