"""Enterprises' technology needs, matched to the pool (patents/matching.py), and their
feedback on pushed patents, which re-tiers the pool."""

from collections import Counter
from decimal import Decimal
from typing import cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Field
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from patents import events, matching
from patents.models import (
    Feedback,
    Match,
    Patent,
    TechNeed,
)
from patents.services.pool import _update_by_pk
from portal import permissions
from portal.models import Role, User
from portal.services import audit_record, notify

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
                    **{name: data.get(name) or _default(name) for name in NEED_FIELDS})  # fmt: skip
    need.full_clean()
    need.save()
    audit_record(actor=actor, event=events.NEED_CREATE, target=need)
    transaction.on_commit(lambda: tasks.match_need.delay(need.pk))
    return need


def _default(name: str):
    """A need's field default (the fields named here are all concrete)."""
    return cast(Field, TechNeed._meta.get_field(name)).get_default()


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
    open_needs = TechNeed.objects.filter(is_open=True).order_by("pk")
    if need_ids is not None:
        open_needs = open_needs.filter(pk__in=need_ids)
    needs = list(
        open_needs.only("pk", "organisation_id", "title", "description", "industry", "ipc")
    )
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
            # Filtered on organisation_id above: never None here.
            people.setdefault(cast(int, user.organisation_id), []).append(user)
        count = Counter(match.need_id for match in fresh)
        for need in needs:
            if need.pk in told:
                notify(
                    event=events.MATCH_NEW,
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
        event=events.FEEDBACK,
        target=patent,
        before={"tier": before},
        after={"tier": patent.tier, "rating": int(rating), "wants": wants_cooperation},
    )
    notify(
        event=events.FEEDBACK,
        recipients=User.objects.filter(
            organisation_id=patent.owner_id, role=Role.APPLICANT, is_active=True
        ),
        title=_("Feedback on %(number)s: %(rating)d/5")
        % {"number": patent.number, "rating": int(rating)},
        body=improvements.strip(),
        url=reverse("patents:pool") + f"?q={patent.number}",
    )
    return feedback
