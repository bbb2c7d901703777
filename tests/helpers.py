"""Helpers shared by the test modules of several apps."""

from collections.abc import Callable, Iterator
from typing import TypeVar

from django.db import transaction
from django.test import override_settings

from config.celery import app as celery_app

T = TypeVar("T")


def built_once(django_db_blocker, build: Callable[[], T]) -> Iterator[T]:
    """For a module-scoped fixture (`yield from built_once(django_db_blocker, build)`): run
    `build` once for the module's tests, inside a transaction rolled back after the last of them.

    Each test of the module runs in a savepoint inside that transaction (pytest-django's `db`),
    so whatever a test writes is undone when it ends and the next one finds the data as built;
    after the module, nothing that was built is left for the next module, on SQLite and on
    PostgreSQL alike. Use it only where the tests share one database connection: a
    transactional test, or one that opens other connections, would not see the data.

    Module fixtures are set up before conftest.py's per-test settings apply: `build` runs with
    the same fast password hasher and in-process Celery as a test does.
    """
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    with (
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        django_db_blocker.unblock(),
    ):
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
    try:
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
