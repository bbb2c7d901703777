"""Access rules of the patents app, registered with the portal's one permission module.

A university or institute manages its own pool (import, screening); reviewers and leaders read
every pool; nobody else sees a pool's details.
"""

from django.db.models import QuerySet

from patents.models import Patent
from portal.models import Organisation, Role, User
from portal.permissions import can, rule, scoper

POOL_KINDS = {Organisation.Kind.UNIVERSITY, Organisation.Kind.RESEARCH_INSTITUTE}
SEE_ALL = {Role.REVIEWER, Role.LEADER}


def _pool_owner(user: User) -> bool:
    return (
        user.role == Role.APPLICANT
        and user.organisation is not None
        and user.organisation.kind in POOL_KINDS
        and user.organisation.status == Organisation.Status.VERIFIED
    )


@rule("patent.pool.view")
def _view_pool(user: User, obj: None) -> bool:
    return user.role in SEE_ALL or _pool_owner(user)


@rule("patent.pool.manage")
def _manage_pool(user: User, organisation: Organisation | None) -> bool:
    """Import and screen: an applicant of a verified university or institute, for its own."""
    if not _pool_owner(user):
        return False
    return organisation is None or organisation.pk == user.organisation_id


@scoper("patent.view")
def _patents_visible(user: User, queryset: QuerySet) -> QuerySet:
    if user.role in SEE_ALL:
        return queryset
    if _pool_owner(user):
        return queryset.filter(owner_id=user.organisation_id)
    return queryset.none()


@rule("patent.view")
def _view_patent(user: User, patent: Patent) -> bool:
    return user.role in SEE_ALL or (_pool_owner(user) and patent.owner_id == user.organisation_id)


@rule("patent.screen")
def _screen(user: User, patent: Patent) -> bool:
    return _manage_pool(user, patent.owner) and patent.is_unconverted_valid


def _enterprise(user: User) -> bool:
    return (
        user.role == Role.APPLICANT
        and user.organisation is not None
        and user.organisation.kind == Organisation.Kind.ENTERPRISE
        and user.organisation.status == Organisation.Status.VERIFIED
    )


@rule("patent.need.manage")
def _manage_needs(user: User, obj: None) -> bool:
    """Post technology needs and read the suggestions made for them: a verified enterprise."""
    return _enterprise(user)


@rule("patent.need.list")
def _list_needs(user: User, obj: None) -> bool:
    return _enterprise(user) or user.role in SEE_ALL


@scoper("patent.need.view")
def _needs_visible(user: User, queryset: QuerySet) -> QuerySet:
    if user.role in SEE_ALL:
        return queryset
    if _enterprise(user):
        return queryset.filter(organisation_id=user.organisation_id)
    return queryset.none()


@rule("patent.feedback.give")
def _give_feedback(user: User, match) -> bool:
    """Only the enterprise the suggestion was made to rates it."""
    return _enterprise(user) and match.need.organisation_id == user.organisation_id


@scoper("patent.import.view")
def _imports_visible(user: User, queryset: QuerySet) -> QuerySet:
    if _pool_owner(user):
        return queryset.filter(owner_id=user.organisation_id)
    return queryset.none()


@rule("patent.conversion.record")
def _record_conversion(user: User, patent: Patent) -> bool:
    """A university or institute records the conversions of its own patents."""
    return _manage_pool(user, patent.owner)


@rule("patent.conversion.list")
def _list_conversions(user: User, obj: None) -> bool:
    return user.role in SEE_ALL or _pool_owner(user) or _enterprise(user)


@scoper("patent.conversion.view")
def _conversions_visible(user: User, queryset: QuerySet) -> QuerySet:
    """Reviewers and leaders see every event; a university those of its patents; an enterprise
    those it is party to."""
    if user.role in SEE_ALL:
        return queryset
    if _pool_owner(user):
        return queryset.filter(patent__owner_id=user.organisation_id)
    if _enterprise(user):
        return queryset.filter(counterparty_id=user.organisation_id)
    return queryset.none()


@rule("patent.open_licence.list")
def _list_open_licences(user: User, obj: None) -> bool:
    """Open-licence patents are offered to every logged-in enterprise (and read by staff)."""
    return _enterprise(user) or user.role in SEE_ALL or _pool_owner(user)


@rule("patent.push")
def _push(user: User, patent: Patent) -> bool:
    """A reviewer pushes a valid, unconverted patent to enterprises chosen by hand."""
    return user.role == Role.REVIEWER and patent.is_unconverted_valid


@rule("patent.suggestions.view")
def _view_suggestions(user: User, obj: None) -> bool:
    return _enterprise(user)


@rule("patent.statistics.view")
def _view_statistics(user: User, obj: None) -> bool:
    """Statistics across every pool (by organisation, city, tier, industry): reviewers and
    leaders."""
    return user.role in SEE_ALL


@rule("patent.import.apply")
def _apply_import(user: User, patent_import) -> bool:
    """Apply a checked list: whoever manages the owner's pool."""
    return can(user, "patent.pool.manage", patent_import.owner)


@rule("patent.conversion.register")
def _register_conversion(user: User, patent: Patent) -> bool:
    """The bureau registers events from the national platforms' lists on any pool patent."""
    return user.role == Role.REVIEWER
