"""The second factor in a real browser: a reviewer enrols an authenticator at the first login, as
OTP_REQUIRED demands, and gives a code at the next. The code is computed from the key the page
shows for manual entry, as an authenticator app would."""

import base64
import re
import time

from django_otp.oath import totp
from playwright.sync_api import Page, expect

from portal.factories import UserFactory
from portal.models import Role

PASSWORD = "Pass-word-2025"  # the factories' password


def app_code(secret: str, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for a key typed in as the page prints it."""
    text = secret.replace(" ", "")
    key = base64.b32decode(text + "=" * (-len(text) % 8))
    return f"{totp(key, drift=steps_ahead):06d}"


def wrong_code(secret: str) -> str:
    right = {app_code(secret, steps) for steps in (-1, 0, 1, 2)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in right)


def submit(page: Page, form: str) -> None:
    with page.expect_navigation():
        page.click(f"[data-testid={form}] button[type=submit]")


def test_reviewer_enrols_then_logs_in_with_a_code(page, login_as, nav_link, live_site, settings):
    settings.OTP_REQUIRED = True
    reviewer = UserFactory(role=Role.REVIEWER)

    login_as(page, reviewer.username, PASSWORD, expect_success=False)

    # First login: the enrolment page, with the QR code drawn inline and no navigation yet.
    expect(page).to_have_url(re.compile(r"/account/two-factor/enrol/"))
    expect(page.locator("[data-testid=otp-qr] svg")).to_be_visible()
    expect(page.locator("[data-testid=nav] a")).to_have_count(0)
    secret = page.locator("[data-testid=otp-secret]").inner_text()
    # A business page typed in the address bar leads back here.
    page.goto("/organisations/")
    expect(page).to_have_url(re.compile(r"/account/two-factor/enrol/"))

    page.fill("#id_token", app_code(secret))
    submit(page, "otp-enrol-form")

    expect(page).to_have_url(re.compile(r"/organisations/$"))
    expect(page.locator(".alert-success")).to_be_visible()
    expect(nav_link(page, "organisations")).to_be_visible()

    page.click("[data-testid=user-menu]")
    with page.expect_navigation():
        page.click("[data-testid=logout]")

    # Next login: the code is asked for; a wrong one is refused on the field.
    login_as(page, reviewer.username, PASSWORD, expect_success=False)
    expect(page).to_have_url(re.compile(r"/login/verify/"))
    page.fill("#id_token", wrong_code(secret))
    submit(page, "otp-verify-form")
    expect(page.locator("[data-field-error=token]")).to_be_visible()
    expect(page.locator("[data-testid=nav] a")).to_have_count(0)

    time.sleep(1.2)  # the throttle's wait after one wrong code
    page.fill("#id_token", app_code(secret, steps_ahead=1))  # the enrolment code is spent
    submit(page, "otp-verify-form")

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("[data-testid=home-title]")).to_be_visible()
    expect(nav_link(page, "organisations")).to_be_visible()
