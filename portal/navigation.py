"""The navigation bar, declared once; an entry shows to the users the permission module allows.

Entries of one area share a menu (`menu`), so that the bar of the roles that see most of the
portal (reviewers, leaders) stays one row at desktop width: the bar shows each menu as a
<details> drop-down, and an entry on its own where a role sees only one of its menu.
"""

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal import permissions
from portal.models import User


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    permission: str
    key: str
    menu: str = ""  # key of MENUS; empty: on the bar itself


# The menus, in the bar's order of their first entry: key → label.
MENUS: dict[str, str | Promise] = {
    "projects": pgettext_lazy("navigation menu", "Projects"),
    "patents": pgettext_lazy("navigation menu", "Patents"),
    "incentives": pgettext_lazy("navigation menu", "Incentives"),
    "statistics": pgettext_lazy("navigation menu", "Statistics"),
    "admin": pgettext_lazy("navigation menu", "Administration"),
}


NAVIGATION: list[NavItem] = [
    NavItem(_("Home"), "portal:home", "portal.home", "home"),
    NavItem(_("My organisation"), "portal:my_organisation", "organisation.own", "my-organisation"),
    NavItem(
        _("Projects"),
        "projects:application_list",
        "project.application.list",
        "projects",
        menu="projects",
    ),
    NavItem(_("Calls"), "projects:call_list", "project.call.view", "calls", menu="projects"),
    NavItem(
        _("My reviews"),
        "projects:assignment_list",
        "project.assignment.list",
        "reviews",
        menu="projects",
    ),
    NavItem(_("Ranking"), "projects:ranking", "project.ranking.view", "ranking", menu="projects"),
    NavItem(_("Patent pool"), "patents:pool", "patent.pool.view", "patents", menu="patents"),
    NavItem(
        _("Pool statistics"),
        "patents:statistics",
        "patent.statistics.view",
        "patent-stats",
        menu="patents",
    ),
    NavItem(
        _("Technology needs"), "patents:need_list", "patent.need.list", "needs", menu="patents"
    ),
    NavItem(
        _("Open licences"),
        "patents:open_licences",
        "patent.open_licence.list",
        "open-licences",
        menu="patents",
    ),
    NavItem(
        _("Conversions"),
        "patents:conversions",
        "patent.conversion.list",
        "conversions",
        menu="patents",
    ),
    NavItem(
        _("Incentives"),
        "incentives:policy_list",
        "incentive.policy.view",
        "incentives",
        menu="incentives",
    ),
    NavItem(
        _("Claims"), "incentives:claim_list", "incentive.claim.list", "claims", menu="incentives"
    ),
    NavItem(
        _("Spending"),
        "incentives:spending",
        "incentive.spending.view",
        "spending",
        menu="incentives",
    ),
    NavItem(
        _("Statistics"),
        "reporting:return_list",
        "reporting.return.list",
        "statistics",
        menu="statistics",
    ),
    NavItem(
        _("Dashboard"),
        "reporting:dashboard",
        "reporting.dashboard.view",
        "dashboard",
        menu="statistics",
    ),
    NavItem(_("Exchange"), "exchange:index", "exchange.view", "exchange"),
    NavItem(
        _("Organisations"),
        "portal:organisation_list",
        "organisation.list",
        "organisations",
        menu="admin",
    ),
    NavItem(_("Users"), "portal:user_list", "user.list", "users", menu="admin"),
    NavItem(_("Lockouts"), "portal:lockout_list", "lockout.manage", "lockouts", menu="admin"),
    NavItem(_("Regions"), "portal:region_list", "region.list", "regions", menu="admin"),
    NavItem(_("Audit log"), "portal:audit_list", "audit.view", "audit", menu="admin"),
    NavItem(_("API"), "api-docs", "portal.api", "api"),
]

MENU_OF = {item.key: item.menu for item in NAVIGATION}


def navigation_for(user: User) -> list[dict[str, str]]:
    return [
        {"label": str(item.label), "url": reverse(item.url_name), "key": item.key}
        for item in NAVIGATION
        if permissions.can(user, item.permission)
    ]


def navigation_bar(entries: list[dict[str, str]], path: str = "") -> list[dict[str, Any]]:
    """The bar as shown, from a user's entries (`navigation_for`): entries and menus in order.
    A menu (`is_menu`) holds the entries of its area the user may open (`entries`); with a
    single one, that entry stands on the bar by itself. The entry of the page at `path` is
    `active`, and so is its menu."""
    bar: list[dict[str, Any]] = []
    menus: dict[str, dict[str, Any]] = {}
    for entry in entries:
        item: dict[str, Any] = {**entry, "active": entry["url"] == path}
        menu = MENU_OF.get(item["key"], "")
        if not menu:
            bar.append(item)
        elif menu in menus:
            menus[menu]["entries"].append(item)
        else:
            menus[menu] = {"key": menu, "label": str(MENUS[menu]), "entries": [item]}
            bar.append(menus[menu])
    shown = []
    for node in bar:
        if "entries" in node and len(node["entries"]) == 1:
            node = node["entries"][0]
        if "entries" in node:
            node["active"] = any(item["active"] for item in node["entries"])
        node["is_menu"] = "entries" in node
        shown.append(node)
    return shown
