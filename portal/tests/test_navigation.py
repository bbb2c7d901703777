"""The navigation bar: entries grouped into menus so that it stays one row (portal/navigation.py;
the row itself is measured in a browser by tests/e2e/test_accessibility.py)."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from portal.factories import UserFactory
from portal.models import Role
from portal.navigation import navigation_bar, navigation_for

pytestmark = pytest.mark.django_db


def shape(bar: list[dict]) -> list:
    """The bar as (menu key, [entry keys]) for a menu, or the entry's key."""
    return [
        (entry["key"], [item["key"] for item in entry["entries"]])
        if entry["is_menu"]
        else entry["key"]
        for entry in bar
    ]


def test_a_reviewer_sees_menus_by_area():
    bar = navigation_bar(navigation_for(UserFactory(role=Role.REVIEWER)))
    assert shape(bar) == [
        "home",
        ("projects", ["projects", "calls", "ranking"]),
        ("patents", ["patents", "patent-stats", "needs", "open-licences", "conversions"]),
        ("incentives", ["incentives", "claims", "spending"]),
        ("statistics", ["statistics", "dashboard"]),
        "exchange",
        ("admin", ["organisations", "regions"]),
        "api",
    ]


def test_a_menu_with_one_entry_is_that_entry():
    """An expert sees one entry of the projects menu, an audit admin one of the admin menu: each
    stands on the bar by itself, not in a menu of one."""
    assert shape(navigation_bar(navigation_for(UserFactory(role=Role.EXPERT)))) == [
        "home",
        "reviews",
        "api",
    ]
    assert shape(navigation_bar(navigation_for(UserFactory(role=Role.AUDIT_ADMIN)))) == [
        "home",
        "audit",
        "api",
    ]


def test_the_current_page_and_its_menu_are_active():
    entries = navigation_for(UserFactory(role=Role.REVIEWER))
    bar = {entry["key"]: entry for entry in navigation_bar(entries, reverse("patents:statistics"))}
    assert bar["patents"]["active"]
    assert [i["key"] for i in bar["patents"]["entries"] if i["active"]] == ["patent-stats"]
    assert not bar["projects"]["active"] and not bar["home"]["active"]
    # The flat list the bar is made from is left as it was.
    assert all("active" not in entry for entry in entries)


def test_the_page_shows_menus_as_details_and_marks_the_current_entry(client: Client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(UserFactory(role=Role.REVIEWER))
    html = client.get(reverse("patents:statistics")).content.decode()
    assert '<details class="nav-menu" data-nav-menu="patents">' in html
    assert '<summary class="nav-link dropdown-toggle active">Patents</summary>' in html
    assert (
        f'data-nav="patent-stats" href="{reverse("patents:statistics")}" aria-current="page">'
        in html
    )
    assert html.count('aria-current="page"') == 1
