"""Reads of the patent pool, scoped to the user asking."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet

from patents.models import Patent
from portal import permissions
from portal.models import Region, User


def patent_list(*, user: User, **filters) -> QuerySet[Patent]:
    patents = permissions.scope(user, "patent.view", Patent.objects.all())
    return patents.filter(**filters).select_related("owner")


@dataclass(frozen=True)
class Coverage:
    """Inventory coverage = screened / unconverted valid (陕政办发〔2024〕11号 (一))."""

    label: str
    key: str
    unconverted_valid: int
    screened: int

    @property
    def percent(self) -> Decimal | None:
        if not self.unconverted_valid:
            return None
        ratio = Decimal(self.screened) * 100 / Decimal(self.unconverted_valid)
        return ratio.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _counts(user: User):
    pool = permissions.scope(user, "patent.view", Patent.objects.all()).filter(
        status=Patent.Status.VALID, converted=False
    )
    return pool.values("owner_id", "owner__name", "owner__region__path").annotate(
        total=Count("pk"), screened=Count("pk", filter=Q(screened_at__isnull=False))
    )


def coverage_by_organisation(*, user: User) -> list[Coverage]:
    return [
        Coverage(row["owner__name"], str(row["owner_id"]), row["total"], row["screened"])
        for row in _counts(user).order_by("owner__name")
    ]


def coverage_by_region(*, user: User) -> list[Coverage]:
    """The province and each city (a county's patents count in its city and the province)."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in _counts(user):
        parts = row["owner__region__path"].strip("/").split("/")
        for depth in range(1, min(len(parts), 2) + 1):
            key = "/".join(parts[:depth]) + "/"
            totals[key][0] += row["total"]
            totals[key][1] += row["screened"]
    names = dict(Region.objects.filter(path__in=totals).values_list("path", "name"))
    return [
        Coverage(names.get(path, path), path, total, screened)
        for path, (total, screened) in sorted(totals.items())
    ]


def need_list(*, user: User):
    from patents.models import TechNeed

    return (
        permissions.scope(user, "patent.need.view", TechNeed.objects.all())
        .select_related("organisation")
        .annotate(match_count=Count("matches"))
    )


def need_get(*, user: User, pk: int):
    from django.http import Http404

    need = need_list(user=user).filter(pk=pk).first()
    if need is None:
        raise Http404
    return need


def need_matches(need) -> QuerySet:
    return need.matches.select_related("patent__owner", "feedback").order_by("rank")


def feedback_received(*, user: User):
    """Feedback on the patents the user may see (a university: its own), newest first."""
    from patents.models import Feedback

    patents = permissions.scope(user, "patent.view", Patent.objects.all())
    return Feedback.objects.filter(match__patent__in=patents).select_related(
        "match__patent", "match__need__organisation"
    )


def patent_import_get(*, user: User, pk: int):
    """One of the user's organisation's uploaded lists, or 404."""
    from django.http import Http404

    from patents.models import PatentImport

    found = (
        permissions.scope(user, "patent.import.view", PatentImport.objects.all())
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def match_get(*, user: User, pk: int):
    """A suggestion made for one of the needs the user may see, or 404."""
    from django.http import Http404

    from patents.models import Match

    found = Match.objects.filter(pk=pk, need__in=need_list(user=user)).first()
    if found is None:
        raise Http404
    return found
