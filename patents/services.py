"""Writes of the patent pool: import a list (dry run, then all or nothing), screen patents.

Each is one atomic, permission-checked, audited function. An import is idempotent: a number
already in the pool is updated, never duplicated, and its screening is kept.
"""

import hashlib
from dataclasses import dataclass, field
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from patents import importers, matching
from patents.models import INTENSIVE_INDUSTRIES, Feedback, Match, Patent, PatentImport, TechNeed
from portal import permissions
from portal.models import Organisation, Role, User
from portal.problems import Problem, blocking, problems_error
from portal.services import audit_record, notify

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
    """UPDATE … WHERE id = %s, executed many times in one statement batch.

    bulk_update() builds one CASE WHEN per column per batch, which grows quadratically with the
    batch and took minutes for 100,000 rows on SQLite; executemany() takes seconds on both
    SQLite and PostgreSQL (psycopg pipelines it).
    """
    if not changed:
        return
    fields = [Patent._meta.get_field(name) for name in (*IMPORTED_FIELDS, "updated_at")]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = f"UPDATE {quote(Patent._meta.db_table)} SET {assignments} WHERE {quote('id')} = %s"  # noqa: S608 (column names from the model)
    params = [
        [
            *(f.get_db_prep_value(values[f.name], connection) for f in fields[:-1]),
            fields[-1].get_db_prep_value(now, connection),
            pk,
        ]
        for pk, values in changed
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(params), LOOKUP_CHUNK):
            cursor.executemany(sql, params[start : start + LOOKUP_CHUNK])


def _check(owner: Organisation, handle: IO[bytes], *, name: str, size: int):
    parsed = importers.read_patents(handle, name=name, size=size, max_bytes=_max_bytes())
    existing = _existing([row["number"] for row in parsed.rows])
    problems = list(parsed.problems)
    good = []
    for row in parsed.rows:
        found = existing.get(row["number"])
        if found is not None and found[1] != owner.pk:
            problems.append(
                Problem(
                    _("%(number)s is already in another organisation's pool.")
                    % {"number": row["number"]},
                    sheet=importers.SHEET,
                    cell=f"A{row['_row']}",
                )
            )
            continue
        good.append(row)
    problems.sort(key=lambda p: (int("".join(c for c in p.cell if c.isdigit()) or 0), p.cell))
    return parsed, good, existing, problems


def _changed(row: dict, existing: dict) -> bool:
    found = existing.get(row["number"])
    return found is not None and found[2] != tuple(row[name] for name in IMPORTED_FIELDS)


@transaction.atomic
def patent_import_check(
    *, actor: User, owner: Organisation, handle: IO[bytes], name: str, size: int
) -> ImportResult:
    """Dry run: every bad row with its cell and reason, and how many patents would be created or
    updated. Keeps the file (to apply it once the user confirms); stores no patent."""
    permissions.require(actor, "patent.pool.manage", owner)
    handle.seek(0)
    parsed, good, existing, problems = _check(owner, handle, name=name, size=size)
    handle.seek(0)
    content = handle.read()
    patent_import = PatentImport(
        owner=owner,
        original_name=name[:200],
        uploaded_by=actor,
        rows=parsed.total,
        problem_count=len(problems),
        created=sum(1 for row in good if row["number"] not in existing),
        updated=sum(1 for row in good if _changed(row, existing)),
    )
    digest = hashlib.sha256(content).hexdigest()[:12]
    suffix = ".csv" if name.lower().endswith(".csv") else ".xlsx"
    patent_import.file.save(f"{owner.pk}-{digest}{suffix}", ContentFile(content), save=False)
    patent_import.save()
    audit_record(
        actor=actor,
        event="patent.import.check",
        target=patent_import,
        after={"rows": parsed.total, "problems": len(problems)},
    )
    return ImportResult(
        problems=problems,
        total=parsed.total,
        to_create=patent_import.created,
        to_update=patent_import.updated,
        patent_import=patent_import,
    )


