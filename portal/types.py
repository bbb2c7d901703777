"""Types for the checker (mypy with django-stubs) where Django's own are wider than the portal's.

Pages behind `login_required` (or `permission_required`) and API views behind `IsAuthenticated`
always have a signed-in `User`, while django-stubs types `request.user` as `User | AnonymousUser`.
Annotating such a view's request with these classes narrows it for mypy; at run time they are
subclasses of the request classes that nothing instantiates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from django.http import HttpRequest
from rest_framework.request import Request

if TYPE_CHECKING:
    from portal.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a page that requires signing in."""

    user: User


class AuthenticatedRequest(Request):
    """The request of an API view that requires authentication."""

    user: User


class DecimalDigits(TypedDict):
    """Precision of an amount or quantity, as keyword arguments of a DecimalField."""

    max_digits: int
    decimal_places: int
