"""`manage.py check_admins`: no superuser, no demo password in production, three separate admins."""

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from portal.factories import UserFactory
from portal.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_admins():
    return [
        UserFactory(role=Role.SYSTEM_ADMIN, email="sys@example.invalid"),
        UserFactory(role=Role.SECURITY_ADMIN, email="sec@example.invalid"),
        UserFactory(role=Role.AUDIT_ADMIN, email="audit@example.invalid"),
    ]


def run(capsys) -> tuple[int, str]:
    try:
        call_command("check_admins")
    except CommandError as error:
        return error.returncode, capsys.readouterr().err + str(error)
    return 0, capsys.readouterr().out


def test_a_clean_installation_passes(three_admins, capsys):
    code, output = run(capsys)
    assert code == 0 and "no problem" in output


def test_an_active_superuser_fails_the_check(three_admins, capsys):
    UserFactory(username="root", role="", is_superuser=True, is_staff=True)
    code, output = run(capsys)
    assert code == 1 and "active superuser: root" in output


def test_a_disabled_superuser_is_tolerated(three_admins, capsys):
    UserFactory(username="root", role="", is_superuser=True, is_staff=True, is_active=False)
    assert run(capsys)[0] == 0


def test_the_demo_password_fails_the_check_in_production_only(three_admins, capsys, settings):
    demo = UserFactory(username="leftover", role=Role.LEADER)
    demo.set_password(settings.DEMO_PASSWORD)
    demo.save()
    settings.DEBUG = False
    code, output = run(capsys)
    assert code == 1 and "demo password: leftover" in output
    settings.DEBUG = True
    assert run(capsys)[0] == 0


def test_a_staff_account_with_a_role_breaks_the_separation(three_admins, capsys):
    UserFactory(username="mixed", role=Role.SECURITY_ADMIN, is_staff=True)
    code, output = run(capsys)
    assert code == 1 and "mixed" in output


def test_one_person_holding_two_admin_roles_breaks_the_separation(three_admins, capsys):
    UserFactory(username="twohats", role=Role.AUDIT_ADMIN, email="SYS@example.invalid")
    code, output = run(capsys)
    assert code == 1 and "twohats" in output and "sys@example.invalid" in output


def test_a_missing_admin_role_is_only_a_warning(capsys):
    UserFactory(role=Role.SYSTEM_ADMIN)
    code, output = run(capsys)
    assert code == 0 and "security_admin" in output


def test_demo_accounts_exist_only_through_load_demo():
    """No migration creates an account: a fresh database has no user with a known password."""
    from portal.models import User

    assert not User.objects.exists()
    assert settings.DEMO_PASSWORD  # load_demo's shared password, refused by this check
