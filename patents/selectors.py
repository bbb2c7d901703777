"""Reads of the patent pool, scoped to the user asking."""

import calendar
import hashlib
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db.models import Avg, Count, Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from patents.models import INTENSIVE_INDUSTRIES, Conversion, Match, Patent, Push, TechNeed
from portal import permissions
from portal.models import Organisation, Region, User


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


# How long the per-owner counts of a scope are kept. They are keyed by the pool's fingerprint,
# so any change to a patent is seen at once; the limit only bounds the rare change the
# fingerprint misses (a write committed with an `updated_at` older than one already seen).
OWNER_COUNTS_SECONDS = 300


def pool_fingerprint() -> tuple:
    """Changes whenever a patent is added or changed: ids only grow, patents are never deleted,
    and every write to a patent sets `updated_at` (patents/pool_index.py relies on the same).
    Two index lookups, whatever the size of the pool."""
    found = Patent.objects.aggregate(top=Max("pk"), last=Max("updated_at"))
    return found["top"], found["last"].isoformat() if found["last"] else None


def owner_counts(*, user: User) -> list[dict]:
    """For each owner whose patents the user may see: its patents, its unconverted valid ones
    and how many of those are screened.

    One aggregate over the user's whole pool (200,000 patents for the province): kept in the
    cache until the pool changes, so the pool page does not read every patent on every request.
    The key is the scoped query itself (two users with the same scope share it).
    """
    scoped = permissions.scope(user, "patent.view", Patent.objects.all()).order_by()
    try:
        scope = str(scoped.query)
    except EmptyResultSet:  # the user may see no patent at all
        return []
    digest = hashlib.sha256(f"{scope}|{pool_fingerprint()}".encode()).hexdigest()
    key = f"patents:owner-counts:{digest}"
    rows = cache.get(key)
    if rows is None:
        pool = Q(status=Patent.Status.VALID, converted=False)
        # Grouped by owner id alone, the counts are read from the index (owner, status,
        # converted, screened_at) without the table; names are looked up for the owners after.
        rows = list(
            scoped.values("owner_id").annotate(
                patents=Count("pk"),
                total=Count("pk", filter=pool),
                screened=Count("pk", filter=pool & Q(screened_at__isnull=False)),
            )
        )
        owners = Organisation.objects.filter(pk__in=[row["owner_id"] for row in rows])
        names = {
            pk: (name, path) for pk, name, path in owners.values_list("pk", "name", "region__path")
        }
        for row in rows:
            row["owner__name"], row["owner__region__path"] = names[row["owner_id"]]
        cache.set(key, rows, OWNER_COUNTS_SECONDS)
    return rows


def pool_size(*, user: User, counts: list[dict] | None = None) -> int:
    """How many patents the user may see (the unfiltered pool page's count). `counts`: the
    user's owner_counts() when the caller has them already."""
    rows = counts if counts is not None else owner_counts(user=user)
    return sum(row["patents"] for row in rows)


def _counts(user: User, counts: list[dict] | None) -> list[dict]:
    """Owners with unconverted valid patents, with those and the screened ones."""
    rows = counts if counts is not None else owner_counts(user=user)
    return [row for row in rows if row["total"]]


def coverage_by_organisation(*, user: User, counts: list[dict] | None = None) -> list[Coverage]:
    return [
        Coverage(row["owner__name"], str(row["owner_id"]), row["total"], row["screened"])
        for row in sorted(
            _counts(user, counts), key=lambda row: (row["owner__name"], row["owner_id"])
        )
    ]


