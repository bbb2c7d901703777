"""The TOTP second factor (portal/otp.py): who is asked, enrolment, verification, the API, reset.

Codes are computed as an authenticator app would, from the device's key (django_otp.oath.totp).
"""

import base64
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from portal import otp
from portal.factories import ApplicantFactory, UserFactory
from portal.models import AuditEntry, Role

pytestmark = pytest.mark.django_db

PASSWORD = "Pass-word-2025"  # the factories' password
API_URL = "/api/v1/regions/"  # an endpoint every role may read


@pytest.fixture
def otp_required(settings):
    settings.OTP_REQUIRED = True
    settings.OTP_REQUIRED_ROLES = ["reviewer", "system_admin", "security_admin", "audit_admin"]


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the app shows now (or `steps_ahead` periods of 30 s later: a code is accepted
    once, so a second login in the same period needs the next one, as it would in real life)."""
    device.refresh_from_db()
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + steps_ahead)
    return f"{value:0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    right = {code(device, offset) for offset in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in right)


def password_login(client, user) -> None:
    response = client.post(
        reverse("portal:login"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302, "the password login itself failed"


def confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def pass_throttle(device: TOTPDevice) -> None:
    """Let the throttle's wait after a wrong code elapse."""
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(minutes=5)
    )


def enrol(client, user) -> TOTPDevice:
    client.get(reverse("portal:otp_enrol"))
    device = TOTPDevice.objects.get(user=user)
    response = client.post(reverse("portal:otp_enrol"), {"token": code(device)})
    assert response.status_code == 302, response.context["form"].errors
    return device


# Required by role ----------------------------------------------------------------------------


def test_reviewer_is_sent_to_enrolment_and_kept_out_until_confirmed(client, otp_required):
    reviewer = UserFactory(role=Role.REVIEWER)
    password_login(client, reviewer)

    response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('portal:otp_enrol')}?next=%2F"
    business = client.get(reverse("portal:organisation_list"))
    assert business.status_code == 302
    assert business["Location"].startswith(reverse("portal:otp_enrol"))
    assert client.get(API_URL).status_code == 403
    assert client.get(reverse("api-schema")).status_code == 403
    # Logging out still works.
    assert client.post(reverse("portal:logout")).status_code == 302


def test_enrolment_page_shows_a_qr_code_and_the_secret(client, otp_required):
    reviewer = UserFactory(role=Role.REVIEWER)
    password_login(client, reviewer)

    response = client.get(reverse("portal:otp_enrol"))

    assert response.status_code == 200
    device = TOTPDevice.objects.get(user=reviewer)
    assert not device.confirmed
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    page = response.content.decode()
    assert response.context["secret"].replace(" ", "") == secret
    assert 'class="segno"' in page and "<svg" in page
    assert "<script>" not in page.split('data-testid="otp-qr"')[1].split("</div>")[0]
    # Until enrolled the session sees no navigation.
    assert response.context["nav_items"] == []
    # Reloading keeps the same secret, so a code from an app that scanned it still works.
    again = client.get(reverse("portal:otp_enrol"))
    assert again.context["secret"] == response.context["secret"]
    assert TOTPDevice.objects.filter(user=reviewer).count() == 1


def test_wrong_code_is_refused_on_the_field_and_audited(english, otp_required):
    client = english
    reviewer = UserFactory(role=Role.REVIEWER)
    password_login(client, reviewer)
    client.get(reverse("portal:otp_enrol"))
    device = TOTPDevice.objects.get(user=reviewer)

    response = client.post(reverse("portal:otp_enrol"), {"token": wrong_code(device)})

    assert response.status_code == 200
    assert "This code is not right" in response.context["form"].errors["token"][0]
    assert 'data-field-error="token"' in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    failed = AuditEntry.objects.get(event="auth.otp_failed")
    assert failed.actor == reviewer and failed.outcome == AuditEntry.Outcome.FAILURE
    assert client.get(API_URL).status_code == 403

    # Not six digits: the form names the field before any code is checked.
    response = client.post(reverse("portal:otp_enrol"), {"token": "12ab"})
    assert "6 digits" in response.context["form"].errors["token"][0]