@transaction.atomic
def patent_import_apply(*, actor: User, patent_import: PatentImport) -> ImportResult:
    """Store every good row of a checked list in one transaction (a failure stores none); the
    bad rows the dry run listed are skipped. The checks run again: the pool may have changed
    since the dry run."""
    patent_import = PatentImport.objects.select_for_update().get(pk=patent_import.pk)
    owner = patent_import.owner
    permissions.require(actor, "patent.pool.manage", owner)
    if patent_import.applied_at is not None:
        raise ValidationError(_("This list has already been imported."), code="applied")
    with patent_import.file.open("rb") as handle:
        parsed, good, existing, problems = _check(
            owner, handle, name=patent_import.original_name, size=patent_import.file.size
        )
    if not good:
        raise problems_error(blocking(problems) or [Problem(_("The list holds no patent."))])
    new, changed = [], []
    for row in good:
        values = {name: row[name] for name in IMPORTED_FIELDS}
        found = existing.get(row["number"])
        if found is None:
            new.append(Patent(number=row["number"], owner=owner, **values))
        elif _changed(row, existing):
            changed.append((found[0], values))
    Patent.objects.bulk_create(new, batch_size=2000)
    now = timezone.now()
    _update_rows(changed, now)
    patent_import.applied_at = now
    patent_import.created, patent_import.updated = len(new), len(changed)
    patent_import.save(update_fields=["applied_at", "created", "updated"])
    if new or changed:
        from patents import tasks

        transaction.on_commit(lambda: tasks.match_needs.delay())
    audit_record(
        actor=actor,
        event="patent.import.apply",
        target=patent_import,
        after={"created": len(new), "updated": len(changed)},
    )
    return ImportResult(
        problems=problems,
        total=parsed.total,
        to_create=len(new),
        to_update=len(changed),
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
        event="patent.screen",
        target=patent,
        before=before,
        after={"tier": tier, "industry": industry, "note": patent.screen_note},
    )
    return patent


# Technology needs and matching ---------------------------------------------------------------

NEED_FIELDS = ("title", "description", "industry", "ipc", "budget_min", "budget_max", "cooperation")


@transaction.atomic
def need_create(*, actor: User, data: dict) -> TechNeed:
    """An enterprise posts a need; a worker matches it against the pool after commit."""
    from patents import tasks

    permissions.require(actor, "patent.need.manage")
    if (
        data.get("budget_min")
        and data.get("budget_max")
        and data["budget_min"] > data["budget_max"]
    ):
        raise ValidationError({"budget_max": _("The upper budget is below the lower one.")})
    need = TechNeed(organisation=actor.organisation, created_by=actor,
                    **{name: data.get(name) or TechNeed._meta.get_field(name).get_default()
                       for name in NEED_FIELDS})  # fmt: skip
    need.full_clean()
    need.save()
    audit_record(actor=actor, event="patent.need.create", target=need)
    transaction.on_commit(lambda: tasks.match_need.delay(need.pk))
    return need


def _pool_documents() -> list[matching.Document]:
    pool = Patent.objects.filter(status=Patent.Status.VALID, converted=False).values_list(
        "pk", "title", "abstract", "industry", "ipc"
    )
    return [matching.document(pk, title, abstract, industry, ipc)
            for pk, title, abstract, industry, ipc in pool]  # fmt: skip


def _need_document(need: TechNeed) -> matching.Document:
    return matching.document(need.pk, need.title, need.description, need.industry, need.ipc)


