"""The navigation bar, declared once; an entry shows to the users the permission module allows."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from portal import permissions
from portal.models import User


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    permission: str
    key: str


NAVIGATION: list[NavItem] = [
    NavItem(_("Home"), "portal:home", "portal.home", "home"),
    NavItem(_("My organisation"), "portal:my_organisation", "organisation.own", "my-organisation"),
    NavItem(_("Projects"), "projects:application_list", "project.application.list", "projects"),
    NavItem(_("Calls"), "projects:call_list", "project.call.view", "calls"),
    NavItem(_("My reviews"), "projects:assignment_list", "project.assignment.list", "reviews"),
    NavItem(_("Ranking"), "projects:ranking", "project.ranking.view", "ranking"),
    NavItem(_("Patent pool"), "patents:pool", "patent.pool.view", "patents"),
    NavItem(_("Pool statistics"), "patents:statistics", "patent.statistics.view", "patent-stats"),
    NavItem(_("Technology needs"), "patents:need_list", "patent.need.list", "needs"),
    NavItem(
        _("Open licences"), "patents:open_licences", "patent.open_licence.list", "open-licences"
    ),
    NavItem(_("Conversions"), "patents:conversions", "patent.conversion.list", "conversions"),
    NavItem(_("Incentives"), "incentives:policy_list", "incentive.policy.view", "incentives"),
    NavItem(_("Claims"), "incentives:claim_list", "incentive.claim.list", "claims"),
    NavItem(_("Spending"), "incentives:spending", "incentive.spending.view", "spending"),
    NavItem(_("Statistics"), "reporting:return_list", "reporting.return.list", "statistics"),
    NavItem(_("Dashboard"), "reporting:dashboard", "reporting.dashboard.view", "dashboard"),
    NavItem(_("Exchange"), "exchange:index", "exchange.view", "exchange"),
    NavItem(_("Organisations"), "portal:organisation_list", "organisation.list", "organisations"),
    NavItem(_("Users"), "portal:user_list", "user.list", "users"),
    NavItem(_("Lockouts"), "portal:lockout_list", "lockout.manage", "lockouts"),
    NavItem(_("Regions"), "portal:region_list", "region.list", "regions"),
    NavItem(_("Audit log"), "portal:audit_list", "audit.view", "audit"),
    NavItem(_("API"), "api-docs", "portal.api", "api"),
]


def navigation_for(user: User) -> list[dict[str, str]]:
    return [
        {"label": str(item.label), "url": reverse(item.url_name), "key": item.key}
        for item in NAVIGATION
        if permissions.can(user, item.permission)
    ]