def test_right_code_confirms_the_device_and_opens_the_portal(client, otp_required):
    reviewer = UserFactory(role=Role.REVIEWER)
    password_login(client, reviewer)
    client.get(reverse("portal:home"))
    client.get(reverse("portal:otp_enrol"))
    device = TOTPDevice.objects.get(user=reviewer)

    response = client.post(
        reverse("portal:otp_enrol"),
        {"token": code(device), "next": reverse("portal:organisation_list")},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:organisation_list")
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("portal:organisation_list")).status_code == 200
    assert client.get(API_URL).status_code == 200
    assert AuditEntry.objects.filter(event="auth.otp_enrolled", actor=reviewer).exists()


def test_the_next_login_asks_for_the_code(english, otp_required):
    client = english
    reviewer = UserFactory(role=Role.REVIEWER)
    password_login(client, reviewer)
    device = enrol(client, reviewer)
    client.post(reverse("portal:logout"))

    password_login(client, reviewer)
    response = client.get(reverse("portal:organisation_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:otp_verify"))
    assert client.get(API_URL).status_code == 403

    # The code just used at enrolment is not accepted twice.
    refused = client.post(reverse("portal:otp_verify"), {"token": code(device)})
    assert refused.status_code == 200 and "token" in refused.context["form"].errors
    pass_throttle(device)

    response = client.post(
        reverse("portal:otp_verify"),
        {"token": code(device, steps_ahead=1), "next": reverse("portal:organisation_list")},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:organisation_list")
    assert client.get(reverse("portal:organisation_list")).status_code == 200
    assert client.get(API_URL).status_code == 200
    assert AuditEntry.objects.filter(event="auth.otp_verified", actor=reviewer).exists()


def test_verification_does_not_redirect_off_site(client, otp_required):
    reviewer = UserFactory(role=Role.REVIEWER)
    device = confirmed_device(reviewer)
    password_login(client, reviewer)

    response = client.post(
        reverse("portal:otp_verify"), {"token": code(device), "next": "https://evil.example/"}
    )

    assert response.status_code == 302 and response["Location"] == reverse("portal:home")


def test_the_session_key_changes_when_the_code_is_given(client, otp_required):
    reviewer = UserFactory(role=Role.REVIEWER)
    device = confirmed_device(reviewer)
    password_login(client, reviewer)
    before = client.session.session_key

    client.post(reverse("portal:otp_verify"), {"token": code(device)})

    assert client.session.session_key != before


def test_a_password_alone_cannot_enrol_a_second_device(client, otp_required):
    reviewer = UserFactory(role=Role.REVIEWER)
    confirmed_device(reviewer)
    password_login(client, reviewer)

    response = client.get(reverse("portal:otp_enrol"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:otp_verify"))
    assert TOTPDevice.objects.filter(user=reviewer).count() == 1
    with pytest.raises(ValidationError):
        otp.otp_device_for_enrolment(user=reviewer)


def test_wrong_codes_are_throttled(english, otp_required):
    client = english
    reviewer = UserFactory(role=Role.REVIEWER)
    device = confirmed_device(reviewer)
    password_login(client, reviewer)

    client.post(reverse("portal:otp_verify"), {"token": wrong_code(device)})
    # Right away, even the right code waits: guessing a million codes takes forever.
    response = client.post(reverse("portal:otp_verify"), {"token": code(device)})
    assert "Too many wrong codes" in response.context["form"].errors["token"][0]
    assert client.get(API_URL).status_code == 403
    assert AuditEntry.objects.filter(event="auth.otp_failed", reason="login: throttled").exists()

    pass_throttle(device)
    response = client.post(reverse("portal:otp_verify"), {"token": code(device)})
    assert response.status_code == 302
    assert client.get(API_URL).status_code == 200


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])
def test_the_administrators_are_asked_too(client, otp_required, role):
    password_login(client, UserFactory(role=role))

    response = client.get(reverse("portal:home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:otp_enrol"))


def test_a_superuser_is_asked_too(client, otp_required):
    superuser = UserFactory(role="", is_superuser=True, is_staff=True)
    password_login(client, superuser)

    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/")["Location"].startswith(reverse("portal:otp_enrol"))


def test_an_applicant_is_not_asked(client, otp_required):
    applicant = ApplicantFactory()
    password_login(client, applicant)

    assert client.get(reverse("portal:home")).status_code == 200
    assert client.get(API_URL).status_code == 200
    assert not TOTPDevice.objects.filter(user=applicant).exists()


def test_the_roles_come_from_the_setting(client, otp_required, settings):
    settings.OTP_REQUIRED_ROLES = ["applicant"]
    password_login(client, ApplicantFactory())
    assert client.get(reverse("portal:home")).status_code == 302

    client.post(reverse("portal:logout"))
    password_login(client, UserFactory(role=Role.REVIEWER))
    assert client.get(reverse("portal:home")).status_code == 200


def test_with_the_setting_off_nobody_is_asked(client, settings):
    settings.OTP_REQUIRED = False
    password_login(client, UserFactory(role=Role.REVIEWER))

    assert client.get(reverse("portal:home")).status_code == 200
    assert client.get(API_URL).status_code == 200


# Voluntary -----------------------------------------------------------------------------------


def test_any_user_may_enable_it_and_is_then_asked_at_every_login(client, settings):
    settings.OTP_REQUIRED = False
    applicant = ApplicantFactory()
    password_login(client, applicant)
    account = client.get(reverse("portal:otp_account"))
    assert account.status_code == 200
    assert reverse("portal:otp_enrol") in account.content.decode()

    device = enrol(client, applicant)
    client.post(reverse("portal:logout"))
    password_login(client, applicant)

    response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:otp_verify"))
    assert client.get(API_URL).status_code == 403
    client.post(reverse("portal:otp_verify"), {"token": code(device, steps_ahead=1)})
    assert client.get(reverse("portal:home")).status_code == 200


def test_the_account_menu_links_to_the_two_factor_page(client):
    password_login(client, ApplicantFactory())

    page = client.get(reverse("portal:password_change")).content.decode()

    assert page.count(f'href="{reverse("portal:otp_account")}"') == 2  # menu and the page


def test_a_volunteer_turns_it_off_with_a_code(english, settings):
    client = english
    settings.OTP_REQUIRED = False
    applicant = ApplicantFactory()
    password_login(client, applicant)
    device = enrol(client, applicant)

    refused = client.post(reverse("portal:otp_account"), {"token": wrong_code(device)})
    assert "token" in refused.context["form"].errors
    assert TOTPDevice.objects.filter(user=applicant).exists()
    pass_throttle(device)

    client.post(reverse("portal:otp_account"), {"token": code(device, steps_ahead=1)})
    assert not TOTPDevice.objects.filter(user=applicant).exists()
    assert AuditEntry.objects.filter(event="auth.otp_disabled", actor=applicant).exists()
    client.post(reverse("portal:logout"))
    password_login(client, applicant)
    assert client.get(reverse("portal:home")).status_code == 200


def test_a_required_role_cannot_turn_it_off(english, otp_required):
    client = english
    reviewer = UserFactory(role=Role.REVIEWER)
    password_login(client, reviewer)
    device = enrol(client, reviewer)

    response = client.post(reverse("portal:otp_account"), {"token": code(device, steps_ahead=1)})

    assert "cannot be turned off" in response.context["form"].errors["token"][0]
    assert TOTPDevice.objects.filter(user=reviewer, confirmed=True).exists()


# API tokens ----------------------------------------------------------------------------------


def test_tokens_are_refused_to_accounts_that_must_give_a_code(english, otp_required):
    client = english
    reviewer = UserFactory(role=Role.REVIEWER)
    applicant = ApplicantFactory()
    reviewer_token = Token.objects.create(user=reviewer)
    applicant_token = Token.objects.create(user=applicant)

    refused = client.get(API_URL, HTTP_AUTHORIZATION=f"Token {reviewer_token.key}")
    assert refused.status_code == 403
    assert "Tokens are not accepted" in refused.json()["detail"]
    accepted = client.get(API_URL, HTTP_AUTHORIZATION=f"Token {applicant_token.key}")
    assert accepted.status_code == 200

    # A volunteer's token is refused as well: it would skip the code.
    confirmed_device(applicant)
    again = client.get(API_URL, HTTP_AUTHORIZATION=f"Token {applicant_token.key}")
    assert again.status_code == 403


def test_tokens_work_for_everyone_with_the_setting_off(client, settings):
    settings.OTP_REQUIRED = False
    token = Token.objects.create(user=UserFactory(role=Role.REVIEWER))

    response = client.get(API_URL, HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 200


# Reset by the security administrator ----------------------------------------------------------


def test_security_admin_resets_a_users_authenticator(client, otp_required):
    reviewer = UserFactory(role=Role.REVIEWER)
    reviewer_client = client.__class__()
    password_login(reviewer_client, reviewer)
    enrol(reviewer_client, reviewer)
    assert reviewer_client.get(reverse("portal:home")).status_code == 200

    secadmin = UserFactory(role=Role.SECURITY_ADMIN)
    client.force_login(secadmin)
    client.post(reverse("portal:otp_verify"), {"token": code(confirmed_device(secadmin))})
    edit_page = client.get(reverse("portal:user_edit", args=[reviewer.pk])).content.decode()
    assert reverse("portal:otp_reset", args=[reviewer.pk]) in edit_page

    response = client.post(reverse("portal:otp_reset", args=[reviewer.pk]))

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=reviewer).exists()
    entry = AuditEntry.objects.get(event="auth.otp_reset")
    assert entry.actor == secadmin and entry.target_id == str(reviewer.pk)
    # The reviewer's verified session ends: they set up a new authenticator before going on.
    response = reviewer_client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("portal:otp_enrol"))


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.REVIEWER, Role.AUDIT_ADMIN])
def test_only_the_security_admin_may_reset(client, settings, role):
    settings.OTP_REQUIRED = False
    target = ApplicantFactory()
    confirmed_device(target)
    client.force_login(UserFactory(role=role))

    response = client.post(reverse("portal:otp_reset", args=[target.pk]))

    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=target).exists()