def coverage_by_region(*, user: User, counts: list[dict] | None = None) -> list[Coverage]:
    """The province and each city (a county's patents count in its city and the province)."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in _counts(user, counts):
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


def with_feedback(patents: list[Patent]) -> list[Patent]:
    """Set `feedback_count` and `feedback_mean` (the ratings enterprises gave the patent's
    suggestions) on a page of patents: one grouped query over the page, not the pool."""
    from patents.models import Feedback

    stats: dict[int, Mapping[str, Any]] = {
        row["match__patent_id"]: row
        for row in Feedback.objects.filter(match__patent__in=[p.pk for p in patents])
        .values("match__patent_id")
        .annotate(count=Count("pk"), mean=Avg("rating"))
        .order_by()
    }
    for patent in patents:
        row = stats.get(patent.pk, {})
        patent.feedback_count, patent.feedback_mean = row.get("count", 0), row.get("mean")
    return patents


def feedback_received(*, user: User):
    """Feedback on the patents the user may see (a university: its own), newest first."""
    from patents.models import Feedback

    patents = permissions.scope(user, "patent.view", Patent.objects.all())
    return Feedback.objects.filter(match__patent__in=patents).select_related(
        "match__patent", "match__need__organisation"
    )


def patent_import_list(*, user: User, limit: int = 10):
    """The user's organisation's latest uploaded lists, newest first, with who uploaded them."""
    from patents.models import PatentImport

    return list(
        permissions.scope(user, "patent.import.view", PatentImport.objects.all())
        .select_related("uploaded_by")
        .order_by("-uploaded_at", "-id")[:limit]
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


# Conversions, open licences, pushes -----------------------------------------------------------


def conversion_list(*, user: User) -> QuerySet:
    return permissions.scope(
        user, "patent.conversion.view", Conversion.objects.all()
    ).select_related("patent__owner", "counterparty", "project")


def conversion_get(*, user: User, pk: int):
    found = conversion_list(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _in_force_on(day) -> Q:
    return (
        Q(starts_on__lte=day)
        & (Q(ends_on__isnull=True) | Q(ends_on__gte=day))
        & (Q(ended_on__isnull=True) | Q(ended_on__gt=day))
    )


def open_licences(
    *, user: User, q: str = "", industry: str = "", ipc: str = "", day=None
) -> QuerySet:
    """Open licence declarations in force today (or on `day`), with their patents: offered to
    every logged-in enterprise, searchable by keyword, industry sub-field and IPC."""
    if not permissions.can(user, "patent.open_licence.list"):
        return Conversion.objects.none()
    day = day or timezone.localdate()
    found = Conversion.objects.filter(
        _in_force_on(day), kind=Conversion.Kind.OPEN_LICENCE, patent__status=Patent.Status.VALID
    ).select_related("patent__owner")
    for word in q.split()[:5]:
        found = found.filter(
            Q(patent__title__icontains=word)
            | Q(patent__abstract__icontains=word)
            | Q(patent__number__icontains=word)
        )
    if industry:
        found = found.filter(patent__industry=industry)
    if ipc:
        found = found.filter(patent__ipc__icontains=ipc.strip().upper().replace(" ", ""))
    return found.order_by("patent__industry", "-starts_on", "pk")


def patent_get(*, user: User, pk: int) -> Patent:
    """A patent the user may read: its pool (owner, reviewers, leaders), or, for an
    enterprise, a patent suggested or pushed to it or offered under an open licence."""
    found = patent_list(user=user).filter(pk=pk).first()
    if found is None and permissions.can(user, "patent.suggestions.view"):
        organisation = user.organisation_id
        found = (
            Patent.objects.filter(pk=pk)
            .filter(
                Q(pushes__organisation_id=organisation)
                | Q(matches__need__organisation_id=organisation)
                | Q(
                    pk__in=Conversion.objects.filter(
                        _in_force_on(timezone.localdate()), kind=Conversion.Kind.OPEN_LICENCE
                    ).values("patent_id")
                )
            )
            .select_related("owner")
            .first()
        )
    if found is None:
        raise Http404
    return found


def pushes_received(*, user: User) -> QuerySet:
    if not permissions.can(user, "patent.suggestions.view") or user.organisation_id is None:
        return Push.objects.none()
    return Push.objects.filter(organisation_id=user.organisation_id).select_related("patent__owner")


@dataclass(frozen=True)
class Prospect:
    """An enterprise likely to want a patent, and why."""

    organisation_id: int
    name: str
    reason: str
    score: Decimal | None


def likely_enterprises(patent: Patent, limit: int = 10) -> list[Prospect]:
    """For one patent, the enterprises most likely to want it: those whose open needs it was
    matched to (best score first), then those with open needs in its industry sub-field."""
    found: dict[int, Prospect] = {}
    for match in (
        Match.objects.filter(patent=patent, need__is_open=True)
        .select_related("need__organisation")
        .order_by("-score")[: limit * 3]
    ):
        organisation = match.need.organisation
        if organisation.pk not in found:
            terms = "、".join(match.shared_terms[:5])
            found[organisation.pk] = Prospect(
                organisation.pk,
                organisation.name,
                _("matched its need “%(need)s” (shared terms: %(terms)s)")
                % {"need": match.need.title, "terms": terms or "—"},
                match.score,
            )
    if patent.industry and len(found) < limit:
        for need in (
            TechNeed.objects.filter(is_open=True, industry=patent.industry)
            .exclude(organisation_id__in=found)
            .select_related("organisation")
            .order_by("-created_at")[: limit * 3]
        ):
            if need.organisation_id not in found:
                found[need.organisation_id] = Prospect(
                    need.organisation_id,
                    need.organisation.name,
                    _("needs technology in the same industry sub-field: “%(need)s”")
                    % {"need": need.title},
                    None,
                )
    return list(found.values())[:limit]


# Searching and exporting the pool ------------------------------------------------------------


def patent_search(
    *, user: User, q: str = "", status: str = "", tier: str = "", screened: str = ""
) -> QuerySet[Patent]:
    """The pool the user may see, narrowed as the pool page's filters ask (PoolFilterForm)."""
    patents = patent_list(user=user)
    if q:
        patents = patents.filter(Q(title__icontains=q) | Q(number__icontains=q))
    if status:
        patents = patents.filter(status=status)
    if tier:
        patents = patents.filter(tier=tier)
    if screened:
        patents = patents.filter(screened_at__isnull=screened == "no")
    return patents


