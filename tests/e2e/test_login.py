"""First journeys: log in as each role, see its navigation, switch language, register."""

import re

import pytest
from django.utils import translation
from playwright.sync_api import Page, expect

from portal.models import Organisation, User

# What the navigation bar must show to each demo user, written out by hand from the rules in
# portal/permissions.py, so that a changed rule or nav entry fails here until it is meant.
EXPECTED_NAV = {
    "enterprise": {
        "home",
        "projects",
        "calls",
        "my-organisation",
        "needs",
        "open-licences",
        "conversions",
        "incentives",
        "claims",
        "api",
    },
    "university": {
        "home",
        "projects",
        "calls",
        "my-organisation",
        "patents",
        "open-licences",
        "conversions",
        "incentives",
        "claims",
        "api",
    },
    "reviewer": {
        "home",
        "projects",
        "calls",
        "ranking",
        "patents",
        "patent-stats",
        "needs",
        "open-licences",
        "conversions",
        "incentives",
        "claims",
        "spending",
        "statistics",
        "dashboard",
        "exchange",
        "organisations",
        "regions",
        "api",
    },
    "expert": {"home", "reviews", "api"},
    "ankang": {"home", "statistics", "dashboard", "organisations", "regions", "api"},
    "leader": {
        "home",
        "projects",
        "calls",
        "ranking",
        "patents",
        "patent-stats",
        "needs",
        "open-licences",
        "conversions",
        "incentives",
        "claims",
        "spending",
        "statistics",
        "dashboard",
        "exchange",
        "organisations",
        "regions",
        "api",
    },
    "sysadmin": {"home", "organisations", "users", "regions", "api"},
    "secadmin": {"home", "organisations", "users", "lockouts", "api"},
    "auditadmin": {"home", "audit", "api"},
}

# A page each role must not open, typed as a URL, not reached through the navigation.
FORBIDDEN = {
    "enterprise": "/audit/",
    "university": "/organisations/",
    "reviewer": "/users/",
    "expert": "/organisations/",
    "ankang": "/users/",
    "leader": "/audit/",
    "sysadmin": "/audit/",
    "secadmin": "/regions/",
    "auditadmin": "/users/",
}

VALID_CREDIT_CODE = "916101315784145092"
BAD_CHECK_CHARACTER = "916101315784145093"


def nav_keys(page: Page) -> list[str]:
    return page.locator("[data-testid=nav] a[data-nav]").evaluate_all(
        "links => links.map(link => link.dataset.nav)"
    )


def test_every_demo_user_is_covered(demo_data):
    assert set(EXPECTED_NAV) == set(demo_data.roles) == set(FORBIDDEN)


@pytest.mark.parametrize("username", list(EXPECTED_NAV))
def test_login_shows_the_navigation_of_the_role(page, login_as, demo_data, username):
    login_as(page, username)

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("[data-testid=home-title]")).to_be_visible()
    keys = nav_keys(page)
    assert len(keys) == len(set(keys)), f"duplicate navigation entries: {keys}"
    assert set(keys) == EXPECTED_NAV[username]

    # Every entry shown must open for this role.
    hrefs = page.locator("[data-testid=nav] a[data-nav]").evaluate_all(
        "links => links.map(link => [link.dataset.nav, link.getAttribute('href')])"
    )
    for key, href in hrefs:
        response = page.goto(href)
        assert response is not None and response.status == 200, f"{key} → {href}"

    response = page.goto(FORBIDDEN[username])
    assert response is not None and response.status == 403, FORBIDDEN[username]
    # The refusal is the portal's own page, still with the user's navigation.
    expect(page.locator("[data-testid=nav]")).to_be_visible()


def test_wrong_password_shows_an_error_and_stays_on_login(page, login_as, demo_data):
    login_as(page, "reviewer", "not-the-password", expect_success=False)

    expect(page.locator("[data-testid=login-error]")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.locator("#id_username")).to_have_value("reviewer")
    expect(page.locator("[data-testid=user-menu]")).to_have_count(0)


def test_stylesheets_and_scripts_load(page, live_site):
    failed = []
    page.on(
        "response",
        lambda response: (
            "/static/" in response.url
            and response.status != 200
            and failed.append(f"{response.status} {response.url}")
        ),
    )
    page.on("requestfailed", lambda request: failed.append(f"failed {request.url}"))
    page.goto("/login/", wait_until="networkidle")

    assert failed == []
    # Bootstrap's primary colour on the navbar proves its stylesheet applied.
    background = page.locator("nav.navbar").evaluate("nav => getComputedStyle(nav).backgroundColor")
    assert background == "rgb(13, 110, 253)"


def test_language_switcher_changes_the_page_language(page_as):
    page = page_as("reviewer")
    page.goto("/regions/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    with page.expect_navigation():
        page.select_option("select[name=language]", "en")

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/regions/$"))  # stays on the same page
    expect(page.locator("[data-nav=home]")).to_have_text("Home")
    expect(page.locator("[data-testid=logout]")).to_have_text("Log out")

    # The choice sticks for the next page, and switching back works too.
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    with page.expect_navigation():
        page.select_option("select[name=language]", "zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")


def fill_registration(page: Page, credit_code: str) -> None:
    page.fill("#id_organisation_name", "安康秦巴硒谷生物科技有限公司")
    page.fill("#id_credit_code", credit_code)
    page.select_option("#id_kind", "enterprise")
    page.select_option("#id_region", label="安康市")
    page.fill("#id_address", "陕西省安康市汉滨区高新技术产业开发区科技大道 1 号")
    page.fill("#id_name", "周申请")
    page.fill("#id_phone", "0915-3212345")
    page.fill("#id_email", "zhou@example.invalid")
    page.fill("#id_username", "zhou.applicant")
    page.fill("#id_password1", "Xa9!kLm2#pQ")
    page.fill("#id_password2", "Xa9!kLm2#pQ")


def test_registration_with_a_typo_then_the_right_credit_code(page, live_site):
    page.goto("/register/")
    fill_registration(page, BAD_CHECK_CHARACTER)
    with page.expect_navigation():
        page.click("[data-testid=register-form] button[type=submit]")

    error = page.locator("[data-field-error=credit_code]")
    expect(error).to_be_visible()
    expect(error).to_contain_text(BAD_CHECK_CHARACTER)
    expect(error).to_contain_text(re.compile(r"check character|校验"))
    assert not Organisation.objects.filter(credit_code=BAD_CHECK_CHARACTER).exists()

    # Passwords are not sent back to the browser: fill the whole form again, code corrected.
    fill_registration(page, VALID_CREDIT_CODE)
    with page.expect_navigation():
        page.click("[data-testid=register-form] button[type=submit]")

    expect(page).to_have_url(re.compile(r"/organisation/$"))
    with translation.override("zh-hans"):
        pending = str(Organisation.Status.PENDING.label)
    expect(page.locator("[data-testid=org-status]")).to_have_text(pending)
    expect(page.locator(".alert-success")).to_be_visible()
    expect(page.locator("[data-testid=nav] [data-nav=my-organisation]")).to_be_visible()

    organisation = Organisation.objects.get(credit_code=VALID_CREDIT_CODE)
    assert organisation.status == Organisation.Status.PENDING
    applicant = User.objects.get(username="zhou.applicant")
    assert applicant.organisation == organisation
