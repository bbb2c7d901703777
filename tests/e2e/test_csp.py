"""The Content-Security-Policy in a real browser (issue 8).

The policy blocks inline scripts, inline event handlers and style attributes (config/settings.py).
Chromium reports each thing it blocks as a `securitypolicyviolation` event and a console message
naming the "Content Security Policy"; both are collected while every role walks through its main
pages (every entry of its navigation bar, plus the detail, print, chart and admin pages), and
none may appear. The behaviour that moved from inline handlers to static/portal/portal.js (the
selects that submit their form, the print button, the progress bar widths) must still work.
"""

from collections.abc import Callable

from django.conf import settings
from playwright.sync_api import Page, expect

from incentives.models import Claim
from portal.models import User
from projects.models import Application, Assignment
from tests.e2e.helpers import ROLES

# Runs before any script of each page; Playwright injects it outside the page's policy.
WATCH = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} at ` +
    `${event.sourceFile || document.location.pathname}:${event.lineNumber} ${event.sample || ""}`
  );
});
// The print dialogue would block a headless browser: count the calls instead.
window.print = () => { window.__printed = (window.__printed || 0) + 1; };
"""

# Who hovers which chart: (page, chart element).
CHARTS = {
    "leader": ("/reporting/dashboard/610900/", ".trend-chart"),
    "reviewer": ("/incentives/spending/", "#spending-chart"),
}


class Watcher:
    """Collects the violations a page reports, across navigations."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.found: list[str] = []
        page.context.add_init_script(WATCH)
        page.on("console", self._console)

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.found.append(f"{self.page.url}: {message.text}")

    def collect(self) -> None:
        violations = self.page.evaluate("window.__cspViolations || []")
        self.found.extend(f"{self.page.url}: {v}" for v in violations)

    def visit(self, url: str) -> None:
        response = self.page.goto(url)
        assert response is not None and response.status < 400, (
            f"{url}: {response and response.status}"
        )
        policy = response.headers.get("content-security-policy", "")
        script_src = next((d for d in policy.split(";") if d.split()[:1] == ["script-src"]), "")
        assert script_src.split() == ["script-src", "'self'"], f"{url}: {policy!r}"
        self.page.wait_for_load_state("load")
        self.page.wait_for_timeout(150)  # charts draw and widths apply after load
        self.collect()


def nav_links(page: Page) -> list[str]:
    return page.locator("[data-nav]").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )


def extra_pages(username: str) -> list[str]:
    """Pages beyond the navigation bar: details, print, charts."""
    user = User.objects.get(username=username)
    pages = []
    if username == "enterprise":
        application = Application.objects.filter(lead_organisation=user.organisation).first()
        pages += [
            f"/projects/applications/{application.pk}/",
            f"/projects/applications/{application.pk}/print/",
            "/incentives/claims/",
        ]
    if username == "reviewer":
        application = Application.objects.exclude(status="draft").first()
        claim = Claim.objects.exclude(status="draft").first()
        pages += [
            f"/projects/applications/{application.pk}/",
            f"/projects/ranking/?lot={application.call_category_id}",
            f"/incentives/claims/{claim.pk}/",
            "/incentives/spending/",
            "/incentives/budgets/",
            "/patents/statistics/",
            "/reporting/completeness/",
            "/reporting/setup/",
            "/reporting/setup/elements/new/",
            "/api/v1/docs/",
        ]
    if username == "expert":
        assignment = Assignment.objects.filter(expert=user).first()
        if assignment:
            pages.append(f"/projects/reviews/{assignment.pk}/")
    if username == "leader":
        pages += ["/reporting/dashboard/", "/reporting/dashboard/610900/"]
    return pages


def test_main_pages_of_every_role_raise_no_violation(
    page: Page, page_as: Callable[..., Page], demo_data
):
    anonymous = Watcher(page)
    for url in ("/login/", "/register/"):
        anonymous.visit(url)
    found = list(anonymous.found)
    visited = 2

    for username in ROLES:
        watcher = Watcher(page_as(username))
        watcher.visit("/")
        urls = list(dict.fromkeys(nav_links(watcher.page) + extra_pages(username)))
        for url in urls:
            watcher.visit(url)
        if username in CHARTS:
            # The charts' tooltips appear on hover: drawn in the chart, not as styled HTML.
            url, selector = CHARTS[username]
            watcher.visit(url)
            chart = watcher.page.locator(selector).first
            expect(chart.locator("svg")).to_have_count(1)
            texts = chart.locator("svg text").count()
            chart.hover()
            expect(chart.locator("svg text")).not_to_have_count(texts)  # the tooltip is drawn
            watcher.collect()
        found += watcher.found
        visited += 1 + len(urls)

    assert visited > 40
    assert not found, "\n".join(found)


def test_django_admin_raises_no_violation(page: Page, live_site):
    User.objects.create_superuser("csp-admin", "csp-admin@example.invalid", "Csp-Admin!2025x")
    watcher = Watcher(page)
    watcher.visit("/admin/login/")
    page.fill("#id_username", "csp-admin")
    page.fill("#id_password", "Csp-Admin!2025x")
    with page.expect_navigation():
        page.click("input[type=submit]")
    expect(page.locator("#content-main")).to_be_visible()
    watcher.collect()
    links = page.locator("#content-main a").evaluate_all("a => a.map(l => l.getAttribute('href'))")
    admin_pages = [href for href in links if href and href.startswith("/admin/")]
    assert len(admin_pages) > 5
    for url in dict.fromkeys(admin_pages):
        watcher.visit(url)
    user = User.objects.get(username="csp-admin")
    watcher.visit(f"/admin/portal/user/{user.pk}/change/")  # widgets: dates, filter_horizontal
    assert not watcher.found, "\n".join(watcher.found)


def choose_another(page: Page, selector: str) -> str:
    """Picks an option other than the selected one; the select alone must submit its form."""
    select = page.locator(selector)
    current = select.input_value()
    values = select.locator("option").evaluate_all("options => options.map(o => o.value)")
    other = next(value for value in values if value != current)
    with page.expect_navigation():
        select.select_option(other)
    expect(page.locator(selector)).to_have_value(other)
    return other


def test_auto_submit_print_and_progress_bars_work_under_the_policy(
    page_as: Callable[..., Page], demo_data
):
    leader = Watcher(page_as("leader"))
    leader.visit("/reporting/dashboard/610900/")
    # Progress bars take their width from data-width (no style attribute in the markup).
    bar = leader.page.locator(".progress-fill[data-width]").first
    percent = float(bar.get_attribute("data-width"))
    assert bar.evaluate("el => el.style.width") == f"{min(percent, 100):g}%"
    marker = leader.page.locator(".progress-marker[data-left]").first
    assert marker.evaluate("el => el.style.left").endswith("%")
    period = choose_another(leader.page, "[data-testid=period-select]")
    assert f"period={period}" in leader.page.url
    leader.collect()

    # The export page polls with htmx; its progress bar is sized by the same script.
    leader.page.click("[data-testid=export-dashboard]")
    expect(leader.page.locator("[data-testid=export-download]")).to_be_visible()
    progress = leader.page.locator("[data-testid=export-status] .progress-bar")
    assert progress.evaluate("el => el.style.width") == "100%"
    leader.collect()

    # The language switcher in the navigation bar submits on change.
    leader.visit("/")
    with leader.page.expect_navigation():
        leader.page.select_option("select[name=language]", "en")
    expect(leader.page.locator("html")).to_have_attribute("lang", "en")
    leader.collect()

    reviewer = Watcher(page_as("reviewer"))
    lot = Application.objects.exclude(status="draft").first().call_category_id
    reviewer.visit(f"/projects/ranking/?lot={lot}")
    chosen = choose_another(reviewer.page, "select[name=lot]")
    assert f"lot={chosen}" in reviewer.page.url
    reviewer.visit("/incentives/spending/")
    year = choose_another(reviewer.page, "[data-testid=year-select]")
    assert f"year={year}" in reviewer.page.url
    reviewer.visit("/reporting/completeness/")
    choose_another(reviewer.page, "select[name=period]")
    reviewer.collect()

    enterprise = Watcher(page_as("enterprise"))
    user = User.objects.get(username="enterprise")
    application = Application.objects.filter(lead_organisation=user.organisation).first()
    enterprise.visit(f"/projects/applications/{application.pk}/print/")
    enterprise.page.click("[data-testid=print]")
    assert enterprise.page.evaluate("window.__printed") == 1
    enterprise.collect()

    assert leader.found + reviewer.found + enterprise.found == []
    assert settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["script-src"] == ["'self'"]
