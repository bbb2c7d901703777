"""The world of the access matrix (tests/access_world.py) as module fixtures, for the modules that
walk the URL space with it: tests/test_access_matrix.py (who may reach what) and
tests/test_conventions.py (what each page shows, in Chinese and English)."""

import copy
from http.cookies import SimpleCookie

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client, override_settings

from config.celery import app as celery_app
from tests.access_matrix import ANON
from tests.access_world import World, build


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
def world(django_db_setup, django_db_blocker, module_settings) -> World:
    """Built once, in a transaction rolled back after the module's last test."""
    # Module fixtures come before conftest's per-test in-process Celery: without this, the
    # export the world requests would go to the real broker (PostgreSQL pass) and never run.
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            built = build()
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
        finally:
            celery_app.conf.task_always_eager = eager
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


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
