"""Date and time inputs in a real browser, in Chinese (issue 18).

The bug: the call edit form wrote its dates in the Chinese input format (2026/12/06 09:00), which
<input type="datetime-local"> refuses; chromium showed both inputs empty and would not save the
form ("Please fill out this field"). Here the bureau's reviewer opens the demo's open call in
Chinese, finds both inputs holding the stored local times, saves without touching them, and the
call keeps its dates. The form's page is saved as a screenshot in test-artifacts/screenshots/.
"""

import re

from django.utils import timezone
from playwright.sync_api import Page, expect

from projects import demo as projects_demo

SHOWN = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> holds


def shot(page: Page, request, step: str) -> None:
    folder = request.config.rootpath / "test-artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"date-inputs-{step}.png"), full_page=True)


def test_a_call_edited_in_chinese_shows_and_keeps_its_dates(page_as, request):
    call = projects_demo.open_call()
    assert call is not None
    opens_at, closes_at = call.opens_at, call.closes_at

    reviewer = page_as("reviewer")
    reviewer.goto(f"/projects/calls/{call.pk}/edit/")
    expect(reviewer.locator("html")).to_have_attribute("lang", re.compile(r"^zh"))
    for name, stored in (("opens_at", opens_at), ("closes_at", closes_at)):
        field = reviewer.locator(f"#id_{name}")
        expect(field).to_have_attribute("type", "datetime-local")
        # The input's value as the browser holds it: empty when it refused the attribute.
        expect(field).to_have_value(timezone.localtime(stored).strftime(SHOWN))
        assert field.evaluate("input => input.validity.valid"), name
    shot(reviewer, request, "call-edit")

    reviewer.click("[data-testid=save-call]")
    expect(reviewer).to_have_url(re.compile(rf"/projects/calls/{call.pk}/$"))
    expect(reviewer.locator(".alert-success")).to_be_visible()
    call.refresh_from_db()
    assert (call.opens_at, call.closes_at) == (opens_at, closes_at)
