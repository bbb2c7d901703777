"""The reporting app's panels on the home page: the city's returns, the bureau's queue, and the
leader's targets at a glance."""

from django.utils import timezone

from portal.home import HomePanel, register
from portal.models import Region, User
from portal.periods import Quarter
from reporting import selectors
from reporting.models import ProgressSnapshot, StatReturn


def _agency(user: User) -> dict:
    quarter = Quarter.last_completed(timezone.localdate())
    return {
        "period": str(quarter),
        "returns": list(selectors.return_list(user=user)[:6]),
    }


def _reviewer(user: User) -> dict:
    return {
        "waiting": selectors.return_list(user=user, status=StatReturn.Status.SUBMITTED).count(),
    }


def _leader(user: User) -> dict:
    province = Region.objects.filter(parent__isnull=True).first()
    counts: dict[str, int] = {}
    period = selectors.latest_period()
    if period:
        for snapshot in ProgressSnapshot.objects.filter(period=period).only("status"):
            counts[snapshot.status] = counts.get(snapshot.status, 0) + 1
    return {
        "province": province,
        "period": period,
        "counts": [
            (code, label, counts.get(code, 0)) for code, label in ProgressSnapshot.Status.choices
        ],
    }


def register_panels() -> None:
    register(
        HomePanel(
            "reporting-agency",
            "reporting/home/agency.html",
            "reporting.region.report",
            _agency,
            order=10,
        )
    )
    register(
        HomePanel(
            "reporting-reviewer",
            "reporting/home/reviewer.html",
            "reporting.return.decide",
            _reviewer,
            order=15,
        )
    )
    register(
        HomePanel(
            "reporting-leader",
            "reporting/home/leader.html",
            "reporting.target.manage",
            _leader,
            order=5,
        )
    )
