"""Real-browser journeys: Debian's chromium, driven by Playwright, against the live server.

Fixtures for every e2e test (later features reuse them as they are):

* `browser` (session): one headless chromium for the whole run. Never downloads a browser; uses
  /usr/bin/chromium or $CHROMIUM_PATH, and skips (locally) or fails (CI=true) when it is missing.
* `live_site`: the live server, on a database holding the seeded regions. The live server's
  tests are transactional: the database is flushed after each, so the seed is re-applied.
* `demo_data`: runs `load_demo --not-production` (which also re-applies the seed); returns the
  demo password and the role of each demo user name.
* `open_page`: factory for a fresh, isolated browser context (zh-CN, 1280x900, 10 s timeouts)
  whose page goes relative to the live server (`page.goto("/login/")`). Every page a test opened
  is saved as a full-page screenshot under test-artifacts/screenshots/, pass or fail.
* `page`: one such page, anonymous.
* `login_as(page, username, password=None)`: logs the page in through the login form.
* `page_as("reviewer")`: a new page logged in as that demo user. Call it more than once for
  journeys with several actors (applicant submits, reviewer verifies): each gets its own cookies.
* `nav_link(page, "claims")`: the navigation bar's entry of that key (`data-nav`), its menu
  opened first when it sits in one, ready to click.
"""

import io
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connections
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from portal.models import Region, RegionCodeAlias
from portal.seeds import seed_regions
from tests.services import missing_service

E2E_DIR = Path(__file__).resolve().parent
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 10_000
VIEWPORT = {"width": 1280, "height": 900}
LOCALE = "zh-CN"

expect.set_options(timeout=TIMEOUT_MS)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # A conftest's collection hook sees the whole session: mark only the tests under this folder.
    for item in items:
        if E2E_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.e2e)


# Browser -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or DEFAULT_CHROMIUM
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        missing_service("needs Debian's chromium: apt-get install -y chromium fonts-noto-cjk")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path: str, django_db_setup) -> Iterator[Browser]:
    # Playwright's sync API keeps an event loop running in this thread. Without this flag
    # Django's ORM (fixtures, assertions, the flush between tests) refuses to run "in an async
    # context".
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
    except Exception:
        connections.close_all()
        playwright.stop()
        raise
    yield chromium
    chromium.close()
    # Playwright's running loop makes Django's connections context-local: close the ones this
    # thread opened while it ran, or PostgreSQL could not drop the test database at the end.
    connections.close_all()
    playwright.stop()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def _e2e_needs_chromium(chromium_path: str) -> None:
    """Every e2e test needs chromium, even one that opens no page: skip or fail it up front."""


# Server and data -----------------------------------------------------------------------------


@pytest.fixture
def live_site(live_server):
    """The live server, with the seeded regions, project categories, incentive policies and
    exchange mappings (the flush after the previous test removed what the migrations seeded)."""
    from exchange.models import Mapping
    from exchange.seeds import seed_mappings
    from incentives.models import Policy
    from incentives.seeds import seed_policies
    from projects.seeds import seed as seed_categories

    seed_regions(Region, RegionCodeAlias)
    seed_categories()
    seed_policies(Policy, Region)
    seed_mappings(Mapping)
    return live_server


@dataclass(frozen=True)
class DemoData:
    password: str
    roles: dict[str, str]  # demo user name -> role code


@pytest.fixture
def demo_data(live_site) -> DemoData:
    from portal.demo import USERS

    call_command("load_demo", "--not-production", stdout=io.StringIO())
    return DemoData(
        password=settings.DEMO_PASSWORD,
        roles={username: str(role) for username, _name, role, _org, _region in USERS},
    )


# Pages ---------------------------------------------------------------------------------------


def _artifact_name(text: str) -> str:
    return re.sub(r"[^\w.\[\]=-]+", "_", text).strip("_") or "page"


@pytest.fixture
def open_page(
    browser: Browser, live_site, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Page]]:
    """Factory: `open_page(label=None)` gives a page in a new browser context of its own."""
    opened: list[tuple[str | None, Page]] = []

    def open_new(label: str | None = None) -> Page:
        context = browser.new_context(base_url=live_site.url, locale=LOCALE, viewport=VIEWPORT)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        page = context.new_page()
        opened.append((label, page))
        return page

    yield open_new

    folder = request.config.rootpath / "test-artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    for index, (label, page) in enumerate(opened):
        name = request.node.name if index == 0 else f"{request.node.name}--{label or index}"
        try:
            page.screenshot(path=str(folder / f"{_artifact_name(name)}.png"), full_page=True)
        except Exception as error:  # a crashed page must not hide the test's own result
            request.node.warn(pytest.PytestWarning(f"no screenshot of {name}: {error!r}"))
        finally:
            page.context.close()


@pytest.fixture
def page(open_page: Callable[..., Page]) -> Page:
    return open_page()


@pytest.fixture
def login_as(live_site) -> Callable[..., Page]:
    """`login_as(page, username, password=None, expect_success=True)`; the default password is
    the demo password. Returns the page, on the page the login redirected to."""

    def login(
        page: Page, username: str, password: str | None = None, *, expect_success: bool = True
    ) -> Page:
        page.goto("/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", settings.DEMO_PASSWORD if password is None else password)
        with page.expect_navigation():
            page.click("[data-testid=login-form] button[type=submit]")
        if expect_success and page.locator("[data-testid=user-menu]").count() == 0:
            error = page.locator("[data-testid=login-error]")
            reason = error.inner_text() if error.count() else f"ended on {page.url}"
            pytest.fail(f"login as {username!r} failed: {reason}", pytrace=False)
        return page

    return login


@pytest.fixture
def page_as(
    open_page: Callable[..., Page], login_as: Callable[..., Page], demo_data: DemoData
) -> Callable[..., Page]:
    """Factory: `page_as("reviewer")` gives a new page logged in as that demo user."""

    def open_as(username: str, password: str | None = None) -> Page:
        return login_as(open_page(label=username), username, password)

    return open_as


@pytest.fixture
def nav_link() -> Callable[[Page, str], Locator]:
    """Factory: `nav_link(page, key)` gives the navigation entry `key`; when it sits in a menu of
    the bar (a <details> drop-down, see templates/base.html), the menu is opened first."""

    def find(page: Page, key: str) -> Locator:
        link = page.locator(f"[data-testid=nav] a[data-nav={key}]")
        menu = page.locator(f"[data-testid=nav] details.nav-menu:has(a[data-nav={key}])")
        if menu.count() and menu.get_attribute("open") is None:
            menu.locator("summary").click()
        return link

    return find
