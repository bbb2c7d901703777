from django.http import HttpRequest

from portal import otp, selectors
from portal.navigation import navigation_bar, navigation_for


def portal(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or otp.pending(request):
        # Until the second factor is given, the session sees no navigation and no inbox.
        return {"nav_items": [], "nav_bar": [], "unread_count": 0}
    items = navigation_for(user)
    return {
        "nav_items": items,
        "nav_bar": navigation_bar(items, request.path),
        "unread_count": selectors.unread_notification_count(user=user),
    }