# The columns of the pool export, in the order patents.exporters.POOL_COLUMNS names them: every
# column of the import template (so an exported list imports again unchanged) and the pool's.
EXPORT_FIELDS = (
    "number",
    "title",
    "kind",
    "status",
    "filed_on",
    "granted_on",
    "ipc",
    "state_funded",
    "converted",
    "owner__name",
    "screened_at",
    "tier",
    "industry",
    "screen_note",
    "inventors",
    "funding_project",
    "foreign_family",
    "award",
    "abstract",
)


def patent_export_rows(patents: QuerySet[Patent], *, chunk_size: int = 2000) -> Iterator[tuple]:
    """Plain tuples (EXPORT_FIELDS), streamed from the database a chunk at a time: a list of
    100,000 patents never sits in memory, and no model instance is built."""
    return (
        patents.order_by("owner__name", "-filed_on", "number")
        .values_list(*EXPORT_FIELDS)
        .iterator(chunk_size=chunk_size)
    )


# Statistics of the pool ----------------------------------------------------------------------


def unimplemented_granted_by(today: date) -> date:
    """The latest grant date a patent can have and, state-funded, still valid and unconverted
    today, be flagged "granted over 5 years and never implemented" (国办 plan (六)); the same
    rule as Patent.unimplemented_state_funded, as a bound the database can compare with."""
    day = today - timedelta(days=1)
    try:
        bound = day.replace(year=day.year - 5)
    except ValueError:  # 29 February
        bound = day.replace(year=day.year - 5, day=28)
    if (bound.month, bound.day) == (2, 28) and calendar.isleap(bound.year):
        bound += timedelta(days=1)  # granted on 29 February: its five years end on 28 February
    return bound


@dataclass(frozen=True)
class PoolRow:
    """One line of the pool statistics. `screened` and the tier counts are taken among the
    unconverted valid patents, so that they add up to the coverage's numerator."""

    label: str
    key: str
    total: int = 0
    valid: int = 0
    unconverted_valid: int = 0
    screened: int = 0
    converted: int = 0
    tier_a: int = 0
    tier_b: int = 0
    tier_c: int = 0
    unimplemented: int = 0

    @property
    def coverage(self) -> Coverage:
        return Coverage(self.label, self.key, self.unconverted_valid, self.screened)

    def __add__(self, other: "PoolRow") -> "PoolRow":
        """The counts of both, under this row's label and key."""
        return replace(
            self, **{name: getattr(self, name) + getattr(other, name) for name in _COUNTED}
        )


