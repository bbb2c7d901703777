"""Access rules of the reporting app, registered with the portal's one permission module.

City agencies see and write the returns of their region (and the counties under it) only;
reviewers see every return and approve; leaders read dashboards; the bureau manages data
elements, forms and rules; leaders and reviewers set targets.
"""

from django.db.models import QuerySet

from portal.models import Region, Role, User
from portal.permissions import in_region, rule, scoper
from reporting.models import StatReturn

SEE_ALL = {Role.REVIEWER, Role.LEADER}


@rule("reporting.return.list")
def _list_returns(user: User, obj: None) -> bool:
    return user.role in SEE_ALL or user.role == Role.CITY_AGENCY


@scoper("reporting.return.view")
def _returns_visible(user: User, queryset: QuerySet) -> QuerySet:
    if user.role in SEE_ALL:
        return queryset
    if user.role == Role.CITY_AGENCY and user.region is not None:
        return queryset.filter(region__path__startswith=user.region.path)
    return queryset.none()


@rule("reporting.return.view")
def _view_return(user: User, stat_return: StatReturn) -> bool:
    if user.role in SEE_ALL:
        return True
    return user.role == Role.CITY_AGENCY and in_region(user, stat_return.region.path)


@rule("reporting.region.report")
def _report_for_region(user: User, region: Region | None) -> bool:
    """Fill in and submit returns: a city agency, for its region and the counties under it."""
    if user.role != Role.CITY_AGENCY:
        return False
    return region is None or in_region(user, region.path)


@rule("reporting.return.edit")
def _edit_return(user: User, stat_return: StatReturn) -> bool:
    return stat_return.is_editable and _report_for_region(user, stat_return.region)


@rule("reporting.return.decide")
def _decide_return(user: User, stat_return: StatReturn | None) -> bool:
    return user.role == Role.REVIEWER


@rule("reporting.return.correct")
def _correct_return(user: User, stat_return: StatReturn) -> bool:
    """After approval a correction opens a new version: the region's agency or the bureau."""
    return (
        stat_return.is_current
        and stat_return.status == StatReturn.Status.APPROVED
        and (user.role == Role.REVIEWER or _report_for_region(user, stat_return.region))
    )


@rule("reporting.completeness.view")
def _view_completeness(user: User, obj: None) -> bool:
    return user.role in SEE_ALL or user.role == Role.CITY_AGENCY


@rule("reporting.setup.view")
def _view_setup(user: User, obj: None) -> bool:
    return user.role in SEE_ALL or user.role == Role.CITY_AGENCY


@rule("reporting.setup.manage")
def _manage_setup(user: User, obj: None) -> bool:
    """Data elements, return forms, validation rules, indicators: the bureau, without code."""
    return user.role == Role.REVIEWER


@rule("reporting.dashboard.view")
def _view_dashboards(user: User, region: Region | None) -> bool:
    if user.role in SEE_ALL:
        return True
    return user.role == Role.CITY_AGENCY and (region is None or in_region(user, region.path))


@scoper("reporting.dashboard.view")
def _dashboard_regions(user: User, queryset: QuerySet) -> QuerySet:
    if user.role in SEE_ALL:
        return queryset
    if user.role == Role.CITY_AGENCY and user.region is not None:
        return queryset.filter(path__startswith=user.region.path)
    return queryset.none()


@rule("reporting.target.manage")
def _manage_targets(user: User, obj: None) -> bool:
    return user.role in SEE_ALL


@rule("reporting.export")
def _export(user: User, obj: None) -> bool:
    return _view_dashboards(user, None)


@scoper("reporting.export.view")
def _exports_visible(user: User, queryset: QuerySet) -> QuerySet:
    """An export is its requester's alone."""
    return queryset.filter(requested_by=user)