def test_a_security_admin_cannot_reset_their_own(client, settings):
    settings.OTP_REQUIRED = False
    secadmin = UserFactory(role=Role.SECURITY_ADMIN)
    device = confirmed_device(secadmin)
    client.force_login(secadmin)
    client.post(reverse("portal:otp_verify"), {"token": code(device)})

    response = client.post(reverse("portal:otp_reset", args=[secadmin.pk]))

    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=secadmin).exists()


def test_reset_needs_post(client, settings):
    settings.OTP_REQUIRED = False
    target = ApplicantFactory()
    confirmed_device(target)
    client.force_login(UserFactory(role=Role.SECURITY_ADMIN))

    assert client.get(reverse("portal:otp_reset", args=[target.pk])).status_code == 405
    assert TOTPDevice.objects.filter(user=target).exists()


# Configuration -------------------------------------------------------------------------------


def test_an_unknown_role_in_the_setting_is_a_configuration_error(settings):
    settings.OTP_REQUIRED_ROLES = ["reviewer", "reviwer"]

    errors = otp.check_required_roles()

    assert [error.id for error in errors] == ["portal.E101"]
    assert "reviwer" in errors[0].msg


def test_the_middleware_follows_django_otps():
    middleware = settings.MIDDLEWARE
    auth = middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware")
    assert middleware.index("django_otp.middleware.OTPMiddleware") > auth
    assert middleware.index("portal.otp.OTPRequiredMiddleware") > middleware.index(
        "django_otp.middleware.OTPMiddleware"
    )