_COUNTED = (
    "total",
    "valid",
    "unconverted_valid",
    "screened",
    "converted",
    "tier_a",
    "tier_b",
    "tier_c",
    "unimplemented",
)


@dataclass(frozen=True)
class PoolStatistics:
    as_of: date
    total: PoolRow
    organisations: list[PoolRow] = field(default_factory=list)
    cities: list[PoolRow] = field(default_factory=list)
    tiers: list[PoolRow] = field(default_factory=list)
    industries: list[PoolRow] = field(default_factory=list)


def _aggregates(today: date) -> dict[str, Count]:
    """The counts of PoolRow, named n_… (a count named after a field, "converted", would
    shadow the field in the other counts' filters)."""
    valid = Q(status=Patent.Status.VALID)
    pool = valid & Q(converted=False)
    return {
        "n_total": Count("pk"),
        "n_valid": Count("pk", filter=valid),
        "n_unconverted_valid": Count("pk", filter=pool),
        "n_screened": Count("pk", filter=pool & Q(screened_at__isnull=False)),
        "n_converted": Count("pk", filter=Q(converted=True)),
        "n_tier_a": Count("pk", filter=pool & Q(tier=Patent.Tier.A)),
        "n_tier_b": Count("pk", filter=pool & Q(tier=Patent.Tier.B)),
        "n_tier_c": Count("pk", filter=pool & Q(tier=Patent.Tier.C)),
        "n_unimplemented": Count(
            "pk",
            filter=pool & Q(state_funded=True, granted_on__lte=unimplemented_granted_by(today)),
        ),
    }


def _row(label: str, key: str, values: dict) -> PoolRow:
    return PoolRow(label, key, *(values[f"n_{name}"] for name in _COUNTED))


def pool_statistics(*, user: User, today: date | None = None) -> PoolStatistics:
    """The pool the user may see, counted by organisation, city (a county's patents count in its
    city), tier and industry sub-field. Four queries however many patents there are: grouped
    counts by organisation (the cities and the total are summed from them), by tier and by
    industry, and the cities' names."""
    today = today or timezone.localdate()
    patents = permissions.scope(user, "patent.view", Patent.objects.all())
    aggregates = _aggregates(today)

    organisations = [
        (row["owner__region__path"], _row(row["owner__name"], str(row["owner_id"]), row))
        for row in patents.values("owner_id", "owner__name", "owner__region__path")
        .annotate(**aggregates)
        .order_by("owner__name", "owner_id")
    ]
    total = PoolRow(str(_("All")), "")
    cities: dict[str, PoolRow] = {}
    for path, row in organisations:
        total += row
        city = "/".join(path.strip("/").split("/")[:2]) + "/"
        cities[city] = cities.get(city, PoolRow(city, city)) + row
    names = dict(Region.objects.filter(path__in=cities).values_list("path", "name"))

    tier_names = dict(Patent.Tier.choices)
    by_tier = {row["tier"]: row for row in patents.values("tier").annotate(**aggregates).order_by()}
    industry_names = dict(INTENSIVE_INDUSTRIES)
    by_industry = {
        row["industry"]: row for row in patents.values("industry").annotate(**aggregates).order_by()
    }
    return PoolStatistics(
        as_of=today,
        total=total,
        organisations=[row for _path, row in organisations],
        cities=[replace(row, label=names.get(path, path)) for path, row in sorted(cities.items())],
        tiers=[
            _row(str(tier_names.get(code, _("Not tiered"))), code, by_tier[code])
            for code in [*tier_names, ""]
            if code in by_tier
        ],
        industries=[
            _row(str(industry_names.get(code, _("No sub-field"))), code, by_industry[code])
            for code in [*industry_names, ""]
            if code in by_industry
        ],
    )
