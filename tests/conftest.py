"""The world of the access matrix (tests/access_world.py) as module fixtures, for the modules that
walk the URL space with it: tests/test_access_matrix.py (who may reach what) and
tests/test_conventions.py (what each page shows, in Chinese and English)."""

import copy
from collections.abc import Iterator
from http.cookies import SimpleCookie

import pytest
from django.conf import settings
from django.test import Client, override_settings

from tests.access_matrix import ANON
from tests.access_world import World, build
from tests.helpers import built_once


def _lean_refusal_pages() -> list[dict]:
    """The templates, with the 403 and 404 pages reduced to their status: a third of this
    module's thousands of requests are refusals, and only their status is asked about here (the
    error pages are tested with portal/errors.py)."""
    templates = copy.deepcopy(settings.TEMPLATES)
    engine = templates[0]
    engine["APP_DIRS"] = False
    engine["OPTIONS"]["loaders"] = [
        (
            "django.template.loaders.cached.Loader",
            [
                ("django.template.loaders.locmem.Loader", {"403.html": "403", "404.html": "404"}),
                "django.template.loaders.filesystem.Loader",
                "django.template.loaders.app_directories.Loader",
            ],
        )
    ]
    return templates


@pytest.fixture(scope="module")
def module_settings(tmp_path_factory):
    # Rate limits (portal/ratelimits.py, tested there) would answer 429 to the many logins and
    # exports this module makes from one address in a minute, hiding the answers asked about.
    # The world is built before conftest's per-test settings apply: its fast hasher, too.
    with override_settings(
        MEDIA_ROOT=tmp_path_factory.mktemp("media"),
        RATELIMIT_ENABLE=False,
        TEMPLATES=_lean_refusal_pages(),
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    ):
        yield


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, module_settings) -> Iterator[World]:
    """Built once, in a transaction rolled back after the module's last test."""
    yield from built_once(django_db_blocker, build)


@pytest.fixture(scope="module")
def cookies(world, django_db_blocker) -> dict[str, SimpleCookie]:
    """A session per user, made once (inside the world's transaction)."""
    jar = {}
    with django_db_blocker.unblock():
        for key, user in world.users.items():
            client = Client()
            client.force_login(user)
            jar[key] = client.cookies
    return jar


@pytest.fixture
def clients(db, world, cookies) -> dict[str, Client]:
    made = {ANON: Client()}
    for key in world.users:
        client = Client()
        client.cookies.load({name: morsel.value for name, morsel in cookies[key].items()})
        made[key] = client
    return made
