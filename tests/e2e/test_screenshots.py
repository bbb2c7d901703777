"""The README's screenshots, taken from the demo data in a real browser (issue 9).

Six pages a reader of the README should see: the login, the province's dashboard, a reviewer on
an application that experts have scored, a university's patent pool, a claim with its
entitlement computed line by line, and a city's dashboard on a phone. Each is a viewport
screenshot (not the full page) so that the PNG stays small (at most MAX_BYTES).

They go to test-artifacts/readme/ on every run; with README_SCREENSHOTS=1 they replace
docs/screenshots/, which the README shows:

    README_SCREENSHOTS=1 .venv/bin/pytest tests/e2e/test_screenshots.py
"""

import os
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from playwright.sync_api import Page, expect

from incentives.models import Claim
from projects.models import Application

MAX_BYTES = 250 * 1024
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def folder(request) -> Path:
    if os.environ.get("README_SCREENSHOTS", "").lower() in {"1", "true", "yes"}:
        target = Path(settings.BASE_DIR) / "docs" / "screenshots"
    else:
        target = request.config.rootpath / "test-artifacts" / "readme"
    target.mkdir(parents=True, exist_ok=True)
    return target


def settle(page: Page) -> None:
    """Fonts loaded, charts drawn (ECharts animates for about a second)."""
    page.wait_for_load_state("networkidle")
    page.evaluate("() => document.fonts.ready.then(() => true)")
    if page.locator("canvas, [data-chart] svg, .trend-chart svg").count():
        page.wait_for_timeout(1200)


def shoot(page: Page, path: Path) -> int:
    page.mouse.move(0, 0)  # no hover state in the picture
    page.screenshot(path=str(path), full_page=False, animations="disabled", caret="hide")
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE), path
    return len(data)


def test_readme_screenshots(
    page: Page, page_as: Callable[..., Page], demo_data, live_site, request, settings
):
    settings.RATELIMIT_ENABLE = False  # five logins in a minute
    target = folder(request)
    sizes: dict[str, int] = {}

    # 1. The login page, as a visitor finds it.
    page.set_viewport_size(DESKTOP)
    page.goto("/login/")
    expect(page.locator("[data-testid=login-form]")).to_be_visible()
    settle(page)
    sizes["login.png"] = shoot(page, target / "login.png")

    # 2. The province's dashboard: every target against expected-by-now, computed.
    leader = page_as("leader")
    leader.set_viewport_size(DESKTOP)
    leader.goto("/reporting/dashboard/")
    expect(leader.locator("[data-testid=dashboard-title]")).to_contain_text("陕西省")
    expect(leader.locator("[data-testid=target-card]").first).to_be_visible()
    settle(leader)
    sizes["province-dashboard.png"] = shoot(leader, target / "province-dashboard.png")

    # 3. A reviewer on an application the five experts have scored.
    reviewer = page_as("reviewer")
    reviewer.set_viewport_size(DESKTOP)
    scored = Application.objects.filter(status="scored").order_by("pk").first()
    reviewer.goto(f"/projects/applications/{scored.pk}/")
    expect(reviewer.locator("h1")).to_contain_text(scored.title)
    settle(reviewer)
    sizes["application-review.png"] = shoot(reviewer, target / "application-review.png")

    # 4. A claim with its entitlement computed line by line, citing the clause: the interest
    #    subsidy, counting only the payments within 24 months of the loan's start.
    claim = Claim.objects.get(status="submitted", policy__code="pledge-interest")
    reviewer.goto(f"/incentives/claims/{claim.pk}/")
    expect(reviewer.locator("[data-testid=entitlement-line]")).to_be_visible()
    assert reviewer.locator("[data-testid=working] tbody tr").count() >= 3  # payments, rate, result
    settle(reviewer)
    sizes["claim-entitlement.png"] = shoot(reviewer, target / "claim-entitlement.png")

    # 5. The university's patent pool with its screening coverage.
    university = page_as("university")
    university.set_viewport_size(DESKTOP)
    university.goto("/patents/")
    expect(university.locator("[data-testid=coverage]")).to_be_visible()
    settle(university)
    sizes["patent-pool.png"] = shoot(university, target / "patent-pool.png")

    # 6. 安康市's dashboard on a phone: the bar collapsed, the page as wide as the screen.
    city = page_as("ankang")
    city.set_viewport_size(PHONE)
    city.goto("/reporting/dashboard/610900/")
    expect(city.locator("[data-testid=dashboard-title]")).to_contain_text("安康市")
    expect(city.locator(".navbar-toggler")).to_be_visible()
    settle(city)
    assert city.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    sizes["phone-city-dashboard.png"] = shoot(city, target / "phone-city-dashboard.png")

    too_big = {name: size for name, size in sizes.items() if size > MAX_BYTES}
    assert not too_big, f"screenshots over {MAX_BYTES // 1024} KB: {too_big}"
    print({name: f"{size / 1024:.0f} KB" for name, size in sizes.items()})
