"""Writes of the patent pool: import a list (dry run, then all or nothing), screen patents.

Each is one atomic, permission-checked, audited function. An import is idempotent: a number
already in the pool is updated, never duplicated, and its screening is kept.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from patents import importers, matching
from patents.models import (
    INTENSIVE_INDUSTRIES,
    Conversion,
    Feedback,
    Match,
    Patent,
    PatentImport,
    Push,
    TechNeed,
)
from portal import permissions, uploads
from portal.imports import marks_failure
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
        event="patent.import.check",
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
    permissions.require(actor, "patent.pool.manage", owner)
    if patent_import.applied_at is not None:
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
    patent_import.applied_at = now
    patent_import.created, patent_import.updated = checked.to_create, checked.to_update
    patent_import.failed_at, patent_import.failure = None, ""
    patent_import.save(update_fields=["applied_at", "created", "updated", "failed_at", "failure"])
    if checked.to_create or checked.to_update:
        from patents import tasks

        transaction.on_commit(lambda: tasks.match_needs.delay())
    audit_record(
        actor=actor,
        event="patent.import.apply",
        target=patent_import,
        after={"created": checked.to_create, "updated": checked.to_update},
    )
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


def _need_document(need: TechNeed) -> matching.Document:
    return matching.document(need.pk, need.title, need.description, need.industry, need.ipc)


MATCH_STORE_CHUNK = 250  # needs whose suggestions are stored in one transaction
MATCH_VALUES = ("rank", "score", "shared_terms", "same_industry", "ipc_overlap")


def needs_match(*, need_ids: list[int] | None = None, full: bool = False) -> int:
    """Match open needs (all, or these) against the pool and store the suggestions; the
    enterprise is told of suggestions it has not seen. Idempotent: a pair already suggested
    keeps its push time. Returns how many suggestions are new.

    The pool's index (patents.pool_index) is brought up to date first (`full`: comparing every
    patent's stamp, as the nightly run does); every need is scored in one vectorised pass, then
    the suggestions are written a few hundred needs per transaction, in bulk."""
    needs = TechNeed.objects.filter(is_open=True).order_by("pk")
    if need_ids is not None:
        needs = needs.filter(pk__in=need_ids)
    needs = list(needs.only("pk", "organisation_id", "title", "description", "industry", "ipc"))
    if not needs:
        return 0
    from patents import pool_index

    pool = pool_index.current(full=full)
    # IDF over the pool and every need of the run, so a need's rare words weigh as they should.
    found = matching.rank(pool, [_need_document(need) for need in needs])
    now = timezone.now()
    return sum(
        _suggestions_store(needs[start : start + MATCH_STORE_CHUNK], found, now)
        for start in range(0, len(needs), MATCH_STORE_CHUNK)
    )


def _match_values(rank: int, suggestion: matching.Suggestion) -> tuple:
    return (
        rank,
        Decimal(f"{suggestion.score:.4f}"),
        list(suggestion.shared_terms),
        suggestion.same_industry,
        suggestion.ipc_overlap,
    )


@transaction.atomic
def _suggestions_store(needs: list[TechNeed], found: dict, now) -> int:
    """Store the suggestions of these needs: new pairs inserted (and pushed), pairs still
    suggested updated where they changed, pairs no longer suggested deleted."""
    ids = [need.pk for need in needs]
    # Lock the needs: two runs at once (a redelivered task and the nightly one) would
    # otherwise both find a pair new, insert it twice and tell the enterprise twice.
    list(TechNeed.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))
    kept = {
        (need_id, patent_id): (pk, values)
        for pk, need_id, patent_id, *values in Match.objects.filter(need_id__in=ids).values_list(
            "pk", "need_id", "patent_id", *MATCH_VALUES
        )
    }
    fresh, changed, wanted = [], [], set()
    for need in needs:
        for rank, suggestion in enumerate(found.get(need.pk, []), start=1):
            values = _match_values(rank, suggestion)
            pair = (need.pk, suggestion.patent)
            wanted.add(pair)
            if pair not in kept:
                fresh.append(
                    Match(need_id=need.pk, patent_id=suggestion.patent, computed_at=now,
                          notified_at=now, **dict(zip(MATCH_VALUES, values, strict=True)))
                )  # fmt: skip
            elif tuple(kept[pair][1]) != values:
                changed.append((kept[pair][0], dict(zip(MATCH_VALUES, values, strict=True))))
    gone = [pk for pair, (pk, _values) in kept.items() if pair not in wanted]
    if gone:
        Match.objects.filter(pk__in=gone).delete()
    _update_by_pk(Match, MATCH_VALUES, changed)
    Match.objects.filter(need_id__in=ids).update(computed_at=now)
    Match.objects.bulk_create(fresh, batch_size=2000)
    TechNeed.objects.filter(pk__in=ids).update(matched_at=now)
    told = {match.need_id for match in fresh}
    if told:
        people: dict[int, list[User]] = {}
        for user in User.objects.filter(
            organisation_id__in={need.organisation_id for need in needs if need.pk in told},
            role=Role.APPLICANT,
            is_active=True,
        ):
            people.setdefault(user.organisation_id, []).append(user)
        count = Counter(match.need_id for match in fresh)
        for need in needs:
            if need.pk in told:
                notify(
                    event="patent.match.new",
                    recipients=people.get(need.organisation_id, []),
                    title=_("%(count)d new patents suggested for “%(need)s”")
                    % {"count": count[need.pk], "need": need.title},
                    url=reverse("patents:need_detail", args=[need.pk]),
                )
    return len(fresh)


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


# Conversions ---------------------------------------------------------------------------------

CONVERSION_FIELDS = (
    "counterparty", "counterparty_name", "project", "amount", "starts_on", "ends_on",
    "licence_kind", "via_open_licence", "fee_standard", "payment_method", "product", "sales",
    "contract_kind", "registration_number", "note",
)  # fmt: skip
# What each kind of event must state, besides its date.
CONVERSION_REQUIRED = {
    Conversion.Kind.TRANSFER: ("party",),
    Conversion.Kind.LICENCE: ("party", "licence_kind"),
    Conversion.Kind.OPEN_LICENCE: ("fee_standard", "payment_method", "ends_on"),
    Conversion.Kind.PLEDGE: ("party", "amount", "ends_on"),
    Conversion.Kind.PRODUCT_FILING: ("product",),
    Conversion.Kind.CONTRACT: ("contract_kind", "registration_number", "amount"),
    Conversion.Kind.USE_FIRST: ("party",),
}
EXCLUSIVE_KINDS = {Conversion.LicenceKind.EXCLUSIVE, Conversion.LicenceKind.SOLE}


def _overlaps(event: Conversion, starts_on, ends_on) -> bool:
    """Does the event's term (as it stands) meet [starts_on, ends_on] (ends_on None: open)?
    An event ended early is no longer in force from its `ended_on`."""
    last = event.ends_on
    if event.ended_on is not None:
        early = event.ended_on - timedelta(days=1)
        last = early if last is None else min(last, early)
    if last is not None and last < event.starts_on:
        return False
    return (ends_on is None or event.starts_on <= ends_on) and (last is None or last >= starts_on)


def _in_force(patent: Patent, kind: str, starts_on, ends_on, **filters) -> Conversion | None:
    """The first event of this kind on the patent whose term meets the given one."""
    for event in patent.conversions.filter(kind=kind, **filters).order_by("starts_on"):
        if _overlaps(event, starts_on, ends_on):
            return event
    return None


def _conversion_refusals(patent: Patent, kind: str, values: dict) -> dict[str, str]:
    """The legal checks of an event against the patent's other events (Patent Law 2020
    Art. 50–52; Implementing Rules 2023 Art. 85–88), field → message."""
    starts_on, ends_on = values["starts_on"], values.get("ends_on")
    errors: dict[str, str] = {}
    date_format = "%Y-%m-%d"
    if kind == Conversion.Kind.OPEN_LICENCE:
        if patent.granted_on is None or patent.status != Patent.Status.VALID:
            errors["kind"] = _(
                "Only a granted, valid patent can be offered under an open licence; "
                "%(number)s is %(status)s."
            ) % {
                "number": patent.number,
                "status": patent.get_status_display()
                if patent.status != Patent.Status.VALID
                else _("not granted"),
            }
            return errors
        exclusive = _in_force(
            patent, Conversion.Kind.LICENCE, starts_on, ends_on, licence_kind__in=EXCLUSIVE_KINDS
        )
        if exclusive is not None:
            errors["kind"] = _(
                "An open licence cannot be declared while the %(kind)s licence to %(party)s "
                "(from %(start)s) is in force."
            ) % {
                "kind": exclusive.get_licence_kind_display().lower(),
                "party": exclusive.party,
                "start": exclusive.starts_on.strftime(date_format),
            }
        pledge = _in_force(patent, Conversion.Kind.PLEDGE, starts_on, ends_on)
        if pledge is not None:
            errors["kind"] = _(
                "An open licence cannot be declared while the patent is pledged to %(party)s "
                "(from %(start)s); record the pledge's release first."
            ) % {"party": pledge.party, "start": pledge.starts_on.strftime(date_format)}
        declared = _in_force(patent, Conversion.Kind.OPEN_LICENCE, starts_on, ends_on)
        if declared is not None:
            errors["kind"] = _(
                "An open licence declaration (from %(start)s) is already in force."
            ) % {"start": declared.starts_on.strftime(date_format)}
    elif kind == Conversion.Kind.LICENCE:
        exclusive = _in_force(
            patent, Conversion.Kind.LICENCE, starts_on, ends_on, licence_kind__in=EXCLUSIVE_KINDS
        )
        if exclusive is not None:
            errors["licence_kind"] = _(
                "The %(kind)s licence to %(party)s (from %(start)s) is in force over this term; "
                "no other licence can be granted."
            ) % {
                "kind": exclusive.get_licence_kind_display().lower(),
                "party": exclusive.party,
                "start": exclusive.starts_on.strftime(date_format),
            }
        if values.get("licence_kind") in EXCLUSIVE_KINDS:
            declared = _in_force(patent, Conversion.Kind.OPEN_LICENCE, starts_on, ends_on)
            if declared is not None:
                errors["licence_kind"] = _(
                    "The patent is under an open licence declaration (from %(start)s); only "
                    "ordinary licences can be granted during it."
                ) % {"start": declared.starts_on.strftime(date_format)}
        if values.get("via_open_licence"):
            if values.get("licence_kind") != Conversion.LicenceKind.ORDINARY:
                errors["licence_kind"] = _("A licence under an open licence is ordinary.")
            elif _in_force(patent, Conversion.Kind.OPEN_LICENCE, starts_on, starts_on) is None:
                errors["via_open_licence"] = _(
                    "No open licence declaration is in force on %(date)s."
                ) % {"date": starts_on.strftime(date_format)}
    if kind == Conversion.Kind.TRANSFER and patent.status not in {
        Patent.Status.VALID,
        Patent.Status.PENDING,  # the right of a pending application can be transferred
    }:
        errors["kind"] = _("%(number)s is %(status)s and cannot be transferred.") % {
            "number": patent.number,
            "status": patent.get_status_display(),
        }
    return errors


@transaction.atomic
def conversion_record(*, actor: User, patent: Patent, kind: str, data: dict) -> Conversion:
    """Record a conversion event on one of the actor's organisation's patents. A transfer,
    licence, contract or use-first agreement marks the patent converted; the amounts feed the
    reporting indicators (after commit, through the audited event)."""
    patent = Patent.objects.select_for_update().select_related("owner").get(pk=patent.pk)
    permissions.require(actor, "patent.conversion.record", patent)
    if kind not in Conversion.Kind.values:
        raise ValidationError({"kind": _("Choose the kind of event.")})
    values = {name: data.get(name) for name in CONVERSION_FIELDS}
    for name in ("counterparty_name", "licence_kind", "fee_standard", "payment_method",
                 "product", "contract_kind", "registration_number", "note"):  # fmt: skip
        values[name] = (values[name] or "").strip()
    values["via_open_licence"] = bool(values["via_open_licence"])
    errors: dict[str, str] = {}
    if not values["starts_on"]:
        errors["starts_on"] = _("Give the date.")
    for name in CONVERSION_REQUIRED[kind]:
        if name == "party":
            if not values["counterparty"] and not values["counterparty_name"]:
                errors["counterparty_name"] = _(
                    "Name the counterparty (choose a registered enterprise or type the name)."
                )
        elif values[name] in (None, ""):
            errors[name] = _("This event needs “%(field)s”.") % {
                "field": Conversion._meta.get_field(name).verbose_name
            }
    if values["ends_on"] and values["starts_on"] and values["ends_on"] < values["starts_on"]:
        errors["ends_on"] = _("The term ends before it starts.")
    if kind == Conversion.Kind.PLEDGE and values["amount"] is not None and values["amount"] <= 0:
        errors["amount"] = _("A pledge finances a positive amount.")
    counterparty = values["counterparty"]
    if counterparty is not None and counterparty.kind != Organisation.Kind.ENTERPRISE:
        errors["counterparty"] = _("Choose an enterprise.")
    project = values["project"]
    if project is not None and project.lead_organisation_id not in {
        patent.owner_id,
        getattr(counterparty, "pk", None),
    }:
        errors["project"] = _(
            "The project must be led by the patent's owner or by the enterprise of this event."
        )
    if not errors:
        errors = _conversion_refusals(patent, kind, values)
    if errors:
        raise ValidationError(errors)
    if counterparty is not None and not values["counterparty_name"]:
        values["counterparty_name"] = counterparty.name
    event = Conversion(patent=patent, kind=kind, recorded_by=actor, **values)
    event.full_clean()
    event.save()
    if kind in Conversion.CONVERTING and not patent.converted:
        patent.converted = True
        patent.save(update_fields=["converted", "updated_at"])
    audit_record(
        actor=actor,
        event=f"patent.conversion.{kind}",
        target=patent,
        after={
            "event": event.pk,
            "kind": kind,
            "party": event.party,
            "amount": str(event.amount) if event.amount is not None else None,
            "starts_on": str(event.starts_on),
        },
    )
    if counterparty is not None:
        notify(
            event="patent.conversion",
            recipients=User.objects.filter(
                organisation_id=counterparty.pk, role=Role.APPLICANT, is_active=True
            ),
            title=_("%(owner)s recorded a %(kind)s of %(number)s with you")
            % {
                "owner": patent.owner.name,
                "kind": event.get_kind_display().lower(),
                "number": patent.number,
            },
            url=reverse("patents:conversions"),
        )
    return event


@transaction.atomic
def conversion_end(*, actor: User, conversion: Conversion, ended_on) -> Conversion:
    """End an event's term early: a pledge released, an open licence withdrawn, a licence
    terminated."""
    event = (
        Conversion.objects.select_for_update().select_related("patent__owner").get(pk=conversion.pk)
    )
    permissions.require(actor, "patent.conversion.record", event.patent)
    if event.kind not in Conversion.WITH_TERM:
        raise ValidationError({"ended_on": _("This event has no term to end.")})
    if event.ended_on is not None:
        raise ValidationError({"ended_on": _("This event already ended.")})
    if ended_on < event.starts_on:
        raise ValidationError({"ended_on": _("The end is before the start.")})
    event.ended_on = ended_on
    event.save(update_fields=["ended_on"])
    audit_record(
        actor=actor,
        event=f"patent.conversion.end.{event.kind}",
        target=event.patent,
        after={"event": event.pk, "ended_on": str(ended_on)},
    )
    return event


# Pushes by reviewers -------------------------------------------------------------------------


@transaction.atomic
def patent_push(*, actor: User, patent: Patent, organisations, note: str = "") -> int:
    """A reviewer pushes a patent to enterprises chosen by hand; each is told once. Returns how
    many enterprises were newly pushed to."""
    permissions.require(actor, "patent.push", patent)
    organisations = list(organisations)
    if not organisations:
        raise ValidationError({"organisations": _("Choose at least one enterprise.")})
    wrong = [o.name for o in organisations if o.kind != Organisation.Kind.ENTERPRISE]
    if wrong:
        raise ValidationError(
            {"organisations": _("Not an enterprise: %(names)s.") % {"names": "、".join(wrong)}}
        )
    already = set(
        Push.objects.filter(patent=patent, organisation__in=organisations).values_list(
            "organisation_id", flat=True
        )
    )
    fresh = [
        Push(patent=patent, organisation=o, note=note.strip()[:500], pushed_by=actor)
        for o in organisations
        if o.pk not in already
    ]
    Push.objects.bulk_create(fresh)
    for push in fresh:
        notify(
            event="patent.push",
            recipients=User.objects.filter(
                organisation_id=push.organisation_id, role=Role.APPLICANT, is_active=True
            ),
            title=_("A patent is recommended to you: %(title)s") % {"title": patent.title},
            body=push.note,
            url=reverse("patents:need_list"),
        )
    audit_record(
        actor=actor,
        event="patent.push",
        target=patent,
        after={"organisations": [p.organisation_id for p in fresh]},
    )
    return len(fresh)
