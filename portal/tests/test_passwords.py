"""The password policy: complexity, no reuse, expiry; on every path that sets a password."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from portal.demo import MORE_USERS, USERS
from portal.factories import UserFactory, region
from portal.models import AuditEntry, PasswordHistory, Role, User
from portal.passwords import password_expired

pytestmark = pytest.mark.django_db

STRONG = "Xa9!kLm2#pQ"


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def codes(password: str, user=None) -> set[str]:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        return {item.code for item in error.error_list}
    return set()


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("Ab1!xyz", "password_too_short"),  # 7 characters
        ("abcdefgh12", "password_too_simple"),  # lower + digit: two classes
        ("ABCDEFGH!!", "password_too_simple"),  # upper + symbol
        ("P@ssw0rd", "password_too_common"),  # four classes, but on Django's common list
        ("Zhangsan@2025", "password_has_username"),  # built around the user name
        ("nasgnahZ@2025", "password_has_username"),  # the user name backwards
        ("Zhangsan1", "password_too_similar"),  # Django's similarity check
    ],
)
def test_policy_refuses_weak_passwords(password, code):
    user = User(username="zhangsan", email="zs@example.invalid")
    assert code in codes(password, user)


def test_policy_accepts_a_strong_password_and_the_demo_password_of_every_demo_user():
    assert codes(STRONG, User(username="zhangsan")) == set()
    for username, *_rest in USERS + MORE_USERS:
        assert codes(settings.DEMO_PASSWORD, User(username=username)) == set(), username


def test_minimum_length_follows_the_setting(settings):
    minimum = next(
        v["OPTIONS"]["min_length"]
        for v in settings.AUTH_PASSWORD_VALIDATORS
        if v["NAME"].endswith("MinimumLengthValidator")
    )
    assert minimum == settings.PASSWORD_MIN_LENGTH == 8
    settings.AUTH_PASSWORD_VALIDATORS = [
        {
            "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
            "OPTIONS": {"min_length": 12},
        }
    ]
    assert "password_too_short" in codes("Xa9!kLm2#pQ")  # 11 characters


def test_the_last_five_passwords_cannot_be_reused_the_sixth_can():
    user = UserFactory(username="rotator")  # first password: Pass-word-2025
    passwords = ["Pass-word-2025"] + [f"Rotate-{n}-Xy!" for n in range(2, 6)]
    for password in passwords[1:]:
        assert codes(password, user) == set()
        user.set_password(password)
        user.save()
    for password in passwords:  # the current one and the four before it
        assert "password_reused" in codes(password, user), password
    user.set_password("Rotate-6-Xy!")
    user.save()
    assert codes(passwords[0], user) == set()  # now the sixth-last: allowed again
    assert "password_reused" in codes(passwords[1], user)
    stored = list(PasswordHistory.objects.filter(user=user).values_list("password", flat=True))
    assert len(stored) == 5
    assert all(value.startswith("md5$") and "Rotate" not in value for value in stored)


def test_history_is_written_on_account_creation_and_dates_the_password():
    user = UserFactory()
    assert PasswordHistory.objects.filter(user=user).count() == 1
    assert user.password_changed_at is not None
    assert not password_expired(user)


def test_password_change_page_refuses_the_current_password(english):
    user = UserFactory(username="changer")
    english.force_login(user)
    response = english.post(
        reverse("portal:password_change"),
        {
            "old_password": "Pass-word-2025",
            "new_password1": "Pass-word-2025",
            "new_password2": "Pass-word-2025",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["new_password2"]
    assert any("reuse" in error for error in errors)


def test_user_create_page_shows_the_policy_error_on_the_password_field(english):
    english.force_login(UserFactory(role=Role.SYSTEM_ADMIN))
    response = english.post(
        reverse("portal:user_create"),
        {"username": "newbie", "name": "新人", "password": "abcdefgh12"},
    )
    assert response.status_code == 200
    assert "password" in response.context["form"].errors
    assert not User.objects.filter(username="newbie").exists()


def test_registration_page_shows_the_policy_error_on_the_password_field(client):
    response = client.post(
        reverse("portal:register"),
        {
            "organisation_name": "安康新单位有限公司",
            "credit_code": "916101315784145092",
            "kind": "enterprise",
            "region": region("610902").pk,
            "name": "新用户",
            "phone": "13800000000",
            "email": "new@example.invalid",
            "username": "newcomer",
            "password1": "newcomer@2025A",
            "password2": "newcomer@2025A",
        },
    )
    assert response.status_code == 200
    assert "password1" in response.context["form"].errors
    assert not User.objects.filter(username="newcomer").exists()


# Expiry --------------------------------------------------------------------------------------


def age_password(user: User, days: int) -> None:
    User.objects.filter(pk=user.pk).update(
        password_changed_at=timezone.now() - timedelta(days=days)
    )


def test_an_expired_password_keeps_the_user_on_the_change_page(client):
    user = UserFactory(role=Role.REVIEWER)
    age_password(user, settings.PASSWORD_MAX_AGE_DAYS + 1)
    client.force_login(user)
    response = client.get(reverse("portal:organisation_list"))
    assert response.status_code == 302 and response["Location"] == reverse("portal:password_change")
    assert client.get(reverse("portal:password_change")).status_code == 200
    assert client.get("/api/v1/regions/").status_code == 403
    response = client.post(
        reverse("portal:password_change"),
        {"old_password": "Pass-word-2025", "new_password1": STRONG, "new_password2": STRONG},
    )
    assert response.status_code == 302
    assert client.get(reverse("portal:organisation_list")).status_code == 200
    user.refresh_from_db()
    assert timezone.now() - user.password_changed_at < timedelta(minutes=1)


def test_a_password_younger_than_the_limit_is_not_expired(client):
    user = UserFactory(role=Role.REVIEWER)
    age_password(user, settings.PASSWORD_MAX_AGE_DAYS - 1)
    client.force_login(user)
    assert client.get(reverse("portal:organisation_list")).status_code == 200


def test_an_expired_user_may_still_log_out_and_switch_language(client):
    user = UserFactory()
    age_password(user, settings.PASSWORD_MAX_AGE_DAYS + 1)
    client.force_login(user)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.post(reverse("portal:logout")).status_code == 302
    assert client.get(reverse("portal:home")).status_code == 302  # logged out: to the login


def test_expiry_zero_turns_it_off(client, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 0
    user = UserFactory(role=Role.REVIEWER)
    age_password(user, 1000)
    client.force_login(user)
    assert client.get(reverse("portal:organisation_list")).status_code == 200


def test_demo_users_are_not_asked_to_change_their_password_at_once():
    """load_demo creates its users this way (set_password, save)."""
    user = User(username="enterprise-demo", role=Role.REVIEWER)
    user.set_password(settings.DEMO_PASSWORD)
    user.save()
    assert not password_expired(User.objects.get(pk=user.pk))


# The system administrator's reset --------------------------------------------------------------


def test_system_admin_sets_a_password_the_user_must_then_change(client, english):
    target = UserFactory(role=Role.REVIEWER)
    english.force_login(UserFactory(role=Role.SYSTEM_ADMIN))
    url = reverse("portal:user_edit", args=[target.pk])
    response = english.post(url, {"action": "password", "password": "short", "password2": "short"})
    assert response.status_code == 200
    assert "password" in response.context["password_form"].errors
    response = english.post(url, {"action": "password", "password": STRONG, "password2": STRONG})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.check_password(STRONG) and target.password_changed_at is None
    assert PasswordHistory.objects.filter(user=target).count() == 2
    assert AuditEntry.objects.filter(event="user.set_password", target_id=str(target.pk)).exists()
    client.force_login(target)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302 and response["Location"] == reverse("portal:password_change")


def test_the_reset_refuses_a_recent_password_of_the_user(english):
    target = UserFactory(role=Role.REVIEWER)
    english.force_login(UserFactory(role=Role.SYSTEM_ADMIN))
    response = english.post(
        reverse("portal:user_edit", args=[target.pk]),
        {"action": "password", "password": "Pass-word-2025", "password2": "Pass-word-2025"},
    )
    assert response.status_code == 200
    assert "password" in response.context["password_form"].errors


def test_only_the_system_admin_sets_passwords(client):
    target = UserFactory(role=Role.REVIEWER)
    for role in (Role.SECURITY_ADMIN, Role.AUDIT_ADMIN):
        client.force_login(UserFactory(role=role))
        response = client.post(
            reverse("portal:user_edit", args=[target.pk]),
            {"action": "password", "password": STRONG, "password2": STRONG},
        )
        assert response.status_code in {403, 404}, role
    target.refresh_from_db()
    assert target.check_password("Pass-word-2025")


def test_the_second_factor_comes_before_the_password_change(client, settings):
    """Otherwise a stolen expired password alone would let its holder set a new one."""
    settings.OTP_REQUIRED = True
    user = UserFactory(role=Role.REVIEWER)
    age_password(user, settings.PASSWORD_MAX_AGE_DAYS + 1)
    client.force_login(user)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("portal:otp_enrol")
    )
    assert client.get(reverse("portal:otp_enrol")).status_code == 200  # no redirect loop
    response = client.get(reverse("portal:password_change"))
    assert response.status_code == 302 and reverse("portal:otp_enrol") in response["Location"]
