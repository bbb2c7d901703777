"""Indicator values computed from the portal's own data rather than from city returns.

Each source gives, for a list of quarters, {(region path, quarter): value} at the regions where
the data sits (an organisation's county or city); the engine sums them up the region tree.
Sources are keyed by the stable names stored in `Indicator.portal_source`. The audit events that
change a source's data are listed with it, so the reporting app recomputes when they happen.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from reporting.periods import Quarter


@dataclass(frozen=True)
class PortalSource:
    label: str
    compute: Callable[[list[Quarter]], dict[tuple[str, str], Decimal]]
    events: tuple[str, ...]


def projects_accepted(quarters: list[Quarter]) -> dict[tuple[str, str], Decimal]:
    """Projects of the special programme accepted by the end of each quarter, by the region of the
    lead organisation (cumulative count)."""
    from projects.models import ApplicationEvent

    accepted = ApplicationEvent.objects.filter(action="accept").values_list(
        "at", "application__lead_organisation__region__path"
    )
    by_path: dict[str, list] = defaultdict(list)
    for at, path in accepted:
        by_path[path].append(timezone.localdate(at))
    result = {}
    for path, days in by_path.items():
        for quarter in quarters:
            count = sum(1 for day in days if day <= quarter.end)
            if count:
                result[(path, str(quarter))] = Decimal(count)
    return result


SOURCES: dict[str, PortalSource] = {
    "projects.accepted": PortalSource(
        label="通过验收的专利转化专项项目数（项目管理）",
        compute=projects_accepted,
        events=("project.application.accept",),
    ),
}
