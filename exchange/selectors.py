"""Reads of the exchange, scoped to the user: the mappings they may use, the runs they may see."""

from collections.abc import Iterable

from django.db.models import QuerySet
from django.http import Http404

from exchange.models import Mapping, Run
from exchange.targets import TARGETS
from portal import permissions
from portal.models import Organisation, User


def may(user: User, code: str) -> bool:
    """`permissions.can`, with a rule no app has registered (yet) read as "no"."""
    try:
        return permissions.can(user, code)
    except KeyError:
        return False


def may_use(user: User, mapping: Mapping) -> bool:
    """May the user run this mapping's target (import it, or export through it)?"""
    target = TARGETS.get(mapping.target)
    return target is not None and may(user, target.permission)


def mapping_list(*, user: User) -> list[Mapping]:
    """The active mappings: all of them for who may view the exchange, else only those whose
    target the user may run (a university's own registration batch)."""
    mappings = Mapping.objects.filter(is_active=True).order_by("direction", "name", "code")
    if may(user, "exchange.view"):
        return list(mappings)
    return [m for m in mappings if may_use(user, m)]


def mapping_get(*, user: User, pk: int) -> Mapping:
    """One active mapping the user may see, or 404."""
    found = Mapping.objects.filter(pk=pk, is_active=True).first()
    if found is None or not (may(user, "exchange.view") or may_use(user, found)):
        raise Http404
    return found


def mapping_name(*, user: User, code: str) -> str:
    """The name of a mapping's latest version, as a page names it ("" when there is none)."""
    if not may(user, "exchange.view"):
        return ""
    found = Mapping.objects.filter(code=code).order_by("-version").values_list("name", flat=True)
    return found.first() or ""


def organisation_names(ids: Iterable[int]) -> dict[int, str]:
    """Organisations an export named by id (its parameters), by name."""
    return dict(Organisation.objects.filter(pk__in=list(ids)).values_list("pk", "name"))


def run_list(*, user: User, code: str = "") -> QuerySet[Run]:
    if not may(user, "exchange.view"):
        return Run.objects.none()
    runs = Run.objects.select_related("mapping", "created_by").order_by("-created_at", "-id")
    return runs.filter(mapping__code=code) if code else runs


def run_get(*, user: User, pk: int) -> Run:
    found = run_list(user=user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found