def needs_match(*, need_ids: list[int] | None = None) -> int:
    """Match open needs (all, or these) against the pool and store the suggestions; the
    enterprise is told of suggestions it has not seen. Idempotent: a pair already suggested
    keeps its push time. Returns how many suggestions are new."""
    needs = TechNeed.objects.filter(is_open=True).select_related("organisation")
    if need_ids is not None:
        needs = needs.filter(pk__in=need_ids)
    needs = list(needs)
    if not needs:
        return 0
    patents = _pool_documents()
    documents = {need.pk: _need_document(need) for need in needs}
    # IDF over the pool and every open need, so a need's rare words weigh as they should.
    matching.weigh([*patents, *documents.values()])
    now = timezone.now()
    new_total = 0
    for need in needs:
        suggestions = matching.best(documents[need.pk], patents)
        with transaction.atomic():
            kept = {m.patent_id: m for m in Match.objects.select_for_update().filter(need=need)}
            Match.objects.filter(need=need).exclude(
                patent_id__in=[s.patent for s in suggestions]
            ).delete()
            fresh = []
            for rank, suggestion in enumerate(suggestions, start=1):
                values = {
                    "rank": rank,
                    "score": suggestion.score,
                    "shared_terms": list(suggestion.shared_terms),
                    "same_industry": suggestion.same_industry,
                    "ipc_overlap": suggestion.ipc_overlap,
                    "computed_at": now,
                }
                if suggestion.patent in kept:
                    Match.objects.filter(pk=kept[suggestion.patent].pk).update(**values)
                else:
                    fresh.append(Match(need=need, patent_id=suggestion.patent, **values))
            Match.objects.bulk_create(fresh)
            need.matched_at = now
            need.save(update_fields=["matched_at"])
            if fresh:
                Match.objects.filter(pk__in=[m.pk for m in fresh]).update(notified_at=now)
                notify(
                    event="patent.match.new",
                    recipients=User.objects.filter(
                        organisation_id=need.organisation_id, role=Role.APPLICANT, is_active=True
                    ),
                    title=_("%(count)d new patents suggested for “%(need)s”")
                    % {"count": len(fresh), "need": need.title},
                    url=reverse("patents:need_detail", args=[need.pk]),
                )
            new_total += len(fresh)
    return new_total


# Feedback and re-tiering ---------------------------------------------------------------------


def tier_from_feedback(ratings: list[int], wants: int) -> str | None:
    """The market-potential tier enterprises' feedback gives a patent (the one rule, here):

    - A (high): a mean rating of at least 4, or any enterprise wanting to cooperate with a mean
      of at least 3.5;
    - B (medium): a mean of at least 2.5;
    - C (low): below that.
    No feedback leaves the university's own screening as it is (None).
    """
    if not ratings:
        return None
    mean = sum(ratings) / len(ratings)
    if mean >= 4 or (wants and mean >= 3.5):
        return Patent.Tier.A
    if mean >= 2.5:
        return Patent.Tier.B
    return Patent.Tier.C


@transaction.atomic
def feedback_give(
    *, actor: User, match: Match, rating: int, improvements: str = "", wants_cooperation: bool
) -> Feedback:
    """An enterprise rates a patent suggested for its need; the patent is re-tiered from all
    its feedback and its owner is told."""
    match = Match.objects.select_related("need", "patent__owner").get(pk=match.pk)
    permissions.require(actor, "patent.feedback.give", match)
    if not 1 <= int(rating) <= 5:
        raise ValidationError({"rating": _("Rate the prospect from 1 to 5.")})
    feedback, _created = Feedback.objects.update_or_create(
        match=match,
        defaults={
            "rating": int(rating),
            "improvements": improvements.strip(),
            "wants_cooperation": wants_cooperation,
            "given_by": actor,
        },
    )
    patent = Patent.objects.select_for_update().get(pk=match.patent_id)
    all_feedback = Feedback.objects.filter(match__patent=patent)
    ratings = list(all_feedback.values_list("rating", flat=True))
    wants = all_feedback.filter(wants_cooperation=True).count()
    tier = tier_from_feedback(ratings, wants)
    before = patent.tier
    if tier is not None and tier != patent.tier:
        patent.tier = tier
        patent.save(update_fields=["tier", "updated_at"])
    audit_record(
        actor=actor,
        event="patent.feedback",
        target=patent,
        before={"tier": before},
        after={"tier": patent.tier, "rating": int(rating), "wants": wants_cooperation},
    )
    notify(
        event="patent.feedback",
        recipients=User.objects.filter(
            organisation_id=patent.owner_id, role=Role.APPLICANT, is_active=True
        ),
        title=_("Feedback on %(number)s: %(rating)d/5")
        % {"number": patent.number, "rating": int(rating)},
        body=improvements.strip(),
        url=reverse("patents:pool") + f"?q={patent.number}",
    )
    return feedback
